"""Shared set-up of the search-planning tests: a start, a datum, and courses measured geodesically.

The courses and turns are read from the waypoints a route has (a
:class:`~sarwatch.planning.types.Route`) or from what a crew loads (points of a route
parsed back from GPX), so that the pattern tests and the export tests measure turns
the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import gpxpy.gpx

from sarwatch.geo.geodesy import geod
from sarwatch.planning.types import Route

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
DATUM = (12.5, 33.2)  # Central Mediterranean, south of Lampedusa

Points = Route | Sequence[gpxpy.gpx.GPXRoutePoint]


def _lonlat(points: Points) -> tuple[list[float], list[float]]:
    if isinstance(points, Route):
        return [w.lon for w in points.waypoints], [w.lat for w in points.waypoints]
    return [p.longitude for p in points], [p.latitude for p in points]


def courses_deg(points: Points) -> list[float]:
    """Initial geodesic course of each leg, degrees."""
    lo, la = _lonlat(points)
    az, _, _ = geod().inv(lo[:-1], la[:-1], lo[1:], la[1:])
    return [float(a) % 360.0 for a in az]


def arrival_courses_deg(points: Points) -> list[float]:
    """Course at the end of each leg (forward azimuth at arrival), degrees."""
    lo, la = _lonlat(points)
    _, back, _ = geod().inv(lo[:-1], la[:-1], lo[1:], la[1:])
    return [(float(b) + 180.0) % 360.0 for b in back]


def turns_deg(points: Points) -> list[float]:
    """Signed turn at each intermediate waypoint, degrees (+ to starboard)."""
    arr = arrival_courses_deg(points)
    dep = courses_deg(points)
    return [((d - a + 180.0) % 360.0) - 180.0 for a, d in zip(arr[:-1], dep[1:], strict=True)]
