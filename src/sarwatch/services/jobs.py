"""Background jobs run by whichever server worker claims them first.

A drift run asked for through the API becomes a row in the store's job queue
(:class:`~sarwatch.services.job_ports.JobQueue`); every worker process of
``sarwatch serve --workers N`` has one :class:`JobRunner`, a thread that

- claims queued jobs (exclusively: one worker per job) while it has room, and hands
  each to the handler for its kind in the station's thread pool;
- writes a heartbeat, with each job's progress and phase, every ``heartbeat_s`` seconds;
- reaps: a running job whose heartbeat is older than ``stale_s`` lost its worker
  (killed, crashed, the machine stopped); it is re-queued for any worker to resume,
  or, once it was claimed ``max_attempts`` times, marked failed with the reason
  ("worker 4711 (host:4711) stopped responding at 2026-12-06T21:40:03Z; ...").

Every worker reads the state, progress and phase of every job from the store, so the
worker that answers ``GET /api/drift/{run_id}`` need not be the one computing it.
See ``docs/design/021-workers.md``.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future
from typing import Any, Protocol

from sarwatch.errors import SarwatchError, unexpected_error_text
from sarwatch.job_records import JobRecord
from sarwatch.services.job_ports import JobQueue

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_STALE_S",
    "JobHandler",
    "JobProgress",
    "JobRunner",
    "worker_id",
]

#: Seconds without a heartbeat after which a running job's worker is taken for dead.
DEFAULT_STALE_S = 30.0
#: Claims of one job before a lost job is failed instead of re-queued.
DEFAULT_MAX_ATTEMPTS = 3


class JobProgress(Protocol):
    """How a handler says how far its job is: ``report(fraction)``, or
    ``report(fraction, phase)`` to also name what it is doing now (a few words, e.g.
    ``"reading forcing"``: the part a fraction of steps cannot count). A phase stays
    until another is named."""

    def __call__(self, fraction: float, phase: str | None = None) -> None: ...


#: What runs a job: the job and its progress callback; raises to fail it.
JobHandler = Callable[[JobRecord, JobProgress], None]


def worker_id(pid: int | None = None) -> str:
    """This process as a job owner: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid() if pid is None else pid}"


