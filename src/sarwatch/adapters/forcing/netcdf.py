"""Read gridded forcing from CF-NetCDF and GRIB2 files (xarray, lazy) into core vector fields.

:func:`open_vector_field` finds the role's variables by CF standard name (then by
the alias table in :mod:`~sarwatch.adapters.forcing.names`), concatenates several
files in time, takes the surface level, subsets lazily to the run's window and area,
and loads only that into float32 numpy arrays. Units are read by UDUNITS-2
(:mod:`~sarwatch.adapters.forcing.units`). GRIB2 files (recognised by their first bytes)
are read by cfgrib/ecCodes (:mod:`~sarwatch.adapters.forcing.grib`), one axis of valid
times.

Regular longitude/latitude grids are passed on as they are (longitudes normalised to
±180, latitudes ascending). Projected grids (CF ``grid_mapping``), curvilinear grids
(2-D latitude/longitude: ROMS, WRF, NEMO) and uneven lon/lat axes are resampled onto
a regular grid at their native resolution (:mod:`~sarwatch.adapters.forcing.regrid`),
after grid-relative components have been rotated to east/north. Land cells of
currents and Stokes drift are filled from the nearest sea cell. Errors say what the
files have: their variables, time coverage and grid extent.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sarwatch.adapters.forcing.grib import is_grib, open_grib
from sarwatch.adapters.forcing.grids import rectilinear_grid
from sarwatch.adapters.forcing.layout import Part, describe_variables, file_part, speed_scales
from sarwatch.adapters.forcing.names import STANDARD_NAME_PAIRS, VARIABLE_NAME_PAIRS, Role
from sarwatch.adapters.forcing.regrid import fill_from_nearest_sea, plan_target, resample
from sarwatch.adapters.netcdf_lock import NETCDF_LOCK
from sarwatch.drift.forcing import VectorField, coverage_advice
from sarwatch.errors import ForcingError, InputError

__all__ = ["describe_variables", "open_vector_field"]

_FILLED_ROLES = ("current", "stokes")
#: A time slice either side of the window is kept; native cells around it for the fill.
_NATIVE_PAD = 12
#: Time steps of a projected/curvilinear field read and resampled at once.
_TIME_CHUNK = 6


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


#: The first bytes of the files the netCDF4 library reads: NetCDF-4 (an HDF5 file) and
#: the classic formats (CDF-1, CDF-2 with 64-bit offsets, CDF-5 with 64-bit data).
_NETCDF_MAGIC = (b"\x89HDF\r\n\x1a\n", b"CDF\x01", b"CDF\x02", b"CDF\x05")


def _is_netcdf(path: Path) -> bool:
    """Whether a file starts like a NetCDF-4 or classic NetCDF file."""
    try:
        with path.open("rb") as fh:
            return fh.read(8).startswith(_NETCDF_MAGIC)
    except OSError:
        return False


def _open(path: Path, role: Role | None = None) -> Any:
    import xarray as xr

    if not path.exists():
        raise InputError(f"forcing file not found: {path}")
    if path.is_dir():
        raise InputError(
            f"{path} is a directory, not a forcing file: give the NetCDF files in it "
            f"(e.g. '{path / '*.nc'}', quoted, or each file)"
        )
    if is_grib(path):  # GRIB2 (ECMWF open data, GFS): the hypercube that has the role
        cubes = open_grib(path, wanted=lambda d: role is None or _find_pair(d, role) is not None)
        cubes = cubes or open_grib(path)[:1]
        if not cubes:
            raise ForcingError(f"{path}: a GRIB file without any message")
        return cubes[0]
    if _is_netcdf(path):
        # Naming the backend class spares xarray the discovery of every installed
        # backend (it imports cfgrib and ecCodes, among others); the same backend
        # xarray would pick for these bytes. A file it cannot read goes on to the
        # general path below, which says what is wrong.
        from xarray.backends import NetCDF4BackendEntrypoint

        try:
            return xr.open_dataset(path, engine=NetCDF4BackendEntrypoint, cache=False)
        except (OSError, ValueError):
            pass
    try:
        return xr.open_dataset(path, cache=False)
    except (OSError, ValueError) as exc:
        # xarray's own text ("did not find a match in any of xarray's currently installed
        # IO backends ... engine parameter ...") tells a coordinator nothing: say what to do.
        why = "" if "IO backends" in str(exc) else f" ({exc})"
        raise ForcingError(
            f"{path}: not a readable NetCDF file{why}; give a CF-NetCDF file (.nc) such as "
            "a CMEMS, HYCOM, ERA5 or GFS download, or a GRIB2 file (ECMWF open data, GFS), "
            "and check that the download finished"
        ) from exc


def _is_regular(values: npt.NDArray[np.float64]) -> bool:
    d = np.diff(values)
    return bool(values.size >= 2 and np.allclose(d, d.mean(), rtol=1e-3, atol=1e-6))


def _join(parts: list[Part], role: Role) -> tuple[Any, Any]:
    """Concatenate the files' components in time (sorted, duplicates dropped)."""
    import xarray as xr

    if len(parts) == 1:
        return parts[0].u, parts[0].v
    first = parts[0].grid
    for p in parts[1:]:
        same = (p.grid is None) == (first is None) and (
            first is None
            or (p.grid is not None and p.grid.shape == first.shape
                and np.allclose(p.grid.lon, first.lon) and np.allclose(p.grid.lat, first.lat))
        )  # fmt: skip
        if not same:
            raise ForcingError(
                f"{role} files {', '.join(q.label for q in parts)} cannot be joined in time: "
                "their grids differ"
            )
    try:
        u = xr.concat([p.u for p in parts], dim="time", join="exact")
        v = xr.concat([p.v for p in parts], dim="time", join="exact")
    except ValueError as exc:
        raise ForcingError(
            f"{role} files {', '.join(p.label for p in parts)} cannot be joined in time: their "
            f"grids differ ({exc})"
        ) from exc
    u = u.sortby("time")
    v = v.sortby("time")
    times_all = u["time"].values
    keep = np.concatenate([[True], np.diff(times_all) > np.timedelta64(0, "ns")])
    if not keep.all():
        u, v = u.isel(time=keep), v.isel(time=keep)
    return u, v


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
        float32 ``(time, lat, lon)`` arrays on a regular lon/lat grid, east/north
        components in m/s; NaN where the file has no data (for currents and Stokes
        drift, only farther than ten cells from the sea).

    Raises
    ------
    ForcingError
        No variables for the role (the message lists what the files have), a window
        outside the time coverage, a start outside the grid, a grid that cannot be
        placed on the earth, units that are not a speed.
    InputError
        A file that does not exist.
    """
    if not paths:
        raise InputError(f"no {role} files given")
    opened: list[Any] = []
    with NETCDF_LOCK:
        try:
            return _vector_field(
                paths, role, opened, t_first=t_first, t_last=t_last, lon=lon, lat=lat,
                margin_deg=margin_deg,
            )  # fmt: skip
        finally:  # before the lock goes: no file is left for the garbage collector to close
            for ds in opened:
                ds.close()


def _vector_field(
    paths: Sequence[str | Path],
    role: Role,
    opened: list[Any],
    *,
    t_first: np.datetime64,
    t_last: np.datetime64,
    lon: float,
    lat: float,
    margin_deg: float,
) -> VectorField:
    """:func:`open_vector_field`'s work, under the lock; each file opened goes to ``opened``."""
    parts: list[Part] = []
    for p in paths:
        path = Path(p)
        ds = _open(path, role)
        opened.append(ds)
        pair = _find_pair(ds, role)
        if pair is None:
            wanted = [f"{a}/{b}" for a, b in STANDARD_NAME_PAIRS[role]]
            names = [f"{a}/{b}" for a, b in VARIABLE_NAME_PAIRS[role]]
            raise ForcingError(
                f"{path}: no {role} variables found. Looked for standard_name pairs "
                f"{', '.join(wanted)} or variables {', '.join(names)}. The file has: "
                f"{describe_variables(ds)}"
            )
        part = file_part(ds, pair, path, role)
        su, sv = speed_scales(ds, pair, path)
        if su != 1.0 or sv != 1.0:
            part.u, part.v = part.u * su, part.v * sv
        parts.append(part)
    u, v = _join(parts, role)
    name = f"{role} ({', '.join(p.label for p in parts)})"
    times = np.asarray(u["time"].values).astype("datetime64[s]")
    lo, hi = min(t_first, t_last), max(t_first, t_last)
    if times.size < 2 or lo < times[0] or hi > times[-1]:
        cover = f"{times[0]} to {times[-1]} UTC" if times.size else "no times"
        advice = (
            coverage_advice(times[0], times[-1], t_first, t_last)
            if times.size >= 2
            else "give files that cover the whole run"
        )
        raise ForcingError(
            f"{name}: the run needs {lo} to {hi} UTC but the files cover {cover} "
            f"({times.size} time steps); {advice}"
        )
    i0 = int(np.searchsorted(times, lo, side="right")) - 1
    i1 = int(np.searchsorted(times, hi, side="left"))
    tsel = slice(i0, i1 + 1)
    first = parts[0]
    if first.grid is None:
        field = _regular_window(u, v, tsel, times[tsel], lon, lat, margin_deg, name)
        if field is not None:
            return _filled(field, role)
        first = Part(
            u=u.reset_coords(drop=True), v=v.reset_coords(drop=True), label=first.label,
            grid=rectilinear_grid(np.asarray(u["lon"].values), np.asarray(u["lat"].values)),
            load=None,
        )  # fmt: skip
        u, v = first.u, first.v
    assert first.grid is not None
    return _resampled(first, u, v, tsel, times[tsel], lon, lat, margin_deg, name, role)


