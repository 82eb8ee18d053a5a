"""The job queue of the in-memory store (one process; tests and throw-away stations)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sarwatch.adapters.store.job_rules import phase_text, stale_outcome
from sarwatch.errors import ConflictError
from sarwatch.job_records import JobRecord

__all__ = ["MemoryJobQueue"]


class MemoryJobQueue:
    """Jobs in a dict under a lock; the same contract as
    :class:`~sarwatch.adapters.store.sql_jobs.SqlJobQueue`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, JobRecord] = {}

    def submit(
        self, job_id: str, kind: str, request: Mapping[str, Any], *, now_s: float
    ) -> JobRecord:
        """Queue a new job; :class:`ConflictError` if the id is taken."""
        with self._lock:
            if job_id in self._jobs:
                raise ConflictError(f"job {job_id} exists already")
            record = JobRecord(job_id, kind, dict(request), created_s=now_s)
            self._jobs[job_id] = record
        return record

    def get(self, job_id: str) -> JobRecord | None:
        """The job with this id, or ``None``."""
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self, *, limit: int = 50) -> list[JobRecord]:
        """The newest jobs first."""
        with self._lock:
            found = sorted(self._jobs.values(), key=lambda j: j.created_s, reverse=True)
        return found[:limit]

    def claim(
        self, worker: str, pid: int, *, kinds: tuple[str, ...], now_s: float
    ) -> JobRecord | None:
        """Take the oldest queued job of one of ``kinds`` for ``worker``, or ``None``."""
        with self._lock:
            queued = [j for j in self._jobs.values() if j.state == "queued" and j.kind in kinds]
            if not queued:
                return None
            job = min(queued, key=lambda j: (j.created_s, j.job_id))
            taken = replace(
                job, state="running", worker=worker, pid=pid, attempts=job.attempts + 1,
                started_s=now_s, heartbeat_s=now_s, progress=0.0, phase=None,
            )  # fmt: skip
            self._jobs[job.job_id] = taken
        return taken

    def beat(
        self,
        worker: str,
        progress: Mapping[str, float],
        *,
        now_s: float,
        phases: Mapping[str, str] | None = None,
    ) -> set[str]:
        """Heartbeat, progress and phase of ``worker``'s jobs; the ids it still holds."""
        held: set[str] = set()
        with self._lock:
            for job_id, fraction in progress.items():
                job = self._jobs.get(job_id)
                if job is None or job.worker != worker or job.state != "running":
                    continue
                fraction = min(max(fraction, 0.0), 1.0)
                phase = phase_text(phases[job_id]) if phases and job_id in phases else job.phase
                self._jobs[job_id] = replace(job, heartbeat_s=now_s, progress=fraction, phase=phase)
                held.add(job_id)
        return held

    def finish(self, job_id: str, worker: str, *, error: str | None, now_s: float) -> bool:
        """End a job ``worker`` holds: done (``error`` None) or failed; whether it held it."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.worker != worker or job.state != "running":
                return False
            self._jobs[job_id] = replace(
                job, state="done" if error is None else "failed", error=error or job.error,
                progress=1.0 if error is None else job.progress, finished_s=now_s,
                heartbeat_s=now_s,
            )  # fmt: skip
        return True

    def reap(self, *, stale_before_s: float, max_attempts: int, now_s: float) -> list[JobRecord]:
        """Re-queue (or fail) running jobs whose last heartbeat is older than ``stale_before_s``."""
        changed: list[JobRecord] = []
        with self._lock:
            for job in list(self._jobs.values()):
                if job.state != "running" or (job.heartbeat_s or 0.0) >= stale_before_s:
                    continue
                state, reason = stale_outcome(job, max_attempts)
                new = replace(
                    job, state=state, error=reason,
                    worker=None if state == "queued" else job.worker,
                    finished_s=now_s if state == "failed" else None,
                )  # fmt: skip
                self._jobs[job.job_id] = new
                changed.append(new)
        return changed
