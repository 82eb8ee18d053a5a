"""``sarwatch serve --workers 1`` against ``--workers 2``, side by side, in one run.

Run ``python benchmarks/bench_workers.py`` (5 s per phase, 16 connections, 2
interleaved rounds: 1, 2, 1, 2 workers) or ``--quick`` (2 s, 1 round) while
iterating. Each server is the real command, ``sarwatch serve --workers N``, on a
free loopback port over one SQLite store in a temporary home holding 20 cases;
the load comes from a raw keep-alive HTTP/1.1 asyncio client in this process
(httpx would cost more CPU per request than the server). Phases:

* **health**: ``GET /api/health`` (no store);
* **reads**: ``GET /api/cases/{id}`` and, 1 in 10, ``GET /api/cases?limit=20``;
* **drift_poll**: ``GET /api/drift/{run_id}`` of 5 finished runs, each answered from
  the run's record and its job row (what a page polling a run asks);
* **mixed**: the reads, with 1 in 5 requests a write (``POST /api/cases/{id}/contacts``,
  a signed ledger event, durable on return).

Figures per phase: requests/s, p50/p99 latency, and the CPU seconds the server
processes (the parent and its workers, read from ``/proc`` by psutil) spent per
1,000 requests: on a shared 2-core machine CPU per request compares where wall
rates do not. The client shares the two cores with the workers, so a second worker
can add little wall throughput here; the lead re-measures on a quiet machine.
Prints the figures with the load average and writes
``benchmarks/results/workers.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
if str(ROOT) not in sys.path:  # run as a script: the benchmarks package is beside it
    sys.path.insert(0, str(ROOT))
from _live import free_port, wait_until_healthy  # noqa: E402
from benchmarks.bench_api import _Conn  # noqa: E402  (the keep-alive load client)

RESULTS = ROOT / "benchmarks" / "results"
PHASES = ("health", "reads", "drift_poll", "mixed")


async def _load(
    port: int, token: str, phase: str, cases: list[str], runs: list[str], *, seconds: float,
    conns: int,
) -> dict[str, Any]:  # fmt: skip
    latencies: list[float] = []
    errors: dict[str, int] = {}
    rng = random.Random(7)
    deadline = time.perf_counter() + seconds

    async def one(k: int) -> None:
        conn, i = _Conn(port, token), 0
        try:
            while time.perf_counter() < deadline:
                case_id = rng.choice(cases)
                t = time.perf_counter()
                if phase == "health":
                    status, want = (await conn.request("GET", "/api/health"))[0], 200
                elif phase == "drift_poll":
                    run = rng.choice(runs)
                    status, want = (await conn.request("GET", f"/api/drift/{run}"))[0], 200
                elif phase == "mixed" and rng.random() < 0.2:
                    body = json.dumps(
                        {"time": "2026-01-01T00:00:00Z", "channel": "phone",
                         "counterpart": "MRCC Rome", "summary": f"bench {k} {i}"}
                    ).encode()  # fmt: skip
                    path = f"/api/cases/{case_id}/contacts"
                    status, want = (await conn.request("POST", path, body))[0], 201
                elif rng.random() < 0.1:
                    status, want = (await conn.request("GET", "/api/cases?limit=20"))[0], 200
                else:
                    status, want = (await conn.request("GET", f"/api/cases/{case_id}"))[0], 200
                if status == want:
                    latencies.append(time.perf_counter() - t)
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1
                i += 1
        finally:
            conn.close()

    start = time.perf_counter()
    await asyncio.gather(*(one(k) for k in range(conns)))
    elapsed = time.perf_counter() - start
    ms = np.array(latencies) * 1000
    return {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 2) if len(ms) else None,
        "p99_ms": round(float(np.percentile(ms, 99)), 2) if len(ms) else None,
        "errors": errors,
    }


def _server_cpu_s(parent: psutil.Process) -> float:
    """CPU seconds (user + system) of the server: the parent and every worker now alive."""
    total = 0.0
    for proc in [parent, *parent.children(recursive=True)]:
        try:
            t = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def _sarwatch(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sarwatch", *args], env=env, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    return done.stdout


def _api(url: str, token: str, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url + path, data=json.dumps(body).encode(), method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=60) as answer:
        data: dict[str, Any] = json.loads(answer.read())
    return data


class _Server:
    def __init__(self, env: dict[str, str], workers: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "sarwatch", "serve", "--workers", str(workers)]
        self.process = subprocess.Popen(
            [*cmd, "--port", str(self.port)], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        stderr = self.process.stderr
        assert stderr is not None
        wait_until_healthy(self.process, self.url, timeout_s=300, output=lambda: "")
        self.ps = psutil.Process(self.process.pid)
        time.sleep(1.0)  # every worker up (the health probe answered from one)

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(60)


def _prepare(env: dict[str, str]) -> tuple[str, list[str], list[str]]:
    """A coordinator's token, 20 cases and 5 finished drift runs in the home of ``env``."""
    token = _sarwatch(env, "user", "add", "bench", "--role", "coordinator").split()[-1]
    server = _Server(env, 1)
    try:
        cases = [
            _api(server.url, token, "POST", "/api/cases",
                 {"title": f"bench case {i}", "alert_time": "2026-01-01T00:00:00Z"})["case_id"]
            for i in range(20)
        ]  # fmt: skip
        body = {
            "lat": 33.2, "lon": 12.5, "time": "2026-11-20T04:10:00Z", "hours": 2,
            "particles": 200, "wind_kn": 12, "wind_from": 330, "seed": 7,
        }  # fmt: skip
        runs = [_api(server.url, token, "POST", "/api/drift", body)["run_id"] for _ in range(5)]
        for run in runs:
            for _ in range(1200):
                request = urllib.request.Request(
                    f"{server.url}/api/drift/{run}", headers={"Authorization": f"Bearer {token}"}
                )
                with urllib.request.urlopen(request, timeout=60) as answer:
                    if json.loads(answer.read())["status"] in ("done", "failed"):
                        break
                time.sleep(0.1)
    finally:
        server.stop()
    return token, cases, runs


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 s per phase, 1 round")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-write", action="store_true", help="do not write results/")
    args = parser.parse_args(argv)
    seconds, rounds = (2.0, 1) if args.quick else (args.seconds, args.rounds)
    src = str(ROOT / "src")
    with tempfile.TemporaryDirectory(prefix="sarwatch-bench-workers-") as tmp:
        env = {
            **os.environ,
            "SARWATCH_HOME_DIR": str(Path(tmp) / "home"),
            "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")]),
        }
        env.pop("SARWATCH_DATABASE_URL", None)
        token, cases, runs = _prepare(env)
        best: dict[int, dict[str, dict[str, Any]]] = {1: {}, 2: {}}
        for _round in range(rounds):
            for workers in (1, 2):
                server = _Server(env, workers)
                try:
                    for phase in PHASES:
                        cpu0 = _server_cpu_s(server.ps)
                        got = asyncio.run(
                            _load(server.port, token, phase, cases, runs, seconds=seconds,
                                  conns=args.connections)
                        )  # fmt: skip
                        cpu = _server_cpu_s(server.ps) - cpu0
                        got["server_cpu_s_per_1000"] = round(
                            1000 * cpu / max(got["requests"], 1), 3
                        )
                        old = best[workers].get(phase)
                        if old is None or got["requests_per_s"] > old["requests_per_s"]:
                            best[workers][phase] = got
                        print(f"round {_round + 1} workers={workers} {phase}: {got}", flush=True)
                finally:
                    server.stop()
    load = os.getloadavg()
    out: dict[str, Any] = {
        "benchmark": "bench_workers",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg_1_5_15": [round(x, 2) for x in load],
        },
        "server": "sarwatch serve --workers N (uvicorn), SQLite store",
        "client": f"python asyncio raw HTTP/1.1, {args.connections} connections, same machine",
        "seconds_per_phase": seconds,
        "rounds": rounds,
        "best_round": {str(k): v for k, v in best.items()},
        "ratio_2_over_1_requests_per_s": {
            phase: round(best[2][phase]["requests_per_s"] / best[1][phase]["requests_per_s"], 2)
            for phase in PHASES
        },
    }
    print(json.dumps(out, indent=2))
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "workers.json").write_text(json.dumps(out, indent=2) + "\n")
        (RESULTS / "workers.md").write_text(_markdown(out))
    return out


