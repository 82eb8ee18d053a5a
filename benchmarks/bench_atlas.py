"""Drift atlas on a Dask LocalCluster: 1,000 scenarios × 10,000 particles × 48 h, 1 and 2 workers.

Run from the repository root::

    .venv/bin/python benchmarks/bench_atlas.py [--hours 48] [--scenarios 1000]

Ten departures (the packaged departure ports' points at sea) × 100 start times every
6 h from 2024-01-01, each a drift scenario of 10,000 ``PIW-1`` particles for 48 h
(dt 15 min: 192 steps, 1.92 M particle-steps), lead times every 6 h, forced by a
synthetic hourly wind file (0.25°, turning and strengthening with time, written to a
temporary directory; every worker opens it lazily with xarray and reads each week's
window once). The same atlas runs on a LocalCluster of 1 worker process, then of 2.

Figures: the wall time of each run (cluster start-up included) and of its tasks, the
CPU time the tasks spent (thread time, summed over the workers: what the atlas costs
whatever the load), the speed-up and whether the two grids are identical; and, first,
a profile of one batch of 10 scenarios run in this process: the share of its CPU time
spent inside the numba kernel, and the kernel's own particle-steps per CPU second.
Results go to ``benchmarks/results/atlas.json`` and ``atlas.md``.

On a machine shared with other jobs the wall figures and the 2-worker speed-up are
lower bounds (the second core is not ours alone); the CPU figures are not.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from sarwatch.drift.atlas_grid import AtlasGrid
from sarwatch.drift.config import DriftConfig
from sarwatch.geo.coast import REGION
from sarwatch.services.atlas import AtlasRequest, ForcingSpec, run_atlas, scenario_seed
from sarwatch.services.atlas_departures import load_departures

RESULTS = Path(__file__).parent / "results"
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _wind_file(path: Path, days: float) -> Path:
    lon = np.arange(8.0, 20.01, 0.25)
    lat = np.arange(30.0, 38.01, 0.25)
    hours = np.arange(0, int(days * 24) + 1)
    lo, la = np.meshgrid(lon, lat)
    ang = np.radians(200.0 + 40.0 * np.sin(hours / 37.0))[:, None, None]
    speed = (6.0 + 2.0 * np.sin(hours / 11.0))[:, None, None] + 0.1 * (lo - 8.0)
    u = (-speed * np.sin(ang)).astype("f4")  # from `ang`: the vector points away
    v = (-speed * np.cos(ang) + 0.0 * la).astype("f4")
    times = pd.Timestamp("2024-01-01") + pd.to_timedelta(hours, "h")
    dims = ("time", "latitude", "longitude")
    ds = xr.Dataset(
        {
            "u10": (dims, u, {"units": "m s-1", "standard_name": "eastward_wind"}),
            "v10": (dims, v, {"units": "m s-1", "standard_name": "northward_wind"}),
        },
        coords={"time": times, "latitude": lat, "longitude": lon},
    )
    ds["latitude"].attrs = {"standard_name": "latitude", "units": "degrees_north"}
    ds["longitude"].attrs = {"standard_name": "longitude", "units": "degrees_east"}
    ds.to_netcdf(path)
    return path


def _profile(req: AtlasRequest, n: int = 10) -> dict[str, float]:
    """One batch of ``n`` scenarios in this process: CPU inside the kernel vs the whole."""
    from sarwatch.drift import _kernel
    from sarwatch.geo.srr import sar_regions
    from sarwatch.services import atlas_task
    from sarwatch.services.atlas import coast_states_of, start_times

    starts = start_times(req.start_first, req.start_last, req.every)
    ctx = atlas_task.TaskContext(
        config=req.config,
        forcing=req.forcing,
        grid=req.grid,
        region_ids=tuple(r.srr_id for r in sar_regions()),
        coast_states=coast_states_of(),
        departures=len(req.departures),
        first=req.start_first,
        last=starts[-1],
        centre=(14.0, 34.0),
        margin_deg=20.0,
        cache_dir=None,
    )
    tasks = tuple(
        atlas_task.ScenarioTask(i, d, t, scenario_seed(d, t, req.base_seed), j)
        for i, (t, (j, d)) in enumerate((t, jd) for t in starts for jd in enumerate(req.departures))
    )[: n + 1]
    atlas_task.run_batch(tasks[:1], ctx)  # load the kernel, land mask, raster, forcing
    real = _kernel.advance
    spent = {"kernel_s": 0.0, "calls": 0.0, "steps": 0.0}

    def timed(idx, *args):  # type: ignore[no-untyped-def]
        c = time.thread_time()
        out = real(idx, *args)
        spent["kernel_s"] += time.thread_time() - c
        spent["calls"] += 1
        return out

    _kernel.advance = timed
    try:
        c0 = time.thread_time()
        res = atlas_task.run_batch(tasks[1:], ctx)
        total = time.thread_time() - c0
    finally:
        _kernel.advance = real
    steps = req.config.hours * 60.0 / req.config.dt_min
    particle_steps = res.counts.particles * steps if res.counts else 0.0
    return {
        "scenarios": n,
        "cpu_s_per_scenario": round(total / n, 4),
        "kernel_cpu_s_per_scenario": round(spent["kernel_s"] / n, 4),
        "kernel_share": round(spent["kernel_s"] / total, 3),
        "kernel_calls_per_scenario": round(spent["calls"] / n, 1),
        "kernel_particle_steps_per_cpu_s": round(particle_steps / spent["kernel_s"]),
        "task_particle_steps_per_cpu_s": round(particle_steps / total),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", type=int, default=1000)
    ap.add_argument("--particles", type=int, default=10_000)
    ap.add_argument("--hours", type=float, default=48.0)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--results", type=Path, default=RESULTS, help="Where the figures go.")
    args = ap.parse_args()
    departures = load_departures("PORTS")[:10]
    n_starts = int(np.ceil(args.scenarios / len(departures)))
    every = timedelta(hours=6)
    with tempfile.TemporaryDirectory() as tmp:
        wind = _wind_file(Path(tmp) / "wind.nc", days=n_starts * 0.25 + args.hours / 24 + 1)
        req = AtlasRequest(
            departures=departures,
            start_first=T0,
            start_last=T0 + (n_starts - 1) * every,
            every=every,
            config=DriftConfig(
                object_class="PIW-1", hours=args.hours, particles=args.particles, output_min=360
            ),
            forcing=ForcingSpec(winds=(str(wind),)),
            grid=AtlasGrid(REGION.lon_min, REGION.lat_min, REGION.lon_max, REGION.lat_max, 0.1),
            base_seed=2024,
        )
        steps = args.hours * 60.0 / req.config.dt_min
        load0 = os.getloadavg()[0]
        profile = _profile(req)
        print(f"profile (one batch of 10 in this process): {profile}", flush=True)
        runs = []
        grids = []
        for w in args.workers:
            load_before = os.getloadavg()[0]
            tic = time.perf_counter()
            res = run_atlas(req, workers=w, processes=True)
            wall = time.perf_counter() - tic
            grids.append(res.counts.presence)
            runs.append(
                {
                    "workers": w,
                    "batch": res.batch,
                    "wall_s": round(wall, 2),
                    "tasks_s": round(res.tasks_s, 2),
                    "task_cpu_s": round(res.task_cpu_s, 2),
                    "cpu_s_per_scenario": round(res.task_cpu_s / res.counts.scenarios, 4),
                    "scenarios": res.counts.scenarios,
                    "failed": len(res.failures),
                    "scenarios_per_s": round(res.counts.scenarios / wall, 2),
                    "particle_steps_per_s": round(res.counts.particles * steps / wall),
                    "particle_steps_per_cpu_s": round(
                        res.counts.particles * steps / res.task_cpu_s
                    ),
                    "load_avg_1m_before": round(load_before, 2),
                    "load_avg_1m_after": round(os.getloadavg()[0], 2),
                }
            )
            print(f"{w} worker(s): {runs[-1]}", flush=True)
    identical = all(np.array_equal(grids[0], g) for g in grids[1:])
    speedup = runs[0]["wall_s"] / runs[-1]["wall_s"] if len(runs) > 1 else 1.0
    speedup_tasks = runs[0]["tasks_s"] / runs[-1]["tasks_s"] if len(runs) > 1 else 1.0
    print(
        f"speed-up 1 -> {runs[-1]['workers']} workers: {speedup:.2f}x (tasks alone "
        f"{speedup_tasks:.2f}x); identical: {identical}"
    )
    out = {
        "benchmark": "atlas",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "load_avg_1m_at_start": round(load0, 2),
            "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
        },
        "atlas": {
            "departures": len(departures),
            "starts": n_starts,
            "scenarios": len(departures) * n_starts,
            "particles": args.particles,
            "hours": args.hours,
            "dt_min": req.config.dt_min,
            "steps": steps,
            "lead_every_min": req.config.output_min,
            "cell_deg": 0.1,
            "forcing": "synthetic hourly wind file, 0.25°",
        },
        "profile": profile,
        "runs": runs,
        "speedup": round(speedup, 2),
        "speedup_tasks": round(speedup_tasks, 2),
        "grids_identical": identical,
    }
    args.results.mkdir(exist_ok=True)
    (args.results / "atlas.json").write_text(json.dumps(out, indent=2) + "\n")
    rows = "\n".join(
        f"| {r['workers']} | {r['batch']} | {r['wall_s']} | {r['tasks_s']} | {r['task_cpu_s']} | "
        f"{r['cpu_s_per_scenario']:.3f} | {r['scenarios']} | {r['failed']} | "
        f"{r['scenarios_per_s']} | {r['particle_steps_per_s'] / 1e6:.1f} M | "
        f"{r['particle_steps_per_cpu_s'] / 1e6:.1f} M | {r['load_avg_1m_before']} |"
        for r in runs
    )
    p = profile
    (args.results / "atlas.md").write_text(
        f"# Drift atlas on a Dask LocalCluster ({out['when']})\n\n"
        f"{out['atlas']['scenarios']} scenarios ({len(departures)} departures × {n_starts} "
        f"starts every 6 h) × {args.particles:,} particles, {args.hours:g} h each "
        f"(dt {req.config.dt_min:g} min: {steps:g} steps, "
        f"{args.particles * steps / 1e6:.2f} M particle-steps per scenario), lead times every "
        f"6 h, on {os.cpu_count()} CPUs shared with other jobs (1-min load average "
        f"{out['machine']['load_avg_1m_at_start']} at the start, "
        f"{out['machine']['load_avg_1m_at_end']} at the end).\n\n"
        "| workers | scenarios/task | wall s | tasks s | task CPU s | CPU s/scenario | scenarios "
        "| failed | scenarios/s | particle-steps/s | particle-steps/CPU s | load before |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        f"{rows}\n\n"
        "Wall: cluster start-up included; tasks: first submit to last result; task CPU: the "
        "tasks' thread time summed over the workers (each worker also loads the land mask, "
        "the region raster, the numba kernel and the forcing once, in its first task).\n\n"
        f"Speed-up from 1 to {runs[-1]['workers']} workers: **{speedup:.2f}×** wall, "
        f"**{speedup_tasks:.2f}×** tasks; "
        f"grids identical: **{identical}**. On a machine shared with other jobs the wall "
        "figures and the speed-up measure the machine as much as the atlas (a second worker "
        "gets no core of its own); the CPU figures do not.\n\n"
        f"Profile of one batch of {p['scenarios']} scenarios in one process: "
        f"{p['cpu_s_per_scenario']:.3f} CPU s per scenario, of which "
        f"{p['kernel_cpu_s_per_scenario']:.3f} s ({p['kernel_share']:.0%}) inside the numba "
        f"kernel ({p['kernel_calls_per_scenario']:g} calls per scenario; the kernel runs "
        f"{p['kernel_particle_steps_per_cpu_s'] / 1e6:.1f} M particle-steps per CPU s, the "
        f"whole task {p['task_particle_steps_per_cpu_s'] / 1e6:.1f} M).\n"
    )


if __name__ == "__main__":
    main()
