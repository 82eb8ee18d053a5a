"""Horizontal grids of forcing files that are not regular longitude/latitude grids.

Three kinds are recognised (see ``docs/design/008-forcing-grids.md``):

- **projected**: 1-D ``x``/``y`` coordinates in a map projection named by the CF
  ``grid_mapping`` attribute (Lambert conformal like AROME, polar stereographic,
  Mercator, rotated pole...); the projection is built with :meth:`pyproj.CRS.from_cf`
  and positions are located exactly by inverting it;
- **curvilinear**: 2-D latitude/longitude arrays (ROMS ``lon_rho/lat_rho``, WRF
  ``XLONG/XLAT``, NEMO ``nav_lon/nav_lat`` or any variable named by the CF
  ``coordinates`` attribute); positions are located by a k-d tree and Newton's method
  on the bilinear map of each cell;
- **rectilinear**: 1-D longitude and latitude axes with uneven spacing.

A :class:`NativeGrid` knows each cell centre's longitude and latitude and, for
grid-relative vector components, the angle between the grid's x axis and east.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from sarwatch.adapters.forcing.units import length_scale_m
from sarwatch.errors import ForcingError

__all__ = [
    "NativeGrid",
    "curvilinear_grid",
    "find_2d_lonlat",
    "grid_angle",
    "projected_angle",
    "projected_grid",
    "rectilinear_grid",
]

FloatArray = npt.NDArray[np.float64]

_LON_NAMES = ("lon_rho", "XLONG", "XLONG_M", "nav_lon", "longitude", "lon", "glamt", "TLONG")
_LAT_NAMES = ("lat_rho", "XLAT", "XLAT_M", "nav_lat", "latitude", "lat", "gphit", "TLAT")
_R_EARTH_M = 6_371_000.0
_NEWTON_STEPS = 8


@dataclass(frozen=True)
class NativeGrid:
    """A forcing file's own horizontal grid, shape ``(ny, nx)``.

    Attributes
    ----------
    kind
        ``"projected"``, ``"curvilinear"`` or ``"rectilinear"``.
    lon, lat
        Cell-centre longitude (−180..180) and latitude, degrees, ``(ny, nx)``.
    description
        What the grid is, for messages and the run's provenance.
    x, y
        1-D axes (projection units or degrees) for projected and rectilinear grids.
    crs
        The :class:`pyproj.CRS` of a projected grid.
    """

    kind: Literal["projected", "curvilinear", "rectilinear"]
    lon: FloatArray
    lat: FloatArray
    description: str
    x: FloatArray | None = None
    y: FloatArray | None = None
    crs: Any = None

    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)``."""
        return (int(self.lon.shape[0]), int(self.lon.shape[1]))

    def locate(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Fractional ``(row, column)`` indices of positions; NaN outside the grid.

        Index ``(2.5, 3.0)`` lies half-way between the centres of rows 2 and 3 in
        column 3. Inverse of the bilinear map of the grid's own coordinates (exact for
        projected and rectilinear grids).
        """
        qlon = np.asarray(lon, dtype=float).ravel()
        qlat = np.asarray(lat, dtype=float).ravel()
        if self.kind == "projected":
            from pyproj import Transformer

            tr = Transformer.from_crs(self.crs.geodetic_crs, self.crs, always_xy=True)
            qx, qy = tr.transform(qlon, qlat)
            assert self.x is not None and self.y is not None
            return _axis_index(self.y, np.asarray(qy)), _axis_index(self.x, np.asarray(qx))
        if self.kind == "rectilinear":
            assert self.x is not None and self.y is not None
            rel = ((qlon - self.x[0] + 180.0) % 360.0) - 180.0 + self.x[0]
            return _axis_index(self.y, qlat), _axis_index(self.x, rel)
        return _locate_curvilinear(self.lon, self.lat, qlon, qlat)

    def spacing_m(self, row: int, col: int) -> float:
        """Typical distance between neighbouring cell centres near ``(row, col)``, metres."""
        ny, nx = self.shape
        r0, r1 = max(row - 3, 0), min(row + 4, ny)
        c0, c1 = max(col - 3, 0), min(col + 4, nx)
        lon = np.radians(self.lon[r0:r1, c0:c1])
        lat = np.radians(self.lat[r0:r1, c0:c1])
        steps = []
        if lon.shape[1] > 1:
            steps.append(_haversine(lon[:, 1:], lat[:, 1:], lon[:, :-1], lat[:, :-1]).ravel())
        if lon.shape[0] > 1:
            steps.append(_haversine(lon[1:], lat[1:], lon[:-1], lat[:-1]).ravel())
        if not steps:
            raise ForcingError(f"{self.description}: the grid has a single cell")
        return float(np.median(np.concatenate(steps)))


def _haversine(lon1: FloatArray, lat1: FloatArray, lon2: FloatArray, lat2: FloatArray) -> Any:
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _R_EARTH_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _axis_index(axis: FloatArray, values: FloatArray) -> FloatArray:
    """Fractional index of ``values`` on a monotonic 1-D axis; NaN outside it."""
    idx = np.arange(axis.size, dtype=float)
    if axis[-1] < axis[0]:
        return np.interp(values, axis[::-1], idx[::-1], left=np.nan, right=np.nan)
    return np.interp(values, axis, idx, left=np.nan, right=np.nan)


def _wrap(d: FloatArray) -> FloatArray:
    return ((d + 180.0) % 360.0) - 180.0


def _unit_xyz(lon: FloatArray, lat: FloatArray) -> FloatArray:
    lam, phi = np.radians(lon), np.radians(lat)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def _locate_curvilinear(
    glon: FloatArray, glat: FloatArray, qlon: FloatArray, qlat: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Invert the bilinear map of a curvilinear grid: nearest centre, then Newton."""
    from scipy.spatial import cKDTree

    ny, nx = glon.shape
    tree = cKDTree(_unit_xyz(glon.ravel(), glat.ravel()))
    _, nearest = tree.query(_unit_xyz(qlon, qlat))
    fr, fc = np.divmod(np.asarray(nearest, dtype=np.int64), nx)
    fr = fr.astype(float)
    fc = fc.astype(float)
    coslat = np.cos(np.radians(qlat))
    for _ in range(_NEWTON_STEPS):
        r0 = np.clip(np.floor(fr), 0, ny - 2).astype(np.int64)
        c0 = np.clip(np.floor(fc), 0, nx - 2).astype(np.int64)
        b, a = fr - r0, fc - c0
        lon00 = glon[r0, c0]
        d01 = _wrap(glon[r0, c0 + 1] - lon00)
        d10 = _wrap(glon[r0 + 1, c0] - lon00)
        d11 = _wrap(glon[r0 + 1, c0 + 1] - lon00)
        lat00, lat01 = glat[r0, c0], glat[r0, c0 + 1]
        lat10, lat11 = glat[r0 + 1, c0], glat[r0 + 1, c0 + 1]
        lon_ab = a * (1 - b) * d01 + (1 - a) * b * d10 + a * b * d11
        lat_ab = (
            (1 - a) * (1 - b) * lat00 + a * (1 - b) * lat01 + (1 - a) * b * lat10 + a * b * lat11
        )
        rx = _wrap(qlon - lon00 - lon_ab) * coslat
        ry = qlat - lat_ab
        jxa = ((1 - b) * d01 - b * d10 + b * d11) * coslat
        jxb = (-a * d01 + (1 - a) * d10 + a * d11) * coslat
        jya = (1 - b) * (lat01 - lat00) + b * (lat11 - lat10)
        jyb = (1 - a) * (lat10 - lat00) + a * (lat11 - lat01)
        det = jxa * jyb - jxb * jya
        with np.errstate(divide="ignore", invalid="ignore"):
            da = (rx * jyb - jxb * ry) / det
            db = (jxa * ry - rx * jya) / det
        fc = c0 + a + np.clip(np.nan_to_num(da), -1.0, 1.0)
        fr = r0 + b + np.clip(np.nan_to_num(db), -1.0, 1.0)
    residual = np.hypot(rx, ry)
    tol = 1e-6
    bad = (fr < -tol) | (fr > ny - 1 + tol) | (fc < -tol) | (fc > nx - 1 + tol) | (residual > 1e-5)
    fr = np.clip(fr, 0.0, ny - 1.0)
    fc = np.clip(fc, 0.0, nx - 1.0)
    fr[bad] = np.nan
    fc[bad] = np.nan
    return fr, fc


