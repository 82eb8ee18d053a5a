"""A case's reconstruction over HTTP: JSON, the HTML page, the PDF; attach it (coordinators).

``GET /api/cases/{id}/reconstruction`` (JSON), ``…/reconstruction.html`` and
``…/reconstruction.pdf`` are for any signed-in user (observers read cases too);
``POST /api/cases/{id}/reconstruction`` builds it on the server and attaches it to the
case, as ``sarwatch case reconstruct`` does (a closed case takes it too: it changes none
of the case's facts). The files are
those the CLI writes: the same ledger head gives the same bytes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request, status
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from sarwatch.web.auth import Coordinator, Observer
from sarwatch.web.station import CaseServiceDep, SettingsDep
from sarwatch.web.writer import run_write

__all__ = ["install", "router"]

router = APIRouter(prefix="/api/cases", tags=["cases"])


def _files(service: Any, case_id: str, cache_dir: Path | None, pdf: bool) -> dict[str, bytes]:
    """Build and render into a temporary folder; the files' bytes by kind."""
    from sarwatch.services.reconstruction import reconstruct, write_reconstruction

    rec = reconstruct(service, case_id)
    with tempfile.TemporaryDirectory(prefix="sarwatch-rec-") as tmp:
        files = write_reconstruction(rec, Path(tmp), pdf=pdf, cache_dir=cache_dir)
        return {kind: path.read_bytes() for kind, path in files.items()}


@router.get("/{case_id}/reconstruction")
async def get_reconstruction(case_id: str, user: Observer, service: CaseServiceDep) -> Any:
    """The reconstruction as JSON: timeline, RCCs, vessels with ETAs, answers, drift."""
    from sarwatch.services.reconstruction import reconstruct

    rec = await run_in_threadpool(reconstruct, service, case_id)
    return rec.to_json()


@router.get("/{case_id}/reconstruction.html", response_class=HTMLResponse)
async def get_reconstruction_html(
    case_id: str, user: Observer, service: CaseServiceDep, settings: SettingsDep
) -> HTMLResponse:
    """The self-contained reconstruction page (map inline)."""
    files = await run_in_threadpool(_files, service, case_id, settings.cache_dir, False)
    return HTMLResponse(files["html"].decode("utf-8"))


@router.get("/{case_id}/reconstruction.pdf", response_class=Response)
async def get_reconstruction_pdf(
    case_id: str, user: Observer, service: CaseServiceDep, settings: SettingsDep
) -> Response:
    """The reconstruction as PDF."""
    files = await run_in_threadpool(_files, service, case_id, settings.cache_dir, True)
    name = f"reconstruction-{case_id}.pdf"
    return Response(
        files["pdf"],
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/{case_id}/reconstruction", status_code=status.HTTP_201_CREATED)
async def attach_reconstruction(
    case_id: str,
    user: Coordinator,
    service: CaseServiceDep,
    settings: SettingsDep,
    request: Request,
) -> dict[str, Any]:
    """Build the reconstruction and attach it to the case (coordinators; closed cases too).

    Returns ``{"case_id", "kind": "reconstruction", "record"}``.
    """
    from sarwatch.services.attachments import Attachments
    from sarwatch.services.reconstruction import reconstruct, write_reconstruction

    attachments = Attachments(service)
    await run_in_threadpool(service.get_record, case_id)  # 404 before the rendering

    def build(tmp: Path) -> tuple[dict[str, Any], dict[str, Path]]:
        rec = reconstruct(service, case_id)
        return rec.to_json(), write_reconstruction(rec, tmp, cache_dir=settings.cache_dir)

    # Rendered on a worker thread (seconds), attached on the writer (milliseconds): the
    # record names the ledger head it was built from.
    with tempfile.TemporaryDirectory(prefix="sarwatch-rec-") as tmp:
        data, files = await run_in_threadpool(build, Path(tmp))
        attached = await run_write(
            request.app, attachments.reconstruction, case_id, data, files, actor=user.name
        )
    record = attached.to_json()
    return {"case_id": case_id, "kind": "reconstruction", "record": record}


def install(app: FastAPI) -> None:
    """Attach the reconstruction routes."""
    app.include_router(router)
