"""``sarwatch serve --workers 2`` end to end: a drift run survives the worker that ran it,
and the event feed of one worker shows what another process wrote.

One server for the module (a tmp home, a free loopback port). The worker running a
drift job is found from the job (the API reports its pid) and SIGKILLed; another
worker must then report the run resumed and finished, or failed with the reason.
Nothing here asserts a time: every wait polls with a generous deadline.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from _cases_helpers import SQL_STORE_KINDS, fresh_database_url
from _live import free_port, wait_until_healthy

pytestmark = pytest.mark.slow

SRC = Path(__file__).resolve().parents[1] / "src"
STALE_S = 6  # a killed worker's job is taken up again after this many quiet seconds


class Server:
    def __init__(self, home: Path, env: dict[str, str], port: int) -> None:
        self.home, self.env, self.port = home, env, port
        self.url = f"http://127.0.0.1:{port}"
        self.log = home.parent / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.coordinator = self.observer = ""

    def headers(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


def _sarwatch(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sarwatch", *args],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module", params=SQL_STORE_KINDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, land_mask: object
) -> Iterator[Server]:
    """A server of 2 workers over a SQLite store in a tmp home, or over PostgreSQL."""
    root = tmp_path_factory.mktemp("workers")
    home = root / "home"
    env = {
        **os.environ,
        "SARWATCH_HOME_DIR": str(home),
        "SARWATCH_JOB_STALE_S": str(STALE_S),
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("SARWATCH_DATABASE_URL", None)
    if request.param != "sqlite":
        env["SARWATCH_DATABASE_URL"] = fresh_database_url(request.param, root)
    srv = Server(home, env, free_port())
    srv.coordinator = _sarwatch(env, "user", "add", "ana", "--role", "coordinator").split()[-1]
    srv.observer = _sarwatch(env, "user", "add", "olu", "--role", "observer").split()[-1]
    with srv.log.open("wb") as log:
        srv.process = subprocess.Popen(
            [sys.executable, "-m", "sarwatch", "serve", "--workers", "2", "--port", str(srv.port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_until_healthy(
            srv.process, srv.url, timeout_s=300, output=lambda: srv.log.read_text(errors="replace")
        )
        yield srv
    finally:
        os.killpg(srv.process.pid, signal.SIGTERM)
        try:
            srv.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(srv.process.pid, signal.SIGKILL)
            srv.process.wait(60)


def _run(server: Server, client: httpx.Client, run_id: str) -> tuple[dict[str, Any], int]:
    r = client.get(f"/api/drift/{run_id}", headers=server.headers(server.observer))
    assert r.status_code == 200, r.text
    return r.json(), int(r.headers["X-Sarwatch-Worker"])


def _start_and_catch_running(server: Server, client: httpx.Client) -> tuple[str, int]:
    """Start runs, bigger each try, until one is seen running; its id and worker pid."""
    for particles in (60_000, 200_000, 500_000):
        body = {
            "lat": 33.2, "lon": 12.5, "time": "2026-11-20T04:10:00Z", "hours": 24,
            "particles": particles, "wind_kn": 12, "wind_from": 330, "seed": 7,
        }  # fmt: skip
        r = client.post("/api/drift", json=body, headers=server.headers(server.coordinator))
        assert r.status_code == 202, r.text
        run_id = r.json()["run_id"]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            run, _ = _run(server, client, run_id)
            if run["status"] == "running" and run["worker_pid"]:
                return run_id, int(run["worker_pid"])
            if run["status"] in ("done", "failed"):
                break  # over before we saw it run: a bigger one
            time.sleep(0.05)
    pytest.fail("no drift run was ever seen running")


def test_a_drift_run_survives_the_sigkill_of_its_worker(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        run_id, victim = _start_and_catch_running(server, client)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 600
        seen_states: list[str] = []
        while time.monotonic() < deadline:
            try:
                run, answered_by = _run(server, client, run_id)
            except httpx.TransportError:  # a connection that the killed worker held
                time.sleep(0.5)
                continue
            seen_states.append(run["status"])
            if run["status"] in ("done", "failed"):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"the run never ended after its worker was killed: {seen_states[-5:]}")
    assert answered_by != victim  # another worker reports it
    reason = f"worker {victim} ("
    if run["status"] == "done":  # resumed by another worker, and finished
        assert run["attempts"] >= 2 and run["worker_pid"] != victim, run
        because = run["resumed_because"]
        assert reason in because and "stopped responding at" in because, run
        assert sorted(run["files"]) == ["geojson", "netcdf", "png"]
        assert run["summary"]["seed"] == 7
    else:  # or given up, with the reason
        assert run["error_type"] == "Interrupted", run
        assert "stopped responding at" in run["error"], run
    with pytest.raises(ProcessLookupError):  # it really was killed (and reaped by uvicorn)
        for _ in range(600):
            os.kill(victim, 0)
            time.sleep(0.1)


def _feed_lines(server: Server, lines: list[str], stop: threading.Event) -> None:
    request = urllib.request.Request(
        f"{server.url}/api/cases/feed?follow=true", headers=server.headers(server.observer)
    )
    with urllib.request.urlopen(request, timeout=600) as stream:
        while not stop.is_set():
            line = stream.readline()
            if not line:
                return
            lines.append(line.decode())


def _case_ids(lines: list[str]) -> set[str]:
    return {json.loads(line[5:])["case_id"] for line in list(lines) if line.startswith("data:")}


def test_the_event_feed_shows_events_written_by_other_processes(server: Server) -> None:
    lines: list[str] = []
    stop = threading.Event()
    reader = threading.Thread(target=_feed_lines, args=(server, lines, stop), daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while not lines and time.monotonic() < deadline:  # the stream is open ("retry:")
        time.sleep(0.1)
    assert lines, "the feed never answered"
    # one case through the API (either worker), one by the CLI: another process entirely
    with httpx.Client(base_url=server.url, timeout=60) as client:
        r = client.post(
            "/api/cases",
            json={"title": "rubber boat, 80 people", "alert_time": "2026-11-20T04:10:00Z"},
            headers=server.headers(server.coordinator),
        )
        assert r.status_code == 201, r.text
        by_api = r.json()["case_id"]
    out = _sarwatch(
        server.env, "case", "open", "--title", "wooden boat, 40 people",
        "--time", "2026-11-20T05:00:00Z", "--actor", "ana",
    )  # fmt: skip
    by_cli = next(word for word in out.split() if word.startswith("2026-11-20-"))
    deadline = time.monotonic() + 120
    while not {by_api, by_cli} <= _case_ids(lines) and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    assert {by_api, by_cli} <= _case_ids(lines), lines[-10:]
