"""``POST /api/cases/{case_id}/corrections``: correct a recorded event without rewriting it.

The body names the event by its number (``event``), gives the reason and one
correction: a corrected ``position`` (a whole position report), a corrected
``outcome`` (a whole outcome) or ``reopen: true`` (the event is the closing). The
answer is the whole case, with the correction in its ``corrections``
(:class:`sarwatch.services.corrections.Corrections`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from sarwatch.domain import Outcome
from sarwatch.web.auth import Coordinator
from sarwatch.web.case_schemas import OutcomeIn, PositionIn
from sarwatch.web.routes.cases import _case_out, _position
from sarwatch.web.station import CaseServiceDep
from sarwatch.web.writer import run_write

__all__ = ["CorrectionIn", "install", "router"]

router = APIRouter(prefix="/api", tags=["cases"])


class CorrectionIn(BaseModel):
    """A correction of event ``event`` of the case: exactly one of position, outcome, reopen."""

    model_config = ConfigDict(extra="forbid")
    event: Annotated[int, Field(ge=1, le=2**53, description="Number (seq) of the event.")]
    reason: str = Field(min_length=1, max_length=2000, description="Why it was wrong.")
    position: PositionIn | None = None
    outcome: OutcomeIn | None = None
    reopen: bool = False


@router.post("/cases/{case_id}/corrections", status_code=201)
async def add_correction(
    case_id: str,
    body: CorrectionIn,
    user: Coordinator,
    service: CaseServiceDep,
    request: Request,
) -> Response:
    """Record a correction of one event; 404 for an unknown event, 422 for a wrong kind."""
    from sarwatch.services.corrections import Corrections

    o = body.outcome
    outcome = (
        None
        if o is None
        else Outcome(o.time, o.kind, o.by, o.taken_to, o.survivors, o.dead, o.missing, o.note)
    )
    record = await run_write(
        request.app,
        Corrections(service).correct,
        case_id,
        body.event,
        reason=body.reason,
        actor=user.name,
        position=None if body.position is None else _position(body.position),
        outcome=outcome,
        reopen=body.reopen,
    )
    return _case_out(record, 201)


def install(app: FastAPI) -> None:
    """Attach the corrections route."""
    app.include_router(router)
