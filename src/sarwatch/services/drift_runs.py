"""Drift runs started by the web service, recorded on disk so that they outlive it.

Each run has a directory ``<home_dir>/runs/<run_id>/`` holding its outputs
(``drift.nc``, ``drift.geojson``, ``drift.png``, ``summary.json``) and its record,
``run.json``: id, who started it, the request as sent, status, created / started /
finished times (ISO 8601 UTC), error message and type, and the output file names.
The record is rewritten atomically (:func:`sarwatch._files.write_bytes_atomic`) at
each change of status, so a reader never sees half a record.

The runs of this process are also held in memory (with their progress and phase, which
are not written to disk); any other run is read from its record when asked for. A run of the
web service is also a job in the store (:mod:`sarwatch.services.jobs`), run by
whichever server worker claims it: while its record is unfinished, its state and
progress and phase are the job's, as the store has them, so every worker reports every run. A
record that still says ``queued`` or ``running`` with no job behind it was left by a
server that stopped during the run: it is shown as ``failed`` with a message saying so.

Run ids are 12 lowercase hexadecimal digits; anything else is refused before the
file system is touched, so an id can never name a path outside ``runs/``.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sarwatch._files import make_private_dirs, write_bytes_atomic
from sarwatch.errors import DataError, NotFoundError
from sarwatch.job_records import JobRecord, iso_utc
from sarwatch.services.job_ports import JobQueue

__all__ = [
    "RECORD_NAME",
    "DriftRunRecord",
    "DriftRuns",
    "check_run_id",
]

#: The record's file name inside a run's directory.
RECORD_NAME = "run.json"
RunStatus = Literal["queued", "running", "done", "failed"]
_RUN_ID = re.compile(r"[0-9a-f]{12}")
_FINAL = ("done", "failed")
#: ``error_type`` of a run whose server stopped before it finished.
INTERRUPTED = "Interrupted"


def now_text() -> str:
    """The time now, UTC, as run records write it (``2026-12-07T07:30:00Z``)."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def check_run_id(run_id: str) -> str:
    """Return ``run_id`` if it has the form of a run id (12 lowercase hex digits).

    Raises
    ------
    NotFoundError
        For anything else (no run can have that id); nothing is read from disk.

    Examples
    --------
    >>> check_run_id("0123456789ab")
    '0123456789ab'
    >>> check_run_id("../../etc")
    Traceback (most recent call last):
    ...
    sarwatch.errors.NotFoundError: no drift run '../../etc': a run id is 12 hexadecimal digits ...
    """
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id):
        raise NotFoundError(
            f"no drift run {run_id!r}: a run id is 12 hexadecimal digits as returned by "
            "POST /api/drift (e.g. 3f9c0a1b2d4e); list the runs with GET /api/drift"
        )
    return run_id


