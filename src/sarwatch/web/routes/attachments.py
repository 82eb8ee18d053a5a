"""``POST /api/cases/{case_id}/assessments``: the server assesses and attaches.

The page sends a request (a position, a speed, the situation and vessel), never a
record: the server runs the assessment itself and attaches it through
:class:`sarwatch.services.attachments.Attachments`, in the shape that ``sarwatch assess
--case`` attaches. Drift runs are attached the same way by ``POST /api/drift`` with a
``case_id`` (:mod:`sarwatch.web.routes.drift`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Request, status
from pydantic import BaseModel, ConfigDict, Field

from sarwatch.geo.units import LAT_MAX_DEG, LAT_MIN_DEG, LON_MAX_DEG, LON_MIN_DEG
from sarwatch.rules.catalogue import Situation, Vessel
from sarwatch.web.auth import Coordinator
from sarwatch.web.station import CaseServiceDep, SettingsDep
from sarwatch.web.writer import run_write

__all__ = ["AssessmentAttachIn", "install", "router"]

router = APIRouter(prefix="/api", tags=["cases"])


class AssessmentAttachIn(BaseModel):
    """What to assess for a case (the request, not the result)."""

    model_config = ConfigDict(extra="forbid")

    lat: Annotated[
        float, Field(ge=LAT_MIN_DEG, le=LAT_MAX_DEG, description="Latitude, decimal degrees")
    ]
    lon: Annotated[
        float, Field(ge=LON_MIN_DEG, le=LON_MAX_DEG, description="Longitude, decimal degrees")
    ]
    speed_kn: Annotated[float, Field(gt=0, le=60, description="Ship's speed, knots")] = 10.0
    situation: Situation = "distress_alert"
    vessel: Vessel = "ngo"
    routes: bool = True


@router.post("/cases/{case_id}/assessments", status_code=status.HTTP_201_CREATED)
async def attach_assessment(
    case_id: str,
    body: AssessmentAttachIn,
    user: Coordinator,
    service: CaseServiceDep,
    settings: SettingsDep,
    request: Request,
) -> dict[str, Any]:
    """Assess a position for a case and attach the assessment to the case's ledger.

    Coordinators only. An unknown case is 404, a closed one 409, before the work.
    Returns ``{"case_id", "kind": "assessment", "record"}``.
    """
    from fastapi.concurrency import run_in_threadpool

    from sarwatch.services.assess import assess_position
    from sarwatch.services.attachments import Attachments

    attachments = Attachments(service)
    await run_in_threadpool(attachments.require_writable, case_id)
    assessment = await run_in_threadpool(
        assess_position,
        body.lon,
        body.lat,
        speed_kn=body.speed_kn,
        settings=settings,
        situation=body.situation,
        vessel=body.vessel,
        route=body.routes,
    )
    record = await run_write(
        request.app,
        attachments.assessment,
        case_id,
        body.model_dump(),
        assessment,
        actor=user.name,
    )
    return {"case_id": case_id, "kind": "assessment", "record": record.to_json()}


def install(app: FastAPI) -> None:
    """Attach the attachment routes."""
    app.include_router(router)
