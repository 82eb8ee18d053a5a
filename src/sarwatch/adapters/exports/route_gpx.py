"""Routes as GPX 1.1 (gpxpy), with OpenCPN's route extensions.

One ``<rte>`` per route: its name, a description (pattern, speed, warnings), the
``<opencpn:planned_speed>`` extension in knots (OpenCPN takes the route's speed from
it) and ``<gpxx:RouteExtension><gpxx:DisplayColor>``; one ``<rtept>`` per waypoint
with its ETA as ``<time>``, its name, symbol and type, and ``<opencpn:viz_name>``
so that OpenCPN shows the name. gpxpy writes every element in the order the GPX 1.1
schema prescribes (``search_planning.md`` section 11).

Examples
--------
>>> from datetime import datetime, timezone
>>> from sarwatch.planning.types import Route, Waypoint
>>> t0 = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
>>> r = Route(name="Aurora", pattern="expanding_square", speed_kn=10.0,
...           waypoints=(Waypoint(lon=12.5, lat=33.2, eta=t0, name="CSP"),
...                      Waypoint(lon=12.5, lat=33.21667, eta=t0, name="WP1")))
>>> text = routes_to_gpx([r])
>>> "<opencpn:planned_speed>10.0</opencpn:planned_speed>" in text
True
>>> read_planned_speed_kn(gpxpy.parse(text).routes[0])
10.0
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import gpxpy
import gpxpy.gpx

from sarwatch.adapters.exports._route_common import check_routes, route_path
from sarwatch.planning.types import Route

__all__ = [
    "GPXX_NS",
    "OPENCPN_NS",
    "read_planned_speed_kn",
    "route_description",
    "routes_to_gpx",
    "write_gpx",
]

OPENCPN_NS = "http://www.opencpn.org"
GPXX_NS = "http://www.garmin.com/xmlschemas/GpxExtensions/v3"
_SCHEMA = "http://www.topografix.com/GPX/1/1 http://www.topografix.com/GPX/1/1/gpx.xsd"

Colour = Literal["Red", "Blue", "Green"]


def route_description(route: Route) -> str:
    """One line for a crew: pattern, speed, then the route's warnings."""
    head = f"{route.pattern.replace('_', ' ')} search at {route.speed_kn:g} kn"
    return "; ".join([head, *route.warnings])


def _text_element(tag: str, text: str) -> ET.Element:
    e = ET.Element(tag)
    e.text = text
    return e


def routes_to_gpx(
    routes: Sequence[Route], *, creator: str = "sarwatch", colour: Colour = "Red"
) -> str:
    """GPX 1.1 text with one route per :class:`Route`.

    Parameters
    ----------
    routes
        The routes (at least one, each with at least one waypoint).
    creator
        The ``creator`` attribute.
    colour
        OpenCPN/Garmin display colour of the routes.

    Returns
    -------
    str
        The GPX document (UTF-8 text).
    """
    check_routes(routes)
    gpx = gpxpy.gpx.GPX()
    gpx.creator = creator
    gpx.nsmap["opencpn"] = OPENCPN_NS
    gpx.nsmap["gpxx"] = GPXX_NS
    for r in routes:
        rte = gpxpy.gpx.GPXRoute(name=r.name, description=route_description(r))
        rte.type = r.pattern
        rte.extensions.append(
            _text_element(f"{{{OPENCPN_NS}}}planned_speed", str(round(float(r.speed_kn), 2)))
        )
        ext = ET.Element(f"{{{GPXX_NS}}}RouteExtension")
        ET.SubElement(ext, f"{{{GPXX_NS}}}DisplayColor").text = colour
        rte.extensions.append(ext)
        for w in r.waypoints:
            pt = gpxpy.gpx.GPXRoutePoint(
                latitude=round(w.lat, 7), longitude=round(w.lon, 7), time=w.eta, name=w.name
            )
            pt.symbol = "diamond"
            pt.type = "WPT"
            pt.extensions.append(_text_element(f"{{{OPENCPN_NS}}}viz_name", "1"))
            rte.points.append(pt)
        gpx.routes.append(rte)
    text: str = gpx.to_xml(version="1.1")
    if "schemaLocation" not in text:  # gpxpy writes it for 1.1; keep it if it ever stops
        text = text.replace("<gpx ", f'<gpx xsi:schemaLocation="{_SCHEMA}" ', 1)
    return text


def write_gpx(routes: Sequence[Route], directory: Path | str, *, colour: Colour = "Red") -> Path:
    """Write ``DIRECTORY/<first route's name>.gpx`` and return its path."""
    check_routes(routes)
    path = route_path(directory, routes[0], ".gpx")
    path.write_text(routes_to_gpx(routes, colour=colour), encoding="utf-8")
    return path


def read_planned_speed_kn(route: gpxpy.gpx.GPXRoute) -> float | None:
    """The ``opencpn:planned_speed`` of a parsed GPX route, knots (``None`` if absent)."""
    for e in route.extensions:
        if e.tag == f"{{{OPENCPN_NS}}}planned_speed" and e.text:
            return float(e.text)
    return None
