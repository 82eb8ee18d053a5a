"""Search-planning benchmark: a plan for 3 units and a Bayesian update on a 100k cloud.

Run from the repository root::

    .venv/bin/python benchmarks/bench_planning.py

The cloud is synthetic and skewed (70 % in a core of σ 2 nm, 30 % in a tail 12 nm
east, σ 6 × 4 nm; 100,000 particles, seed 5). The units: ship 10 kn × 4 h, W 0.5 nm;
helicopter 90 kn × 2 h, W 0.7; aircraft 150 kn × 3 h, W 1.0 (inverse-cube POD). The
update flies the aircraft's area as its parallel-track pattern
(``planning.patterns.parallel_track``) at its planned track spacing with the
inverse-cube lateral-range curve, and again at a spacing that gives 300 legs.

**The moving cloud.** The same particles drift for 12 h (hourly tracks): the core at
1.5 kn towards 100°, the tail at 1.0 kn towards 60°, and every particle spreads with a
random velocity of σ 0.2 kn (so the cloud also stretches). The units set off at the
datum time from their bases: the ship from 15 nm west of the datum, the helicopter
from 40 nm north, the aircraft from 90 nm north-west. Three plans, each scored on the
particles where they are while each unit searches (``planning.ontime``: five times
spread through each unit's search): the allocation on the moving cloud
(``allocate_on_scene``; and with the cloud at the middle of each search only,
``window_times=1``); the allocation on the datum-time cloud (its POS claimed on that
cloud, and its POS when flown); the naive plan on the datum-time cloud, flown.
Times are CPU seconds of this process (the
machine is shared), best of 3 after one warm-up (numba compiles on first use); the
1, 5 and 15 min load averages at the start and the end are recorded next to them.
Figures go to ``benchmarks/results/planning.json`` and are printed, next to the naive
plan's POS (one box around the 90 % region split evenly).
"""

from __future__ import annotations

import json
import math
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import numpy as np

from sarwatch.planning.allocation import Allocation, SearchUnit, allocate, naive_plan, score_plan
from sarwatch.planning.cloud import Cloud, from_local_nm, search_pod, update_after_search
from sarwatch.planning.motion import CloudTracks
from sarwatch.planning.ontime import allocate_on_scene, cloud_at, window_of
from sarwatch.planning.patterns import parallel_track
from sarwatch.planning.pod import LateralRange
from sarwatch.planning.types import SearchArea

T = TypeVar("T")

LON0, LAT0 = 12.4, 33.6
OUT = Path(__file__).parent / "results" / "planning.json"


def _cloud(n: int = 100_000) -> Cloud:
    rng = np.random.default_rng(5)
    core = rng.random(n) < 0.7
    x = np.where(core, rng.normal(0, 2.0, n), rng.normal(12, 6, n))
    y = np.where(core, rng.normal(0, 2.0, n), rng.normal(4, 4, n))
    return Cloud.from_arrays(*from_local_nm(x, y, LON0, LAT0))


