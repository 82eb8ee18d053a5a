"""Use cases for case records: open, report, contact, decide, change status, close.

Every change is one or more ledger events appended in a single transaction: the
case is locked, the events are checked against the status machine by replaying
them on the current state, sealed (hash chain + Ed25519), stored, and the case's
projection and signed head are updated. Nothing is written when a check fails.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sarwatch.domain import (
    Case,
    CaseStatus,
    Contact,
    Decision,
    EventKind,
    Outcome,
    PeopleOnBoard,
    PositionReport,
    Source,
    Vessel,
    format_case_id,
    parse_case_id,
    require_utc,
)
from sarwatch.domain.events import (
    apply_to_json,
    case_from_json,
    case_to_json,
    fold,
    format_time,
    parse_time,
    to_json,
)
from sarwatch.errors import (
    ConflictError,
    IllegalTransitionError,
    InputError,
    IntegrityError,
    NotFoundError,
    OutOfRegionError,
    PositionOnLandError,
    SarwatchError,
)
from sarwatch.ledger import (
    GENESIS,
    Finding,
    LedgerEntry,
    RegisterEntry,
    RegisterHead,
    RegisterReport,
    SignedHead,
    Signer,
    VerificationReport,
    canonical_json,
    check_anchor,
    register_case,
    seal,
    sign_head,
    verify_chain,
    verify_register,
)
from sarwatch.services.ports import CaseRecord, Store, UnitOfWork, projection_json

__all__ = [
    "ATTACHMENT_KINDS",
    "Anchor",
    "CaseService",
    "default_land_check",
    "default_region_of",
]

#: Statuses that only an outcome may set, and the outcome kind to name for each.
_BY_OUTCOME = {
    "rescued": "rescued",
    "intercepted": "intercepted",
    "arrived": "arrived",
    "lost": "shipwreck|unknown",
}

#: What may be attached to a case.
ATTACHMENT_KINDS = ("assessment", "drift_run", "search_plan", "document")

#: How long before a case's alert one of its positions may lie (a departure seen days
#: earlier); older is taken for a mistyped date.
_MAX_BEFORE_ALERT = timedelta(days=30)

#: How far in the future a reported time may lie (clock skew between devices).
_MAX_FUTURE = timedelta(minutes=5)


def default_land_check(lon: float, lat: float) -> bool:
    """Whether a point is on land (full-resolution GSHHG, :mod:`sarwatch.geo.coast`)."""
    from sarwatch.geo.coast import land_mask

    return bool(land_mask().contains([lon], [lat])[0])


def default_region_of(lon: float, lat: float) -> str:
    """The first SAR region containing the point, or ``"XX"``."""
    from sarwatch.geo.srr import srr_at

    regions = srr_at(lon, lat)
    return regions[0] if regions else "XX"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Anchor:
    """Ledger heads kept outside the station, to be found unchanged in the store.

    Attributes
    ----------
    source
        Where they come from (a bundle's file name, "the command line").
    register
        ``(seq, hash)`` of a register head, or ``None``.
    cases
        ``(case_id, seq, hash)`` of case heads (a bundle carries its case's).
    """

    source: str
    register: tuple[int, str] | None = None
    cases: tuple[tuple[str, int, str], ...] = ()


@dataclass
class CaseService:
    """Records cases in a store, signing every event.

    Parameters
    ----------
    store
        Where cases live.
    signer
        The station key.
    clock
        Current UTC time (injectable for tests and for the demo case).
    land_check
        ``(lon, lat) -> bool``: refuse positions on land.
    region_of
        ``(lon, lat) -> str``: the region code of a new case's id.
    """

    store: Store
    signer: Signer
    clock: Callable[[], datetime] = _now
    land_check: Callable[[float, float], bool] = default_land_check
    region_of: Callable[[float, float], str] = default_region_of
    max_future: timedelta = field(default=_MAX_FUTURE)

    # reading ---------------------------------------------------------------------
    def get(self, case_id: str) -> Case:
        """The current state of a case (:class:`NotFoundError` if unknown)."""
        with self.store.unit_of_work() as uow:
            return case_from_json(uow.cases.get(case_id).state)

    def get_record(self, case_id: str) -> CaseRecord:
        """The stored projection (state as JSON and signed head)."""
        with self.store.unit_of_work() as uow:
            return uow.cases.get(case_id)

    def list_cases(
        self, *, statuses: Sequence[str] | None = None, limit: int = 100, offset: int = 0
    ) -> list[CaseRecord]:
        """Cases, most recently updated first."""
        if not 1 <= limit <= 1000:
            raise InputError(f"limit must be 1–1000, got {limit}")
        if offset < 0:
            raise InputError(f"offset must be >= 0, got {offset}")
        known = {status.value for status in CaseStatus}
        unknown = sorted(set(statuses or ()) - known)
        if unknown:
            raise InputError(
                f"unknown status {', '.join(map(repr, unknown))}; "
                f"statuses are: {', '.join(s.value for s in CaseStatus)}"
            )
        with self.store.unit_of_work() as uow:
            return uow.cases.page(statuses=statuses, limit=limit, offset=offset)

    def require_writable(self, case_id: str) -> CaseRecord:
        """The case, if events may still be added to it (checked before long work)."""
        record = self.get_record(case_id)
        if record.status == "closed":
            raise ConflictError(
                f"case {case_id} is closed; nothing can be added. Open a new case if needed."
            )
        return record

    def events(self, case_id: str) -> list[LedgerEntry]:
        """A case's ledger entries by sequence number."""
        with self.store.unit_of_work() as uow:
            uow.cases.get(case_id)
            return uow.cases.events(case_id)

    def verify(self, case_id: str) -> VerificationReport:
        """Verify a case's chain against the station key and its signed head.

        When the chain is intact, also checks that the stored projection (the state
        that ``case show``, the API and the public feed read) and its columns are
        the fold of the chain: an edit of the projection alone is found here.
        """
        try:
            with self.store.unit_of_work() as uow:
                record = uow.cases.get(case_id, cached=False)
                entries = uow.cases.events(case_id)
        except IntegrityError as exc:  # a row sarwatch cannot have written
            return VerificationReport(case_id, 0, None, (Finding("edited", None, str(exc)),))
        report = verify_chain(entries, self._keys(), case_id=case_id, head=record.head)
        if record.head is None:
            missing = Finding(
                "bad_head",
                None,
                "the case's signed head was removed: events cut from the end cannot be ruled out",
            )
            report = replace(report, findings=(missing, *report.findings))
        if report.ok:
            report = replace(report, findings=tuple(_projection_findings(record, entries)))
        return report

    def verify_register(self) -> RegisterReport:
        """Verify the station register against the cases in the store.

        Finds whole cases deleted (events and row), cases inserted behind the
        station's back or replaced, and any change to the register itself. Openings
        wait for the few milliseconds this takes, so that it sees one state.
        """
        try:
            with self.store.unit_of_work(write=True) as uow:
                head = uow.register.lock_head()
                entries = uow.register.entries()
                first = uow.cases.first_event_hashes()
                adoptable = _predating(uow, set(first) - {e.case_id for e in entries})
        except IntegrityError as exc:  # a row sarwatch cannot have written
            return RegisterReport(0, 0, None, (Finding("edited", None, str(exc)),))
        return verify_register(
            entries, self._keys(), head=head, first_hashes=first, adoptable=adoptable
        )

    def registration(self, case_id: str) -> tuple[RegisterEntry, RegisterHead]:
        """A case's entry in the station register and the register's current head.

        Raises :class:`IntegrityError` if the case is not registered.
        """
        with self.store.unit_of_work() as uow:
            uow.cases.get(case_id)
            head = uow.register.head()
            entry = next((e for e in uow.register.entries() if e.case_id == case_id), None)
        if entry is None or head is None:
            raise IntegrityError(
                f"case {case_id} is not in the station register. If the store predates the "
                "register, run 'sarwatch ledger adopt' once; otherwise run 'sarwatch ledger "
                "verify': the case may have been inserted behind the station's back"
            )
        return entry, head

    def adopt_unregistered(self) -> list[str]:
        """Register the cases that predate the station register (after upgrading).

        Each case's chain is verified first, and each must have been opened before
        the register began (``station_meta.register_since``): a case opened later and
        missing from the register means the register was altered, perhaps emptied to
        hide a deleted case. If any check fails, nothing is registered. Returns the
        ids registered, in order of opening.
        """
        with self.store.unit_of_work(write=True) as uow:
            head = self._register_head(uow)
            registered = {e.case_id for e in uow.register.entries()}
            todo = sorted(set(uow.cases.first_event_hashes()) - registered)
            chains = []
            for case_id in todo:
                record, entries = uow.cases.get(case_id), uow.cases.events(case_id)
                report = verify_chain(entries, self._keys(), case_id=case_id, head=record.head)
                if not report.ok or not entries:
                    raise IntegrityError(
                        f"case {case_id} is not in the station register and its own chain "
                        f"does not verify, so it was not adopted (nothing was):\n"
                        f"{report.summary()}"
                    )
                chains.append(entries[0])
            _refuse_cases_opened_since(chains, uow.station.register_since())
            chains.sort(key=lambda e: (e.recorded_at, e.case_id))
            for first_entry in chains:
                head = self._register(uow, head, first_entry)
            uow.commit()
        return [e.case_id for e in chains]

    def check_anchor(self, anchor: Anchor) -> list[Finding]:
        """Whether the store still holds the heads of ``anchor`` unchanged.

        Finds what signatures alone cannot: a register or a case rolled back, with
        its earlier signed head, to a state before the anchor was taken.
        """
        findings: list[Finding] = []
        with self.store.unit_of_work() as uow:
            if anchor.register is not None:
                seq, digest = anchor.register
                findings += check_anchor(
                    uow.register.entries(), seq=seq, hash_=digest, where=anchor.source
                )
            for case_id, seq, digest in anchor.cases:
                try:
                    uow.cases.get(case_id)
                except NotFoundError:
                    findings.append(
                        Finding("deleted", None, f"case {case_id}, in {anchor.source}, is gone")
                    )
                    continue
                entry = next((e for e in uow.cases.events(case_id) if e.seq == seq), None)
                if entry is None:
                    findings.append(
                        Finding(
                            "deleted",
                            seq,
                            f"event #{seq} of case {case_id}, recorded in {anchor.source}, is "
                            "missing: the case was rolled back after it was anchored",
                        )
                    )
                elif entry.hash != digest:
                    findings.append(
                        Finding(
                            "edited",
                            seq,
                            f"event #{seq} of case {case_id} is not the one recorded in "
                            f"{anchor.source}: the case was rewritten after it was anchored",
                        )
                    )
        return findings

    def _keys(self) -> dict[str, Any]:
        return {self.signer.key_id: self.signer.public_key}

    def verify_all(self) -> list[VerificationReport]:
        """Verify every case's chain, by case id (see :meth:`verify_register` for deleted cases).

        Only the ids are listed first, so that a case whose row cannot be read is
        reported in its turn instead of stopping the listing.
        """
        with self.store.unit_of_work() as uow:
            case_ids = sorted(uow.cases.first_event_hashes())
        return [self.verify(case_id) for case_id in case_ids]

    # writing ---------------------------------------------------------------------
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
        """Open a case from an alert; its id is the alert's UTC day, region and a number."""
        alert_time = self._check_time(alert_time, "alert time")
        if position is not None:
            self._check_position(position)
        if region is None:
            region = self.region_of(position.lon, position.lat) if position else "XX"
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
                    register_head = self._register_head(uow)  # openings queue here
                    number = uow.cases.count(id_prefix=prefix) + 1
                    case_id = format_case_id(alert_time.date(), region, number)
                    now = format_time(self.clock())
                    opening = {**payload, "case_id": case_id}
                    state = apply_to_json(None, EventKind.CASE_OPENED, opening, self.clock())
                    uow.cases.insert(_record(state, None))
                    events: list[tuple[str, dict[str, Any]]] = [(EventKind.CASE_OPENED, opening)]
                    if position is not None:
                        events.append((EventKind.POSITION_REPORTED, to_json(position)))
                    record, sealed = self._append(uow, case_id, events, actor, now=now)
                    self._register(uow, register_head, sealed[0])
                    uow.commit()
                    return record
            except ConflictError:
                continue  # another writer took the number: try the next one
        raise ConflictError(f"could not allocate a case id with prefix {prefix} (too busy)")

    def report_position(self, case_id: str, report: PositionReport, *, actor: str) -> CaseRecord:
        """Add a position report (refused on land, in the future, or long before the alert)."""
        self._check_position(report)

        def not_long_before_the_alert(record: CaseRecord) -> None:
            alert = parse_time(record.opened_at)  # the alert time
            if report.time < alert - _MAX_BEFORE_ALERT:
                raise InputError(
                    f"position time {format_time(report.time)} is "
                    f"{(alert - report.time).days} days before the case's alert "
                    f"({format_time(alert)}); check the date (a departure known earlier goes "
                    "in a note or a decision)"
                )

        event = (EventKind.POSITION_REPORTED, to_json(report))
        return self._write(case_id, [event], actor, check=not_long_before_the_alert)

    def log_contact(self, case_id: str, contact: Contact, *, actor: str) -> CaseRecord:
        """Log a communication."""
        self._check_time(contact.time, "contact time")
        return self._write(case_id, [(EventKind.CONTACT_LOGGED, to_json(contact))], actor)

    def update_people(self, case_id: str, people: PeopleOnBoard, *, actor: str) -> CaseRecord:
        """Replace the people-on-board counts."""
        return self._write(case_id, [(EventKind.PEOPLE_UPDATED, to_json(people))], actor)

    def update_vessel(self, case_id: str, vessel: Vessel, *, actor: str) -> CaseRecord:
        """Replace the description of the boat."""
        return self._write(case_id, [(EventKind.VESSEL_UPDATED, to_json(vessel))], actor)

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
        with self.store.unit_of_work() as uow:
            current = uow.cases.get(case_id).status
        payload = {"from": current, "to": str(to), "reason": reason}
        return self._write(case_id, [(EventKind.STATUS_CHANGED, payload)], actor)

    def record_outcome(self, case_id: str, outcome: Outcome, *, actor: str) -> CaseRecord:
        """Record how it ended; moves the case to rescued/intercepted/arrived/lost."""
        self._check_time(outcome.time, "outcome time")
        return self._write(case_id, [(EventKind.OUTCOME_RECORDED, to_json(outcome))], actor)

    def attach(self, case_id: str, kind: str, record: dict[str, Any], *, actor: str) -> CaseRecord:
        """Attach an assessment, drift run, search plan or document record (with its inputs).

        ``record`` is plain JSON; for a drift run it should carry the forcing file
        names, their SHA-256, time windows, parameters, seed and outputs.
        """
        if kind not in ATTACHMENT_KINDS:
            raise InputError(f"attachment kind must be one of {ATTACHMENT_KINDS}, got {kind!r}")
        if not isinstance(record, dict) or not record:
            raise InputError("an attachment needs a non-empty JSON object as its record")
        payload = {"kind": kind, "record": record}
        return self._write(case_id, [(EventKind.ATTACHMENT_ADDED, payload)], actor)

    # internals -------------------------------------------------------------------
    def _write(
        self,
        case_id: str,
        events: list[tuple[str, dict[str, Any]]],
        actor: str,
        *,
        check: Callable[[CaseRecord], None] | None = None,
    ) -> CaseRecord:
        """Append ``events`` in one transaction; ``check`` sees the locked case first."""
        parse_case_id(case_id)
        with self.store.unit_of_work(write=True) as uow:
            now = format_time(self.clock())
            record, _ = self._append(uow, case_id, events, actor, now=now, check=check)
            uow.commit()
            return record

    def _append(
        self,
        uow: UnitOfWork,
        case_id: str,
        events: list[tuple[str, dict[str, Any]]],
        actor: str,
        *,
        now: str,
        check: Callable[[CaseRecord], None] | None = None,
    ) -> tuple[CaseRecord, list[LedgerEntry]]:
        record = uow.cases.lock(case_id)
        if check is not None:
            check(record)
        state: dict[str, Any] | None = None if record.head is None else record.state
        seq = record.head.seq if record.head else 0
        prev = record.head.hash if record.head else GENESIS
        recorded_at = datetime.fromisoformat(now.replace("Z", "+00:00"))
        last: LedgerEntry | None = None
        sealed: list[LedgerEntry] = []
        for kind, payload in events:
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

    def _register_head(self, uow: UnitOfWork) -> RegisterHead | None:
        """Lock the station register; refuse to extend one whose head was removed."""
        head = uow.register.lock_head()
        if head is None and uow.register.entries():
            raise IntegrityError(
                "the station register has entries but its signed head is missing: the "
                "store was tampered with. Run 'sarwatch ledger verify' and restore the "
                "database from a backup; no case can be opened until then"
            )
        return head

    def _register(
        self, uow: UnitOfWork, head: RegisterHead | None, first: LedgerEntry
    ) -> RegisterHead:
        """Append a case, by its first event, to the station register."""
        entry, new_head = register_case(
            self.signer,
            head,
            case_id=first.case_id,
            opened_at=first.recorded_at,
            first_hash=first.hash,
        )
        uow.register.append(entry, new_head)
        return new_head

    def _check_time(self, value: datetime, what: str) -> datetime:
        value = require_utc(value, what)
        now = self.clock()
        if value > now + self.max_future:
            raise InputError(
                f"{what} {format_time(value)} is in the future (now {format_time(now)}); "
                "give the time in UTC"
            )
        return value

    def _check_position(self, report: PositionReport) -> None:
        from sarwatch.geo.coast import REGION
        from sarwatch.geo.position import format_position

        self._check_time(report.time, "position time")
        if not REGION.contains(report.lon, report.lat):
            raise OutOfRegionError(
                f"position {format_position(report.lon, report.lat, decimals=2)} lies outside "
                f"the area this station's coastline and SAR-region data cover "
                f"({REGION.describe()}); check the coordinates and that lon/lat are not swapped"
            )
        if self.land_check(report.lon, report.lat):
            raise PositionOnLandError(
                f"position lon={report.lon:.5f}, lat={report.lat:.5f} is on land "
                "(GSHHG full-resolution coastline); check the coordinates and that lon/lat "
                "are not swapped"
            )


def _opened_before(first: LedgerEntry, since: str | None) -> bool:
    """Whether a case (by its event #1) was opened before the register began."""
    return since is not None and parse_time(first.recorded_at) < parse_time(since)


def _predating(uow: UnitOfWork, case_ids: set[str]) -> set[str]:
    """Those of ``case_ids`` opened before the register began."""
    since = uow.station.register_since()
    firsts = {case_id: uow.cases.events(case_id)[:1] for case_id in case_ids}
    return {
        case_id for case_id, first in firsts.items() if first and _opened_before(first[0], since)
    }


def _refuse_cases_opened_since(firsts: Sequence[LedgerEntry], since: str | None) -> None:
    """Adoption is for cases older than the register; any other is a sign of tampering."""
    if since is None:
        raise IntegrityError(
            "the store does not say when its station register began (station_meta."
            "register_since is missing): it was tampered with, so no case is adopted. "
            "Restore the database from a backup, or check it against an anchor"
        )
    late = [e for e in firsts if not _opened_before(e, since)]
    if late:
        names = ", ".join(f"{e.case_id} (opened {e.recorded_at})" for e in late)
        raise IntegrityError(
            f"case(s) {names} were opened after the station register began ({since}), so "
            "they were registered and their entries have since been removed: the register "
            "was altered, perhaps to hide a deleted case. Nothing was adopted. Restore the "
            "database from a backup, or check it with 'sarwatch ledger verify --anchor'"
        )


#: The columns of a case row copied from its projection (listing and filtering read them).
_PROJECTED_COLUMNS = ("title", "status", "region", "opened_at", "updated_at")


def _projection_findings(record: CaseRecord, entries: Sequence[LedgerEntry]) -> list[Finding]:
    """Whether the stored projection and its columns are the fold of an intact chain."""
    try:
        rebuilt = case_to_json(
            fold([(e.kind, e.payload, parse_time(e.recorded_at)) for e in entries])
        )
    except SarwatchError as exc:
        return [
            Finding(
                "projection",
                None,
                f"the signed events do not replay through the status machine ({exc}): they "
                "were recorded on top of an edited projection",
            )
        ]
    findings = []
    if canonical_json(record.state) != canonical_json(rebuilt):
        fields = sorted(
            k for k in set(rebuilt) | set(record.state) if record.state.get(k) != rebuilt.get(k)
        )
        findings.append(
            Finding(
                "projection",
                None,
                "the stored projection (cases.state, what 'case show', the API and the public "
                f"feed read) differs from the ledger in {', '.join(fields)}: it was edited "
                "outside sarwatch",
            )
        )
    for column in _PROJECTED_COLUMNS:
        stored = getattr(record, column)
        if stored != rebuilt.get(column):
            findings.append(
                Finding(
                    "projection",
                    None,
                    f"the stored {column} column is {stored!r} but the ledger says "
                    f"{rebuilt.get(column)!r}: it was edited outside sarwatch",
                )
            )
    return findings


def _record(state: dict[str, Any], head: SignedHead | None) -> CaseRecord:
    return CaseRecord(
        case_id=state["case_id"],
        title=state["title"],
        status=state["status"],
        region=state["region"],
        opened_at=state["opened_at"],
        updated_at=state["updated_at"],
        state=state,
        head=head,
        state_json=projection_json(state),  # serialised once: stored and answered
    )
