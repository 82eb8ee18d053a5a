"""The public feed: closed or aged cases only, positions coarsened, no authentication.

The policy is :mod:`sarwatch.services.public_feed`, set by ``public_delay_h`` and
``public_round_deg`` in the settings and stated at ``/api/public/policy``; the
store pages through the cases it allows (:func:`sarwatch.services.feeds.public_cases`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query

from sarwatch.services.feeds import public_cases
from sarwatch.services.public_feed import PublicPolicy
from sarwatch.web.case_schemas import PublicCaseOut, PublicPolicyOut
from sarwatch.web.station import SettingsDep, StoreDep

__all__ = ["install", "router"]

router = APIRouter(prefix="/api/public", tags=["public"])


def _policy(settings: SettingsDep) -> PublicPolicy:
    return PublicPolicy(settings.public_delay_h, settings.public_round_deg)


PolicyDep = Annotated[PublicPolicy, Depends(_policy)]


@router.get("/policy", response_model=PublicPolicyOut)
def policy(p: PolicyDep) -> dict[str, Any]:
    """How the public feed delays and coarsens cases."""
    return {"delay_h": p.delay_h, "round_deg": p.round_deg, "description": p.describe()}


@router.get("/cases", response_model=list[PublicCaseOut])
def public_case_list(
    p: PolicyDep, store: StoreDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[dict[str, Any]]:
    """Closed cases, and cases without news for the delay; positions coarsened.

    Live positions of people in distress never appear here.
    """
    return public_cases(store, p, datetime.now(UTC), limit=limit)


def install(app: FastAPI) -> None:
    """Add the public feed to the app."""
    app.include_router(router)