def _filled(field: VectorField, role: Role) -> VectorField:
    if role not in _FILLED_ROLES:
        return field
    coslat = max(float(np.cos(np.radians(field.lat0 + field.dlat * field.u.shape[1] / 2))), 0.02)
    n = fill_from_nearest_sea(field.u, field.v, spacing=(field.dlat, field.dlon * coslat))
    if n == 0:
        return field
    return VectorField(
        u=field.u, v=field.v, times=field.times, lon0=field.lon0, dlon=field.dlon,
        lat0=field.lat0, dlat=field.dlat,
        name=f"{field.name}; {n} land/missing cells filled from the nearest sea cell",
    )  # fmt: skip


def _regular_window(
    u: Any, v: Any, tsel: slice, times: Any, lon: float, lat: float, margin: float, name: str
) -> VectorField | None:
    """The window of a regular lon/lat grid; ``None`` if its axes are uneven there."""
    glon = np.asarray(u["lon"].values, dtype=float)
    glat = np.asarray(u["lat"].values, dtype=float)
    lon_n = ((lon + 180.0) % 360.0) - 180.0
    if not (glon[0] <= lon_n <= glon[-1] and glat[0] <= lat <= glat[-1]):
        raise ForcingError(
            f"{name}: the start position {lat:.4f}°N {lon_n:.4f}°E lies outside the grid "
            f"({glon[0]:g}–{glon[-1]:g}°E, {glat[0]:g}–{glat[-1]:g}°N); give forcing that "
            "covers the area"
        )
    j0 = max(int(np.searchsorted(glon, lon_n - margin)) - 1, 0)
    j1 = min(int(np.searchsorted(glon, lon_n + margin)) + 1, glon.size - 1)
    k0 = max(int(np.searchsorted(glat, lat - margin)) - 1, 0)
    k1 = min(int(np.searchsorted(glat, lat + margin)) + 1, glat.size - 1)
    wlon, wlat = glon[j0 : j1 + 1], glat[k0 : k1 + 1]
    for axis, what in ((wlon, "longitude"), (wlat, "latitude")):
        if axis.size < 2:
            raise ForcingError(f"{name}: the {what} axis has {axis.size} value(s); need 2")
    if not (_is_regular(wlon) and _is_regular(wlat)):
        return None
    sel = {"time": tsel, "lat": slice(k0, k1 + 1), "lon": slice(j0, j1 + 1)}
    return VectorField(
        u=np.ascontiguousarray(u.isel(sel).values, dtype=np.float32),
        v=np.ascontiguousarray(v.isel(sel).values, dtype=np.float32),
        times=times,
        lon0=float(wlon[0]),
        dlon=float(np.diff(wlon).mean()),
        lat0=float(wlat[0]),
        dlat=float(np.diff(wlat).mean()),
        name=name,
    )


