"""The Bayesian update of a plan after an unsuccessful search along a flown track.

``plan.json`` keeps the request (so the probability map is rebuilt exactly: the same
seed, or the same drift run) and every searched track so far; the rebuilt plan keeps
the document's route POS of each unit whose rebuilt route has the document's
waypoints (``plan_search(route_pos_of=...)``: a route against a drift run's moving
particles is not scored again). An update reads the
flown track from a GPX file (its tracks, else its routes), scores each particle's
POD along it with the unit's inverse-cube lateral-range curve of the planned sweep
width, and replays all searches in order through
``planning.cloud.update_after_search``: ``w ← w·(1 − POD)/Σ``. A plan from a drift run
scores the track against the particles at the time the unit passed
(:func:`sarwatch.services.plan_motion.route_pod_moving`): the GPX points' times when
every point has one, else the track flown at the unit's speed from its planned start
(the times used are kept with the search); a manual datum's cloud stays frozen
(``planning.cloud.search_pod``). It reports each search's
POS, the cumulative POS ``1 − Π(1 − POS_i)`` (conditional convention) and each unit
area's POC before and after, averaged over the particle times its rectangle was placed
on (``Plan.unit_clouds``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sarwatch.errors import InputError, NotFoundError
from sarwatch.planning.cloud import search_pod, update_after_search
from sarwatch.planning.pod import LateralRange
from sarwatch.planning.types import Route, Waypoint
from sarwatch.planning.window import CloudWindow
from sarwatch.services.plan_files import _area_of
from sarwatch.services.plan_motion import route_pod_moving, timed_track
from sarwatch.services.planning import Plan, parse_plan_request, plan_search

__all__ = ["PlanUpdate", "apply_update", "read_plan_document", "read_searched_track"]


@dataclass(frozen=True, eq=False)
class PlanUpdate:
    """An updated plan: the document to write, the update's answer and the plan."""

    document: dict[str, Any]
    answer: dict[str, Any]
    plan: Plan


def read_plan_document(ref: Path) -> tuple[dict[str, Any], Path]:
    """``plan.json`` of a plan directory (or the JSON file itself) and its directory."""
    path = Path(ref)
    if path.is_dir():
        path = path / "plan.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFoundError(
            f"no plan at {path}: give the --out directory of sarwatch plan"
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or "request" not in doc or "answer" not in doc:
        raise InputError(f"{path} is not a sarwatch plan (no request and answer)")
    return doc, path.parent


def read_searched_track(text: str) -> tuple[str | None, list[tuple[float, float]]]:
    """The name and ``(lon, lat)`` points of a GPX file's first track (else route)."""
    import gpxpy
    import gpxpy.gpx

    try:
        gpx = gpxpy.parse(text)
    except gpxpy.gpx.GPXException as exc:
        raise InputError(f"the searched track is not valid GPX: {exc}") from None
    for trk in gpx.tracks:
        pts = [(p.longitude, p.latitude) for seg in trk.segments for p in seg.points]
        if len(pts) >= 2:
            return trk.name, pts
    for rte in gpx.routes:
        pts = [(p.longitude, p.latitude) for p in rte.points]
        if len(pts) >= 2:
            return rte.name, pts
    raise InputError("the searched GPX file has no track or route with two points or more")


def _track_times(text: str) -> list[datetime] | None:
    """The times of the points :func:`read_searched_track` reads, if every one has one."""
    import gpxpy

    gpx = gpxpy.parse(text)
    chosen: list[list[Any]] = [
        [p for seg in trk.segments for p in seg.points] for trk in gpx.tracks
    ]
    chosen += [list(rte.points) for rte in gpx.routes]
    for pts in chosen:
        if len(pts) >= 2:
            times = [p.time for p in pts]
            if all(t is not None and t.tzinfo is not None for t in times):
                return [t.astimezone(UTC) for t in times if t is not None]
            return None
    return None


