"""Statistics and reconstruction benchmark (issue 15: statistics over 100,000 incidents ≤ 1 s).

Run ``python -m benchmarks --only stats`` (20,000 incidents) or with ``--full``
(100,000). Incidents are recorded through the ordinary register service into a SQLite
store (not timed here: the import benchmark is the register's); then, side by side in
one process, each the median of three:

* statistics of the packaged series alone, 2014–2025 by year;
* statistics with the register as a second source, by year and by month (five monthly
  totals queries over every incident), wall and CPU time;
* the chart of that table (SVG, matplotlib);
* the demo case's reconstruction (ledger → timeline) and its HTML + PDF.

Prints the figures and writes them to ``benchmarks/results/stats.json``. Wall times on a
shared machine follow its load; the CPU times are the figures to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics as stats_lib
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "stats.json"
T0 = datetime(2014, 1, 1, tzinfo=UTC)


def _timed(fn: Callable[[], Any], repeat: int = 3) -> dict[str, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return {"wall_s": round(stats_lib.median(walls), 4), "cpu_s": round(stats_lib.median(cpus), 4)}


def _register(path: Path, n: int):  # type: ignore[no-untyped-def]
    from sarwatch.adapters.store import SqlStore
    from sarwatch.incidents import DRAFT_ID, Incident, IncidentSource, People
    from sarwatch.ledger import Signer
    from sarwatch.services.cases import CaseService
    from sarwatch.services.incidents import IncidentService

    cases = CaseService(
        store=SqlStore(f"sqlite:///{path}"), signer=Signer.generate(), land_check=lambda a, b: False
    )
    incidents = IncidentService.for_cases(cases)
    rng = random.Random(15)
    kinds = ["shipwreck", "arrival", "interception_return", "sighting"]
    places = ["off Zuwara, Libya", "Lampedusa, Italy", "Valletta, Malta", "off Sfax, Tunisia"]
    minutes = 12 * 365 * 1440
    for start in range(0, n, 10_000):
        batch = [
            Incident(
                incident_id=DRAFT_ID,
                kind=rng.choice(kinds),  # type: ignore[arg-type]
                time=T0 + timedelta(minutes=rng.randrange(minutes)),
                sources=(IncidentSource("bench", 4),),
                place=rng.choice(places),
                people=People(
                    survivors=rng.randrange(200), dead=rng.randrange(5), missing=rng.randrange(10)
                ),
            )
            for _ in range(min(10_000, n - start))
        ]
        incidents.record(batch, actor="bench", merge=False)
    return cases, incidents


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="bench_stats")
    parser.add_argument("--full", action="store_true", help="100,000 incidents (default 20,000)")
    args, _ = parser.parse_known_args(argv)
    n = 100_000 if args.full else 20_000

    from sarwatch.services.demo import load_demo
    from sarwatch.services.reconstruction import reconstruct, write_reconstruction
    from sarwatch.services.statistics import PackagedSeries, chart, statistics
    from sarwatch.services.statistics_register import RegisterSeries

    out: dict[str, Any] = {
        "date": datetime.now(UTC).date().isoformat(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "incidents": n,
    }
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        cases, incidents = _register(Path(tmp) / "bench.db", n)
        out["fill_s_not_the_benchmark"] = round(time.perf_counter() - t, 2)
        both = [PackagedSeries(), RegisterSeries(incidents)]
        statistics(2014, 2025, sources=both)  # warm: imports, packaged files
        out["packaged_only_by_year"] = _timed(lambda: statistics(2014, 2025))
        out["with_register_by_year"] = _timed(lambda: statistics(2014, 2025, sources=both))
        out["with_register_by_month"] = _timed(
            lambda: statistics(2014, 2025, by="month", sources=both)
        )
        table = statistics(2014, 2025, sources=both)
        out["chart_svg"] = _timed(lambda: chart(table, fmt="svg"))
        demo = load_demo(cases, only_if_empty=False)
        assert demo is not None
        out["reconstruct_demo"] = _timed(lambda: reconstruct(cases, demo.case_id))
        rec = reconstruct(cases, demo.case_id)
        out["reconstruction_html_pdf"] = _timed(
            lambda: write_reconstruction(rec, Path(tmp) / "rec"), repeat=2
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
