"""The set-up of a ``sarwatch drift`` run: opening the forcing and seeding the particles.

Run from the repository root::

    .venv/bin/python benchmarks/bench_drift_setup.py            # 1,000,000 particles, 3 turns
    .venv/bin/python benchmarks/bench_drift_setup.py --quick    # 100,000 particles, 1 turn

The ``src`` of a git ref (``--baseline``, default ``e2b3eaa``) and this tree's ``src``
run side by side, taking turns, each measurement in a fresh Python process (import
costs are part of what is measured): the process first imports
``sarwatch.services.drift`` (what the command has loaded by then), then

- ``forcing``: opens the benchmark's winds and currents (``benchmarks/_drift_forcing``,
  CMEMS/ERA5-like NetCDF-4 files) as the command does, the first xarray use of the
  process included (importing xarray and pandas, and the dask modules xarray imports
  when dask is installed: ``dask`` to decode times, ``dask.array`` when coordinates are
  assigned); the modules of note that the open imported are recorded;
- ``seeding``: then seeds the command's particles (a point of 500 m, LIFE-RAFT-NB-2,
  seed 1), as the command does after opening the forcing;
- ``seeding_mixture``, ``seeding_cone``: then a proxy mixture (migrant-rubber-boat) and
  a cone between two positions and times, in the same process.

A second process per version (``forcing_preloaded``) imports xarray and dask.array
before timing the open: the part of the open that is not the first import of xarray.

CPU seconds of the process (``time.process_time``) and wall seconds, with the load
average: the machine is shared, so ratios of CPU seconds are the figures to read. The
ratio is of the best (least CPU) of the turns, as ``bench_drift --command-ab`` does: on a
busy machine the first touches of new memory (a large part of seeding) vary by 2x
between turns; the medians are recorded and printed too.
Figures go to ``benchmarks/results/drift_setup.json`` and are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks._drift_forcing import write_forcing  # noqa: E402
from benchmarks._git_src import export_src  # noqa: E402

#: The child process: times the set-up phases and prints them as JSON.
_CHILD = r"""
import json, sys, time
args = json.loads(sys.argv[1])
clock = lambda: (time.process_time(), time.perf_counter())
def since(t):
    c, w = clock()
    return {"cpu_s": c - t[0], "wall_s": w - t[1]}
import numpy as np
import sarwatch.services.drift  # what `sarwatch drift` has imported when it opens the forcing
from sarwatch.drift.leeway import resolve_object
from sarwatch.drift.seeding import Scenario, seed_scenarios
out = {}
if args["preload"]:
    import xarray, dask.array  # noqa: F401
t0 = np.datetime64("2026-11-20T04:00:00", "s")
kw = dict(t_first=t0, t_last=t0 + np.timedelta64(args["hours"], "h"), lon=12.5, lat=33.2,
          margin_deg=float(np.clip(3.0 * args["hours"] * 3600.0 / 111_000.0, 2.0, 20.0)))
t = clock()
from sarwatch.adapters.forcing import open_vector_field
wind = open_vector_field([args["winds"]], "wind", **kw)
current = open_vector_field([args["currents"]], "current", **kw)
out["forcing_preloaded" if args["preload"] else "forcing"] = since(t)
out["forcing_shapes"] = [list(wind.u.shape), list(current.u.shape)]
heavy = ("cfgrib", "eccodes", "dask", "dask.array", "scipy.ndimage", "scipy.sparse", "cf_units")
out["imported_by_the_open"] = [m for m in heavy if m in sys.modules]
if not args["preload"]:
    n = args["particles"]
    cases = {
        "seeding": [Scenario(1.0, "point", 12.5, 33.2, resolve_object("LIFE-RAFT-NB-2"),
                             radius_m=500.0)],
        "seeding_mixture": [Scenario(1.0, "point", 12.5, 33.2,
                                     resolve_object("migrant-rubber-boat"), radius_m=500.0)],
        "seeding_cone": [Scenario(1.0, "cone", 12.0, 33.0, resolve_object("LIFE-RAFT-NB-2"),
                                  radius_m=100.0, lon2=12.6, lat2=33.4, radius2_m=3000.0,
                                  t_s=0.0, t2_s=7200.0)],
    }
    for name, scenarios in cases.items():
        t = clock()
        state = seed_scenarios(scenarios, n, np.random.default_rng(1))
        out[name] = since(t)
        out[name]["lon_sum"] = float(state.lon.sum())
        out[name]["dwl_slope_sum"] = float(state.dwl_slope.sum())
        del state
