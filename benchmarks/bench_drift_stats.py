"""The hourly statistics of a drift run: 49 snapshots of 1 M particles, old and new side by side.

``sarwatch drift`` calls ``services.drift_stats.snapshot`` at the start and after every output
hour (49 calls for 48 h). This benchmark times those 49 calls on a realistic cloud of
``--particles`` particles (default 1,000,000): a 2-D Gaussian cloud around 12.5E 33.5N that
drifts north-east and grows from 2 to ~21 km (RMS), with a stranded share growing to 2 % and
1 % out of the forcing domain. Side by side, snapshot by snapshot in one process:

* **old**: the code of commit ``--old`` (default ``e2b3eaa``): its ``drift_stats.py``,
  ``analysis.py`` and ``_cloud.py`` read with ``git show`` and loaded as private modules
  (``lon[located]`` copies, two numba passes for the statistics, two for the density grid,
  two for the SAR cells);
* **new**: this checkout's ``snapshot`` (three fused passes over the whole state).

Both are warmed up first (numba compiled or loaded from its cache), then called alternately
on the same states; CPU (``time.process_time``, all threads) and wall seconds are summed per
path. The first call of the new path in a fresh process (numba cache loads included) is
timed in a subprocess. The results are compared: status counts and SAR shares must be
equal, centroid and spread within 1e-9 relative, containment areas within 1e-6 relative
(the cell size is now rounded to 8 significant digits, so the polygons may differ from the
old ones where an extreme particle sat on a cell edge).

Run ``python benchmarks/bench_drift_stats.py [--particles N] [--hours H]``; writes
``benchmarks/results/drift_stats.json``. On a shared machine compare the CPU times and the
ratio, printed with the load average.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "drift_stats.json"
T0 = np.datetime64("2024-01-10T00:00")


def _load_old(commit: str, tmp: Path) -> ModuleType:
    """``services.drift_stats`` of ``commit`` with its own ``analysis`` and ``_cloud``."""
    names = {
        "_old_cloud": "src/sarwatch/drift/_cloud.py",
        "_old_analysis": "src/sarwatch/drift/analysis.py",
        "_old_drift_stats": "src/sarwatch/services/drift_stats.py",
    }
    for mod, path in names.items():
        git = ["git", "show", f"{commit}:{path}"]
        src = subprocess.run(git, cwd=ROOT, check=True, capture_output=True, text=True).stdout
        src = src.replace("from sarwatch.drift import _cloud", "import _old_cloud as _cloud")
        src = src.replace("from sarwatch.drift._cloud import", "from _old_cloud import")
        src = src.replace("from sarwatch.drift.analysis import", "from _old_analysis import")
        file = tmp / f"{mod}.py"
        if not file.exists() or file.read_text() != src:  # unchanged: numba's cache holds
            file.write_text(src)
    sys.path.insert(0, str(tmp))
    for mod in names:
        spec = importlib.util.spec_from_file_location(mod, tmp / f"{mod}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod] = module
        spec.loader.exec_module(module)
    return sys.modules["_old_drift_stats"]


def _old_dir(commit: str) -> Path:
    """Where the old modules are written (kept between runs, with their numba cache)."""
    path = Path(tempfile.gettempdir()) / f"sarwatch_bench_drift_stats_{commit}"
    path.mkdir(exist_ok=True)
    return path


class Cloud:
    """A drifting, growing Gaussian cloud of ``n`` particles (one state, moved in place)."""

    def __init__(self, n: int, seed: int = 16) -> None:
        from sarwatch.drift.state import ParticleState

        rng = np.random.default_rng(seed)
        self.e = rng.standard_normal(n)
        self.nn = rng.standard_normal(n)
        self.u = rng.random(n)
        self.state = ParticleState.passive(np.zeros(n), np.zeros(n))

    def at(self, hours: float) -> Any:
        """The state ``hours`` after the start."""
        from sarwatch.drift.state import ACTIVE, OUT_OF_DOMAIN, STRANDED

        km_per_deg_lat = 110.9
        km_per_deg_lon = 111.3 * np.cos(np.radians(33.5))
        sigma_km = 2.0 + 0.4 * hours
        lon_c = 12.5 + 0.4 * hours / km_per_deg_lon
        lat_c = 33.5 + 0.25 * hours / km_per_deg_lat
        st = self.state
        np.multiply(self.e, sigma_km / km_per_deg_lon, out=st.lon)
        st.lon += lon_c
        np.multiply(self.nn, 0.8 * sigma_km / km_per_deg_lat, out=st.lat)
        st.lat += lat_c
        st.status[:] = ACTIVE
        st.status[self.u < 0.02 * hours / 48.0] = STRANDED
        st.status[self.u > 0.99] = OUT_OF_DOMAIN
        return st


def _first_call(which: str, commit: str) -> None:
    """In a fresh process: import, then time the first and second ``snapshot`` (prints JSON).

    What a drift run has loaded before its first snapshot is loaded first, untimed: numba
    with its threads started (the kernel's parallel loops), shapely, pyproj, scipy and
    contourpy; the first call then times the snapshot's own cache loads and lazy set-up.
    """
    import contourpy
    import numba
    import pyproj
    import scipy.ndimage
    import shapely

    @numba.njit(parallel=True)
    def _start_threads(a):  # type: ignore[no-untyped-def]
        return a.sum()

    _start_threads(np.ones(1000))
    del contourpy, pyproj, scipy, shapely
    w = time.perf_counter()
    if which == "old":
        fn = _load_old(commit, _old_dir(commit)).snapshot
    else:
        from sarwatch.services.drift_stats import snapshot as fn
    from sarwatch.drift.state import ParticleState

    imported = time.perf_counter() - w
    rng = np.random.default_rng(1)
    st = ParticleState.passive(
        12.5 + 0.1 * rng.standard_normal(200_000), 33.5 + 0.1 * rng.standard_normal(200_000)
    )
    times = []
    for _ in range(2):
        t = time.perf_counter()
        fn(T0, 0.0, st)
        times.append(time.perf_counter() - t)
    print(json.dumps({"import_s": imported, "first_call_s": times[0], "second_call_s": times[1]}))


def _first_calls(commit: str, threads: int) -> dict[str, dict[str, float]]:
    """:func:`_first_call` of both paths, each in a fresh process (after one to fill caches)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + str(ROOT))
    if threads:
        env["NUMBA_NUM_THREADS"] = str(threads)
    out = {}
    for which in ("old", "new"):
        cmd = [sys.executable, __file__, "--first-call", which, "--old", commit]
        subprocess.run(cmd, env=env, check=True, capture_output=True)  # numba's cache filled
        got = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
        out[which] = {k: round(v, 4) for k, v in json.loads(got.splitlines()[-1]).items()}
    return out


