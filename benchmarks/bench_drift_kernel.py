"""Where the drift kernel's time goes: a profile by ablation, and the memory-bandwidth bound.

Run from the repository root::

    .venv/bin/python benchmarks/bench_drift_kernel.py                 # 200k particles
    .venv/bin/python benchmarks/bench_drift_kernel.py --particles 1000000 --threads 2

The default scheme (midpoint) runs the benchmark case of ``bench_drift.py`` (LIFE-RAFT-NB-2,
48 h, 15-minute steps, GSHHG stranding, the synthetic CMEMS/ERA5-like forcing) in one
process, once per variant, each variant removing one piece of work: the land test, the
jibing draws, the bilinear sampling (uniform fields instead of gridded ones), the
predictor reuse (``rk2``: two velocity evaluations) or the midpoint (``euler``). The
difference of CPU seconds per particle-step against the full run is what that piece
costs. Time inside the numba kernel and in the engine around it (time interpolation
of the forcing slices and their cells' coefficients, the crops; the kernel returns the
next crop's bounding box) are timed apart.

The bandwidth bound: the bytes of particle state the kernel reads and writes per
particle-step (from the arrays' dtypes and the number of steps a kernel call does
while a block of particles stays in cache) times the measured rate, against a
STREAM-like copy bandwidth measured with numpy in the same run.

Figures go to ``benchmarks/results/drift_kernel_profile.json`` and are printed, with
the load average (the machine is shared: CPU seconds, not wall time).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent

try:  # as ``python -m benchmarks`` (package) or as a script
    from benchmarks._drift_forcing import START, write_forcing
except ImportError:
    sys.path.insert(0, str(HERE))
    from _drift_forcing import START, write_forcing  # type: ignore[no-redef]

HOURS, DT_MIN, RADIUS_M = 48, 15, 1000.0


def copy_bandwidth_gb_s(mb: int = 256, repeats: int = 5) -> float:
    """STREAM-like copy bandwidth (GB/s, read + write counted) with numpy, best of ``repeats``."""
    a = np.ones(mb * 1024 * 1024 // 8)
    b = np.empty_like(a)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t0)
    return 2 * a.nbytes / best / 1e9


def _setup(cur: Path, wind: Path, n: int) -> dict[str, Any]:
    from sarwatch.adapters.forcing import open_vector_field
    from sarwatch.drift.forcing import Forcing, VectorField
    from sarwatch.drift.leeway import resolve_object
    from sarwatch.drift.seeding import Scenario, seed_scenarios
    from sarwatch.geo.coast import land_mask

    start = np.datetime64(START.to_datetime64(), "s")
    end = start + np.timedelta64(HOURS, "h")
    kw = {"t_first": start, "t_last": end, "lon": 12.5, "lat": 33.2, "margin_deg": 5.0}
    forcing = Forcing(
        current=open_vector_field([cur], "current", **kw),
        wind=open_vector_field([wind], "wind", **kw),
    )
    uniform = Forcing(
        current=VectorField.constant(0.2, 0.05, name="current"),
        wind=VectorField.constant(-6.0, -6.0, name="wind"),
    )
    obj = resolve_object("LIFE-RAFT-NB-2")
    state = seed_scenarios(
        [Scenario(1.0, "point", 12.5, 33.2, obj, radius_m=RADIUS_M)], n, np.random.default_rng(1)
    )
    return {"start": start, "forcing": forcing, "uniform": uniform, "state": state,
            "land": land_mask()}  # fmt: skip


def _copy_state(state: Any) -> Any:
    return replace(state, **{k: v.copy() for k, v in vars(state).items()})


def _run(ctx: dict[str, Any], variant: str) -> dict[str, Any]:
    from sarwatch.drift import _kernel, engine
    from sarwatch.drift.engine import DriftParams, simulate

    scheme = {"euler": "euler", "rk2": "rk2"}.get(variant, "midpoint")
    params = DriftParams(
        dt_s=DT_MIN * 60.0, output_every_s=3600.0, duration_s=HOURS * 3600.0,
        scheme=scheme, jibe_per_h=0.0 if variant == "no_jibe" else 0.04,
    )  # type: ignore[arg-type]  # fmt: skip
    forcing = ctx["uniform"] if variant == "uniform_forcing" else ctx["forcing"]
    land = None if variant in ("no_land", "uniform_forcing") else ctx["land"]
    state = _copy_state(ctx["state"])
    kernel_cpu = [0.0]
    kernel_wall = [0.0]
    advance = _kernel.advance

    def timed(*a: Any) -> Any:
        c0, w0 = time.process_time(), time.perf_counter()
        out = advance(*a)
        kernel_cpu[0] += time.process_time() - c0
        kernel_wall[0] += time.perf_counter() - w0
        return out

    engine._kernel.advance = timed  # type: ignore[attr-defined]
    try:
        c0 = time.process_time()
        info = simulate(state, forcing, ctx["start"], params, np.random.default_rng(1), land=land)
        cpu = time.process_time() - c0
    finally:
        engine._kernel.advance = advance  # type: ignore[attr-defined]
    ps = state.n * info.steps
    return {
        "variant": variant, "cpu_s": cpu, "kernel_cpu_s": kernel_cpu[0],
        "kernel_wall_s": kernel_wall[0], "compute_wall_s": info.compute_s,
        "ns_per_particle_step_cpu": cpu / ps * 1e9,
        "kernel_ns_per_particle_step_cpu": kernel_cpu[0] / ps * 1e9,
        "particle_steps_per_s_wall": ps / info.compute_s,
        "centroid": [float(state.lon.mean()), float(state.lat.mean())],
    }  # fmt: skip


def state_bytes_per_particle_step(steps_per_call: int) -> dict[str, float]:
    """Bytes of particle state one particle-step moves to and from memory (default scheme).

    Every kernel call streams each particle's state in once and its changed parts out
    once, whatever the number of steps it does (a block of 32 particles stays in L1
    cache over the call's steps), so the traffic per step is the traffic per call over
    the steps per call. Read: index (8), first step (4), pending (4), status, side,
    capsized, predictor flag (4), lon/lat (16), predictor velocity (16), sin/cos of latitude
    (16), downwind slope and offset (16), crosswind slope and offset rows (32: both sides
    share the cache line), forcing errors (16), the midpoint scratch (16, read for
    ownership), the steps to the next jibe (4). Written: lon/lat, velocity, sin/cos,
    scratch (64), pending and flag (5), steps to the next jibe (4). The forcing slices (a
    crop of the cloud's cells) stay in cache and are not counted.
    """
    read = 8 + 4 + 4 + 4 + 16 + 16 + 16 + 16 + 32 + 16 + 16 + 4
    written = 64 + 5 + 4
    return {
        "read_per_call": read,
        "written_per_call": written,
        "per_particle_step": (read + written) / steps_per_call,
    }


def main(argv: list[str] | None = None) -> None:
    """Run the profile (``argv`` as on the command line)."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--particles", type=int, default=200_000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--variants", default="full,no_land,no_jibe,uniform_forcing,rk2,euler")
    ap.add_argument("--out", default=str(HERE / "results" / "drift_kernel_profile.json"))
    args = ap.parse_args(argv)
    import numba

    numba.set_num_threads(args.threads)
    from sarwatch.drift import engine

    variants = args.variants.split(",")
    with tempfile.TemporaryDirectory(prefix="sarwatch-bench-kernel-") as d:
        cur, wind = write_forcing(Path(d))
        ctx = _setup(cur, wind, args.particles)
        small = {**ctx, "state": _copy_state(ctx["state"])}
        for k, v in vars(small["state"]).items():
            setattr(small["state"], k, v[:1000].copy())
        for v in variants:  # compile / load the kernels
            _run(small, v)
        runs: dict[str, list[dict[str, Any]]] = {v: [] for v in variants}
        for r in range(args.repeats):
            for v in variants if r % 2 == 0 else variants[::-1]:
                runs[v].append(_run(ctx, v))
                x = runs[v][-1]
                print(
                    f"  {v:16s} {x['ns_per_particle_step_cpu']:6.2f} ns/particle-step CPU "
                    f"(kernel {x['kernel_ns_per_particle_step_cpu']:6.2f}), "
                    f"{x['particle_steps_per_s_wall'] / 1e6:6.1f} M/s wall",
                    flush=True,
                )
    best = {v: min(rs, key=lambda x: x["cpu_s"]) for v, rs in runs.items()}
    full = best.get("full")
    costs = {}
    if full is not None:
        f_ns = full["ns_per_particle_step_cpu"]
        for v, x in best.items():
            if v != "full":
                costs[v] = round(x["ns_per_particle_step_cpu"] - f_ns, 3)
        costs["engine_outside_kernel"] = round(f_ns - full["kernel_ns_per_particle_step_cpu"], 3)
    bw = copy_bandwidth_gb_s()
    per_out = 4  # 60-minute outputs of 15-minute steps: one kernel call does 4 steps
    traffic = state_bytes_per_particle_step(min(per_out, engine._CHUNK_STEPS))
    rate = 1e9 / full["ns_per_particle_step_cpu"] * args.threads if full else float("nan")
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "load_avg": os.getloadavg()},
        "particles": args.particles, "threads": args.threads, "hours": HOURS, "dt_min": DT_MIN,
        "best": best,
        "cost_ns_per_particle_step_cpu_minus_full": costs,
        "bandwidth": {
            "numpy_copy_gb_s": bw, **traffic,
            "state_traffic_gb_s_at_rate": traffic["per_particle_step"] * rate / 1e9,
            "bound_particle_steps_per_s": bw * 1e9 / traffic["per_particle_step"],
        },
    }  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("cost_ns_per_particle_step_cpu_minus_full",
                                              "bandwidth")}, indent=1))  # fmt: skip
    print(f"load average {os.getloadavg()}; written {out}")


if __name__ == "__main__":
    main()
