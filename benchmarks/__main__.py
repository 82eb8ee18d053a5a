"""Run every ``benchmarks/bench_*.py``: ``python -m benchmarks [--full] [--only NAME]``.

Each module's ``main(argv)`` writes its figures to ``benchmarks/results/<name>.json``
and prints them. Arguments other than ``--only`` are passed to every benchmark that
runs (``--full`` is understood by all). A failing benchmark is reported and the
others still run.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m benchmarks", add_help=True)
    parser.add_argument("--only", help="run only bench_<ONLY>.py")
    known, rest = parser.parse_known_args(args)
    here = Path(__file__).resolve().parent
    names = sorted(p.stem for p in here.glob("bench_*.py"))
    if known.only:
        names = [n for n in names if n == f"bench_{known.only}"]
    failed = []
    for name in names:
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            module.main(rest)
        except (Exception, SystemExit):
            traceback.print_exc()
            failed.append(name)
        print(f"== {name} done in {time.perf_counter() - start:.1f} s", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
