"""The JSON projection of a case: what the store keeps, the API answers and bundles carry.

The projection is :func:`case_to_json` of the :class:`~sarwatch.domain.Case` that
:func:`~sarwatch.domain.events.fold` gives: one serialiser
(:func:`~sarwatch.domain.events.to_json`) and one set of rules
(:func:`~sarwatch.domain.events.apply`). A write does not rebuild the whole case,
though: :func:`apply_to_json` runs the same :func:`~sarwatch.domain.events.apply` on
the case's *head* (everything but its growing lists, with its last position) and
splices what that changed into the stored JSON, in time independent of the case's
size. ``apply_to_json(case_to_json(c), k, p, t) == case_to_json(apply(c, k, p, t))``
is a property test over every event kind.

Readers outside the domain use :class:`CaseProjection`, typed accessors over the
JSON, instead of string keys.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sarwatch.domain.case import (
    Case,
    CaseStatus,
    Outcome,
    PeopleOnBoard,
    PositionReport,
    Vessel,
    outcome_count_mismatch,
)
from sarwatch.domain.events import (
    apply,
    contact_from_json,
    decision_from_json,
    outcome_from_json,
    parse_time,
    people_from_json,
    position_from_json,
    source_from_json,
    to_json,
    vessel_from_json,
)

__all__ = [
    "PROJECTED_COLUMNS",
    "CaseProjection",
    "apply_to_json",
    "case_from_json",
    "case_to_json",
    "projected_columns",
]

#: The fields a store copies from the projection into columns of the case row (to list
#: and filter cases without parsing them), as the projection's text.
PROJECTED_COLUMNS = ("title", "status", "region", "opened_at", "updated_at")

#: The fields of a case that grow with every event of their kind (not re-read on a write).
_LISTS = ("positions", "contacts", "decisions", "attachments")

#: The other fields, in the order :func:`case_to_json` writes them.
_SCALARS = tuple(f.name for f in fields(Case) if f.name not in _LISTS)


def case_to_json(case: Case) -> dict[str, Any]:
    """The whole case as plain JSON (for the API, the store's projection and bundles)."""
    data: dict[str, Any] = to_json(case)
    data["is_open"] = case.is_open
    last = case.last_position
    data["last_position"] = to_json(last) if last else None
    return data


def case_from_json(data: dict[str, Any]) -> Case:
    """Inverse of :func:`case_to_json`."""
    head = _head(data, last=None)
    return Case(
        **{name: getattr(head, name) for name in _SCALARS},
        positions=tuple(position_from_json(p) for p in data.get("positions", ())),
        contacts=tuple(contact_from_json(c) for c in data.get("contacts", ())),
        decisions=tuple(decision_from_json(d) for d in data.get("decisions", ())),
        attachments=tuple(dict(a) for a in data.get("attachments", ())),
    )


def apply_to_json(
    state: dict[str, Any] | None, kind: str, payload: dict[str, Any], recorded_at: datetime
) -> dict[str, Any]:
    """:func:`~sarwatch.domain.events.apply` on the JSON form of a case, in constant time.

    The rules run once, on the case's head (its scalar fields and its last position);
    the fields they set are serialised again and what they appended is added to the
    stored lists. Raises what :func:`~sarwatch.domain.events.apply` raises.
    """
    if state is None:
        return case_to_json(apply(None, kind, payload, recorded_at))
    if kind == "correction_recorded":  # rare, and it may change any item of a list
        return case_to_json(apply(case_from_json(state), kind, payload, recorded_at))
    last = state.get("last_position")
    head = _head(state, last=position_from_json(last) if last else None)
    new = apply(head, kind, payload, recorded_at)
    out = dict(state)
    for name in _SCALARS:
        value = getattr(new, name)
        if value is not getattr(head, name):  # ``apply`` keeps what it does not change
            out[name] = to_json(value)
    for name in _LISTS:
        added = getattr(new, name)[len(getattr(head, name)) :]
        if added:
            out[name] = [*state.get(name, ()), *to_json(added)]
    out["is_open"] = new.is_open
    newest = new.last_position
    if newest is not head.last_position:
        out["last_position"] = to_json(newest)
    return out


def _corrections(data: dict[str, Any]) -> tuple[dict[str, Any], ...] | None:
    given = data.get("corrections")
    return None if given is None else tuple(dict(c) for c in given)


def projected_columns(state: dict[str, Any]) -> dict[str, str]:
    """The :data:`PROJECTED_COLUMNS` of a projection, by name, as text."""
    return {name: state[name] for name in PROJECTED_COLUMNS}


def _head(data: dict[str, Any], *, last: PositionReport | None) -> Case:
    """The case of ``data`` without its lists; ``positions`` holds ``last`` only."""
    outcome = data.get("outcome")
    return Case(
        case_id=data["case_id"],
        title=data.get("title", ""),
        status=CaseStatus(data["status"]),
        opened_at=parse_time(data["opened_at"]),
        updated_at=parse_time(data["updated_at"]),
        region=data["region"],
        people=people_from_json(data.get("people") or {}),
        vessel=vessel_from_json(data.get("vessel") or {}),
        outcome=outcome_from_json(outcome) if outcome else None,
        sources=tuple(source_from_json(s) for s in data.get("sources", ())),
        positions=() if last is None else (last,),
        corrections=_corrections(data),
    )


@dataclass(frozen=True)
class CaseProjection:
    """Typed read access to a case's JSON projection, without parsing all of it.

    The list of cases reads a few fields of many growing cases: parsing each whole
    case (:func:`case_from_json`) would cost more than the read. The key names of
    the projection are known here only.

    Parameters
    ----------
    state
        A case's projection (:func:`case_to_json`, as the store keeps it).

    Examples
    --------
    >>> view = CaseProjection({"case_id": "2018-03-15-LY-001", "status": "alert",
    ...                        "people": {"total": 80}, "last_position": None})
    >>> view.status, view.people.total, view.last_position
    (<CaseStatus.ALERT: 'alert'>, 80, None)
    """

    state: dict[str, Any]

    @property
    def case_id(self) -> str:
        """The case id."""
        return str(self.state["case_id"])

    @property
    def title(self) -> str:
        """The case's title."""
        return str(self.state.get("title", ""))

    @property
    def status(self) -> CaseStatus:
        """Where the case stands."""
        return CaseStatus(self.state["status"])

    @property
    def region(self) -> str:
        """The region code of the id."""
        return str(self.state["region"])

    @property
    def opened_at(self) -> datetime:
        """The alert time (UTC)."""
        return parse_time(self.state["opened_at"])

    @property
    def updated_at(self) -> datetime:
        """The time of the latest event (UTC)."""
        return parse_time(self.state["updated_at"])

    @property
    def people(self) -> PeopleOnBoard:
        """People on board, as far as known."""
        return people_from_json(self.state.get("people") or {})

    @property
    def vessel(self) -> Vessel:
        """The boat."""
        return vessel_from_json(self.state.get("vessel") or {})

    @property
    def outcome(self) -> Outcome | None:
        """How it ended, if recorded."""
        outcome = self.state.get("outcome")
        return outcome_from_json(outcome) if outcome else None

    @property
    def last_position(self) -> PositionReport | None:
        """The most recent position by time, if any."""
        last = self.state.get("last_position")
        return position_from_json(last) if last else None

    @property
    def last_position_json(self) -> dict[str, Any] | None:
        """:attr:`last_position` as the projection holds it (answered as is)."""
        last: dict[str, Any] | None = self.state.get("last_position")
        return last

    @property
    def last_recorded_position(self) -> PositionReport | None:
        """The position recorded last (whatever its time), if any."""
        positions = self.state.get("positions") or ()
        return position_from_json(positions[-1]) if positions else None

    @property
    def positions(self) -> tuple[PositionReport, ...]:
        """Every position report, in the order recorded."""
        return tuple(position_from_json(p) for p in self.state.get("positions", ()))

    @property
    def outcome_count_mismatch(self) -> str | None:
        """See :attr:`sarwatch.domain.Case.outcome_count_mismatch`."""
        o = self.outcome
        if o is None:
            return None
        return outcome_count_mismatch(self.people.total, o.survivors, o.dead, o.missing)

    def case(self) -> Case:
        """The whole case (parses every list: for exports and reports, not hot reads)."""
        return case_from_json(self.state)
