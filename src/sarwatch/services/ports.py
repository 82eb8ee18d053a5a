"""The storage interfaces the use cases need (ports), owned by the service layer.

The services say what they need from a store here; the adapters
(:mod:`sarwatch.adapters.store`: memory, SQLite, PostgreSQL) implement it
structurally (these are :class:`typing.Protocol` classes: an adapter needs no import
of them, and imports nothing of the service layer), and only the composition root
(:mod:`sarwatch.services.container`) knows which one runs. A service imports this
module, never a store adapter. The values both sides exchange (case records,
users) are in the core, :mod:`sarwatch.records`. Both rules are import contracts
in ``pyproject.toml``.

One repository per aggregate, each reached through the unit of work (one
transaction):

- :class:`CaseRepository`: a case's projection and its signed event chain;
- :class:`RegisterRepository`: the station register of cases opened;
- :class:`UserRepository`: API users and their token hashes;
- :class:`StationMetaRepository`: facts about the store itself.

Every store implements these protocols the same way, and one contract test suite
(``tests/test_store_contract.py``) runs against all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sarwatch.ledger import LedgerEntry, RegisterEntry, RegisterHead
from sarwatch.records import CaseRecord, UserRecord, projection_json
from sarwatch.services.job_ports import JobQueue

__all__ = [
    "CaseRecord",
    "CaseRepository",
    "RegisterRepository",
    "StationMetaRepository",
    "Store",
    "UnitOfWork",
    "UserRecord",
    "UserRepository",
    "projection_json",
]


class CaseRepository(Protocol):
    """Cases: the projection of each and its signed chain of events."""

    def get(self, case_id: str, *, cached: bool = True) -> CaseRecord:
        """The case; raises :class:`~sarwatch.errors.NotFoundError`.

        ``cached=False`` reads the stored projection even if a copy for the same head
        is cached (verification: a projection edited in place keeps its head).
        """

    def lock(self, case_id: str) -> CaseRecord:
        """The case, locked for appending until the end of the unit of work."""

    def page(
        self, *, statuses: Sequence[str] | None = None, limit: int = 100, offset: int = 0
    ) -> list[CaseRecord]:
        """Cases, most recently updated first (ties by id)."""

    def page_public(
        self, *, updated_before: str, limit: int = 100, offset: int = 0
    ) -> list[CaseRecord]:
        """Cases closed, or not updated after ``updated_before`` (ISO UTC), as :meth:`page`."""

    def count(self, *, id_prefix: str = "") -> int:
        """Number of cases whose id starts with ``id_prefix``."""

    def insert(self, record: CaseRecord) -> None:
        """Add a case; raises :class:`~sarwatch.errors.ConflictError` if the id exists."""

    def update(self, record: CaseRecord) -> None:
        """Replace a case's projection and head."""

    def append_event(self, entry: LedgerEntry) -> int:
        """Add a sealed entry; returns its store-wide event id (increasing)."""

    def events(self, case_id: str) -> list[LedgerEntry]:
        """A case's entries, by ``seq``."""

    def events_after(self, event_id: int, *, limit: int = 500) -> list[tuple[int, LedgerEntry]]:
        """Entries of all cases with a store-wide id above ``event_id``, in id order."""

    def latest_event_id(self) -> int:
        """The highest store-wide event id (0 for an empty store)."""

    def first_event_hashes(self) -> dict[str, str | None]:
        """Every case in the store, with the hash of its event #1 (``None`` if missing)."""


class RegisterRepository(Protocol):
    """The station register: one signed entry per case opened, and its signed head."""

    def lock_head(self) -> RegisterHead | None:
        """The register's head, locked until the end of the unit of work.

        ``None`` while the register is empty. Opening a case takes this lock, so
        that concurrent openings keep one register chain.
        """

    def head(self) -> RegisterHead | None:
        """The register's signed head as stored (``None`` if there is none)."""

    def entries(self) -> list[RegisterEntry]:
        """The station register, by ``seq``."""

    def append(self, entry: RegisterEntry, head: RegisterHead) -> None:
        """Add a register entry and move the register's signed head to it."""


class UserRepository(Protocol):
    """API users, by name; tokens only as their hash."""

    def add(self, user: UserRecord) -> None:
        """Add a user; raises :class:`~sarwatch.errors.ConflictError` if the name exists."""

    def by_token_hash(self, token_hash: str) -> UserRecord | None:
        """The user holding a token, if any."""

    def all(self) -> list[UserRecord]:
        """All users, by name."""

    def replace_token(
        self, name: str, token_hash: str, created_at: str, expires_at: str | None
    ) -> None:
        """Give a user a new token (the old one stops working); :class:`NotFoundError`
        if unknown."""

    def remove(self, name: str) -> None:
        """Delete a user (its token stops working); :class:`NotFoundError` if unknown."""


class StationMetaRepository(Protocol):
    """Facts about the store itself."""

    def register_since(self) -> str | None:
        """When the station register began (ISO 8601 UTC), or ``None`` if unknown."""


class UnitOfWork(Protocol):
    """One transaction over the repositories. Use as a context manager; call
    :meth:`commit` to keep the writes (leaving without it drops them).

    A *write* unit of work serialises appends to a case: ``cases.lock`` holds the
    case, and ``register.lock_head`` the register, until commit or rollback, so
    concurrent writers keep one chain.
    """

    @property
    def cases(self) -> CaseRepository:
        """Cases and their events."""

    @property
    def register(self) -> RegisterRepository:
        """The station register."""

    @property
    def users(self) -> UserRepository:
        """API users."""

    @property
    def station(self) -> StationMetaRepository:
        """Facts about the store."""

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def commit(self) -> None:
        """Make the writes durable."""

    def rollback(self) -> None:
        """Drop the writes."""


class Store(Protocol):
    """A place where cases live."""

    url: str

    @property
    def jobs(self) -> JobQueue:
        """Background jobs (drift runs of the API), shared by every server worker."""

    @property
    def dialect(self) -> str:
        """``"sqlite"``, ``"postgresql"`` or ``"memory"``."""

    def unit_of_work(self, *, write: bool = False) -> UnitOfWork:
        """A new transaction (``write=True`` to append)."""

    def close(self) -> None:
        """Release connections (and stop any thread of the store's own)."""
