"""Search-planning benchmark: a plan for 3 units and a Bayesian update on a 100k cloud.

Run from the repository root::

    .venv/bin/python benchmarks/bench_planning.py

The cloud is synthetic and skewed (70 % in a core of σ 2 nm, 30 % in a tail 12 nm
east, σ 6 × 4 nm; 100,000 particles, seed 5). The units: ship 10 kn × 4 h, W 0.5 nm;
helicopter 90 kn × 2 h, W 0.7; aircraft 150 kn × 3 h, W 1.0 (inverse-cube POD). The
update flies the aircraft's area as its parallel-track pattern
(``planning.patterns.parallel_track``) at its planned track spacing with the
inverse-cube lateral-range curve, and again at a spacing that gives 300 legs.
Times are CPU seconds of this process (the
machine is shared), best of 3 after one warm-up (numba compiles on first use).
Figures go to ``benchmarks/results/planning.json`` and are printed, next to the naive
plan's POS (one box around the 90 % region split evenly).
"""

from __future__ import annotations

import json
import math
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import numpy as np

from sarwatch.planning.allocation import SearchUnit, allocate, naive_plan
from sarwatch.planning.cloud import Cloud, from_local_nm, search_pod, update_after_search
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
    figures = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
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
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
