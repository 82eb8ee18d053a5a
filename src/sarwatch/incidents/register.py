"""The incident register as events: what the ledger records, and the state they fold to.

The whole register is **one** hash-chained, signed chain (:data:`CHAIN_ID`), sealed
with the case ledger's own :func:`~sarwatch.ledger.seal` and checked with its
:func:`~sarwatch.ledger.verify_chain`: an incident deleted, edited or inserted behind
the station's back breaks that one chain (no separate register of registers is
needed, unlike cases). Each event ``(kind, payload)`` changes one or more incidents;
:func:`apply` is the one place where that happens, on a mapping of the incidents it
touches (the service hands one that loads them from the store on demand; the
verifier, all of them), and :func:`fold` replays a chain from nothing.

The state of one incident is an :class:`IncidentRecord`: its report as recorded (or as
last revised), the group it heads or the report it was merged into, and the
combined view of its group (:func:`~sarwatch.incidents.merge.combine`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from sarwatch.domain.events import format_time
from sarwatch.errors import ConflictError, InputError, IntegrityError, NotFoundError
from sarwatch.incidents.codec import (
    compact_json,
    incident_from_json,
    incident_to_json,
    people_from_json,
    people_to_json,
    source_from_json,
    source_to_json,
)
from sarwatch.incidents.merge import combine
from sarwatch.incidents.types import Incident, IncidentSource, People

__all__ = [
    "CHAIN_ID",
    "IncidentEvent",
    "IncidentRecord",
    "apply",
    "batch_body",
    "batch_reports",
    "compact_json",
    "fold",
    "record_from_json",
    "record_text",
    "record_to_json",
]

#: The id of the register's chain in its ledger entries (never a case id).
CHAIN_ID = "incident-register"


class IncidentEvent(StrEnum):
    """The kinds of register events."""

    RECORDED = "incidents_recorded"
    REVISED = "incident_revised"
    SOURCE_ADDED = "incident_source_added"
    MERGED = "incidents_merged"
    MERGE_UNDONE = "incident_merge_undone"
    CASE_LINKED = "incident_case_linked"
    IMPORTED = "incidents_imported"


@dataclass(frozen=True)
class IncidentRecord:
    """One incident in the register.

    Attributes
    ----------
    report
        The report as recorded, or as last revised.
    merged_into
        The incident this report was merged into (``None``: it heads its own group).
    members
        The reports merged into this one, in merge order (only on a group's head).
    merge_notes
        For each member, how it was found (distance km, hours apart, by whom, why).
    people, sources
        The group's combined counts and sources (:func:`~sarwatch.incidents.merge.combine`
        over the head and its members); a member's own.
    recorded_at, updated_at
        When the station first recorded it and last changed it (ISO 8601 UTC).
    """

    report: Incident
    recorded_at: str
    updated_at: str
    merged_into: str | None = None
    members: tuple[str, ...] = ()
    merge_notes: tuple[dict[str, Any], ...] = ()
    people: People = field(default_factory=People)
    sources: tuple[IncidentSource, ...] = ()

    @property
    def incident_id(self) -> str:
        """The report's id."""
        return self.report.incident_id

    @property
    def quality(self) -> int:
        """The best grade among the combined sources."""
        return max(s.quality for s in self.sources or self.report.sources)

    @property
    def is_head(self) -> bool:
        """Whether this record counts in statistics (not merged into another)."""
        return self.merged_into is None


