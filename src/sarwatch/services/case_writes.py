"""Writing case records: open, report, contact, update, decide, change status, close.

Every change is one or more ledger events appended in a single transaction: the
case is locked, the events are built from the locked case where they depend on it
(a partial update merges into what is recorded *now*; a status change names the
status it leaves), checked against the status machine by replaying them on the
current state (:func:`~sarwatch.domain.projection.apply_to_json`), sealed (hash
chain + Ed25519), stored, and the case's projection and signed head are updated.
Nothing is written when a check fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields, replace
from datetime import datetime, timedelta
from typing import Any

from sarwatch.domain import (
    CaseProjection,
    Contact,
    Decision,
    EventKind,
    OnLand,
    Outcome,
    PeopleOnBoard,
    PositionReport,
    Source,
    Vessel,
    format_case_id,
    parse_case_id,
    require_utc,
)
from sarwatch.domain.events import format_time, to_json
from sarwatch.domain.intake import check_new_event, check_time_floor
from sarwatch.domain.projection import apply_to_json, projected_columns
from sarwatch.domain.status import moves_before
from sarwatch.errors import (
    ConflictError,
    IllegalTransitionError,
    InputError,
)
from sarwatch.ledger import (
    GENESIS,
    LedgerEntry,
    SignedHead,
    Signer,
    record_payload,
    seal,
    sign_head,
)
from sarwatch.services.case_integrity import lock_register, register_opening
from sarwatch.services.ports import CaseRecord, Store, UnitOfWork, projection_json

__all__ = ["ATTACHMENT_KINDS", "CaseWrites", "Events"]

#: Events to append: ``(kind, payload)`` in order.
Events = list[tuple[str, dict[str, Any]]]

#: Statuses that only an outcome may set, and the outcome kind to name for each.
_BY_OUTCOME = {
    "rescued": "rescued",
    "intercepted": "intercepted",
    "arrived": "arrived",
    "lost": "shipwreck|unknown",
}

#: What may be attached to a case.
ATTACHMENT_KINDS = (
    "assessment", "drift_run", "search_plan", "document", "reconstruction", "responders",
)  # fmt: skip

#: Attached by the server only, never from a JSON record: a media file's record names a
#: file the station's media store holds (:mod:`sarwatch.services.media`).
SERVER_ATTACHMENT_KINDS = ("media",)

#: How long before a case's alert one of its positions may lie (a departure seen days
#: earlier); older is taken for a mistyped date.
_MAX_BEFORE_ALERT = timedelta(days=30)


class CaseWrites:
    """The write use cases (a part of :class:`~sarwatch.services.cases.CaseService`).

    Expects the service's fields: ``store``, ``signer``, ``clock``, ``land_check``,
    ``sea_point``, ``region_of`` and ``max_future``.
    """

    store: Store
    signer: Signer
    clock: Callable[[], datetime]
    land_check: Callable[[float, float], bool]
    sea_point: Callable[[float, float], tuple[float, float]]
    region_of: Callable[[float, float], str]
    max_future: timedelta
    #: Called with the written case after a write commits (the public files re-render).
    after_commit: Callable[[CaseRecord], None] | None = None

    def refresh_signer(self) -> Signer:
        """The signer (the service reloads a key rotated by another process)."""
        return self.signer

    def _committed(self, record: CaseRecord) -> None:
        if self.after_commit is not None:
            self.after_commit(record)

    def open_case(
        self,
        *,
        title: str,
        alert_time: datetime,
        actor: str,
        position: PositionReport | None = None,
        people: PeopleOnBoard | None = None,
        vessel: Vessel | None = None,
        sources: Sequence[Source] = (),
        region: str | None = None,
    ) -> CaseRecord:
        """Open a case from an alert; its id is the alert's UTC day, region and a number.

        A first position that the coastline puts on land is recorded as reported and
        flagged (:class:`~sarwatch.domain.OnLand`); the region is then that of its
        nearest sea point.
        """
        alert_time = self._check_time(alert_time, "alert time")
        if position is not None:
            position = self._check_position(position)
        if region is None:
            region = "XX" if position is None else self.region_of(*_at_sea(position))
        payload = {
            "title": title.strip(),
            "alert_time": format_time(alert_time),
            "region": region.upper(),
            "people": to_json(people or PeopleOnBoard()),
            "vessel": to_json(vessel or Vessel()),
            "sources": to_json(list(sources)),
        }
        if not payload["title"]:
            raise InputError("a case needs a title, e.g. 'rubber boat, 80 people, engine broken'")
        prefix = format_case_id(alert_time.date(), region, 1)[:-3]
        for _attempt in range(20):
            try:
                with self.store.unit_of_work(write=True) as uow:
                    register_head = lock_register(uow)  # openings queue here
                    number = uow.cases.count(id_prefix=prefix) + 1
                    case_id = format_case_id(alert_time.date(), region, number)
                    now = format_time(self.clock())
                    opening = {**payload, "case_id": case_id}
                    state = apply_to_json(None, EventKind.CASE_OPENED, opening, self.clock())
                    uow.cases.insert(_record(state, None))
                    events: Events = [(EventKind.CASE_OPENED, opening)]
                    if position is not None:
                        events.append((EventKind.POSITION_REPORTED, to_json(position)))
                    record, sealed = self._append(uow, case_id, events, actor, now=now)
                    register_opening(self.signer, uow, register_head, sealed[0])
                    uow.commit()
                    self._committed(record)
                    return record
            except ConflictError:
                continue  # another writer took the number: try the next one
        raise ConflictError(f"could not allocate a case id with prefix {prefix} (too busy)")

    def report_position(self, case_id: str, report: PositionReport, *, actor: str) -> CaseRecord:
        """Add a position report.

        Refused outside the station's data area, in the future, or long before the
        alert. On land by the coastline it is recorded as reported and flagged with
        the nearest sea point (:class:`~sarwatch.domain.OnLand`) for the coordinator.
        """
        report = self._check_position(report)

        def events(case: CaseProjection) -> Events:
            alert = case.opened_at
            if report.time < alert - _MAX_BEFORE_ALERT:
                raise InputError(
                    f"position time {format_time(report.time)} is "
                    f"{(alert - report.time).days} days before the case's alert "
                    f"({format_time(alert)}); check the date (a departure known earlier goes "
                    "in a note or a decision)"
                )
            return [(EventKind.POSITION_REPORTED, to_json(report))]

        return self._write(case_id, events, actor)

    def log_contact(self, case_id: str, contact: Contact, *, actor: str) -> CaseRecord:
        """Log a communication."""
        self._check_time(contact.time, "contact time")
        return self._write(case_id, [(EventKind.CONTACT_LOGGED, to_json(contact))], actor)

    def update_people(
        self, case_id: str, people: Mapping[str, Any] | PeopleOnBoard, *, actor: str
    ) -> CaseRecord:
        """Update the people-on-board counts: those given replace, the others are kept.

        ``people`` maps count names (``total``, ``women``, ``minors``, ``medical``) to a
        count or ``None`` (unknown); a :class:`~sarwatch.domain.PeopleOnBoard` gives
        every count. The merge is made on the case as recorded inside the write
        transaction, under the case's lock, so concurrent updates of different counts
        (from the CLI, the API, the page) all hold.
        """
        changes = _changes(people, PeopleOnBoard, "people on board")

        def events(case: CaseProjection) -> Events:
            merged = replace(case.people, **changes)
            return [(EventKind.PEOPLE_UPDATED, to_json(merged))]

        return self._write(case_id, events, actor)

    def update_vessel(
        self, case_id: str, vessel: Mapping[str, Any] | Vessel, *, actor: str
    ) -> CaseRecord:
        """Update the description of the boat: the fields given replace, the others are kept.

        ``vessel`` maps field names of :class:`~sarwatch.domain.Vessel` (``kind``,
        ``condition``, ``name``, ``mmsi``, ``flag``, ``length_m``) to values; a
        ``Vessel`` gives every field. Merged under the case's lock, as
        :meth:`update_people`.
        """
        changes = _changes(vessel, Vessel, "vessel")

        def events(case: CaseProjection) -> Events:
            merged = replace(case.vessel, **changes)
            return [(EventKind.VESSEL_UPDATED, to_json(merged))]

        return self._write(case_id, events, actor)

    def record_decision(self, case_id: str, decision: Decision, *, actor: str) -> CaseRecord:
        """Record a decision and its reason."""
        self._check_time(decision.time, "decision time")
        return self._write(case_id, [(EventKind.DECISION_RECORDED, to_json(decision))], actor)

    def change_status(self, case_id: str, to: str, *, actor: str, reason: str = "") -> CaseRecord:
        """Move the case along the status machine (illegal moves are refused)."""
        parse_case_id(case_id)
        if str(to) in _BY_OUTCOME:
            raise IllegalTransitionError(
                f"a case cannot become {str(to)!r} by a status change: record its outcome, "
                "with who took the people and how many survived, died or are missing: "
                f"sarwatch case outcome {case_id} {_BY_OUTCOME[str(to)]} --by NAME "
                "--survivors N (API: POST /api/cases/{id}/outcome); the case then becomes "
                f"{str(to)!r}"
            )

        def events(case: CaseProjection) -> Events:
            payload = {"from": case.status.value, "to": str(to), "reason": reason}
            return [(EventKind.STATUS_CHANGED, payload)]

        return self._write(case_id, events, actor)

    def record_outcome(self, case_id: str, outcome: Outcome, *, actor: str) -> CaseRecord:
        """Record how it ended; moves the case to rescued/intercepted/arrived/lost.

        From a status the outcome cannot follow yet, the refusal names the status
        changes to record first.
        """
        self._check_time(outcome.time, "outcome time")

        def events(case: CaseProjection) -> Events:
            status, target = case.status, outcome.status
            moves = moves_before(status, target)
            if moves and not (status is target and case.outcome is None):
                steps = ", then ".join(f"'sarwatch case status {case_id} {s.value}'" for s in moves)
                raise IllegalTransitionError(
                    f"a case in status {status.value!r} cannot become {target.value!r} by "
                    f"recording the outcome {str(outcome.kind)!r} yet: first run {steps} "
                    f"(API: POST /api/cases/{case_id}/status), then record the outcome"
                )
            return [(EventKind.OUTCOME_RECORDED, to_json(outcome))]

        return self._write(case_id, events, actor)

    def attach(self, case_id: str, kind: str, record: dict[str, Any], *, actor: str) -> CaseRecord:
        """Attach an assessment, drift run, search plan or document record (with its inputs).

        ``record`` is plain JSON; for a drift run it should carry the forcing file
        names, their SHA-256, time windows, parameters, seed and outputs.
        """
        if kind not in ATTACHMENT_KINDS + SERVER_ATTACHMENT_KINDS:
            raise InputError(f"attachment kind must be one of {ATTACHMENT_KINDS}, got {kind!r}")
        if not isinstance(record, dict) or not record:
            raise InputError("an attachment needs a non-empty JSON object as its record")
        payload = {"kind": kind, "record": record}
        return self._write(case_id, [(EventKind.ATTACHMENT_ADDED, payload)], actor)

    # internals -------------------------------------------------------------------
    def _write(
        self,
        case_id: str,
        events: Events | Callable[[CaseProjection], Events],
        actor: str,
    ) -> CaseRecord:
        """Append ``events`` in one transaction.

        ``events`` may be a function of the locked case (its projection): it runs
        inside the transaction, so what it reads cannot change before the write.
        """
        parse_case_id(case_id)
        with self.store.unit_of_work(write=True) as uow:
            now = format_time(self.clock())
            record, _ = self._append(uow, case_id, events, actor, now=now)
            uow.commit()
        self._committed(record)
        return record

    def _append(
        self,
        uow: UnitOfWork,
        case_id: str,
        events: Events | Callable[[CaseProjection], Events],
        actor: str,
        *,
        now: str,
    ) -> tuple[CaseRecord, list[LedgerEntry]]:
        self.refresh_signer()  # under the write: a key rotated meanwhile signs this
        record = uow.cases.lock(case_id)
        state: dict[str, Any] | None = None if record.head is None else record.state
        if callable(events):
            events = events(CaseProjection(record.state))
        seq = record.head.seq if record.head else 0
        prev = record.head.hash if record.head else GENESIS
        recorded_at = datetime.fromisoformat(now.replace("Z", "+00:00"))
        last: LedgerEntry | None = None
        sealed: list[LedgerEntry] = []
        for kind, given in events:
            check_new_event(str(kind), given, actor)  # hidden controls, huge numbers
            payload = record_payload(given)  # as the signed record reads back (10.0 is 10)
            state = apply_to_json(state, kind, payload, recorded_at)  # refuses illegal moves
            seq += 1
            last = seal(
                self.signer,
                case_id=case_id,
                seq=seq,
                recorded_at=now,
                kind=str(kind),
                actor=actor,
                payload=payload,
                prev_hash=prev,
            )
            uow.cases.append_event(last)
            sealed.append(last)
            prev = last.hash
        if state is None or last is None:
            raise InputError("nothing to record")
        new_record = _record(state, sign_head(self.signer, last))
        uow.cases.update(new_record)
        return new_record, sealed

    def _check_time(self, value: datetime, what: str) -> datetime:
        value = check_time_floor(require_utc(value, what), what)
        now = self.clock()
        if value > now + self.max_future:
            raise InputError(
                f"{what} {format_time(value)} is in the future (now {format_time(now)}); "
                "give the time in UTC"
            )
        return value

    def _check_position(self, report: PositionReport) -> PositionReport:
        """The report to record, flagged if on land.

        A position outside the packaged regions (5–27°E, 29–43°N) is recorded too, as
        drift and assess answer there: a new case's region is then ``XX`` unless a
        packaged SAR region covers it (:func:`~sarwatch.services.report.outside_note`
        says what the station lacks there)."""
        self._check_time(report.time, "position time")
        if not self.land_check(report.lon, report.lat):
            return replace(report, on_land=None)
        sea_lon, sea_lat = self.sea_point(report.lon, report.lat)
        return replace(report, on_land=OnLand(round(sea_lon, 6), round(sea_lat, 6)))


def _at_sea(report: PositionReport) -> tuple[float, float]:
    """The report's position, or its nearest sea point when it is flagged on land."""
    if report.on_land is None:
        return report.lon, report.lat
    return report.on_land.sea_lon, report.on_land.sea_lat


def _changes(given: Mapping[str, Any] | Any, cls: type, what: str) -> dict[str, Any]:
    """The fields of a partial update by name (every field, for a whole ``cls`` value)."""
    names = [f.name for f in fields(cls)]
    if isinstance(given, cls):
        return {name: getattr(given, name) for name in names}
    if not isinstance(given, Mapping):
        raise InputError(f"{what}: expected a {cls.__name__} or a mapping of its fields")
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise InputError(
            f"{what}: unknown field {', '.join(map(repr, unknown))}; fields are {', '.join(names)}"
        )
    if not given:
        raise InputError(f"{what}: give at least one of {', '.join(names)}")
    return dict(given)


def _record(state: dict[str, Any], head: SignedHead | None) -> CaseRecord:
    return CaseRecord(
        case_id=CaseProjection(state).case_id,
        **projected_columns(state),
        state=state,
        head=head,
        state_json=projection_json(state),  # serialised once: stored and answered
    )
