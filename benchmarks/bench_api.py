"""Case API load benchmark: requests/s and p99 latency on loopback, SQLite and PostgreSQL.

Run ``python benchmarks/bench_api.py`` (default: 5 s per phase, 16 concurrent
connections) or with ``--full`` (20 s per phase, 64 connections). PostgreSQL is
measured when ``SARWATCH_TEST_POSTGRES_URL`` (or ``--postgres-url``) names a server:
the benchmark creates its own databases there (``<db>_bench_current``, ...) and
leaves the test database alone. Prints the figures and writes them to
``benchmarks/results/api.json``.

The server is ``uvicorn`` (one worker, ``--loop uvloop --http httptools`` when both
are installed) in a subprocess, started as ``sarwatch serve`` would. The load comes
from ``wrk`` (Debian: ``apt-get install wrk``; a C client that costs the server's
CPU little) with ``benchmarks/bench_api.lua``, one thread per wrk process; without
``wrk`` (or with ``--client python``) from a raw keep-alive asyncio client in this
process, which costs about as much CPU per request as the server. The client used
is recorded in the results. Phases, per store:

* **health_probe**: ``GET /api/health`` (no store, no token): what server and client
  can do at all on the machine at that moment;
* **mixed**: readers and writers at the same time on 20 open cases. With wrk, a
  quarter of the connections write (``POST /api/cases/{id}/contacts``: a signed
  ledger event, durable on return) and the rest read (``GET /api/cases/{id}`` and, 1
  in 10, ``GET /api/cases?limit=20``), as two wrk processes so that each has its own
  p99; with the Python client, 20 % of the requests are writes;
* **reads**: reads only;
* **writes**: writes only;
* **paced** (wrk only): readers and writers as in *mixed*, but each wrk process sends
  on a schedule (``benchmarks/bench_api_paced.lua``), so that the load is offered at
  ``--paced READS,WRITES`` per second (default 600,150, below what one worker
  can serve together on the 2-core test machine) instead of as fast as the server
  answers: an operating point of a station, where *mixed* is saturation. The rates
  achieved fall short of the offered ones only when the server cannot keep up.

``--baseline REF`` runs the same phases, interleaved, against a second server
running the code of git revision ``REF`` (``git archive`` of ``src/`` into a
temporary directory, put first on that server's ``PYTHONPATH``), each with its own
database prepared the same way, and records the ratios current / baseline: the
machine is shared, so only figures taken side by side in one run compare.

SQLite runs with the default ``synchronous=NORMAL`` (an acknowledged write survives
any process crash) and, with ``--sqlite-full``, also with ``?synchronous=full`` (an
fsync per commit; it also survives power loss).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent / "tests"  # the live-server harness
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from _live import free_port, uvicorn_command, wait_until_healthy  # noqa: E402

try:  # as ``python -m benchmarks.bench_api`` (package) or as a script
    from benchmarks._git_src import export_src
except ImportError:
    sys.path.insert(0, str(HERE))
    from _git_src import export_src  # type: ignore[no-redef]

RESULTS = HERE / "results" / "api.json"
LUA = HERE / "bench_api.lua"
LUA_PACED = HERE / "bench_api_paced.lua"
N_CASES = 20
PHASES = ("health_probe", "mixed", "reads", "writes")


def _prepare(url: str, home: Path) -> tuple[str, list[str]]:
    """A coordinator token and N_CASES open cases, written directly through the service."""
    from datetime import UTC, datetime, timedelta

    from sarwatch.adapters.store import SqlStore
    from sarwatch.ledger import load_or_create_signer
    from sarwatch.services.cases import CaseService
    from sarwatch.services.users import add_user

    store = SqlStore(url)
    _, token = add_user(store, "bench", "coordinator")
    service = CaseService(
        store,
        load_or_create_signer(home),
        land_check=lambda lon, lat: False,
        region_of=lambda lon, lat: "LY",
    )
    t0 = datetime.now(UTC) - timedelta(hours=1)
    ids = [
        service.open_case(title=f"bench {i}", alert_time=t0, actor="bench").case_id
        for i in range(N_CASES)
    ]
    store.close()
    return token, ids


def _server_options() -> list[str]:
    """uvloop and httptools when installed (uvicorn[standard]), as ``sarwatch serve`` gets."""
    have = {m: importlib.util.find_spec(m) is not None for m in ("uvloop", "httptools")}
    return [
        *(["--loop", "uvloop"] if have["uvloop"] else []),
        *(["--http", "httptools"] if have["httptools"] else []),
    ]


def _start(url: str, home: Path, port: int, src: Path | None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SARWATCH_HOME_DIR": str(home), "SARWATCH_DATABASE_URL": url}
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        )
    options = (*_server_options(), "--log-level", "warning", "--no-access-log")
    proc = subprocess.Popen(uvicorn_command(port, *options), env=env)
    wait_until_healthy(proc, f"http://127.0.0.1:{port}")
    return proc


# --- the wrk client -----------------------------------------------------------------


def _wrk_version(wrk: str) -> str:
    out = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
    first = (out.stdout or out.stderr).splitlines()
    return first[0].split(" Copyright")[0] if first else "wrk"


def _wrk_start(
    wrk: str,
    port: int,
    mode: str,
    token: str,
    ids: list[str],
    conns: int,
    duration_s: float,
    rate_per_s: float = 0.0,
) -> subprocess.Popen[str]:
    cmd = [
        wrk,
        "-t1",
        f"-c{conns}",
        f"-d{max(1, round(duration_s))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA_PACED if rate_per_s else LUA),
        f"http://127.0.0.1:{port}",
        "--",
        mode,
        token,
        ",".join(ids),
    ]
    if rate_per_s:
        cmd.append(f"{rate_per_s:g}")
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wrk_result(proc: subprocess.Popen[str]) -> dict[str, float]:
    out, err = proc.communicate(timeout=600)
    for line in out.splitlines():
        if line.startswith("WRKJSON "):
            return dict(json.loads(line[len("WRKJSON ") :]))
    raise RuntimeError(f"wrk gave no result: {out}\n{err}")


def _wrk_phase(
    wrk: str,
    port: int,
    token: str,
    ids: list[str],
    phase: str,
    duration_s: float,
    conns: int,
    paced: tuple[float, float] = (600.0, 150.0),
) -> dict[str, object]:
    writers = max(1, conns // 4)
    readers = conns - writers
    plan = {
        "health_probe": [("read", "health", conns, 0.0)],
        "reads": [("read", "read", conns, 0.0)],
        "writes": [("write", "write", conns, 0.0)],
        "mixed": [("read", "read", readers, 0.0), ("write", "write", writers, 0.0)],
        "paced": [("read", "read", readers, paced[0]), ("write", "write", writers, paced[1])],
    }[phase]
    procs = [
        (kind, _wrk_start(wrk, port, mode, token, ids, n, duration_s, rate))
        for kind, mode, n, rate in plan
    ]
    out: dict[str, object] = {"connections": conns}
    if phase == "paced":
        out["offered_reads_per_s"], out["offered_writes_per_s"] = paced
    errors: dict[str, int] = {}
    total = 0.0
    elapsed = 0.0
    for kind, proc in procs:
        r = _wrk_result(proc)
        seconds = r["duration_us"] / 1e6
        elapsed = max(elapsed, seconds)
        bad = int(sum(v for k, v in r.items() if k.startswith("errors_")))
        ok = r["requests"] - int(r["errors_status"])
        rate = ok / seconds
        total += rate
        out[f"{kind}s_per_s"] = round(rate, 1)
        out[f"{kind}_p50_ms"] = round(r["p50_us"] / 1000, 2)
        out[f"{kind}_p99_ms"] = round(r["p99_us"] / 1000, 2)
        out[f"{kind}_max_ms"] = round(r["max_us"] / 1000, 2)
        if bad:
            errors[kind] = bad
    out["duration_s"] = round(elapsed, 2)
    out["requests_per_s"] = round(total, 1)
    out["errors"] = errors
    return out


# --- the Python fallback client -----------------------------------------------------


class _Conn:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams.

    httpx's pool costs more CPU per request than the server under test (on this
    machine it tops out near 300 requests/s with 32 connections, even against the
    health probe), so the load is driven with raw requests; every answer is read in
    full and its status checked.
    """

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.auth = f"Authorization: Bearer {token}\r\n".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
            "Content-Type: application/json\r\n"
        ).encode()
        self.writer.write(head + self.auth + b"\r\n" + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for line in lines[1:]:
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        payload = await self.reader.readexactly(length)
        return status, payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _phase(
    port: int, token: str, ids: list[str], *, write_share: float, duration_s: float, conns: int
) -> dict[str, object]:
    lat: dict[str, list[float]] = {"read": [], "write": []}
    errors: dict[str, int] = {}
    rng = random.Random(7)
    deadline = time.perf_counter() + duration_s

    async def worker(k: int) -> None:
        conn = _Conn(port, token)
        i = 0
        try:
            while time.perf_counter() < deadline:
                case_id = rng.choice(ids)
                write = rng.random() < write_share
                t = time.perf_counter()
                if write:
                    body = json.dumps(
                        {
                            "time": "2026-01-01T00:00:00Z",
                            "channel": "phone",
                            "counterpart": "MRCC Rome",
                            "summary": f"bench {k} {i}",
                        }
                    ).encode()
                    status, _ = await conn.request("POST", f"/api/cases/{case_id}/contacts", body)
                    ok = status == 201
                elif write_share < 0:
                    status, _ = await conn.request("GET", "/api/health")
                    ok = status == 200
                elif rng.random() < 0.1:
                    status, _ = await conn.request("GET", "/api/cases?limit=20")
                    ok = status == 200
                else:
                    status, _ = await conn.request("GET", f"/api/cases/{case_id}")
                    ok = status == 200
                dt = time.perf_counter() - t
                if ok:
                    lat["write" if write else "read"].append(dt)
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1
                i += 1
        finally:
            conn.close()

    t_start = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(conns)))
    elapsed = time.perf_counter() - t_start
    out: dict[str, object] = {"duration_s": round(elapsed, 2), "connections": conns}
    total = 0
    for kind, values in lat.items():
        if not values:
            continue
        arr = np.array(values) * 1000
        total += len(values)
        out[f"{kind}s_per_s"] = round(len(values) / elapsed, 1)
        out[f"{kind}_p50_ms"] = round(float(np.percentile(arr, 50)), 2)
        out[f"{kind}_p99_ms"] = round(float(np.percentile(arr, 99)), 2)
    out["requests_per_s"] = round(total / elapsed, 1)
    out["errors"] = errors
    return out


