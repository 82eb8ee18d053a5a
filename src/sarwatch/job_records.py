"""What the store keeps about a background job (a drift run asked for through the API).

The value shared by the job-queue port (:class:`sarwatch.services.ports.JobQueue`)
and the store adapters that implement it, kept here, with the other store values, so
that no adapter imports the service layer. Times are seconds since the Unix epoch
(UTC), as the store keeps them; :func:`iso_utc` writes one for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

__all__ = ["JOB_STATES", "MAX_PHASE_CHARS", "JobRecord", "JobState", "iso_utc"]

JobState = Literal["queued", "running", "done", "failed"]
#: Every state a job can be in; ``done`` and ``failed`` are final.
JOB_STATES: tuple[JobState, ...] = ("queued", "running", "done", "failed")
#: The longest phase the store keeps (a few words: ``reading forcing``).
MAX_PHASE_CHARS = 40


def iso_utc(epoch_s: float | None) -> str | None:
    """An epoch time (s, UTC) as ISO 8601 with a ``Z`` (``None`` stays ``None``).

    Examples
    --------
    >>> iso_utc(0.0)
    '1970-01-01T00:00:00Z'
    >>> iso_utc(None) is None
    True
    """
    if epoch_s is None:
        return None
    moment = datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="seconds")
    return moment.replace("+00:00", "Z")


@dataclass(frozen=True)
class JobRecord:
    """One job as the store holds it.

    Attributes
    ----------
    job_id
        The job's id (a drift job uses its run id).
    kind
        What the job does (``"drift"``); the runner picks the handler by it.
    request
        What the handler needs, as JSON.
    state
        ``queued``, ``running``, ``done`` or ``failed``.
    progress
        Fraction done, 0-1, as the worker running it last said.
    phase
        What the job was doing when its worker last said (a few words, e.g. ``reading
        forcing``), for the stretches its progress cannot count; ``None`` until it names
        one, and again when a worker (re)claims it.
    attempts
        How many times a worker claimed it (1 on the first run).
    worker, pid
        Who runs it now, or ran it last: a worker id (``host:pid``) and its process id.
    created_s, started_s, heartbeat_s, finished_s
        Times, seconds since the epoch (UTC): made, last claimed, last sign of life of
        its worker, finished.
    error
        Why it failed, or why it was re-queued (a worker that stopped responding).
    """

    job_id: str
    kind: str
    request: dict[str, Any]
    state: JobState = "queued"
    progress: float = 0.0
    phase: str | None = None
    attempts: int = 0
    worker: str | None = None
    pid: int | None = None
    created_s: float = 0.0
    started_s: float | None = None
    heartbeat_s: float | None = None
    finished_s: float | None = None
    error: str | None = None

    @property
    def final(self) -> bool:
        """Whether the job is over (``done`` or ``failed``)."""
        return self.state in ("done", "failed")
