"""Case events: what the ledger records, and how a case is rebuilt from them.

Every change to a case is one event ``(kind, payload)``. The payload is plain
JSON (strings, numbers, lists, objects; times as ISO 8601 UTC strings ending in
``Z``) so that it can be hashed canonically by :mod:`sarwatch.ledger`. The case
state is the fold of its events: :func:`fold` replays them, checking the status
machine at every step, so an event log that breaks the machine cannot be loaded.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sarwatch.domain.case import (
    Case,
    CaseStatus,
    Contact,
    Decision,
    Outcome,
    PeopleOnBoard,
    PositionReport,
    Source,
    Vessel,
    check_transition,
    require_utc,
)
from sarwatch.errors import ConflictError, InputError

__all__ = [
    "EventKind",
    "apply",
    "apply_to_json",
    "case_from_json",
    "case_to_json",
    "contact_from_json",
    "decision_from_json",
    "fold",
    "format_time",
    "outcome_from_json",
    "parse_time",
    "people_from_json",
    "position_from_json",
    "source_from_json",
    "to_json",
    "vessel_from_json",
]


class EventKind(StrEnum):
    """The kinds of case events."""

    CASE_OPENED = "case_opened"
    POSITION_REPORTED = "position_reported"
    CONTACT_LOGGED = "contact_logged"
    PEOPLE_UPDATED = "people_updated"
    VESSEL_UPDATED = "vessel_updated"
    DECISION_RECORDED = "decision_recorded"
    STATUS_CHANGED = "status_changed"
    OUTCOME_RECORDED = "outcome_recorded"
    ATTACHMENT_ADDED = "attachment_added"


def format_time(value: datetime) -> str:
    """ISO 8601 UTC with a ``Z``: ``2018-03-15T06:30:00Z``."""
    return require_utc(value).isoformat().replace("+00:00", "Z")


def parse_time(text: str, what: str = "time") -> datetime:
    """Parse an ISO 8601 time with a zone; naive times are refused."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, AttributeError):
        raise InputError(
            f"{what} must be ISO 8601 with a zone, e.g. 2018-03-15T06:30:00Z; got {text!r}"
        ) from None
    return require_utc(value, what)