def _timed(search: dict[str, Any], unit: dict[str, Any]) -> Route:
    """The searched track with its times (recorded ones, else flown at the unit's speed
    from the unit's planned start)."""
    pts = [(float(lo), float(la)) for lo, la in search["track"]]
    if search.get("times"):
        wps = tuple(
            Waypoint(lon=lo, lat=la, eta=datetime.fromisoformat(t))
            for (lo, la), t in zip(pts, search["times"], strict=True)
        )
        return Route(name=unit["name"], pattern="flown_track", speed_kn=unit["speed_kn"],
                     waypoints=wps)  # fmt: skip
    start = datetime.fromisoformat(unit["waypoints"][0]["eta"])
    return timed_track(pts, start, float(unit["speed_kn"]), unit["name"])


def _unit_of(answer: dict[str, Any], wanted: str | None, track_name: str | None) -> dict[str, Any]:
    units = {u["name"]: u for u in answer["units"]}
    if wanted is not None:  # a unit named but not in the plan is a mistake, never ignored
        if wanted in units:
            return units[wanted]
        raise InputError(f"no unit {wanted!r} in the plan: it has {', '.join(units)}")
    if track_name is not None and track_name in units:
        return units[track_name]
    if len(units) == 1:
        return next(iter(units.values()))
    raise InputError(
        f"which unit flew this track? name it (--unit / unit) from: {', '.join(units)}"
    )


def apply_update(
    document: dict[str, Any],
    gpx_text: str,
    *,
    home_dir: Path,
    cache_dir: Path | None = None,
    unit: str | None = None,
    track_file: str = "track.gpx",
) -> PlanUpdate:
    """Add a searched track to a plan document and replay every search (module docstring)."""
    req = parse_plan_request(document["request"])
    # the plan's own route POS, kept where the rebuilt route is the same (not rescored)
    route_pos_of = {
        x["name"]: (x["waypoints"], x["route_pos"])
        for x in (document.get("answer") or {}).get("units", [])
        if isinstance(x, dict) and {"name", "waypoints", "route_pos"} <= x.keys()
    }
    plan = plan_search(req, home_dir=home_dir, cache_dir=cache_dir, route_pos_of=route_pos_of)
    name, points = read_searched_track(gpx_text)
    u = _unit_of(plan.answer, unit, name)
    searches = [
        *document.get("updates", []),
        {
            "unit": u["name"],
            "sweep_width_nm": u["sweep_width_nm"],
            "track_file": Path(track_file).name,
            "track_sha256": hashlib.sha256(gpx_text.encode("utf-8")).hexdigest(),
            "track": [[lo, la] for lo, la in points],
        },
    ]
    times = _track_times(gpx_text)
    if times is not None:
        searches[-1]["times"] = [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in times]
    units = {x["name"]: x for x in plan.answer["units"]}
    cloud = plan.cloud
    at_scene = plan.unit_clouds or (CloudWindow((cloud,)),) * len(plan.areas)
    before = [w.poc(a) for w, a in zip(at_scene, plan.areas, strict=True)]
    pos_values = []
    for s in searches:
        curve = LateralRange("inverse_cube", float(s["sweep_width_nm"]))
        if plan.tracks is None:
            pod = search_pod(cloud, s["track"], curve)
        else:
            pod = route_pod_moving(plan.tracks, _timed(s, units[s["unit"]]), curve)
        upd = update_after_search(cloud, pod)
        pos_values.append(upd.pos)
        s["pos"] = upd.pos
        cloud = upd.cloud
    miss = 1.0
    for p in pos_values:
        miss *= 1.0 - p
    answer = {
        "searches": len(searches),
        "searched_unit": u["name"],
        "pos": pos_values[-1],
        "pos_by_search": pos_values,
        "cumulative_pos": 1.0 - miss,
        "pos_convention": "conditional: 1 - prod(1 - POS_i), each on the updated map",
        "units": [
            {
                "name": x["name"],
                "poc_before": b,
                "poc": c.poc(_area_of(x["area"]), cloud.weight),
            }
            for x, b, c in zip(plan.answer["units"], before, at_scene, strict=True)
        ],
        "effective_sample_size": cloud.effective_sample_size(),
        "cloud": plan.answer["cloud"],
    }
    doc = {"request": document["request"], "answer": plan.answer, "updates": searches}
    doc["last_update"] = answer
    return PlanUpdate(document=doc, answer=answer, plan=plan)