def _east_north_angle(dlon: FloatArray, dlat: FloatArray, lat: FloatArray, e2: float) -> Any:
    """Direction from east of a small step ``(dlon, dlat)`` (degrees), in true metres.

    A degree of latitude is ``M`` long and a degree of longitude ``N cos(lat)``
    (meridional and prime-vertical radii); their ratio, ``(1 - e²) / (1 - e² sin²lat)``,
    differs from 1 by up to 0.7 % on WGS84, which turns directions by up to 0.2°.
    """
    s2 = np.sin(np.radians(lat)) ** 2
    return np.arctan2(dlat * (1.0 - e2) / (1.0 - e2 * s2), dlon * np.cos(np.radians(lat)))


#: Squared eccentricity of WGS84 (curvilinear grids are taken to be on it).
WGS84_E2 = 6.69437999014e-3


def grid_angle(lon: FloatArray, lat: FloatArray, *, e2: float = WGS84_E2) -> FloatArray:
    """Angle (radians, counter-clockwise) from east to the grid's x axis at each centre.

    Central differences of the centres' positions along the x axis (second-order
    one-sided at the edges), in true metres on the ellipsoid (squared eccentricity
    ``e2``). This is the ROMS ``angle`` and the WRF ``atan2(SINALPHA, COSALPHA)``; for
    a conformal projection it is the meridian convergence with the opposite sign.
    """
    lon_u = np.degrees(np.unwrap(np.radians(lon), axis=1))
    dlon = np.gradient(lon_u, axis=1, edge_order=2)
    dlat = np.gradient(lat, axis=1, edge_order=2)
    return np.asarray(_east_north_angle(dlon, dlat, lat, e2), dtype=float)


