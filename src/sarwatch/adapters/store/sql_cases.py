"""The SQL case repository: ``cases`` (projection and signed head) and ``events``.

Appends to a case are serialised so that concurrent writers keep one chain: on
SQLite the write transaction itself holds the database (``BEGIN IMMEDIATE``); on
PostgreSQL :meth:`SqlCaseRepository.lock` locks the case row (``SELECT ... FOR
UPDATE``) until commit. The unique constraint on ``(case_id, seq)`` is the last
line of defence. Projections are read through the process's
:class:`~sarwatch.adapters.store.cache.ProjectionCache`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, case, func, null, or_, select
from sqlalchemy import exc as sa_exc

import sarwatch.adapters.store.tables as t
from sarwatch.adapters.store.cache import ProjectionCache
from sarwatch.adapters.store.rows import case_from_row, case_values, entry_from_row, parse_state
from sarwatch.errors import ConflictError, NotFoundError
from sarwatch.ledger import LedgerEntry, canonical_json
from sarwatch.records import CaseRecord

__all__ = ["SqlCaseRepository"]

#: Every column of ``cases`` but the projection text.
_META = [c for c in t.cases.c if c.name != "state"]

# The statements of the hot paths, built once: SQLAlchemy then finds their compiled
# form by a memoised cache key instead of building and hashing a new statement per
# request (a third of the time of a read went there).
_BY_ID = t.cases.c.case_id == bindparam("case_id")
#: A case row; its ``state`` only if the head is not ``known`` (cached here).
_SELECT_CASE = select(
    *_META,
    case((t.cases.c.head_hash == bindparam("known"), null()), else_=t.cases.c.state).label("state"),
).where(_BY_ID)
_SELECT_CASE_FOR_UPDATE = _SELECT_CASE.with_for_update()
_SELECT_STATE = select(t.cases.c.state).where(_BY_ID)
_UPDATE_CASE = t.cases.update().where(t.cases.c.case_id == bindparam("where_case_id"))
_INSERT_EVENT = t.events.insert()


class SqlCaseRepository:
    """Cases and their events in one SQL transaction (``conn``)."""

    def __init__(self, conn: Connection, cache: ProjectionCache) -> None:
        self._conn = conn
        self._cache = cache

    def _record(self, row: Any) -> CaseRecord:
        """A record from a row whose ``state`` is ``NULL`` when the cache has it."""
        if row.state is None:
            hit = self._cache.get(row.case_id, row.head_hash)
            if hit is None:  # replaced in the cache meanwhile: read the text
                text_ = self._conn.execute(_SELECT_STATE, {"case_id": row.case_id}).scalar_one()
                hit = (parse_state(row.case_id, text_), text_)
            return case_from_row(row, *hit)
        state = parse_state(row.case_id, row.state)
        self._cache.put(row.case_id, row.head_hash, state, row.state)
        return case_from_row(row, state, row.state)

    def _select(self, case_id: str, *, for_update: bool, cached: bool = True) -> CaseRecord:
        # ``known`` is the head hash cached here (or ""): the text comes only if it moved
        known = self._cache.known_hash(case_id) if cached else None
        params = {"case_id": case_id, "known": known or ""}
        query = _SELECT_CASE
        if for_update and self._conn.dialect.name == "postgresql":
            query = _SELECT_CASE_FOR_UPDATE
        row = self._conn.execute(query, params).first()
        if row is None:
            raise NotFoundError(
                f"no case {case_id!r}; list cases: GET /api/cases or sarwatch case list"
            )
        return self._record(row)

    def get(self, case_id: str, *, cached: bool = True) -> CaseRecord:
        return self._select(case_id, for_update=False, cached=cached)

    def lock(self, case_id: str) -> CaseRecord:
        return self._select(case_id, for_update=True)

    def _page(self, where: Any, limit: int, offset: int) -> list[CaseRecord]:
        query = select(*_META)
        if where is not None:
            query = query.where(where)
        query = query.order_by(t.cases.c.updated_at.desc(), t.cases.c.case_id).limit(limit)
        rows = self._conn.execute(query.offset(offset)).all()
        out: list[CaseRecord | None] = []
        missing: dict[str, int] = {}
        for i, row in enumerate(rows):
            hit = self._cache.get(row.case_id, row.head_hash)
            out.append(case_from_row(row, *hit) if hit else None)
            if hit is None:
                missing[row.case_id] = i
        if missing:
            # whole rows, so that head and state of each record are from one row
            full = self._conn.execute(
                select(t.cases).where(t.cases.c.case_id.in_(list(missing)))
            ).all()
            for row in full:
                out[missing[row.case_id]] = self._record(row)
        return [r for r in out if r is not None]

    def page(
        self, *, statuses: Sequence[str] | None = None, limit: int = 100, offset: int = 0
    ) -> list[CaseRecord]:
        where = t.cases.c.status.in_(list(statuses)) if statuses else None
        return self._page(where, limit, offset)

    def page_public(
        self, *, updated_before: str, limit: int = 100, offset: int = 0
    ) -> list[CaseRecord]:
        where = or_(t.cases.c.status == "closed", t.cases.c.updated_at <= updated_before)
        return self._page(where, limit, offset)

    def count(self, *, id_prefix: str = "") -> int:
        query = select(func.count()).select_from(t.cases)
        if id_prefix:
            query = query.where(t.cases.c.case_id.startswith(id_prefix, autoescape=True))
        return int(self._conn.execute(query).scalar_one())

    def insert(self, record: CaseRecord) -> None:
        try:
            with self._conn.begin_nested():
                self._conn.execute(t.cases.insert().values(**case_values(record)))
        except sa_exc.IntegrityError:
            raise ConflictError(f"case {record.case_id} already exists") from None

    def update(self, record: CaseRecord) -> None:
        values = case_values(record)
        values["where_case_id"] = values.pop("case_id")
        result = self._conn.execute(_UPDATE_CASE, values)
        if result.rowcount != 1:
            raise NotFoundError(f"no case {record.case_id!r}")
        # keyed by the new head: if this transaction rolls back, that head is never
        # the row's, so the entry is never used
        head_hash = record.head.hash if record.head else None
        self._cache.put(record.case_id, head_hash, record.state, values["state"])

    def append_event(self, entry: LedgerEntry) -> int:
        values = entry.to_json()
        values["format"] = entry.format
        values["payload"] = canonical_json(entry.payload, form=entry.format).decode("utf-8")
        try:
            result = self._conn.execute(_INSERT_EVENT, values)
        except sa_exc.IntegrityError as exc:
            raise ConflictError(
                f"event #{entry.seq} of case {entry.case_id} already exists: {exc.orig}"
            ) from None
        key = result.inserted_primary_key
        return int(key[0]) if key else 0

    def events(self, case_id: str) -> list[LedgerEntry]:
        rows = self._conn.execute(
            select(t.events).where(t.events.c.case_id == case_id).order_by(t.events.c.seq)
        ).all()
        return [entry_from_row(r) for r in rows]

    def events_after(self, event_id: int, *, limit: int = 500) -> list[tuple[int, LedgerEntry]]:
        rows = self._conn.execute(
            select(t.events).where(t.events.c.id > event_id).order_by(t.events.c.id).limit(limit)
        ).all()
        return [(int(r.id), entry_from_row(r)) for r in rows]

    def latest_event_id(self) -> int:
        return int(self._conn.execute(select(func.max(t.events.c.id))).scalar() or 0)

    def first_event_hashes(self) -> dict[str, str | None]:
        first = t.events.alias("first")
        query = select(t.cases.c.case_id, first.c.hash).select_from(
            t.cases.outerjoin(first, (first.c.case_id == t.cases.c.case_id) & (first.c.seq == 1))
        )
        return {row.case_id: row.hash for row in self._conn.execute(query)}
