"""What a store does to a job whose worker went quiet, and to a phase it is told: the rules
both adapters follow."""

from __future__ import annotations

from sarwatch.job_records import MAX_PHASE_CHARS, JobRecord, JobState, iso_utc

__all__ = ["phase_text", "stale_outcome"]


def phase_text(phase: str) -> str:
    """A job's phase as the store keeps it: one line, at most ``MAX_PHASE_CHARS`` long.

    Examples
    --------
    >>> phase_text("  reading forcing ")
    'reading forcing'
    >>> len(phase_text("x" * 100))
    40
    """
    return " ".join(str(phase).split())[:MAX_PHASE_CHARS]


def stale_outcome(job: JobRecord, max_attempts: int) -> tuple[JobState, str]:
    """The new state (``queued`` or ``failed``) and the reason, for a job gone stale.

    Examples
    --------
    >>> job = JobRecord("ab", "drift", {}, state="running", attempts=1, worker="h:7",
    ...                 pid=7, heartbeat_s=0.0)
    >>> stale_outcome(job, 3)[1]  # doctest: +NORMALIZE_WHITESPACE
    'worker 7 (h:7) stopped responding at 1970-01-01T00:00:00Z;
     re-queued (attempt 1 of 3 lost)'
    >>> stale_outcome(job, 3)[0]
    'queued'
    >>> stale_outcome(job, 1)[0]
    'failed'
    """
    reason = (
        f"worker {job.pid} ({job.worker}) stopped responding at "
        f"{iso_utc(job.heartbeat_s if job.heartbeat_s is not None else job.started_s)}"
    )
    if job.attempts < max_attempts:
        return "queued", f"{reason}; re-queued (attempt {job.attempts} of {max_attempts} lost)"
    return "failed", f"{reason}; gave up after {job.attempts} attempt(s)"