def projected_angle(grid: NativeGrid) -> FloatArray:
    """The x axis's angle from east (radians) of a projected grid, from the projection.

    Exact up to a step of a hundredth of a cell: the centres are moved by ``±δ`` along
    x through the inverse projection.
    """
    from pyproj import Transformer

    assert grid.x is not None and grid.y is not None and grid.crs is not None
    to_geo = Transformer.from_crs(grid.crs, grid.crs.geodetic_crs, always_xy=True)
    xx, yy = np.meshgrid(grid.x, grid.y)
    delta = 0.01 * float(np.median(np.abs(np.diff(grid.x))))
    lon1, lat1 = to_geo.transform(xx - delta, yy)
    lon2, lat2 = to_geo.transform(xx + delta, yy)
    dlon = _wrap(np.asarray(lon2) - np.asarray(lon1))
    dlat = np.asarray(lat2) - np.asarray(lat1)
    ellipsoid = grid.crs.ellipsoid
    f = 1.0 / ellipsoid.inverse_flattening if ellipsoid.inverse_flattening else 0.0
    return np.asarray(_east_north_angle(dlon, dlat, grid.lat, f * (2.0 - f)), dtype=float)


def projected_grid(
    gm_attrs: dict[str, Any],
    x: FloatArray,
    y: FloatArray,
    x_units: str | None,
    y_units: str | None,
    *,
    where: str,
) -> NativeGrid:
    """A grid of 1-D projection coordinates and the CF ``grid_mapping`` attributes.

    Raises
    ------
    ForcingError
        The grid mapping is not one PROJ understands, or the axes are not monotonic.
    """
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    name = str(gm_attrs.get("grid_mapping_name", "?"))
    try:
        crs = CRS.from_cf(dict(gm_attrs))
    except (CRSError, KeyError, ValueError, TypeError) as exc:
        raise ForcingError(
            f"{where}: its grid_mapping ({name}) cannot be turned into a projection ({exc}); "
            "check the CF grid_mapping attributes (e.g. standard_parallel, "
            "longitude_of_central_meridian) or regrid to lon/lat (`cdo remapbil`)"
        ) from exc
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if crs.is_projected:
        x = x * length_scale_m(x_units, where=f"{where} x coordinate")
        y = y * length_scale_m(y_units, where=f"{where} y coordinate")
    for axis, what in ((x, "x"), (y, "y")):
        d = np.diff(axis)
        if axis.size < 2 or not (np.all(d > 0) or np.all(d < 0)):
            raise ForcingError(
                f"{where}: the projection {what} coordinate is not monotonic; expected a 1-D "
                "axis of cell centres"
            )
    xx, yy = np.meshgrid(x, y)
    to_geo = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    lon, lat = to_geo.transform(xx, yy)
    lon = _wrap(np.asarray(lon, dtype=float))
    lat = np.asarray(lat, dtype=float)
    if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
        raise ForcingError(f"{where}: some grid points of the {name} projection have no lon/lat")
    step = float(np.median(np.abs(np.diff(x))))
    unit = "km" if crs.is_projected else "°"
    size = step / 1000.0 if crs.is_projected else step
    return NativeGrid(
        kind="projected",
        lon=lon,
        lat=lat,
        description=f"{name} grid, {size:g} {unit} spacing",
        x=x,
        y=y,
        crs=crs,
    )


