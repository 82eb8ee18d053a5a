"""What the store keeps, independent of the database: case rows, users, the unit of work.

A *case record* is the projection of a case's ledger (its current state as JSON,
for fast reads and listing) plus the signed head of its chain. The events
themselves are :class:`~sarwatch.ledger.LedgerEntry` values. Every store
(memory, SQLite, PostgreSQL) implements :class:`UnitOfWork` the same way, and one
contract test suite runs against all of them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sarwatch.ledger import LedgerEntry, RegisterEntry, RegisterHead, SignedHead

__all__ = ["CaseRecord", "Store", "UnitOfWork", "UserRecord", "projection_json"]


@dataclass(frozen=True)
class CaseRecord:
    """A case's projection and chain head.

    Attributes
    ----------
    case_id, title, status, region
        As in :class:`~sarwatch.domain.Case`.
    opened_at, updated_at
        ISO 8601 UTC text.
    state
        The whole case as JSON (:func:`~sarwatch.domain.case_to_json`).
    head
        Signed head of the case's chain (``None`` only while the case is being opened).
    state_json
        ``state`` as :func:`projection_json` writes it, when the store already has the
        text (it spares serialising a large case twice); ``None`` if not known.
    """

    case_id: str
    title: str
    status: str
    region: str
    opened_at: str
    updated_at: str
    state: dict[str, Any]
    head: SignedHead | None
    state_json: str | None = field(default=None, compare=False, repr=False)


def projection_json(state: dict[str, Any]) -> str:
    """The stored text of a case's projection: compact JSON, UTF-8 kept as is."""
    return json.dumps(state, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class UserRecord:
    """A user of the API; the token is kept only as its SHA-256."""

    name: str
    role: str
    token_hash: str
    created_at: str


class UnitOfWork(Protocol):
    """One transaction. Use as a context manager; call :meth:`commit` to keep the writes.

    A *write* unit of work serialises appends to a case: :meth:`lock_case` holds the
    case until commit or rollback, so concurrent writers keep one chain.
    """

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None:
        """Make the writes durable."""

    def rollback(self) -> None:
        """Drop the writes."""

    def get_case(self, case_id: str, *, cached: bool = True) -> CaseRecord:
        """The case; raises :class:`~sarwatch.errors.NotFoundError`.

        ``cached=False`` reads the stored projection even if a copy for the same head
        is cached (verification: a projection edited in place keeps its head).
        """

    def lock_case(self, case_id: str) -> CaseRecord:
        """The case, locked for appending until the end of the unit of work."""

    def list_cases(
        self, *, statuses: Sequence[str] | None = None, limit: int = 100, offset: int = 0
    ) -> list[CaseRecord]:
        """Cases, most recently updated first."""

    def count_cases(self, *, id_prefix: str = "") -> int:
        """Number of cases whose id starts with ``id_prefix``."""

    def insert_case(self, record: CaseRecord) -> None:
        """Add a case; raises :class:`~sarwatch.errors.ConflictError` if the id exists."""

    def update_case(self, record: CaseRecord) -> None:
        """Replace a case's projection and head."""

    def append_event(self, entry: LedgerEntry) -> int:
        """Add a sealed entry; returns its store-wide event id (increasing)."""

    def events(self, case_id: str) -> list[LedgerEntry]:
        """A case's entries, by ``seq``."""

    def events_after(self, event_id: int, *, limit: int = 500) -> list[tuple[int, LedgerEntry]]:
        """Entries of all cases with a store-wide id above ``event_id``, in id order."""

    def lock_register(self) -> RegisterHead | None:
        """The station register's head, locked until the end of the unit of work.

        ``None`` while the register is empty. Opening a case takes this lock, so
        that concurrent openings keep one register chain.
        """

    def append_register(self, entry: RegisterEntry, head: RegisterHead) -> None:
        """Add a register entry and move the register's signed head to it."""

    def register_entries(self) -> list[RegisterEntry]:
        """The station register, by ``seq``."""

    def register_head(self) -> RegisterHead | None:
        """The register's signed head as stored (``None`` if there is none)."""

    def register_since(self) -> str | None:
        """When the station register began (ISO 8601 UTC), or ``None`` if unknown."""

    def first_event_hashes(self) -> dict[str, str | None]:
        """Every case in the store, with the hash of its event #1 (``None`` if missing)."""

    def add_user(self, user: UserRecord) -> None:
        """Add a user; raises :class:`~sarwatch.errors.ConflictError` if the name exists."""

    def user_by_token_hash(self, token_hash: str) -> UserRecord | None:
        """The user holding a token, if any."""

    def list_users(self) -> list[UserRecord]:
        """All users."""

    def remove_user(self, name: str) -> None:
        """Delete a user (its token stops working); :class:`NotFoundError` if unknown."""


class Store(Protocol):
    """A place where cases live."""

    url: str

    def unit_of_work(self, *, write: bool = False) -> UnitOfWork:
        """A new transaction (``write=True`` to append)."""

    def close(self) -> None:
        """Release connections."""
