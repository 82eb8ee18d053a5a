"""Distance to the nearest coast, whose coast it is, and approximate maritime zones.

Method
------
The coastline is the set of exterior rings of the full-resolution GSHHG land
polygons (:func:`sarwatch.geo.coast.land_polygons`), simplified by 0.0003° (~30 m)
and densified so that no two consecutive vertices are more than 0.002° apart
(~220 m). The artificial edges where the region box cuts through land are dropped.
The nearest vertex to a position differs from the nearest point of the polyline by
at most half a vertex spacing (~0.06 nm), so distances are within ~0.1 nm of the
geodesic distance to the GSHHG coast.

For many positions at once, the vertices are put in a k-d tree in Earth-centred
(ECEF, WGS84) coordinates; the few nearest vertices by chord length are then
measured exactly with :func:`sarwatch.geo.geodesy.geodesic_distance_m` (Karney's
geodesic on WGS84) and the shortest is kept.

Each vertex carries the ISO 3166 alpha-2 code of the nearest Natural Earth admin-0
country (packaged ``data/admin0_central_med.geojson``), which names the State of
the nearest coast.

Zones are **approximate**: the territorial sea (12 nm, UNCLOS art. 3) and the
contiguous zone (24 nm, art. 33) are measured from baselines, which close bays and
join fringing islands (and Libya claims the Gulf of Sirte as internal waters, a
claim not generally recognised). Buffers from the coastline drawn here are
narrower than the legal zones where straight or closing baselines exist. Use them
to orient, not to decide a legal question.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import shape

from sarwatch._files import atomic_writer
from sarwatch.errors import DataError, OutOfRegionError
from sarwatch.geo.coast import (
    REGION,
    TILE_DEG,
    LandMask,
    Region,
    default_cache_dir,
    land_mask,
    land_mask_for,
    land_polygons,
)
from sarwatch.geo.geodesy import M_PER_NM, destination, geod
from sarwatch.geo.position import format_position

__all__ = [
    "CONTIGUOUS_ZONE_NM",
    "OUTSIDE_SEARCH_NM",
    "TERRITORIAL_SEA_NM",
    "ZONE_NOTE",
    "CoastIndex",
    "CoastResult",
    "Zone",
    "assess_coast",
    "assess_coast_outside",
    "check_in_region",
    "classify_zone",
    "coast_index",
    "coast_vertices",
    "nearest_sea_point",
    "nearest_sea_point_outside",
]

#: Breadth of the territorial sea from the baseline (UNCLOS art. 3), nautical miles.
TERRITORIAL_SEA_NM = 12.0
#: Outer limit of the contiguous zone from the baseline (UNCLOS art. 33), nautical miles.
CONTIGUOUS_ZONE_NM = 24.0

Zone = Literal["internal_or_land", "territorial_sea", "contiguous_zone", "high_seas"]

#: Label to show next to every zone answer.
ZONE_NOTE = (
    "approximate: 12 nm / 24 nm measured here from the GSHHG coastline; the law measures "
    "from baselines (UNCLOS arts. 3, 5, 7, 33), which can lie further out. 12-24 nm is a "
    "contiguous zone only where the coastal State has proclaimed one (not checked here); "
    "beyond lie the high seas or a State's exclusive economic or fishing zone, where "
    "freedom of navigation applies (art. 58)"
)

_INDEX_VERSION = "gshhg-f-ne10m-v1"
_SIMPLIFY_DEG = 0.0003
_SEGMENT_DEG = 0.002
_K_CANDIDATES = 6
_ADMIN0_FILE = "admin0_central_med.geojson"
_A = 6378137.0
_E2 = 6.69437999014e-3


def _ecef(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Earth-centred coordinates on the WGS84 ellipsoid (metres), shape ``(n, 3)``."""
    lam = np.radians(np.asarray(lon, dtype=float))
    phi = np.radians(np.asarray(lat, dtype=float))
    sin_phi = np.sin(phi)
    n = _A / np.sqrt(1.0 - _E2 * sin_phi**2)
    return np.column_stack(
        (
            n * np.cos(phi) * np.cos(lam),
            n * np.cos(phi) * np.sin(lam),
            n * (1.0 - _E2) * sin_phi,
        )
    )


