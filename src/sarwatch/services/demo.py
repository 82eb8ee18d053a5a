"""The demo case: the Open Arms rescue of Thursday 15 March 2018, as publicly reported.

The story and its sources are data (``data/demo_open_arms_2018.json``); positions
there are approximate and marked so (no exact coordinates were published). The
events are recorded through the ordinary :class:`~sarwatch.services.cases.CaseService`,
so the demo case is signed and verifiable like any other.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sarwatch.domain import (
    Case,
    Contact,
    Decision,
    Outcome,
    PeopleOnBoard,
    PositionReport,
    Source,
    Vessel,
)
from sarwatch.domain.events import parse_time
from sarwatch.services.cases import CaseService

__all__ = ["DEMO_ACTOR", "demo_story", "load_demo"]

DEMO_ACTOR = "demo"
_DATA = "demo_open_arms_2018.json"


def demo_story() -> dict[str, Any]:
    """The packaged demo story (sources, case, events)."""
    text = resources.files("sarwatch.data").joinpath(_DATA).read_text(encoding="utf-8")
    return json.loads(text)


def _source(story: dict[str, Any], key: str) -> Source:
    s = story["sources"][key]
    return Source(s["name"], s["quality"], s["verification"], s["url"])


def load_demo(service: CaseService, *, only_if_empty: bool = True) -> Case | None:
    """Record the demo case; by default only into an empty store. Returns the case."""
    if only_if_empty and service.list_cases(limit=1):
        return None
    story = demo_story()
    spec = story["case"]
    first = story["events"][0]
    case = service.open_case(
        title=spec["title"],
        alert_time=parse_time(spec["alert_time"]),
        actor=DEMO_ACTOR,
        position=_position(story, first),
        people=PeopleOnBoard(**spec["people"]),
        vessel=Vessel(**spec["vessel"]),
        sources=[_source(story, k) for k in spec["sources"]],
        region=spec["region"],
    )
    cid = case.case_id
    for ev in story["events"][1:]:
        kind = ev["kind"]
        if kind == "position":
            service.report_position(cid, _position(story, ev), actor=DEMO_ACTOR)
        elif kind == "status":
            service.change_status(cid, ev["to"], actor=DEMO_ACTOR, reason=ev["reason"])
        elif kind == "contact":
            summary = f"{ev['summary']} [source: {story['sources'][ev['source']]['url']}]"
            item = Contact(
                parse_time(ev["time"]), ev["channel"], ev["counterpart"], summary, ev["direction"]
            )
            service.log_contact(cid, item, actor=DEMO_ACTOR)
        elif kind == "decision":
            summary = f"{ev['summary']} [source: {story['sources'][ev['source']]['url']}]"
            item_d = Decision(parse_time(ev["time"]), summary, ev["by"])
            service.record_decision(cid, item_d, actor=DEMO_ACTOR)
        elif kind == "people":
            service.update_people(cid, PeopleOnBoard(total=ev["total"]), actor=DEMO_ACTOR)
        elif kind == "outcome":
            outcome = Outcome(
                parse_time(ev["time"]),
                ev["outcome_kind"],
                ev["by"],
                ev["taken_to"],
                ev["survivors"],
                ev["dead"],
                ev["missing"],
                ev["note"],
            )
            service.record_outcome(cid, outcome, actor=DEMO_ACTOR)
    return service.get(cid)


def _position(story: dict[str, Any], ev: dict[str, Any]) -> PositionReport:
    return PositionReport(
        parse_time(ev["time"]),
        ev["lon"],
        ev["lat"],
        ev["position_kind"],
        _source(story, ev["source"]),
        ev["uncertainty_nm"],
        ev["note"],
    )
