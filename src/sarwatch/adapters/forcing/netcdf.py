"""Read gridded forcing from CF-NetCDF files (xarray, lazy) into core vector fields.

:func:`open_vector_field` finds the role's variables by CF standard name (then by
the alias table in :mod:`~sarwatch.adapters.forcing.names`), concatenates several
files in time, takes the surface level, subsets lazily to the run's window and area,
and loads only that into float32 numpy arrays. Units are read by UDUNITS-2
(:mod:`~sarwatch.adapters.forcing.units`).

Regular longitude/latitude grids are passed on as they are (longitudes normalised to
±180, latitudes ascending). Projected grids (CF ``grid_mapping``), curvilinear grids
(2-D latitude/longitude: ROMS, WRF, NEMO) and uneven lon/lat axes are resampled onto
a regular grid at their native resolution (:mod:`~sarwatch.adapters.forcing.regrid`),
after grid-relative components have been rotated to east/north. Land cells of
currents and Stokes drift are filled from the nearest sea cell. Errors say what the
files have: their variables, time coverage and grid extent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sarwatch.adapters.forcing.grids import (
    NativeGrid,
    curvilinear_grid,
    find_2d_lonlat,
    grid_angle,
    projected_angle,
    projected_grid,
    rectilinear_grid,
)
from sarwatch.adapters.forcing.names import (
    COORD_NAMES,
    STANDARD_NAME_PAIRS,
    VARIABLE_NAME_PAIRS,
    Role,
    is_earth_relative,
)
from sarwatch.adapters.forcing.regrid import fill_from_nearest_sea, plan_target, resample
from sarwatch.adapters.forcing.units import speed_scale_ms
from sarwatch.drift.forcing import VectorField
from sarwatch.errors import ForcingError, InputError

__all__ = ["describe_variables", "open_vector_field"]

_LON_UNITS = ("degrees_east", "degree_east", "degrees_e", "degree_e", "degreee", "degreese")
_LAT_UNITS = ("degrees_north", "degree_north", "degrees_n", "degree_n", "degreen", "degreesn")
_FILLED_ROLES = ("current", "stokes")
#: A time slice either side of the window is kept; native cells around it for the fill.
_NATIVE_PAD = 12
#: Time steps of a projected/curvilinear field read and resampled at once.
_TIME_CHUNK = 6


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
    std = {"time": "time", "depth": "depth"}[kind]
    axis = {"time": "T", "depth": "Z"}[kind]
    for dim in da.dims:
        if dim in da.coords:
            attrs = da.coords[dim].attrs
            if attrs.get("standard_name") == std or attrs.get("axis") == axis:
                return str(dim)
    for cand in COORD_NAMES[kind]:
        if cand in da.dims:
            return cand
    return None


def _degree_axis(da: Any, dim: str) -> str | None:
    """``"lon"``/``"lat"`` if ``dim`` is a 1-D longitude/latitude axis in degrees."""
    if dim not in da.coords or da.coords[dim].ndim != 1:
        return None
    attrs = da.coords[dim].attrs
    sn = str(attrs.get("standard_name", ""))
    units = str(attrs.get("units", "")).strip().lower().replace(" ", "")
    if sn in ("longitude", "latitude"):
        return "lon" if sn == "longitude" else "lat"
    if sn.startswith("projection_") or sn.startswith("grid_"):
        return None
    if units in _LON_UNITS:
        return "lon"
    if units in _LAT_UNITS:
        return "lat"
    if units and not units.startswith("degree"):
        return None  # e.g. projection coordinates in km or m
    if "grid_mapping" in da.attrs and dim in ("x", "y", "X", "Y"):
        return None
    if dim in COORD_NAMES["lon"] or attrs.get("axis") == "X":
        return "lon"
    if dim in COORD_NAMES["lat"] or attrs.get("axis") == "Y":
        return "lat"
    return None


def _wrf_times(ds: Any) -> npt.NDArray[np.datetime64] | None:
    """WRF's ``Times`` character variable (``2026-11-20_00:00:00``) as datetime64."""
    if "Times" not in ds.variables:
        return None
    raw = np.asarray(ds["Times"].values)
    if raw.dtype.kind == "S" and raw.ndim == 2:
        texts = [b"".join(row).decode("ascii") for row in raw]
    else:
        texts = [x.decode("ascii") if isinstance(x, bytes) else str(x) for x in raw.ravel()]
    try:
        return np.array([t.strip().replace("_", "T") for t in texts], dtype="datetime64[s]")
    except ValueError:
        return None