def to_json(obj: Any) -> Any:
    """A value object as plain JSON (times as ISO strings, enums as their values)."""
    if isinstance(obj, datetime):
        return format_time(obj)
    if isinstance(obj, StrEnum):
        return obj.value
    if isinstance(obj, tuple | list):
        return [to_json(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_json(v) for k, v in obj.items()}
    if hasattr(obj, "__dataclass_fields__"):
        return {k: to_json(getattr(obj, k)) for k in obj.__dataclass_fields__}
    return obj


def source_from_json(data: dict[str, Any]) -> Source:
    """Inverse of :func:`to_json` for :class:`Source`."""
    return Source(
        name=str(data.get("name", "")),
        quality=data.get("quality", 1),
        verification=data.get("verification", "unverified"),
        url=data.get("url"),
    )


def position_from_json(data: dict[str, Any]) -> PositionReport:
    """Inverse of :func:`to_json` for :class:`PositionReport`."""
    return PositionReport(
        time=parse_time(data["time"], "position time"),
        lon=float(data["lon"]),
        lat=float(data["lat"]),
        kind=data.get("kind", "estimate"),
        source=source_from_json(data.get("source") or {"name": "unknown"}),
        uncertainty_nm=float(data.get("uncertainty_nm", 0.0)),
        note=str(data.get("note", "")),
    )


def contact_from_json(data: dict[str, Any]) -> Contact:
    """Inverse of :func:`to_json` for :class:`Contact`."""
    return Contact(
        time=parse_time(data["time"], "contact time"),
        channel=str(data["channel"]),
        counterpart=str(data["counterpart"]),
        summary=str(data.get("summary", "")),
        direction=str(data.get("direction", "outgoing")),
        mmsi=data.get("mmsi"),
        attachments=tuple(data.get("attachments", ())),
    )


def people_from_json(data: dict[str, Any]) -> PeopleOnBoard:
    """Inverse of :func:`to_json` for :class:`PeopleOnBoard`."""
    return PeopleOnBoard(**{k: data.get(k) for k in ("total", "women", "minors", "medical")})


def vessel_from_json(data: dict[str, Any]) -> Vessel:
    """Inverse of :func:`to_json` for :class:`Vessel`."""
    fields = ("kind", "condition", "name", "mmsi", "flag", "length_m")
    return Vessel(**{k: data[k] for k in fields if k in data})


def decision_from_json(data: dict[str, Any]) -> Decision:
    """Inverse of :func:`to_json` for :class:`Decision`."""
    return Decision(
        time=parse_time(data["time"], "decision time"),
        summary=str(data["summary"]),
        by=str(data.get("by", "")),
    )


def outcome_from_json(data: dict[str, Any]) -> Outcome:
    """Inverse of :func:`to_json` for :class:`Outcome`."""
    return Outcome(
        time=parse_time(data["time"], "outcome time"),
        kind=data["kind"],
        by=str(data.get("by", "")),
        taken_to=str(data.get("taken_to", "")),
        survivors=data.get("survivors"),
        dead=data.get("dead"),
        missing=data.get("missing"),
        note=str(data.get("note", "")),
    )


def apply(case: Case | None, kind: str, payload: dict[str, Any], recorded_at: datetime) -> Case:
    """Apply one event to a case (``None`` before the opening event).

    Raises
    ------
    IllegalTransitionError
        If the event breaks the status machine.
    ConflictError
        If the case is closed, or opened twice.
    InputError
        If the payload is malformed.
    """
    kind = EventKind(kind)
    recorded_at = require_utc(recorded_at, "recorded_at")
    if kind is EventKind.CASE_OPENED:
        if case is not None:
            raise ConflictError(f"case {case.case_id} is already open")
        return Case(
            case_id=str(payload["case_id"]),
            title=str(payload.get("title", "")),
            status=CaseStatus.ALERT,
            opened_at=parse_time(payload["alert_time"], "alert time"),
            updated_at=recorded_at,
            region=str(payload["region"]),
            people=people_from_json(payload.get("people") or {}),
            vessel=vessel_from_json(payload.get("vessel") or {}),
            sources=tuple(source_from_json(s) for s in payload.get("sources", ())),
        )
    if case is None:
        raise ConflictError(f"event {kind.value!r} comes before the case was opened")
    if case.status is CaseStatus.CLOSED:
        raise ConflictError(
            f"case {case.case_id} is closed; nothing can be added. Open a new case if needed."
        )
    case = replace(case, updated_at=max(case.updated_at, recorded_at))
    if kind is EventKind.POSITION_REPORTED:
        return replace(case, positions=(*case.positions, position_from_json(payload)))
    if kind is EventKind.CONTACT_LOGGED:
        return replace(case, contacts=(*case.contacts, contact_from_json(payload)))
    if kind is EventKind.PEOPLE_UPDATED:
        return replace(case, people=people_from_json(payload))
    if kind is EventKind.VESSEL_UPDATED:
        return replace(case, vessel=vessel_from_json(payload))
    if kind is EventKind.DECISION_RECORDED:
        return replace(case, decisions=(*case.decisions, decision_from_json(payload)))
    if kind is EventKind.STATUS_CHANGED:
        return replace(case, status=check_transition(case.status, payload["to"]))
    if kind is EventKind.OUTCOME_RECORDED:
        outcome = outcome_from_json(payload)
        status = _outcome_transition(case.status, outcome.status, case.outcome is not None)
        return replace(case, status=status, outcome=outcome)
    if kind is EventKind.ATTACHMENT_ADDED:
        return replace(case, attachments=(*case.attachments, dict(payload)))
    raise InputError(f"unknown event kind {kind!r}")  # pragma: no cover - EventKind is closed


_LISTS = {
    EventKind.POSITION_REPORTED: ("positions", position_from_json),
    EventKind.CONTACT_LOGGED: ("contacts", contact_from_json),
    EventKind.DECISION_RECORDED: ("decisions", decision_from_json),
}


def apply_to_json(
    state: dict[str, Any] | None, kind: str, payload: dict[str, Any], recorded_at: datetime
) -> dict[str, Any]:
    """:func:`apply` on the JSON form of a case, in time independent of the case's size.

    ``apply_to_json(case_to_json(c), k, p, t) == case_to_json(apply(c, k, p, t))``; the
    store keeps cases in this form, so a write does not rebuild the whole case.
    """
    kind = EventKind(kind)
    if state is None or kind is EventKind.CASE_OPENED:
        return case_to_json(
            apply(None if state is None else case_from_json(state), kind, payload, recorded_at)
        )
    if state["status"] == CaseStatus.CLOSED:
        raise ConflictError(
            f"case {state['case_id']} is closed; nothing can be added. Open a new case if needed."
        )
    state = dict(state)
    recorded_at = require_utc(recorded_at, "recorded_at")
    if recorded_at > parse_time(state["updated_at"]):
        state["updated_at"] = format_time(recorded_at)
    if kind in _LISTS:
        name, parse = _LISTS[kind]
        item = to_json(parse(payload))
        state[name] = [*state[name], item]
        last = state.get("last_position")
        if name == "positions" and (
            last is None or parse_time(item["time"]) > parse_time(last["time"])
        ):
            state["last_position"] = item
    elif kind is EventKind.PEOPLE_UPDATED:
        state["people"] = to_json(people_from_json(payload))
    elif kind is EventKind.VESSEL_UPDATED:
        state["vessel"] = to_json(vessel_from_json(payload))
    elif kind is EventKind.STATUS_CHANGED:
        state["status"] = check_transition(state["status"], payload["to"]).value
    elif kind is EventKind.OUTCOME_RECORDED:
        outcome = outcome_from_json(payload)
        has_outcome = state.get("outcome") is not None
        state["status"] = _outcome_transition(state["status"], outcome.status, has_outcome).value
        state["outcome"] = to_json(outcome)
    elif kind is EventKind.ATTACHMENT_ADDED:
        state["attachments"] = [*state["attachments"], dict(payload)]
    state["is_open"] = state["status"] in (CaseStatus.ALERT, CaseStatus.ACTIVE, CaseStatus.LOCATED)
    return state


def _outcome_transition(current: Any, target: CaseStatus, has_outcome: bool) -> CaseStatus:
    """The status after an outcome: its own, or unchanged if the case is already there.

    A case moved to ``rescued`` (or another outcome status) by a status change, without
    its outcome, may still have the outcome recorded once: who, survivors, dead, missing.
    """
    if not has_outcome and str(getattr(current, "value", current)) == target.value:
        return target
    return check_transition(current, target)


def fold(events: list[tuple[str, dict[str, Any], datetime]]) -> Case:
    """Rebuild a case from its events ``(kind, payload, recorded_at)`` in order."""
    case: Case | None = None
    for kind, payload, recorded_at in events:
        case = apply(case, kind, payload, recorded_at)
    if case is None:
        raise InputError("a case needs at least its opening event")
    return case


def case_to_json(case: Case) -> dict[str, Any]:
    """The whole case as plain JSON (for the API, the store's projection and bundles)."""
    data = to_json(case)
    data["is_open"] = case.is_open
    last = case.last_position
    data["last_position"] = to_json(last) if last else None
    return data


def case_from_json(data: dict[str, Any]) -> Case:
    """Inverse of :func:`case_to_json`."""
    outcome = data.get("outcome")
    return Case(
        case_id=data["case_id"],
        title=data.get("title", ""),
        status=CaseStatus(data["status"]),
        opened_at=parse_time(data["opened_at"]),
        updated_at=parse_time(data["updated_at"]),
        region=data["region"],
        positions=tuple(position_from_json(p) for p in data.get("positions", ())),
        contacts=tuple(contact_from_json(c) for c in data.get("contacts", ())),
        decisions=tuple(decision_from_json(d) for d in data.get("decisions", ())),
        people=people_from_json(data.get("people") or {}),
        vessel=vessel_from_json(data.get("vessel") or {}),
        outcome=outcome_from_json(outcome) if outcome else None,
        attachments=tuple(dict(a) for a in data.get("attachments", ())),
        sources=tuple(source_from_json(s) for s in data.get("sources", ())),
    )
