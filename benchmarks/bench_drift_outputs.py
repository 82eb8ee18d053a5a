"""Writing a drift run's outputs (``drift.nc``, ``drift.geojson``, ``drift.png``): this tree
against a git ref, side by side.

Run from the repository root::

    .venv/bin/python benchmarks/bench_drift_outputs.py                     # 1 M particles
    .venv/bin/python benchmarks/bench_drift_outputs.py --particles 100000 --repeats 2
    .venv/bin/python benchmarks/bench_drift_outputs.py --result run.pkl    # reuse a run

One run of the benchmark case of ``bench_drift.py`` (LIFE-RAFT-NB-2, 48 h, 15-minute
steps, the synthetic CMEMS/ERA5-like forcing, seed 1) is made once with this tree and
pickled; then :func:`sarwatch.adapters.exports.drift.write_outputs` writes its files in
fresh processes, taking turns between the ref's ``src`` (``git archive``) and this tree's,
so that each pays the imports the files need that ``sarwatch drift`` has not made by then
(matplotlib, h5py...). Each process first imports what the command has imported when it
writes its outputs (xarray and netCDF4 for the forcing, the drift service), then times
``write_outputs`` alone: wall time and the process's CPU time (all its threads).

Each tree writes the tracks in the layout its ``predict_drift`` keeps them: the ref's
(``--ref-layout``, by default ``columns``: C-ordered ``(n_tracks, n_times)`` arrays, as
before 2026-12-07) or this tree's (time-major rows, the result holding their transposed
views). The copies ``predict_drift``'s ``on_output`` makes at every output time into
those arrays (``n_tracks`` of each of lon, lat, status, 49 times) are timed too, in this
process, both layouts taking turns, and added to ``write_outputs``' CPU time: the cost of
the kept tracks, from the run to the file.

The machine is shared: compare CPU seconds and the ratio, and read the load average
printed next to every figure. Figures go to ``benchmarks/results/drift_outputs.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BASELINE = "e2b3eaa"

_MAKE_RUN = """
import pickle, sys
from datetime import UTC, datetime
from pathlib import Path
from sarwatch.services.drift import DriftRequest, predict_drift
cur, wind, n, out = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
req = DriftRequest(
    lat=33.2, lon=12.5, time=datetime(2026, 11, 20, 4, tzinfo=UTC),
    object_class="LIFE-RAFT-NB-2", hours=48, particles=n, dt_min=15,
    currents=(cur,), winds=(wind,), seed=1,
)
with out.open("wb") as f:
    pickle.dump(predict_drift(req, png=False), f, protocol=5)
"""

_WRITE = """
import json, pickle, sys, time
from pathlib import Path
import netCDF4, shapely, xarray  # the forcing reader's, imported by `sarwatch drift`
import sarwatch.services.drift
with open(sys.argv[1], "rb") as f:
    result = pickle.load(f)
import dataclasses
import numpy as np
tracks = ("track_lon", "track_lat", "track_status")
if sys.argv[3] == "columns":  # C-ordered (n_tracks, n_times), as predict_drift kept them
    result = dataclasses.replace(
        result, **{k: np.ascontiguousarray(getattr(result, k)) for k in tracks})
else:  # time-major rows, their transposed views in the result
    result = dataclasses.replace(
        result, **{k: np.ascontiguousarray(getattr(result, k).T).T for k in tracks})
from sarwatch.adapters.exports.drift import write_outputs
out = Path(sys.argv[2])
c0, t0 = time.process_time(), time.perf_counter()
files = write_outputs(result, out, png=True)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"wall_s": wall, "cpu_s": cpu,
                  "bytes": {p.name: p.stat().st_size for p in files.values()}}))
