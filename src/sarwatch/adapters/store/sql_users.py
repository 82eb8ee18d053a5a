"""The SQL repository of API users (``users``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, bindparam, select
from sqlalchemy import exc as sa_exc

import sarwatch.adapters.store.tables as t
from sarwatch.errors import ConflictError, NotFoundError
from sarwatch.records import UserRecord

__all__ = ["SqlUserRepository"]

_SELECT_USER = select(t.users).where(t.users.c.token_hash == bindparam("token_hash"))


def _record(row: Row[Any]) -> UserRecord:
    return UserRecord(row.name, row.role, row.token_hash, row.created_at, row.expires_at)


class SqlUserRepository:
    """Users in one SQL transaction (``conn``)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, user: UserRecord) -> None:
        try:
            with self._conn.begin_nested():
                self._conn.execute(
                    t.users.insert().values(
                        name=user.name,
                        role=user.role,
                        token_hash=user.token_hash,
                        created_at=user.created_at,
                        expires_at=user.expires_at,
                    )
                )
        except sa_exc.IntegrityError:
            raise ConflictError(f"user {user.name!r} already exists") from None

    def by_token_hash(self, token_hash: str) -> UserRecord | None:
        row = self._conn.execute(_SELECT_USER, {"token_hash": token_hash}).first()
        return _record(row) if row else None

    def replace_token(
        self, name: str, token_hash: str, created_at: str, expires_at: str | None
    ) -> None:
        statement = (
            t.users.update()
            .where(t.users.c.name == name)
            .values(token_hash=token_hash, created_at=created_at, expires_at=expires_at)
        )
        if self._conn.execute(statement).rowcount != 1:
            raise NotFoundError(f"no user {name!r}; list them with: sarwatch user list")

    def remove(self, name: str) -> None:
        result = self._conn.execute(t.users.delete().where(t.users.c.name == name))
        if result.rowcount != 1:
            raise NotFoundError(f"no user {name!r}; list them with: sarwatch user list")

    def all(self) -> list[UserRecord]:
        rows = self._conn.execute(select(t.users).order_by(t.users.c.name)).all()
        return [_record(r) for r in rows]
