"""How a forcing file lays out its vectors: dimensions, levels, times and horizontal grid.

:func:`file_part` reduces a pair of components to ``(time, Y, X)`` (surface level, size-1
dimensions dropped, WRF ``Times`` decoded), and recognises the horizontal grid: regular
lon/lat, projected (CF ``grid_mapping``), curvilinear (2-D lon/lat) or ROMS's C grid, with
the rotation of grid-relative components to east/north. Reading the window and resampling
are :mod:`~sarwatch.adapters.forcing.netcdf`'s job.
"""

from __future__ import annotations

from collections.abc import Callable
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
)
from sarwatch.adapters.forcing.names import COORD_NAMES, Role, is_earth_relative
from sarwatch.adapters.forcing.units import speed_scale_ms
from sarwatch.errors import ForcingError

__all__ = ["Part", "describe_variables", "file_part", "speed_scales"]

_LON_UNITS = ("degrees_east", "degree_east", "degrees_e", "degree_e", "degreee", "degreese")
_LAT_UNITS = ("degrees_north", "degree_north", "degrees_n", "degree_n", "degreen", "degreesn")


def describe_variables(ds: Any) -> str:
    """One line per data variable: name, standard_name, units, dimensions."""
    lines = []
    for name, var in ds.data_vars.items():
        sn = var.attrs.get("standard_name", "-")
        units = var.attrs.get("units", "-")
        lines.append(f"{name} (standard_name={sn}, units={units}, dims={tuple(var.dims)})")
    return "; ".join(lines) if lines else "no data variables"


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
class Part:
    """One file's pair of components, reduced to ``(time, Y, X)``, and its grid."""

    u: Any
    v: Any
    label: str
    grid: NativeGrid | None  # None: a regular lon/lat grid
    rotate: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None
    load: Callable[[Any, Any, Any, slice, slice], tuple[Any, Any]] | None = None


def speed_scales(ds: Any, pair: tuple[str, str], path: Path) -> tuple[float, float]:
    return (
        speed_scale_ms(ds[pair[0]].attrs.get("units"), where=f"{path}: {pair[0]}"),
        speed_scale_ms(ds[pair[1]].attrs.get("units"), where=f"{path}: {pair[1]}"),
    )


def _roms_part(ds: Any, pair: tuple[str, str], path: Path, role: Role) -> Part:
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

    return Part(
        u=u, v=v, label=f"{path.name}:{pair[0]}/{pair[1]}", grid=grid,
        rotate=(np.cos(angle), np.sin(angle)), load=load,
    )  # fmt: skip


def file_part(ds: Any, pair: tuple[str, str], path: Path, role: Role) -> Part:
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
        return Part(u=_regular(u, lat_dim, lon_dim), v=_regular(v, lat_dim, lon_dim),
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
    return Part(
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
    # only longitudes outside [-180, 180) move: re-wrapping one inside changes its last bits
    # (9.05 -> 9.050000000000011), and assigning coordinates costs xarray an import of dask
    outside = (lon < -180.0) | (lon >= 180.0)
    wrapped = lon
    if outside.any():
        wrapped = lon.copy()
        wrapped[outside] = ((lon[outside] + 180.0) % 360.0) - 180.0
        da = da.assign_coords(lon=wrapped)
    if not _is_increasing(wrapped):
        da = da.sortby("lon")
    lat = np.asarray(da["lat"].values, dtype=float)
    if not _is_increasing(lat):
        da = da.sortby("lat")
    return da


def _is_increasing(x: npt.NDArray[np.float64]) -> bool:
    return bool(x.size < 2 or np.all(np.diff(x) > 0))