def _reduce(ds: Any, da: Any, path: Path, role: Role) -> Any:
    """Take the surface level, drop size-1 dimensions; dims become ``(time, Y, X)``."""
    tname = _coord_name(da, "time")
    if tname is None:
        raise ForcingError(
            f"{path}: variable {da.name!r} for {role} has dims {tuple(da.dims)}; expected a "
            f"time dimension (CF standard_name/axis or one of {COORD_NAMES['time']})"
        )
    depth = _coord_name(da, "depth")
    if depth is not None and depth != tname:
        if depth in da.coords:
            values = np.abs(np.asarray(da.coords[depth].values, dtype=float))
            da = da.isel({depth: int(np.argmin(values))})
        elif da.sizes[depth] == 1:
            da = da.isel({depth: 0})
        else:
            raise ForcingError(
                f"{path}: variable {da.name!r} has a vertical dimension {depth!r} without "
                "coordinate values; cannot tell which level is the surface"
            )
    horizontal = [d for d in da.dims if d != tname]
    for d in list(horizontal):
        if len(horizontal) > 2 and da.sizes[d] == 1:
            da = da.isel({d: 0})
            horizontal.remove(d)
    if len(horizontal) != 2:
        raise ForcingError(
            f"{path}: variable {da.name!r} has dims {tuple(da.dims)}; expected (time, [depth,] "
            "y, x) with one level or a depth axis"
        )
    da = da.transpose(tname, *horizontal).rename({tname: "time"})
    if "time" not in da.coords or not np.issubdtype(da["time"].dtype, np.datetime64):
        times = _wrf_times(ds)
        if times is None or times.size != da.sizes["time"]:
            raise ForcingError(
                f"{path}: the time dimension {tname!r} of {da.name!r} has no times; expected "
                "a CF time coordinate (units 'hours since ...') or WRF 'Times'"
            )
        da = da.assign_coords(time=times)
    return da


@dataclass
class _Part:
    """One file's pair of components, reduced to ``(time, Y, X)``, and its grid."""

    u: Any
    v: Any
    label: str
    grid: NativeGrid | None  # None: a regular lon/lat grid
    rotate: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None
    load: Callable[[Any, Any, Any, slice, slice], tuple[Any, Any]] | None = None


def _speed_scales(ds: Any, pair: tuple[str, str], path: Path) -> tuple[float, float]:
    return (
        speed_scale_ms(ds[pair[0]].attrs.get("units"), where=f"{path}: {pair[0]}"),
        speed_scale_ms(ds[pair[1]].attrs.get("units"), where=f"{path}: {pair[1]}"),
    )


