"""Plan a search: the request, the probability map, the allocation and each unit's route.

:func:`plan_search` turns a :class:`PlanRequest` (issue 11, "the request and answer
contract") into a :class:`Plan`, whose ``answer`` is the JSON the CLI (``sarwatch plan
--json``) and the API (``POST /api/plan``) both give:

1. **The probability map.** From a drift run (a run id under ``<home>/runs`` or a run
   directory) it is the run's particle cloud at the datum time (an output time; the
   last by default). From manual inputs it is the IAMSAR datum (``planning.iamsar``:
   the last known position drifted by current and leeway for ``elapsed_h``) with a
   circular normal error of probable error E about each datum point (σ = E/√(2 ln 2),
   so that half the probability lies within E), sampled with a fixed seed: the same
   request always gives the same plan.
2. **Units.** Sweep width from the tables corrected for weather, speed and fatigue
   (``planning.sweep``), or as given (it then replaces the table and every correction).
3. **Allocation** over the cloud (``planning.allocation.allocate``): one rectangle per
   unit, POS scored on the particles (``pos``: uniform coverage of the rectangle).
   Every unit sets off at the commence time (default the datum time) and starts its
   pattern when it arrives (``units[].on_scene``). From a drift run each rectangle is
   placed on the particles at the unit's on-scene time (:mod:`sarwatch.planning.ontime`
   through :func:`~sarwatch.services.plan_motion.allocate_moving`; ``"allocate_on":
   "datum"`` keeps the datum-time cloud, to compare); a manual datum's cloud is frozen.
   ``route_pos`` is the unit's pattern itself flown against the particles (inverse-cube
   lateral range of W), the unit alone (``pos`` is net of the units before it): lower
   than the unit's POC·POD for a sector, a short track or a truncated square. From a
   drift run the route as flown meets the particles where they are when the unit
   passes (:mod:`sarwatch.services.plan_motion`); a manual datum's cloud is frozen at
   the datum time (the route in the frame moving with the drift when compensated). The
   answer's ``cloud`` says which.
4. **Routes**: the unit's pattern over its rectangle, drift-compensated when asked
   (the mean drift: current plus downwind leeway, or the cloud centre's motion), then
   clipped at the coast with the station's land mask (warnings say what changed).

Files (:func:`sarwatch.services.plan_files.write_plan_files`) and the Bayesian update
(:mod:`sarwatch.services.plan_update`) build on the :class:`Plan`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from sarwatch.domain.case import require_utc
from sarwatch.domain.intake import check_time_floor
from sarwatch.errors import InputError, PositionOnLandError
from sarwatch.geo.coast import Region, land_mask_for
from sarwatch.planning import iamsar
from sarwatch.planning.allocation import Allocation, SearchUnit, allocate
from sarwatch.planning.cloud import (
    Cloud,
    containment_radius_nm,
    from_local_nm,
    search_pod,
    to_local_nm,
)
from sarwatch.planning.compensation import drift_compensate
from sarwatch.planning.landclip import clip_to_sea
from sarwatch.planning.motion import CloudTracks
from sarwatch.planning.patterns import pattern_for_area
from sarwatch.planning.pod import LateralRange
from sarwatch.planning.sweep import corrected_sweep_width
from sarwatch.planning.types import Route, SearchArea, Waypoint
from sarwatch.planning.window import CloudWindow
from sarwatch.services.plan_motion import (
    allocate_moving,
    cloud_statement,
    on_scene_json,
    route_pod_moving,
    tracks_over,
)
from sarwatch.services.plan_request import (
    CurrentIn,
    ErrorsIn,
    PlanRequest,
    UnitRequest,
    parse_plan_request,
)
from sarwatch.services.plan_run import load_drift_cloud, load_drift_run

__all__ = [
    "Plan",
    "PlanRequest",
    "UnitRequest",
    "load_drift_cloud",
    "parse_plan_request",
    "plan_search",
]

_SIGMA_PER_E = 1.0 / math.sqrt(2.0 * math.log(2.0))  # σ/E for a 50 % circle of radius E


@dataclass(frozen=True, eq=False)
class Plan:
    """A computed plan.

    Attributes
    ----------
    request
        The verified request.
    answer
        The answer (plain JSON; the contract's fields).
    routes
        Each unit's route, in the units' order.
    areas
        Each unit's rectangle, in the units' order.
    cloud
        The probability map at the datum time (its weights are the plan's prior).
    tracks
        The drift run's particles over time (the cloud's particles, in its order), or
        ``None`` for a manual datum (frozen).
    unit_clouds
        Each unit's particles while it searches (the same particles as ``cloud``, at
        the unit's cloud times; ``cloud`` itself for a frozen allocation); empty
        means ``cloud`` for every unit.
    """

    request: PlanRequest
    answer: dict[str, Any]
    routes: tuple[Route, ...]
    areas: tuple[SearchArea, ...]
    cloud: Cloud
    tracks: CloudTracks | None = None
    unit_clouds: tuple[CloudWindow, ...] = ()


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _leeway(req: PlanRequest) -> iamsar.Leeway:
    if req.leeway is not None:
        return iamsar.Leeway(**req.leeway.model_dump(), source="given")
    if req.object is None:
        raise InputError("a manual datum needs the object (a Leeway class, e.g. PIW-1) or leeway")
    return iamsar.leeway_for_object(req.object, req.wind.speed_kn if req.wind else 0.0)


def _manual_cloud(
    req: PlanRequest, datum: iamsar.Datum, e_nm: float, cache_dir: Path | None
) -> tuple[Cloud, int]:
    """Particles of the datum's distribution: a circular normal of probable error E
    about each datum point (half on each of two divergent datums), or about a uniform
    point of a line datum; those that fall on land are dropped (and counted)."""
    rng = np.random.default_rng(req.seed)
    n = req.particles
    sigma = e_nm * _SIGMA_PER_E
    lon0, lat0 = datum.centre
    pts = np.array([to_local_nm([p[0]], [p[1]], lon0, lat0) for p in datum.points])[:, :, 0]
    if datum.kind == "line":
        seg = rng.integers(0, len(pts) - 1, n)
        f = rng.random(n)
        base = pts[seg] + (pts[seg + 1] - pts[seg]) * f[:, None]
    else:
        base = pts[rng.integers(0, len(pts), n)]
    xy = base + rng.normal(0.0, sigma, (n, 2))
    lon, lat = from_local_nm(xy[:, 0], xy[:, 1], lon0, lat0)
    box = [float(lon.min()), float(lon.max())], [float(lat.min()), float(lat.max())]
    on_land = np.asarray(_land_test(*box, cache_dir)(lon, lat), dtype=bool)
    if on_land.all():
        raise PositionOnLandError("every position within the probable error is on land")
    return Cloud.from_arrays(lon[~on_land], lat[~on_land]), int(on_land.sum())


def _manual(
    req: PlanRequest, cache_dir: Path | None
) -> tuple[Cloud, dict[str, Any], datetime, tuple[float, float]]:
    assert req.datum is not None
    if req.elapsed_h is None:
        raise InputError("a manual datum needs elapsed_h: hours from the last known position")
    if req.x_nm is None:
        raise InputError("a manual datum needs x_nm: the fix error of the last known position")
    if req.wind is None:  # as `sarwatch drift` refuses a wind-driven object without wind
        raise InputError(
            "a manual datum needs wind: the average surface wind since the last known "
            'position, e.g. "wind": {"speed_kn": 14, "from_deg": 320} ({"speed_kn": 0, '
            '"from_deg": 0} for a calm); without it the leeway was taken as in a calm'
        )
    lkp_time = check_time_floor(require_utc(req.datum.time, "datum.time"), "datum.time")
    leeway = _leeway(req)
    wind = req.wind
    current = req.current or CurrentIn(speed_kn=0.0, to_deg=0.0)
    datum = iamsar.drift_datum(
        req.datum.lon,
        req.datum.lat,
        elapsed_h=req.elapsed_h,
        wind_speed_kn=wind.speed_kn,
        wind_from_deg=wind.from_deg,
        current_speed_kn=current.speed_kn,
        current_to_deg=current.to_deg,
        leeway=leeway,
    )
    errors = req.errors or ErrorsIn()
    dve = iamsar.drift_velocity_error_kn(
        leeway_error_kn=leeway.error_kn,
        wind_error_kn=errors.wind_kn,
        current_errors_kn=errors.current_parts_kn,
    )
    de = iamsar.drift_error_nm(dve, req.elapsed_h)
    e = iamsar.total_probable_error_nm(x_nm=req.x_nm, y_nm=req.y_nm, drift_error_nm=de)
    ro = iamsar.optimal_search_radius_nm(
        e, safety_factor_value=req.safety_factor, search_number=req.search_number
    )
    areas = iamsar.optimal_areas(datum, ro, e)
    down = math.radians(wind.from_deg + 180.0)
    cur = math.radians(current.to_deg)
    drift = (
        current.speed_kn * math.sin(cur) + leeway.speed_kn * math.sin(down),
        current.speed_kn * math.cos(cur) + leeway.speed_kn * math.cos(down),
    )
    t = lkp_time + timedelta(hours=req.elapsed_h)
    head = {
        "datum": {
            "kind": datum.kind,
            "time": _iso(t),
            "points": [{"lat": la, "lon": lo} for lo, la in datum.points],
            "last_known_position": {"lat": req.datum.lat, "lon": req.datum.lon},
            "last_known_time": _iso(lkp_time),
            "drift_nm": datum.drift_nm,
        },
        "leeway": {
            "speed_kn": leeway.speed_kn,
            "divergence_deg": leeway.divergence_deg,
            "error_kn": leeway.error_kn,
            "source": leeway.source,
        },
        "drift_velocity_error_kn": dve,
        "drift_error_nm": de,
        "divergence_nm": datum.divergence_nm,
        "separation_ratio": (
            iamsar.separation_ratio(datum.divergence_nm, e) if datum.kind != "line" else None
        ),
        "total_probable_error_nm": e,
        "search_radius_nm": ro,
        "area_nm2": sum(a.area_nm2 for a in areas),
        "optimal_areas": [_area_json(a) for a in areas],
    }
    _check_datum_at_sea(head, cache_dir)  # before sampling: one clear line
    cloud, dropped = _manual_cloud(req, datum, e, cache_dir)
    head["particles_on_land_dropped"] = dropped
    return cloud, head, t, drift


def _from_run(
    req: PlanRequest, home_dir: Path
) -> tuple[Cloud, dict[str, Any], datetime, tuple[float, float], CloudTracks]:
    assert req.drift_run is not None
    for name in ("datum", "elapsed_h", "x_nm", "leeway"):
        if getattr(req, name) is not None:
            raise InputError(
                f"{name} is for a manual datum; a plan from drift_run takes the run's cloud"
            )
    cloud, drift, obj, tracks = load_drift_run(req.drift_run, home_dir, req.datum_time)
    assert cloud.time is not None
    t = datetime.fromisoformat(f"{cloud.time}").replace(tzinfo=UTC)
    lon, lat = cloud.centre()
    r90 = containment_radius_nm(cloud, 0.9)
    head = {
        "datum": {
            "kind": "drift_run",
            "time": _iso(t),
            "points": [{"lat": lat, "lon": lon}],
            "drift_run": req.drift_run,
            "object": obj,
            "particles": cloud.n,
            "radius_50_nm": containment_radius_nm(cloud, 0.5),
        },
        "divergence_nm": None,
        "separation_ratio": None,
        "total_probable_error_nm": None,
        "search_radius_nm": r90,
        "area_nm2": math.pi * r90 * r90,
        "area_basis": "the circle about the cloud's centre holding 90 % of its particles",
    }
    return cloud, head, t, drift, tracks


def _area_json(a: SearchArea) -> dict[str, float]:
    return {
        "lat": a.lat,
        "lon": a.lon,
        "length_nm": a.length_nm,
        "width_nm": a.width_nm,
        "orientation_deg": a.orientation_deg % 180.0,
        "area_nm2": a.area_nm2,
    }


def _sweep(req: PlanRequest, u: UnitRequest) -> tuple[float, str]:
    if u.sweep_width_nm is not None:
        return u.sweep_width_nm, "given"
    obj = u.search_object or req.search_object
    if obj is None or u.platform is None:
        raise InputError(
            f"unit {u.name!r} has no sweep width: give its sweep_width_nm, or its platform "
            "and the search_object of the sweep-width tables (e.g. 'Person in water')"
        )
    if req.visibility_km is None:
        raise InputError(
            f"unit {u.name!r}: the sweep-width tables need visibility_km (or give sweep_width_nm)"
        )
    try:
        sw = corrected_sweep_width(
            platform=u.platform,
            object_name=obj,
            visibility_km=req.visibility_km,
            height_ft=u.altitude_ft if u.altitude_ft is not None else u.height_ft,
            speed_kn=u.speed_kn,
            wind_kn=req.wind_kn_on_scene,
            sea_m=req.sea_m,
            fatigue=u.fatigue,
        )
    except InputError as exc:
        raise InputError(f"unit {u.name!r}: {exc}") from None
    return sw.sweep_width_nm, sw.source


def _land_test(lons: list[float], lats: list[float], cache_dir: Path | None) -> Any:
    box = Region(
        lon_min=max(min(lons) - 0.2, -180.0),
        lat_min=max(min(lats) - 0.2, -90.0),
        lon_max=min(max(lons) + 0.2, 180.0),
        lat_max=min(max(lats) + 0.2, 90.0),
    )
    return land_mask_for(box, cache_dir).contains


def _check_datum_at_sea(head: dict[str, Any], cache_dir: Path | None) -> None:
    d = head["datum"]
    pts = list(d["points"])
    if "last_known_position" in d:
        pts.append(d["last_known_position"])
    lons, lats = [p["lon"] for p in pts], [p["lat"] for p in pts]
    on_land = np.asarray(_land_test(lons, lats, cache_dir)(np.array(lons), np.array(lats)))
    if on_land.any():
        p = pts[int(np.flatnonzero(on_land)[0])]
        raise PositionOnLandError(
            f"the datum {p['lat']:.4f}N {p['lon']:.4f}E is on land: check the position "
            "(latitude first) and the drift inputs"
        )


def _frozen_scene(
    unit: SearchUnit, start: datetime, t_datum: datetime, cloud: Cloud
) -> dict[str, Any]:
    """A unit's ``on_scene`` on the frozen cloud: off at ``start``, there after its
    transit to the cloud's centre, its rectangle on the datum-time cloud."""
    transit_h = unit.hours - unit.search_hours(cloud.centre())
    return {
        "arrival": _iso(start + timedelta(hours=transit_h)),
        "end": _iso(start + timedelta(hours=unit.hours)),
        "transit_nm": transit_h * unit.speed_kn,
        "cloud_time": _iso(t_datum),
        "basis": "datum",
    }


def _within_hours(route: Route, hours: float) -> Route:
    """The route cut where the unit's search time runs out (on the leg, linearly in
    degrees: metres over a few miles), with a warning; unchanged if it fits."""
    wps = route.waypoints
    t0 = wps[0].eta
    if t0 is None or wps[-1].eta is None:
        return route
    end = t0 + timedelta(hours=hours)
    if wps[-1].eta <= end + timedelta(minutes=1):
        return route
    kept = [w for w in wps if w.eta is not None and w.eta <= end]
    nxt = wps[len(kept)]
    prev = kept[-1]
    assert prev.eta is not None and nxt.eta is not None
    f = (end - prev.eta) / (nxt.eta - prev.eta)
    cut = Waypoint(
        lon=prev.lon + f * (nxt.lon - prev.lon),
        lat=prev.lat + f * (nxt.lat - prev.lat),
        eta=end,
        name="END",
    )
    flown = (wps[-1].eta - t0).total_seconds() / 3600.0
    note = (
        f"the full {route.pattern.replace('_', ' ')} takes {flown:.1f} h, more than the unit's "
        f"{hours:.1f} h of search time: the route ends at END after {len(kept) - 1} legs "
        "and part of the next (see route_pos)"
    )
    return replace(route, waypoints=(*kept, cut), warnings=(*route.warnings, note))


def plan_search(
    request: PlanRequest | dict[str, Any],
    *,
    home_dir: Path,
    cache_dir: Path | None = None,
    route_pos_of: dict[str, tuple[list[dict[str, Any]], float]] | None = None,
) -> Plan:
    """Plan a search (see the module docstring).

    Parameters
    ----------
    request
        A :class:`PlanRequest` or its JSON.
    home_dir
        The station's home (its ``runs/`` hold the drift runs).
    cache_dir
        Coastline cache for the land tests.
    route_pos_of
        Route POS already computed for this request, by unit name: the route's
        waypoints as the answer gives them, and its ``route_pos``. A plan from a drift
        run takes that POS instead of scoring the route again where the route it
        rebuilds has exactly those waypoints (an update rebuilding the plan it was
        made from: :func:`sarwatch.services.plan_update.apply_update`).

    Raises
    ------
    InputError
        A bad request (one line naming the field); a datum on land
        (:class:`PositionOnLandError`).
    NotFoundError
        A drift run that does not exist.
    """
    req = request if isinstance(request, PlanRequest) else parse_plan_request(request)
    if req.datum is not None and req.drift_run is not None:
        raise InputError("give either datum (the last known position) or drift_run, not both")
    if req.datum is None and req.drift_run is None:
        raise InputError(
            "give datum (the last known position: lat, lon, time) or drift_run (a drift "
            "run's id or directory) to plan the search on"
        )
    names = [u.name for u in req.units]
    if len({n.casefold() for n in names}) != len(names):
        raise InputError(
            f"unit names must differ, also in more than upper and lower case (they name the "
            f"route files, which a chart plotter's memory card or a Windows or macOS disk "
            f"would overwrite): {names}"
        )
    if req.datum is not None and req.commence_time is not None:
        lkp = require_utc(req.datum.time, "datum.time")
        commence = require_utc(req.commence_time, "commence_time")
        if commence < lkp:
            raise InputError(
                f"commence_time {_iso(commence)} is before the last known position's time "
                f"(datum.time {_iso(lkp)}): the units cannot search before the boat was last "
                "seen; check that both times are UTC (Z), or leave commence_time out (the "
                "units then set off at the datum time)"
            )
    sweeps = [_sweep(req, u) for u in req.units]  # table errors before any heavy work
    tracks: CloudTracks | None = None
    if req.datum is not None:
        cloud, head, t_datum, drift = _manual(req, cache_dir)
    else:
        # a run's particles are at sea or stranded; its centre may lie on an island
        cloud, head, t_datum, drift, tracks = _from_run(req, home_dir)
    start = (
        t_datum if req.commence_time is None else require_utc(req.commence_time, "commence_time")
    )
    units = [
        SearchUnit(
            name=u.name,
            speed_kn=u.speed_kn,
            hours=u.hours,
            sweep_width_nm=w,
            start_lon=u.start.lon if u.start else None,
            start_lat=u.start.lat if u.start else None,
        )
        for u, (w, _) in zip(req.units, sweeps, strict=True)
    ]
    on_scene = tracks is not None and req.allocate_on == "on_scene"
    plan: Allocation
    if tracks is not None and on_scene:
        plan, windows, unit_clouds, held_note = allocate_moving(
            tracks,
            units,
            start,
            compensated=[u.drift_compensated for u in req.units],
            curve=req.pod_curve,
            window_times=req.window_times,
        )
        scene = [on_scene_json(w) for w in windows]
    else:
        plan = allocate(cloud, units, curve=req.pod_curve)
        unit_clouds, held_note = (CloudWindow((cloud,)),) * len(units), ""
        scene = [_frozen_scene(u, start, t_datum, cloud) for u in units]
    routes, out_units = [], []
    first_leg = req.wind.from_deg if req.wind is not None else None
    for u, (_, source), a, sc in zip(req.units, sweeps, plan.assignments, scene, strict=True):
        route = pattern_for_area(
            u.pattern,
            a.area,
            spacing_nm=a.track_spacing_nm,
            speed_kn=u.speed_kn,
            start=datetime.fromisoformat(sc["arrival"]),
            name=u.name,
            start_near=(u.start.lon, u.start.lat) if u.start else None,
            first_leg_deg=first_leg if u.pattern in ("expanding_square", "sector") else None,
        )
        search_h = a.effort_nm2 / (a.unit.sweep_width_nm * u.speed_kn)
        route = _within_hours(route, search_h)
        curve = LateralRange("inverse_cube", a.unit.sweep_width_nm)
        if tracks is None:
            # a manual datum: the pattern flown against the cloud frozen at the datum
            # time (in the frame moving with the drift when compensated)
            route_pos = float(cloud.weight @ search_pod(cloud, route, curve))
        if u.drift_compensated:
            route = drift_compensate(route, drift)
        lons = [w.lon for w in route.waypoints]
        lats = [w.lat for w in route.waypoints]
        route = clip_to_sea(route, _land_test(lons, lats, cache_dir))
        waypoints = [
            {"name": w.name, "lat": w.lat, "lon": w.lon,
             "eta": _iso(w.eta) if w.eta is not None else None}
            for w in route.waypoints
        ]  # fmt: skip
        if tracks is not None:
            # a drift run: the route as flown against the particles as they drift
            known = (route_pos_of or {}).get(u.name)
            if known is not None and known[0] == waypoints:
                route_pos = float(known[1])
            else:
                route_pos = float(cloud.weight @ route_pod_moving(tracks, route, curve))
            held = tracks_over(tracks, route.waypoints[0].eta or start,
                               route.waypoints[-1].eta or start)[1]  # fmt: skip
            if held:
                route = replace(route, warnings=(*route.warnings, held))
        routes.append(route)
        out_units.append(
            {
                "name": u.name,
                "platform": u.platform,
                "speed_kn": u.speed_kn,
                "hours": u.hours,
                "sweep_width_nm": a.unit.sweep_width_nm,
                "sweep_width_source": source,
                "effort_nm2": a.effort_nm2,
                "coverage": a.coverage,
                "track_spacing_nm": a.track_spacing_nm,
                "poc": a.poc,
                "pod": a.pod,
                "pod_curve": plan.curve,
                "pos": a.pos,
                "route_pos": route_pos,
                "pattern": u.pattern,
                "drift_compensated": u.drift_compensated,
                "on_scene": sc,
                "area": _area_json(a.area),
                "waypoints": waypoints,
                "warnings": list(route.warnings),
            }
        )
    answer = {
        **head,
        "drift_kn": {"east": drift[0], "north": drift[1]},
        "commence_time": _iso(start),
        "units": out_units,
        "total_pos": plan.total_pos,
        "allocation": plan.method,
        "particles": cloud.n,
        "cloud": cloud_statement(tracks, t_datum, on_scene=on_scene),
    }
    if held_note:
        answer["cloud"]["held"] = held_note
    return Plan(
        request=req,
        answer=answer,
        routes=tuple(routes),
        areas=tuple(a.area for a in plan.assignments),
        cloud=cloud,
        tracks=tracks,
        unit_clouds=tuple(unit_clouds),
    )
