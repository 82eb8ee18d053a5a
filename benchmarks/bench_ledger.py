"""Ledger benchmark: how long a whole-station verification takes as the record grows.

Run ``python benchmarks/bench_ledger.py`` (default: 200 cases of 20 events) or with
``--full`` (2,000 cases of 20 events, then 20 cases of 2,000 events). Cases are
written through the ordinary service into a SQLite store, signed with a fresh key.
Prints the figures and writes them to ``benchmarks/results/ledger.json``.

* open: opening a case (two events, one station-register entry), per case.
* append: one event appended to a case, per event.
* verify cases: every case's chain (hashes, links, signatures, signed head), as
  ``sarwatch ledger verify`` does, per event and in all.
* verify register: the station register against the store, per case and in all.
* The opening with and without the register is compared side by side in one
  process (the register's cost on the write path), as a ratio.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "ledger.json"
T0 = datetime(2018, 3, 15, 4, 10, tzinfo=UTC)


def _service(path: Path):  # type: ignore[no-untyped-def]
    from sarwatch.adapters.store import SqlStore
    from sarwatch.ledger import Signer
    from sarwatch.services.cases import CaseService

    return CaseService(
        store=SqlStore(f"sqlite:///{path}"),
        signer=Signer.generate(),
        land_check=lambda lon, lat: False,
        region_of=lambda lon, lat: "LY",
    )


def _fill(service, n_cases: int, n_events: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from sarwatch.domain import Contact, PositionReport, Source

    open_s, append_s = [], []
    for c in range(n_cases):
        position = PositionReport(T0, 12.5 + c * 1e-4, 33.2, "gps", Source("bench", 3))
        t = time.perf_counter()
        case_id = service.open_case(
            title=f"bench {c}", alert_time=T0, actor="bench", position=position
        ).case_id
        open_s.append(time.perf_counter() - t)
        for i in range(n_events - 2):
            contact = Contact(T0 + timedelta(seconds=i), "phone", "MRCC Rome", f"call {i}")
            t = time.perf_counter()
            service.log_contact(case_id, contact, actor="bench")
            append_s.append(time.perf_counter() - t)
    return {
        "open_median_ms": round(statistics.median(open_s) * 1e3, 3),
        "append_median_ms": round(statistics.median(append_s) * 1e3, 3) if append_s else 0.0,
    }


def _verify(service, n_cases: int, n_events: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    reports = service.verify_all()
    cases_s = time.perf_counter() - t
    t = time.perf_counter()
    register = service.verify_register()
    register_s = time.perf_counter() - t
    assert all(r.ok for r in reports) and register.ok and len(reports) == n_cases
    total = n_cases * n_events
    return {
        "verify_cases_s": round(cases_s, 3),
        "verify_cases_us_per_event": round(cases_s / total * 1e6, 1),
        "verify_register_s": round(register_s, 4),
        "verify_register_us_per_case": round(register_s / n_cases * 1e6, 1),
    }


def _one(n_cases: int, n_events: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        service = _service(Path(tmp) / "ledger.db")
        figures = {"cases": n_cases, "events_per_case": n_events}
        figures |= _fill(service, n_cases, n_events)
        figures |= _verify(service, n_cases, n_events)
        service.store.close()
    print(json.dumps(figures), flush=True)
    return figures


def _register_cost(n: int) -> dict[str, float]:
    """Opening with the register against opening without it, interleaved (ratio)."""
    from sarwatch.services.cases import CaseService

    with tempfile.TemporaryDirectory() as tmp:
        service = _service(Path(tmp) / "ratio.db")
        with_register, without = [], []
        original = CaseService._register
        for c in range(n):
            for timings, skip in ((with_register, False), (without, True)):
                if skip:
                    CaseService._register = lambda self, uow, head, first: head  # type: ignore[method-assign,assignment,return-value]
                t = time.perf_counter()
                service.open_case(title=f"r {c} {skip}", alert_time=T0, actor="bench")
                timings.append(time.perf_counter() - t)
                CaseService._register = original  # type: ignore[method-assign]
        service.store.close()
    w, wo = statistics.median(with_register), statistics.median(without)
    out = {
        "open_with_register_ms": round(w * 1e3, 3),
        "open_without_register_ms": round(wo * 1e3, 3),
        "ratio": round(w / wo, 3),
    }
    print(json.dumps(out), flush=True)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="2,000 cases; then long cases")
    args = parser.parse_args(argv)
    sizes = [(2000, 20), (20, 2000)] if args.full else [(200, 20)]
    results = {
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        "command": "python benchmarks/bench_ledger.py" + (" --full" if args.full else ""),
        "store": "SQLite (WAL, synchronous=NORMAL), in process",
        "runs": [_one(n, k) for n, k in sizes],
        "register_cost": _register_cost(200 if args.full else 60),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main(sys.argv[1:])
