"""The job queue a store offers the job runner (a port, as :mod:`sarwatch.services.ports`).

Implemented structurally by :class:`~sarwatch.adapters.store.sql_jobs.SqlJobQueue`
(SQLite, PostgreSQL) and :class:`~sarwatch.adapters.store.memory_jobs.MemoryJobQueue`;
one contract test suite (``tests/test_jobs_queue.py``) runs against each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from sarwatch.job_records import JobRecord

__all__ = ["JobQueue", "JobRecord"]


class JobQueue(Protocol):
    """Jobs kept in a store and claimed by exactly one worker at a time."""

    def submit(
        self, job_id: str, kind: str, request: Mapping[str, Any], *, now_s: float
    ) -> JobRecord:
        """Queue a new job (:class:`~sarwatch.errors.ConflictError` if the id is taken)."""

    def get(self, job_id: str) -> JobRecord | None:
        """The job with this id, or ``None``."""

    def recent(self, *, limit: int = 50) -> list[JobRecord]:
        """The newest jobs first."""

    def claim(
        self, worker: str, pid: int, *, kinds: tuple[str, ...], now_s: float
    ) -> JobRecord | None:
        """Take the oldest queued job of one of ``kinds`` (exclusive), or ``None``."""

    def beat(
        self,
        worker: str,
        progress: Mapping[str, float],
        *,
        now_s: float,
        phases: Mapping[str, str] | None = None,
    ) -> set[str]:
        """Heartbeat and progress of the worker's jobs, and the phase of those in
        ``phases`` (the others keep theirs); the ids it still holds."""

    def finish(self, job_id: str, worker: str, *, error: str | None, now_s: float) -> bool:
        """End a job the worker holds (done, or failed with ``error``); whether it held it."""

    def reap(self, *, stale_before_s: float, max_attempts: int, now_s: float) -> list[JobRecord]:
        """Re-queue or fail running jobs whose last heartbeat is older than ``stale_before_s``."""
