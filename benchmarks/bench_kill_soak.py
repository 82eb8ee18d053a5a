"""Kill soak: SIGKILL a writing station 100+ times; count acknowledged writes lost.

Run ``python benchmarks/bench_kill_soak.py`` (100 kills on SQLite with the station's
default settings, ``synchronous=FULL``; and as many on PostgreSQL when
``SARWATCH_TEST_POSTGRES_URL`` is set). ``--kills N`` changes the count, ``--sqlite-normal``
adds a run with the ``synchronous=NORMAL`` opt-in. Prints the figures and writes
``benchmarks/results/kill_soak.json`` and ``kill_soak.md``.

Each kill is one cycle on one store that lives through all of them:

1. this process opens a new case (signed, in the station register);
2. a writer process starts (as the web service's writer pool does: the case service
   in threads, here 4), each thread logging contacts on the case and printing a line
   for every write the service *acknowledged* (returned from its commit);
3. after a random number of acknowledged writes (1–80), with the other threads'
   writes in flight, or in one cycle in five at a random moment 0–2 s after the
   process started (on a loaded machine that is during its start-up, before the first
   write), the writer is killed with SIGKILL;
4. the case is read back: every acknowledged write must be there (**lost**), the
   case's chain (hashes, links, signatures, head) must verify, and its event count
   must be the opening plus the contacts stored. Writes committed but killed before
   they were acknowledged are counted too (they may or may not be there).

Every 10 cycles, and at the end, the whole ledger (every case and the station
register) is verified. A SIGKILL tests process death: with ``synchronous=NORMAL`` as
with FULL an acknowledged commit survives it; what FULL adds (surviving a power cut)
needs a power cut and cannot be shown by killing a process. The web path (HTTP 201
only after the commit) is tested by ``tests/test_api_cases_crash.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
T0 = datetime(2018, 3, 15, 4, 10, tzinfo=UTC)
_READY = "ready"


# -- the writer process -------------------------------------------------------------
def _service(url: str, home: Path) -> Any:
    from sarwatch.adapters.store import open_store
    from sarwatch.ledger import load_or_create_signer
    from sarwatch.services.cases import CaseService

    return CaseService(
        store=open_store(url),
        signer=load_or_create_signer(home),
        land_check=lambda lon, lat: False,
        region_of=lambda lon, lat: "LY",
    )


def _writer(
    url: str, home: Path, case_id: str, cycle: int, n_threads: int, ack_first: bool = False
) -> None:
    """Log contacts on ``case_id`` from ``n_threads`` threads until killed; print each
    acknowledged write's summary on its own line, flushed, after the service returned.

    ``ack_first`` makes a dishonest writer that acknowledges 50 ms *before* it writes:
    the soak must then find lost writes (the self-test of ``tests/test_kill_soak.py``).
    """
    from sarwatch.domain import Contact

    service = _service(url, home)
    lock = threading.Lock()
    print(_READY, flush=True)

    def run(k: int) -> None:
        i = 0
        while True:
            summary = f"c{cycle} w{k} #{i}"
            contact = Contact(T0 + timedelta(seconds=i), "phone", "MRCC Rome", summary)
            if not ack_first:
                service.log_contact(case_id, contact, actor="soak")
            with lock:
                sys.stdout.write(summary + "\n")
                sys.stdout.flush()
            if ack_first:
                time.sleep(0.05)
                service.log_contact(case_id, contact, actor="soak")
            i += 1

    threads = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# -- the soak --------------------------------------------------------------------------
def _reset_postgres(url: str) -> None:
    """Empty the benchmark's PostgreSQL database (only one named for tests or a soak)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database or ""
    if "test" not in name and "soak" not in name:
        raise SystemExit(
            f"refusing to empty PostgreSQL database {name!r}: give one whose name holds "
            "'test' or 'soak' (the soak drops every table in it)"
        )
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _cycle(
    service: Any,
    url: str,
    home: Path,
    cycle: int,
    rng: np.random.Generator,
    n_threads: int,
    ack_first: bool = False,
) -> dict[str, Any]:
    case_id = service.open_case(
        title=f"soak {cycle}", alert_time=T0, actor="soak", region="LY"
    ).case_id
    timed = rng.random() < 0.2
    kill_after_s = float(rng.uniform(0.0, 2.0)) if timed else None
    kill_after_acks = None if timed else int(rng.integers(1, 81))
    cmd = [sys.executable, __file__, "--child", url, str(home), case_id, str(cycle)]
    cmd += [str(n_threads), *(["--ack-first"] if ack_first else [])]
    start = time.perf_counter()
    child = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    acked: list[str] = []
    ready_s = None
    killer = None
    if kill_after_s is not None:
        killer = threading.Timer(kill_after_s, child.send_signal, args=(signal.SIGKILL,))
        killer.start()
    for line in child.stdout:
        if not line.endswith("\n"):
            break  # cut by the kill: never acknowledged
        text = line.rstrip("\n")
        if text == _READY:
            ready_s = time.perf_counter() - start
            continue
        acked.append(text)
        if kill_after_acks is not None and len(acked) >= kill_after_acks:
            child.send_signal(signal.SIGKILL)
            for rest in child.stdout:  # lines already written before the kill
                if rest.endswith("\n") and rest.strip() != _READY:
                    acked.append(rest.rstrip("\n"))
            break
    child.wait(timeout=60)
    if killer is not None:
        killer.cancel()
    lifetime_s = time.perf_counter() - start
    if child.returncode != -signal.SIGKILL:
        err = child.stderr.read() if child.stderr else ""
        raise RuntimeError(f"writer ended with {child.returncode}, not SIGKILL:\n{err[-2000:]}")
    stored = [e.payload["summary"] for e in service.events(case_id) if e.kind == "contact_logged"]
    report = service.verify(case_id)
    lost = sorted(set(acked) - set(stored))
    return {
        "cycle": cycle,
        "case_id": case_id,
        "kill": "timed" if timed else "after_acks",
        "kill_after_s": kill_after_s,
        "kill_after_acks": kill_after_acks,
        "ready_s": ready_s,
        "lifetime_s": lifetime_s,
        "acknowledged": len(acked),
        "stored": len(stored),
        "lost": len(lost),
        "lost_examples": lost[:5],
        "committed_not_acknowledged": len(set(stored) - set(acked)),
        "duplicates": len(stored) - len(set(stored)),
        "chain_ok": report.ok and report.n_events == 1 + len(stored),
    }


