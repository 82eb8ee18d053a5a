"""Incident register benchmark: importing 100,000 incidents, and statistics over them.

Run ``python benchmarks/bench_incidents.py`` (100,000 incidents; ``--n`` to change).
A synthetic IOM Missing Migrants Project CSV (current column names, 2014–2025,
Central Mediterranean positions, 5 % of incidents split into two or three parts, a
few malformed rows) is written to a temporary directory and imported with
``sarwatch.services.incident_files.import_file`` into a fresh SQLite store: reading
and checking every row, numbering, matching reports of the same event, sealing the
signed events and committing one transaction, as ``sarwatch incidents import`` does.
The target is 10 s. Then the aggregates a statistics page asks for, each timed
(best of 3): totals by year, by month, by month and type, by year in a bounding box,
and a count of a period; the target is 1 s for them together. Prints the figures and
writes ``benchmarks/results/incidents.json`` and ``incidents.md``.

The machine is shared (2 cores for 8 processes in this project's test machine): the
load average is recorded with the figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sarwatch.adapters.incidents.mmp import COLUMNS  # the IOM export's columns, in order

RESULTS = Path(__file__).resolve().parent / "results"


def write_csv(path: Path, n: int, seed: int = 1) -> dict[str, int]:
    """A synthetic IOM export of ``n`` incidents; returns what it holds."""
    rng = random.Random(seed)
    start = date(2014, 1, 1).toordinal()
    span = date(2025, 12, 31).toordinal() - start
    rows = parts = bad = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for i in range(n):
            day = date.fromordinal(start + rng.randrange(span))
            main = f"{day.year}.MMP{i:06d}"
            n_parts = rng.choice((2, 3)) if rng.random() < 0.05 else 1
            lat, lon = rng.uniform(31.5, 37.5), rng.uniform(10.0, 20.0)
            for p in range(n_parts):
                dead, missing = rng.randint(0, 12), rng.randint(0, 60)
                row = {
                    "Main ID": main,
                    "Incident ID": main if p == 0 else f"{main}-{p}",
                    "Incident Type": "Split Incident" if n_parts > 1 else "Incident",
                    "Region of Incident": "Mediterranean",
                    "Incident Date": day.isoformat(),
                    "Incident Year": day.year,
                    "Month": day.strftime("%B"),
                    "Number of Dead": dead,
                    "Minimum Estimated Number of Missing": missing,
                    "Total Number of Dead and Missing": dead + missing,
                    "Number of Survivors": rng.randint(0, 80),
                    "Cause of Death": "Drowning",
                    "Country of Incident": "Libya",
                    "Migration Route": "Central Mediterranean",
                    "Location of Incident": "off the Libyan coast",
                    "Coordinates": f"{lat:.5f}, {lon:.5f}",
                    "Information Source": "synthetic",
                    "Source Quality": rng.randint(1, 5),
                }
                if n_parts == 1 and rng.random() < 0.001:  # a malformed row now and then
                    row["Coordinates"] = "unknown"
                    bad += 1
                writer.writerow([row.get(c, "") for c in COLUMNS])
                rows += 1
                parts += p > 0
    return {"rows": rows, "split_parts": parts, "malformed": bad}


def _best(fn, repeat: int = 3) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run(n: int, *, verify: bool = False) -> dict[str, object]:
    from sarwatch.adapters.store import SqlStore
    from sarwatch.incidents import IncidentQuery
    from sarwatch.ledger import Signer
    from sarwatch.services.incident_files import import_file
    from sarwatch.services.incidents import IncidentService

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mmp.csv"
        made = write_csv(path, n)
        store = SqlStore(f"sqlite:///{Path(tmp) / 'bench.db'}")
        svc = IncidentService(store=store, signer=Signer.generate())
        load_before = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        report = import_file(svc, path, actor="bench")
        import_s, import_cpu_s = time.perf_counter() - t0, time.process_time() - c0
        assert report.recorded == n - made["malformed"], report.summary()
        assert report.parts_joined == made["split_parts"], report.summary()
        queries = {
            "totals by year": lambda: svc.totals(by="year"),
            "totals by month": lambda: svc.totals(by="month"),
            "totals by month and type": lambda: svc.totals(by="month_kind"),
            "totals by year in a box (12-15E, 32-35N)": lambda: svc.totals(
                IncidentQuery(bbox=(12.0, 32.0, 15.0, 35.0)), by="year"
            ),
            "count of 2018": lambda: svc.count(
                IncidentQuery(
                    start=datetime(2018, 1, 1, tzinfo=UTC), end=datetime(2019, 1, 1, tzinfo=UTC)
                )
            ),
        }
        timed = {name: _best(fn)[0] for name, fn in queries.items()}
        c0 = time.process_time()
        for fn in queries.values():
            fn()
        queries_cpu_s = time.process_time() - c0
        by_year = svc.totals(by="year")
        verify_s, verify_cpu_s, verified = (None, None, None)
        if verify:
            t0, c0 = time.perf_counter(), time.process_time()
            verified = svc.verify().ok
            verify_s = round(time.perf_counter() - t0, 2)
            verify_cpu_s = round(time.process_time() - c0, 2)
        store.close()
    return {
        "incidents": n,
        "csv": made,
        "import_s": round(import_s, 3),
        "import_cpu_s": round(import_cpu_s, 3),
        "import_per_incident_us": round(import_s / n * 1e6, 1),
        "import_target_s": 10.0,
        "recorded": report.recorded,
        "refused": len(report.refused),
        "queries_s": {k: round(v, 4) for k, v in timed.items()},
        "queries_total_s": round(sum(timed.values()), 4),
        "queries_total_cpu_s": round(queries_cpu_s, 4),
        "queries_target_s": 1.0,
        "events_per_year_2018": next((t.incidents for t in by_year if t.period == "2018"), None),
        "verify_s": verify_s,
        "verify_cpu_s": verify_cpu_s,
        "verify_ok": verified,
        "load_average_1min_before": round(load_before, 2),
        "load_average_1min_after": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="incidents to import")
    parser.add_argument("--verify", action="store_true", help="also time verifying the register")
    args = parser.parse_args(argv)
    figures = run(args.n, verify=args.verify)
    results = {
        "benchmark": "incidents",
        "when": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "python": sys.version.split()[0],
        "machine": f"{platform.machine()} {os.cpu_count()} cpu",
        **figures,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "incidents.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Incident register benchmark",
        "",
        f"{results['when']}, Python {results['python']}, {results['machine']}, load average "
        f"{figures['load_average_1min_before']} before / "
        f"{figures['load_average_1min_after']} after (shared machine).",
        "",
        f"- Import of {figures['incidents']:,} IOM incidents ({figures['csv']['rows']:,} CSV rows, "
        f"{figures['csv']['split_parts']:,} split parts, {figures['csv']['malformed']} malformed) "
        f"into SQLite, one transaction: **{figures['import_s']} s** wall, "
        f"{figures['import_cpu_s']} s CPU of this process "
        f"({figures['import_per_incident_us']} µs per incident; target 10 s).",
        "- Statistics over them (best of 3 each):",
        *(f"  - {k}: {v * 1000:.1f} ms" for k, v in figures["queries_s"].items()),  # type: ignore[union-attr]
        f"  - together: **{figures['queries_total_s'] * 1000:.0f} ms** wall, "  # type: ignore[operator]
        f"{figures['queries_total_cpu_s'] * 1000:.0f} ms CPU (target 1 s).",  # type: ignore[operator]
        f"- Verifying the register (chain, signatures, every projection): {figures['verify_s']} s "
        f"wall, {figures['verify_cpu_s']} s CPU, ok: {figures['verify_ok']} (with --verify).",
        "",
    ]
    (RESULTS / "incidents.md").write_text("\n".join(lines), encoding="utf-8")
    print(json.dumps(results, indent=2), flush=True)


if __name__ == "__main__":
    main()
