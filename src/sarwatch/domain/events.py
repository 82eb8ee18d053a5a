"""Case events: what the ledger records, and how a case is rebuilt from them.

Every change to a case is one event ``(kind, payload)``. The payload is plain
JSON (strings, numbers, lists, objects; times as ISO 8601 UTC strings ending in
``Z``) so that it can be hashed canonically by :mod:`sarwatch.ledger`. The case
state is the fold of its events: :func:`apply` is the one place where an event
changes a case (the status machine, a closed case, a second opening), and
:func:`fold` replays a log with it, so an event log that breaks the machine cannot
be loaded. The JSON projection the store keeps (:mod:`sarwatch.domain.projection`)
is written by the same :func:`apply` and serialised by the one :func:`to_json`.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sarwatch.domain.case import (
    Case,
    CaseStatus,
    Contact,
    Decision,
    OnLand,
    Outcome,
    PeopleOnBoard,
    PositionReport,
    Source,
    Vessel,
    check_transition,
    require_utc,
)
from sarwatch.domain.corrections import correction_changes
from sarwatch.errors import ConflictError, InputError

__all__ = [
    "EventKind",
    "apply",
    "contact_from_json",
    "decision_from_json",
    "fold",
    "format_time",
    "on_land_from_json",
    "outcome_from_json",
    "parse_time",
    "people_from_json",
    "position_from_json",
    "source_from_json",
    "to_json",
    "utc_word_as_z",
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
    CORRECTION_RECORDED = "correction_recorded"


def format_time(value: datetime) -> str:
    """ISO 8601 UTC with a ``Z``: ``2018-03-15T06:30:00Z``."""
    return require_utc(value).isoformat().replace("+00:00", "Z")


_UTC_WORD = re.compile(r"(?<=\d)\s*UTC$", re.IGNORECASE)


def utc_word_as_z(text: str) -> str:
    """A time that ends in the word ``UTC``, as people write it, with ISO 8601's ``Z``.

    Any other text is returned as it came (stripped), for the ISO parser to judge.

    Examples
    --------
    >>> utc_word_as_z("2026-12-07 03:10 UTC")
    '2026-12-07 03:10Z'
    >>> utc_word_as_z("2026-12-07T03:10:00utc")
    '2026-12-07T03:10:00Z'
    >>> utc_word_as_z("2026-12-07T03:10+02:00")
    '2026-12-07T03:10+02:00'
    """
    return _UTC_WORD.sub("Z", text.strip())


def parse_time(text: str, what: str = "time") -> datetime:
    """Parse an ISO 8601 time with a zone (or a trailing ``UTC``); naive times are refused."""
    try:
        value = datetime.fromisoformat(
            utc_word_as_z(text).replace("Z", "+00:00").replace("z", "+00:00")
        )
    except (ValueError, AttributeError):
        raise InputError(
            f"{what} must be ISO 8601 with a zone, e.g. 2018-03-15T06:30:00Z or "
            f"2018-03-15 06:30 UTC; got {text!r}"
        ) from None
    return require_utc(value, what)


def to_json(obj: Any) -> Any:
    """A value object as plain JSON (times as ISO strings, enums as their values).

    The one serialiser of case data: event payloads, the store's projection and the
    API's answers all come from it. A dataclass field named in the class's
    ``_JSON_OMIT_NONE`` is left out while ``None`` (a field added later, so that
    records made before it encode byte for byte as they did).
    """
    if isinstance(obj, datetime):
        return format_time(obj)
    if isinstance(obj, StrEnum):
        return obj.value
    if isinstance(obj, tuple | list):
        return [to_json(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_json(v) for k, v in obj.items()}
    if hasattr(obj, "__dataclass_fields__"):
        names, omit = _json_fields(type(obj))
        return {
            name: to_json(value)
            for name in names
            if (value := getattr(obj, name)) is not None or name not in omit
        }
    return obj


_JSON_FIELDS: dict[type, tuple[tuple[str, ...], frozenset[str]]] = {}


def _json_fields(cls: type) -> tuple[tuple[str, ...], frozenset[str]]:
    """A dataclass's field names, and those left out of the JSON while ``None`` (cached)."""
    known = _JSON_FIELDS.get(cls)
    if known is None:
        omit = frozenset(getattr(cls, "_JSON_OMIT_NONE", ()))
        known = _JSON_FIELDS[cls] = (tuple(f.name for f in fields(cls)), omit)
    return known


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
        on_land=on_land_from_json(data["on_land"]) if data.get("on_land") else None,
    )