def _soak(
    label: str,
    url: str,
    home: Path,
    kills: int,
    n_threads: int,
    seed: int,
    *,
    ack_first: bool = False,
) -> dict[str, Any]:
    from sarwatch.services.users import add_user

    rng = np.random.default_rng(seed)
    service = _service(url, home)
    add_user(service.store, "soak", "coordinator")
    cycles, full_checks = [], []
    start = time.perf_counter()
    for cycle in range(1, kills + 1):
        result = _cycle(service, url, home, cycle, rng, n_threads, ack_first)
        cycles.append(result)
        if result["lost"] or not result["chain_ok"]:
            print(f"  {label} cycle {cycle}: {result}", flush=True)
        if cycle % 10 == 0 or cycle == kills:
            reports = service.verify_all()
            register = service.verify_register()
            full_checks.append(
                {
                    "after_cycle": cycle,
                    "cases": len(reports),
                    "cases_ok": sum(r.ok for r in reports),
                    "events": sum(r.n_events for r in reports),
                    "register_ok": register.ok,
                }
            )
            acked = sum(c["acknowledged"] for c in cycles)
            lost = sum(c["lost"] for c in cycles)
            print(
                f"  {label}: {cycle} kills, {acked} acknowledged writes, {lost} lost, "
                f"{full_checks[-1]['cases_ok']}/{len(reports)} chains verified, register "
                f"{'OK' if register.ok else 'FAILED'}",
                flush=True,
            )
    service.store.close()
    lifetimes = [c["lifetime_s"] for c in cycles]
    last = full_checks[-1]
    return {
        "store": label,
        "kills": kills,
        "writer_threads": n_threads,
        "kills_timed": sum(c["kill"] == "timed" for c in cycles),
        "kills_before_first_ack": sum(c["acknowledged"] == 0 for c in cycles),
        "acknowledged_writes": sum(c["acknowledged"] for c in cycles),
        "acknowledged_writes_lost": sum(c["lost"] for c in cycles),
        "committed_not_acknowledged": sum(c["committed_not_acknowledged"] for c in cycles),
        "duplicates": sum(c["duplicates"] for c in cycles),
        "cycle_chains_verified": sum(c["chain_ok"] for c in cycles),
        "final_cases_verified": f"{last['cases_ok']}/{last['cases']}",
        "final_events": last["events"],
        "final_register_ok": last["register_ok"],
        "full_checks": full_checks,
        "median_writer_lifetime_s": statistics.median(lifetimes),
        "wall_s": time.perf_counter() - start,
        "cycles": cycles,
    }


