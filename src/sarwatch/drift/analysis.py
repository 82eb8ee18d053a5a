"""Summaries of a particle cloud: centroid, spread, density grid, containment polygons.

All distances and areas are geodesic on WGS84: the spread is the root mean square
of geodesic distances from the centroid (from the 3-D chord on the ellipsoid with
the arc correction ``s = c (1 + c²/24R²)``, within 1e-6 relative of pyproj's
``Geod.inv`` below 500 km and ~50 times faster), the density grid
divides particle counts by the ellipsoidal area of each cell, and containment
polygon areas are geodesic. The ``p`` containment region is the highest-density
region holding a fraction ``p`` of the particles (smallest area for that mass).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Geod

__all__ = [
    "CloudStats",
    "DensityGrid",
    "LocatedCloud",
    "cloud_stats",
    "containment",
    "density_grid",
    "geodesic_distance_m",
    "located_cloud",
]

_GEOD = Geod(ellps="WGS84")
_A = 6378137.0
_E2 = 6.69437999014e-3


@dataclass(frozen=True)
class CloudStats:
    """Centroid and spread of the particles that have a position.

    Attributes
    ----------
    n
        Particles counted.
    centroid_lon, centroid_lat
        Degrees (NaN when ``n == 0``).
    std_km
        Root mean square geodesic distance from the centroid, km.
    """

    n: int
    centroid_lon: float
    centroid_lat: float
    std_km: float


def cloud_stats(lon: npt.ArrayLike, lat: npt.ArrayLike) -> CloudStats:
    """Centroid (mean direction) and RMS geodesic distance from it.

    Parameters
    ----------
    lon, lat
        Degrees; NaNs are ignored.

    Examples
    --------
    >>> s = cloud_stats([12.0, 13.0], [33.0, 33.0])
    >>> round(s.centroid_lon, 6), round(s.std_km, 1)
    (12.5, 46.7)
    """
    from sarwatch.drift import _cloud

    lon_a = np.ascontiguousarray(np.asarray(lon, dtype=float).ravel())
    lat_a = np.ascontiguousarray(np.asarray(lat, dtype=float).ravel())
    if lon_a.shape != lat_a.shape:
        raise ValueError(f"lon and lat differ in size: {lon_a.size} and {lat_a.size}")
    first = _first_finite(lon_a, lat_a)
    if first < 0:
        return CloudStats(0, float("nan"), float("nan"), float("nan"))
    # one numba sweep for the centroid, one for the spread (no temporaries, ~100x numpy's)
    n, x, y, z = _cloud.centroid_sums(lon_a, lat_a, lon_a[first], lat_a[first])
    clon = float(np.degrees(np.arctan2(y, x)))
    clat = float(np.degrees(np.arctan2(z, np.hypot(x, y))))
    sq = _cloud.spread_sum(lon_a, lat_a, clon, clat)
    return CloudStats(int(n), clon, clat, float(np.sqrt(sq / n)) / 1000.0)


def _first_finite(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> int:
    """Index of the first position with finite coordinates, -1 when none."""
    if lon.size and np.isfinite(lon[0]) and np.isfinite(lat[0]):
        return 0
    ok = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    return int(ok[0]) if ok.size else -1


def _ecef(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[npt.NDArray[np.float64], ...]:
    lam = np.radians(lon)
    phi = np.radians(lat)
    sphi = np.sin(phi)
    n_rad = _A / np.sqrt(1.0 - _E2 * sphi * sphi)
    cphi = np.cos(phi)
    return n_rad * cphi * np.cos(lam), n_rad * cphi * np.sin(lam), n_rad * (1.0 - _E2) * sphi


def geodesic_distance_m(
    lon0: float, lat0: float, lon: npt.ArrayLike, lat: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Geodesic distance (m) from one point to many, for distances up to a few hundred km.

    The 3-D chord ``c`` between points on the WGS84 ellipsoid is turned into the arc
    ``c (1 + c² / 24 R²)`` with ``R`` the Gaussian mean radius at ``(lon0, lat0)``.

    Examples
    --------
    >>> d = geodesic_distance_m(12.0, 33.0, [13.0], [33.0])
    >>> abs(float(d[0]) - float(_GEOD.inv(12.0, 33.0, 13.0, 33.0)[2])) < 0.01  # metres in 93 km
    True
    """
    x0, y0, z0 = _ecef(lon0, lat0)
    x, y, z = _ecef(lon, lat)
    c2 = (x - x0) ** 2 + (y - y0) ** 2 + (z - z0) ** 2
    s = np.sin(np.radians(lat0))
    d = 1.0 - _E2 * s * s
    r2 = (_A * (1.0 - _E2) / d**1.5) * (_A / np.sqrt(d))
    return np.sqrt(c2) * (1.0 + c2 / (24.0 * r2))