class JobRunner:
    """One worker's claimer, heartbeat and reaper of the store's jobs.

    Parameters
    ----------
    queue
        The store's job queue.
    handlers
        The handler of each job kind this worker runs.
    pool
        Where handlers run (the station's drift threads).
    capacity
        Jobs this worker runs at once.
    stale_s
        Seconds without a heartbeat after which a job's worker counts as dead.
    heartbeat_s
        Seconds between heartbeats, which carry the progress other workers report
        (default 1 s, or ``stale_s / 6`` if shorter). Stale jobs are looked for as often.
    poll_s
        Seconds between looks for queued jobs (a submit in this process wakes it at once).
    max_attempts
        Claims of one job before a lost job is failed.
    clock
        Seconds since the epoch (UTC); tests give their own.
    """

    def __init__(
        self,
        queue: JobQueue,
        handlers: Mapping[str, JobHandler],
        *,
        pool: Executor,
        capacity: int = 2,
        stale_s: float = DEFAULT_STALE_S,
        heartbeat_s: float | None = None,
        poll_s: float = 0.5,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if stale_s <= 0 or max_attempts < 1 or capacity < 1:
            raise ValueError("stale_s > 0, max_attempts >= 1 and capacity >= 1 are needed")
        self.queue = queue
        self.handlers = dict(handlers)
        self.pool = pool
        self.capacity = capacity
        self.stale_s = stale_s
        self.heartbeat_s = heartbeat_s if heartbeat_s is not None else min(1.0, stale_s / 6)
        self.poll_s = poll_s
        self.max_attempts = max_attempts
        self.clock = clock
        self.pid = os.getpid()
        self.worker = worker_id(self.pid)
        self._lock = threading.Lock()
        self._progress: dict[str, float] = {}  # jobs of this worker under way
        self._phase: dict[str, str] = {}  # the phase each of them named last
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_beat = 0.0
        self._last_reap = 0.0

    # -- use -------------------------------------------------------------------------------

    def submit(self, job_id: str, kind: str, request: Mapping[str, Any]) -> JobRecord:
        """Queue a job for any worker (this one is woken, and usually takes it)."""
        if kind not in self.handlers:
            raise SarwatchError(f"no handler for jobs of kind {kind!r}")
        record = self.queue.submit(job_id, kind, request, now_s=self.clock())
        self.start()
        self._wake.set()
        return record

    def get(self, job_id: str) -> JobRecord | None:
        """The job as the store has it (whichever worker runs it)."""
        return self.queue.get(job_id)

    def running_here(self) -> list[str]:
        """Ids of the jobs this worker runs now."""
        with self._lock:
            return list(self._progress)

    # -- the thread ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the runner's thread (once; later calls do nothing)."""
        with self._lock:
            if self._thread is not None or self._stopping.is_set():
                return
            self._thread = threading.Thread(
                target=self._loop, name=f"sarwatch-jobs-{self.pid}", daemon=True
            )
            self._thread.start()

    def stop(self, *, timeout_s: float | None = None) -> None:
        """Claim nothing more; keep beating for the jobs under way until they end."""
        self._stopping.set()
        self._wake.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(timeout_s)

    def _loop(self) -> None:
        while True:
            stopping = self._stopping.is_set()
            try:
                self.tick(claim=not stopping)
            except Exception as exc:  # a store hiccup must not end the runner; say it
                _warn(f"the job runner of worker {self.worker} could not reach the store: {exc}")
            if stopping and not self.running_here():
                return
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def tick(self, *, claim: bool = True) -> None:
        """One pass: heartbeat, reap stale jobs, claim while there is room (tests call it)."""
        now = self.clock()
        if now - self._last_beat >= self.heartbeat_s:
            self.beat(now)
        if now - self._last_reap >= self.heartbeat_s:
            self._last_reap = now
            self.queue.reap(
                stale_before_s=now - self.stale_s, max_attempts=self.max_attempts, now_s=now
            )
        while claim and len(self.running_here()) < self.capacity:
            job = self.queue.claim(
                self.worker, self.pid, kinds=tuple(self.handlers), now_s=self.clock()
            )
            if job is None:
                return
            self._run(job)

    def beat(self, now: float | None = None) -> None:
        """Write this worker's heartbeat and its jobs' progress now."""
        now = self.clock() if now is None else now
        self._last_beat = now
        with self._lock:
            progress = dict(self._progress)
            phases = {k: v for k, v in self._phase.items() if k in progress}
        if progress:
            self.queue.beat(self.worker, progress, now_s=now, phases=phases)

    def _run(self, job: JobRecord) -> None:
        with self._lock:
            self._progress[job.job_id] = 0.0

        def progress(fraction: float, phase: str | None = None) -> None:
            with self._lock:
                if job.job_id in self._progress:
                    self._progress[job.job_id] = float(fraction)
                    if phase is not None:
                        self._phase[job.job_id] = phase

        try:
            future = self.pool.submit(self.handlers[job.kind], job, progress)
        except RuntimeError as exc:  # the pool was shut down under us: give the job back
            with self._lock:
                self._progress.pop(job.job_id, None)
                self._phase.pop(job.job_id, None)
            self.queue.finish(
                job.job_id, self.worker, error=f"worker {self.pid} stopping: {exc}",
                now_s=self.clock(),
            )  # fmt: skip
            return
        future.add_done_callback(lambda done: self._finished(job, done))

    def _finished(self, job: JobRecord, future: Future[None]) -> None:
        exc = future.exception()
        if exc is None:
            error = None
        elif isinstance(exc, SarwatchError):
            error = str(exc)
        else:
            error = unexpected_error_text(exc, "sarwatch.jobs")  # no server paths to users
        try:
            self.queue.finish(job.job_id, self.worker, error=error, now_s=self.clock())
        except Exception as store_exc:  # the heartbeat stops: another worker reaps it
            _warn(f"could not record the end of job {job.job_id}: {store_exc}")
        finally:
            with self._lock:
                self._progress.pop(job.job_id, None)
                self._phase.pop(job.job_id, None)
            self._wake.set()


def _warn(message: str) -> None:
    import logging

    logging.getLogger("sarwatch.jobs").warning(message)
