"""Vector layers for the offline map: coastline per zoom level, SAR regions, zone lines, ports.

The map page has no tile server: its base map is the full-resolution GSHHG coastline
(:func:`sarwatch.geo.coast.land_polygons`) served as GeoJSON. Sending all ~200,000
vertices (3.7 MB, 0.8 MB gzipped) to a ship on a satellite link would be wasteful,
so the coastline is simplified once per zoom band (Douglas–Peucker with a tolerance
about one screen pixel at that zoom, tiny islets dropped where they would be
smaller than a pixel) and cached gzipped in the cache directory. Later processes
read the cache in milliseconds.

The 12 nm and 24 nm lines come from :func:`sarwatch.geo.zonelines.zone_lines`: the
level sets of the distance that ``assess`` measures (one method for the map and the
point answers). They are **approximate**: the law measures from baselines (UNCLOS
arts. 3–7, 33), not from the GSHHG shoreline, and the map says so.

Every builder returns gzipped GeoJSON bytes so that routes can send them as they are.
The SAR-region and port layers live in :mod:`sarwatch.web.overlays` (re-exported here),
the GeoJSON helpers in :mod:`sarwatch.web.geojson`.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from sarwatch._files import write_bytes_atomic
from sarwatch.errors import InputError
from sarwatch.geo.units import M_PER_NM
from sarwatch.geo.zonelines import ZONE_LIMITS_NM
from sarwatch.web.geojson import feature_collection, geometry_json, gzip_json
from sarwatch.web.overlays import POS_STATUSES, PortStatus, ports_layer, srr_layer

__all__ = [
    "COAST_LEVELS",
    "CONTEXT_BOX",
    "NM_M",
    "POS_STATUSES",
    "ZONE_DISTANCES_NM",
    "CoastLevel",
    "PortStatus",
    "coast_layer",
    "coast_level_for_zoom",
    "ports_layer",
    "srr_layer",
    "zones_layer",
]

_LAYER_CACHE_VERSION = "layers-v1"
#: The zone lines are the level sets of the assessment's distance (v2); v1 was a buffer.
_ZONES_VERSION = "v2"
#: Coast layers with the context land around the packaged region (v2: to 6°W; v3: to 19°W).
_COAST_VERSION = "v3"
#: Land drawn around the packaged region for orientation at every zoom (lon_min, lat_min,
#: lon_max, lat_max): the Mediterranean and its Atlantic approaches (Portugal, Morocco's
#: Atlantic coast, Madeira, the Canaries) to the Levant, the Sahara's northern edge. Beyond
#: it, zooms served by bbox draw land from the GSHHG tiles of :func:`geo.coast.land_mask_for`
#: (the area of a drift run anywhere the forcing covers).
CONTEXT_BOX = (-19.0, 24.0, 37.0, 46.0)
_CONTEXT_TOLERANCE_DEG = 0.004
_CONTEXT_MIN_AREA_DEG2 = 4e-4

#: One international nautical mile in metres.
NM_M = M_PER_NM

#: The distances of the approximate zone lines (:data:`sarwatch.geo.zonelines.ZONE_LIMITS_NM`).
ZONE_DISTANCES_NM = ZONE_LIMITS_NM


@dataclass(frozen=True)
class CoastLevel:
    """One precomputed simplification of the coastline.

    Attributes
    ----------
    max_zoom
        The highest Leaflet zoom this level serves (zoom 6 shows the Central Med).
    tolerance_deg
        Douglas–Peucker tolerance, degrees (0.001° is about 110 m).
    min_area_deg2
        Polygons smaller than this are dropped (square degrees; 1e-4 is about 1 km²).
    decimals
        Coordinates are rounded to this many decimals (4 decimals: 11 m).
    """

    max_zoom: int
    tolerance_deg: float
    min_area_deg2: float
    decimals: int


#: Coastline levels, coarse to fine. The finest keeps the full GSHHG geometry up to
#: 0.0002° (~20 m) and is only served clipped to a bounding box.
COAST_LEVELS = (
    CoastLevel(max_zoom=5, tolerance_deg=0.02, min_area_deg2=4e-4, decimals=3),
    CoastLevel(max_zoom=6, tolerance_deg=0.008, min_area_deg2=1e-4, decimals=3),
    CoastLevel(max_zoom=7, tolerance_deg=0.003, min_area_deg2=1e-4, decimals=4),
    CoastLevel(max_zoom=9, tolerance_deg=0.001, min_area_deg2=1e-5, decimals=4),
    CoastLevel(max_zoom=30, tolerance_deg=0.0002, min_area_deg2=0.0, decimals=5),
)

#: Levels at or above this index must be requested with a bounding box.
_BBOX_REQUIRED_FROM = 3


def coast_level_for_zoom(zoom: int) -> int:
    """Index into :data:`COAST_LEVELS` for a Leaflet zoom level.

    Examples
    --------
    >>> coast_level_for_zoom(0), coast_level_for_zoom(6), coast_level_for_zoom(8)
    (0, 1, 3)
    >>> coast_level_for_zoom(18)
    4
    """
    if zoom < 0:
        raise InputError(f"zoom must be 0 or more, got {zoom}")
    for index, level in enumerate(COAST_LEVELS):
        if zoom <= level.max_zoom:
            return index
    return len(COAST_LEVELS) - 1


# --------------------------------------------------------------------------- caching


def _cached(path: Path, build: Callable[[], bytes]) -> bytes:
    """Read ``path`` if it is a valid gzip file, else build, write atomically and return."""
    if path.exists():
        data = path.read_bytes()
        try:
            gzip.decompress(data)
        except (OSError, EOFError):
            path.unlink(missing_ok=True)
        else:
            return data
    data = build()
    write_bytes_atomic(path, data)
    return data


# --------------------------------------------------------------------------- coastline


def _land(cache_dir: Path) -> shapely.MultiPolygon:
    from sarwatch.geo.coast import land_polygons

    return land_polygons(cache_dir)


def _context_land(cache_dir: Path) -> shapely.MultiPolygon:
    """Land around the packaged region, for orientation only (cached WKB).

    Without it, Algeria west of 5°E or inland Libya south of 29°N would be drawn as sea
    with a rectangular edge. Extracted once from the world's GSHHG polygons (seconds,
    ~1.5 GB), the packaged region's box cut out, simplified by
    :data:`_CONTEXT_TOLERANCE_DEG`.
    """
    from sarwatch.geo.coast import REGION, Region, cached_multipolygon, extract_land_polygons

    def extract() -> shapely.MultiPolygon:
        land = extract_land_polygons(Region(*CONTEXT_BOX))
        packaged = shapely.box(REGION.lon_min, REGION.lat_min, REGION.lon_max, REGION.lat_max)
        parts = shapely.get_parts(land)
        parts = shapely.difference(parts, packaged)
        parts = shapely.simplify(parts, _CONTEXT_TOLERANCE_DEG, preserve_topology=True)
        polygons = [
            p
            for g in parts
            for p in shapely.get_parts(g)
            if p.geom_type == "Polygon" and not p.is_empty
        ]
        return shapely.MultiPolygon(polygons)

    key = "_".join(f"{v:g}" for v in CONTEXT_BOX)
    path = Path(cache_dir) / _LAYER_CACHE_VERSION / f"context_land_{_COAST_VERSION}_{key}.wkb"
    return cached_multipolygon(path, extract)


def _simplified_parts(land: shapely.MultiPolygon, level: CoastLevel) -> npt.NDArray[np.object_]:
    parts = shapely.get_parts(land)
    parts = parts[shapely.area(parts) >= level.min_area_deg2]
    simple = shapely.simplify(parts, level.tolerance_deg, preserve_topology=True)
    return simple[~shapely.is_empty(simple)]


@lru_cache(maxsize=8)
def _coast_parts(cache_dir: Path, index: int) -> npt.NDArray[np.object_]:
    level = COAST_LEVELS[index]
    context_level = CoastLevel(
        max_zoom=level.max_zoom,
        tolerance_deg=max(2 * level.tolerance_deg, _CONTEXT_TOLERANCE_DEG),
        min_area_deg2=max(level.min_area_deg2, _CONTEXT_MIN_AREA_DEG2),
        decimals=level.decimals,
    )
    return np.concatenate(
        [
            _simplified_parts(_land(cache_dir), level),
            _simplified_parts(_context_land(cache_dir), context_level),
        ]
    )


def _coast_collection(
    parts: Iterable[shapely.Geometry], level: CoastLevel, index: int, bbox: Sequence[float] | None
) -> dict[str, Any]:
    geom = shapely.MultiPolygon(
        [p for g in parts for p in shapely.get_parts(g) if p.geom_type == "Polygon"]
    )
    return feature_collection(
        [
            {
                "type": "Feature",
                "properties": {"kind": "land", "level": index},
                "geometry": geometry_json(geom, level.decimals),
            }
        ],
        level=index,
        max_zoom=level.max_zoom,
        tolerance_deg=level.tolerance_deg,
        bbox=list(bbox) if bbox is not None else None,
        source="GSHHG full resolution (via roaring-landmask), simplified for display",
        context_box=list(CONTEXT_BOX),
        note=(
            "land outside the packaged region (5°E–27°E, 29°N–43°N) is drawn for orientation, "
            "more simplified (beyond the context box only when asked with a bbox); sarwatch "
            "has no SAR-region, port or zone data there"
        ),
    )


def coast_layer(
    cache_dir: Path, zoom: int, bbox: Sequence[float] | None = None
) -> tuple[int, bytes]:
    """The coastline for a zoom level as gzipped GeoJSON.

    Parameters
    ----------
    cache_dir
        Where the land polygons and the simplified levels are cached.
    zoom
        Leaflet zoom level (6 shows the whole Central Mediterranean on a laptop).
    bbox
        ``(lon_min, lat_min, lon_max, lat_max)`` degrees. Required from zoom 8 up,
        where the whole region would be too heavy; the answer is clipped to it.

    Returns
    -------
    tuple
        ``(level index, gzipped GeoJSON bytes)``: one Feature holding a MultiPolygon of land.

    Raises
    ------
    InputError
        A bad zoom or bbox, or no bbox at a fine zoom.
    """
    index = coast_level_for_zoom(zoom)
    level = COAST_LEVELS[index]
    cache_dir = Path(cache_dir)
    if bbox is None:
        if index >= _BBOX_REQUIRED_FROM:
            raise InputError(
                f"zoom {zoom} needs a bbox=lon_min,lat_min,lon_max,lat_max "
                "(the whole coastline at that detail is several megabytes)"
            )
        path = cache_dir / _LAYER_CACHE_VERSION / f"coast-{_COAST_VERSION}_l{index}.geojson.gz"
        return index, _cached(
            path,
            lambda: gzip_json(
                _coast_collection(_coast_parts(cache_dir, index), level, index, None)
            ),
        )
    box = _check_bbox(bbox)
    return index, _coast_clip(cache_dir, index, box)


def _check_bbox(bbox: Sequence[float]) -> tuple[float, float, float, float]:
    if len(bbox) != 4 or not all(math.isfinite(v) for v in bbox):
        raise InputError(
            f"bbox must be four finite numbers lon_min,lat_min,lon_max,lat_max, got {bbox}"
        )
    lon_min, lat_min, lon_max, lat_max = (float(v) for v in bbox)
    if not (lon_min < lon_max and lat_min < lat_max):
        raise InputError(f"bbox must have lon_min < lon_max and lat_min < lat_max, got {bbox}")
    if (lon_max - lon_min) * (lat_max - lat_min) > 64.0:
        raise InputError(
            f"bbox covers {(lon_max - lon_min) * (lat_max - lat_min):.0f} square degrees; "
            "at this zoom ask for 64 or fewer (zoom out for a wider view)"
        )
    # Snap outwards to a 0.25° grid so that nearby views share the cache.
    snap = 0.25
    return (
        math.floor(lon_min / snap) * snap,
        math.floor(lat_min / snap) * snap,
        math.ceil(lon_max / snap) * snap,
        math.ceil(lat_max / snap) * snap,
    )


@lru_cache(maxsize=256)
def _coast_clip(cache_dir: Path, index: int, box: tuple[float, float, float, float]) -> bytes:
    level = COAST_LEVELS[index]
    parts = _coast_parts(cache_dir, index)
    tree = _coast_tree(cache_dir, index)
    hits = parts[tree.query(shapely.box(*box))]
    clipped = shapely.clip_by_rect(hits, *box)
    clipped = np.concatenate([clipped, _land_beyond_context(cache_dir, level, box)])
    clipped = clipped[~shapely.is_empty(clipped)]
    return gzip_json(_coast_collection(clipped, level, index, box))


def _land_beyond_context(
    cache_dir: Path, level: CoastLevel, box: tuple[float, float, float, float]
) -> npt.NDArray[np.object_]:
    """Land in ``box`` outside :data:`CONTEXT_BOX`, from the GSHHG tiles that drift runs
    anywhere use (:func:`sarwatch.geo.coast.land_polygons_for`), simplified for ``level``.

    Empty when ``box`` lies inside the context box (no tile is read). The first request
    for a part of the world whose tiles are not cached reads the world once (~10 s).
    """
    from sarwatch.geo.coast import Region, land_polygons_for

    lon_min, lat_min, lon_max, lat_max = box
    c_lon_min, c_lat_min, c_lon_max, c_lat_max = CONTEXT_BOX
    if (
        c_lon_min <= lon_min
        and lon_max <= c_lon_max
        and c_lat_min <= lat_min
        and lat_max <= c_lat_max
    ):
        return np.empty(0, dtype=object)
    land = land_polygons_for(Region(*box), cache_dir)
    parts = shapely.get_parts(shapely.clip_by_rect(land, *box))
    parts = shapely.difference(parts, shapely.box(*CONTEXT_BOX))
    parts = parts[~shapely.is_empty(parts)]
    return _simplified_parts(shapely.MultiPolygon(_polygons(parts)), level)


def _polygons(geoms: Iterable[shapely.Geometry]) -> list[shapely.Polygon]:
    return [p for g in geoms for p in shapely.get_parts(g) if p.geom_type == "Polygon"]


@lru_cache(maxsize=8)
def _coast_tree(cache_dir: Path, index: int) -> shapely.STRtree:
    return shapely.STRtree(_coast_parts(cache_dir, index))


# --------------------------------------------------------------------------- zones


def zones_layer(cache_dir: Path) -> bytes:
    """Approximate 12 nm and 24 nm lines from the GSHHG coastline, gzipped GeoJSON.

    Built once (a few seconds) and cached under ``cache_dir``. One Feature per
    distance, ``kind: "zone"``, ``distance_nm``, ``approximate: true`` and a label
    saying why.
    """
    cache_dir = Path(cache_dir)
    path = cache_dir / _LAYER_CACHE_VERSION / f"zones-{_ZONES_VERSION}.geojson.gz"
    return _cached(path, lambda: gzip_json(_zones_collection(_land(cache_dir))))


def _zones_collection(land: shapely.MultiPolygon) -> dict[str, Any]:
    from sarwatch.geo.zonelines import zone_lines

    features = []
    for distance_nm, line in zip(ZONE_DISTANCES_NM, zone_lines(land), strict=True):
        label = "territorial sea" if distance_nm == 12.0 else "contiguous zone"
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "kind": "zone",
                    "distance_nm": distance_nm,
                    "label": f"≈{distance_nm:g} nm ({label} limit, approximate)",
                    "approximate": True,
                },
                "geometry": geometry_json(line, 4),
            }
        )
    return feature_collection(
        features,
        note=(
            "Approximate: drawn at a fixed distance from the GSHHG shoreline. "
            "The law measures from baselines (UNCLOS arts. 3-7 and 33); "
            "straight baselines and claims such as Libya's Gulf of Sirte line are not drawn."
        ),
    )
