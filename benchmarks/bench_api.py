"""Case API load benchmark: requests/s and p99 latency on loopback, SQLite and PostgreSQL.

Run ``python benchmarks/bench_api.py`` (default: 5 s per phase, 16 concurrent
connections) or with ``--full`` (20 s per phase, 64 connections). PostgreSQL is
measured when ``SARWATCH_TEST_POSTGRES_URL`` (or ``--postgres-url``) names a server;
its tables are dropped and recreated. Prints the figures and writes them to
``benchmarks/results/api.json``.

The server is ``uvicorn`` (one worker, uvloop/httptools) in a subprocess, started as
``sarwatch serve`` would; the client is an ``httpx.AsyncClient`` in this process,
with a bearer token. For each store three phases run back to back:

* **mixed**: 80 % reads (``GET /api/cases/{id}`` and, 1 in 10, ``GET /api/cases``),
  20 % writes (``POST /api/cases/{id}/contacts``: a signed ledger event, durable on
  return), spread over 20 open cases;
* **reads**: reads only;
* **writes**: writes only;

after a **health_probe** phase (``GET /api/health``: no store, no token) that shows
what the server and client can do at all on the machine at that moment.

SQLite runs twice: with the default ``synchronous=NORMAL`` (an acknowledged write
survives any process crash) and with ``?synchronous=full`` (an fsync per commit; it
also survives power loss).

The client shares the machine's cores with the server, so the figures are a lower
bound of what the server alone sustains.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "api.json"
N_CASES = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def _start(url: str, home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SARWATCH_HOME_DIR": str(home), "SARWATCH_DATABASE_URL": url}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "sarwatch.web.app:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


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


def bench_store(name: str, url: str, home: Path, args: argparse.Namespace) -> dict[str, object]:
    token, ids = _prepare(url, home)
    port = _free_port()
    server = _start(url, home, port)
    try:
        result: dict[str, object] = {}
        phases = (("health_probe", -1.0), ("mixed", 0.2), ("reads", 0.0), ("writes", 1.0))
        for phase, share in phases:
            result[phase] = asyncio.run(
                _phase(
                    port,
                    token,
                    ids,
                    write_share=share,
                    duration_s=args.duration,
                    conns=args.connections,
                )
            )
            print(f"{name:10s} {phase:6s} {json.dumps(result[phase])}", flush=True)
        # the ledger must still verify after the load
        from sarwatch.adapters.store import SqlStore
        from sarwatch.ledger import load_or_create_signer
        from sarwatch.services.cases import CaseService

        svc = CaseService(SqlStore(url), load_or_create_signer(home))
        result["ledger_verifies"] = all(svc.verify(i).ok for i in ids)
        return result
    finally:
        server.terminate()
        server.wait(timeout=20)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="20 s phases, 64 connections")
    parser.add_argument("--duration", type=float, default=None, help="seconds per phase")
    parser.add_argument("--connections", type=int, default=None)
    parser.add_argument("--postgres-url", default=os.environ.get("SARWATCH_TEST_POSTGRES_URL"))
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    args.duration = args.duration or (20.0 if args.full else 5.0)
    args.connections = args.connections or (64 if args.full else 16)
    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
        "command": " ".join(["python", "benchmarks/bench_api.py", *argv]),
        "targets": "SQLite: 500 writes/s, 2000 reads/s, p99 < 50 ms",
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "sqlite"
        results["sqlite"] = bench_store("sqlite", f"sqlite:///{home / 'bench.db'}", home, args)
        home = Path(tmp) / "sqlite-full"
        url = f"sqlite:///{home / 'bench.db'}?synchronous=full"
        results["sqlite_synchronous_full"] = bench_store("sqlite-full", url, home, args)
        if args.postgres_url:
            from sqlalchemy import create_engine, text

            engine = create_engine(args.postgres_url)
            with engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS events, users, cases, alembic_version"))
            engine.dispose()
            results["postgresql"] = bench_store(
                "postgresql", args.postgres_url, Path(tmp) / "pg", args
            )
        else:
            results["postgresql"] = "skipped: no SARWATCH_TEST_POSTGRES_URL"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
