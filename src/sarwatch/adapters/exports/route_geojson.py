"""Routes as GeoJSON (RFC 7946): a line per route and a point per waypoint.

Coordinates ``[lon, lat]`` WGS84, rounded to 1e-6° (~0.1 m). The line carries
``kind: "route"``, the route's name, pattern, speed (knots), its warnings and its
length (nautical miles); each point ``kind: "waypoint"``, the route's name, the
waypoint's name, index and ETA (ISO 8601 UTC, or null).

Examples
--------
>>> from sarwatch.planning.types import Route, Waypoint
>>> r = Route(name="Aurora", pattern="track_line", speed_kn=10.0,
...           waypoints=(Waypoint(lon=12.5, lat=33.0, name="CSP"),
...                      Waypoint(lon=12.5, lat=34.0, name="WP1")))
>>> fc = routes_feature_collection([r])
>>> fc["features"][0]["geometry"]["coordinates"], fc["features"][0]["properties"]["length_nm"]
([[12.5, 33.0], [12.5, 34.0]], 59.888)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sarwatch.adapters.exports._route_common import check_routes, route_path, utc_z
from sarwatch.geo.geodesy import geodesic_distance_nm
from sarwatch.planning.types import Route

__all__ = ["route_features", "routes_feature_collection", "write_route_geojson"]


def _xy(lon: float, lat: float) -> list[float]:
    return [round(lon, 6), round(lat, 6)]


def route_features(route: Route) -> list[dict[str, Any]]:
    """The features of one route: its line, then its waypoints."""
    wps = route.waypoints
    length = (
        float(
            geodesic_distance_nm(
                [w.lon for w in wps[:-1]],
                [w.lat for w in wps[:-1]],
                [w.lon for w in wps[1:]],
                [w.lat for w in wps[1:]],
            ).sum()
        )
        if len(wps) > 1
        else 0.0
    )
    line = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [_xy(w.lon, w.lat) for w in wps]},
        "properties": {
            "kind": "route",
            "name": route.name,
            "pattern": route.pattern,
            "speed_kn": route.speed_kn,
            "length_nm": round(length, 3),
            "warnings": list(route.warnings),
        },
    }
    points = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": _xy(w.lon, w.lat)},
            "properties": {
                "kind": "waypoint",
                "route": route.name,
                "name": w.name,
                "index": k,
                "eta": None if w.eta is None else utc_z(w.eta),
            },
        }
        for k, w in enumerate(wps)
    ]
    return [line, *points]


def routes_feature_collection(routes: Sequence[Route]) -> dict[str, Any]:
    """A FeatureCollection of the routes (each with at least two waypoints)."""
    check_routes(routes, min_points=2)
    return {"type": "FeatureCollection", "features": [f for r in routes for f in route_features(r)]}


def write_route_geojson(routes: Sequence[Route], directory: Path | str) -> Path:
    """Write ``DIRECTORY/<first route's name>.geojson`` and return its path."""
    check_routes(routes, min_points=2)
    path = route_path(directory, routes[0], ".geojson")
    path.write_text(json.dumps(routes_feature_collection(routes)), encoding="utf-8")
    return path