@dataclass(frozen=True)
class DensityGrid:
    """Probability per unit area on a regular lon/lat grid.

    Attributes
    ----------
    lon, lat
        Cell-centre coordinates, degrees (ascending), shapes ``(nx,)`` and ``(ny,)``.
    probability
        Probability of each cell (sums to 1 over the grid), shape ``(ny, nx)``.
    density_per_km2
        Probability per km² (``probability`` / geodesic cell area).
    cell_area_km2
        Geodesic area of the cells of each row, shape ``(ny,)``.
    """

    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    probability: npt.NDArray[np.float64]
    density_per_km2: npt.NDArray[np.float64]
    cell_area_km2: npt.NDArray[np.float64]


def _cell_area_km2(
    lat: npt.NDArray[np.float64], dlon: float, dlat: float
) -> npt.NDArray[np.float64]:
    """Area of lon/lat cells on the ellipsoid (authalic-exact to first order in the cell size)."""
    phi = np.radians(lat)
    d = 1.0 - _E2 * np.sin(phi) ** 2
    m_rad = _A * (1.0 - _E2) / d**1.5
    n_rad = _A / np.sqrt(d)
    return m_rad * n_rad * np.cos(phi) * np.radians(dlon) * np.radians(dlat) / 1e6


def density_grid(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    cell_km: float | None = None,
    smooth_cells: float = 1.0,
    max_cells: int = 300,
    stats: CloudStats | None = None,
) -> DensityGrid:
    """Histogram the particles on a grid, smooth, and normalise to a probability density.

    Parameters
    ----------
    lon, lat
        Degrees; NaNs are ignored. At least one finite point.
    cell_km
        Cell size; default a twelfth of the cloud's spread, between 0.1 and 10 km.
    smooth_cells
        Gaussian smoothing (sigma, in cells) of the counts; 0 for none.
    max_cells
        Largest number of cells along an axis (the cell grows to fit).
    stats
        The cloud's :func:`cloud_stats`, when already computed.
    """
    from sarwatch.drift import _cloud

    lon_a = np.ascontiguousarray(np.asarray(lon, dtype=float).ravel())
    lat_a = np.ascontiguousarray(np.asarray(lat, dtype=float).ravel())
    # one numba pass for the extent (NaNs skipped), one for the counts: no copies
    n_ok, lon_min, lon_max, lat_min, lat_max = _cloud.bounds(lon_a, lat_a)
    if n_ok == 0:
        raise ValueError("density_grid needs at least one finite position")
    if stats is None:
        stats = cloud_stats(lon_a, lat_a)
    frame = _grid_frame(
        stats, (lon_min, lon_max, lat_min, lat_max), cell_km, smooth_cells, max_cells
    )
    counts = _cloud.histogram(lon_a, lat_a, *frame)
    return _grid_from_counts(counts, frame, smooth_cells)


#: ``(lon_min, lat_min, pad, dlon, dlat, nx, ny)``: a density grid's cells. The cloud's
#: lowest longitude and latitude (degrees) lie ``pad`` cells (a whole number) from the
#: grid's corner; cells are ``dlon, dlat`` degrees, ``nx, ny`` along each axis. A particle's
#: cell is ``int((lon - lon_min) / dlon + pad)``: the lowest particles land in cell ``pad``
#: whatever the last bits of the cell size (``int((lon - lon0) / dlon)`` from the corner
#: ``lon0 = lon_min - pad * dlon`` put them in ``pad - 1`` about half the time, so that
#: summing the spread in another order could move them and reshape a small cloud's
#: polygons).
_Frame = tuple[float, float, float, float, float, int, int]


