"""The 12 nm and 24 nm lines of the map, drawn by the method of the point answers.

:func:`sarwatch.geo.zones.assess_coast` says which zone a position is in from its
geodesic distance to the nearest vertex of the coastline
(:func:`~sarwatch.geo.zones.coast_vertices`). The lines drawn here are the level
sets of that same distance, so the map and ``assess`` cannot disagree beyond the
drawing tolerance:

1. a first guess: the land polygons (exterior rings only, as the index) are buffered
   in a Lambert conformal conic projection (standard parallels 31°N and 41°N), each
   part by the distance times the projection's scale at its centroid;
2. the guess is densified to ~0.01° (about 1 km) and every vertex is moved, along the
   geodesic from its nearest coast vertex, to exactly the line's distance from that
   vertex (three passes, since the nearest coast vertex can change on the way);
3. the lines are clipped to the region the coastline covers (before and after step 2:
   beyond it the land is missing).

After step 2 each vertex lies at the line's distance from the coast as ``assess``
measures it (to a metre, except at corners where two coasts are equidistant: up to
0.14 nm); the lines are then thinned for drawing (Douglas–Peucker, 0.001°), so between
vertices they depart from the level set by at most ~0.05 nm.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely

from sarwatch.geo.coast import REGION, Region
from sarwatch.geo.geodesy import M_PER_NM, geod
from sarwatch.geo.zones import (
    CONTIGUOUS_ZONE_NM,
    TERRITORIAL_SEA_NM,
    CoastIndex,
    coast_vertices,
)

__all__ = ["ZONE_LIMITS_NM", "zone_lines"]

#: The distances of the zone lines: territorial sea and contiguous zone, nautical miles.
ZONE_LIMITS_NM = (TERRITORIAL_SEA_NM, CONTIGUOUS_ZONE_NM)

_LCC = "+proj=lcc +lat_1=31 +lat_2=41 +lat_0=36 +lon_0=16 +ellps=WGS84 +units=m +no_defs"
_DENSIFY_DEG = 0.01
_SNAP_PASSES = 3


def _first_guess(
    land: shapely.MultiPolygon, distances_nm: Sequence[float], tolerance_deg: float
) -> list[shapely.Geometry]:
    from pyproj import Proj, Transformer

    to_lcc = Transformer.from_crs("EPSG:4326", _LCC, always_xy=True)
    to_geo = Transformer.from_crs(_LCC, "EPSG:4326", always_xy=True)
    parts = shapely.polygons(shapely.get_exterior_ring(shapely.get_parts(land)))
    parts = shapely.simplify(parts, tolerance_deg, preserve_topology=True)
    parts = parts[~shapely.is_empty(parts)]
    centroids = shapely.centroid(parts)
    scale = np.asarray(
        Proj(_LCC).get_factors(shapely.get_x(centroids), shapely.get_y(centroids)).parallel_scale,
        dtype=float,
    )
    projected = shapely.transform(
        parts, lambda c: np.column_stack(to_lcc.transform(c[:, 0], c[:, 1]))
    )
    out = []
    for distance_nm in distances_nm:
        buffered = shapely.buffer(projected, distance_nm * M_PER_NM * scale, quad_segs=8)
        boundary = shapely.boundary(shapely.union_all(buffered))
        out.append(
            shapely.transform(
                boundary, lambda c: np.column_stack(to_geo.transform(c[:, 0], c[:, 1]))
            )
        )
    return out


def _snap(
    coords: npt.NDArray[np.float64], index: CoastIndex, distance_m: float
) -> npt.NDArray[np.float64]:
    """Move each point to ``distance_m`` from its nearest coast vertex, along the geodesic."""
    lon, lat = coords[:, 0].copy(), coords[:, 1].copy()
    g = geod()
    for _ in range(_SNAP_PASSES):
        _, vertex = index.nearest(lon, lat)
        v_lon, v_lat = index.lon[vertex], index.lat[vertex]
        az, _, _ = g.inv(v_lon, v_lat, lon, lat)
        lon, lat, _ = g.fwd(v_lon, v_lat, az, np.full(lon.size, distance_m))
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return np.column_stack((lon, lat))


def zone_lines(
    land: shapely.MultiPolygon,
    distances_nm: Sequence[float] = ZONE_LIMITS_NM,
    *,
    region: Region = REGION,
    tolerance_deg: float = 0.002,
    simplify_deg: float = 0.001,
) -> list[shapely.MultiLineString]:
    """Lines at fixed distances from the coast, as :func:`~sarwatch.geo.zones.assess_coast`
    measures it.

    Parameters
    ----------
    land
        Land polygons (lon/lat degrees) of ``region``, e.g.
        :func:`sarwatch.geo.coast.land_polygons`.
    distances_nm
        Distances from the coast, nautical miles.
    region
        The box the land covers: its edges through land are not coast, and the lines
        are clipped to it (beyond it, land is missing and lines would be wrong).
    tolerance_deg
        Simplification of the first guess only (degrees); the final vertices are placed
        exactly.
    simplify_deg
        The snapped lines are thinned by Douglas–Peucker with this tolerance (degrees;
        0.001° ≈ 0.05 nm), which keeps the layer small for a ship's link.

    Returns
    -------
    list of shapely.MultiLineString
        One line set per distance, lon/lat degrees.
    """
    vertices = coast_vertices(land, region)
    index = CoastIndex.over(
        vertices[:, 0], vertices[:, 1], np.zeros(vertices.shape[0], dtype=np.int16), ("",)
    )
    out = []
    for distance_nm, guess in zip(
        distances_nm, _first_guess(land, distances_nm, tolerance_deg), strict=True
    ):
        # The land beyond the region is missing: the guess is trusted inside it only.
        box = (region.lon_min, region.lat_min, region.lon_max, region.lat_max)
        inside = shapely.line_merge(shapely.clip_by_rect(guess, *box))
        lines = [g for g in shapely.get_parts(inside) if g.geom_type == "LineString"]
        snapped = []
        for line in shapely.segmentize(lines, _DENSIFY_DEG):
            coords = shapely.get_coordinates(line)
            if coords.shape[0] < 2:
                continue
            snapped.append(shapely.linestrings(_snap(coords, index, distance_nm * M_PER_NM)))
        merged = shapely.clip_by_rect(shapely.MultiLineString(snapped), *box)
        # Thin the vertices for drawing: every kept vertex stays exact; between them the
        # line departs from the level set by at most ``simplify_deg``.
        merged = shapely.simplify(shapely.line_merge(merged), simplify_deg)
        parts = shapely.get_parts(merged)
        out.append(shapely.MultiLineString([g for g in parts if g.geom_type == "LineString"]))
    return out