def _resampled(
    part: Part, u: Any, v: Any, tsel: slice, times: Any, lon: float, lat: float,
    margin: float, name: str, role: Role,
) -> VectorField:  # fmt: skip
    """Rotate, fill and resample a field on a projected/curvilinear/uneven grid."""
    grid = part.grid
    assert grid is not None
    lon_n = ((lon + 180.0) % 360.0) - 180.0
    target = plan_target(grid, lon_n, lat, margin, name=name)
    ny, nx = grid.shape
    r0 = max(int(np.floor(np.nanmin(target.rows))) - _NATIVE_PAD, 0)
    r1 = min(int(np.ceil(np.nanmax(target.rows))) + _NATIVE_PAD + 1, ny)
    c0 = max(int(np.floor(np.nanmin(target.cols))) - _NATIVE_PAD, 0)
    c1 = min(int(np.ceil(np.nanmax(target.cols))) + _NATIVE_PAD + 1, nx)
    rows, cols = slice(r0, r1), slice(c0, c1)
    note = f"resampled from the {grid.description} to a regular {target.dlat:.4g}° grid"
    spacing = grid.spacing_m(int(np.nanmean(target.rows)), int(np.nanmean(target.cols)))
    steps = range(tsel.start, tsel.stop)
    out_u = np.empty((len(steps), *target.shape), dtype=np.float32)
    out_v = np.empty_like(out_u)
    filled = 0
    # A few time steps at a time: the native window of a fine model can be large.
    for k0 in range(0, len(steps), _TIME_CHUNK):
        chunk = slice(steps[k0], min(steps[k0] + _TIME_CHUNK, tsel.stop))
        if part.load is not None:
            uu, vv = part.load(u, v, chunk, rows, cols)
        else:
            uu = np.asarray(u.isel(time=chunk)[:, rows, cols].values, dtype=np.float32)
            vv = np.asarray(v.isel(time=chunk)[:, rows, cols].values, dtype=np.float32)
        if part.rotate is not None:
            cos_a, sin_a = part.rotate[0][rows, cols], part.rotate[1][rows, cols]
            uu, vv = uu * cos_a - vv * sin_a, uu * sin_a + vv * cos_a
        uu32 = np.ascontiguousarray(uu, dtype=np.float32)
        vv32 = np.ascontiguousarray(vv, dtype=np.float32)
        if role in _FILLED_ROLES:
            n = fill_from_nearest_sea(uu32, vv32, spacing=(spacing, spacing))
            filled = filled or n
        k1 = k0 + uu32.shape[0]
        out_u[k0:k1] = resample(uu32, target, (r0, c0))
        out_v[k0:k1] = resample(vv32, target, (r0, c0))
    if filled:
        note += f"; {filled} land/missing cells filled from the nearest sea cell"
    return VectorField(
        u=out_u,
        v=out_v,
        times=times,
        lon0=target.lon0,
        dlon=target.dlon,
        lat0=target.lat0,
        dlat=target.dlat,
        name=f"{name}; {note}",
    )
