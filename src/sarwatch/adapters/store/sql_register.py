"""The SQL repositories of the station register (``register``, ``register_head``)
and of the facts about the store itself (``station_meta``)."""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy import exc as sa_exc

import sarwatch.adapters.store.tables as t
from sarwatch.adapters.store.rows import is_int, tampered
from sarwatch.errors import ConflictError
from sarwatch.ledger import RegisterEntry, RegisterHead

__all__ = ["SqlRegisterRepository", "SqlStationMetaRepository"]


class SqlRegisterRepository:
    """The station register in one SQL transaction (``conn``).

    The head is one row (``id = 1``); on PostgreSQL :meth:`lock_head` locks it
    (``SELECT ... FOR UPDATE``) so that concurrent openings keep one chain.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _head_row(self, *, for_update: bool) -> RegisterHead | None:
        query = select(t.register_head).where(t.register_head.c.id == 1)
        if for_update and self._conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self._conn.execute(query).first()
        if row is None:
            return None
        if not is_int(row.seq):
            raise tampered(f"the register head's seq is {row.seq!r}, not a number")
        return RegisterHead(row.seq, str(row.hash), str(row.key_id), str(row.signature))

    def lock_head(self) -> RegisterHead | None:
        return self._head_row(for_update=True)

    def head(self) -> RegisterHead | None:
        return self._head_row(for_update=False)

    def append(self, entry: RegisterEntry, head: RegisterHead) -> None:
        values = entry.to_json()
        head_values = {"seq": head.seq, "hash": head.hash, "key_id": head.key_id}
        head_values["signature"] = head.signature
        try:
            with self._conn.begin_nested():
                self._conn.execute(t.register.insert().values(**values))
                moved = self._conn.execute(
                    t.register_head.update()
                    .where(t.register_head.c.id == 1)
                    .where(t.register_head.c.seq == entry.seq - 1)
                    .values(**head_values)
                )
                if moved.rowcount == 0:
                    self._conn.execute(t.register_head.insert().values(id=1, **head_values))
        except sa_exc.IntegrityError:
            # a concurrent opening took this number first: the caller retries
            raise ConflictError(
                f"register #{entry.seq} (case {entry.case_id}) was taken concurrently"
            ) from None

    def entries(self) -> list[RegisterEntry]:
        rows = self._conn.execute(select(t.register).order_by(t.register.c.seq)).all()
        return [RegisterEntry.from_json(dict(row._mapping)) for row in rows]


class SqlStationMetaRepository:
    """``station_meta``: key/value facts about the store."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def register_since(self) -> str | None:
        query = select(t.station_meta.c.value).where(t.station_meta.c.key == "register_since")
        value = self._conn.execute(query).scalar()
        return str(value) if value is not None else None
