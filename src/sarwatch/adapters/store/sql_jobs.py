"""The job queue in SQL: a row per job, claimed by exactly one worker.

Claims are exclusive. On SQLite a claim is one write transaction (``BEGIN
IMMEDIATE``: one writer at a time across every process) whose ``UPDATE ... WHERE
state = 'queued'`` must change exactly one row; on PostgreSQL the candidate row is
taken with ``SELECT ... FOR UPDATE SKIP LOCKED``, so that concurrent claimers never
wait on, nor both take, the same row. Idle workers only read: a claim or a reap opens
a write transaction only when a read saw something to do.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.engine import Engine

from sarwatch.adapters.store.engine import WRITE_OPTION
from sarwatch.adapters.store.job_rules import phase_text, stale_outcome
from sarwatch.adapters.store.tables_jobs import jobs
from sarwatch.errors import ConflictError
from sarwatch.job_records import JobRecord

__all__ = ["SqlJobQueue"]


def _record(row: Any) -> JobRecord:
    m = row._mapping
    return JobRecord(
        job_id=m["job_id"], kind=m["kind"], request=json.loads(m["request"]),
        state=m["state"], progress=float(m["progress"]), phase=m["phase"],
        attempts=int(m["attempts"]),
        worker=m["worker"], pid=m["pid"], created_s=float(m["created_s"]),
        started_s=m["started_s"], heartbeat_s=m["heartbeat_s"], finished_s=m["finished_s"],
        error=m["error"],
    )  # fmt: skip


class SqlJobQueue:
    """Jobs in the ``jobs`` table of a SQL store.

    Parameters
    ----------
    engine
        The store's engine.
    lock
        SQLite: the store's writer lock (this process's writers queue there rather than
        in SQLite's busy handler); ``None`` on PostgreSQL.
    """

    def __init__(self, engine: Engine, lock: threading.Lock | None = None) -> None:
        self._engine = engine
        self._lock = lock
        self._postgres = engine.dialect.name == "postgresql"

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        if self._lock is not None:
            self._lock.acquire()
        try:
            connection = self._engine.connect().execution_options(**{WRITE_OPTION: True})
            with connection as conn, conn.begin():
                yield conn
        finally:
            if self._lock is not None:
                self._lock.release()

    def submit(
        self, job_id: str, kind: str, request: Mapping[str, Any], *, now_s: float
    ) -> JobRecord:
        """Queue a new job; :class:`ConflictError` if the id is taken."""
        record = JobRecord(job_id, kind, dict(request), created_s=now_s)
        with self._write() as conn:
            if conn.execute(select(jobs.c.job_id).where(jobs.c.job_id == job_id)).first():
                raise ConflictError(f"job {job_id} exists already")
            conn.execute(
                insert(jobs).values(
                    job_id=job_id,
                    kind=kind,
                    request=json.dumps(record.request),
                    state="queued",
                    progress=0.0,
                    attempts=0,
                    created_s=now_s,
                )
            )
        return record

    def get(self, job_id: str) -> JobRecord | None:
        """The job with this id, or ``None``."""
        with self._engine.connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.job_id == job_id)).first()
        return None if row is None else _record(row)

    def recent(self, *, limit: int = 50) -> list[JobRecord]:
        """The newest jobs first."""
        query = select(jobs).order_by(jobs.c.created_s.desc()).limit(limit)
        with self._engine.connect() as conn:
            return [_record(row) for row in conn.execute(query)]

    def claim(
        self, worker: str, pid: int, *, kinds: tuple[str, ...], now_s: float
    ) -> JobRecord | None:
        """Take the oldest queued job of one of ``kinds`` for ``worker``, or ``None``.

        At most one claimer gets a given job, across threads and processes.
        """
        oldest = (
            select(jobs.c.job_id)
            .where(jobs.c.state == "queued", jobs.c.kind.in_(kinds))
            .order_by(jobs.c.created_s, jobs.c.job_id)
            .limit(1)
        )
        with self._engine.connect() as conn:  # a read first: idle workers never write
            if conn.execute(oldest).first() is None:
                return None
        with self._write() as conn:
            locked = oldest.with_for_update(skip_locked=True) if self._postgres else oldest
            row = conn.execute(locked).first()
            if row is None:
                return None
            taken = conn.execute(
                update(jobs)
                .where(jobs.c.job_id == row.job_id, jobs.c.state == "queued")
                .values(
                    state="running",
                    worker=worker,
                    pid=pid,
                    attempts=jobs.c.attempts + 1,
                    started_s=now_s,
                    heartbeat_s=now_s,
                    progress=0.0,
                    phase=None,
                )
            )
            if taken.rowcount != 1:  # another claimer was first
                return None
            claimed = conn.execute(select(jobs).where(jobs.c.job_id == row.job_id)).one()
        return _record(claimed)

    def beat(
        self,
        worker: str,
        progress: Mapping[str, float],
        *,
        now_s: float,
        phases: Mapping[str, str] | None = None,
    ) -> set[str]:
        """Say ``worker`` is alive for its jobs (their progress, and the phase of those in
        ``phases``); the ids it still holds.

        A job missing from the answer was taken from the worker (it was thought dead).
        """
        if not progress:
            return set()
        held: set[str] = set()
        with self._write() as conn:
            for job_id, fraction in progress.items():
                values: dict[str, Any] = {
                    "heartbeat_s": now_s, "progress": min(max(fraction, 0.0), 1.0)
                }  # fmt: skip
                if phases and job_id in phases:
                    values["phase"] = phase_text(phases[job_id])
                done = conn.execute(
                    update(jobs)
                    .where(jobs.c.job_id == job_id, jobs.c.worker == worker)
                    .where(jobs.c.state == "running")
                    .values(**values)
                )
                if done.rowcount == 1:
                    held.add(job_id)
        return held

    def finish(self, job_id: str, worker: str, *, error: str | None, now_s: float) -> bool:
        """End a job ``worker`` holds: done (``error`` None) or failed; whether it held it."""
        values: dict[str, Any] = {"finished_s": now_s, "heartbeat_s": now_s}
        if error is None:  # an earlier lost worker's reason stays: the run was resumed
            values.update(state="done", progress=1.0)
        else:
            values.update(state="failed", error=error)
        with self._write() as conn:
            done = conn.execute(
                update(jobs)
                .where(jobs.c.job_id == job_id, jobs.c.worker == worker, jobs.c.state == "running")
                .values(**values)
            )
        return done.rowcount == 1

    def reap(self, *, stale_before_s: float, max_attempts: int, now_s: float) -> list[JobRecord]:
        """Re-queue (or, past ``max_attempts``, fail) running jobs whose worker went quiet.

        A job is stale when its last heartbeat is older than ``stale_before_s``. Returns
        the jobs as they are after the change.
        """
        stale = select(jobs).where(jobs.c.state == "running", jobs.c.heartbeat_s < stale_before_s)
        with self._engine.connect() as conn:
            if conn.execute(stale.limit(1)).first() is None:
                return []
        changed: list[JobRecord] = []
        with self._write() as conn:
            query = stale.with_for_update(skip_locked=True) if self._postgres else stale
            for row in conn.execute(query).all():
                job = _record(row)
                state, reason = stale_outcome(job, max_attempts)
                extra = {"finished_s": now_s} if state == "failed" else {"worker": None}
                conn.execute(
                    update(jobs)
                    .where(jobs.c.job_id == job.job_id, jobs.c.state == "running")
                    .values(state=state, error=reason, **extra)
                )
                fresh = conn.execute(select(jobs).where(jobs.c.job_id == job.job_id)).one()
                changed.append(_record(fresh))
        return changed