def record_to_json(
    record: IncidentRecord, *, report_json: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The stored projection of a record (plain JSON).

    The combined ``people`` and ``sources`` are left out while the record heads no group
    (they are then the report's own). ``report_json`` is :func:`incident_to_json` of the
    report when the caller already has it.
    """
    out: dict[str, Any] = {
        "report": report_json if report_json is not None else incident_to_json(record.report),
        "recorded_at": record.recorded_at,
        "updated_at": record.updated_at,
        "merged_into": record.merged_into,
        "members": list(record.members),
        "merge_notes": [dict(n) for n in record.merge_notes],
    }
    if record.members:
        out["people"] = people_to_json(record.people)
        out["sources"] = [source_to_json(s) for s in record.sources]
    return out


def record_from_json(data: Mapping[str, Any]) -> IncidentRecord:
    """Inverse of :func:`record_to_json`."""
    report = incident_from_json(data["report"])
    members = tuple(data.get("members") or ())
    return IncidentRecord(
        report=report,
        recorded_at=str(data["recorded_at"]),
        updated_at=str(data["updated_at"]),
        merged_into=data.get("merged_into"),
        members=members,
        merge_notes=tuple(dict(n) for n in data.get("merge_notes") or ()),
        people=people_from_json(data.get("people")) if members else report.people,
        sources=tuple(source_from_json(s) for s in data.get("sources") or ())
        if members
        else report.sources,
    )


def batch_body(report_texts: Sequence[str]) -> tuple[str, str]:
    """The stored text of a batch of reports and its SHA-256 (hex, of the UTF-8 text).

    ``report_texts`` are the reports' :func:`compact_json` texts. A large
    ``incidents_recorded`` event names its reports by this hash; the text is kept
    beside the chain and checked against the hash when the chain is replayed.
    """
    text = "[" + ",".join(report_texts) + "]"
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


#: A string as JSON text, as compact_json writes it (UTF-8 kept as is).
_json_str = json.encoder.encode_basestring


@lru_cache(maxsize=64)
def _lone_tail(recorded_at: str, updated_at: str) -> str:
    """What follows the report in the text of a record on its own (the same for every
    report an import records)."""
    return (
        ',"recorded_at":' + _json_str(recorded_at) + ',"updated_at":' + _json_str(updated_at)
        + ',"merged_into":null,"members":[],"merge_notes":[]}'
    )  # fmt: skip


def record_text(record: IncidentRecord, report_text: str | None = None) -> str:
    """:func:`compact_json` of :func:`record_to_json`, reusing the report's text if given."""
    if report_text is None:
        return compact_json(record_to_json(record))
    if not record.members and not record.merge_notes and record.merged_into is None:
        # a report on its own (every report of an import): the same text, built directly
        return '{"report":' + report_text + _lone_tail(record.recorded_at, record.updated_at)
    rest = record_to_json(record, report_json={})
    del rest["report"]
    return '{"report":' + report_text + "," + compact_json(rest)[1:]


def batch_reports(payload: Mapping[str, Any], bodies: Mapping[str, str]) -> list[Incident]:
    """The reports of a batched ``incidents_recorded`` payload, from the stored bodies.

    Raises
    ------
    IntegrityError
        If the body is missing, or its hash or count is not the one the event signed.
    """
    batch = payload["batch"]
    sha = str(batch.get("sha256"))
    text = bodies.get(sha)
    if text is None or hashlib.sha256(text.encode("utf-8")).hexdigest() != sha:
        raise IntegrityError(
            f"the reports of a signed batch ({sha[:12]}...) are missing or were changed: "
            "the store was changed outside sarwatch"
        )
    items = json.loads(text)
    if not isinstance(items, list) or len(items) != batch.get("count"):
        raise IntegrityError(f"the batch {sha[:12]}... does not hold the signed count of reports")
    return [incident_from_json(item) for item in items]


def _get(states: Mapping[str, IncidentRecord], incident_id: str) -> IncidentRecord:
    try:
        return states[incident_id]
    except KeyError:
        raise NotFoundError(
            f"no incident {incident_id!r} in the register; list them with: sarwatch incidents list"
        ) from None


def _recombined(states: Mapping[str, IncidentRecord], head: IncidentRecord) -> IncidentRecord:
    """``head`` with its group's combined counts and sources recomputed."""
    reports = [head.report, *(_get(states, m).report for m in head.members)]
    people, sources = combine(reports)
    return replace(head, people=people, sources=sources)


def _touch(record: IncidentRecord, now: str) -> IncidentRecord:
    return replace(record, updated_at=max(record.updated_at, now))


def apply(
    states: MutableMapping[str, IncidentRecord],
    kind: str,
    payload: dict[str, Any],
    recorded_at: datetime,
    *,
    reports: Sequence[Incident] | None = None,
) -> set[str]:
    """Apply one event to the incidents it touches; returns the ids it changed.

    ``states`` maps incident ids to records: it must hold (or load on demand) every
    incident the event names, and the members of the groups involved. ``reports`` are
    the reports of an ``incidents_recorded`` event that names them by a batch hash
    (:func:`batch_reports`), or, from the writer that built the payload, those it
    lists (spares parsing them again).

    Raises
    ------
    ConflictError
        An incident recorded twice, a merge of a report already merged, or of a report
        that heads a group of its own; undoing a merge that is not there.
    NotFoundError
        An event names an incident the register does not hold.
    InputError
        A malformed payload.
    """
    now = format_time(recorded_at)
    event = IncidentEvent(kind)
    if event is IncidentEvent.RECORDED:
        changed: set[str] = set()
        if reports is None:
            if "incidents" not in payload:
                raise InputError("a batched incidents_recorded event needs its reports")
            reports = [incident_from_json(item) for item in payload["incidents"]]
        for report in reports:
            incident_id = report.incident_id
            if incident_id in changed or incident_id in states:
                raise ConflictError(f"incident {incident_id} is already in the register")
            changed.add(incident_id)
            states[incident_id] = IncidentRecord(
                report=report,
                recorded_at=now,
                updated_at=now,
                people=report.people,
                sources=report.sources,
            )
        return changed
    if event is IncidentEvent.REVISED:
        report = incident_from_json(payload["incident"])
        old = _get(states, report.incident_id)
        record = _touch(replace(old, report=report), now)
        return _store_group(states, record, now)
    if event is IncidentEvent.SOURCE_ADDED:
        old = _get(states, str(payload["incident_id"]))
        source = source_from_json(payload["source"])
        report = replace(old.report, sources=(*old.report.sources, source))
        return _store_group(states, _touch(replace(old, report=report), now), now)
    if event is IncidentEvent.CASE_LINKED:
        old = _get(states, str(payload["incident_id"]))
        report = replace(old.report, case_id=payload.get("case_id") or None)
        return _store_group(states, _touch(replace(old, report=report), now), now)
    if event is IncidentEvent.MERGED:
        changed = set()
        for item in payload["merges"]:
            changed |= _merge(states, item, now)
        return changed
    if event is IncidentEvent.MERGE_UNDONE:
        return _unmerge(states, str(payload["into"]), str(payload["merged"]), now)
    if event is IncidentEvent.IMPORTED:
        return set()  # the import's report: the incidents came in the events before it
    raise InputError(f"unknown incident event {kind!r}")  # pragma: no cover - closed enum


def _store_group(
    states: MutableMapping[str, IncidentRecord], record: IncidentRecord, now: str
) -> set[str]:
    """Store a changed report and recompute the combined view of its group."""
    states[record.incident_id] = record
    if record.merged_into is None:
        states[record.incident_id] = _recombined(states, record)
        return {record.incident_id}
    member = replace(record, people=record.report.people, sources=record.report.sources)
    states[record.incident_id] = member
    head = _get(states, record.merged_into)
    states[head.incident_id] = _touch(_recombined(states, head), now)
    return {record.incident_id, head.incident_id}


def _merge(
    states: MutableMapping[str, IncidentRecord], item: Mapping[str, Any], now: str
) -> set[str]:
    into_id, merged_id = str(item["into"]), str(item["merged"])
    if into_id == merged_id:
        raise ConflictError(f"incident {into_id} cannot be merged into itself")
    head, merged = _get(states, into_id), _get(states, merged_id)
    if head.merged_into is not None:
        raise ConflictError(
            f"incident {into_id} is itself merged into {head.merged_into}; merge into "
            f"{head.merged_into} instead"
        )
    if merged.merged_into is not None:
        raise ConflictError(
            f"incident {merged_id} is already merged into {merged.merged_into}; undo that "
            "merge first: sarwatch incidents unmerge " + merged_id
        )
    if merged.members:
        raise ConflictError(
            f"incident {merged_id} heads a group of {len(merged.members)} report(s); merge "
            f"{into_id} into {merged_id} instead, or undo its merges first"
        )
    note = {k: item[k] for k in ("distance_km", "hours", "reason", "by") if k in item}
    note["merged"] = merged_id
    states[merged_id] = _touch(replace(merged, merged_into=into_id), now)
    head = replace(head, members=(*head.members, merged_id), merge_notes=(*head.merge_notes, note))
    states[into_id] = _touch(_recombined(states, head), now)
    return {into_id, merged_id}


def _unmerge(
    states: MutableMapping[str, IncidentRecord], into_id: str, merged_id: str, now: str
) -> set[str]:
    head, merged = _get(states, into_id), _get(states, merged_id)
    if merged.merged_into != into_id or merged_id not in head.members:
        raise ConflictError(f"incident {merged_id} is not merged into {into_id}; nothing to undo")
    states[merged_id] = _touch(replace(merged, merged_into=None), now)
    head = replace(
        head,
        members=tuple(m for m in head.members if m != merged_id),
        merge_notes=tuple(n for n in head.merge_notes if n.get("merged") != merged_id),
    )
    states[into_id] = _touch(_recombined(states, head), now)
    return {into_id, merged_id}


def fold(
    events: Iterable[tuple[str, dict[str, Any], datetime]],
    bodies: Mapping[str, str] | None = None,
) -> dict[str, IncidentRecord]:
    """The register rebuilt from its events ``(kind, payload, recorded_at)`` in order;
    ``bodies`` are the stored batch texts by SHA-256 (:func:`batch_body`)."""
    states: dict[str, IncidentRecord] = {}
    for kind, payload, recorded_at in events:
        reports = None
        if kind == IncidentEvent.RECORDED and "batch" in payload:
            reports = batch_reports(payload, bodies or {})
        apply(states, kind, payload, recorded_at, reports=reports)
    return states
