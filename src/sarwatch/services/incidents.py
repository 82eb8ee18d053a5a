"""The incident register service: records incidents in the store, signing every change.

:class:`IncidentService` is what delivery (CLI, API) and other services (statistics,
reconstructions, the open-data export) use to read and change the register:

- writes: :meth:`~IncidentService.record` (one or more reports, numbered and merged
  with reports of the same event), :meth:`~IncidentService.revise`,
  :meth:`~IncidentService.add_source`, :meth:`~IncidentService.merge`,
  :meth:`~IncidentService.unmerge`, :meth:`~IncidentService.link_case`, and
  :meth:`~IncidentService.import_batch` (a parsed file, all or nothing);
- queries: :meth:`~IncidentService.get`, :meth:`~IncidentService.group`,
  :meth:`~IncidentService.find`, :meth:`~IncidentService.count`,
  :meth:`~IncidentService.totals` (by period and type, with people counts), and
  :meth:`~IncidentService.verify`.

Every write is one transaction: the register's head is locked, the events are built,
applied to the incidents they touch (:func:`sarwatch.incidents.apply`: the same
function that replays the chain), sealed with the case ledger's :func:`~sarwatch.ledger.seal`
into the register's one chain, and stored with the changed projections. Nothing is
written when a check fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sarwatch.domain.events import format_time
from sarwatch.domain.ids import parse_case_id
from sarwatch.errors import ConflictError, InputError, IntegrityError, NotFoundError
from sarwatch.incidents import (
    CHAIN_ID,
    DRAFT_ID,
    Incident,
    IncidentEvent,
    IncidentQuery,
    IncidentRecord,
    IncidentSource,
    MatchPolicy,
    MergeMatch,
    Totals,
    apply,
    batch_body,
    check_incident_id,
    find_matches,
    fold,
    incident_text,
    incident_to_json,
    record_to_json,
)
from sarwatch.incidents.codec import source_to_json
from sarwatch.incidents.query import GROUPINGS
from sarwatch.ledger import (
    GENESIS,
    LEGACY_FORMAT,
    LedgerEntry,
    Signer,
    VerificationReport,
    seal,
    sign_head,
)
from sarwatch.ledger.chain import Finding, verify_station_chain
from sarwatch.services.incident_ports import (
    IncidentRepository,
    IncidentStore,
    IncidentUnitOfWork,
)

if TYPE_CHECKING:
    from sarwatch.services.cases import CaseService

__all__ = ["INLINE_MAX", "RECORD_CHUNK", "IncidentService", "Recorded"]

#: Reports per ``incidents_recorded`` event (and merges per ``incidents_merged``): an
#: import of 100,000 is 100 signed events, not 100,000.
RECORD_CHUNK = 1000
#: Up to this many reports an event carries them inline; more, it names them by the
#: SHA-256 of their stored text (:func:`~sarwatch.incidents.batch_body`).
INLINE_MAX = 20

Events = list[tuple[str, dict[str, Any]]]


#: How far after the station's clock a report's time may lie (clock skew, a report
#: dated by a time zone ahead of UTC); beyond it, the time is refused as a typo.
FUTURE_MARGIN = timedelta(days=1)


def _now() -> datetime:
    return datetime.now(UTC)


class _Loading(dict[str, IncidentRecord]):
    """The incidents a write touches, read from the store on first use."""

    def __init__(self, repo: IncidentRepository, absent: set[str] | None = None) -> None:
        super().__init__()
        self._repo = repo
        self._absent = absent or set()  # ids known not to be stored (being recorded)

    def __missing__(self, incident_id: str) -> IncidentRecord:
        if incident_id in self._absent:
            raise KeyError(incident_id)
        found = self._repo.get_many([incident_id])
        if incident_id not in found:
            raise KeyError(incident_id)
        self[incident_id] = found[incident_id]
        return found[incident_id]

    def __contains__(self, incident_id: object) -> bool:
        if dict.__contains__(self, incident_id):
            return True
        if incident_id in self._absent:  # being recorded: not stored, no query
            return False
        try:
            self.__missing__(str(incident_id))
        except KeyError:
            return False
        return True


def _renumbered(report: Incident, incident_id: str) -> Incident:
    """A copy of a checked draft with its register id (the id is its only change, so
    the checks of ``__post_init__`` are not run again: a 100,000-row import)."""
    copy = object.__new__(Incident)
    object.__setattr__(copy, "__dict__", {**report.__dict__, "incident_id": incident_id})
    return copy


@dataclass(frozen=True)
class Recorded:
    """What a write recorded: the incidents it created (ids in order), the merges it
    made, and the ledger entries it sealed."""

    incident_ids: tuple[str, ...]
    merges: tuple[MergeMatch, ...]
    entries: tuple[LedgerEntry, ...]


@dataclass
class IncidentService:
    """The incident register over a store and the station key.

    Parameters
    ----------
    store
        A store with an incident register (every sarwatch store).
    signer
        The station key (the case ledger's).
    clock
        Current UTC time.
    policy
        How close reports must be to be merged as one event.
    key_source
        Gives the station key as it is now, before each write and check (the case
        service's :meth:`~sarwatch.services.cases.CaseService.refresh_signer`, which
        loads a key rotated by another process); ``None``: ``signer`` as given.
    """

    store: IncidentStore
    signer: Signer
    clock: Callable[[], datetime] = _now
    policy: MatchPolicy = field(default_factory=MatchPolicy)
    key_source: Callable[[], Signer] | None = None

    @classmethod
    def for_cases(cls, cases: CaseService, **kwargs: Any) -> IncidentService:
        """The register of the station whose case service is ``cases`` (same store,
        key and clock). This is how delivery and other services get one:
        ``IncidentService.for_cases(station.cases)``."""
        store: IncidentStore = cases.store  # type: ignore[assignment]  # every store has one
        return cls(
            store=store,
            signer=cases.signer,
            clock=cases.clock,
            key_source=cases.refresh_signer,
            **kwargs,
        )

    def _current_signer(self) -> Signer:
        """The station key now: a key rotated beside a running server is signed with."""
        if self.key_source is not None:
            self.signer = self.key_source()
        return self.signer

    # queries ---------------------------------------------------------------------
    def get(self, incident_id: str) -> IncidentRecord:
        """One incident (:class:`NotFoundError` if unknown)."""
        check_incident_id(incident_id)
        with self.store.unit_of_work() as uow:
            found = uow.incidents.get_many([incident_id])
        if incident_id not in found:
            raise NotFoundError(
                f"no incident {incident_id!r}; list them with: sarwatch incidents list"
            )
        return found[incident_id]

    def group(self, incident_id: str) -> list[IncidentRecord]:
        """The group an incident belongs to: its head first, then the merged reports."""
        record = self.get(incident_id)
        head = self.get(record.merged_into) if record.merged_into else record
        with self.store.unit_of_work() as uow:
            members = uow.incidents.get_many(head.members)
        return [head, *(members[m] for m in head.members if m in members)]

    def find(
        self, query: IncidentQuery | None = None, *, limit: int = 100, offset: int = 0
    ) -> list[IncidentRecord]:
        """Incidents ``query`` selects (default: every event once), by time then id."""
        if not 1 <= limit <= 100_000:
            raise InputError(f"limit must be 1-100000, got {limit}")
        if offset < 0:
            raise InputError(f"offset must be >= 0, got {offset}")
        with self.store.unit_of_work() as uow:
            return uow.incidents.select(query or IncidentQuery(), limit=limit, offset=offset)

    def iter_all(
        self, query: IncidentQuery | None = None, *, batch: int = 5000
    ) -> Iterable[IncidentRecord]:
        """Every incident ``query`` selects, in pages (exports)."""
        offset = 0
        while True:
            page = self.find(query, limit=batch, offset=offset)
            yield from page
            if len(page) < batch:
                return
            offset += batch

    def count(self, query: IncidentQuery | None = None) -> int:
        """How many incidents ``query`` selects."""
        with self.store.unit_of_work() as uow:
            return uow.incidents.count(query or IncidentQuery())

    def totals(self, query: IncidentQuery | None = None, *, by: str = "year") -> list[Totals]:
        """Events, survivors, dead and missing by period (``year``, ``month``) and type.

        Each event counts once (a report merged into another adds nothing of its own:
        its counts are in the head's combined view).
        """
        if by not in GROUPINGS:
            raise InputError(f"group totals by one of {', '.join(GROUPINGS)}; got {by!r}")
        with self.store.unit_of_work() as uow:
            return uow.incidents.totals(query or IncidentQuery(), by)

    def events(self) -> list[LedgerEntry]:
        """The register's chain, by ``seq``."""
        with self.store.unit_of_work() as uow:
            return uow.incidents.events()

    def verify(self) -> VerificationReport:
        """Check the register's chain and that the stored incidents are its fold."""
        with self.store.unit_of_work() as uow:
            entries = uow.incidents.events()
            head = uow.incidents.head()
            stored = uow.incidents.projections()
            bodies = uow.incidents.batches()
        # every key of the station's history, and no retired key after its hand-over
        report = verify_station_chain(entries, self._current_signer(), case_id=CHAIN_ID, head=head)
        if not report.ok:
            return report
        try:
            folded = fold(
                (
                    (
                        e.kind,
                        e.payload,
                        datetime.fromisoformat(e.recorded_at.replace("Z", "+00:00")),
                    )
                    for e in entries
                ),
                bodies,
            )
        except IntegrityError as exc:
            return replace(report, findings=(Finding("edited", None, str(exc)),))
        findings = list(report.findings)
        for incident_id in sorted(set(folded) | set(stored)):
            want = record_to_json(folded[incident_id]) if incident_id in folded else None
            if stored.get(incident_id) != want:
                what = "is not in the chain" if want is None else "differs from its chain"
                if incident_id not in stored:
                    what = "is missing from the store"
                findings.append(
                    Finding(
                        "projection",
                        None,
                        f"incident {incident_id} {what}: the store was changed outside sarwatch",
                    )
                )
        return replace(report, findings=tuple(findings))

    # writes ----------------------------------------------------------------------
    def record(
        self,
        reports: Incident | Sequence[Incident],
        *,
        actor: str,
        merge: bool = True,
    ) -> Recorded:
        """Record new reports (numbered if they carry :data:`DRAFT_ID`), merging each
        with an earlier report of the same event when ``merge`` (default)."""
        batch = [reports] if isinstance(reports, Incident) else list(reports)
        if not batch:
            raise InputError("nothing to record")
        for report in batch:
            self.check_not_future(report)
        with self.store.unit_of_work(write=True) as uow:
            recorded = self._record_in(uow, batch, actor=actor, merge=merge, extra=lambda _: [])
            uow.commit()
        return recorded

    def future_reason(self, report: Incident) -> str | None:
        """Why ``report`` cannot be recorded yet: its time is after the station's clock
        (by more than :data:`FUTURE_MARGIN`, for clocks and time zones), or ``None``."""
        now = self.clock()
        if report.time <= now + FUTURE_MARGIN:
            return None
        return (
            f"time {format_time(report.time)} is in the future (the station's clock says "
            f"{format_time(now.replace(microsecond=0))}): a mistyped year or a local time "
            "given as UTC? An incident is recorded once it has happened"
        )

    def check_not_future(self, report: Incident) -> None:
        """Raise :class:`InputError` with :meth:`future_reason` if there is one."""
        why = self.future_reason(report)
        if why is not None:
            raise InputError(why)

    def revise(self, incident: Incident, *, actor: str, reason: str = "") -> IncidentRecord:
        """Replace a report's content (same id); its group's view is recomputed."""
        self.check_not_future(incident)
        return self._one(
            incident.incident_id,
            [(IncidentEvent.REVISED, {"incident": incident_to_json(incident), "reason": reason})],
            actor,
        )

    def add_source(self, incident_id: str, source: IncidentSource, *, actor: str) -> IncidentRecord:
        """Add a graded source to a report."""
        payload = {"incident_id": incident_id, "source": source_to_json(source)}
        return self._one(incident_id, [(IncidentEvent.SOURCE_ADDED, payload)], actor)

    def link_case(self, incident_id: str, case_id: str | None, *, actor: str) -> IncidentRecord:
        """Link a report to a live case (``None`` unlinks)."""
        if case_id is not None:
            parse_case_id(case_id)
        payload = {"incident_id": incident_id, "case_id": case_id}
        return self._one(incident_id, [(IncidentEvent.CASE_LINKED, payload)], actor)

    def merge(self, into: str, merged: str, *, actor: str, reason: str) -> IncidentRecord:
        """Merge report ``merged`` into the group headed by ``into`` (by hand)."""
        if not reason.strip():
            raise InputError("say why the two reports are the same event (a reason)")
        item = {"into": into, "merged": merged, "reason": reason.strip(), "by": actor}
        return self._one(into, [(IncidentEvent.MERGED, {"merges": [item]})], actor)

    def unmerge(self, merged: str, *, actor: str, reason: str = "") -> IncidentRecord:
        """Undo the merge of report ``merged``: it heads its own group again."""
        record = self.get(merged)
        if record.merged_into is None:
            raise ConflictError(f"incident {merged} is not merged into another; nothing to undo")
        payload = {"into": record.merged_into, "merged": merged, "reason": reason}
        return self._one(merged, [(IncidentEvent.MERGE_UNDONE, payload)], actor)

    def import_batch(
        self,
        reports: Sequence[Incident],
        *,
        actor: str,
        summary: dict[str, Any],
        file_merges: Sequence[tuple[str, str]] = (),
        merge: bool = True,
        merge_among: bool = True,
    ) -> Recorded:
        """Record a parsed file in one transaction (all or nothing).

        ``summary`` (format, file name, SHA-256, row counts, refused rows) becomes the
        ``incidents_imported`` event that closes the import, with the number of reports
        merged by proximity added as ``merged``; ``file_merges`` are merges the file
        itself states (``(into, merged)`` by the ids it carries). ``merge_among`` false:
        the reports merge with the register's only, never with one another (the rows
        of an export, each an event).
        """
        with self.store.unit_of_work(write=True) as uow:

            def extra(found: list[MergeMatch]) -> Events:
                out: Events = []
                if file_merges:
                    stated = [
                        {"into": a, "merged": b, "reason": "as in the imported file"}
                        for a, b in file_merges
                    ]
                    out.append((IncidentEvent.MERGED, {"merges": stated}))
                out.append((IncidentEvent.IMPORTED, {**summary, "merged": len(found)}))
                return out

            recorded = self._record_in(
                uow, list(reports), actor=actor, merge=merge, extra=extra, among=merge_among
            )
            uow.commit()
        return recorded

    def known_external(self, external_ids: Iterable[str]) -> dict[str, str]:
        """Of ``external_ids``, those the register holds, with their incident."""
        with self.store.unit_of_work() as uow:
            return uow.incidents.find_external(list(external_ids))

    def known_ids(self, incident_ids: Iterable[str]) -> dict[str, IncidentRecord]:
        """Of ``incident_ids``, those the register holds."""
        with self.store.unit_of_work() as uow:
            return uow.incidents.get_many(list(incident_ids))

    # internals -------------------------------------------------------------------
    def _one(self, incident_id: str, events: Events, actor: str) -> IncidentRecord:
        check_incident_id(incident_id)
        with self.store.unit_of_work(write=True) as uow:
            states = _Loading(uow.incidents)
            self._seal_and_store(uow, states, events, actor, new=set())
            uow.commit()
            return states[incident_id]

    def _record_in(
        self,
        uow: IncidentUnitOfWork,
        batch: list[Incident],
        *,
        actor: str,
        merge: bool,
        extra: Callable[[list[MergeMatch]], Events],
        among: bool = True,
    ) -> Recorded:
        repo = uow.incidents
        externals = [x for r in batch for x in r.external_ids]
        if len(set(externals)) != len(externals):
            raise ConflictError("the same source record appears twice in one batch")
        taken = repo.find_external(externals)
        if taken:
            first = next(iter(taken.items()))
            raise ConflictError(
                f"source record {first[0]} is already incident {first[1]} "
                f"({len(taken)} record(s) already in the register)"
            )
        numbered = self._numbered(repo, batch)
        merges: list[MergeMatch] = []
        if merge and numbered:
            window = timedelta(hours=self.policy.within_h) + timedelta(days=33)
            start = min(r.time for r in numbered) - window
            end = max(r.time for r in numbered) + window
            heads = [r.report for r in repo.heads_between(format_time(start), format_time(end))]
            merges = find_matches(numbered, heads, self.policy, among_new=among)
        texts = {r.incident_id: incident_text(r) for r in numbered}
        events: Events = []
        parsed: dict[int, list[Incident]] = {}
        bodies: dict[str, str] = {}
        for i in range(0, len(numbered), RECORD_CHUNK):
            chunk = numbered[i : i + RECORD_CHUNK]
            if len(chunk) <= INLINE_MAX:
                payload: dict[str, Any] = {"incidents": [incident_to_json(r) for r in chunk]}
            else:  # named by hash, kept beside the chain (batch_body)
                text, sha = batch_body([texts[r.incident_id] for r in chunk])
                bodies[sha] = text
                payload = {
                    "batch": {
                        "sha256": sha,
                        "count": len(chunk),
                        "first": chunk[0].incident_id,
                        "last": chunk[-1].incident_id,
                    }
                }
            parsed[len(events)] = chunk
            events.append((IncidentEvent.RECORDED, payload))
        items = [
            {
                "into": m.into,
                "merged": m.merged,
                "distance_km": None
                if m.proximity.distance_km is None
                else round(m.proximity.distance_km, 3),
                "hours": round(m.proximity.hours, 3),
                "reason": "same event by proximity in time and space",
            }
            for m in merges
        ]
        events += [
            (IncidentEvent.MERGED, {"merges": items[i : i + RECORD_CHUNK]})
            for i in range(0, len(items), RECORD_CHUNK)
        ]
        events += extra(merges)
        new_ids = {r.incident_id for r in numbered}
        states = _Loading(repo, absent=new_ids)
        entries = self._seal_and_store(
            uow, states, events, actor, new=new_ids, parsed=parsed, report_texts=texts
        )
        repo.add_batches(bodies)
        repo.add_external_ids({x: r.incident_id for r in numbered for x in r.external_ids})
        return Recorded(tuple(r.incident_id for r in numbered), tuple(merges), tuple(entries))

    def _numbered(self, repo: IncidentRepository, batch: list[Incident]) -> list[Incident]:
        """The reports with register ids: drafts numbered by year, given ids checked."""
        given = [r.incident_id for r in batch if r.incident_id != DRAFT_ID]
        if len(set(given)) != len(given):
            raise ConflictError("the same incident id appears twice in one batch")
        clash = repo.get_many(given)
        if clash:
            raise ConflictError(
                f"incident {next(iter(clash))} is already in the register "
                f"({len(clash)} id(s) taken)"
            )
        serials: dict[int, int] = {}
        for incident_id in [*repo.incident_ids(), *given]:
            year, serial = int(incident_id[2:6]), int(incident_id[7:])
            serials[year] = max(serials.get(year, 0), serial)
        out = []
        for report in batch:
            if report.incident_id == DRAFT_ID:
                year = report.time.year
                serials[year] = serials.get(year, 0) + 1
                report = _renumbered(report, f"I-{year:04d}-{serials[year]:05d}")
            out.append(report)
        return out

    def _seal_and_store(
        self,
        uow: IncidentUnitOfWork,
        states: _Loading,
        events: Events,
        actor: str,
        *,
        new: set[str],
        parsed: dict[int, list[Incident]] | None = None,
        report_texts: dict[str, str] | None = None,
    ) -> list[LedgerEntry]:
        repo = uow.incidents
        head = repo.lock_head()
        seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
        now_t = self.clock()
        now = format_time(now_t)
        changed: set[str] = set()
        entries: list[LedgerEntry] = []
        signer = self._current_signer()
        for n, (kind, payload) in enumerate(events):
            reports = (parsed or {}).get(n)
            changed |= apply(states, str(kind), payload, now_t, reports=reports)  # checks
            seq += 1
            entry = seal(
                signer,
                case_id=CHAIN_ID,
                seq=seq,
                recorded_at=now,
                kind=str(kind),
                actor=actor,
                payload=payload,
                prev_hash=prev,
                # record format 1 until incident_events stores each event's format
                # (docs/evidence-format.md): its rows are read back as format 1
                form=LEGACY_FORMAT,
            )
            entries.append(entry)
            prev = entry.hash
        if not entries:
            raise InputError("nothing to record")
        repo.save(
            [dict.__getitem__(states, i) for i in sorted(changed)],
            new=new,
            report_texts=report_texts,
        )
        repo.append(entries, sign_head(signer, entries[-1]))
        return entries