def _python_phase(
    port: int, token: str, ids: list[str], phase: str, duration_s: float, conns: int
) -> dict[str, object]:
    share = {"health_probe": -1.0, "mixed": 0.2, "reads": 0.0, "writes": 1.0}[phase]
    return asyncio.run(
        _phase(port, token, ids, write_share=share, duration_s=duration_s, conns=conns)
    )


# --- driving ------------------------------------------------------------------------


def _ratios(current: dict[str, object], baseline: dict[str, object]) -> dict[str, float]:
    out = {}
    for key, value in current.items():
        base = baseline.get(key)
        if key.endswith(("_per_s", "_ms")) and isinstance(value, float | int) and base:
            out[key] = round(float(value) / float(base), 2)  # type: ignore[arg-type]
    return out


def bench_store(
    name: str,
    urls: dict[str, str],
    home: Path,
    sources: dict[str, Path | None],
    args: argparse.Namespace,
) -> dict[str, object]:
    """Every phase on every variant (current, and baseline if asked), interleaved."""
    servers: dict[str, tuple[subprocess.Popen[bytes], int, str, list[str]]] = {}
    result: dict[str, object] = {"load_average_before": [round(x, 2) for x in os.getloadavg()]}
    try:
        for variant, src in sources.items():
            vhome = home / variant
            token, ids = _prepare(urls[variant], vhome)
            port = free_port()
            servers[variant] = (_start(urls[variant], vhome, port, src), port, token, ids)
        figures: dict[str, dict[str, object]] = {v: {} for v in sources}
        for phase in _phases(args):
            for variant in sources:
                _, port, token, ids = servers[variant]
                if args.wrk:
                    fig = _wrk_phase(
                        args.wrk, port, token, ids, phase, args.duration, args.connections,
                        args.paced,
                    )  # fmt: skip
                else:
                    fig = _python_phase(port, token, ids, phase, args.duration, args.connections)
                figures[variant][phase] = fig
                print(f"{name:10s} {variant:8s} {phase:12s} {json.dumps(fig)}", flush=True)
        # the ledger must still verify after the load
        from sarwatch.adapters.store import SqlStore
        from sarwatch.ledger import load_or_create_signer
        from sarwatch.services.cases import CaseService

        for variant in sources:
            store = SqlStore(urls[variant])
            svc = CaseService(store, load_or_create_signer(home / variant))
            ids = servers[variant][3]
            figures[variant]["ledger_verifies"] = all(svc.verify(i).ok for i in ids)
            store.close()
            result[variant] = figures[variant]
        if "baseline" in sources:
            result["ratio_current_over_baseline"] = {
                phase: _ratios(
                    figures["current"][phase],  # type: ignore[arg-type]
                    figures["baseline"][phase],  # type: ignore[arg-type]
                )
                for phase in _phases(args)
            }
        result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        return result
    finally:
        for proc, *_ in servers.values():
            proc.terminate()
            proc.wait(timeout=20)


