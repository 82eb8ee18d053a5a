"""Read gridded forcing from CF-NetCDF files (xarray, lazy) into core vector fields.

:func:`open_vector_field` finds the role's variables by CF standard name (then by
the alias table in :mod:`~sarwatch.adapters.forcing.names`), concatenates several
files in time, normalises longitudes to ±180 and latitudes to ascending order,
takes the surface level, subsets lazily to the run's window and area, and loads
only that into float32 numpy arrays. Errors say what the files have: their
variables, time coverage and grid extent.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sarwatch.adapters.forcing.names import (
    COORD_NAMES,
    STANDARD_NAME_PAIRS,
    VARIABLE_NAME_PAIRS,
    Role,
)
from sarwatch.drift.forcing import VectorField
from sarwatch.errors import ForcingError, InputError

__all__ = ["describe_variables", "open_vector_field"]

_UNIT_SCALE = {
    "m/s": 1.0,
    "m s-1": 1.0,
    "m s**-1": 1.0,
    "m.s-1": 1.0,
    "meter/sec": 1.0,
    "meters/second": 1.0,
    "m/sec": 1.0,
    "cm/s": 0.01,
    "cm s-1": 0.01,
    "knots": 0.514444,
    "kt": 0.514444,
    "kn": 0.514444,
}


def describe_variables(ds: Any) -> str:
    """One line per data variable: name, standard_name, units, dimensions."""
    lines = []
    for name, var in ds.data_vars.items():
        sn = var.attrs.get("standard_name", "-")
        units = var.attrs.get("units", "-")
        lines.append(f"{name} (standard_name={sn}, units={units}, dims={tuple(var.dims)})")
    return "; ".join(lines) if lines else "no data variables"


def _find_pair(ds: Any, role: Role) -> tuple[str, str] | None:
    by_sn: dict[str, str] = {}
    for name, var in ds.data_vars.items():
        sn = var.attrs.get("standard_name")
        if isinstance(sn, str):
            by_sn.setdefault(sn, str(name))
    for su, sv in STANDARD_NAME_PAIRS[role]:
        if su in by_sn and sv in by_sn:
            return by_sn[su], by_sn[sv]
    for nu, nv in VARIABLE_NAME_PAIRS[role]:
        if nu in ds.data_vars and nv in ds.data_vars:
            return nu, nv
    return None


def _coord_name(da: Any, kind: str) -> str | None:
    std = {"lon": "longitude", "lat": "latitude", "time": "time", "depth": "depth"}[kind]
    axis = {"lon": "X", "lat": "Y", "time": "T", "depth": "Z"}[kind]
    for dim in da.dims:
        if dim in da.coords:
            attrs = da.coords[dim].attrs
            if attrs.get("standard_name") == std or attrs.get("axis") == axis:
                return str(dim)
    for cand in COORD_NAMES[kind]:
        if cand in da.dims:
            return cand
    return None


def _normalise(da: Any, path: Path, role: Role) -> Any:
    """Rename dims to time/lat/lon, take the surface level, fix orders and units."""
    names = {k: _coord_name(da, k) for k in ("lon", "lat", "time", "depth")}
    for k in ("lon", "lat", "time"):
        if names[k] is None:
            raise ForcingError(
                f"{path}: variable {da.name!r} for {role} has dims {tuple(da.dims)}; expected a "
                f"{k} dimension (CF standard_name/axis or one of {COORD_NAMES[k]})"
            )
    if names["depth"] is not None:
        depth = np.abs(np.asarray(da.coords[names["depth"]].values, dtype=float))
        da = da.isel({names["depth"]: int(np.argmin(depth))})
    extra = [d for d in da.dims if d not in (names["lon"], names["lat"], names["time"])]
    for d in extra:
        if da.sizes[d] != 1:
            raise ForcingError(
                f"{path}: variable {da.name!r} has an extra dimension {d!r} of size "
                f"{da.sizes[d]}; expected (time, [depth,] lat, lon)"
            )
        da = da.isel({d: 0})
    da = da.rename({names["time"]: "time", names["lat"]: "lat", names["lon"]: "lon"})
    da = da.transpose("time", "lat", "lon")
    units = str(da.attrs.get("units", "m/s")).strip()
    scale = _UNIT_SCALE.get(units, _UNIT_SCALE.get(units.lower()))
    if scale is None:
        raise ForcingError(
            f"{path}: variable {da.name!r} has units {units!r}; expected a speed such as m/s"
        )
    if scale != 1.0:
        da = da * scale
    lon = np.asarray(da["lon"].values, dtype=float)
    wrapped = ((lon + 180.0) % 360.0) - 180.0
    if not np.array_equal(wrapped, lon):
        da = da.assign_coords(lon=wrapped)
    if not _is_increasing(wrapped):
        da = da.sortby("lon")
    lat = np.asarray(da["lat"].values, dtype=float)
    if not _is_increasing(lat):
        da = da.sortby("lat")
    return da


def _is_increasing(x: npt.NDArray[np.float64]) -> bool:
    return bool(x.size < 2 or np.all(np.diff(x) > 0))


def _open(path: Path) -> Any:
    import xarray as xr

    if not path.exists():
        raise InputError(f"forcing file not found: {path}")
    try:
        return xr.open_dataset(path, cache=False)
    except (OSError, ValueError) as exc:
        raise ForcingError(f"{path}: not a readable NetCDF file ({exc})") from exc


def _regular_axis(values: npt.NDArray[np.float64], what: str, path: str) -> tuple[float, float]:
    if values.size < 2:
        raise ForcingError(f"{path}: the {what} axis has {values.size} value(s); need at least 2")
    d = np.diff(values)
    if not np.allclose(d, d.mean(), rtol=1e-3, atol=1e-6):
        raise ForcingError(
            f"{path}: the {what} axis is not regular (spacing {d.min():g} to {d.max():g} "
            "degrees); regrid to a regular lat/lon grid first (e.g. `cdo remapbil`)"
        )
    return float(values[0]), float(d.mean())


def open_vector_field(
    paths: Sequence[str | Path],
    role: Role,
    *,
    t_first: np.datetime64,
    t_last: np.datetime64,
    lon: float,
    lat: float,
    margin_deg: float = 5.0,
) -> VectorField:
    """Load one role (current, wind or Stokes drift) for a run's window and area.

    Parameters
    ----------
    paths
        One or more CF-NetCDF files, concatenated in time (any order).
    role
        ``"current"``, ``"wind"`` or ``"stokes"``.
    t_first, t_last
        The run's time window (``datetime64``, UTC; ``t_last`` may precede ``t_first``
        for backward runs).
    lon, lat
        Start position, degrees: it must lie inside the grid.
    margin_deg
        Area kept around the start position, degrees.

    Returns
    -------
    VectorField
        float32 ``(time, lat, lon)`` arrays; NaN where the file has no data.

    Raises
    ------
    ForcingError
        No variables for the role (the message lists what the files have), a window
        outside the time coverage, a start outside the grid, an irregular grid.
    InputError
        A file that does not exist.
    """
    import xarray as xr

    if not paths:
        raise InputError(f"no {role} files given")
    parts_u, parts_v, labels = [], [], []
    for p in paths:
        path = Path(p)
        ds = _open(path)
        pair = _find_pair(ds, role)
        if pair is None:
            wanted = [f"{a}/{b}" for a, b in STANDARD_NAME_PAIRS[role]]
            names = [f"{a}/{b}" for a, b in VARIABLE_NAME_PAIRS[role]]
            raise ForcingError(
                f"{path}: no {role} variables found. Looked for standard_name pairs "
                f"{', '.join(wanted)} or variables {', '.join(names)}. The file has: "
                f"{describe_variables(ds)}"
            )
        parts_u.append(_normalise(ds[pair[0]], path, role))
        parts_v.append(_normalise(ds[pair[1]], path, role))
        labels.append(f"{path.name}:{pair[0]}/{pair[1]}")
    if len(parts_u) == 1:
        u, v = parts_u[0], parts_v[0]
    else:
        try:
            u = xr.concat(parts_u, dim="time", join="exact")
            v = xr.concat(parts_v, dim="time", join="exact")
        except ValueError as exc:
            raise ForcingError(
                f"{role} files {', '.join(labels)} cannot be joined in time: their grids differ "
                f"({exc})"
            ) from exc
        u = u.sortby("time")
        v = v.sortby("time")
        times_all = u["time"].values
        keep = np.concatenate([[True], np.diff(times_all) > np.timedelta64(0, "ns")])
        if not keep.all():
            u, v = u.isel(time=keep), v.isel(time=keep)
    name = f"{role} ({', '.join(labels)})"
    times = np.asarray(u["time"].values).astype("datetime64[s]")
    lo, hi = min(t_first, t_last), max(t_first, t_last)
    if times.size < 2 or lo < times[0] or hi > times[-1]:
        cover = f"{times[0]} to {times[-1]} UTC" if times.size else "no times"
        raise ForcingError(
            f"{name}: the run needs {lo} to {hi} UTC but the files cover {cover} "
            f"({times.size} time steps); give files that cover the whole run or shorten it"
        )
    i0 = int(np.searchsorted(times, lo, side="right")) - 1
    i1 = int(np.searchsorted(times, hi, side="left"))
    glon = np.asarray(u["lon"].values, dtype=float)
    glat = np.asarray(u["lat"].values, dtype=float)
    lon_n = ((lon + 180.0) % 360.0) - 180.0
    if not (glon[0] <= lon_n <= glon[-1] and glat[0] <= lat <= glat[-1]):
        raise ForcingError(
            f"{name}: the start position {lat:.4f}°N {lon_n:.4f}°E lies outside the grid "
            f"({glon[0]:g}–{glon[-1]:g}°E, {glat[0]:g}–{glat[-1]:g}°N); give forcing that "
            "covers the area"
        )
    j0 = max(int(np.searchsorted(glon, lon_n - margin_deg)) - 1, 0)
    j1 = min(int(np.searchsorted(glon, lon_n + margin_deg)) + 1, glon.size - 1)
    k0 = max(int(np.searchsorted(glat, lat - margin_deg)) - 1, 0)
    k1 = min(int(np.searchsorted(glat, lat + margin_deg)) + 1, glat.size - 1)
    sel = {"time": slice(i0, i1 + 1), "lat": slice(k0, k1 + 1), "lon": slice(j0, j1 + 1)}
    lon0, dlon = _regular_axis(glon[j0 : j1 + 1], "longitude", name)
    lat0, dlat = _regular_axis(glat[k0 : k1 + 1], "latitude", name)
    u_np = np.ascontiguousarray(u.isel(sel).values, dtype=np.float32)
    v_np = np.ascontiguousarray(v.isel(sel).values, dtype=np.float32)
    return VectorField(
        u=u_np,
        v=v_np,
        times=times[i0 : i1 + 1],
        lon0=lon0,
        dlon=dlon,
        lat0=lat0,
        dlat=dlat,
        name=name,
    )
