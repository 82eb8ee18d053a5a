"""The job runner of one worker: claims, progress, heartbeats, failures, lost workers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

import pytest

from sarwatch.adapters.store import MemoryStore
from sarwatch.errors import ForcingError
from sarwatch.job_records import JobRecord
from sarwatch.services.jobs import JobRunner


class Inline(Executor):
    """Runs each job at once, in the caller's thread: a runner's pass is deterministic."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


class Clock:
    def __init__(self, now: float = 1_765_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_worker_runs_a_job_with_its_progress_and_marks_it_done() -> None:
    store, clock, seen = MemoryStore(), Clock(), []

    def handler(job: JobRecord, progress: Callable[[float], None]) -> None:
        progress(0.5)
        seen.append((job.job_id, job.request, store.jobs.get(job.job_id)))

    runner = JobRunner(store.jobs, {"drift": handler}, pool=Inline(), clock=clock)
    store.jobs.submit("0123456789ab", "drift", {"x": 1}, now_s=clock())
    runner.tick()
    ((job_id, request, during),) = seen
    assert job_id == "0123456789ab" and request == {"x": 1}
    assert during.state == "running" and during.worker == runner.worker
    done = store.jobs.get("0123456789ab")
    assert done is not None and done.state == "done" and done.progress == 1.0
    assert runner.running_here() == []


@pytest.mark.parametrize(
    ("raised", "error"),
    [
        (ForcingError("no current covers 2026-11-20"), "no current covers 2026-11-20"),
        (
            ZeroDivisionError("oops"),
            "internal error (ZeroDivisionError); the server's log has the details",
        ),
        # a bug's message may name server paths: the job says its kind only (the log has it)
        (
            OSError(2, "No such file", "/srv/home/runs/x"),
            "internal error (FileNotFoundError); the server's log has the details",
        ),
    ],
)
def test_a_failing_handler_fails_the_job_with_its_reason(raised: Exception, error: str) -> None:
    store = MemoryStore()

    def handler(job: JobRecord, progress: Callable[[float], None]) -> None:
        raise raised

    runner = JobRunner(store.jobs, {"drift": handler}, pool=Inline(), clock=Clock())
    store.jobs.submit("0123456789ab", "drift", {}, now_s=0.0)
    runner.tick()
    failed = store.jobs.get("0123456789ab")
    assert failed is not None and failed.state == "failed" and failed.error == error


def test_heartbeats_carry_progress_and_a_silent_worker_loses_its_job() -> None:
    """Worker A claims a job and goes quiet; B, ticking on, re-queues the job after
    ``stale_s``, takes it up and finishes it; A's late end changes nothing."""
    store, clock = MemoryStore(), Clock()
    release, started = threading.Event(), threading.Event()

    def slow(job: JobRecord, progress: Callable[[float], None]) -> None:
        progress(0.4)
        started.set()
        release.wait(60)

    with ThreadPoolExecutor(1) as pool_a:
        a = JobRunner(store.jobs, {"drift": slow}, pool=pool_a, stale_s=30, clock=clock)
        b_ran: list[int] = []
        b = JobRunner(
            store.jobs,
            {"drift": lambda job, progress: b_ran.append(job.attempts)},
            pool=Inline(),
            stale_s=30,
            clock=clock,
        )
        b.worker = "other-host:999"  # two processes in one test: two worker ids
        store.jobs.submit("0123456789ab", "drift", {}, now_s=clock())
        a.tick()
        assert started.wait(30)
        clock.now += 10
        a.tick(claim=False)  # the heartbeat carries the progress
        job = store.jobs.get("0123456789ab")
        assert job is not None and job.progress == 0.4 and job.heartbeat_s == clock.now
        clock.now += 29
        b.tick()  # 29 s since A's heartbeat: not stale yet
        assert b_ran == []
        clock.now += 6  # A said nothing for 35 s (B reaps once per heartbeat period)
        b.tick()  # re-queued, then claimed by B in the same pass
        assert b_ran == [2]
        resumed = store.jobs.get("0123456789ab")
        assert resumed is not None and resumed.state == "done" and resumed.pid == b.pid
        assert resumed.error is not None and "stopped responding" in resumed.error
        release.set()
    # A's job ended after it was taken away: the record stays B's
    after = store.jobs.get("0123456789ab")
    assert after is not None and after.state == "done" and after.worker == b.worker


def test_a_runner_takes_no_more_jobs_than_its_capacity() -> None:
    store, release = MemoryStore(), threading.Event()
    with ThreadPoolExecutor(4) as pool:
        runner = JobRunner(
            store.jobs,
            {"drift": lambda job, progress: release.wait(60)},
            pool=pool,
            capacity=2,
            clock=Clock(),
        )
        for i in range(3):
            store.jobs.submit(f"{i:012x}", "drift", {}, now_s=float(i))
        runner.tick()
        states = [store.jobs.get(f"{i:012x}").state for i in range(3)]  # type: ignore[union-attr]
        assert states == ["running", "running", "queued"]
        release.set()


def test_submit_starts_the_thread_and_stop_waits_for_the_job_under_way() -> None:
    store, done = MemoryStore(), threading.Event()

    def handler(job: JobRecord, progress: Callable[[float], None]) -> None:
        done.wait(60)

    with ThreadPoolExecutor(1) as pool:
        runner = JobRunner(store.jobs, {"drift": handler}, pool=pool, poll_s=0.05)
        runner.submit("0123456789ab", "drift", {})
        for _ in range(600):  # the thread claims it (no timing asserted: only the outcome)
            job = store.jobs.get("0123456789ab")
            if job is not None and job.state == "running":
                break
            threading.Event().wait(0.05)
        stopper = threading.Thread(target=runner.stop)
        stopper.start()
        done.set()
        stopper.join(60)
        assert not stopper.is_alive()
    final = store.jobs.get("0123456789ab")
    assert final is not None and final.state == "done"
    with pytest.raises(Exception, match="no handler for jobs of kind 'atlas'"):
        runner.submit("ffffffffffff", "atlas", {})