def _roms_part(ds: Any, pair: tuple[str, str], path: Path, role: Role) -> _Part:
    """ROMS: u and v on the C grid's faces, averaged to the interior rho points."""
    u = _reduce(ds, ds[pair[0]], path, role).reset_coords(drop=True)
    v = _reduce(ds, ds[pair[1]], path, role).reset_coords(drop=True)
    if "lon_rho" not in ds.variables or "lat_rho" not in ds.variables:
        raise ForcingError(f"{path}: a ROMS file needs lon_rho and lat_rho to place u and v")
    inner = {"eta_rho": slice(1, -1), "xi_rho": slice(1, -1)}
    lon = np.asarray(ds["lon_rho"].isel(inner).values, dtype=float)
    lat = np.asarray(ds["lat_rho"].isel(inner).values, dtype=float)
    grid = curvilinear_grid(lon, lat, names="ROMS lon_rho/lat_rho", where=str(path))
    if "angle" in ds.variables:
        angle = np.asarray(ds["angle"].isel(inner).values, dtype=float)
        if str(ds["angle"].attrs.get("units", "radians")).lower().startswith("deg"):
            angle = np.radians(angle)
    else:
        angle = grid_angle(grid.lon, grid.lat)
    mask = (
        np.asarray(ds["mask_rho"].isel(inner).values) > 0.5 if "mask_rho" in ds.variables else None
    )

    def face_mean(a: Any, b: Any) -> Any:
        a_ok, b_ok = np.isfinite(a), np.isfinite(b)
        total = np.where(a_ok, a, 0.0) + np.where(b_ok, b, 0.0)
        with np.errstate(invalid="ignore"):
            out = total / 2.0  # a masked face is a wall: no flow through it
        out[~a_ok & ~b_ok] = np.nan
        return out

    def load(u: Any, v: Any, tsel: Any, rows: slice, cols: slice) -> tuple[Any, Any]:
        r0, r1, c0, c1 = rows.start, rows.stop, cols.start, cols.stop
        uu = np.asarray(u.isel(time=tsel)[:, r0 + 1 : r1 + 1, c0 : c1 + 1].values, dtype=float)
        vv = np.asarray(v.isel(time=tsel)[:, r0 : r1 + 1, c0 + 1 : c1 + 1].values, dtype=float)
        uc = face_mean(uu[:, :, :-1], uu[:, :, 1:])
        vc = face_mean(vv[:, :-1, :], vv[:, 1:, :])
        if mask is not None:
            land = ~mask[rows, cols]
            uc[:, land] = np.nan
            vc[:, land] = np.nan
        return uc, vc

    return _Part(
        u=u, v=v, label=f"{path.name}:{pair[0]}/{pair[1]}", grid=grid,
        rotate=(np.cos(angle), np.sin(angle)), load=load,
    )  # fmt: skip


def _part(ds: Any, pair: tuple[str, str], path: Path, role: Role) -> _Part:
    """Reduce one file's pair and recognise its horizontal grid."""
    u_raw, v_raw = ds[pair[0]], ds[pair[1]]
    label = f"{path.name}:{pair[0]}/{pair[1]}"
    if "xi_u" in u_raw.dims and "eta_v" in v_raw.dims:
        return _roms_part(ds, pair, path, role)
    u = _reduce(ds, u_raw, path, role)
    v = _reduce(ds, v_raw, path, role)
    if u.dims != v.dims or u.shape != v.shape:
        raise ForcingError(
            f"{path}: {pair[0]} has dims {dict(u.sizes)} but {pair[1]} has {dict(v.sizes)}; "
            "expected both components on the same grid (staggered grids: ROMS only)"
        )
    ydim, xdim = str(u.dims[1]), str(u.dims[2])
    kinds = (_degree_axis(u, ydim), _degree_axis(u, xdim))
    if set(kinds) == {"lon", "lat"}:
        lat_dim, lon_dim = (ydim, xdim) if kinds[0] == "lat" else (xdim, ydim)
        return _Part(u=_regular(u, lat_dim, lon_dim), v=_regular(v, lat_dim, lon_dim),
                     label=label, grid=None)  # fmt: skip
    earth = is_earth_relative(u_raw.attrs.get("standard_name"), u_raw.attrs.get("long_name"))
    grid = _projected(ds, u_raw, u, ydim, xdim, path)
    if grid is None:
        names = find_2d_lonlat(ds, u_raw, ydim, xdim)
        if names is None:
            raise ForcingError(
                f"{path}: cannot place {pair[0]}/{pair[1]} (dims {tuple(u.dims)}) on the earth. "
                "Expected 1-D longitude/latitude axes, projection x/y with a CF grid_mapping "
                "attribute, or 2-D longitude/latitude variables (named by the CF "
                "'coordinates' attribute, or lon_rho/XLONG/nav_lon...). The file has: "
                f"{describe_variables(ds)}. Add the missing attributes, or regrid to lon/lat "
                "(e.g. `cdo remapbil`)"
            )
        lon2 = ds[names[0]]
        lat2 = ds[names[1]]
        lead = {d: 0 for d in lon2.dims[:-2]}
        grid = curvilinear_grid(
            np.asarray(lon2.isel(lead).values), np.asarray(lat2.isel({d: 0 for d in
                                                                      lat2.dims[:-2]}).values),
            names=f"{names[0]}/{names[1]}", where=str(path),
        )  # fmt: skip
    rotate = None
    if not earth:
        angle = projected_angle(grid) if grid.kind == "projected" else None
        if angle is None:
            rotate = _wrf_rotation(ds) or _angle_rotation(grid_angle(grid.lon, grid.lat))
        else:
            rotate = _angle_rotation(angle)
        label += " rotated from grid x/y to east/north"
    return _Part(
        u=u.reset_coords(drop=True), v=v.reset_coords(drop=True), label=label, grid=grid,
        rotate=rotate,
    )  # fmt: skip


