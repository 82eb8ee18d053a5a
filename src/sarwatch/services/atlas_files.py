"""Write a drift atlas as CF-NetCDF (``.nc``) or Zarr (``.zarr``), with its provenance.

Variables: ``presence_count`` (particles per cell and lead time, integers: the exact
sum), ``presence_probability`` (its share of all particles), ``class_count`` and
``class_share`` (SAR-region membership classes, disjoint), ``region_share`` (per
region, overlaps counted in each), ``ashore_count`` and ``ashore_share`` (particles
stranded by the lead time, per departure and State whose coast they reached),
``departure_presence_count`` and ``departure_presence_probability`` (each departure's own
grid, when there are several) and ``outside_grid_count``. The global attribute
``provenance`` is JSON: sarwatch version, object class, particles, every scenario's
departure, start time and seed, the forcing files' SHA-256, and the failed tasks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from sarwatch.drift.atlas_grid import class_label
from sarwatch.errors import InputError
from sarwatch.services.atlas import AtlasResult

__all__ = ["atlas_dataset", "check_atlas_path", "open_atlas", "write_atlas", "write_atlas_map"]


def atlas_dataset(result: AtlasResult) -> Any:
    """The atlas as an :class:`xarray.Dataset` (CF-1.8 attributes)."""
    import xarray as xr

    c = result.counts
    g = c.grid
    seen = np.flatnonzero(c.classes.sum(axis=0))
    labels = [class_label(int(k), result.region_ids) for k in seen]
    total = max(c.particles, 1)
    shares = c.region_shares(result.region_ids)
    prov = dict(result.provenance)
    prov["failures"] = [
        {"departure": f.departure, "start": f.start.isoformat(), "error": f.error}
        for f in result.failures
    ]
    prov["scenarios_counted"] = c.scenarios
    prov["scenarios_failed"] = len(result.failures)
    lead = np.asarray(result.lead_hours, dtype=np.float64)
    # every State with a coast in the region, then "unknown": the same columns in every
    # atlas (so that atlases line up), and never an empty dimension
    landed = np.arange(c.ashore.shape[2])
    state_labels = [(result.coast_states[k] if k < len(result.coast_states) else "") or "unknown"
                    for k in landed]  # fmt: skip
    names = [d["name"] for d in result.provenance.get("departures", [])]
    names = names if len(names) == c.ashore.shape[1] else [str(k) for k in range(c.ashore.shape[1])]
    per_departure = np.maximum(c.departure_particles, 1)[None, :, None]
    # summed over the departures once (AtlasCounts.presence sums on every access), then
    # shared by the count, the probability and the choice of integer width
    presence = c.presence
    count_dtype = np.int32 if presence.max(initial=0) < 2**31 else np.int64
    ds = xr.Dataset(
        {
            "presence_count": (
                ("lead_time", "lat", "lon"),
                presence.astype(count_dtype),
                {"long_name": "particles in the cell, all scenarios", "units": "1"},
            ),
            "presence_probability": (
                ("lead_time", "lat", "lon"),
                (presence / total).astype(np.float32),
                {"long_name": "probability of presence (share of all particles)", "units": "1"},
            ),
            "class_count": (
                ("lead_time", "srr_class"),
                c.classes[:, seen],
                {"long_name": "located particles per SAR-region membership class", "units": "1"},
            ),
            "class_share": (
                ("lead_time", "srr_class"),
                c.classes[:, seen] / total,
                {
                    "long_name": "share of all particles per membership class (disjoint)",
                    "units": "1",
                },
            ),
            "region_share": (
                ("lead_time", "srr"),
                np.stack([shares[r] for r in result.region_ids], axis=1),
                {
                    "long_name": "share of all particles in each SAR region (overlaps in each)",
                    "units": "1",
                },
            ),
            "ashore_count": (
                ("lead_time", "departure", "coast_state"),
                c.ashore[:, :, landed],
                {
                    "long_name": "particles stranded by the lead time, per departure and "
                    "State's coast",
                    "units": "1",
                },
            ),
            "ashore_share": (
                ("lead_time", "departure", "coast_state"),
                c.ashore[:, :, landed] / per_departure,
                {
                    "long_name": "share of the departure's particles stranded by the lead "
                    "time, per State's coast",
                    "units": "1",
                },
            ),
            "departure_particles": (
                ("departure",),
                c.departure_particles,
                {"long_name": "particles counted from the departure", "units": "1"},
            ),
            "outside_grid_count": (
                ("lead_time",),
                c.outside_grid,
                {"long_name": "located particles off the grid", "units": "1"},
            ),
        },
        coords={
            "lead_time": ("lead_time", lead, {"long_name": "time since departure", "units": "h"}),
            "lat": (
                "lat",
                g.lat_centres(),
                {
                    "standard_name": "latitude",
                    "long_name": "latitude of the cell centre",
                    "units": "degrees_north",
                    "axis": "Y",
                    "bounds": "lat_bnds",
                },
            ),
            "lon": (
                "lon",
                g.lon_centres(),
                {
                    "standard_name": "longitude",
                    "long_name": "longitude of the cell centre",
                    "units": "degrees_east",
                    "axis": "X",
                    "bounds": "lon_bnds",
                },
            ),
            # cells are half-open [lo, lo + cell): CF cell boundaries
            "lat_bnds": (("lat", "nv"), _bounds(g.lat_centres(), g.cell_deg)),
            "lon_bnds": (("lon", "nv"), _bounds(g.lon_centres(), g.cell_deg)),
            "srr_class": (
                "srr_class",
                np.array(labels, dtype=object),
                {
                    "long_name": "SAR-region membership class: the regions holding the "
                    "particle, joined by '+' ('none': in no region)"
                },
            ),
            "srr": (
                "srr",
                np.array(result.region_ids, dtype=object),
                {"long_name": "SAR region (ISO 3166-1 alpha-2 of the responsible State)"},
            ),
            "departure": (
                "departure",
                np.array(names, dtype=object),
                {"long_name": "departure (name; its position is in the provenance)"},
            ),
            "coast_state": (
                "coast_state",
                np.array(state_labels, dtype=object),
                {
                    "long_name": "State whose coast was reached (ISO 3166-1 alpha-2; "
                    "'unknown': no packaged coast within 5 km)"
                },
            ),
        },
        attrs={
            "Conventions": "CF-1.8",
            "title": "sarwatch drift atlas",
            "source": f"sarwatch {result.provenance['sarwatch_version']}",
            "scenarios": c.scenarios,
            "particles": c.particles,
            "cell_deg": g.cell_deg,
            "provenance": json.dumps(prov, sort_keys=True),
        },
    )
    if c.by_departure.shape[1] > 1:  # each departure's own grid, besides the sum
        ds["departure_presence_count"] = (
            ("lead_time", "departure", "lat", "lon"),
            c.by_departure.astype(count_dtype),
            {"long_name": "particles in the cell, the departure's scenarios", "units": "1"},
        )
        ds["departure_presence_probability"] = (
            ("lead_time", "departure", "lat", "lon"),
            c.departure_probability().astype(np.float32),
            {
                "long_name": "probability of presence of the departure's boats (share of "
                "its particles)",
                "units": "1",
            },
        )
    return ds


def _bounds(centres: np.ndarray[Any, Any], cell_deg: float) -> np.ndarray[Any, Any]:
    """``(n, 2)`` cell boundaries, degrees, of cells ``cell_deg`` wide round ``centres``."""
    return np.stack([centres - 0.5 * cell_deg, centres + 0.5 * cell_deg], axis=1)


#: The per-departure grids are mostly empty: deflated in the file (any reader decodes it).
_DEFLATED = ("departure_presence_count", "departure_presence_probability")


def _encoding(ds: Any, zarr: bool) -> dict[str, dict[str, Any]]:
    """How each variable is stored: no fill value on the coordinates (CF: they have no
    missing values), and the grids in chunks of one map (one lead time, one departure),
    so that reading Zuwara's grid at +48 h does not decompress every departure's and
    lead time's."""
    enc: dict[str, dict[str, Any]] = {
        v: {"_FillValue": None} for v in ("lead_time", "lat", "lon", "lat_bnds", "lon_bnds")
    }
    for name, var in ds.data_vars.items():
        if var.dims[-2:] == ("lat", "lon"):
            chunks = tuple(1 if d not in ("lat", "lon") else ds.sizes[d] for d in var.dims)
            enc[name] = {"chunks": chunks} if zarr else {"chunksizes": chunks}
            if not zarr and name in _DEFLATED:
                enc[name].update(zlib=True, complevel=4)
    return enc


