"""``POST /api/plan`` and ``POST /api/plan/update``: the search plan of ``sarwatch plan``.

The request and the answer are the CLI's (:mod:`sarwatch.services.planning`); unknown
fields are refused (422). Coordinators only, like ``POST /api/drift``: a plan carries
the position of people in distress. With ``case_id`` the server attaches the plan
(request, answer) to the case through the attachment service. A ``drift_run`` is a run
id of this station (as ``GET /api/drift`` lists them): unlike the CLI's, the API's
request never names a directory of the server, which it would read (or show to exist).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict, Field

from sarwatch.errors import InputError, NotFoundError
from sarwatch.services.planning import PlanRequest
from sarwatch.web.auth import COORDINATOR_ONLY_KEY, Coordinator
from sarwatch.web.station import SettingsDep, StationDep

__all__ = ["install", "router"]

router = APIRouter(prefix="/api/plan", tags=["plan"])

_WHY = "only coordinators may plan a search: it carries the position of people in distress"


class PlanCreate(PlanRequest):
    """A plan request, and optionally the case to attach the plan to."""

    case_id: str | None = Field(None, description="attach the plan to this case")


class PlanUpdateCreate(BaseModel):
    """A plan (as ``plan.json``: request, answer, updates) and a flown GPX track."""

    model_config = ConfigDict(extra="forbid")

    plan: dict[str, Any] = Field(description="the plan document (plan.json)")
    searched_gpx: str = Field(min_length=1, max_length=5_000_000, description="GPX text")
    unit: str | None = None
    case_id: str | None = None


def _station_run_only(ref: Any) -> None:
    """Refuse a ``drift_run`` that is not a run id of this station (a server path)."""
    if ref is None:
        return
    from sarwatch.services.drift_runs import check_run_id

    try:
        check_run_id(ref)
    except NotFoundError:
        raise InputError(
            f"drift_run {ref!r}: over the API a drift run is named by its run id on this "
            "station (12 hexadecimal digits, as POST /api/drift returns and GET /api/drift "
            "lists them), not by a directory; a run made with `sarwatch drift --out DIR` is "
            "planned on with `sarwatch plan` on the station"
        ) from None


def _attach(station: Any, case_id: str | None, request: dict[str, Any], answer: dict[str, Any],
            actor: str, tool: str) -> None:  # fmt: skip
    if case_id is None:
        return
    from sarwatch.services.attachments import Attachments

    Attachments(station.cases).search_plan(case_id, request, answer, actor=actor, tool=tool)


@router.post("", openapi_extra={COORDINATOR_ONLY_KEY: _WHY})
def make_plan(
    body: PlanCreate, user: Coordinator, settings: SettingsDep, station: StationDep
) -> dict[str, Any]:
    """Plan a search: datum, areas, each unit's rectangle, pattern, waypoints and POS."""
    from sarwatch.services.planning import plan_search

    if body.case_id is not None:
        from sarwatch.services.attachments import Attachments

        Attachments(station.cases).require_writable(body.case_id)
    req = PlanRequest.model_validate(body.model_dump(exclude={"case_id"}))
    _station_run_only(req.drift_run)
    try:
        plan = plan_search(
            req, home_dir=Path(settings.home_dir), cache_dir=Path(settings.cache_dir)
        )
    except NotFoundError as exc:  # a drift run that does not exist is bad input here: 422
        raise InputError(str(exc)) from None
    _attach(station, body.case_id, req.model_dump(mode="json"), plan.answer, user.name, "plan")
    return plan.answer


@router.post("/update", openapi_extra={COORDINATOR_ONLY_KEY: _WHY})
def update_plan(
    body: PlanUpdateCreate, user: Coordinator, settings: SettingsDep, station: StationDep
) -> dict[str, Any]:
    """Bayesian update after an unsuccessful search; returns ``{"update", "plan"}``
    (the update's answer and the new plan document to keep for the next update)."""
    from sarwatch.services.plan_update import apply_update

    if "request" not in body.plan or "answer" not in body.plan:
        raise InputError("plan must be a sarwatch plan document (plan.json: request, answer)")
    if isinstance(body.plan["request"], dict):
        _station_run_only(body.plan["request"].get("drift_run"))
    if body.case_id is not None:
        from sarwatch.services.attachments import Attachments

        Attachments(station.cases).require_writable(body.case_id)
    upd = apply_update(
        body.plan,
        body.searched_gpx,
        home_dir=Path(settings.home_dir),
        cache_dir=Path(settings.cache_dir),
        unit=body.unit,
    )
    _attach(station, body.case_id, upd.document["request"], upd.answer, user.name, "plan update")
    return {"update": upd.answer, "plan": upd.document}


def install(app: FastAPI) -> None:
    """Attach the plan routes."""
    app.include_router(router)
