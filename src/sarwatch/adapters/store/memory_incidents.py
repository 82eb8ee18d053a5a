"""The incident register of the memory store: same contract as the SQL one.

Writes are staged in the unit of work and applied on commit, like the memory
store's cases (:mod:`sarwatch.adapters.store.memory`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sarwatch.errors import ConflictError
from sarwatch.incidents import (
    IncidentQuery,
    IncidentRecord,
    Totals,
    record_to_json,
    selects,
)
from sarwatch.incidents.query import period_of
from sarwatch.ledger import LedgerEntry, SignedHead

__all__ = ["MemoryIncidentData", "MemoryIncidents"]


class MemoryIncidentData:
    """The committed register of a memory store."""

    def __init__(self) -> None:
        self.records: dict[str, IncidentRecord] = {}
        self.events: list[LedgerEntry] = []
        self.head: SignedHead | None = None
        self.external: dict[str, str] = {}
        self.batches: dict[str, str] = {}


class MemoryIncidents:
    """The register in one memory unit of work (staged until :meth:`commit`)."""

    def __init__(self, data: MemoryIncidentData) -> None:
        self._data = data
        self.rollback()

    def rollback(self) -> None:
        """Drop the staged writes."""
        self._records: dict[str, IncidentRecord] = {}
        self._events: list[LedgerEntry] = []
        self._head: SignedHead | None = None
        self._external: dict[str, str] = {}
        self._batches: dict[str, str] = {}

    def commit(self) -> None:
        """Apply the staged writes."""
        self._data.records.update(self._records)
        self._data.events.extend(self._events)
        if self._head is not None:
            self._data.head = self._head
        self._data.external.update(self._external)
        self._data.batches.update(self._batches)
        self.rollback()

    def _all(self) -> dict[str, IncidentRecord]:
        return {**self._data.records, **self._records}

    def lock_head(self) -> SignedHead | None:
        return self.head()

    def head(self) -> SignedHead | None:
        return self._head or self._data.head

    def append(self, entries: Sequence[LedgerEntry], head: SignedHead) -> None:
        taken = {e.seq for e in (*self._data.events, *self._events)}
        if any(e.seq in taken for e in entries):
            raise ConflictError("the incident register was written concurrently; try again")
        self._events.extend(entries)
        self._head = head

    def events(self) -> list[LedgerEntry]:
        return sorted((*self._data.events, *self._events), key=lambda e: e.seq)

    def get_many(self, incident_ids: Collection[str]) -> dict[str, IncidentRecord]:
        everything = self._all()
        return {i: everything[i] for i in incident_ids if i in everything}

    def save(
        self,
        records: Sequence[IncidentRecord],
        *,
        new: Collection[str],
        report_texts: Mapping[str, str] | None = None,
    ) -> None:
        everything = self._all()
        for record in records:
            if record.incident_id in new and record.incident_id in everything:
                raise ConflictError(f"incident {record.incident_id} is already in the register")
            self._records[record.incident_id] = record

    def add_batches(self, bodies: Mapping[str, str]) -> None:
        if any(k in self._data.batches or k in self._batches for k in bodies):
            raise ConflictError("this batch of incidents is already in the register")
        self._batches.update(bodies)

    def batches(self) -> dict[str, str]:
        return {**self._data.batches, **self._batches}

    def add_external_ids(self, pairs: Mapping[str, str]) -> None:
        known = {**self._data.external, **self._external}
        if any(k in known for k in pairs):
            raise ConflictError(
                "a source record is already in the incident register (an external id is taken)"
            )
        self._external.update(pairs)

    def find_external(self, external_ids: Collection[str]) -> dict[str, str]:
        known = {**self._data.external, **self._external}
        return {k: known[k] for k in external_ids if k in known}

    def incident_ids(self) -> list[str]:
        return list(self._all())

    def heads_between(self, start: str, end: str) -> list[IncidentRecord]:
        return [
            r for r in self._all().values() if r.merged_into is None and start <= _time(r) <= end
        ]

    def _selected(self, query: IncidentQuery) -> list[IncidentRecord]:
        found = [r for r in self._all().values() if selects(query, r)]
        found.sort(key=lambda r: (_time(r), r.incident_id))
        return found

    def select(self, query: IncidentQuery, *, limit: int, offset: int) -> list[IncidentRecord]:
        return self._selected(query)[offset : offset + limit]

    def count(self, query: IncidentQuery) -> int:
        return len(self._selected(query))

    def totals(self, query: IncidentQuery, grouping: str) -> list[Totals]:
        groups: dict[tuple[str, str], list[IncidentRecord]] = {}
        for record in self._selected(query):
            kind = record.report.kind.value if grouping.endswith("kind") else ""
            groups.setdefault((period_of(record, grouping), kind), []).append(record)
        return [
            Totals(
                period=period,
                kind=kind,
                incidents=len(rs),
                survivors=sum(r.people.survivors or 0 for r in rs),
                dead=sum(r.people.dead or 0 for r in rs),
                missing=sum(r.people.missing or 0 for r in rs),
                with_counts=sum(
                    1 for r in rs if r.people.dead is not None or r.people.missing is not None
                ),
                with_survivors=sum(1 for r in rs if r.people.survivors is not None),
                with_dead=sum(1 for r in rs if r.people.dead is not None),
                with_missing=sum(1 for r in rs if r.people.missing is not None),
            )
            for (period, kind), rs in sorted(groups.items())
        ]

    def projections(self) -> dict[str, dict[str, Any]]:
        return {i: record_to_json(r) for i, r in self._all().items()}


def _time(record: IncidentRecord) -> str:
    return record.report.time.isoformat().replace("+00:00", "Z")
