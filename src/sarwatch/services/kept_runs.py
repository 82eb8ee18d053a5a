"""A drift run made on the command line for a case, kept among the station's runs.

``sarwatch drift --case ID --out DIR`` writes its outputs into ``DIR``, a directory of the
user's that may be moved, overwritten (``--force``) or deleted. So that the case's
attachment can name the run as one from the map does, by a run id
(:class:`~sarwatch.services.drift_runs.DriftRuns`), its outputs are copied into
``<home>/runs/<run_id>/`` with a ``run.json`` saying it is done, who made it and that it
was attached to the case. ``sarwatch responders CASE`` and the map's run list then find
it as they find a run of the server. Copies, not hard links: ``--out DIR --force`` writes
the next run's files over the same inodes, which would change the kept run under its
attachment (the SHA-256 check would then refuse it, but its downloads would be another
run's).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from sarwatch.errors import SarwatchError

if TYPE_CHECKING:
    from sarwatch.drift.result import DriftResult
    from sarwatch.services.attachments import AttachmentRecord, Attachments
    from sarwatch.services.drift import DriftRequest
    from sarwatch.services.drift_runs import DriftRuns

__all__ = ["attach_kept_run", "open_kept_run"]


def open_kept_run(
    runs_root: Path, case_id: str, req: DriftRequest, *, actor: str
) -> tuple[DriftRuns, str]:
    """A new station run (running) for a command-line drift for a case without ``--out``:
    the run writes its outputs straight into the run's directory, ``<home>/runs/<id>/``,
    and :func:`attach_kept_run` then keeps them there (no copy).

    Returns
    -------
    tuple
        The station's runs and the new run's id.
    """
    from sarwatch.services.drift_runs import DriftRuns

    runs = DriftRuns(runs_root)
    run = runs.create(actor, _request(case_id, req))
    runs.update(run.run_id, status="running", started_at=run.created_at)
    return runs, run.run_id


def _request(case_id: str, req: DriftRequest) -> dict[str, object]:
    """The request as a kept run's ``run.json`` records it."""
    from sarwatch.services.provenance import request_record

    return {**request_record(req), "object": req.object_class, "case_id": case_id}


def attach_kept_run(
    attachments: Attachments,
    runs_root: Path,
    case_id: str,
    req: DriftRequest,
    result: DriftResult,
    *,
    actor: str,
    opened: tuple[DriftRuns, str] | None = None,
) -> AttachmentRecord:
    """Keep a finished command-line run among the station's runs and attach it to a case.

    Parameters
    ----------
    attachments
        The station's attachments.
    runs_root
        The station's runs, ``<home>/runs``.
    case_id
        The case.
    req, result
        The run.
    actor
        Who attaches it (and, in ``run.json``, who started it).
    opened
        The run :func:`open_kept_run` made for it, whose directory already holds the
        outputs; None: a new run, the outputs copied in from ``--out``.

    Returns
    -------
    AttachmentRecord
        The record attached: its ``run_id`` names the kept run, or is ``None`` for a run
        that wrote no ``drift.nc`` (no ``--out``: nothing to keep).

    Raises
    ------
    ConflictError, NotFoundError
        The case refused the attachment (closed during the run, say); the kept run says
        so (``attachment.status = "refused"``) and stays, as a refused run of the server
        does.
    """
    from sarwatch.services.drift_runs import DriftRuns, now_text

    files = {k: Path(p) for k, p in result.files.items()}
    if "netcdf" not in files and opened is None:
        return attachments.drift_run(case_id, req, result, actor=actor)
    if opened is None:
        runs = DriftRuns(runs_root)
        run_id = runs.create(actor, _request(case_id, req)).run_id
    else:
        runs, run_id = opened
    run_dir = runs.run_dir(run_id)
    kept: dict[str, str] = {}
    for kind, path in sorted(files.items()):
        if path.is_file() and path.name not in kept.values():
            if path.resolve().parent != run_dir.resolve():  # written elsewhere (--out)
                shutil.copyfile(path, run_dir / path.name)
            kept[kind] = path.name
    outcome = {"case_id": case_id, "status": "pending", "error": None}
    runs.update(run_id, status="done", progress=1.0, files=kept, attachment=outcome,
                finished_at=now_text())  # fmt: skip
    try:
        record = attachments.drift_run(case_id, req, result, actor=actor, run_id=run_id)
    except SarwatchError as exc:
        runs.update(run_id, attachment={**outcome, "status": "refused", "error": str(exc)})
        raise
    runs.update(run_id, attachment={**outcome, "status": "attached"})
    return record