def _angle_rotation(angle: Any) -> tuple[Any, Any]:
    return np.cos(angle), np.sin(angle)


def _wrf_rotation(ds: Any) -> tuple[Any, Any] | None:
    if "COSALPHA" not in ds.variables or "SINALPHA" not in ds.variables:
        return None
    cos_a, sin_a = ds["COSALPHA"], ds["SINALPHA"]
    cos_a = cos_a.isel({d: 0 for d in cos_a.dims[:-2]})
    sin_a = sin_a.isel({d: 0 for d in sin_a.dims[:-2]})
    return np.asarray(cos_a.values, dtype=float), np.asarray(sin_a.values, dtype=float)


def _projected(ds: Any, raw: Any, da: Any, ydim: str, xdim: str, path: Path) -> NativeGrid | None:
    """The projected grid named by the variable's CF ``grid_mapping``, if it has one."""
    gm = str(raw.attrs.get("grid_mapping", "")).split(":")[0].strip()
    if not gm:
        return None
    if gm not in ds.variables:
        raise ForcingError(
            f"{path}: {raw.name!r} names grid_mapping {gm!r}, which the file does not have"
        )
    attrs = dict(ds[gm].attrs)
    if attrs.get("grid_mapping_name") == "latitude_longitude":
        return None
    coords = []
    for dim in (xdim, ydim):
        c = ds[dim] if dim in ds.variables else None
        if c is None or c.ndim != 1:
            return None
        coords.append(c)
    x, y = coords
    return projected_grid(
        attrs, np.asarray(x.values), np.asarray(y.values), x.attrs.get("units"),
        y.attrs.get("units"), where=str(path),
    )  # fmt: skip


def _regular(da: Any, lat_dim: str, lon_dim: str) -> Any:
    """Rename to ``(time, lat, lon)``; longitudes to ±180 ascending, latitudes ascending."""
    da = da.rename({lat_dim: "lat", lon_dim: "lon"}).transpose("time", "lat", "lon")
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


def _is_regular(values: npt.NDArray[np.float64]) -> bool:
    d = np.diff(values)
    return bool(values.size >= 2 and np.allclose(d, d.mean(), rtol=1e-3, atol=1e-6))


def _join(parts: list[_Part], role: Role) -> tuple[Any, Any]:
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
    parts: list[_Part] = []
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
        part = _part(ds, pair, path, role)
        su, sv = _speed_scales(ds, pair, path)
        if su != 1.0 or sv != 1.0:
            part.u, part.v = part.u * su, part.v * sv
        parts.append(part)
    u, v = _join(parts, role)
    name = f"{role} ({', '.join(p.label for p in parts)})"
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
    tsel = slice(i0, i1 + 1)
    first = parts[0]
    if first.grid is None:
        field = _regular_window(u, v, tsel, times[tsel], lon, lat, margin_deg, name)
        if field is not None:
            return _filled(field, role)
        first = _Part(
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
    part: _Part, u: Any, v: Any, tsel: slice, times: Any, lon: float, lat: float,
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
