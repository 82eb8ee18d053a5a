"""An in-memory store with the same contract as the SQL one (tests, throw-away sessions).

A write unit of work holds the store's lock until it ends, so appends are
serialised exactly as in SQLite; writes are staged and applied on commit.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

from sarwatch.adapters.store.records import CaseRecord, UserRecord
from sarwatch.errors import ConflictError, NotFoundError
from sarwatch.ledger import LedgerEntry, RegisterEntry, RegisterHead

__all__ = ["MemoryStore", "MemoryUnitOfWork"]


class MemoryStore:
    """Cases, events and users in Python dicts."""

    url = "memory://"

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.cases: dict[str, CaseRecord] = {}
        self.events: list[tuple[int, LedgerEntry]] = []
        self.users: dict[str, UserRecord] = {}
        self.register: list[RegisterEntry] = []
        self.register_head: RegisterHead | None = None
        self.register_since: str | None = datetime.now(UTC).isoformat().replace("+00:00", "Z")

    def unit_of_work(self, *, write: bool = False) -> MemoryUnitOfWork:
        """A new transaction."""
        return MemoryUnitOfWork(self, write=write)

    def close(self) -> None:
        """Nothing to release."""


class MemoryUnitOfWork:
    """See :class:`~sarwatch.adapters.store.records.UnitOfWork`."""

    def __init__(self, store: MemoryStore, *, write: bool) -> None:
        self._store = store
        self._write = write
        self._reset()

    def _reset(self) -> None:
        self._cases: dict[str, CaseRecord] = {}
        self._events: list[LedgerEntry] = []
        self._users: dict[str, UserRecord] = {}
        self._removed: set[str] = set()
        self._register: list[RegisterEntry] = []
        self._register_head: RegisterHead | None = None

    def __enter__(self) -> MemoryUnitOfWork:
        if self._write:
            self._store._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._reset()
        if self._write:
            self._store._lock.release()

    def commit(self) -> None:
        with self._store._lock:
            self._store.cases.update(self._cases)
            next_id = self._store.events[-1][0] + 1 if self._store.events else 1
            for offset, entry in enumerate(self._events):
                self._store.events.append((next_id + offset, entry))
            self._store.users.update(self._users)
            self._store.register.extend(self._register)
            if self._register_head is not None:
                self._store.register_head = self._register_head
            for name in self._removed:
                self._store.users.pop(name, None)
        self._reset()

    def rollback(self) -> None:
        self._reset()

    def get_case(self, case_id: str, *, cached: bool = True) -> CaseRecord:
        record = self._cases.get(case_id) or self._store.cases.get(case_id)
        if record is None:
            raise NotFoundError(
                f"no case {case_id!r}; list cases: GET /api/cases or sarwatch case list"
            )
        return copy.deepcopy(record)

    def lock_case(self, case_id: str) -> CaseRecord:
        return self.get_case(case_id)

    def _all_cases(self) -> dict[str, CaseRecord]:
        return {**self._store.cases, **self._cases}

    def list_cases(
        self, *, statuses: Sequence[str] | None = None, limit: int = 100, offset: int = 0
    ) -> list[CaseRecord]:
        records = [r for r in self._all_cases().values() if not statuses or r.status in statuses]
        records.sort(key=lambda r: r.case_id)
        records.sort(key=lambda r: r.updated_at, reverse=True)
        return [copy.deepcopy(r) for r in records[offset : offset + limit]]

    def count_cases(self, *, id_prefix: str = "") -> int:
        return sum(1 for cid in self._all_cases() if cid.startswith(id_prefix))

    def insert_case(self, record: CaseRecord) -> None:
        if record.case_id in self._all_cases():
            raise ConflictError(f"case {record.case_id} already exists")
        self._cases[record.case_id] = copy.deepcopy(record)

    def update_case(self, record: CaseRecord) -> None:
        if record.case_id not in self._all_cases():
            raise NotFoundError(f"no case {record.case_id!r}")
        self._cases[record.case_id] = copy.deepcopy(record)

    def append_event(self, entry: LedgerEntry) -> int:
        if entry.case_id not in self._all_cases():
            raise NotFoundError(f"no case {entry.case_id!r} for event #{entry.seq}")
        existing = {(e.case_id, e.seq) for _, e in self._store.events}
        existing |= {(e.case_id, e.seq) for e in self._events}
        if (entry.case_id, entry.seq) in existing:
            raise ConflictError(f"event #{entry.seq} of case {entry.case_id} already exists")
        self._events.append(copy.deepcopy(entry))
        base = self._store.events[-1][0] if self._store.events else 0
        return base + len(self._events)

    def events(self, case_id: str) -> list[LedgerEntry]:
        found = [e for _, e in self._store.events if e.case_id == case_id]
        found += [e for e in self._events if e.case_id == case_id]
        return [copy.deepcopy(e) for e in sorted(found, key=lambda e: e.seq)]

    def events_after(self, event_id: int, *, limit: int = 500) -> list[tuple[int, LedgerEntry]]:
        return [(i, copy.deepcopy(e)) for i, e in self._store.events if i > event_id][:limit]

    def lock_register(self) -> RegisterHead | None:
        return self._register_head or self._store.register_head

    def append_register(self, entry: RegisterEntry, head: RegisterHead) -> None:
        taken = {e.case_id for e in (*self._store.register, *self._register)}
        seqs = {e.seq for e in (*self._store.register, *self._register)}
        if entry.case_id in taken or entry.seq in seqs:
            raise ConflictError(f"case {entry.case_id} or register #{entry.seq} already registered")
        self._register.append(entry)
        self._register_head = head

    def register_entries(self) -> list[RegisterEntry]:
        return sorted((*self._store.register, *self._register), key=lambda e: e.seq)

    def register_head(self) -> RegisterHead | None:
        return self._register_head or self._store.register_head

    def register_since(self) -> str | None:
        return self._store.register_since

    def first_event_hashes(self) -> dict[str, str | None]:
        first: dict[str, str | None] = {case_id: None for case_id in self._all_cases()}
        for entry in (*(e for _, e in self._store.events), *self._events):
            if entry.seq == 1 and entry.case_id in first:
                first[entry.case_id] = entry.hash
        return first

    def add_user(self, user: UserRecord) -> None:
        if user.name in self._store.users or user.name in self._users:
            raise ConflictError(f"user {user.name!r} already exists")
        self._users[user.name] = user

    def user_by_token_hash(self, token_hash: str) -> UserRecord | None:
        for user in (*self._store.users.values(), *self._users.values()):
            if user.token_hash == token_hash and user.name not in self._removed:
                return user
        return None

    def remove_user(self, name: str) -> None:
        if name in self._users:
            del self._users[name]
        elif name in self._store.users:
            self._removed.add(name)
        else:
            raise NotFoundError(f"no user {name!r}; list them with: sarwatch user list")

    def list_users(self) -> list[UserRecord]:
        users = {**self._store.users, **self._users}
        return sorted((u for n, u in users.items() if n not in self._removed), key=lambda u: u.name)