def _markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Kill soak: acknowledged writes after SIGKILL",
        "",
        f"`{result.get('command', 'python benchmarks/bench_kill_soak.py')}` on "
        f"{result['machine']}, {result['date']}, while other work shared the machine.",
        "Each kill: a writer process (the case service, "
        f"{result['runs'][0]['writer_threads'] if result['runs'] else 4} threads) logs "
        "contacts on a new case and is SIGKILLed after a random number of acknowledged "
        "writes (1–80), the other threads' writes in flight, or, one cycle in five, at a "
        'random moment 0–2 s after its start ("timed"); the case is then read back and '
        "verified. The same store lives through every kill. *Lost*: acknowledged writes "
        "missing after the kill (must be 0). *Committed, not acknowledged*: writes found "
        "in the store whose acknowledgement the kill cut off (allowed: the writer died "
        "between its commit and its reply).",
        "",
        "| store | kills | acknowledged writes | lost | committed, not acknowledged "
        "| chains verified after each kill | whole ledger at the end |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in result["runs"]:
        lines.append(
            f"| {run['store']} | {run['kills']} ({run['kills_timed']} timed, "
            f"{run['kills_before_first_ack']} before the first ack) "
            f"| {run['acknowledged_writes']:,} | **{run['acknowledged_writes_lost']}** "
            f"| {run['committed_not_acknowledged']} "
            f"| {run['cycle_chains_verified']}/{run['kills']} "
            f"| {run['final_cases_verified']} cases, {run['final_events']:,} events, register "
            f"{'OK' if run['final_register_ok'] else 'FAILED'} |"
        )
    if "wall_s" in (result["runs"] or [{}])[0]:
        walls = ", ".join(f"{r['store']} {r['wall_s'] / 60:.0f} min" for r in result["runs"])
        lines += ["", f"Wall time: {walls}."]
    for note in result.get("notes", []):
        lines += ["", note]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--child"]:
        _writer(args[1], Path(args[2]), args[3], int(args[4]), int(args[5]), "--ack-first" in args)
        return {}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100, help="kills per store (100)")
    parser.add_argument("--writers", type=int, default=4, help="writer threads (4)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sqlite-normal", action="store_true", help="also synchronous=NORMAL")
    parser.add_argument("--full", action="store_true", help="(accepted; same as the default)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("SARWATCH_TEST_POSTGRES_URL"),
        help="PostgreSQL to soak (default SARWATCH_TEST_POSTGRES_URL; emptied first)",
    )
    parser.add_argument(
        "--markdown-only", action="store_true", help="rewrite kill_soak.md from kill_soak.json"
    )
    known = parser.parse_args(args)
    if known.markdown_only:
        result = json.loads((RESULTS / "kill_soak.json").read_text())
        (RESULTS / "kill_soak.md").write_text(_markdown(result))
        return result
    runs, notes = [], []
    with tempfile.TemporaryDirectory(prefix="sarwatch-kill-soak-") as tmp:
        stores = [("SQLite (default: synchronous=FULL, WAL)", "sqlite", "")]
        if known.sqlite_normal:
            stores.append(("SQLite (opt-in: synchronous=NORMAL, WAL)", "sqlite", "normal"))
        if known.postgres_url:
            stores.append(("PostgreSQL", "postgresql", ""))
        else:
            notes.append("PostgreSQL was not soaked: SARWATCH_TEST_POSTGRES_URL was not set.")
        for i, (label, kind, mode) in enumerate(stores):
            home = Path(tmp) / f"home{i}"
            home.mkdir()
            if kind == "sqlite":
                url = f"sqlite:///{home / 'soak.db'}" + (f"?synchronous={mode}" if mode else "")
            else:
                url = known.postgres_url
                _reset_postgres(url)
            print(f"{label}: {known.kills} kills", flush=True)
            runs.append(_soak(label, url, home, known.kills, known.writers, known.seed + i))
    result = {
        "benchmark": "kill_soak",
        "command": "python benchmarks/bench_kill_soak.py "
        + " ".join(a if "://" not in a else "URL" for a in args),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}",
        "runs": runs,
        "notes": notes,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "kill_soak.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / "kill_soak.md").write_text(_markdown(result))
    print(_markdown(result))
    lost = sum(r["acknowledged_writes_lost"] for r in runs)
    bad = sum(r["kills"] - r["cycle_chains_verified"] for r in runs)
    if lost or bad or not all(r["final_register_ok"] for r in runs):
        raise SystemExit(f"kill soak FAILED: {lost} acknowledged writes lost, {bad} bad chains")
    return result


if __name__ == "__main__":
    main()
