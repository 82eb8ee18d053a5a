"""Drift atlas on a Dask LocalCluster: 1,000 scenarios × 10,000 particles, 1 and 2 workers.

Run from the repository root::

    .venv/bin/python benchmarks/bench_atlas.py [--hours 12] [--scenarios 1000]

Ten departures (the packaged departure ports, moved to sea) × 100 start times every
6 h from 2024-01-01, each a drift scenario of 10,000 ``PIW-1`` particles, forced by a
synthetic hourly wind file (0.25°, turning and strengthening with time, written to a
temporary directory; every worker opens it lazily with xarray and reads each week's
window once). The same atlas runs on a LocalCluster of 1 worker process, then of 2;
the wall time of each (cluster start-up included), the scenarios per second, the
speed-up and whether the two grids are identical go to
``benchmarks/results/atlas.json`` and ``atlas.md``.

The default is ``--hours 12`` (lead times every 6 h), not 48 h, so that both runs finish
in about 20 minutes on this loaded 2-core machine (48 h runs take about 4× longer).
On a machine shared with other jobs the 2-worker figure is a lower bound of the
speed-up: the second core is not ours alone.
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
from sarwatch.services.atlas import AtlasRequest, ForcingSpec, run_atlas
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", type=int, default=1000)
    ap.add_argument("--particles", type=int, default=10_000)
    ap.add_argument("--hours", type=float, default=12.0)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
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
        runs = []
        grids = []
        for w in args.workers:
            tic = time.perf_counter()
            res = run_atlas(req, workers=w, processes=True)
            wall = time.perf_counter() - tic
            grids.append(res.counts.presence)
            runs.append(
                {
                    "workers": w,
                    "wall_s": round(wall, 2),
                    "tasks_s": round(res.tasks_s, 2),
                    "scenarios": res.counts.scenarios,
                    "failed": len(res.failures),
                    "scenarios_per_s": round(res.counts.scenarios / wall, 2),
                    "particle_steps_per_s": round(res.counts.particles * args.hours * 4 / wall),
                }
            )
            print(f"{w} worker(s): {wall:.1f} s, {res.counts.scenarios} scenarios", flush=True)
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
            "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
        },
        "atlas": {
            "departures": len(departures),
            "starts": n_starts,
            "scenarios": len(departures) * n_starts,
            "particles": args.particles,
            "hours": args.hours,
            "dt_min": req.config.dt_min,
            "lead_every_min": req.config.output_min,
            "cell_deg": 0.1,
            "forcing": "synthetic hourly wind file, 0.25°",
        },
        "runs": runs,
        "speedup": round(speedup, 2),
        "speedup_tasks": round(speedup_tasks, 2),
        "grids_identical": identical,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "atlas.json").write_text(json.dumps(out, indent=2) + "\n")
    rows = "\n".join(
        f"| {r['workers']} | {r['wall_s']} | {r['tasks_s']} | {r['scenarios']} | {r['failed']} | "
        f"{r['scenarios_per_s']} | {r['particle_steps_per_s'] / 1e6:.1f} M |"
        for r in runs
    )
    (RESULTS / "atlas.md").write_text(
        f"# Drift atlas on a Dask LocalCluster ({out['when']})\n\n"
        f"{out['atlas']['scenarios']} scenarios ({len(departures)} departures × {n_starts} "
        f"starts every 6 h) × {args.particles:,} particles, {args.hours:g} h each, "
        f"dt {req.config.dt_min:g} min, on {os.cpu_count()} CPUs "
        f"(1-min load average at the end: {out['machine']['load_avg_1m_at_end']}).\n\n"
        "| workers | wall s | tasks s | scenarios | failed | scenarios/s | particle-steps/s |\n"
        "|---|---|---|---|---|---|---|\n"
        f"{rows}\n\n"
        "Wall: cluster start-up included; tasks: first submit to last result (each worker "
        "loads the land mask, the numba kernel and the forcing once).\n\n"
        f"Speed-up from 1 to {runs[-1]['workers']} workers: **{speedup:.2f}×** wall, "
        f"**{speedup_tasks:.2f}×** tasks; "
        f"grids identical: **{identical}**.\n"
    )


if __name__ == "__main__":
    main()
