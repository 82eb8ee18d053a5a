"""The case store adapters: SQLite (default), PostgreSQL, or memory.

Each implements, structurally, the ports of :mod:`sarwatch.services.ports` (one
unit of work, one repository per aggregate) with the values of
:mod:`sarwatch.records`. Only the composition root
(:mod:`sarwatch.services.container`) chooses one, with :func:`open_store`.
"""

from __future__ import annotations

from sarwatch.adapters.store.event_bell import EventBell
from sarwatch.adapters.store.memory import MemoryStore
from sarwatch.adapters.store.sql import SqlStore, migrate
from sarwatch.errors import DataError
from sarwatch.records import CaseRecord, UserRecord, projection_json

__all__ = [
    "CaseRecord",
    "EventBell",
    "MemoryStore",
    "SqlStore",
    "UserRecord",
    "migrate",
    "open_store",
    "projection_json",
]


def open_store(
    url: str, *, create_dirs: bool = True, migrate_schema: bool = True
) -> MemoryStore | SqlStore:
    """Open the store at ``url`` (``memory://`` for a throw-away in-memory store).

    ``create_dirs=False`` refuses a SQLite file whose directory does not exist (an
    explicit URL with a typo), instead of starting a new store there.
    """
    if url.startswith("memory:"):
        return MemoryStore()
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        return SqlStore(url, create_dirs=create_dirs, migrate_schema=migrate_schema)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DataError(
            f"cannot use the database URL {url!r} ({exc}); give an SQLAlchemy URL such as "
            "sqlite:////path/to/sarwatch.db or postgresql+psycopg://user@host/db "
            "in SARWATCH_DATABASE_URL"
        ) from None
