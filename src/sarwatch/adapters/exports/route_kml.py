"""Routes as KML 2.2 (standard-library XML; no LGPL KML library), and a reader.

One ``<Folder>`` per route holds a ``<Placemark>`` with the route as a
``<LineString>`` (its description: pattern, speed and warnings) and one
``<Placemark>`` ``<Point>`` per waypoint with its name and ETA as ``<TimeStamp>``.
KML writes coordinates ``lon,lat`` (the reverse of GPX's attributes), decimal
degrees WGS84. :func:`read_kml_routes` reads such a file back (the routes' lines
and their named, timed waypoints), for round trips and for importing a track.

Examples
--------
>>> from datetime import datetime, timezone
>>> from sarwatch.planning.types import Route, Waypoint
>>> t0 = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
>>> r = Route(name="Aurora", pattern="track_line", speed_kn=10.0,
...           waypoints=(Waypoint(lon=12.5, lat=33.2, eta=t0, name="CSP"),
...                      Waypoint(lon=12.6, lat=33.3, name="WP1")))
>>> back = read_kml_routes(routes_to_kml([r], name="plan"))
>>> back[0].name, back[0].coordinates, [w.name for w in back[0].waypoints]
('Aurora', [(12.5, 33.2), (12.6, 33.3)], ['CSP', 'WP1'])
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sarwatch.adapters.exports._route_common import check_routes, route_path, utc_z
from sarwatch.adapters.exports.route_gpx import route_description
from sarwatch.errors import InputError
from sarwatch.planning.types import Route, Waypoint

__all__ = ["KML_NS", "KmlRoute", "read_kml_routes", "routes_to_kml", "write_kml"]

KML_NS = "http://www.opengis.net/kml/2.2"
_Q = f"{{{KML_NS}}}"


def _coord(lon: float, lat: float) -> str:
    return f"{round(lon, 7)!r},{round(lat, 7)!r}"


def routes_to_kml(routes: Sequence[Route], *, name: str = "sarwatch search plan") -> str:
    """A KML document with the routes and their waypoints.

    Parameters
    ----------
    routes
        At least one route, each with at least two waypoints.
    name
        The document's name.
    """
    check_routes(routes, min_points=2)
    kml = ET.Element("kml", {"xmlns": KML_NS})
    doc = ET.SubElement(kml, "Document")
    ET.SubElement(doc, "name").text = name
    style = ET.SubElement(doc, "Style", {"id": "route"})
    line_style = ET.SubElement(style, "LineStyle")
    ET.SubElement(line_style, "color").text = "ff0000ff"  # aabbggrr: opaque red
    ET.SubElement(line_style, "width").text = "3"
    for r in routes:
        folder = ET.SubElement(doc, "Folder")
        ET.SubElement(folder, "name").text = r.name
        pm = ET.SubElement(folder, "Placemark")
        ET.SubElement(pm, "name").text = r.name
        ET.SubElement(pm, "description").text = route_description(r)
        ET.SubElement(pm, "styleUrl").text = "#route"
        ls = ET.SubElement(pm, "LineString")
        ET.SubElement(ls, "tessellate").text = "1"
        ET.SubElement(ls, "coordinates").text = " ".join(_coord(w.lon, w.lat) for w in r.waypoints)
        for w in r.waypoints:
            p = ET.SubElement(folder, "Placemark")
            ET.SubElement(p, "name").text = w.name
            if w.eta is not None:
                ts = ET.SubElement(p, "TimeStamp")
                ET.SubElement(ts, "when").text = utc_z(w.eta)
            pt = ET.SubElement(p, "Point")
            ET.SubElement(pt, "coordinates").text = _coord(w.lon, w.lat)
    ET.indent(kml)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(kml, encoding="unicode") + "\n"


def write_kml(routes: Sequence[Route], directory: Path | str) -> Path:
    """Write ``DIRECTORY/<first route's name>.kml`` and return its path."""
    check_routes(routes, min_points=2)
    path = route_path(directory, routes[0], ".kml")
    path.write_text(routes_to_kml(routes, name=routes[0].name), encoding="utf-8")
    return path


@dataclass(frozen=True)
class KmlRoute:
    """A route read from KML: its name, line ``(lon, lat)`` and named waypoints."""

    name: str
    coordinates: list[tuple[float, float]]
    waypoints: list[Waypoint]


def _parse_coords(text: str | None) -> list[tuple[float, float]]:
    out = []
    for tok in (text or "").split():
        parts = tok.split(",")
        if len(parts) < 2:
            raise InputError(f"a KML coordinate is lon,lat[,alt]; got {tok!r}")
        out.append((float(parts[0]), float(parts[1])))
    return out


def read_kml_routes(text: str) -> list[KmlRoute]:
    """The routes of a KML document: each ``Folder`` with a ``LineString`` placemark.

    Raises
    ------
    InputError
        If the text is not KML 2.2 or a coordinate is malformed.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InputError(f"not a readable KML file: {exc}") from exc
    if root.tag != f"{_Q}kml":
        raise InputError(f"not a KML 2.2 document (root element {root.tag!r})")
    routes = []
    for folder in root.iter(f"{_Q}Folder"):
        line: list[tuple[float, float]] = []
        waypoints: list[Waypoint] = []
        for pm in folder.findall(f"{_Q}Placemark"):
            ls = pm.find(f"{_Q}LineString/{_Q}coordinates")
            if ls is not None:
                line = _parse_coords(ls.text)
                continue
            pt = pm.find(f"{_Q}Point/{_Q}coordinates")
            if pt is None:
                continue
            (lon, lat) = _parse_coords(pt.text)[0]
            when = pm.findtext(f"{_Q}TimeStamp/{_Q}when")
            eta = datetime.fromisoformat(when.replace("Z", "+00:00")) if when else None
            waypoints.append(
                Waypoint(lon=lon, lat=lat, eta=eta, name=pm.findtext(f"{_Q}name") or "")
            )
        if line:
            routes.append(KmlRoute(folder.findtext(f"{_Q}name") or "", line, waypoints))
    return routes