def _phases(args: argparse.Namespace) -> tuple[str, ...]:
    """The phases to run: ``paced`` needs wrk's think time."""
    return (*PHASES, "paced") if args.wrk else PHASES


def _paced(text: str) -> tuple[float, float]:
    reads, _, writes = text.partition(",")
    try:
        pair = (float(reads), float(writes))
    except ValueError:
        raise argparse.ArgumentTypeError(f"give READS,WRITES per second, got {text!r}") from None
    if min(pair) <= 0:
        raise argparse.ArgumentTypeError(f"rates must be positive, got {text!r}")
    return pair


def _postgres_databases(url: str, variants: list[str]) -> dict[str, str]:
    """A fresh database per variant on the server at ``url`` (``<db>_bench_<variant>``)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    out = {}
    with engine.connect() as conn:
        for variant in variants:
            name = f"{parsed.database}_bench_{variant}"
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            out[variant] = parsed.set(database=name).render_as_string(hide_password=False)
    engine.dispose()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="20 s phases, 64 connections")
    parser.add_argument("--duration", type=float, default=None, help="seconds per phase")
    parser.add_argument("--connections", type=int, default=None)
    parser.add_argument("--results", default=str(RESULTS), help="where to write the figures")
    parser.add_argument(
        "--paced",
        type=_paced,
        default=(600.0, 150.0),
        metavar="READS,WRITES",
        help="offered rates of the paced phase, per second (default 600,150)",
    )
    parser.add_argument("--postgres-url", default=os.environ.get("SARWATCH_TEST_POSTGRES_URL"))
    parser.add_argument(
        "--client", choices=("auto", "wrk", "python"), default="auto", help="load generator"
    )
    parser.add_argument("--baseline", metavar="REF", help="also run git revision REF, side by side")
    parser.add_argument(
        "--sqlite-full", action="store_true", help="also SQLite with synchronous=full"
    )
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    args.duration = args.duration or (20.0 if args.full else 5.0)
    args.connections = args.connections or (64 if args.full else 16)
    args.wrk = None if args.client == "python" else shutil.which("wrk")
    if args.client == "wrk" and not args.wrk:
        parser.error("wrk is not installed (Debian: apt-get install wrk)")
    client = (
        f"{_wrk_version(args.wrk)}, -t1 per process, {LUA.name}"
        if args.wrk
        else "python asyncio raw keep-alive client (in the benchmark process)"
    )
    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "command": " ".join(["python", "benchmarks/bench_api.py", *argv]),
        "client": client,
        "server": " ".join(["uvicorn, 1 worker", *_server_options()]),
        "targets": "SQLite: 500 writes/s, 2000 reads/s, p99 < 50 ms",
    }
    print(f"client: {client}; server: {results['server']}", flush=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        sources: dict[str, Path | None] = {"current": None}
        if args.baseline:
            rev = subprocess.run(
                ["git", "-C", str(HERE.parent), "rev-parse", "--short", args.baseline],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            results["baseline"] = f"{args.baseline} ({rev})"
            sources = {"baseline": export_src(args.baseline, tmp / "baseline"), **sources}
        stores = [("sqlite", "")]
        if args.sqlite_full:
            stores.append(("sqlite_synchronous_full", "?synchronous=full"))
        for name, query in stores:
            home = tmp / name
            urls = {v: f"sqlite:///{home / v / 'bench.db'}{query}" for v in sources}
            results[name] = bench_store(name, urls, home, sources, args)
        if args.postgres_url:
            urls = _postgres_databases(args.postgres_url, list(sources))
            results["postgresql"] = bench_store("postgresql", urls, tmp / "pg", sources, args)
        else:
            results["postgresql"] = "skipped: no SARWATCH_TEST_POSTGRES_URL"
    out = Path(args.results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
