"""The SQL repository of the incident register (tables in ``tables_incidents``).

Appends to the register's one chain are serialised like a case's: SQLite's write
transaction holds the database (``BEGIN IMMEDIATE``); on PostgreSQL
:meth:`SqlIncidentRepository.lock_head` locks the head row (``SELECT ... FOR
UPDATE``); the primary key on ``seq`` is the last line of defence. Bulk writes use
``executemany`` (an import of 100,000 incidents is one transaction).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, func, or_, select
from sqlalchemy import exc as sa_exc

import sarwatch.adapters.store.tables_incidents as t
from sarwatch.adapters.store.rows import is_int, tampered
from sarwatch.errors import ConflictError
from sarwatch.incidents import (
    CHAIN_ID,
    IncidentQuery,
    IncidentRecord,
    IncidentType,
    Totals,
    record_from_json,
    record_text,
)
from sarwatch.incidents.codec import utc_text
from sarwatch.ledger import LedgerEntry, SignedHead, canonical_json

__all__ = ["SqlIncidentRepository", "incident_values"]

_CHUNK = 500


def incident_values(record: IncidentRecord, report_text: str | None = None) -> dict[str, Any]:
    """The ``incidents`` row of a record (``report_text``: the report's JSON text, if known)."""
    report = record.report
    return {
        "incident_id": report.incident_id,
        "kind": report.kind.value,
        "time": record_time(record),
        "year": report.time.year,
        "month": report.time.month,
        "lon": report.lon,
        "lat": report.lat,
        "place": report.place,
        "country": report.country,
        "survivors": record.people.survivors,
        "dead": record.people.dead,
        "missing": record.people.missing,
        "quality": record.quality,
        "merged_into": record.merged_into,
        "case_id": report.case_id,
        "updated_at": record.updated_at,
        "state": record_text(record, report_text),
    }


#: The columns of ``incidents`` in the order :func:`_incident_row` gives them.
_COLUMNS = (
    "incident_id", "kind", "time", "year", "month", "lon", "lat", "place", "country",
    "survivors", "dead", "missing", "quality", "merged_into", "case_id", "updated_at", "state",
)  # fmt: skip


#: The stored text of each incident type (``.value`` of an enum costs a descriptor call).
_KIND_TEXT = {kind: kind.value for kind in IncidentType}


def _incident_row(record: IncidentRecord, report_text: str | None) -> tuple[Any, ...]:
    """:func:`incident_values` as a tuple in :data:`_COLUMNS` order (bulk inserts)."""
    report, people, sources = record.report, record.people, record.sources
    when = report.time
    return (
        report.incident_id,
        _KIND_TEXT[report.kind],
        utc_text(when),
        when.year,
        when.month,
        report.lon,
        report.lat,
        report.place,
        report.country,
        people.survivors,
        people.dead,
        people.missing,
        sources[0].quality if len(sources) == 1 else record.quality,
        record.merged_into,
        report.case_id,
        record.updated_at,
        record_text(record, report_text),
    )


def record_time(record: IncidentRecord) -> str:
    """The record's time as stored (ISO 8601 UTC ``Z``, sorts as text)."""
    return record.report.time.isoformat().replace("+00:00", "Z")


def _parse(incident_id: str, text_: Any) -> IncidentRecord:
    try:
        return record_from_json(json.loads(text_))
    except Exception as exc:
        raise tampered(f"incident {incident_id}'s stored record is unreadable ({exc})") from None


def _where(query: IncidentQuery) -> list[Any]:
    c = t.incidents.c
    where: list[Any] = []
    if query.heads_only:
        where.append(c.merged_into.is_(None))
    if query.start is not None:
        where.append(c.time >= query.start_text)
    if query.end is not None:
        where.append(c.time < query.end_text)
    if query.kinds:
        where.append(c.kind.in_([k.value for k in query.kinds]))
    if query.bbox is not None:
        lon0, lat0, lon1, lat1 = query.bbox
        where.append(and_(c.lon.between(lon0, lon1), c.lat.between(lat0, lat1)))
    if query.place:
        needle = f"%{query.place.lower()}%"
        where.append(or_(func.lower(c.place).like(needle), func.lower(c.country).like(needle)))
    if query.case_id is not None:
        where.append(c.case_id == query.case_id)
    if query.min_quality is not None:
        where.append(c.quality >= query.min_quality)
    return where


def _insert_many(
    conn: Connection, table: Any, names: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert rows (tuples of the ``names`` columns) with the driver's ``executemany``:
    SQLAlchemy's per-row parameter processing costs more than SQLite's insert for a
    100,000-row import."""
    style = conn.dialect.paramstyle
    if style == "qmark":
        marks = ", ".join("?" for _ in names)
    elif style in ("format", "pyformat"):
        marks = ", ".join("%s" for _ in names)
    else:  # named, numeric: let SQLAlchemy build it
        conn.execute(table.insert(), [dict(zip(names, row, strict=True)) for row in rows])
        return
    quote = conn.dialect.identifier_preparer.quote
    sql = f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) VALUES ({marks})"
    conn.exec_driver_sql(sql, rows)


class SqlIncidentRepository:
    """The incident register in one SQL transaction (``conn``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # the chain ------------------------------------------------------------------
    def _head(self, *, for_update: bool) -> SignedHead | None:
        query = select(t.incident_head).where(t.incident_head.c.id == 1)
        if for_update and self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        if row is None:
            return None
        if not is_int(row.seq):
            raise tampered(f"the incident register head's seq is {row.seq!r}, not a number")
        return SignedHead(CHAIN_ID, row.seq, str(row.hash), str(row.key_id), str(row.signature))

    def lock_head(self) -> SignedHead | None:
        return self._head(for_update=True)

    def head(self) -> SignedHead | None:
        return self._head(for_update=False)

    def append(self, entries: Sequence[LedgerEntry], head: SignedHead) -> None:
        rows = []
        for entry in entries:
            values = entry.to_json()
            del values["case_id"]
            values["payload"] = canonical_json(entry.payload, form=entry.format).decode("utf-8")
            rows.append(values)
        head_values = {
            "seq": head.seq,
            "hash": head.hash,
            "key_id": head.key_id,
            "signature": head.signature,
        }
        try:
            with self._conn.begin_nested():
                if rows:
                    self._conn.execute(t.incident_events.insert(), rows)
                moved = self._conn.execute(
                    t.incident_head.update().where(t.incident_head.c.id == 1).values(**head_values)
                )
                if moved.rowcount == 0:
                    self._conn.execute(t.incident_head.insert().values(id=1, **head_values))
        except sa_exc.IntegrityError:
            raise ConflictError(
                "the incident register was written concurrently; try again"
            ) from None

    def events(self) -> list[LedgerEntry]:
        rows = self._conn.execute(select(t.incident_events).order_by(t.incident_events.c.seq)).all()
        out = []
        for row in rows:
            try:
                payload = json.loads(row.payload)
            except (TypeError, ValueError):
                payload = None
            if not isinstance(payload, dict) or not is_int(row.seq):
                raise tampered(f"incident register event #{row.seq!r} is unreadable")
            out.append(
                LedgerEntry(
                    case_id=CHAIN_ID,
                    seq=row.seq,
                    recorded_at=str(row.recorded_at),
                    kind=str(row.kind),
                    actor=str(row.actor),
                    payload=payload,
                    prev_hash=str(row.prev_hash),
                    key_id=str(row.key_id),
                    hash=str(row.hash),
                    signature=str(row.signature),
                )
            )
        return out

    # the projections ------------------------------------------------------------
    def get_many(self, incident_ids: Collection[str]) -> dict[str, IncidentRecord]:
        ids = list(dict.fromkeys(incident_ids))
        out: dict[str, IncidentRecord] = {}
        c = t.incidents.c
        for i in range(0, len(ids), _CHUNK):
            rows = self._conn.execute(
                select(c.incident_id, c.state).where(c.incident_id.in_(ids[i : i + _CHUNK]))
            ).all()
            for row in rows:
                out[row.incident_id] = _parse(row.incident_id, row.state)
        return out

    def save(
        self,
        records: Sequence[IncidentRecord],
        *,
        new: Collection[str],
        report_texts: Mapping[str, str] | None = None,
    ) -> None:
        known = report_texts or {}
        fresh = []
        changed = []
        for record in records:
            incident_id = record.report.incident_id
            if incident_id in new:
                fresh.append(_incident_row(record, known.get(incident_id)))
            else:
                changed.append(incident_values(record))
        try:
            with self._conn.begin_nested():
                if fresh:
                    _insert_many(self._conn, t.incidents, _COLUMNS, fresh)
                if changed:
                    for row in changed:
                        row["where_id"] = row["incident_id"]
                    stmt = (
                        t.incidents.update()
                        .where(t.incidents.c.incident_id == bindparam("where_id"))
                        .values({k: bindparam(k) for k in changed[0] if k != "where_id"})
                    )
                    self._conn.execute(stmt, changed)
        except sa_exc.IntegrityError as exc:
            raise ConflictError(f"an incident is already in the register: {exc.orig}") from None

    def add_batches(self, bodies: Mapping[str, str]) -> None:
        if not bodies:
            return
        rows = [{"sha256": k, "body": v} for k, v in bodies.items()]
        try:
            with self._conn.begin_nested():
                self._conn.execute(t.incident_batches.insert(), rows)
        except sa_exc.IntegrityError:
            raise ConflictError("this batch of incidents is already in the register") from None

    def batches(self) -> dict[str, str]:
        rows = self._conn.execute(select(t.incident_batches)).all()
        return {str(r.sha256): str(r.body) for r in rows}

    def add_external_ids(self, pairs: Mapping[str, str]) -> None:
        if not pairs:
            return
        try:
            with self._conn.begin_nested():
                _insert_many(
                    self._conn,
                    t.incident_external_ids,
                    ("external_id", "incident_id"),
                    list(pairs.items()),
                )
        except sa_exc.IntegrityError:
            raise ConflictError(
                "a source record is already in the incident register (an external id is taken)"
            ) from None

    def find_external(self, external_ids: Collection[str]) -> dict[str, str]:
        ids = list(dict.fromkeys(external_ids))
        c = t.incident_external_ids.c
        if len(ids) > 4 * _CHUNK:  # many: one scan beats many IN lists
            wanted = set(ids)
            rows = self._conn.execute(select(c.external_id, c.incident_id)).all()
            return {r.external_id: r.incident_id for r in rows if r.external_id in wanted}
        out: dict[str, str] = {}
        for i in range(0, len(ids), _CHUNK):
            rows = self._conn.execute(
                select(c.external_id, c.incident_id).where(c.external_id.in_(ids[i : i + _CHUNK]))
            ).all()
            out.update({r.external_id: r.incident_id for r in rows})
        return out

    def incident_ids(self) -> list[str]:
        return list(self._conn.execute(select(t.incidents.c.incident_id)).scalars())

    def heads_between(self, start: str, end: str) -> list[IncidentRecord]:
        c = t.incidents.c
        rows = self._conn.execute(
            select(c.incident_id, c.state).where(
                c.merged_into.is_(None), c.time >= start, c.time <= end
            )
        ).all()
        return [_parse(r.incident_id, r.state) for r in rows]

    def select(self, query: IncidentQuery, *, limit: int, offset: int) -> list[IncidentRecord]:
        c = t.incidents.c
        stmt = (
            select(c.incident_id, c.state)
            .where(*_where(query))
            .order_by(c.time, c.incident_id)
            .limit(limit)
            .offset(offset)
        )
        return [_parse(r.incident_id, r.state) for r in self._conn.execute(stmt)]

    def count(self, query: IncidentQuery) -> int:
        stmt = select(func.count()).select_from(t.incidents).where(*_where(query))
        return int(self._conn.execute(stmt).scalar_one())

    def totals(self, query: IncidentQuery, grouping: str) -> list[Totals]:
        c = t.incidents.c
        keys: list[Any] = []
        if grouping.startswith("year") or grouping.startswith("month"):
            keys.append(c.year)
        if grouping.startswith("month"):
            keys.append(c.month)
        if grouping.endswith("kind"):
            keys.append(c.kind)
        stmt = (
            select(
                *keys,
                func.count().label("n"),
                func.coalesce(func.sum(c.survivors), 0),
                func.coalesce(func.sum(c.dead), 0),
                func.coalesce(func.sum(c.missing), 0),
                func.sum(case((or_(c.dead.is_not(None), c.missing.is_not(None)), 1), else_=0)),
                func.count(c.survivors),  # COUNT(column): the rows where it is known
                func.count(c.dead),
                func.count(c.missing),
            )
            .where(*_where(query))
            .group_by(*keys)
            .order_by(*keys)
        )
        out = []
        for row in self._conn.execute(stmt):
            values = list(row)
            year = values.pop(0) if keys and keys[0] is c.year else None
            month = values.pop(0) if grouping.startswith("month") else None
            kind = values.pop(0) if grouping.endswith("kind") else ""
            n, survivors, dead, missing, with_counts_n, n_survivors, n_dead, n_missing = values
            period = (
                f"{year:04d}-{month:02d}" if month is not None else
                (f"{year:04d}" if year is not None else "")
            )  # fmt: skip
            out.append(
                Totals(
                    period=period,
                    kind=str(kind),
                    incidents=int(n),
                    survivors=int(survivors),
                    dead=int(dead),
                    missing=int(missing),
                    with_counts=int(with_counts_n or 0),
                    with_survivors=int(n_survivors),
                    with_dead=int(n_dead),
                    with_missing=int(n_missing),
                )
            )
        return out

    def projections(self) -> dict[str, dict[str, Any]]:
        c = t.incidents.c
        out: dict[str, dict[str, Any]] = {}
        for row in self._conn.execute(select(c.incident_id, c.state)):
            try:
                out[row.incident_id] = json.loads(row.state)
            except (TypeError, ValueError):
                out[row.incident_id] = {"unreadable": str(row.state)[:80]}
        return out
