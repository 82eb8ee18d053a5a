"""The job queue of every store (memory, SQLite, PostgreSQL): exclusive claims,
heartbeats, and what happens to a job whose worker stopped responding."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from _cases_helpers import SQL_STORE_KINDS, fresh_database_url
from sarwatch.adapters.store import SqlStore
from sarwatch.errors import ConflictError
from sarwatch.services.ports import Store

T0 = 1_765_000_000.0  # seconds since the epoch: 2025-12-06T05:46:40Z


def test_a_job_goes_from_queued_to_done_through_one_worker(store: Store) -> None:
    queue = store.jobs
    made = queue.submit("0123456789ab", "drift", {"body": {"lat": 33.2}}, now_s=T0)
    assert made.state == "queued" and made.attempts == 0 and made.worker is None
    with pytest.raises(ConflictError, match="exists already"):
        queue.submit("0123456789ab", "drift", {}, now_s=T0)
    assert queue.claim("h:1", 1, kinds=("atlas",), now_s=T0) is None  # another kind
    job = queue.claim("h:1", 1, kinds=("drift",), now_s=T0 + 1)
    assert job is not None and job.state == "running" and job.attempts == 1
    assert (job.worker, job.pid, job.started_s) == ("h:1", 1, T0 + 1)
    assert job.request == {"body": {"lat": 33.2}}
    assert queue.claim("h:2", 2, kinds=("drift",), now_s=T0 + 1) is None  # taken
    assert queue.beat("h:1", {job.job_id: 0.25}, now_s=T0 + 2) == {job.job_id}
    assert queue.beat("h:2", {job.job_id: 0.9}, now_s=T0 + 2) == set()  # not its job
    seen = queue.get(job.job_id)
    assert seen is not None and seen.progress == 0.25 and seen.heartbeat_s == T0 + 2
    assert not queue.finish(job.job_id, "h:2", error=None, now_s=T0 + 3)
    assert queue.finish(job.job_id, "h:1", error=None, now_s=T0 + 3)
    done = queue.get(job.job_id)
    assert done is not None and done.state == "done" and done.final and done.progress == 1.0
    assert queue.get("ffffffffffff") is None
    assert [j.job_id for j in queue.recent()] == [job.job_id]


def test_a_heartbeat_carries_the_phase_and_a_new_claim_clears_it(store: Store) -> None:
    queue = store.jobs
    queue.submit("0123456789ab", "drift", {}, now_s=T0)
    assert queue.get("0123456789ab").phase is None  # type: ignore[union-attr]
    queue.claim("h:1", 1, kinds=("drift",), now_s=T0)
    queue.beat("h:1", {"0123456789ab": 0.0}, now_s=T0 + 1, phases={"0123456789ab": "seeding"})
    assert queue.get("0123456789ab").phase == "seeding"  # type: ignore[union-attr]
    queue.beat("h:1", {"0123456789ab": 0.3}, now_s=T0 + 2)  # no phase named: it stays
    seen = queue.get("0123456789ab")
    assert seen is not None and (seen.phase, seen.progress) == ("seeding", 0.3)
    queue.beat("h:1", {"0123456789ab": 0.3}, now_s=T0 + 3, phases={"0123456789ab": "x" * 99})
    assert queue.get("0123456789ab").phase == "x" * 40  # type: ignore[union-attr]
    # the worker goes quiet; the next worker starts the job again, without a phase
    queue.reap(stale_before_s=T0 + 30, max_attempts=3, now_s=T0 + 40)
    again = queue.claim("h:2", 2, kinds=("drift",), now_s=T0 + 41)
    assert again is not None and again.phase is None and again.progress == 0.0


def test_jobs_are_claimed_oldest_first_and_a_failure_keeps_its_reason(store: Store) -> None:
    queue = store.jobs
    queue.submit("bbbbbbbbbbbb", "drift", {}, now_s=T0 + 5)
    queue.submit("aaaaaaaaaaaa", "drift", {}, now_s=T0)
    first = queue.claim("h:1", 1, kinds=("drift",), now_s=T0 + 6)
    second = queue.claim("h:1", 1, kinds=("drift",), now_s=T0 + 6)
    assert (first and first.job_id, second and second.job_id) == ("aaaaaaaaaaaa", "bbbbbbbbbbbb")
    assert queue.finish("aaaaaaaaaaaa", "h:1", error="no wind for the run", now_s=T0 + 7)
    failed = queue.get("aaaaaaaaaaaa")
    assert failed is not None and failed.state == "failed" and failed.error == "no wind for the run"


def test_a_stale_job_is_requeued_then_failed_with_the_reason(store: Store) -> None:
    queue = store.jobs
    queue.submit("0123456789ab", "drift", {}, now_s=T0)
    first = queue.claim("h:101", 101, kinds=("drift",), now_s=T0)
    assert first is not None
    # fresh enough: nothing happens
    assert queue.reap(stale_before_s=T0 - 1, max_attempts=2, now_s=T0 + 10) == []
    (requeued,) = queue.reap(stale_before_s=T0 + 1, max_attempts=2, now_s=T0 + 40)
    assert requeued.state == "queued" and requeued.worker is None
    assert requeued.error == (
        "worker 101 (h:101) stopped responding at 2025-12-06T05:46:40Z; "
        "re-queued (attempt 1 of 2 lost)"
    )
    # the lost worker comes back: it holds nothing and cannot finish the job
    assert queue.beat("h:101", {"0123456789ab": 0.5}, now_s=T0 + 41) == set()
    assert not queue.finish("0123456789ab", "h:101", error=None, now_s=T0 + 41)
    second = queue.claim("h:202", 202, kinds=("drift",), now_s=T0 + 50)
    assert second is not None and second.attempts == 2 and second.pid == 202
    (failed,) = queue.reap(stale_before_s=T0 + 60, max_attempts=2, now_s=T0 + 90)
    assert failed.state == "failed" and failed.finished_s == T0 + 90 and failed.pid == 202
    assert failed.error == (
        "worker 202 (h:202) stopped responding at 2025-12-06T05:47:30Z; gave up after 2 attempt(s)"
    )
    assert queue.claim("h:303", 303, kinds=("drift",), now_s=T0 + 91) is None


def test_a_resumed_job_that_finishes_keeps_why_it_was_resumed(store: Store) -> None:
    queue = store.jobs
    queue.submit("0123456789ab", "drift", {}, now_s=T0)
    queue.claim("h:1", 1, kinds=("drift",), now_s=T0)
    queue.reap(stale_before_s=T0 + 1, max_attempts=3, now_s=T0 + 30)
    queue.claim("h:2", 2, kinds=("drift",), now_s=T0 + 31)
    assert queue.finish("0123456789ab", "h:2", error=None, now_s=T0 + 32)
    done = queue.get("0123456789ab")
    assert done is not None and done.state == "done" and done.attempts == 2
    assert done.error is not None and "worker 1 (h:1) stopped responding" in done.error


@pytest.mark.parametrize("kind", SQL_STORE_KINDS)
def test_many_claimers_in_separate_connections_take_each_job_exactly_once(
    kind: str, tmp_path: Path
) -> None:
    """Four claimers, each with a store of its own (as four worker processes have),
    race for 40 jobs: every job is claimed once, none twice."""
    url = fresh_database_url(kind, tmp_path)
    stores = [SqlStore(url) for _ in range(4)]
    try:
        for i in range(40):
            stores[0].jobs.submit(f"{i:012x}", "drift", {"i": i}, now_s=T0 + i)
        start = threading.Barrier(len(stores))
        taken: list[list[str]] = [[] for _ in stores]

        def claim_all(k: int) -> None:
            start.wait()
            queue = stores[k].jobs
            while (job := queue.claim(f"h:{k}", k, kinds=("drift",), now_s=T0)) is not None:
                taken[k].append(job.job_id)

        threads = [threading.Thread(target=claim_all, args=(k,)) for k in range(len(stores))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        every = [job_id for mine in taken for job_id in mine]
        assert sorted(every) == [f"{i:012x}" for i in range(40)]  # all, each once
        for k, mine in enumerate(taken):
            for job_id in mine:
                row = stores[0].jobs.get(job_id)
                assert row is not None and row.worker == f"h:{k}" and row.attempts == 1
    finally:
        for s in stores:
            s.close()


@pytest.mark.parametrize("kind", SQL_STORE_KINDS)
def test_two_claimers_one_job(kind: str, tmp_path: Path) -> None:
    """Repeated 20 times: two claimers released at once for a single job, one gets it."""
    url = fresh_database_url(kind, tmp_path)
    a, b = SqlStore(url), SqlStore(url)
    try:
        for round_ in range(20):
            job_id = f"{round_:012x}"
            a.jobs.submit(job_id, "drift", {}, now_s=T0)
            start = threading.Barrier(2)
            got: dict[str, object] = {}

            def claim(
                name: str, s: SqlStore, start: threading.Barrier, got: dict[str, object]
            ) -> None:
                start.wait()
                got[name] = s.jobs.claim(name, 0, kinds=("drift",), now_s=T0)

            threads = [
                threading.Thread(target=claim, args=(n, s, start, got))
                for n, s in (("a", a), ("b", b))
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            winners = [name for name, job in got.items() if job is not None]
            assert len(winners) == 1, got
            row = a.jobs.get(job_id)
            assert row is not None and row.worker == winners[0] and row.attempts == 1
    finally:
        a.close()
        b.close()