def drifting_positions(
    n: int, hours: int, lon0: float, lat0: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(lon, lat)`` of the benchmark cloud at each hour ``0..hours``, ``(n, hours + 1)``
    degrees: a core drifting east-south-east at 1.5 kn, a tail north-east at 1 kn
    (module docstring), placed around ``(lon0, lat0)``."""
    rng = np.random.default_rng(5)
    core = rng.random(n) < 0.7
    x = np.where(core, rng.normal(0, 2.0, n), rng.normal(12, 6, n))
    y = np.where(core, rng.normal(0, 2.0, n), rng.normal(4, 4, n))
    to = np.radians(np.where(core, 100.0, 60.0))
    speed = np.where(core, 1.5, 1.0)
    vx = speed * np.sin(to) + rng.normal(0, 0.2, n)
    vy = speed * np.cos(to) + rng.normal(0, 0.2, n)
    h = np.arange(hours + 1, dtype=float)
    return from_local_nm(x[:, None] + vx[:, None] * h, y[:, None] + vy[:, None] * h, lon0, lat0)


def _tracks(n: int = 100_000, hours: int = 12) -> CloudTracks:
    """The benchmark cloud drifting for ``hours`` (module docstring)."""
    lon, lat = drifting_positions(n, hours, LON0, LAT0)
    return CloudTracks.from_arrays(T0 + np.arange(hours + 1) * np.timedelta64(3600, "s"), lon, lat)


T0 = np.datetime64("2026-12-06T12:00:00", "s")


def _based(unit: SearchUnit, east_nm: float, north_nm: float) -> SearchUnit:
    lon, lat = from_local_nm([east_nm], [north_nm], LON0, LAT0)
    return SearchUnit(
        name=unit.name,
        speed_kn=unit.speed_kn,
        hours=unit.hours,
        sweep_width_nm=unit.sweep_width_nm,
        start_lon=float(lon[0]),
        start_lat=float(lat[0]),
    )


def _moving(tracks: CloudTracks) -> dict[str, object]:
    units = [
        _based(UNITS[0], -15, 0),
        _based(UNITS[1], 0, 40),
        _based(UNITS[2], -64, 64),
    ]
    scene_s, (plan, windows) = _best_cpu(lambda: allocate_on_scene(tracks, units, T0))
    mid_s, (mid, _) = _best_cpu(lambda: allocate_on_scene(tracks, units, T0, window_times=1))
    clouds = [window_of(tracks, w) for w in windows]
    efforts = [w.effort_nm2 for w in windows]
    datum_cloud = cloud_at(tracks, T0)
    datum_s, at_datum = _best_cpu(lambda: allocate(datum_cloud, units, efforts_nm2=efforts))
    naive = naive_plan(datum_cloud, units)

    def flown(p: Allocation) -> float:
        areas = [a.area for a in p.assignments]
        return score_plan(datum_cloud, units, areas, clouds=clouds, efforts_nm2=efforts).total_pos

    return {
        "hours": int((tracks.times[-1] - tracks.times[0]) / np.timedelta64(3600, "s")),
        "on_scene_cpu_s": round(scene_s, 3),
        "on_scene_total_pos": round(plan.total_pos, 4),
        "mid_search_only_cpu_s": round(mid_s, 3),
        "mid_search_only_flown_pos": round(flown(mid), 4),
        "datum_alloc_cpu_s": round(datum_s, 3),
        "datum_alloc_claimed_pos": round(at_datum.total_pos, 4),
        "datum_alloc_flown_pos": round(flown(at_datum), 4),
        "naive_flown_pos": round(flown(naive), 4),
        "units": [
            {
                "name": a.unit.name,
                "transit_nm": round(w.transit_nm, 1),
                "arrival": f"{w.arrival}Z",
                "cloud_time": f"{w.cloud_time}Z",
                "poc_on_scene": round(a.poc, 4),
                "pos": round(a.pos, 4),
            }
            for a, w in zip(plan.assignments, windows, strict=True)
        ],
    }


UNITS = [
    SearchUnit(name="ship", speed_kn=10, hours=4, sweep_width_nm=0.5),
    SearchUnit(name="helicopter", speed_kn=90, hours=2, sweep_width_nm=0.7),
    SearchUnit(name="aircraft", speed_kn=150, hours=3, sweep_width_nm=1.0),
]


def _legs(area: SearchArea, spacing_nm: float) -> list[tuple[float, float]]:
    """The waypoints of the parallel-track pattern that flies ``area`` at ``spacing_nm``."""
    (route,) = parallel_track(
        area, spacing_nm=spacing_nm, speed_kn=10, start=datetime(2026, 12, 6, tzinfo=UTC), name="x"
    )
    return [(w.lon, w.lat) for w in route.waypoints]


def _best_cpu(fn: Callable[[], T], repeats: int = 3) -> tuple[float, T]:
    out = fn()
    best = math.inf
    for _ in range(repeats):
        t = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t)
    return best, out


def main() -> None:
    load_start = [round(v, 2) for v in os.getloadavg()]
    cloud = _cloud()
    plan_s, plan = _best_cpu(lambda: allocate(cloud, UNITS))
    naive_s, naive = _best_cpu(lambda: naive_plan(cloud, UNITS))
    aircraft = plan.assignments[2]
    track = _legs(aircraft.area, aircraft.track_spacing_nm)
    curve = LateralRange("inverse_cube", aircraft.unit.sweep_width_nm)
    update_s, update = _best_cpu(
        lambda: update_after_search(cloud, search_pod(cloud, track, curve))
    )
    # the same area flown at a spacing that gives 300 legs (150 search legs)
    dense = _legs(aircraft.area, aircraft.area.width_nm / 150)
    dense_s, _ = _best_cpu(lambda: update_after_search(cloud, search_pod(cloud, dense, curve)))
    moving = _moving(_tracks())
    figures = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "load_average": {"start": load_start, "end": [round(v, 2) for v in os.getloadavg()]},
        "particles": cloud.n,
        "plan_cpu_s": round(plan_s, 3),
        "plan_total_pos": round(plan.total_pos, 4),
        "naive_cpu_s": round(naive_s, 3),
        "naive_total_pos": round(naive.total_pos, 4),
        "update_legs": len(track) - 1,
        "update_cpu_s": round(update_s, 3),
        "update_pos": round(update.pos, 4),
        "update_dense_legs": len(dense) - 1,
        "update_dense_cpu_s": round(dense_s, 3),
        "units": [
            {
                "name": a.unit.name,
                "length_nm": round(a.area.length_nm, 2),
                "width_nm": round(a.area.width_nm, 2),
                "track_spacing_nm": round(a.track_spacing_nm, 3),
                "poc": round(a.poc, 4),
                "pod": round(a.pod, 4),
                "pos": round(a.pos, 4),
            }
            for a in plan.assignments
        ],
        "moving_cloud": moving,
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