def _grid_frame(
    stats: CloudStats,
    extent: tuple[float, float, float, float],
    cell_km: float | None,
    smooth_cells: float,
    max_cells: int,
) -> _Frame:
    """The cells of :func:`density_grid` for a cloud's statistics and extent (lon/lat min, max)."""
    lon_min, lon_max, lat_min, lat_max = extent
    if cell_km is None:
        cell_km = float(np.clip(stats.std_km / 12.0, 0.1, 10.0))
    phi = np.radians(stats.centroid_lat)
    d = 1.0 - _E2 * np.sin(phi) ** 2
    km_per_deg_lat = np.radians(_A * (1.0 - _E2) / d**1.5) / 1000.0
    km_per_deg_lon = np.radians(_A / np.sqrt(d) * np.cos(phi)) / 1000.0
    pad = 3 + 3 * smooth_cells
    dlat = cell_km / km_per_deg_lat
    dlon = cell_km / km_per_deg_lon
    span_lon = float(lon_max - lon_min)
    span_lat = float(lat_max - lat_min)
    grow = max(
        1.0, span_lon / dlon / (max_cells - 2 * pad), span_lat / dlat / (max_cells - 2 * pad)
    )
    dlon, dlat = dlon * grow, dlat * grow
    lon0 = lon_min - pad * dlon
    lat0 = lat_min - pad * dlat
    nx = int(np.ceil((lon_max + pad * dlon - lon0) / dlon)) + 1
    ny = int(np.ceil((lat_max + pad * dlat - lat0) / dlat)) + 1
    return float(lon_min), float(lat_min), float(pad), float(dlon), float(dlat), nx, ny


def _grid_from_counts(
    counts: npt.NDArray[np.int64], frame: _Frame, smooth_cells: float
) -> DensityGrid:
    """Smooth and normalise the counts on ``frame`` (from :func:`_grid_frame`)."""
    lon_min, lat_min, pad, dlon, dlat, nx, ny = frame
    lon0 = lon_min - pad * dlon
    lat0 = lat_min - pad * dlat
    dens = counts.astype(float)
    lat_c = np.asarray(lat0 + (np.arange(ny) + 0.5) * dlat, dtype=np.float64)
    lon_c = np.asarray(lon0 + (np.arange(nx) + 0.5) * dlon, dtype=np.float64)
    area = _cell_area_km2(lat_c, dlon, dlat)
    if smooth_cells > 0:
        dens = _gaussian_filter(dens, smooth_cells)
    prob = dens / dens.sum()
    return DensityGrid(
        lon=lon_c,
        lat=lat_c,
        probability=prob,
        density_per_km2=prob / area[:, None],
        cell_area_km2=area,
    )


def _gaussian_filter(a: npt.NDArray[np.float64], sigma: float) -> npt.NDArray[np.float64]:
    """``scipy.ndimage.gaussian_filter(a, sigma, mode="constant")`` of a 2-D array, in numpy.

    The same separable correlation (axis 0, then axis 1), cells beyond the edge 0, and the
    same arithmetic as scipy's ``correlate1d`` for a symmetric kernel: per cell
    ``a[i] w[0]`` (``w[0]`` the centre weight), then ``+ (a[i - j] + a[i + j]) w[j]`` for
    ``j = r, r - 1, ..., 1``, so the result is scipy's to the bit, without importing
    ``scipy.ndimage`` (and ``scipy.special``: 0.14 s of the drift command's start).
    """
    weights = _gaussian_weights(float(sigma))
    return _correlate_symmetric(_correlate_symmetric(np.asarray(a, float), weights, 0), weights, 1)


