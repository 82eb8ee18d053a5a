"""What a forcing file holds: roles, variables, units, time span and area.

:func:`inspect_forcing_file` reads a CF-NetCDF or GRIB2 file's metadata (and its
coordinates, not its data) the way the drift reader will read it, so that a file the
library accepts is one the drift can use: every role found must have units of speed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sarwatch.adapters.forcing.grib import is_grib
from sarwatch.adapters.forcing.layout import file_part, speed_scales
from sarwatch.adapters.forcing.names import ROLES, STANDARD_NAME_PAIRS, Role
from sarwatch.adapters.forcing.netcdf import _find_pair, _open
from sarwatch.adapters.netcdf_lock import NETCDF_LOCK
from sarwatch.errors import ForcingError

__all__ = ["FileFacts", "inspect_forcing_file"]


@dataclass(frozen=True)
class FileFacts:
    """A forcing file's contents as the drift reader sees them.

    Attributes
    ----------
    format
        ``"grib2"`` or ``"netcdf"``.
    roles
        The roles found (``current``, ``wind``, ``stokes``).
    variables
        One ``"u/v (role, units)"`` per role.
    time_start, time_end
        First and last valid time (``datetime64[s]``, UTC).
    n_times
        Time steps.
    area
        ``(lon_min, lat_min, lon_max, lat_max)`` of the grid's centres, degrees.
    reference_time
        The forecast's run (``forecast_reference_time``), ISO 8601 UTC, when the file
        says it (GRIB always does).
    """

    format: str
    roles: tuple[Role, ...]
    variables: tuple[str, ...]
    time_start: np.datetime64
    time_end: np.datetime64
    n_times: int
    area: tuple[float, float, float, float]
    reference_time: str | None


def _reference_time(ds: object) -> str | None:
    attrs = getattr(ds, "attrs", {})
    for key in ("forecast_reference_time", "forecast_reference_time_utc"):
        if key in attrs:
            return str(attrs[key])
    coords = getattr(ds, "coords", {})
    if "forecast_reference_time" in coords:
        value = np.asarray(coords["forecast_reference_time"].values).ravel()
        if value.size:
            return str(value.max().astype("datetime64[s]")) + "Z"
    return None


def _role_facts(ds: Any, role: Role, path: Path) -> tuple[Any, ...] | None:
    """``(pair, units, times, lon, lat)`` of one role in an open file, or ``None`` if it
    has no variables for it."""
    pair = _find_pair(ds, role)
    if pair is None:
        return None
    speed_scales(ds, pair, path)  # refuses units that are not a speed
    part = file_part(ds, pair, path, role)
    times = np.asarray(part.u["time"].values).astype("datetime64[s]")
    if times.size == 0:
        raise ForcingError(f"{path}: {pair[0]}/{pair[1]} have no time steps")
    if part.grid is None:
        lon = np.asarray(part.u["lon"].values, dtype=float)
        lat = np.asarray(part.u["lat"].values, dtype=float)
    else:
        lon, lat = part.grid.lon, part.grid.lat
    units = ds[pair[0]].attrs.get("units", "m s-1")
    return pair, units, times, lon, lat


def inspect_forcing_file(path: Path) -> FileFacts:
    """The roles, variables, time span and area of one forcing file.

    Raises
    ------
    ForcingError
        No current, wind or Stokes variables; units that are not a speed; no times;
        a file that cannot be read.
    InputError
        The file does not exist.
    """
    path = Path(path)
    roles: list[Role] = []
    variables: list[str] = []
    starts, ends, counts = [], [], []
    boxes: list[tuple[float, float, float, float]] = []
    reference = None
    for role in ROLES:
        with NETCDF_LOCK:
            ds = _open(path, role)
            try:
                facts = _role_facts(ds, role, path)
                if facts is not None and not reference:
                    reference = _reference_time(ds)
            finally:  # closed under the lock (see sarwatch.adapters.netcdf_lock)
                ds.close()
        if facts is None:
            continue
        pair, units, times, lon, lat = facts
        roles.append(role)
        variables.append(f"{pair[0]}/{pair[1]} ({role}, {units})")
        starts.append(times.min())
        ends.append(times.max())
        counts.append(times.size)
        boxes.append((float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())))
    if not roles:
        wanted = ", ".join(f"{a}/{b}" for r in ROLES for a, b in STANDARD_NAME_PAIRS[r][:1])
        raise ForcingError(
            f"{path}: no current, wind or Stokes drift variables (looked for {wanted} and "
            "the usual product names); give a CF-NetCDF or GRIB2 file of surface currents, "
            "10 m winds or Stokes drift"
        )
    area = (
        max(b[0] for b in boxes),
        max(b[1] for b in boxes),
        min(b[2] for b in boxes),
        min(b[3] for b in boxes),
    )
    return FileFacts(
        format="grib2" if is_grib(path) else "netcdf",
        roles=tuple(roles),
        variables=tuple(variables),
        time_start=max(starts),
        time_end=min(ends),
        n_times=max(counts),
        area=area,
        reference_time=reference,
    )