def on_land_from_json(data: dict[str, Any]) -> OnLand:
    """Inverse of :func:`to_json` for :class:`OnLand`."""
    return OnLand(
        sea_lon=float(data["sea_lon"]),
        sea_lat=float(data["sea_lat"]),
        coastline=str(data.get("coastline", "GSHHG full resolution")),
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
    if case.status is CaseStatus.CLOSED and not _allowed_after_closing(kind, payload):
        raise ConflictError(
            f"case {case.case_id} is closed; nothing can be added. Open a new case if needed."
        )
    return replace(
        case, updated_at=max(case.updated_at, recorded_at), **_changes(case, kind, payload)
    )


#: Attachments a closed case still takes: records made *about* the case afterwards (a
#: reconstruction of its ledger), which change none of its facts.
AFTER_CLOSING_ATTACHMENTS = frozenset({"reconstruction"})


def _allowed_after_closing(kind: EventKind, payload: dict[str, Any]) -> bool:
    """Whether a closed case takes this event: a correction (with its reason), or an
    attachment of a kind in :data:`AFTER_CLOSING_ATTACHMENTS`."""
    if kind is EventKind.CORRECTION_RECORDED:
        return True
    return kind is EventKind.ATTACHMENT_ADDED and payload.get("kind") in AFTER_CLOSING_ATTACHMENTS


def _changes(case: Case, kind: EventKind, payload: dict[str, Any]) -> dict[str, Any]:
    """The fields one event (not the opening) sets on an open case, by name."""
    if kind is EventKind.POSITION_REPORTED:
        return {"positions": (*case.positions, position_from_json(payload))}
    if kind is EventKind.CONTACT_LOGGED:
        return {"contacts": (*case.contacts, contact_from_json(payload))}
    if kind is EventKind.PEOPLE_UPDATED:
        return {"people": people_from_json(payload)}
    if kind is EventKind.VESSEL_UPDATED:
        return {"vessel": vessel_from_json(payload)}
    if kind is EventKind.DECISION_RECORDED:
        return {"decisions": (*case.decisions, decision_from_json(payload))}
    if kind is EventKind.STATUS_CHANGED:
        return {"status": check_transition(case.status, payload["to"])}
    if kind is EventKind.OUTCOME_RECORDED:
        outcome = outcome_from_json(payload)
        status = _outcome_transition(case.status, outcome.status, case.outcome is not None)
        return {"status": status, "outcome": outcome}
    if kind is EventKind.ATTACHMENT_ADDED:
        return {"attachments": (*case.attachments, dict(payload))}
    if kind is EventKind.CORRECTION_RECORDED:
        given_position, given_outcome = payload.get("position"), payload.get("outcome")
        return correction_changes(
            case,
            payload,
            position=(
                position_from_json(given_position) if isinstance(given_position, dict) else None
            ),
            outcome=outcome_from_json(given_outcome) if isinstance(given_outcome, dict) else None,
        )
    raise InputError(f"unknown event kind {kind!r}")  # pragma: no cover - EventKind is closed


def _outcome_transition(current: CaseStatus, target: CaseStatus, has_outcome: bool) -> CaseStatus:
    """The status after an outcome: its own, or unchanged if the case is already there.

    A case moved to ``rescued`` (or another outcome status) by a status change, without
    its outcome, may still have the outcome recorded once: who, survivors, dead, missing.
    """
    if not has_outcome and current is target:
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
