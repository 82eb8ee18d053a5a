"""The first drift of a new install, with and without ``sarwatch compile`` at set-up.

Run ``python benchmarks/bench_compile.py``. numba keeps compiled kernels in its cache;
an empty ``NUMBA_CACHE_DIR`` stands for a new install (or an upgrade, which changes the
sources). In fresh processes, each with its own empty cache directory:

- ``first_drift_cold_s``: a small drift (6 h, 1,000 particles, on-scene wind) with an
  empty cache, so numba compiles what it calls;
- ``compile_cold_s``: ``sarwatch compile`` with an empty cache (what ``make run`` and
  ``make test`` run at set-up);
- ``compile_warm_s``: ``sarwatch compile`` again (the cache holds everything);
- ``first_drift_after_compile_s``: the same small drift after it.

Wall seconds of each whole command (interpreter start to exit) and the children's CPU
seconds. Writes ``benchmarks/results/compile.json``. The station home and the coastline
cache are the user's (the coastline is extracted once per machine, outside this figure).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

_DRIFT = [
    "drift", "--lat", "33.2", "--lon", "12.5", "--time", "2026-11-20T04:10Z", "--hours", "6",
    "--particles", "1000", "--wind-kn", "15", "--wind-from", "330", "--seed", "1", "--quiet",
]  # fmt: skip


def _timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of ``sarwatch ARGS`` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    tic = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sarwatch", *args], env=env, check=True, stdout=subprocess.DEVNULL
    )
    wall = time.perf_counter() - tic
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="(no larger size; accepted)")
    parser.parse_args(argv)
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="sarwatch-bench-compile-") as tmp:
        work = Path(tmp)
        for name, steps in (
            ("first_drift_cold", [("first_drift_cold", _DRIFT)]),
            ("compile", [("compile_cold", ["compile"]), ("compile_warm", ["compile"]),
                         ("first_drift_after_compile", _DRIFT)]),
        ):  # fmt: skip
            env = dict(
                os.environ,
                NUMBA_CACHE_DIR=str(work / f"numba-{name}"),
                SARWATCH_HOME_DIR=str(work / "home"),
            )
            for k, (label, args) in enumerate(steps):
                extra = ["--out", str(work / f"{label}-{k}")] if args is _DRIFT else []
                wall, cpu = _timed(args + extra, env)
                figures[f"{label}_s"] = round(wall, 2)
                figures[f"{label}_cpu_s"] = round(cpu, 2)
                print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    result = {
        "benchmark": "compile",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **figures,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "compile.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