print(json.dumps(out))
"""


def _child(src: str, args: dict[str, Any]) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": src}
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(args)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"the measuring process failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["load_avg"] = os.getloadavg()[0]
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", default="e2b3eaa", help="git ref to compare with")
    ap.add_argument("--particles", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3, help="turns per version")
    ap.add_argument("--quick", action="store_true", help="100,000 particles, one turn")
    ap.add_argument("--out", default=str(HERE / "results" / "drift_setup.json"))
    args = ap.parse_args()
    n, repeats = (100_000, 1) if args.quick else (args.particles, args.repeats)
    phases = ("forcing", "forcing_preloaded", "seeding", "seeding_mixture", "seeding_cone")
    with tempfile.TemporaryDirectory(prefix="sarwatch-bench-setup-") as d:
        tmp = Path(d)
        srcs = {
            "baseline": str(export_src(args.baseline, tmp / "baseline")),
            "this": str(ROOT / "src"),
        }
        cur, wind = write_forcing(tmp)
        common = {"winds": str(wind), "currents": str(cur), "hours": 48, "particles": n}
        runs: dict[str, dict[str, list[dict[str, float]]]] = {
            v: {p: [] for p in phases} for v in srcs
        }
        checks: dict[str, Any] = {}
        for v in srcs:  # warm the files' page cache and the .pyc files (not measured)
            _child(srcs[v], {**common, "particles": 1000, "preload": False})
        for r in range(repeats):
            for v in list(srcs) if r % 2 == 0 else list(srcs)[::-1]:
                for preload in (False, True):
                    res = _child(srcs[v], {**common, "preload": preload})
                    for p in phases:
                        if p in res:
                            runs[v][p].append({**res[p], "load_avg": res["load_avg"]})
                    if not preload:
                        checks[v] = {p: res[p] for p in phases[2:]} | {
                            "forcing_shapes": res["forcing_shapes"],
                            "imported_by_the_open": res["imported_by_the_open"],
                        }
                print(
                    f"  {v:8s} "
                    + ", ".join(f"{p} {runs[v][p][-1]['cpu_s']:.3f} s CPU" for p in phases)
                    + f", load {res['load_avg']:.1f}",
                    flush=True,
                )

    def summary(pick: Any) -> dict[str, dict[str, dict[str, float]]]:
        return {
            v: {p: {k: pick([x[k] for x in runs[v][p]]) for k in ("cpu_s", "wall_s")}
                for p in phases}
            for v in runs
        }  # fmt: skip

    median, best = summary(statistics.median), summary(min)
    ratio = {p: best["baseline"][p]["cpu_s"] / best["this"][p]["cpu_s"] for p in phases}
    same = (
        all(
            checks["baseline"][p][k] == checks["this"][p][k]
            for p in phases[2:]
            for k in ("lon_sum", "dwl_slope_sum")
        )
        and checks["baseline"]["forcing_shapes"] == checks["this"]["forcing_shapes"]
    )
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "baseline_ref": args.baseline,
        "this_commit": subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip(),
        "particles": n, "repeats": repeats,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "load_avg_at_end": os.getloadavg(),
        "best": best,
        "median": median,
        "ratio_cpu_baseline_to_this": ratio,
        "same_particles_and_fields": same,
        "imported_by_the_open": {v: checks[v]["imported_by_the_open"] for v in srcs},
        "all": runs,
    }  # fmt: skip
    print(
        f"{n:,} particles, {repeats} fresh process(es) per version; load "
        f"{os.getloadavg()[0]:.1f}. CPU seconds, best of the turns (median in brackets)"
    )
    for p in phases:
        b, t = best["baseline"][p], best["this"][p]
        mb, mt = median["baseline"][p], median["this"][p]
        print(
            f"  {p:18s} {args.baseline} {b['cpu_s']:.3f} s ({mb['cpu_s']:.3f})  this "
            f"{t['cpu_s']:.3f} s ({mt['cpu_s']:.3f})  ratio {ratio[p]:.2f}x"
        )
    print(f"  same particles and forcing shapes as {args.baseline}: {same}")
    for v in srcs:
        print(f"  {v}: modules the forcing open imported: {checks[v]['imported_by_the_open']}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
