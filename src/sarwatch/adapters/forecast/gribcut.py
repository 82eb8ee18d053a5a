"""Cut regular lon/lat GRIB messages to an area (ecCodes), message by message.

ECMWF open data and GFS serve global fields; their servers cut by message (byte
ranges from the index) but not in space. Each message is cut here to the area asked
for, keeping its packing, so that the library holds the area and not the globe.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sarwatch.errors import ForcingError

__all__ = ["cut_grib"]


def _axis(first: float, last: float, n: int) -> np.ndarray:
    return np.linspace(first, last, n)


def cut_grib(
    source: Path, target: Path, area: tuple[float, float, float, float], *, pad: int = 1
) -> int:
    """Write the messages of ``source`` cut to ``area`` into ``target``; the count.

    Parameters
    ----------
    source, target
        GRIB files (edition 1 or 2) on regular lon/lat grids.
    area
        ``(lon_min, lat_min, lon_max, lat_max)``, degrees (−180..180).
    pad
        Grid cells kept beyond the area on each side.

    Raises
    ------
    ForcingError
        A message that is not on a regular lon/lat grid, or that misses the area.
    """
    import eccodes

    lon_min, lat_min, lon_max, lat_max = area
    count = 0
    with Path(source).open("rb") as fin, Path(target).open("wb") as fout:
        while True:
            h = eccodes.codes_grib_new_from_file(fin)
            if h is None:
                break
            try:
                if eccodes.codes_get(h, "gridType") != "regular_ll":
                    raise ForcingError(f"{source}: a message is not on a regular lon/lat grid")
                ni, nj = eccodes.codes_get(h, "Ni"), eccodes.codes_get(h, "Nj")
                lat0 = eccodes.codes_get(h, "latitudeOfFirstGridPointInDegrees")
                lat1 = eccodes.codes_get(h, "latitudeOfLastGridPointInDegrees")
                lon0 = eccodes.codes_get(h, "longitudeOfFirstGridPointInDegrees")
                lon1 = eccodes.codes_get(h, "longitudeOfLastGridPointInDegrees")
                if lon1 < lon0:
                    lon1 += 360.0
                lats = _axis(lat0, lat1, nj)
                lons = _axis(lon0, lon1, ni)
                wrapped = ((lons + 180.0) % 360.0) - 180.0
                values = eccodes.codes_get_values(h).reshape(nj, ni)
                order = np.argsort(wrapped, kind="stable")
                wrapped, values = wrapped[order], values[:, order]
                cols = np.nonzero((wrapped >= lon_min) & (wrapped <= lon_max))[0]
                rows = np.nonzero((lats >= lat_min) & (lats <= lat_max))[0]
                if cols.size == 0 or rows.size == 0:
                    raise ForcingError(
                        f"{source}: the grid ({lon0:g}..{lon1:g}°E, {lat1:g}..{lat0:g}°N) "
                        f"misses the area {area}"
                    )
                c0, c1 = max(cols[0] - pad, 0), min(cols[-1] + pad, ni - 1)
                r0, r1 = max(rows[0] - pad, 0), min(rows[-1] + pad, nj - 1)
                sub = values[r0 : r1 + 1, c0 : c1 + 1]
                clone = eccodes.codes_clone(h)
                try:
                    eccodes.codes_set(clone, "Ni", int(c1 - c0 + 1))
                    eccodes.codes_set(clone, "Nj", int(r1 - r0 + 1))
                    eccodes.codes_set(clone, "longitudeOfFirstGridPointInDegrees", wrapped[c0])
                    eccodes.codes_set(clone, "longitudeOfLastGridPointInDegrees", wrapped[c1])
                    eccodes.codes_set(clone, "latitudeOfFirstGridPointInDegrees", lats[r0])
                    eccodes.codes_set(clone, "latitudeOfLastGridPointInDegrees", lats[r1])
                    eccodes.codes_set_values(clone, np.ascontiguousarray(sub).ravel())
                    eccodes.codes_write(clone, fout)
                finally:
                    eccodes.codes_release(clone)
                count += 1
            finally:
                eccodes.codes_release(h)
    if count == 0:
        raise ForcingError(f"{source}: no GRIB message to cut; check that the download finished")
    return count