@dataclass(frozen=True)
class CoastIndex:
    """Densified coast vertices with their State, and a k-d tree over them.

    Attributes
    ----------
    lon, lat
        Vertex coordinates, degrees.
    state_index
        Per vertex, an index into ``states`` (the State whose coast it is).
    states
        ISO 3166 alpha-2 codes; ``""`` where no country polygon lies within 0.5°.
    tree
        :class:`scipy.spatial.cKDTree` over the vertices in ECEF metres.
    """

    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    state_index: npt.NDArray[np.int16]
    states: tuple[str, ...]
    tree: cKDTree

    @classmethod
    def over(
        cls,
        lon: npt.NDArray[np.float64],
        lat: npt.NDArray[np.float64],
        state_index: npt.NDArray[np.int16],
        states: tuple[str, ...],
    ) -> CoastIndex:
        """The index over these vertices, its k-d tree built here.

        Parameters
        ----------
        lon, lat
            Vertex coordinates, degrees.
        state_index, states
            Per vertex, an index into ``states``; the ISO 3166 alpha-2 codes.
        """
        lon = np.ascontiguousarray(lon)
        lat = np.ascontiguousarray(lat)
        tree = cKDTree(_ecef(lon, lat), balanced_tree=False, compact_nodes=False)
        return cls(lon=lon, lat=lat, state_index=state_index, states=states, tree=tree)

    def nearest(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]:
        """Geodesic distance (metres) to, and index of, the nearest coast vertex."""
        lon_a = np.atleast_1d(np.asarray(lon, dtype=float)).ravel()
        lat_a = np.atleast_1d(np.asarray(lat, dtype=float)).ravel()
        if lon_a.size == 0:
            return np.zeros(0), np.zeros(0, dtype=np.intp)
        k = min(_K_CANDIDATES, self.lon.size)
        _, idx = self.tree.query(_ecef(lon_a, lat_a), k=k)
        idx = np.asarray(idx).reshape(lon_a.size, k)
        _, _, dist = geod().inv(
            np.repeat(lon_a, k), np.repeat(lat_a, k), self.lon[idx.ravel()], self.lat[idx.ravel()]
        )
        dist = np.asarray(dist, dtype=float).reshape(lon_a.size, k)
        best = np.argmin(dist, axis=1)
        rows = np.arange(lon_a.size)
        return dist[rows, best], idx[rows, best]


def coast_index(cache_dir: Path | None = None, *, region: Region = REGION) -> CoastIndex:
    """The region's :class:`CoastIndex`, built once and cached (``.npz`` in ``cache_dir``).

    Parameters
    ----------
    cache_dir
        Where the clipped coastline is cached; default :func:`default_cache_dir`.
    region
        The box the coastline covers; default :data:`sarwatch.geo.coast.REGION`.

    Raises
    ------
    DataError
        If the packaged country polygons are unreadable.
    """
    return _coast_index_cached(Path(cache_dir or default_cache_dir()), region)


@lru_cache(maxsize=4)
def _coast_index_cached(cache_dir: Path, region: Region) -> CoastIndex:
    key = f"{region.lon_min:g}_{region.lat_min:g}_{region.lon_max:g}_{region.lat_max:g}"
    path = cache_dir / f"coast_index_{_INDEX_VERSION}_{key}.npz"
    arrays = _load_index_arrays(path)
    if arrays is None:
        arrays = _build_index_arrays(cache_dir, region)
        _save_index_arrays(path, arrays)
    return CoastIndex.over(*arrays)


_IndexArrays = tuple[
    npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int16], tuple[str, ...]
]


