"""Public feed benchmark: requests/s for ``GET /api/public/cases`` from the static files,
side by side with the database-backed route, in one run on one server.

Run ``python -m benchmarks.bench_public_feed`` (default: 5 s per phase, 16 connections,
pipeline depth 8, 50 public cases). The server is ``uvicorn`` as ``sarwatch serve``
starts it (one worker, uvloop and httptools when installed) on a SQLite store under a
temporary home. Phases, interleaved twice so that the machine's load hits both alike:

* **health_probe**: ``GET /api/health``: what server and client can do at all right now;
* **static**: ``GET /api/public/cases``: the rendered ``cases.json`` (ETag, no database);
* **static_304**: the same with ``If-None-Match`` (a revalidating CDN or browser);
* **db_route**: ``GET /api/public/cases?limit=1000``: the pre-static code path (the store
  pages the public cases and :func:`~sarwatch.services.public_feed.public_view` redacts
  each, per request), same cases, same bytes.

The client is a raw HTTP/1.1 keep-alive client on asyncio that pipelines ``--depth``
requests per connection (no wrk on this machine; a Python client otherwise costs as
much CPU per request as the server). Every answer is read in full and its status
checked. Writes ``benchmarks/results/public_feed.json`` and ``public_feed.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from _live import free_port, uvicorn_command, wait_until_healthy  # noqa: E402
from benchmarks.bench_api import _server_options  # noqa: E402

RESULTS = HERE / "results" / "public_feed.json"
REPORT = HERE / "results" / "public_feed.md"
PATHS = {
    "health_probe": "/api/health",
    "static": "/api/public/cases",
    "static_304": "/api/public/cases",
    "db_route": "/api/public/cases?limit=1000",
}


def _prepare(home: Path, n_cases: int) -> str:
    """``n_cases`` cases quiet for 100 h (public by ageing), the static files rendered."""
    from sarwatch.adapters.store import SqlStore
    from sarwatch.domain import PositionReport, Source
    from sarwatch.ledger import load_or_create_signer
    from sarwatch.services.cases import CaseService
    from sarwatch.services.public_feed import PublicPolicy
    from sarwatch.services.public_static import public_dir, render_public

    url = f"sqlite:///{home / 'sarwatch.db'}"
    store = SqlStore(url)
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=100)
    service = CaseService(
        store,
        load_or_create_signer(home),
        clock=lambda: t0,
        land_check=lambda lon, lat: False,
        region_of=lambda lon, lat: "LY",
    )
    for i in range(n_cases):
        pos = PositionReport(t0, 12.0 + i * 0.01, 34.0, "gps", Source("Alarm Phone", 3))
        service.open_case(title=f"bench {i}", alert_time=t0, actor="bench", position=pos)
    tags = render_public(store, PublicPolicy(), datetime.now(UTC), public_dir(home))
    store.close()
    return tags.etags["cases.json"]


async def _phase(
    port: int, path: str, etag: str | None, *, duration_s: float, conns: int, depth: int
) -> dict[str, object]:
    extra = f"If-None-Match: {etag}\r\n" if etag else ""
    one = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()
    batch = one * depth
    want = 304 if etag else 200
    counts = {"ok": 0, "bad": 0, "bytes": 0}
    deadline = time.perf_counter() + duration_s

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                writer.write(batch)
                for _ in range(depth):
                    head = await reader.readuntil(b"\r\n\r\n")
                    lines = head.split(b"\r\n")
                    status = int(lines[0].split()[1])
                    length = 0
                    for line in lines[1:]:
                        if line[:15].lower() == b"content-length:":
                            length = int(line[15:])
                    if length:
                        await reader.readexactly(length)
                    counts["ok" if status == want else "bad"] += 1
                    counts["bytes"] += length
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(conns)))
    elapsed = time.perf_counter() - t0
    n = counts["ok"]
    return {
        "requests_per_s": round(n / elapsed, 1),
        "requests": n,
        "errors": counts["bad"],
        "body_bytes_per_request": round(counts["bytes"] / max(1, n + counts["bad"])),
        "duration_s": round(elapsed, 2),
    }


def main(argv: list[str] | None = None) -> None:
    """Run the phases and write the results."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--duration", type=float, default=5.0, help="seconds per phase")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--depth", type=int, default=8, help="pipelined requests per connection")
    ap.add_argument("--cases", type=int, default=50, help="public cases in the feed")
    ap.add_argument("--rounds", type=int, default=2, help="interleaved rounds of the phases")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sarwatch-public-bench-") as tmp:
        home = Path(tmp)
        etag = _prepare(home, args.cases)
        port = free_port()
        env = {
            **os.environ,
            "SARWATCH_HOME_DIR": str(home),
            "SARWATCH_DATABASE_URL": f"sqlite:///{home / 'sarwatch.db'}",
        }
        options = (*_server_options(), "--log-level", "warning", "--no-access-log")
        proc = subprocess.Popen(uvicorn_command(port, *options), env=env)
        try:
            wait_until_healthy(proc, f"http://127.0.0.1:{port}")
            runs: dict[str, list[dict[str, object]]] = {p: [] for p in PATHS}
            for _ in range(args.rounds):
                for phase, path in PATHS.items():
                    result = asyncio.run(
                        _phase(
                            port, path, etag if phase == "static_304" else None,
                            duration_s=args.duration, conns=args.connections, depth=args.depth,
                        )
                    )  # fmt: skip
                    runs[phase].append(result)
                    print(f"{phase:13s} {result['requests_per_s']:>9,.0f} req/s  {result}")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    best = {p: max(float(r["requests_per_s"]) for r in rs) for p, rs in runs.items()}  # type: ignore[arg-type]
    load = os.getloadavg()
    out = {
        "benchmark": "public_feed",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg_1_5_15": [round(x, 2) for x in load],
        },
        "server": "uvicorn, 1 worker, " + " ".join(_server_options()),
        "client": f"python asyncio raw HTTP/1.1, {args.connections} connections, "
        f"pipeline depth {args.depth}, same machine",
        "public_cases": args.cases,
        "runs": runs,
        "best_requests_per_s": best,
        "static_over_db": round(best["static"] / best["db_route"], 1),
        "target_requests_per_s": 5000,
        "target_met": best["static"] >= 5000,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    lines = [
        "# Public feed: static files vs the database route",
        "",
        f"{out['when']}, {out['machine']['cpus']} CPUs, load average "
        f"{out['machine']['loadavg_1_5_15']} (shared machine), {out['server']}; client: "
        f"{out['client']}; {args.cases} public cases, {args.duration:g} s per phase, "
        f"{args.rounds} interleaved rounds, best round shown.",
        "",
        "| phase | requests/s | bytes/answer |",
        "|---|---:|---:|",
        *(f"| {p} | {best[p]:,.0f} | {runs[p][0]['body_bytes_per_request']} |" for p in PATHS),
        "",
        f"Static over database route: {out['static_over_db']}x. Target 5,000/s: "
        f"{'met' if out['target_met'] else 'not met'}.",
    ]
    REPORT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
