"""The storage interface the incident register needs (a port, like :mod:`.ports`).

The SQL and memory stores implement it structurally: their unit of work has an
``incidents`` repository (:class:`IncidentRepository`) next to ``cases`` and the
others, on the same transaction. One contract test suite
(``tests/test_incidents_store.py``) runs against every store.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from sarwatch.incidents import IncidentQuery, IncidentRecord, Totals
from sarwatch.ledger import LedgerEntry, SignedHead
from sarwatch.services.ports import UnitOfWork

__all__ = ["IncidentRepository", "IncidentStore", "IncidentUnitOfWork"]


class IncidentRepository(Protocol):
    """The incident register: projections, the signed chain and its head."""

    def lock_head(self) -> SignedHead | None:
        """The chain's head, locked until the end of the unit of work (``None``: empty)."""

    def head(self) -> SignedHead | None:
        """The chain's signed head as stored."""

    def append(self, entries: Sequence[LedgerEntry], head: SignedHead) -> None:
        """Add sealed entries and move the signed head to the last of them.

        Raises :class:`~sarwatch.errors.ConflictError` if a number is taken.
        """

    def events(self) -> list[LedgerEntry]:
        """The chain, by ``seq``."""

    def get_many(self, incident_ids: Collection[str]) -> dict[str, IncidentRecord]:
        """The records of those ids that exist."""

    def save(
        self,
        records: Sequence[IncidentRecord],
        *,
        new: Collection[str],
        report_texts: Mapping[str, str] | None = None,
    ) -> None:
        """Insert the records whose ids are in ``new``, replace the others.

        ``report_texts`` holds the reports' compact JSON text by id where the caller
        already has it (:func:`~sarwatch.incidents.record_text`).
        """

    def add_batches(self, bodies: Mapping[str, str]) -> None:
        """Keep the texts of batched reports by their SHA-256."""

    def batches(self) -> dict[str, str]:
        """Every batch text by SHA-256 (verification)."""

    def add_external_ids(self, pairs: Mapping[str, str]) -> None:
        """Record ``external id -> incident id``; :class:`ConflictError` if one is known."""

    def find_external(self, external_ids: Collection[str]) -> dict[str, str]:
        """Of ``external_ids``, those already recorded, with their incident."""

    def incident_ids(self) -> list[str]:
        """Every incident id (to number new ones)."""

    def heads_between(self, start: str, end: str) -> list[IncidentRecord]:
        """Group heads with a time in ``[start, end]`` (ISO 8601 UTC text)."""

    def select(self, query: IncidentQuery, *, limit: int, offset: int) -> list[IncidentRecord]:
        """Incidents ``query`` selects, by time then id."""

    def count(self, query: IncidentQuery) -> int:
        """How many incidents ``query`` selects."""

    def totals(self, query: IncidentQuery, grouping: str) -> list[Totals]:
        """Totals of the selected incidents by ``grouping`` (:data:`~sarwatch.incidents.GROUPINGS`),
        ordered by period then type."""

    def projections(self) -> dict[str, dict[str, Any]]:
        """Every stored projection as JSON, by id (verification)."""


class IncidentUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that reaches the incident register too."""

    @property
    def incidents(self) -> IncidentRepository:
        """The incident register."""

    def __enter__(self) -> IncidentUnitOfWork: ...


class IncidentStore(Protocol):
    """A store that keeps the incident register."""

    url: str

    @property
    def dialect(self) -> str:
        """``"sqlite"``, ``"postgresql"`` or ``"memory"``."""

    def unit_of_work(self, *, write: bool = False) -> IncidentUnitOfWork:
        """A new transaction."""