def _correlate_symmetric(
    a: npt.NDArray[np.float64], weights: npt.NDArray[np.float64], axis: int
) -> npt.NDArray[np.float64]:
    """``correlate1d(a, weights, axis, mode="constant", cval=0)`` for a symmetric odd kernel."""
    r = weights.size // 2
    n = a.shape[axis]
    shape = list(a.shape)
    shape[axis] = n + 2 * r
    p = np.zeros(shape)  # zeros beyond the edges
    inner: list[slice] = [slice(None)] * a.ndim
    inner[axis] = slice(r, r + n)
    p[tuple(inner)] = a

    def shifted(j: int) -> npt.NDArray[np.float64]:  # a[i + j] along axis, 0 outside
        idx: list[slice] = [slice(None)] * a.ndim
        idx[axis] = slice(r + j, r + j + n)
        return p[tuple(idx)]

    out = np.multiply(a, weights[r])
    pair = np.empty_like(out)
    for j in range(r, 0, -1):
        np.add(shifted(-j), shifted(j), out=pair)
        pair *= weights[r + j]
        out += pair
    return out


@lru_cache(maxsize=8)
def _gaussian_weights(sigma: float) -> npt.NDArray[np.float64]:
    """``gaussian_filter1d``'s kernel: ``exp(-x² / 2 sigma²)`` for ``|x| <= int(4 sigma +
    0.5)``, normalised to sum 1 (as ``scipy.ndimage._gaussian_kernel1d`` makes it)."""
    radius = int(4.0 * sigma + 0.5)
    x = np.arange(-radius, radius + 1)
    phi = np.exp(-0.5 / (sigma * sigma) * x**2)
    weights = phi / phi.sum()
    weights.flags.writeable = False
    return weights


def _thresholds(grid: DensityGrid, levels: tuple[float, ...]) -> list[float]:
    """The density above which each level's probability lies (one sort for all levels)."""
    dens = grid.density_per_km2.ravel()
    prob = grid.probability.ravel()
    order = np.argsort(-dens, kind="stable")
    cum = np.cumsum(prob[order])
    out = []
    for p in levels:
        k = min(int(np.searchsorted(cum, p * cum[-1])), order.size - 1)
        out.append(float(dens[order[k]]))
    return out


def containment(
    grid: DensityGrid, levels: tuple[float, ...] = (0.5, 0.9, 0.95)
) -> dict[float, tuple[shapely.MultiPolygon, float]]:
    """Highest-density containment polygons and their geodesic areas.

    Parameters
    ----------
    grid
        From :func:`density_grid`.
    levels
        Probabilities in (0, 1].

    Returns
    -------
    dict
        ``{level: (MultiPolygon in lon/lat degrees, area_km2)}``.
    """
    gen = _filled_contour_generator(grid.lon, grid.lat, grid.density_per_km2)
    out: dict[float, tuple[shapely.MultiPolygon, float]] = {}
    for p, thr in zip(levels, _thresholds(grid, levels), strict=True):
        # the lower bound sits just under the threshold so the threshold cell is inside
        filled = gen.filled(thr * (1 - 1e-9), np.inf)
        points: Any = filled[0]
        offsets: Any = filled[1]
        polys = []
        for pts, offs in zip(points, offsets, strict=True):
            rings = [pts[offs[r] : offs[r + 1]] for r in range(len(offs) - 1)]
            rings = [r for r in rings if len(r) >= 4]
            if rings:
                polys.append(shapely.Polygon(rings[0], rings[1:]))
        geom = shapely.MultiPolygon(polys) if polys else shapely.MultiPolygon()
        area = abs(_geodesic_area_m2(polys)) / 1e6 if polys else 0.0
        out[p] = (geom, area)
    return out