def check_atlas_path(path: Path) -> None:
    """Refuse, before any scenario runs, an atlas path that could not be written.

    Raises
    ------
    InputError
        A suffix other than ``.nc``/``.zarr``, a ``.zarr`` without the zarr package, or a
        folder that does not exist.
    """
    path = Path(path)
    if path.suffix not in (".nc", ".zarr"):
        raise InputError(f"--out {path}: give a .nc (CF-NetCDF) or .zarr path")
    if path.suffix == ".zarr":
        try:
            import zarr  # noqa: F401
        except ImportError:
            raise InputError(
                f"--out {path}: writing Zarr needs the zarr package (pip install zarr); "
                "give an .nc path"
            ) from None
    parent = path.absolute().parent
    if not parent.is_dir():
        raise InputError(f"--out {path}: the folder {parent} does not exist; create it first")


def write_atlas(result: AtlasResult, path: Path) -> Path:
    """Write the atlas: Zarr for a ``.zarr`` path (needs ``zarr``), else CF-NetCDF.

    Raises
    ------
    InputError
        A ``.zarr`` path without the zarr package.
    """
    ds = atlas_dataset(result)
    path = Path(path)
    if path.suffix == ".zarr":
        try:
            import zarr  # noqa: F401
        except ImportError as exc:
            raise InputError(
                f"{path}: writing Zarr needs the zarr package (pip install zarr); give an .nc path"
            ) from exc
        for name in ("srr_class", "srr", "coast_state", "departure"):
            ds[name] = ds[name].astype(str)
        # Zarr format 2: the widely read one
        ds.to_zarr(
            path, mode="w", zarr_format=2, consolidated=True, encoding=_encoding(ds, zarr=True)
        )
    else:
        from sarwatch.adapters.netcdf_lock import NETCDF_LOCK

        with NETCDF_LOCK:
            ds.to_netcdf(path, engine="netcdf4", encoding=_encoding(ds, zarr=False))
    return path