"""


def _python(code: str, args: list[str], src: str) -> str:
    env = {**os.environ, "PYTHONPATH": src}
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"PYTHONPATH={src}: failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def _time_track_copies(n: int, n_tracks: int, n_out: int, repeats: int) -> dict[str, float]:
    """CPU seconds (best of ``repeats``) of ``on_output``'s copies of the kept tracks over a
    run, ``{"columns": s, "rows": s}``: ``n_out + 1`` output times, each copying the first
    ``n_tracks`` of ``n`` particles' lon, lat (float64 to float32) and status (int8) into
    C-ordered ``(n_tracks, n_out + 1)`` arrays column by column (``columns``) or into
    time-major ``(n_out + 1, n_tracks)`` arrays row by row (``rows``). The two take turns.
    As in a run, the arrays are fresh (their pages first touched by the copies) and the
    caches are flushed between output times (untimed: the kernel's steps stream ~100 MB of
    particle state between two outputs)."""
    import time

    import numpy as np

    rng = np.random.default_rng(1)
    lon, lat = 12.5 + rng.random(n), 33.2 + rng.random(n)
    status = rng.integers(0, 3, n).astype(np.int8)
    flush = np.zeros(8 << 20)  # 64 MiB
    best = {"columns": float("inf"), "rows": float("inf")}
    for r in range(repeats):
        for layout in list(best) if r % 2 == 0 else list(best)[::-1]:
            shape = (n_tracks, n_out + 1) if layout == "columns" else (n_out + 1, n_tracks)
            spent = 0.0
            c0 = time.process_time()
            t_lon, t_lat = np.empty(shape, np.float32), np.empty(shape, np.float32)
            t_status = np.empty(shape, np.int8)
            spent += time.process_time() - c0
            for k in range(n_out + 1):
                flush += 1.0
                c0 = time.process_time()
                if layout == "columns":
                    t_lon[:, k] = lon[:n_tracks]
                    t_lat[:, k] = lat[:n_tracks]
                    t_status[:, k] = status[:n_tracks]
                else:
                    t_lon[k] = lon[:n_tracks]
                    t_lat[k] = lat[:n_tracks]
                    t_status[k] = status[:n_tracks]
                spent += time.process_time() - c0
            best[layout] = min(best[layout], spent)
    return best


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--particles", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3, help="fresh processes per tree")
    ap.add_argument("--ref", default=BASELINE, help="git ref to compare with")
    ap.add_argument(
        "--ref-layout",
        choices=["columns", "rows"],
        default="columns",
        help="how the ref's predict_drift keeps the tracks (columns: before 2026-12-07)",
    )
    ap.add_argument("--result", type=Path, help="a pickled DriftResult to reuse (or to make)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "drift_outputs.json")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from benchmarks._drift_forcing import write_forcing
    from benchmarks._git_src import export_src

    with tempfile.TemporaryDirectory(prefix="sarwatch-bench-outputs-") as d:
        tmp = Path(d)
        srcs = {"baseline": str(export_src(args.ref, tmp / "baseline")), "this": str(ROOT / "src")}
        pkl = args.result or tmp / "run.pkl"
        if not pkl.exists():
            cur, wind = write_forcing(tmp / "forcing")
            print(f"making a {args.particles}-particle run (not timed) ...", flush=True)
            _python(_MAKE_RUN, [str(cur), str(wind), str(args.particles), str(pkl)], srcs["this"])
        layout = {"baseline": args.ref_layout, "this": "rows"}
        runs: dict[str, list[dict[str, Any]]] = {v: [] for v in srcs}
        for v in srcs:  # warm the disk cache and the coastline cache (not measured)
            _python(_WRITE, [str(pkl), str(tmp / f"warm_{v}"), layout[v]], srcs[v])
        for r in range(args.repeats):
            for v in list(srcs) if r % 2 == 0 else list(srcs)[::-1]:
                argv_w = [str(pkl), str(tmp / f"{v}_{r}"), layout[v]]
                x = json.loads(_python(_WRITE, argv_w, srcs[v]))
                x["load_avg"] = os.getloadavg()[0]
                runs[v].append(x)
                print(
                    f"  {v:8s} write_outputs wall {x['wall_s']:.3f} s, CPU {x['cpu_s']:.3f} s, "
                    f"load {x['load_avg']:.1f}",
                    flush=True,
                )
    n_tracks = min(100_000, args.particles)  # DriftRequest's max_tracks
    copies = _time_track_copies(args.particles, n_tracks, 48, max(3, args.repeats))
    print(
        f"  on_output's track copies ({n_tracks} tracks x 49): columns "
        f"{copies['columns']:.3f} s CPU, rows {copies['rows']:.3f} s CPU, "
        f"load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    best = {v: min(rs, key=lambda x: x["cpu_s"]) for v, rs in runs.items()}
    best_wall = {v: min(x["wall_s"] for x in rs) for v, rs in runs.items()}
    tracks_plus_write = {v: copies[layout[v]] + best[v]["cpu_s"] for v in runs}
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "baseline_ref": args.ref,
        "this_commit": subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip(),
        "particles": args.particles,
        "repeats": args.repeats,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "load_avg_at_end": os.getloadavg(),
        "best_by_cpu": best,
        "best_wall_s": best_wall,
        "ratio_cpu_baseline_to_this": best["baseline"]["cpu_s"] / best["this"]["cpu_s"],
        "ratio_wall_baseline_to_this": best_wall["baseline"] / best_wall["this"],
        "layout": layout,
        "track_copies_cpu_s": copies,
        "track_copies_plus_write_cpu_s": tracks_plus_write,
        "all": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    for v, x in best.items():
        print(
            f"{v:8s}: CPU {x['cpu_s']:.3f} s (best), wall {best_wall[v]:.3f} s (best), "
            f"files {x['bytes']}"
        )
    print(
        "on_output's track copies + write_outputs, CPU: "
        + ", ".join(f"{v} ({layout[v]}) {x:.3f} s" for v, x in tracks_plus_write.items())
    )
    print(
        f"baseline/this: CPU x{result['ratio_cpu_baseline_to_this']:.2f}, "
        f"wall x{result['ratio_wall_baseline_to_this']:.2f}; "
        f"load average {' '.join(f'{a:.2f}' for a in os.getloadavg())}"
    )
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
