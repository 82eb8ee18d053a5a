"""An in-memory store with the same contract as the SQL one (tests, throw-away sessions).

A write unit of work holds the store's lock until it ends, so appends are
serialised exactly as in SQLite; writes are staged in the unit of work and applied
on commit.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sarwatch.adapters.store.memory_incidents import MemoryIncidentData, MemoryIncidents
from sarwatch.adapters.store.memory_jobs import MemoryJobQueue
from sarwatch.errors import ConflictError, NotFoundError
from sarwatch.ledger import LedgerEntry, RegisterEntry, RegisterHead
from sarwatch.records import CaseRecord, UserRecord

__all__ = ["MemoryStore", "MemoryUnitOfWork"]


class MemoryStore:
    """Cases, events, the register and users in Python containers."""

    url = "memory://"
    dialect = "memory"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.cases: dict[str, CaseRecord] = {}
        self.events: list[tuple[int, LedgerEntry]] = []
        self.users: dict[str, UserRecord] = {}
        self.register: list[RegisterEntry] = []
        self.register_head: RegisterHead | None = None
        self.register_since: str | None = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        self.incident_data = MemoryIncidentData()
        self.jobs = MemoryJobQueue()

    def unit_of_work(self, *, write: bool = False) -> MemoryUnitOfWork:
        """A new transaction."""
        return MemoryUnitOfWork(self, write=write)

    def close(self) -> None:
        """Nothing to release."""


class _Staged:
    """What a unit of work wrote and has not committed yet."""

    def __init__(self) -> None:
        self.cases: dict[str, CaseRecord] = {}
        self.events: list[LedgerEntry] = []
        self.users: dict[str, UserRecord] = {}
        self.removed: set[str] = set()
        self.register: list[RegisterEntry] = []
        self.register_head: RegisterHead | None = None


class _Cases:
    def __init__(self, store: MemoryStore, staged: Callable[[], _Staged]) -> None:
        self._store = store
        self._staged = staged

    def _all(self) -> dict[str, CaseRecord]:
        return {**self._store.cases, **self._staged().cases}

    def get(self, case_id: str, *, cached: bool = True) -> CaseRecord:
        record = self._staged().cases.get(case_id) or self._store.cases.get(case_id)
        if record is None:
            raise NotFoundError(
                f"no case {case_id!r}; list cases: GET /api/cases or sarwatch case list"
            )
        return copy.deepcopy(record)

    def lock(self, case_id: str) -> CaseRecord:
        return self.get(case_id)

    def _page(self, records: list[CaseRecord], limit: int, offset: int) -> list[CaseRecord]:
        records.sort(key=lambda r: r.case_id)
        records.sort(key=lambda r: r.updated_at, reverse=True)
        return [copy.deepcopy(r) for r in records[offset : offset + limit]]

    def page(
        self, *, statuses: Sequence[str] | None = None, limit: int = 100, offset: int = 0
    ) -> list[CaseRecord]:
        records = [r for r in self._all().values() if not statuses or r.status in statuses]
        return self._page(records, limit, offset)

    def page_public(
        self, *, updated_before: str, limit: int = 100, offset: int = 0
    ) -> list[CaseRecord]:
        records = [
            r
            for r in self._all().values()
            if r.status == "closed" or r.updated_at <= updated_before
        ]
        return self._page(records, limit, offset)

    def count(self, *, id_prefix: str = "") -> int:
        return sum(1 for cid in self._all() if cid.startswith(id_prefix))

    def insert(self, record: CaseRecord) -> None:
        if record.case_id in self._all():
            raise ConflictError(f"case {record.case_id} already exists")
        self._staged().cases[record.case_id] = copy.deepcopy(record)

    def update(self, record: CaseRecord) -> None:
        if record.case_id not in self._all():
            raise NotFoundError(f"no case {record.case_id!r}")
        self._staged().cases[record.case_id] = copy.deepcopy(record)

    def append_event(self, entry: LedgerEntry) -> int:
        staged = self._staged()
        if entry.case_id not in self._all():
            raise NotFoundError(f"no case {entry.case_id!r} for event #{entry.seq}")
        existing = {(e.case_id, e.seq) for _, e in self._store.events}
        existing |= {(e.case_id, e.seq) for e in staged.events}
        if (entry.case_id, entry.seq) in existing:
            raise ConflictError(f"event #{entry.seq} of case {entry.case_id} already exists")
        staged.events.append(copy.deepcopy(entry))
        return self.latest_event_id() + len(staged.events)

    def events(self, case_id: str) -> list[LedgerEntry]:
        found = [e for _, e in self._store.events if e.case_id == case_id]
        found += [e for e in self._staged().events if e.case_id == case_id]
        return [copy.deepcopy(e) for e in sorted(found, key=lambda e: e.seq)]

    def events_after(self, event_id: int, *, limit: int = 500) -> list[tuple[int, LedgerEntry]]:
        return [(i, copy.deepcopy(e)) for i, e in self._store.events if i > event_id][:limit]

    def latest_event_id(self) -> int:
        return self._store.events[-1][0] if self._store.events else 0

    def first_event_hashes(self) -> dict[str, str | None]:
        first: dict[str, str | None] = {case_id: None for case_id in self._all()}
        for entry in (*(e for _, e in self._store.events), *self._staged().events):
            if entry.seq == 1 and entry.case_id in first:
                first[entry.case_id] = entry.hash
        return first


class _Register:
    def __init__(self, store: MemoryStore, staged: Callable[[], _Staged]) -> None:
        self._store = store
        self._staged = staged

    def lock_head(self) -> RegisterHead | None:
        return self.head()

    def head(self) -> RegisterHead | None:
        return self._staged().register_head or self._store.register_head

    def append(self, entry: RegisterEntry, head: RegisterHead) -> None:
        staged = self._staged()
        taken = {e.case_id for e in (*self._store.register, *staged.register)}
        seqs = {e.seq for e in (*self._store.register, *staged.register)}
        if entry.case_id in taken or entry.seq in seqs:
            raise ConflictError(f"case {entry.case_id} or register #{entry.seq} already registered")
        staged.register.append(entry)
        staged.register_head = head

    def entries(self) -> list[RegisterEntry]:
        return sorted((*self._store.register, *self._staged().register), key=lambda e: e.seq)


class _Users:
    def __init__(self, store: MemoryStore, staged: Callable[[], _Staged]) -> None:
        self._store = store
        self._staged = staged

    def add(self, user: UserRecord) -> None:
        if user.name in self._store.users or user.name in self._staged().users:
            raise ConflictError(f"user {user.name!r} already exists")
        self._staged().users[user.name] = user

    def by_token_hash(self, token_hash: str) -> UserRecord | None:
        staged = self._staged()
        for user in {**self._store.users, **staged.users}.values():
            if user.token_hash == token_hash and user.name not in staged.removed:
                return user
        return None

    def replace_token(
        self, name: str, token_hash: str, created_at: str, expires_at: str | None
    ) -> None:
        staged = self._staged()
        user = staged.users.get(name) or self._store.users.get(name)
        if user is None or name in staged.removed:
            raise NotFoundError(f"no user {name!r}; list them with: sarwatch user list")
        staged.users[name] = replace(
            user, token_hash=token_hash, created_at=created_at, expires_at=expires_at
        )

    def remove(self, name: str) -> None:
        staged = self._staged()
        known = name in staged.users or name in self._store.users
        if not known or name in staged.removed:
            raise NotFoundError(f"no user {name!r}; list them with: sarwatch user list")
        # a user renewed earlier in this unit of work has a staged copy and a stored one:
        # both go (dropping the copy alone left the stored user in place)
        staged.users.pop(name, None)
        if name in self._store.users:
            staged.removed.add(name)

    def all(self) -> list[UserRecord]:
        staged = self._staged()
        users = {**self._store.users, **staged.users}
        return sorted(
            (u for n, u in users.items() if n not in staged.removed), key=lambda u: u.name
        )


class _StationMeta:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def register_since(self) -> str | None:
        return self._store.register_since


class MemoryUnitOfWork:
    """See :class:`~sarwatch.services.ports.UnitOfWork`."""

    def __init__(self, store: MemoryStore, *, write: bool) -> None:
        self._store = store
        self._write = write
        self._staged = _Staged()
        staged = lambda: self._staged  # noqa: E731 - the repositories see the current batch
        self.cases = _Cases(store, staged)
        self.register = _Register(store, staged)
        self.users = _Users(store, staged)
        self.station = _StationMeta(store)
        self.incidents = MemoryIncidents(store.incident_data)

    def __enter__(self) -> MemoryUnitOfWork:
        if self._write:
            self._store._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._staged = _Staged()
        self.incidents.rollback()
        if self._write:
            self._store._lock.release()

    def commit(self) -> None:
        """Apply the staged writes to the store."""
        staged, store = self._staged, self._store
        with store._lock:
            store.cases.update(staged.cases)
            next_id = store.events[-1][0] + 1 if store.events else 1
            for offset, entry in enumerate(staged.events):
                store.events.append((next_id + offset, entry))
            store.users.update(staged.users)
            store.register.extend(staged.register)
            if staged.register_head is not None:
                store.register_head = staged.register_head
            for name in staged.removed:
                store.users.pop(name, None)
            self.incidents.commit()
        self._staged = _Staged()

    def rollback(self) -> None:
        """Drop the staged writes."""
        self._staged = _Staged()
        self.incidents.rollback()