def coast_vertices(polygons: shapely.MultiPolygon, region: Region) -> npt.NDArray[np.float64]:
    """The coastline as the index holds it: ``(n, 2)`` lon/lat vertices.

    Exterior rings of the land polygons, simplified by 0.0003° and densified to 0.002°,
    without the artificial edges where ``region``'s box cuts through land. The zone
    lines of the map (:mod:`sarwatch.geo.zonelines`) are measured from the same vertices.
    """
    rings = shapely.get_exterior_ring(shapely.get_parts(polygons))
    rings = shapely.segmentize(shapely.simplify(rings, _SIMPLIFY_DEG), _SEGMENT_DEG)
    coords = shapely.get_coordinates(rings)
    eps = 1e-9
    on_box = (
        (np.abs(coords[:, 0] - region.lon_min) < eps)
        | (np.abs(coords[:, 0] - region.lon_max) < eps)
        | (np.abs(coords[:, 1] - region.lat_min) < eps)
        | (np.abs(coords[:, 1] - region.lat_max) < eps)
    )
    return np.unique(coords[~on_box], axis=0)


def classify_zone(distance_nm: npt.ArrayLike, on_land: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """The approximate zone from the distance to the coast: the one rule for every answer.

    Examples
    --------
    >>> classify_zone([5.0, 12.0, 12.01, 30.0, 3.0], [False, False, False, False, True]).tolist()
    ['territorial_sea', 'territorial_sea', 'contiguous_zone', 'high_seas', 'internal_or_land']
    """
    d = np.atleast_1d(np.asarray(distance_nm, dtype=float))
    zone = np.full(d.shape, "high_seas", dtype="<U16")
    with np.errstate(invalid="ignore"):
        zone[d <= CONTIGUOUS_ZONE_NM] = "contiguous_zone"
        zone[d <= TERRITORIAL_SEA_NM] = "territorial_sea"
    zone[np.atleast_1d(np.asarray(on_land, dtype=bool))] = "internal_or_land"
    return zone


def _build_index_arrays(cache_dir: Path, region: Region) -> _IndexArrays:
    polygons = land_polygons(cache_dir, region=region)
    coords = coast_vertices(polygons, region)
    states, state_index = _assign_states(coords)
    lon = np.ascontiguousarray(coords[:, 0])
    lat = np.ascontiguousarray(coords[:, 1])
    return lon, lat, state_index, states


def _load_index_arrays(path: Path) -> _IndexArrays | None:
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return (
                data["lon"],
                data["lat"],
                data["state_index"],
                tuple(str(s) for s in data["states"]),
            )
    except (OSError, ValueError, KeyError):
        return None


def _save_index_arrays(path: Path, arrays: _IndexArrays) -> None:
    lon, lat, state_index, states = arrays
    with atomic_writer(path) as fh:
        np.savez(fh, lon=lon, lat=lat, state_index=state_index, states=np.array(states))


@lru_cache(maxsize=1)
def _admin0() -> tuple[tuple[str, ...], npt.NDArray[np.object_]]:
    try:
        text = resources.files("sarwatch.data").joinpath(_ADMIN0_FILE).read_text("utf-8")
        features = json.loads(text)["features"]
        codes = tuple(str(f["properties"]["iso_a2"]) for f in features)
        geoms = np.array([shape(f["geometry"]) for f in features], dtype=object)
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(
            f"the packaged country file {_ADMIN0_FILE} is unreadable ({exc}); reinstall sarwatch"
        ) from exc
    return codes, geoms


def _assign_states(
    coords: npt.NDArray[np.float64],
) -> tuple[tuple[str, ...], npt.NDArray[np.int16]]:
    """The country of each coast vertex, as indices into a tuple of ISO alpha-2 codes.

    A vertex inside a country polygon takes that country; the others (GSHHG and
    Natural Earth coasts differ by up to a few hundred metres) take the country
    whose boundary vertex (densified to 0.005°) is nearest, if within 0.5°.
    """
    codes, geoms = _admin0()
    n_codes = len(codes)
    out = np.full(coords.shape[0], n_codes, dtype=np.int16)
    x, y = coords[:, 0], coords[:, 1]
    for i, geom in enumerate(geoms):
        xmin, ymin, xmax, ymax = geom.bounds
        sel = np.flatnonzero(
            (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax) & (out == n_codes)
        )
        if sel.size:
            out[sel[shapely.contains_xy(geom, x[sel], y[sel])]] = i
    rest = np.flatnonzero(out == n_codes)
    if rest.size:
        boundaries = shapely.segmentize(shapely.boundary(geoms), 0.005)
        b_xy, b_owner = shapely.get_coordinates(boundaries, return_index=True)
        dist, j = cKDTree(b_xy).query(coords[rest], distance_upper_bound=0.5)
        found = np.isfinite(dist)
        out[rest[found]] = b_owner[j[found]].astype(np.int16)
    return (*codes, ""), out


def check_in_region(
    lon: npt.ArrayLike, lat: npt.ArrayLike, *, region: Region = REGION
) -> npt.NDArray[np.bool_]:
    """Whether positions lie inside the area the packaged data covers.

    Returns
    -------
    numpy.ndarray of bool
        True inside ``region``; NaN coordinates are outside.
    """
    return region.contains(lon, lat)


def _require_in_region(lon: float, lat: float, region: Region) -> None:
    if not bool(region.contains(lon, lat)):
        where = format_position(lon, lat, style="decimal", decimals=4)
        raise OutOfRegionError(
            f"position {where} lies outside the area sarwatch's coastline, "
            f"SAR-region and port data cover ({region.describe()}, the Central Mediterranean); "
            "check the position, or for other seas use another tool"
        )


@dataclass(frozen=True)
class CoastResult:
    """Coast facts for ``n`` positions (all arrays of length ``n``).

    Attributes
    ----------
    on_land
        True where the position is on land (GSHHG full resolution).
    distance_to_coast_nm
        Geodesic distance to the nearest coast, nautical miles (from land as well).
    coast_lon, coast_lat
        The nearest coast point, degrees.
    nearest_coast_state
        ISO 3166 alpha-2 code of the State whose coast is nearest (``""`` if unknown).
    zone
        ``internal_or_land``, ``territorial_sea``, ``contiguous_zone`` or ``high_seas``
        (approximate, see :data:`ZONE_NOTE`).
    zone_state
        The coastal State of the territorial sea or contiguous zone, ``""`` elsewhere
        (on land it is the State of the nearest coast).
    """

    on_land: npt.NDArray[np.bool_]
    distance_to_coast_nm: npt.NDArray[np.float64]
    coast_lon: npt.NDArray[np.float64]
    coast_lat: npt.NDArray[np.float64]
    nearest_coast_state: npt.NDArray[np.str_]
    zone: npt.NDArray[np.str_]
    zone_state: npt.NDArray[np.str_]


def assess_coast(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    cache_dir: Path | None = None,
    region: Region = REGION,
) -> CoastResult:
    """Distance to coast, nearest coastal State and approximate zone for many positions.

    Parameters
    ----------
    lon, lat
        Degrees, equal-length 1-D arrays (scalars allowed), all inside ``region``.
    cache_dir
        Coastline cache directory; default :func:`default_cache_dir`.
    region
        The area the data covers; default :data:`sarwatch.geo.coast.REGION`.

    Returns
    -------
    CoastResult
        One entry per position.

    Raises
    ------
    OutOfRegionError
        If any position lies outside ``region`` (the message names the first one).

    Examples
    --------
    >>> r = assess_coast([12.5, 14.0], [33.2, 34.5])
    >>> r.nearest_coast_state.tolist(), r.zone.tolist()
    (['LY', 'MT'], ['contiguous_zone', 'high_seas'])
    """
    lon_a = np.atleast_1d(np.asarray(lon, dtype=float)).ravel()
    lat_a = np.atleast_1d(np.asarray(lat, dtype=float)).ravel()
    if lon_a.shape != lat_a.shape:
        raise ValueError(f"lon and lat differ in length: {lon_a.size} and {lat_a.size}")
    inside = region.contains(lon_a, lat_a)
    if not inside.all():
        first = int(np.flatnonzero(~inside)[0])
        _require_in_region(float(lon_a[first]), float(lat_a[first]), region)
    index = coast_index(cache_dir, region=region)
    mask = land_mask(cache_dir, region=region)
    on_land = mask.contains(lon_a, lat_a)
    dist_m, vertex = index.nearest(lon_a, lat_a)
    distance_nm = dist_m / M_PER_NM
    states = np.asarray(index.states, dtype="<U2")
    coast_state = states[index.state_index[vertex]]
    zone = classify_zone(distance_nm, on_land)
    zone_state = np.where(zone == "high_seas", "", coast_state)
    return CoastResult(
        on_land=on_land,
        distance_to_coast_nm=distance_nm,
        coast_lon=index.lon[vertex],
        coast_lat=index.lat[vertex],
        nearest_coast_state=coast_state,
        zone=zone,
        zone_state=zone_state,
    )


def nearest_sea_point(
    lon: float,
    lat: float,
    *,
    cache_dir: Path | None = None,
    region: Region = REGION,
) -> tuple[float, float]:
    """A point at sea close to ``(lon, lat)``: the position itself if already at sea.

    For a position on land, the nearest coast vertex is found and a point is taken
    just beyond it (200 m to 5 km, in the direction away from the position first,
    then all round) where the land mask says sea.

    Returns
    -------
    tuple of float
        ``(lon, lat)`` degrees of a sea point.

    Raises
    ------
    OutOfRegionError
        If the position lies outside ``region``.
    """
    _require_in_region(lon, lat, region)
    mask: LandMask = land_mask(cache_dir, region=region)
    if not bool(mask.contains(lon, lat)):
        return float(lon), float(lat)
    index = coast_index(cache_dir, region=region)
    found = _sea_beyond_coast(lon, lat, mask, index, region)
    if found is not None:
        return found
    raise DataError(
        f"no sea found within 5 km of the coast nearest to {format_position(lon, lat)}; "
        "the coastline cache may be damaged: delete it and retry"
    )


def _sea_beyond_coast(
    lon: float, lat: float, mask: LandMask, index: CoastIndex, region: Region | None
) -> tuple[float, float] | None:
    """A sea point just beyond the coast vertex nearest to a position on land."""
    _, vertex = index.nearest(lon, lat)
    c_lon, c_lat = float(index.lon[vertex[0]]), float(index.lat[vertex[0]])
    az, _, dist = geod().inv(lon, lat, c_lon, c_lat)
    base_az = float(az) if dist > 1.0 else 0.0
    turns = np.array([0, 30, -30, 60, -60, 90, -90, 120, -120, 150, -150, 180], dtype=float)
    for step_m in (200.0, 500.0, 1000.0, 2000.0, 5000.0):
        cand_lon, cand_lat = destination(c_lon, c_lat, base_az + turns, step_m)
        sea = ~mask.contains(cand_lon, cand_lat)
        if region is not None:
            sea &= region.contains(cand_lon, cand_lat)
        if sea.any():
            first = int(np.flatnonzero(sea)[0])
            return float(cand_lon[first]), float(cand_lat[first])
    return None


# ----------------------------------------------------------------- outside the packaged region

#: Outside :data:`~sarwatch.geo.coast.REGION`, the coast is looked for this far (nautical
#: miles, one degree of latitude) around a position, on the GSHHG tiles of
#: :func:`~sarwatch.geo.coast.land_mask_for`; beyond it a position is "more than 60 nm"
#: from the coast (high seas for the zones).
OUTSIDE_SEARCH_NM = 60.0

_TILE_INDEXES: dict[tuple[Path, tuple[float, float, float, float]], CoastIndex | None] = {}


def _outside_sources(
    lon: float, lat: float, cache_dir: Path | None
) -> tuple[LandMask, CoastIndex | None]:
    r = OUTSIDE_SEARCH_NM / 60.0
    r_lon = min(r / max(float(np.cos(np.radians(lat))), 0.05), 180.0)
    box = Region(
        max(lon - r_lon, -180.0), max(lat - r, -90.0), min(lon + r_lon, 180.0), min(lat + r, 90.0)
    )
    mask = land_mask_for(box, cache_dir)
    n_lat, n_lon = mask.cells.shape
    key = (
        Path(cache_dir or default_cache_dir()),
        (
            mask.lon0,
            mask.lat0,
            mask.lon0 + n_lon * mask.cell_deg,
            mask.lat0 + n_lat * mask.cell_deg,
        ),
    )
    if key not in _TILE_INDEXES:
        if len(_TILE_INDEXES) >= 4:
            _TILE_INDEXES.pop(next(iter(_TILE_INDEXES)))
        _TILE_INDEXES[key] = _index_from_tiles(mask.polygons)
    return mask, _TILE_INDEXES[key]


def _index_from_tiles(polygons: shapely.MultiPolygon) -> CoastIndex | None:
    """A coast index from tiles' polygons, without the tiles' artificial edges."""
    rings = shapely.get_exterior_ring(shapely.get_parts(polygons))
    rings = shapely.segmentize(shapely.simplify(rings, _SIMPLIFY_DEG), _SEGMENT_DEG)
    coords = shapely.get_coordinates(rings)
    if coords.size == 0:
        return None
    eps = 1e-9
    on_edge = (np.abs(coords / TILE_DEG - np.round(coords / TILE_DEG)) * TILE_DEG < eps).any(axis=1)
    coords = np.unique(coords[~on_edge], axis=0)
    if coords.size == 0:
        return None
    states, state_index = _assign_states(coords)
    return CoastIndex.over(coords[:, 0], coords[:, 1], state_index, states)


def assess_coast_outside(lon: float, lat: float, *, cache_dir: Path | None = None) -> CoastResult:
    """:func:`assess_coast` for one position anywhere, from the global GSHHG tiles.

    For positions outside the packaged region. The land test is exact (GSHHG full
    resolution); the coast is looked for within :data:`OUTSIDE_SEARCH_NM`: farther,
    ``distance_to_coast_nm`` is NaN (more than that) and the zone is ``high_seas``
    (or ``internal_or_land`` on land). The coastal State is named only where the
    packaged country polygons reach (the Central Mediterranean), else ``""``.
    """
    mask, index = _outside_sources(lon, lat, cache_dir)
    on_land = mask.contains([lon], [lat])
    dist_nm = np.array([np.nan])
    coast_lon, coast_lat = np.array([np.nan]), np.array([np.nan])
    state = np.array([""], dtype="<U2")
    if index is not None:
        d_m, vertex = index.nearest([lon], [lat])
        if d_m[0] / M_PER_NM <= OUTSIDE_SEARCH_NM:
            dist_nm = d_m / M_PER_NM
            coast_lon, coast_lat = index.lon[vertex], index.lat[vertex]
            state = np.asarray(index.states, dtype="<U2")[index.state_index[vertex]]
    zone = classify_zone(dist_nm, on_land)
    return CoastResult(
        on_land=on_land,
        distance_to_coast_nm=dist_nm,
        coast_lon=coast_lon,
        coast_lat=coast_lat,
        nearest_coast_state=state,
        zone=zone,
        zone_state=np.where(zone == "high_seas", "", state),
    )


def nearest_sea_point_outside(
    lon: float, lat: float, *, cache_dir: Path | None = None
) -> tuple[float, float] | None:
    """:func:`nearest_sea_point` anywhere, from the GSHHG tiles; ``None`` when no coast lies
    within :data:`OUTSIDE_SEARCH_NM` of a position on land."""
    mask, index = _outside_sources(lon, lat, cache_dir)
    if not bool(mask.contains(lon, lat)):
        return float(lon), float(lat)
    if index is None:
        return None
    return _sea_beyond_coast(lon, lat, mask, index, None)