def _filled_contour_generator(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], z: npt.NDArray[np.float64]
) -> Any:
    """``contourpy.contour_generator(x, y, z, fill_type=FillType.OuterOffset)``.

    Built as that function builds it (its default serial algorithm and options), without
    its scan of ``z`` for masked and non-finite values (a third of its cost on a density
    grid) when ``z`` is all finite.
    """
    from contourpy import FillType, SerialContourGenerator, ZInterp, contour_generator
    from contourpy.chunk import calc_chunk_sizes

    if not bool(np.isfinite(z).all()) or z.ndim != 2 or min(z.shape) < 2:
        return contour_generator(x, y, z, fill_type=FillType.OuterOffset)
    cls = SerialContourGenerator
    ny, nx = z.shape
    y_chunk, x_chunk = calc_chunk_sizes(None, None, None, ny, nx)
    x2, y2 = np.meshgrid(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    kwargs: dict[str, Any] = {
        "x_chunk_size": x_chunk,
        "y_chunk_size": y_chunk,
        "line_type": cls.default_line_type,
        "fill_type": FillType.OuterOffset,
    }
    if cls.supports_corner_mask():
        kwargs["corner_mask"] = True
    if cls.supports_quad_as_tri():
        kwargs["quad_as_tri"] = False
    if cls.supports_z_interp():
        kwargs["z_interp"] = ZInterp.Linear
    z = np.ascontiguousarray(z, dtype=np.float64)
    # mask None: none, as contour_generator passes it (the stubs want an array)
    return cls(x2, y2, z, None, **kwargs)  # type: ignore[arg-type]


def _geodesic_area_m2(polygons: list[shapely.Polygon]) -> float:
    """Signed geodesic area (m²) of polygons: ``Geod.geometry_area_perimeter`` of their union.

    The same sums in the same order (each polygon's exterior plus its holes, polygon by
    polygon), with the rings' coordinates taken as numpy arrays (``get_coordinates``)
    instead of ``.xy``'s Python arrays, which cost more than the areas themselves.
    """
    total = 0.0
    for polygon in polygons:
        xy = shapely.get_coordinates(polygon.exterior)
        area = _GEOD.polygon_area_perimeter(xy[:, 0], xy[:, 1])[0]
        for hole in polygon.interiors:
            xy = shapely.get_coordinates(hole)
            area += _GEOD.polygon_area_perimeter(xy[:, 0], xy[:, 1])[0]
        total += area
    return total


@dataclass(frozen=True)
class LocatedCloud:
    """The statistics of a particle state's located particles, from :func:`located_cloud`.

    Located: status ``ACTIVE`` or ``STRANDED`` with a finite position.

    Attributes
    ----------
    status_counts
        Particles per status code 0-4 (all particles), shape ``(5,)``.
    stats
        Centroid and spread of the located particles (as :func:`cloud_stats`).
    grid
        Their :func:`density_grid` (default cell size and smoothing); None when none is located.
    cell_deg
        Size of the cells of ``cell_counts``, degrees.
    cell_origin
        ``(x0, y0)``: the cell indices (``floor(lon / cell_deg)``, ``floor(lat / cell_deg)``)
        of ``cell_counts[0, 0]``.
    cell_counts
        Located particles per cell over their box of cells, shape ``(ny, nx)``; empty when
        none is located, the box holds more than the limit given to :func:`located_cloud`
        or its ``count_cells`` declined.
    cell_box
        ``(lon_min, lat_min, lon_max, lat_max)`` of the centres of the occupied cells
        (``(ix + 0.5) * cell_deg``), degrees; NaN when none is located.
    """

    status_counts: npt.NDArray[np.int64]
    stats: CloudStats
    grid: DensityGrid | None
    cell_deg: float
    cell_origin: tuple[int, int]
    cell_counts: npt.NDArray[np.int64]
    cell_box: tuple[float, float, float, float]


def located_cloud(
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    status: npt.NDArray[np.int8],
    *,
    cell_deg: float = 1.0 / 120.0,
    max_cells: int = 262_144,
    count_cells: Callable[[int, tuple[float, float, float, float]], bool] | None = None,
) -> LocatedCloud:
    """Status counts, centroid, spread, density grid and cell counts of a state in three passes.

    The same figures as :meth:`~sarwatch.drift.state.ParticleState.status_counts`, and
    :func:`cloud_stats`, :func:`density_grid` and cell counts of the located particles
    (``lon[located]``), without copying them: the status is a mask inside three numba
    sweeps over the whole arrays (counts, centroid sums and extent; spread; histogram and
    cell counts). Centroid and spread agree with :func:`cloud_stats` to ~1e-15 relative
    (the sums are added in another order), counts exactly.

    Parameters
    ----------
    lon, lat
        Positions, degrees (float64, one per particle).
    status
        Status codes (int8; :mod:`sarwatch.drift.state`).
    cell_deg
        Size of the cells counted in ``cell_counts``, degrees.
    max_cells
        Largest box of cells counted (``cell_counts`` is empty above it).
    count_cells
        Called with the number of located particles and ``cell_box`` before the last pass:
        whether the cells are wanted (a caller that can answer from the box alone saves
        their counting). Default: yes.

    Examples
    --------
    >>> c = located_cloud(np.array([12.0, 13.0, 20.0]), np.array([33.0, 33.0, 30.0]),
    ...                   np.array([0, 1, 2], np.int8))
    >>> c.status_counts.tolist(), c.stats.n, round(c.stats.centroid_lon, 6)
    ([1, 1, 1, 0, 0], 2, 12.5)
    >>> int(c.cell_counts.sum()), c.cell_origin
    (2, (1440, 3960))
    """
    import numba

    from sarwatch.drift import _cloud

    # the numba passes take status 0 and 1 (state.ACTIVE, state.STRANDED) as located
    lon_a = np.ascontiguousarray(lon, dtype=np.float64)
    lat_a = np.ascontiguousarray(lat, dtype=np.float64)
    status_a = np.ascontiguousarray(status, dtype=np.int8)
    if not (lon_a.ndim == 1 and lon_a.shape == lat_a.shape == status_a.shape):
        raise ValueError(
            f"lon, lat and status must be 1-D of one length, got {lon_a.shape}, "
            f"{lat_a.shape} and {status_a.shape}"
        )
    first = _first_located(lon_a, lat_a, status_a)
    ref_lon, ref_lat = (lon_a[first], lat_a[first]) if first >= 0 else (0.0, 0.0)
    counts, sums, extent = _cloud.located_sums(
        lon_a, lat_a, status_a, lon_a.view(np.int64), lat_a.view(np.int64), ref_lon, ref_lat
    )
    n, x, y, z = sums
    no_cells = np.zeros((0, 0), np.int64)
    if n == 0:
        stats = CloudStats(0, float("nan"), float("nan"), float("nan"))
        nan = float("nan")
        return LocatedCloud(counts, stats, None, cell_deg, (0, 0), no_cells, (nan,) * 4)
    clon = float(np.degrees(np.arctan2(y, x)))
    clat = float(np.degrees(np.arctan2(z, np.hypot(x, y))))
    lon_min, lon_max, lat_min, lat_max = (float(v) for v in extent)
    far = _cloud.may_be_far((lon_min, lon_max, lat_min, lat_max), clon, clat)
    sq = _cloud.located_spread(lon_a, lat_a, status_a, clon, clat, far)
    stats = CloudStats(int(n), clon, clat, float(np.sqrt(sq / n)) / 1000.0)
    smooth_cells = 1.0
    frame = _grid_frame(stats, (lon_min, lon_max, lat_min, lat_max), None, smooth_cells, 300)
    # cells as _cloud.cell_counts: floor(lon / cell) is monotonic, so the extent's cells bound them
    cx0, cy0 = math.floor(lon_min / cell_deg), math.floor(lat_min / cell_deg)
    cx1, cy1 = math.floor(lon_max / cell_deg), math.floor(lat_max / cell_deg)
    cnx, cny = cx1 - cx0 + 1, cy1 - cy0 + 1
    box = tuple((c + 0.5) * cell_deg for c in (cx0, cy0, cx1, cy1))
    cell_box = (box[0], box[1], box[2], box[3])
    if cnx * cny > max_cells or (count_cells is not None and not count_cells(int(n), cell_box)):
        cnx = cny = 0
    threads = numba.get_num_threads()
    hist, cells = _cloud.located_grids(
        lon_a, lat_a, status_a, *frame, cell_deg, cx0, cy0, cnx, cny, threads
    )
    grid = _grid_from_counts(hist, frame, smooth_cells)
    return LocatedCloud(counts, stats, grid, cell_deg, (cx0, cy0), cells, cell_box)


def _first_located(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], status: npt.NDArray[np.int8]
) -> int:
    """Index of the first particle with status 0 or 1 and a finite position, -1 when none.

    Searches growing prefixes: the first particle nearly always qualifies.
    """
    start, step = 0, 64
    while start < lon.size:
        sl = slice(start, start + step)
        s = status[sl]
        ok = ((s == 0) | (s == 1)) & np.isfinite(lon[sl]) & np.isfinite(lat[sl])
        if ok.any():
            return start + int(np.argmax(ok))
        start, step = start + step, step * 4
    return -1