def _compare(old: Any, new: Any) -> dict[str, Any]:
    """How far the new snapshot is from the old one."""
    area_rel = [
        abs(a.area_km2 - b.area_km2) / max(b.area_km2, 1e-300)
        for a, b in zip(new.containment, old.containment, strict=True)
    ]
    return {
        "status_equal": new.status == old.status,
        "shares_equal": new.srr_share == old.srr_share,
        "centroid_rel": max(
            abs(new.centroid_lon - old.centroid_lon) / abs(old.centroid_lon),
            abs(new.centroid_lat - old.centroid_lat) / abs(old.centroid_lat),
        ),
        "std_rel": abs(new.std_km - old.std_km) / old.std_km,
        "polygons_equal": sum(
            a.geometry.equals_exact(b.geometry, 0.0)
            for a, b in zip(new.containment, old.containment, strict=True)
        ),
        "polygons": len(old.containment),
        "area_rel": max(area_rel) if area_rel else 0.0,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--particles", type=int, default=1_000_000)
    ap.add_argument("--hours", type=int, default=48, help="output hours (snapshots: hours + 1)")
    ap.add_argument("--old", default="e2b3eaa", help="commit of the old code path")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument(
        "--threads", type=int, default=0, help="numba threads (default numba's: all cores)"
    )
    ap.add_argument("--first-call", choices=["old", "new"], help=argparse.SUPPRESS)
    args, _ = ap.parse_known_args(argv)
    if args.first_call:
        _first_call(args.first_call, args.old)
        return

    import numba

    if args.threads:
        numba.set_num_threads(args.threads)

    from sarwatch.services.drift_stats import snapshot

    old_mod = _load_old(args.old, _old_dir(args.old))
    cloud = Cloud(args.particles)
    st = cloud.at(args.hours / 2)
    old_mod.snapshot(T0, 0.0, st)  # warm-up: compile or load numba's cache
    snapshot(T0, 0.0, st)
    cpu = {"old": 0.0, "new": 0.0}
    wall = {"old": 0.0, "new": 0.0}
    worst: dict[str, Any] = {}
    for k in range(args.hours + 1):
        st = cloud.at(float(k))
        t = T0 + np.timedelta64(k, "h")
        out = {}
        for name, fn in (("old", old_mod.snapshot), ("new", snapshot)):
            c, w = time.process_time(), time.perf_counter()
            out[name] = fn(t, float(k), st)
            cpu[name] += time.process_time() - c
            wall[name] += time.perf_counter() - w
        cmp = _compare(out["old"], out["new"])
        for key, v in cmp.items():
            if key in ("status_equal", "shares_equal"):
                worst[key] = worst.get(key, True) and v
            elif key in ("polygons_equal", "polygons"):
                worst[key] = worst.get(key, 0) + v
            else:
                worst[key] = max(worst.get(key, 0.0), v)
    first = _first_calls(args.old, args.threads)
    ok = (
        worst["status_equal"]
        and worst["shares_equal"]
        and worst["centroid_rel"] <= 1e-9
        and worst["std_rel"] <= 1e-9
        and worst["area_rel"] <= 1e-6
    )
    result = {
        "benchmark": "drift_stats",
        "particles": args.particles,
        "snapshots": args.hours + 1,
        "old_commit": args.old,
        "old": {"cpu_s": round(cpu["old"], 4), "wall_s": round(wall["old"], 4)},
        "new": {"cpu_s": round(cpu["new"], 4), "wall_s": round(wall["new"], 4)},
        "cpu_ratio_old_over_new": round(cpu["old"] / cpu["new"], 2),
        "wall_ratio_old_over_new": round(wall["old"] / wall["new"], 2),
        "first_call_fresh_process_200k": first,
        "agreement": {k: (round(v, 17) if isinstance(v, float) else v) for k, v in worst.items()},
        "agree": bool(ok),
        "numba_threads": numba.get_num_threads(),
        "load_avg": os.getloadavg(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    n = args.hours + 1
    print(
        f"{n} snapshots of {args.particles:,} particles: "
        f"old {cpu['old']:.3f} s CPU / {wall['old']:.3f} s wall, "
        f"new {cpu['new']:.3f} s CPU / {wall['new']:.3f} s wall; "
        f"old/new CPU x{result['cpu_ratio_old_over_new']}, "
        f"wall x{result['wall_ratio_old_over_new']}"
    )
    print(f"first calls in a fresh process (200,000 particles; numba cache loads): {first}")
    print(f"agreement: {result['agreement']} -> {'OK' if ok else 'DIFFERENT'}")
    print(f"load average {os.getloadavg()}; written {args.out}")
    if not ok:
        raise SystemExit("the new snapshots differ from the old ones")


if __name__ == "__main__":
    main()
