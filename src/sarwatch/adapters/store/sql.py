"""The SQL store: SQLite (embedded, WAL, foreign keys) or PostgreSQL, one schema.

:class:`SqlStore` opens the engine (:mod:`~sarwatch.adapters.store.engine`), runs
the migrations, starts a SQLite store's WAL checkpoint thread
(:mod:`~sarwatch.adapters.store.checkpoint`) and holds the process's projection
cache (:mod:`~sarwatch.adapters.store.cache`). :class:`SqlUnitOfWork` is one
transaction; its repositories (``sql_cases``, ``sql_register``, ``sql_users``)
implement the ports of :mod:`sarwatch.services.ports` on its connection.
"""

from __future__ import annotations

import threading

from sqlalchemy import Connection
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, make_url

from sarwatch.adapters.store.cache import ProjectionCache
from sarwatch.adapters.store.checkpoint import CHECKPOINT_INTERVAL_S, Checkpointer
from sarwatch.adapters.store.engine import (
    WRITE_OPTION,
    damaged_error,
    is_damaged,
    make_engine,
    migrate,
)
from sarwatch.adapters.store.sql_cases import SqlCaseRepository
from sarwatch.adapters.store.sql_incidents import SqlIncidentRepository
from sarwatch.adapters.store.sql_jobs import SqlJobQueue
from sarwatch.adapters.store.sql_register import SqlRegisterRepository, SqlStationMetaRepository
from sarwatch.adapters.store.sql_users import SqlUserRepository
from sarwatch.errors import DataError

__all__ = ["SqlStore", "SqlUnitOfWork", "migrate"]


class SqlStore:
    """A case store in a SQL database.

    Parameters
    ----------
    url
        SQLAlchemy URL: ``sqlite:///path/to/sarwatch.db`` or
        ``postgresql+psycopg://user@host:port/db``.
    migrate_schema
        Run the Alembic migrations on open (default).
    checkpoint_interval_s
        SQLite: seconds between the checkpoints of the WAL by the store's own
        thread (see :class:`~sarwatch.adapters.store.checkpoint.Checkpointer`).
    create_dirs
        Create the directory of a SQLite file (``False``: refuse a missing one).
    """

    def __init__(
        self,
        url: str,
        *,
        migrate_schema: bool = True,
        checkpoint_interval_s: float = CHECKPOINT_INTERVAL_S,
        create_dirs: bool = True,
    ) -> None:
        self.url = url
        # SQLite has one writer at a time; writers of this process queue here rather
        # than in SQLite's busy handler, which sleeps in steps of up to 100 ms.
        self._write_lock = threading.Lock()
        self._projections = ProjectionCache()
        self._checkpointer: Checkpointer | None = None
        try:
            self.engine = make_engine(url, create_dirs=create_dirs)
            if migrate_schema:
                migrate(self.engine)
            sqlite = self.dialect == "sqlite"
            self.jobs = SqlJobQueue(self.engine, lock=self._write_lock if sqlite else None)
            if self.dialect == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
                self._checkpointer = Checkpointer(self.engine, checkpoint_interval_s, owner=self)
        except sa_exc.DatabaseError as exc:
            if is_damaged(exc):
                raise damaged_error(url, exc) from None
            if not isinstance(exc, sa_exc.OperationalError):
                raise
            raise DataError(
                f"cannot open the case store at {make_url(url).render_as_string()}: {exc.orig}. "
                "Check SARWATCH_DATABASE_URL and that the server is running."
            ) from None
        except ModuleNotFoundError as exc:
            raise DataError(
                f"the database driver {exc.name!r} is missing for {url.split(':')[0]}; "
                "install it, e.g. pip install 'sarwatch[postgres]'"
            ) from None

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    def unit_of_work(self, *, write: bool = False) -> SqlUnitOfWork:
        """A new transaction (``write=True`` to append to cases)."""
        lock = self._write_lock if write and self.dialect == "sqlite" else None
        return SqlUnitOfWork(self.engine, write=write, lock=lock, cache=self._projections)

    def close(self) -> None:
        """Stop the checkpoint thread (checkpointing once more), release the pool."""
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        self.engine.dispose()


class SqlUnitOfWork:
    """One SQL transaction; see :class:`~sarwatch.services.ports.UnitOfWork`.

    The repositories exist between ``__enter__`` and ``__exit__``. A damaged SQLite
    file found in the transaction ends it with one
    :class:`~sarwatch.errors.StoreUnavailableError`, not a driver traceback.
    """

    cases: SqlCaseRepository
    register: SqlRegisterRepository
    users: SqlUserRepository
    station: SqlStationMetaRepository
    incidents: SqlIncidentRepository

    def __init__(
        self,
        engine: Engine,
        *,
        write: bool,
        lock: threading.Lock | None = None,
        cache: ProjectionCache | None = None,
    ) -> None:
        self._engine = engine
        self._write = write
        self._lock = lock
        self._cache = cache or ProjectionCache(0)
        self._conn: Connection | None = None

    def __enter__(self) -> SqlUnitOfWork:
        if self._lock is not None:
            self._lock.acquire()
        try:
            self._begin()
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise
        return self

    def _begin(self) -> None:
        try:
            conn = self._engine.connect()
            if self._write:
                conn = conn.execution_options(**{WRITE_OPTION: True})
            self._conn = conn
            conn.begin()
        except sa_exc.DatabaseError as exc:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            if is_damaged(exc):
                raise damaged_error(self._engine.url, exc) from None
            raise
        self.cases = SqlCaseRepository(conn, self._cache)
        self.register = SqlRegisterRepository(conn)
        self.users = SqlUserRepository(conn)
        self.station = SqlStationMetaRepository(conn)
        self.incidents = SqlIncidentRepository(conn)

    def __exit__(self, *exc_info: object) -> None:
        exc = exc_info[1] if len(exc_info) > 1 and isinstance(exc_info[1], BaseException) else None
        try:
            if self._conn is not None:
                if self._conn.in_transaction():
                    self._conn.rollback()
                self._conn.close()
        except sa_exc.DatabaseError as cleanup:
            if not is_damaged(cleanup):
                raise
            exc = exc if is_damaged(exc) else cleanup
        finally:
            self._conn = None
            if self._lock is not None:
                self._lock.release()
        if is_damaged(exc):
            # SQLite found the file damaged in this transaction: one line, not a traceback
            raise damaged_error(self._engine.url, exc) from None

    @property
    def conn(self) -> Connection:
        """The transaction's connection."""
        if self._conn is None:
            raise RuntimeError("use the unit of work as a context manager")
        return self._conn

    def commit(self) -> None:
        """Make the writes durable."""
        self.conn.commit()

    def rollback(self) -> None:
        """Drop the writes."""
        self.conn.rollback()
