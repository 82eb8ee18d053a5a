"""Write a plan: ``plan.json``, ``plan.geojson`` and each unit's route files.

``plan.json`` holds the verified request and the answer (and, after updates, the
searched tracks), so that ``sarwatch plan update`` can rebuild the probability map;
``plan.geojson`` the units' rectangles (polygons), the manual method's optimal areas
and the routes (lines and waypoints); ``<unit>.gpx/.rtz/.kml/.txt`` what crews load.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from sarwatch.planning.cloud import from_local_nm
from sarwatch.planning.types import SearchArea

__all__ = ["area_polygon", "plan_geojson", "previous_units", "write_plan_files"]

#: The route files written per unit (adapters.exports.route_files.write_route_files).
_ROUTE_KINDS = ("gpx", "rtz", "kml", "txt")
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}")


def area_polygon(area: SearchArea) -> list[list[float]]:
    """The rectangle's closed ring ``[[lon, lat], ...]`` (corners on WGS84, nm-exact)."""
    th = math.radians(area.orientation_deg)
    u = [-area.length_nm / 2, area.length_nm / 2, area.length_nm / 2, -area.length_nm / 2]
    v = [-area.width_nm / 2, -area.width_nm / 2, area.width_nm / 2, area.width_nm / 2]
    east = [a * math.sin(th) + b * math.cos(th) for a, b in zip(u, v, strict=True)]
    north = [a * math.cos(th) - b * math.sin(th) for a, b in zip(u, v, strict=True)]
    lon, lat = from_local_nm(east, north, area.lon, area.lat)
    ring = [[float(x), float(y)] for x, y in zip(lon, lat, strict=True)]
    return [*ring, ring[0]]


def _area_of(d: dict[str, Any]) -> SearchArea:
    return SearchArea(
        lon=d["lon"],
        lat=d["lat"],
        length_nm=d["length_nm"],
        width_nm=d["width_nm"],
        orientation_deg=d["orientation_deg"],
    )


def plan_geojson(answer: dict[str, Any], routes: Any) -> dict[str, Any]:
    """The plan as a FeatureCollection: unit areas, optimal areas, datum, routes."""
    from sarwatch.adapters.exports.route_geojson import route_features

    feats: list[dict[str, Any]] = []
    for p in answer["datum"]["points"]:
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
                "properties": {"kind": "datum", "time": answer["datum"]["time"]},
            }
        )
    for k, a in enumerate(answer.get("optimal_areas") or []):
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [area_polygon(_area_of(a))]},
                "properties": {"kind": "optimal_area", "index": k, "area_nm2": a["area_nm2"]},
            }
        )
    for u in answer["units"]:
        feats.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [area_polygon(_area_of(u["area"]))]},
                "properties": {
                    "kind": "unit_area",
                    "unit": u["name"],
                    "pattern": u["pattern"],
                    "poc": u["poc"],
                    "pod": u["pod"],
                    "pos": u["pos"],
                    "track_spacing_nm": u["track_spacing_nm"],
                },
            }
        )
    for r in routes:
        if len(r.waypoints) >= 2:
            feats.extend(route_features(r))
    return {"type": "FeatureCollection", "features": feats}


def previous_units(out_dir: Path) -> list[str]:
    """The unit names of the plan already in ``out_dir`` (``[]`` if none or unreadable):
    their route files are sarwatch's, replaced with the plan."""
    try:
        doc = json.loads((Path(out_dir) / "plan.json").read_text(encoding="utf-8"))
        names = [u["name"] for u in doc["answer"]["units"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    # a name as the request's pattern allows it, never a path (the document is a file)
    return [n for n in names if isinstance(n, str) and _SAFE_NAME.fullmatch(n)]


def write_plan_files(
    request: dict[str, Any],
    answer: dict[str, Any],
    routes: Any,
    out_dir: Path,
    *,
    extra: dict[str, Any] | None = None,
) -> dict[str, Path]:
    """Write the plan's files into ``out_dir``; returns ``{kind: path}``.

    Kinds: ``plan``, ``geojson`` and ``<unit>.gpx`` / ``.rtz`` / ``.kml`` / ``.txt``;
    ``extra`` keys (``updates``, ``last_update``) go into ``plan.json`` too.
    """
    from sarwatch.adapters.exports.route_files import write_route_files

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # the plan replaced leaves no route behind: a crew copying the folder to a chart
    # plotter would load a superseded route beside the new ones
    for name in previous_units(out):
        for kind in _ROUTE_KINDS:
            (out / f"{name}.{kind}").unlink(missing_ok=True)
    files: dict[str, Path] = {}
    for route in routes:
        for kind, path in write_route_files(route, out).items():
            files[f"{route.name}.{kind}"] = path
    geo = out / "plan.geojson"
    geo.write_text(json.dumps(plan_geojson(answer, routes)), encoding="utf-8")
    files["geojson"] = geo
    doc: dict[str, Any] = {"request": request, "answer": answer}
    doc.update(extra or {})
    pj = out / "plan.json"
    pj.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    files["plan"] = pj
    return files