@dataclass(frozen=True)
class DriftRunRecord:
    """What is known about one run (the content of ``run.json``, plus live progress).

    Attributes
    ----------
    run_id
        12 hexadecimal digits.
    started_by
        Name of the user who started it.
    request
        The request as the client sent it (JSON).
    status
        ``queued``, ``running``, ``done`` or ``failed``.
    created_at, started_at, finished_at
        ISO 8601 UTC times (``None`` until reached).
    error, error_type
        Why a failed run failed (``error_type`` is the error's class name, or
        ``"Interrupted"`` when the server stopped during the run).
    files
        Output file names by kind (``netcdf``, ``geojson``, ``png``, ``summary``),
        relative to the run's directory; filled when the run is done.
    attachment
        For a run asked to be attached to a case: ``{"case_id", "status", "error"}``,
        status ``pending``, ``attached`` or ``refused`` (the case was closed during the
        run, say). A refused attachment does not fail the run: its outputs stand.
    progress
        Fraction of steps done (0-1); live runs only, 1 when done.
    phase
        What a running run is doing, as it last said (``reading forcing``, ``seeding``,
        ``loading kernels``, ``drifting``, ``writing outputs``...); live runs only.
    attempts, worker_pid, resumed_because
        From the run's job: how many times a worker took it up (a run resumed after its
        worker died has 2 or more), the process id of the worker that runs it, or ran it
        last, and why it was taken up again. Not kept in ``run.json``.
    """

    run_id: str
    started_by: str
    request: dict[str, Any]
    status: RunStatus = "queued"
    created_at: str = field(default_factory=now_text)
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = None
    error_type: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    attachment: dict[str, Any] | None = None
    progress: float = 0.0
    phase: str | None = None
    attempts: int = 0
    worker_pid: int | None = None
    resumed_because: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The record as written to ``run.json`` (progress, phase and the job's part are not
        kept)."""
        out = asdict(self)
        for live_only in ("progress", "phase", "attempts", "worker_pid", "resumed_because"):
            del out[live_only]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], path: Path) -> DriftRunRecord:
        """Read a record; :class:`DataError` naming ``path`` if it is not one."""
        try:
            record = cls(
                run_id=check_run_id(data["run_id"]),
                started_by=str(data["started_by"]),
                request=dict(data["request"]),
                status=data["status"],
                created_at=str(data["created_at"]),
                started_at=data.get("started_at"),
                finished_at=data.get("finished_at"),
                error=data.get("error"),
                error_type=data.get("error_type"),
                files={str(k): str(v) for k, v in (data.get("files") or {}).items()},
                attachment=_attachment(data.get("attachment")),
            )
        except (KeyError, TypeError, ValueError, NotFoundError) as exc:
            raise DataError(f"{path} is not a drift run record ({exc}); move it aside") from None
        if record.status not in ("queued", "running", *_FINAL):
            raise DataError(f"{path} has an unknown status {record.status!r}; move it aside")
        return record


class DriftRuns:
    """The drift runs of one station: those of this process in memory, all on disk.

    Parameters
    ----------
    root
        The runs directory, ``<home_dir>/runs``.
    jobs
        The store's job queue, where every worker reads the state of unfinished runs
        (``None``: runs of this process only, as ``sarwatch drift`` has them).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> runs = DriftRuns(pathlib.Path(tempfile.mkdtemp()))
    >>> run = runs.create("ana", {"lat": 33.2, "lon": 12.5})
    >>> _ = runs.update(run.run_id, status="running")
    >>> DriftRuns(runs.root).get(run.run_id).status  # as a restarted server sees it
    'failed'
    """

    def __init__(self, root: Path, jobs: JobQueue | None = None) -> None:
        self.root = Path(root)
        self.jobs = jobs
        self._live: dict[str, DriftRunRecord] = {}
        self._lock = threading.Lock()

    def run_dir(self, run_id: str) -> Path:
        """The directory of a run (the id is checked first)."""
        return self.root / check_run_id(run_id)

    def create(self, started_by: str, request: dict[str, Any]) -> DriftRunRecord:
        """Record a new queued run (its directory and ``run.json``) and return it."""
        run_id = uuid.uuid4().hex[:12]
        record = DriftRunRecord(run_id=run_id, started_by=started_by, request=request)
        make_private_dirs(self.root)  # the station home, if this creates it, owner only
        self.run_dir(run_id).mkdir(exist_ok=False)
        with self._lock:
            self._write(record)
            self._live[run_id] = record
        return record

    def adopt(self, run_id: str) -> DriftRunRecord:
        """Take up a run another worker created (its job was claimed here)."""
        record = self._read(check_run_id(run_id))
        with self._lock:
            self._live[run_id] = record
        return record

    def update(self, run_id: str, **changes: Any) -> DriftRunRecord:
        """Change a run of this process; written to disk unless only progress or phase
        changed."""
        with self._lock:
            record = replace(self._live[run_id], **changes)
            if set(changes) - {"progress", "phase"}:
                self._write(record)
            self._live[run_id] = record
        return record

    def get(self, run_id: str) -> DriftRunRecord:
        """A run by id: this process's from memory, others from their record.

        Raises
        ------
        NotFoundError
            A malformed id or no such run.
        DataError
            The run's ``run.json`` is unreadable.
        """
        check_run_id(run_id)
        with self._lock:
            live = self._live.get(run_id)
        if live is not None and self.jobs is None:
            return live
        record = live if live is not None and live.status in _FINAL else self._read(run_id)
        job = None if self.jobs is None else self.jobs.get(run_id)
        if record.status in _FINAL:
            return record if job is None else _from_job(record, job)
        if job is None:
            return live if live is not None else _orphaned(record)
        return _from_job(live or record, job)

    def _read(self, run_id: str) -> DriftRunRecord:
        """A run's record as ``run.json`` has it."""
        path = self.root / run_id / RECORD_NAME
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFoundError(
                f"no drift run {run_id!r} on this station (nothing in {self.root}); "
                "list the runs with GET /api/drift"
            ) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path} is not valid JSON ({exc}); move it aside") from None
        return DriftRunRecord.from_json(data, path)

    def recent(self, *, limit: int = 50) -> list[DriftRunRecord]:
        """The most recently created runs first (unreadable records are skipped)."""
        if not self.root.is_dir():
            return []
        out: list[DriftRunRecord] = []
        for entry in self.root.iterdir():
            if not _RUN_ID.fullmatch(entry.name) or not (entry / RECORD_NAME).is_file():
                continue
            try:
                out.append(self.get(entry.name))
            except (DataError, NotFoundError):
                continue
        out.sort(key=lambda r: (r.created_at, r.run_id), reverse=True)
        return out[:limit]

    def file(self, run_id: str, kind: str) -> Path | None:
        """The path of a run's output of ``kind``, or ``None`` if it has none."""
        record = self.get(run_id)
        name = record.files.get(kind)
        if name is None or Path(name).name != name or name in ("", ".", ".."):
            return None
        path = self.run_dir(run_id) / name
        return path if path.is_file() else None

    def summary(self, run_id: str) -> dict[str, Any] | None:
        """The run's ``summary.json`` (``None`` until it is done)."""
        path = self.file(run_id, "summary")
        if path is None:
            return None
        try:
            summary: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DataError(f"cannot read the summary of drift run {run_id}: {exc}") from None
        return summary

    def _write(self, record: DriftRunRecord) -> None:
        text = json.dumps(record.to_json(), indent=2, ensure_ascii=False) + "\n"
        write_bytes_atomic(self.root / record.run_id / RECORD_NAME, text.encode("utf-8"))