def _markdown(out: dict[str, Any]) -> str:
    rows = []
    for phase in PHASES:
        one, two = out["best_round"]["1"][phase], out["best_round"]["2"][phase]
        rows.append(
            f"| {phase} | {one['requests_per_s']:,.0f} | {two['requests_per_s']:,.0f} | "
            f"{out['ratio_2_over_1_requests_per_s'][phase]:.2f} | {one['p99_ms']} | "
            f"{two['p99_ms']} | {one['server_cpu_s_per_1000']} | {two['server_cpu_s_per_1000']} |"
        )
    return (
        "# Server workers: `sarwatch serve --workers 1` and `--workers 2` side by side\n\n"
        f"{out['when']}, {out['machine']['cpus']} CPUs, load average "
        f"{out['machine']['loadavg_1_5_15']} (shared machine); {out['server']}; client: "
        f"{out['client']}; {out['seconds_per_phase']:g} s per phase, {out['rounds']} "
        "interleaved round(s), best round shown.\n\n"
        "| phase | 1 worker req/s | 2 workers req/s | 2/1 | 1 worker p99 ms | "
        "2 workers p99 ms | 1 worker CPU s/1000 req | 2 workers CPU s/1000 req |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|\n" + "\n".join(rows) + "\n"
    )


if __name__ == "__main__":
    main()
