"""The SQL repository of API users (``users``)."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select
from sqlalchemy import exc as sa_exc

import sarwatch.adapters.store.tables as t
from sarwatch.errors import ConflictError, NotFoundError
from sarwatch.records import UserRecord

__all__ = ["SqlUserRepository"]

_SELECT_USER = select(t.users).where(t.users.c.token_hash == bindparam("token_hash"))


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
                    )
                )
        except sa_exc.IntegrityError:
            raise ConflictError(f"user {user.name!r} already exists") from None

    def by_token_hash(self, token_hash: str) -> UserRecord | None:
        row = self._conn.execute(_SELECT_USER, {"token_hash": token_hash}).first()
        return UserRecord(row.name, row.role, row.token_hash, row.created_at) if row else None

    def remove(self, name: str) -> None:
        result = self._conn.execute(t.users.delete().where(t.users.c.name == name))
        if result.rowcount != 1:
            raise NotFoundError(f"no user {name!r}; list them with: sarwatch user list")

    def all(self) -> list[UserRecord]:
        rows = self._conn.execute(select(t.users).order_by(t.users.c.name)).all()
        return [UserRecord(r.name, r.role, r.token_hash, r.created_at) for r in rows]