def curvilinear_grid(lon: FloatArray, lat: FloatArray, *, names: str, where: str) -> NativeGrid:
    """A grid given by 2-D longitude and latitude arrays.

    Raises
    ------
    ForcingError
        The arrays differ in shape, are not 2-D, or hold missing values.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if lon.shape != lat.shape or lon.ndim != 2 or min(lon.shape) < 2:
        raise ForcingError(
            f"{where}: 2-D longitude/latitude ({names}) have shapes {lon.shape} and "
            f"{lat.shape}; expected two equal 2-D arrays of at least 2x2"
        )
    if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
        raise ForcingError(
            f"{where}: the 2-D longitude/latitude ({names}) hold missing values; every grid "
            "point needs a position (also on land)"
        )
    return NativeGrid(
        kind="curvilinear",
        lon=_wrap(lon),
        lat=lat,
        description=f"curvilinear grid ({names})",
    )


def rectilinear_grid(lon: FloatArray, lat: FloatArray) -> NativeGrid:
    """A grid of uneven 1-D longitude (ascending, −180..180) and latitude (ascending) axes."""
    lon2, lat2 = np.meshgrid(lon, lat)
    return NativeGrid(
        kind="rectilinear",
        lon=lon2,
        lat=lat2,
        description="rectilinear lon/lat grid with uneven spacing",
        x=np.asarray(lon, dtype=float),
        y=np.asarray(lat, dtype=float),
    )


def find_2d_lonlat(ds: Any, da: Any, ydim: str, xdim: str) -> tuple[str, str] | None:
    """Names of 2-D longitude/latitude variables on ``(ydim, xdim)``, if the file has them.

    Looked for in the variable's CF ``coordinates`` attribute, then among variables with
    ``standard_name`` longitude/latitude, then by the names ROMS, WRF and NEMO use.
    """

    def on_grid(name: str) -> bool:
        if name not in ds.variables:
            return False
        dims = tuple(ds[name].dims)
        return len(dims) >= 2 and dims[-2:] == (ydim, xdim)

    def kind(name: str) -> str | None:
        attrs = ds[name].attrs
        sn = attrs.get("standard_name")
        units = str(attrs.get("units", "")).lower()
        if sn == "longitude" or units in ("degrees_east", "degree_east", "degrees_e", "degree_e"):
            return "lon"
        if sn == "latitude" or units in ("degrees_north", "degree_north", "degrees_n", "degree_n"):
            return "lat"
        if name in _LON_NAMES:
            return "lon"
        if name in _LAT_NAMES:
            return "lat"
        return None

    candidates = [str(n) for n in str(da.attrs.get("coordinates", "")).split()]
    candidates += [str(n) for n in ds.variables if ds[n].attrs.get("standard_name") in
                   ("longitude", "latitude")]  # fmt: skip
    candidates += list(_LON_NAMES) + list(_LAT_NAMES)
    found: dict[str, str] = {}
    for name in candidates:
        if on_grid(name):
            k = kind(name)
            if k is not None:
                found.setdefault(k, name)
    if "lon" in found and "lat" in found:
        return found["lon"], found["lat"]
    return None