def _attachment(data: Any) -> dict[str, Any] | None:
    """A record's attachment outcome (``None`` when the run was not for a case)."""
    if data is None:
        return None
    return {
        "case_id": str(data["case_id"]),
        "status": str(data["status"]),
        "error": None if data.get("error") is None else str(data["error"]),
    }


def _from_job(record: DriftRunRecord, job: JobRecord) -> DriftRunRecord:
    """A run as its job stands in the store (whichever worker runs it)."""
    lost = job.error if job.state != "failed" else None  # a worker lost on the way
    record = replace(record, attempts=job.attempts, worker_pid=job.pid, resumed_because=lost)
    if record.status in _FINAL:  # the record has the outcome; the job, who ran it
        return record
    if job.state == "failed":  # its worker died, and the last attempt too
        return replace(
            record, status="failed", error=job.error, error_type=INTERRUPTED,
            finished_at=iso_utc(job.finished_s),
        )  # fmt: skip
    if job.state == "queued":  # waiting for a worker (after a lost one: resumed_because)
        return replace(record, status="queued", progress=0.0, phase=None)
    if job.state == "running":
        mine = record.status == "running"  # a live record is fresher than the heartbeat
        progress = max(job.progress, record.progress if mine else 0.0)
        phase = (record.phase if mine else None) or job.phase
        return replace(
            record, status="running", progress=progress, phase=phase, error=None,
            started_at=iso_utc(job.started_s),
        )  # fmt: skip
    # the job is done but the record was not (yet) rewritten: read again shortly
    return record


def _orphaned(record: DriftRunRecord) -> DriftRunRecord:
    """A record left unfinished by a server that stopped, shown as failed."""
    if record.status in _FINAL:
        return record
    return replace(
        record,
        status="failed",
        error_type=INTERRUPTED,
        error=(
            f"the server stopped during this run (it was {record.status}, started "
            f"{record.started_at or record.created_at}); its outputs are incomplete: "
            "start the run again"
        ),
    )
