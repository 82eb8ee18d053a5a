"""The plan service end to end: ``plan_search`` for 3 units on 100,000 particles, and
``apply_update`` with one flown track (which rebuilds the plan, then updates), for the
two kinds of datum:

- **a manual datum** (sampling, land tests, allocation, patterns, compensation, coast
  clipping, route POS on the cloud frozen at the datum time);
- **a drift run** (a run directory whose ``drift.nc`` holds 100,000 particles drifting
  for 12 h, hourly outputs: the core at 1.5 kn towards 100°, the tail at 1.0 kn
  towards 60°, each particle spreading with σ 0.2 kn, as ``bench_planning``'s moving
  cloud, about the manual datum's position): reading the run, the allocation on the
  moving cloud, patterns, compensation, coast clipping, and each route's POS scored
  against the particles as they drift (``route_pod``).

Run from the repository root::

    .venv/bin/python benchmarks/bench_plan_service.py [--quick]

CPU seconds of this process, best of 3 after a warm-up (numba compiles on first use;
the coastline cache must exist), with the 1, 5 and 15 min load averages at the start
and the end. ``--quick`` uses 20,000 particles and writes nothing. Figures go to
``benchmarks/results/plan_service.json``.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from sarwatch.adapters.exports.route_gpx import routes_to_gpx
from sarwatch.services.plan_update import apply_update
from sarwatch.services.planning import plan_search

if str(Path(__file__).resolve().parents[1]) not in sys.path:  # run as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.bench_planning import drifting_positions

OUT = Path(__file__).parent / "results" / "plan_service.json"
HOME = Path("/nonexistent-home")  # a manual datum reads no drift run; a run is a directory

UNITS: list[dict[str, Any]] = [
    {"name": "Ship", "sweep_width_nm": 0.5, "speed_kn": 10, "hours": 4},
    {"name": "Helo", "sweep_width_nm": 0.7, "speed_kn": 90, "hours": 2,
     "pattern": "creeping_line"},
    {"name": "Plane", "sweep_width_nm": 1.0, "speed_kn": 150, "hours": 3,
     "drift_compensated": True},
]  # fmt: skip

REQUEST: dict[str, Any] = {
    "datum": {"lat": 34.62, "lon": 12.48, "time": "2026-12-06T03:00:00Z"},
    "elapsed_h": 5,
    "wind": {"speed_kn": 14, "from_deg": 320},
    "current": {"speed_kn": 0.3, "to_deg": 100},
    "object": "migrant-rubber-boat",
    "x_nm": 5,
    "particles": 100_000,
    "units": UNITS,
}

RUN_START = np.datetime64("2026-12-06T00:00:00", "s")
RUN_HOURS = 12
DATUM_TIME = "2026-12-06T03:00:00Z"  # an output time; every unit's search ends in the run


def write_run(run_dir: Path, n: int) -> Path:
    """A drift run directory whose ``drift.nc`` holds ``n`` particles (module docstring)."""
    import xarray as xr

    h = np.arange(RUN_HOURS + 1, dtype=float)
    lon, lat = drifting_positions(n, RUN_HOURS, 12.48, 34.62)
    t_s = (RUN_START - np.datetime64("1970-01-01T00:00:00", "s")).astype(float) + h * 3600.0
    ds = xr.Dataset(
        {
            "lon": (("trajectory", "obs"), lon.astype(np.float32)),
            "lat": (("trajectory", "obs"), lat.astype(np.float32)),
            "time": (("obs",), t_s, {"units": "seconds since 1970-01-01 00:00:00"}),
        },
        attrs={"object_class": "migrant-rubber-boat"},
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    ds.to_netcdf(run_dir / "drift.nc")
    return run_dir


def _best_cpu(fn: Any, repeats: int = 3) -> tuple[float, Any]:
    fn()
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t)
    return best, out


def _timed(request: dict[str, Any], home: Path) -> dict[str, Any]:
    plan_s, plan = _best_cpu(lambda: plan_search(request, home_dir=home))
    doc = {"request": plan.request.model_dump(mode="json"), "answer": plan.answer}
    gpx = routes_to_gpx([plan.routes[2]])
    update_s, upd = _best_cpu(lambda: apply_update(doc, gpx, home_dir=home, unit="Plane"))
    return {
        "particles": plan.cloud.n,
        "plan_cpu_s": round(plan_s, 3),
        "update_cpu_s": round(update_s, 3),
        "total_pos": round(plan.answer["total_pos"], 4),
        "route_pos": {u["name"]: round(u["route_pos"], 4) for u in plan.answer["units"]},
        "update_pos": round(upd.answer["pos"], 4),
        "waypoints": {u["name"]: len(u["waypoints"]) for u in plan.answer["units"]},
    }


def main(argv: list[str] | None = None) -> None:
    """Time a plan and an update for each kind of datum; print and write the figures."""
    args = sys.argv[1:] if argv is None else argv
    quick = "--quick" in args
    n = 20_000 if quick else 100_000
    load_start = [round(v, 2) for v in os.getloadavg()]
    manual = _timed(REQUEST | {"particles": n}, HOME)
    with tempfile.TemporaryDirectory() as tmp:
        run = write_run(Path(tmp) / "run", n)
        from_run = _timed({"drift_run": str(run), "datum_time": DATUM_TIME, "units": UNITS}, HOME)
    figures = {
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": platform.platform(),
        "load_average": {"start": load_start, "end": [round(v, 2) for v in os.getloadavg()]},
        "note": "CPU seconds of this process, best of 3 after a warm-up; update_cpu_s "
        "includes rebuilding the plan from its request",
        "manual_datum": manual,
        "drift_run": from_run,
    }
    print(json.dumps(figures, indent=1))
    if not quick:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(figures, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
