"""Benchmark of position assessment; figures to ``benchmarks/results/assess.json``.

Measures, side by side in one run:

- ``batch_no_routing``: zone, SAR regions and distance to coast for ``--n-batch``
  random positions in the region (default 100,000), vectorised (target: < 10 s on 2 cores);
- ``single_warm_with_routing``: ``assess_position`` for ``--n-single`` random sea
  positions, routing to the 5 nearest eligible ports, after warm-up calls from six
  positions across the region (target: < 50 ms per position);
- ``cold_first_call``: wall time of a fresh ``python`` process that imports sarwatch
  and answers one assessment with routing, with the caches already built (target:
  < 2 s) and, with ``--cold``, with an empty cache directory (target: < 30 s).

Run: ``python -m benchmarks --only assess [--cold] [--n-single 200]``.
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
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "assess.json"

_FIRST_CALL = (
    "import time; t=time.perf_counter(); "
    "from sarwatch.settings import load_settings; "
    "from sarwatch.services.assess import assess_position; "
    "a=assess_position(12.5, 33.2, settings=load_settings()); "
    "print(len(a.places_of_safety), round(time.perf_counter()-t, 3))"
)


def _sea_positions(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    from sarwatch.geo.coast import land_mask

    mask = land_mask()
    lon_out: list[float] = []
    lat_out: list[float] = []
    while len(lon_out) < n:
        lon = rng.uniform(10.5, 20.0, 4 * n)
        lat = rng.uniform(31.5, 37.5, 4 * n)
        sea = ~mask.contains(lon, lat)
        lon_out.extend(lon[sea].tolist())
        lat_out.extend(lat[sea].tolist())
    return np.array(lon_out[:n]), np.array(lat_out[:n])


def _batch(n: int, rng: np.random.Generator) -> dict[str, object]:
    from sarwatch.geo.coast import REGION
    from sarwatch.services.assess import assess_positions

    assess_positions([12.5], [33.2])  # build the coast index outside the timing
    lon = rng.uniform(REGION.lon_min, REGION.lon_max, n)
    lat = rng.uniform(REGION.lat_min, REGION.lat_max, n)
    start = time.perf_counter()
    result = assess_positions(lon, lat)
    seconds = time.perf_counter() - start
    return {
        "positions": n,
        "seconds": round(seconds, 3),
        "positions_per_s": round(n / seconds),
        "on_land_share": round(float(result.on_land.mean()), 3),
        "target_s": 10.0,
    }


def _single(n: int, rng: np.random.Generator) -> dict[str, object]:
    from sarwatch.services.assess import assess_position

    start = time.perf_counter()
    assess_position(12.5, 33.2)
    warm_up = time.perf_counter() - start
    # A warm service has seen the ports before (the router caches each port's snap to
    # navigable water): warm up from a few positions across the region.
    for x, y in ((9.0, 38.5), (11.5, 36.0), (15.0, 34.0), (19.5, 35.5), (24.0, 34.5)):
        assess_position(x, y)
    lon, lat = _sea_positions(n, rng)
    times = []
    n_places = []
    for x, y in zip(lon, lat, strict=True):
        t0 = time.perf_counter()
        a = assess_position(float(x), float(y))
        times.append(time.perf_counter() - t0)
        n_places.append(len(a.places_of_safety))
    ms = np.array(times) * 1000.0
    return {
        "positions": n,
        "first_call_in_process_s": round(warm_up, 3),
        "median_ms": round(float(np.median(ms)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "max_ms": round(float(ms.max()), 2),
        "mean_places_listed": round(statistics.fmean(n_places), 2),
        "target_ms": 50.0,
    }


def _fresh_process(cache_dir: str | None) -> dict[str, object]:
    env = dict(os.environ)
    if cache_dir is not None:
        env["SARWATCH_CACHE_DIR"] = cache_dir
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _FIRST_CALL], env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    places, inside = proc.stdout.split()
    return {
        "wall_s": round(wall, 2),
        "in_process_s": float(inside),
        "places_listed": int(places),
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(prog="bench_assess")
    parser.add_argument("--n-batch", type=int, default=100_000)
    parser.add_argument("--n-single", type=int, default=50)
    parser.add_argument(
        "--cold", action="store_true", help="also time a first call with an empty cache (~1.5 GB)"
    )
    parser.add_argument("--full", action="store_true", help="--cold and --n-single 200")
    args, _ = parser.parse_known_args(argv)
    if args.full:
        args.cold = True
        args.n_single = max(args.n_single, 200)
    rng = np.random.default_rng(20261123)
    results: dict[str, object] = {
        "benchmark": "assess",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "batch_no_routing": _batch(args.n_batch, rng),
    }
    try:
        results["single_warm_with_routing"] = _single(args.n_single, rng)
    except ImportError as exc:
        results["single_warm_with_routing"] = {"error": f"router not available: {exc}"}
    cold: dict[str, object] = {"with_cache": _fresh_process(None), "target_with_cache_s": 2.0}
    if args.cold:
        with tempfile.TemporaryDirectory(prefix="sarwatch-cold-") as tmp:
            cold["without_cache"] = _fresh_process(tmp)
        cold["target_without_cache_s"] = 30.0
    results["cold_first_call"] = cold
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
