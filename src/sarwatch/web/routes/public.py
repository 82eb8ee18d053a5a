"""The public feed: closed or aged cases only, positions coarsened, no authentication.

The policy is :mod:`sarwatch.services.public_feed`, set by ``public_delay_h`` and
``public_round_deg`` in the settings and stated at ``/api/public/policy``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request

from sarwatch.services.public_feed import PublicPolicy, public_view
from sarwatch.web.case_schemas import PublicCaseOut, PublicPolicyOut
from sarwatch.web.station import station_service

__all__ = ["install", "router"]

router = APIRouter(prefix="/api/public", tags=["public"])


def _policy(request: Request) -> PublicPolicy:
    settings = request.app.state.settings
    return PublicPolicy(settings.public_delay_h, settings.public_round_deg)


@router.get("/policy", response_model=PublicPolicyOut)
def policy(request: Request) -> dict[str, Any]:
    """How the public feed delays and coarsens cases."""
    p = _policy(request)
    return {"delay_h": p.delay_h, "round_deg": p.round_deg, "description": p.describe()}


@router.get("/cases", response_model=list[PublicCaseOut])
def public_cases(
    request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[dict[str, Any]]:
    """Closed cases, and cases without news for the delay; positions coarsened.

    Live positions of people in distress never appear here.
    """
    service = station_service(request.app)
    p = _policy(request)
    now = datetime.now(UTC)
    out: list[dict[str, Any]] = []
    offset = 0
    while len(out) < limit:
        batch = service.list_cases(limit=500, offset=offset)
        for record in batch:
            view = public_view(record.state, now, p)
            if view is not None:
                out.append(view)
        if len(batch) < 500:
            break
        offset += 500
    return out[: max(0, min(limit, 1000))]


def install(app: FastAPI) -> None:
    """Add the public feed to the app."""
    app.include_router(router)
