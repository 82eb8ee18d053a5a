"""Sea-router benchmark: cold build, cached load, warm 5-port query latency.

Run ``python benchmarks/bench_routing.py`` (default: 300 random origins) or with
``--full`` (3000 origins, and the coastline extraction measured cold too). Prints the
figures and writes them to ``benchmarks/results/routing.json``.

* cold build: a fresh process with an empty cache directory (the clipped coastline
  copied in, unless ``--full``) and an empty numba cache: graph construction, kernel
  compilation and writing the cache, up to the first answer.
* cached load: a fresh process with both caches warm, from interpreter start to the
  first answer (import, graph load, first route).
* warm query: ``routes_from`` one random sea origin in the Central Mediterranean to its
  5 nearest ports (great-circle), as the assessment service calls it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "routing.json"

# Ports that are places of safety or candidates, (lon, lat) as published in the NGA
# World Port Index (Pub 150); many fall on land pixels or inside harbours.
PORTS = {
    "Lampedusa": (12.601, 35.494),
    "Linosa": (12.863, 35.855),
    "Pantelleria": (11.942, 36.838),
    "Pozzallo": (14.85, 36.7167),
    "Augusta": (15.2333, 37.2167),
    "Siracusa": (15.2833, 37.05),
    "Catania": (15.1, 37.5),
    "Porto Empedocle": (13.528, 37.278),
    "Licata": (13.936, 37.092),
    "Trapani": (12.506, 38.012),
    "Palermo": (13.38, 38.119),
    "Messina": (15.5667, 38.2),
    "Reggio Calabria": (15.65, 38.129),
    "Crotone": (17.136, 39.078),
    "Taranto": (17.2, 40.4667),
    "Cagliari": (9.102, 39.19),
    "Valletta": (14.5167, 35.9),
    "Marsaxlokk": (14.55, 35.8167),
    "Kalamata": (22.1167, 37.0167),
    "Pylos": (21.6667, 36.9),
    "Heraklion": (25.15, 35.35),
}

_FIRST_ANSWER = """
import time
t0 = time.perf_counter()
from sarwatch.geo.routing import sea_router
r = sea_router()
route = r.route((12.5, 33.2), (14.5167, 35.9))
t1 = time.perf_counter()
assert route is not None
print(t1 - t0)
"""


def _run_fresh(env_extra: dict[str, str]) -> tuple[float, float]:
    """(wall seconds of the whole process, seconds from import to first answer)."""
    env = dict(os.environ, **env_extra)
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _FIRST_ANSWER], env=env, capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - t0
    return wall, float(out.stdout.strip().splitlines()[-1])


def _cold_build(full: bool) -> dict[str, float]:
    from sarwatch.geo.coast import default_cache_dir

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        cache.mkdir()
        if not full:
            for f in default_cache_dir().glob("land_*.wkb"):
                shutil.copy(f, cache / f.name)
        env = {"SARWATCH_CACHE_DIR": str(cache), "NUMBA_CACHE_DIR": str(Path(tmp) / "numba")}
        wall, first = _run_fresh(env)
        size = sum(f.stat().st_size for f in cache.glob("seagraph_*.npz"))
        wall_warm, first_warm = _run_fresh(env)
    return {
        "cold_process_s": wall,
        "cold_first_answer_s": first,
        "graph_cache_bytes": float(size),
        "cached_process_s": wall_warm,
        "cached_first_answer_s": first_warm,
    }


def _warm_queries(n_origins: int, seed: int) -> dict[str, float]:
    from sarwatch.geo.coast import land_mask
    from sarwatch.geo.routing import sea_router

    router = sea_router()
    mask = land_mask()
    rng = np.random.default_rng(seed)
    lon = rng.uniform(10.0, 19.0, 4 * n_origins)
    lat = rng.uniform(32.0, 38.5, 4 * n_origins)
    sea = ~mask.contains(lon, lat)
    origins = np.column_stack([lon[sea], lat[sea]])[:n_origins]
    ports = np.array(list(PORTS.values()))
    lat0 = np.radians(origins[:, 1:2])
    d2 = ((ports[None, :, 0] - origins[:, 0:1]) * np.cos(lat0)) ** 2 + (
        ports[None, :, 1] - origins[:, 1:2]
    ) ** 2
    nearest = np.argsort(d2, axis=1)[:, :5]
    # A warm service has seen its ports: the router caches each one's snap and sight lines.
    router.routes_from((12.5, 33.2), [tuple(p) for p in ports])
    for o, near in zip(origins[:20], nearest[:20], strict=True):  # warm-up
        router.routes_from((float(o[0]), float(o[1])), [tuple(p) for p in ports[near]])
    times = np.empty(len(origins))
    found = 0
    for i, (o, near) in enumerate(zip(origins, nearest, strict=True)):
        dests = [(float(p[0]), float(p[1])) for p in ports[near]]
        t0 = time.perf_counter()
        routes = router.routes_from((float(o[0]), float(o[1])), dests)
        times[i] = time.perf_counter() - t0
        found += sum(r is not None for r in routes)
    ms = times * 1e3
    # A hard case: 5 ports 500-750 nm away in all directions (the search covers most of the graph).
    far = [PORTS[name] for name in ("Heraklion", "Taranto", "Kalamata", "Cagliari", "Crotone")]
    far_ms = []
    for _ in range(10):
        t0 = time.perf_counter()
        router.routes_from((12.0, 33.5), far)
        far_ms.append((time.perf_counter() - t0) * 1e3)
    return {
        "far_5_port_query_median_ms": float(np.median(far_ms)),
        "n_origins": float(len(origins)),
        "routes_found_share": found / (5 * len(origins)),
        "p50_ms": float(np.percentile(ms, 50)),
        "p90_ms": float(np.percentile(ms, 90)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms.max()),
        "mean_ms": float(ms.mean()),
        "graph_vertices": float(router.graph.n_vertices),
        "graph_edges": float(router.graph.n_edges),
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Run the benchmark, print the figures and write ``benchmarks/results/routing.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="3000 origins, cold coastline too")
    parser.add_argument("--origins", type=int, default=None, help="number of random origins")
    parser.add_argument("--seed", type=int, default=20261123)
    args = parser.parse_args(argv)
    n = args.origins or (3000 if args.full else 300)
    result: dict[str, object] = {
        "benchmark": "sea routing",
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_1min_at_start": os.getloadavg()[0],
        },
        "python": platform.python_version(),
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cold_includes_coastline_extraction": bool(args.full),
        "build": _cold_build(args.full),
        "warm_5_port_query": _warm_queries(n, args.seed),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
