"""The phase of a drift run (what it is doing while its progress cannot count steps):
named by the use case in order, carried by the job runner's heartbeat into the store,
and reported by every server worker."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from sarwatch.adapters.store import MemoryStore, SqlStore
from sarwatch.job_records import JobRecord
from sarwatch.services.drift import DriftRequest, predict_drift
from sarwatch.services.drift_runs import DriftRuns
from sarwatch.services.jobs import JobProgress, JobRunner
from sarwatch.services.users import add_user
from sarwatch.settings import load_settings
from sarwatch.web.app import create_app
from sarwatch.web.routes.drift import run_drift_job
from sarwatch.web.station import station_of

START = datetime(2026, 11, 20, 4, 10, tzinfo=UTC)
BODY = {
    "lat": 33.2, "lon": 12.5, "time": "2026-11-20T04:10:00Z", "hours": 2, "particles": 200,
    "wind_kn": 12, "wind_from": 330, "seed": 3, "use_library": False,
}  # fmt: skip
BEFORE_STEPS = ["reading forcing", "reading coastline", "seeding", "loading kernels"]


def test_the_use_case_names_its_phases_in_order_around_the_counted_steps(tmp_path) -> None:
    events: list[str] = []
    req = DriftRequest(
        lon=12.5, lat=33.2, time=START, hours=2, particles=200, wind_kn=12, wind_from_deg=330,
        seed=3,
    )  # fmt: skip
    predict_drift(
        req, out_dir=tmp_path, on_phase=events.append,
        progress=lambda done, total: events.append(f"step {done}/{total}"),
    )  # fmt: skip
    steps = [i for i, e in enumerate(events) if e.startswith("step ")]
    assert steps and steps == list(range(steps[0], steps[-1] + 1))  # the steps, together
    assert events[: steps[0]] == BEFORE_STEPS
    assert events[steps[-1] + 1 :] == ["writing outputs"]
    # without out_dir nothing is written, so no such phase
    quiet: list[str] = []
    predict_drift(req, on_phase=quiet.append)
    assert quiet == BEFORE_STEPS


class Inline(Executor):
    """Runs each job at once, in the caller's thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_the_job_runner_carries_the_last_phase_to_the_store() -> None:
    store, seen = MemoryStore(), []

    def handler(job: JobRecord, report: JobProgress) -> None:
        report(0.0, "reading forcing")
        runner.beat()
        seen.append(store.jobs.get(job.job_id))
        report(0.0, "seeding")
        report(0.5)  # a fraction alone leaves the phase as it was
        runner.beat()
        seen.append(store.jobs.get(job.job_id))

    runner = JobRunner(store.jobs, {"drift": handler}, pool=Inline())
    store.jobs.submit("0123456789ab", "drift", {}, now_s=time.time())
    runner.tick()
    assert [(j.phase, j.progress) for j in seen] == [("reading forcing", 0.0), ("seeding", 0.5)]


def test_the_route_reports_each_phase_of_a_job_in_order(tmp_path) -> None:
    app = create_app(load_settings(home_dir=tmp_path))
    with TestClient(app):
        station = station_of(app)
        record = station.drift_runs.create("ana", BODY)
        job = JobRecord(record.run_id, "drift", {"body": BODY, "actor": "ana"})
        reported: list[tuple[float, str | None]] = []
        run_drift_job(station, job, lambda fraction, phase=None: reported.append((fraction, phase)))
    phases = [p for i, (_, p) in enumerate(reported) if i == 0 or reported[i - 1][1] != p]
    assert phases == ["choosing forcing", *BEFORE_STEPS, "drifting", "writing outputs"]
    assert all(f == 0.0 for f, p in reported if p in BEFORE_STEPS)  # at 0 %: why it waits
    assert station.drift_runs.get(record.run_id).status == "done"


def test_another_server_worker_reports_the_phase_from_the_store(tmp_path: Path) -> None:
    """Worker A (its own store connection) runs the job and stops at a phase; the API of
    worker B, which does not run it, shows that phase from the store."""
    url = f"sqlite:///{tmp_path / 'sarwatch.db'}"
    store_a = SqlStore(url)
    runs_a = DriftRuns(tmp_path / "runs", jobs=store_a.jobs)
    record = runs_a.create("ana", BODY)
    store_a.jobs.submit(record.run_id, "drift", {"body": BODY, "actor": "ana"}, now_s=time.time())
    started, release = threading.Event(), threading.Event()

    def handler(job: JobRecord, report: JobProgress) -> None:
        runs_a.adopt(job.job_id)
        runs_a.update(job.job_id, status="running")
        report(0.0, "reading forcing")
        started.set()
        release.wait(60)

    with ThreadPoolExecutor(1) as pool:
        worker_a = JobRunner(store_a.jobs, {"drift": handler}, pool=pool)
        worker_a.tick()
        try:
            assert started.wait(30)
            worker_a.beat()  # the heartbeat writes the phase
            app_b = create_app(load_settings(home_dir=tmp_path, database_url=url))
            with TestClient(app_b) as client:
                _, token = add_user(station_of(app_b).store, "olu", "observer")
                client.headers["Authorization"] = f"Bearer {token}"
                seen = client.get(f"/api/drift/{record.run_id}").json()
                assert (seen["status"], seen["progress"]) == ("running", 0.0), seen
                assert seen["phase"] == "reading forcing"
                assert seen["worker_pid"] == worker_a.pid
        finally:
            release.set()
    store_a.close()
