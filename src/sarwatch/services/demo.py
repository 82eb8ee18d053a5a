"""The demo case: the Open Arms rescue of Thursday 15 March 2018, as publicly reported.

The story and its sources are data (``data/demo_open_arms_2018.json``); positions
there are approximate and marked so (no exact coordinates were published). The
events are recorded through the ordinary :class:`~sarwatch.services.cases.CaseService`,
so the demo case is signed and verifiable like any other.

A demo must never open real cases to anyone: :func:`demo_access` issues the
``demo`` coordinator's token only while every event in the store was recorded by
the demo itself (a fresh store, or one that ``make run`` filled before); on a store
with anything else it issues none and removes a ``demo`` user left from earlier.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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

__all__ = ["DEMO_ACTOR", "DEMO_USER", "DemoAccess", "demo_access", "demo_story", "load_demo"]

DEMO_ACTOR = "demo"
#: The coordinator whose token ``serve --demo`` prints.
DEMO_USER = "demo"
#: A store with more cases than this is not a demo store (not every event is read).
_MAX_DEMO_CASES = 20
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


@dataclass(frozen=True)
class DemoAccess:
    """What :func:`demo_access` did.

    Attributes
    ----------
    token
        The ``demo`` coordinator's new token, or ``None`` when none was issued.
    n_cases
        Cases in the store.
    other_cases
        Some cases holding events recorded by someone other than the demo (empty for
        a demo-only store).
    revoked
        A ``demo`` user existed and was removed (its token no longer works).
    why_not
        Why no token was issued (``""`` when one was).
    """

    token: str | None
    n_cases: int
    other_cases: tuple[str, ...]
    revoked: bool
    why_not: str = ""


def demo_access(service: CaseService, *, issue: bool = True) -> DemoAccess:
    """(Re)issue the ``demo`` coordinator's token, only on a store that holds only the demo.

    Tokens are stored hashed, so a token cannot be shown again: each call replaces
    the demo user's token. When any case holds an event recorded by someone other
    than the demo (or the store holds more than 20 cases), no token is issued and a
    ``demo`` user left from an earlier demo is removed: a demo coordinator would
    read every case. With ``issue=False`` (``serve`` without ``--demo``) only that
    removal is made.
    """
    from sarwatch.services.users import add_user, list_users, remove_user

    store = service.store
    with store.unit_of_work() as uow:
        n_cases = uow.cases.count()
    others = _other_cases(service, n_cases)
    why_not = ""
    if others:
        why_not = f"case(s) {', '.join(others)} hold events recorded by others than the demo"
    elif n_cases > _MAX_DEMO_CASES:
        why_not = f"it holds more than {_MAX_DEMO_CASES} cases, more than a demo store"
    exists = any(user.name == DEMO_USER for user in list_users(store))
    if exists and (issue or why_not):
        remove_user(store, DEMO_USER)
    if why_not or not issue:
        return DemoAccess(None, n_cases, others, exists and bool(why_not), why_not)
    _, token = add_user(store, DEMO_USER, "coordinator")
    return DemoAccess(token, n_cases, (), False)


def _other_cases(service: CaseService, n_cases: int) -> tuple[str, ...]:
    """Up to three cases with an event recorded by someone other than the demo (of the
    21 most recently updated)."""
    records = service.list_cases(limit=_MAX_DEMO_CASES + 1) if n_cases else []
    others = [
        r.case_id
        for r in records
        if any(entry.actor != DEMO_ACTOR for entry in service.events(r.case_id))
    ]
    return tuple(others[:3])