def open_atlas(path: Path) -> Any:
    """The atlas file ``path`` (``.nc`` or ``.zarr``) as an :class:`xarray.Dataset`, loaded.

    Raises
    ------
    InputError
        No such file, or a file xarray cannot read as NetCDF or Zarr.
    """
    import xarray as xr

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such atlas file; make one with `sarwatch atlas --out FILE`")
    try:
        if path.suffix == ".zarr" or path.is_dir():
            try:
                import zarr  # noqa: F401
            except ImportError:
                raise InputError(
                    f"{path}: reading a Zarr atlas needs the zarr package (pip install zarr); "
                    "or write the atlas as .nc"
                ) from None
            return xr.open_zarr(path).load()
        from sarwatch.adapters.netcdf_lock import NETCDF_LOCK

        with NETCDF_LOCK, xr.open_dataset(path, engine="netcdf4") as ds:
            return ds.load()
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{path}: not a readable NetCDF or Zarr atlas ({exc})") from None


def write_atlas_map(
    ds: Any,
    png: Path,
    *,
    leads: list[float] | None = None,
    departure: str | None = None,
    cache_dir: Path | None = None,
) -> Path:
    """Draw the atlas ``ds`` (:func:`atlas_dataset` or :func:`open_atlas`) to the PNG ``png``:
    its probability of presence at up to four lead times (``leads``, hours; default spread
    over the run), with the coastline, the SAR regions and the departures; of all the boats,
    or of those leaving ``departure`` (its name).

    Raises
    ------
    InputError
        ``png`` does not end in ``.png``, ``ds`` is not an atlas, or a lead or a
        departure it lacks.
    """
    from sarwatch.adapters.exports.atlas_png import atlas_png

    png = Path(png)
    if png.suffix.lower() != ".png":
        raise InputError(f"{png}: the map is a PNG image; give a path ending in .png")
    return atlas_png(ds, png, leads=leads, departure=departure, cache_dir=cache_dir)
