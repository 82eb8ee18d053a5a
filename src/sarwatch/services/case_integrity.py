"""Integrity of the case records: verify chains, the projection, the station register, anchors.

The read side of the ledger: nothing here adds an event to a case. The station
register is appended only when a case is opened (:mod:`sarwatch.services.case_writes`
calls :func:`lock_register` and :func:`register_opening`) or when cases older than
the register are adopted (:meth:`CaseIntegrity.adopt_unregistered`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sarwatch.domain.events import fold, parse_time
from sarwatch.domain.projection import case_to_json, projected_columns
from sarwatch.errors import IntegrityError, NotFoundError, SarwatchError
from sarwatch.ledger import (
    Finding,
    LedgerEntry,
    RegisterEntry,
    RegisterHead,
    RegisterReport,
    Signer,
    VerificationReport,
    check_anchor,
    register_case,
    same_json,
    verify_chain,
    verify_register,
    verify_station_chain,
)
from sarwatch.services.ports import CaseRecord, Store, UnitOfWork

__all__ = ["Anchor", "CaseIntegrity", "lock_register", "register_opening"]


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


class CaseIntegrity:
    """Verification of a station's cases (a part of :class:`~sarwatch.services.cases.CaseService`).

    Expects ``store`` and ``signer`` attributes (the service's fields).
    """

    store: Store
    signer: Signer

    def refresh_signer(self) -> Signer:
        """The signer (the service reloads a key rotated by another process)."""
        return self.signer

    def _keys(self) -> dict[str, Any]:
        return self.refresh_signer().trusted_keys()  # every key of the history (rotations)

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
        report = verify_station_chain(
            entries, self.refresh_signer(), case_id=case_id, head=record.head
        )
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

    def verify_all(self) -> list[VerificationReport]:
        """Verify every case's chain, by case id (see :meth:`verify_register` for deleted cases).

        Only the ids are listed first, so that a case whose row cannot be read is
        reported in its turn instead of stopping the listing.
        """
        with self.store.unit_of_work() as uow:
            case_ids = sorted(uow.cases.first_event_hashes())
        return [self.verify(case_id) for case_id in case_ids]

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
            head = lock_register(uow)
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
                head = register_opening(self.signer, uow, head, first_entry)
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


def lock_register(uow: UnitOfWork) -> RegisterHead | None:
    """Lock the station register; refuse to extend one whose head was removed."""
    head = uow.register.lock_head()
    if head is None and uow.register.entries():
        raise IntegrityError(
            "the station register has entries but its signed head is missing: the "
            "store was tampered with. Run 'sarwatch ledger verify' and restore the "
            "database from a backup; no case can be opened until then"
        )
    return head


def register_opening(
    signer: Signer, uow: UnitOfWork, head: RegisterHead | None, first: LedgerEntry
) -> RegisterHead:
    """Append a case, by its first event, to the station register."""
    entry, new_head = register_case(
        signer, head, case_id=first.case_id, opened_at=first.recorded_at, first_hash=first.hash
    )
    uow.register.append(entry, new_head)
    return new_head


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
    if not same_json(record.state, rebuilt):
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
    for column, value in projected_columns(rebuilt).items():
        stored = getattr(record, column)
        if stored != value:
            findings.append(
                Finding(
                    "projection",
                    None,
                    f"the stored {column} column is {stored!r} but the ledger says "
                    f"{value!r}: it was edited outside sarwatch",
                )
            )
    return findings
