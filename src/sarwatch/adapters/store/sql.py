"""The SQL store: SQLite (embedded, WAL, foreign keys) or PostgreSQL, one schema.

Appends to a case are serialised so that concurrent writers keep one chain:
SQLite write transactions start with ``BEGIN IMMEDIATE`` (one writer at a time,
readers never blocked in WAL mode); on PostgreSQL the case row is locked with
``SELECT ... FOR UPDATE`` until commit. The unique constraint on
``(case_id, seq)`` is the last line of defence.

Durability (SQLite): by default ``synchronous=NORMAL`` in WAL mode: a committed
(acknowledged) write survives the crash or kill of any process; a power cut or
kernel crash may lose the last few commits but never corrupts the file or the
chains. Add ``?synchronous=full`` to the URL (``sqlite:///path.db?synchronous=full``)
to fsync on every commit and survive power loss too; on this project's test machine
that costs about 7 ms per write (see ``docs/design/005-cases-ledger.md``).
PostgreSQL follows the server's own settings (``synchronous_commit=on`` by default).
A SQLite store checkpoints its WAL from a thread of its own, off the write path
(:class:`_Checkpointer`); writers checkpoint only past 10,000 pages, as a backstop.

Parsed projections are cached in process by case id *and* head hash: the head hash
names the whole chain and the projection is the fold of that chain, so an entry is
valid exactly as long as the row's ``head_hash`` is the one it was cached under. A
read asks the database for the row's head and gets the (possibly large) state text
only when the cached hash differs: any write, by this or any other process, changes
the head and so invalidates the entry. Records returned share their ``state`` with
the cache: treat it as read-only (the records are frozen).
"""

from __future__ import annotations

import json
import logging
import threading
import weakref
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TypeGuard

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Connection,
    bindparam,
    case,
    create_engine,
    event,
    func,
    null,
    select,
    text,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, make_url

from sarwatch._files import create_private_file, make_private_dirs
from sarwatch.adapters.store import tables as t
from sarwatch.adapters.store.records import CaseRecord, UserRecord, projection_json
from sarwatch.errors import (
    ConflictError,
    DataError,
    IntegrityError,
    NotFoundError,
    StoreUnavailableError,
)
from sarwatch.ledger import LedgerEntry, RegisterEntry, RegisterHead, SignedHead, canonical_json

__all__ = ["SqlStore", "SqlUnitOfWork", "migrate"]

_WRITE = "sarwatch_write"


def _alembic_config(connection: Connection) -> Config:
    cfg = Config()
    location = resources.files("sarwatch.adapters.store") / "migrations"
    cfg.set_main_option("script_location", str(location))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest migration (idempotent, safe with concurrent callers)."""
    with engine.connect().execution_options(**{_WRITE: True}) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(724011)"))
            conn.commit()
        try:
            command.upgrade(_alembic_config(conn), "head")
            conn.commit()
        finally:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(724011)"))
                conn.commit()


_SYNC_MODES = ("off", "normal", "full", "extra")

#: Seconds between the checkpoints of a SQLite store's WAL (by its own thread).
CHECKPOINT_INTERVAL_S = 0.2
#: WAL pages past which a committing writer checkpoints by itself (SQLite's default
#: is 1,000): a backstop that bounds the WAL if no checkpoint thread runs.
_AUTOCHECKPOINT_PAGES = 10_000

_log = logging.getLogger(__name__)

#: SQLite's primary result codes for a damaged file: SQLITE_CORRUPT, SQLITE_NOTADB.
_SQLITE_DAMAGED = (11, 26)


def _is_damaged(exc: BaseException | None) -> TypeGuard[sa_exc.DatabaseError]:
    """Whether ``exc`` is SQLite saying the database file itself is damaged.

    Only ``sqlite3.DatabaseError`` with the code of a corrupt file or of a file that
    is no database at all: a constraint (``IntegrityError``), a lock or a missing
    file (``OperationalError``) and every PostgreSQL error are something else.
    """
    if not isinstance(exc, sa_exc.DatabaseError) or isinstance(exc, sa_exc.IntegrityError):
        return False
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in _SQLITE_DAMAGED


def _damaged(url: Any, exc: sa_exc.DatabaseError) -> StoreUnavailableError:
    """The one-line error for a damaged SQLite file (truncated, overwritten, not SQLite)."""
    parsed = make_url(url)
    where = parsed.database or parsed.render_as_string()
    return StoreUnavailableError(
        f"the case store {where} is damaged ({exc.orig}); restore it from a backup, "
        "then check it with: sarwatch ledger verify"
    )


def _sqlite_engine(url: str, *, create_dirs: bool = True) -> Engine:
    parsed = make_url(url)
    synchronous = str(parsed.query.get("synchronous", "normal")).lower()
    if synchronous not in _SYNC_MODES:
        raise DataError(f"synchronous must be one of {_SYNC_MODES}, got {synchronous!r}")
    parsed = parsed.difference_update_query(["synchronous"])
    url = parsed.render_as_string(hide_password=False)
    if parsed.database and parsed.database != ":memory:" and not parsed.query.get("uri"):
        # owner only: the store holds live positions of people in distress and token
        # hashes; SQLite gives the -wal and -shm files the main file's mode
        db = Path(parsed.database)
        if not create_dirs and not db.parent.is_dir():
            raise DataError(
                f"the directory {db.parent} of the case store {db} does not exist; check "
                "SARWATCH_DATABASE_URL (a typo there would start a new, empty store), or "
                "create the directory first"
            )
        make_private_dirs(db.parent)
        create_private_file(db)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=8,
        max_overflow=16,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cur.execute("PRAGMA busy_timeout=30000")
        # WAL checkpoints run in the store's own thread (_Checkpointer), not in the
        # commit of whichever write crosses the threshold
        cur.execute(f"PRAGMA wal_autocheckpoint={_AUTOCHECKPOINT_PAGES}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _checkpoint(engine: Engine) -> None:
    """Copy what the WAL holds into the database file, as far as readers allow."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA wal_checkpoint(PASSIVE)")
        cur.fetchall()
        cur.close()
    finally:
        raw.close()


def _checkpoint_loop(ref: weakref.ref[Engine], stop: threading.Event, interval_s: float) -> None:
    failed = False
    while not stop.wait(interval_s):
        engine = ref()
        if engine is None:  # the store was dropped without close()
            return
        try:
            _checkpoint(engine)
            failed = False
        except Exception as exc:  # keep trying: the writers' backstop bounds the WAL
            if not failed:
                _log.warning("WAL checkpoint failed (will retry): %s", exc)
            failed = True
        del engine


class _Checkpointer:
    """Checkpoints a SQLite WAL every ``interval_s`` seconds in a daemon thread.

    In WAL mode SQLite copies the log back into the database file ("checkpoints")
    by default in the commit that takes the log past 1,000 pages, so that one write
    in every few dozen here is slower by the copy and two fsyncs (about 5 ms). This
    thread does the copying instead, with ``PASSIVE`` checkpoints: they never block
    writers or readers, and SQLite does the work without holding the GIL.

    Under a steady stream of writes the log is never *fully* copied at the moment
    the next write starts, so SQLite cannot start it again from its beginning; the
    commit that takes it past ``_AUTOCHECKPOINT_PAGES`` (10,000 pages, 40 MB with
    4 KiB pages) then checkpoints the little left and the log restarts. That
    bounds the WAL file even when no thread runs (a store of another process, or
    of older code, checkpoints at its own threshold; SQLite's locks coordinate
    them). The thread holds only a weak reference to the engine and ends with
    :meth:`stop` (or when the store is dropped).
    """

    def __init__(self, engine: Engine, interval_s: float) -> None:
        self._engine = engine
        self._stop = threading.Event()
        self.thread = threading.Thread(
            target=_checkpoint_loop,
            args=(weakref.ref(engine), self._stop, interval_s),
            name="sarwatch-wal-checkpoint",
            daemon=True,
        )
        self.thread.start()

    def stop(self) -> None:
        """End the thread and checkpoint once more."""
        self._stop.set()
        self.thread.join()
        try:
            _checkpoint(self._engine)
        except Exception as exc:  # closing: the next opener checkpoints
            _log.warning("WAL checkpoint on close failed: %s", exc)


class _ProjectionCache:
    """Parsed case projections by case id, each valid for one head hash.

    Holds ``(head_hash, state, state_json)`` for up to ``size`` cases (cleared when
    full: a case is re-read once). Safe across threads: entries are replaced whole.
    """

    def __init__(self, size: int = 2048) -> None:
        self._size = size
        self._entries: dict[str, tuple[str, dict[str, Any], str]] = {}

    def known_hash(self, case_id: str) -> str | None:
        entry = self._entries.get(case_id)
        return entry[0] if entry else None

    def get(self, case_id: str, head_hash: str | None) -> tuple[dict[str, Any], str] | None:
        entry = self._entries.get(case_id)
        if entry is None or head_hash is None or entry[0] != head_hash:
            return None
        return entry[1], entry[2]

    def put(self, case_id: str, head_hash: str | None, state: dict[str, Any], text: str) -> None:
        if head_hash is None:
            return
        if len(self._entries) >= self._size:
            self._entries = {}
        self._entries[case_id] = (head_hash, state, text)


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
        thread (see :class:`_Checkpointer`).
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
        self._projections = _ProjectionCache()
        self._checkpointer: _Checkpointer | None = None
        try:
            if url.startswith("sqlite"):
                self.engine = _sqlite_engine(url, create_dirs=create_dirs)
            else:
                self.engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
            if migrate_schema:
                migrate(self.engine)
            if self.dialect == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
                self._checkpointer = _Checkpointer(self.engine, checkpoint_interval_s)
        except sa_exc.DatabaseError as exc:
            if _is_damaged(exc):
                raise _damaged(url, exc) from None
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


def _tampered(what: str) -> IntegrityError:
    """The error for a row that sarwatch cannot have written (changed by hand in SQL)."""
    return IntegrityError(
        f"{what}: the database was changed outside sarwatch. Run 'sarwatch ledger verify' "
        "and restore the database from a backup"
    )


def _is_int(value: Any) -> bool:
    # SQLite keeps whatever type was stored, whatever the column's declared type
    return isinstance(value, int) and not isinstance(value, bool)


def _case_from_row(row: Any, state: dict[str, Any], state_json: str) -> CaseRecord:
    head = None
    if row.head_seq is not None:
        if not _is_int(row.head_seq):
            raise _tampered(f"case {row.case_id}'s head_seq is {row.head_seq!r}, not a number")
        head = SignedHead(
            row.case_id, row.head_seq, row.head_hash, row.head_key_id, row.head_signature
        )
    return CaseRecord(
        case_id=row.case_id,
        title=row.title,
        status=row.status,
        region=row.region,
        opened_at=row.opened_at,
        updated_at=row.updated_at,
        state=state,
        head=head,
        state_json=state_json,
    )


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
_SELECT_USER = select(t.users).where(t.users.c.token_hash == bindparam("token_hash"))


def _case_values(record: CaseRecord) -> dict[str, Any]:
    head = record.head
    return {
        "case_id": record.case_id,
        "title": record.title,
        "status": record.status,
        "region": record.region,
        "opened_at": record.opened_at,
        "updated_at": record.updated_at,
        "state": record.state_json or projection_json(record.state),
        "head_seq": head.seq if head else None,
        "head_hash": head.hash if head else None,
        "head_key_id": head.key_id if head else None,
        "head_signature": head.signature if head else None,
    }


def _entry_from_row(row: Any) -> LedgerEntry:
    try:
        payload = json.loads(row.payload)
    except (TypeError, ValueError):
        payload = None
    if not isinstance(payload, dict) or not _is_int(row.seq):
        raise _tampered(
            f"event #{row.seq!r} of case {row.case_id} is unreadable (its payload is not a "
            "JSON object, or its number is not an integer)"
        )
    # str(): a hash or signature stored as a number or blob reads as forged, not as a crash
    return LedgerEntry(
        case_id=str(row.case_id),
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


def _parse_state(case_id: str, text_: Any) -> dict[str, Any]:
    try:
        state = json.loads(text_)
    except (TypeError, ValueError):
        state = None
    if not isinstance(state, dict):
        raise _tampered(f"case {case_id}'s stored projection (cases.state) is not a JSON object")
    return state


class SqlUnitOfWork:
    """One SQL transaction; see :class:`~sarwatch.adapters.store.records.UnitOfWork`."""

    def __init__(
        self,
        engine: Engine,
        *,
        write: bool,
        lock: threading.Lock | None = None,
        cache: _ProjectionCache | None = None,
    ) -> None:
        self._engine = engine
        self._write = write
        self._lock = lock
        self._cache = cache or _ProjectionCache(0)
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
                conn = conn.execution_options(**{_WRITE: True})
            self._conn = conn
            conn.begin()
        except sa_exc.DatabaseError as exc:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            if _is_damaged(exc):
                raise _damaged(self._engine.url, exc) from None
            raise

    def __exit__(self, *exc_info: object) -> None:
        exc = exc_info[1] if len(exc_info) > 1 and isinstance(exc_info[1], BaseException) else None
        try:
            if self._conn is not None:
                if self._conn.in_transaction():
                    self._conn.rollback()
                self._conn.close()
        except sa_exc.DatabaseError as cleanup:
            if not _is_damaged(cleanup):
                raise
            exc = exc if _is_damaged(exc) else cleanup
        finally:
            self._conn = None
            if self._lock is not None:
                self._lock.release()
        if _is_damaged(exc):
            # SQLite found the file damaged in this transaction: one line, not a traceback
            raise _damaged(self._engine.url, exc) from None

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("use the unit of work as a context manager")
        return self._conn

    def commit(self) -> None:
        self.conn.commit()

    def rollback(self) -> None:
        self.conn.rollback()

    # cases -----------------------------------------------------------------------
    def _record(self, row: Any) -> CaseRecord:
        """A record from a row whose ``state`` is ``NULL`` when the cache has it."""
        if row.state is None:
            hit = self._cache.get(row.case_id, row.head_hash)
            if hit is None:  # replaced in the cache meanwhile: read the text
                text_ = self.conn.execute(_SELECT_STATE, {"case_id": row.case_id}).scalar_one()
                hit = (_parse_state(row.case_id, text_), text_)
            return _case_from_row(row, *hit)
        state = _parse_state(row.case_id, row.state)
        self._cache.put(row.case_id, row.head_hash, state, row.state)
        return _case_from_row(row, state, row.state)

    def _select_case(self, case_id: str, *, for_update: bool, cached: bool = True) -> CaseRecord:
        # ``known`` is the head hash cached here (or ""): the text comes only if it moved
        known = self._cache.known_hash(case_id) if cached else None
        params = {"case_id": case_id, "known": known or ""}
        query = _SELECT_CASE
        if for_update and self.conn.dialect.name == "postgresql":
            query = _SELECT_CASE_FOR_UPDATE
        row = self.conn.execute(query, params).first()
        if row is None:
            raise NotFoundError(
                f"no case {case_id!r}; list cases: GET /api/cases or sarwatch case list"
            )
        return self._record(row)

    def get_case(self, case_id: str, *, cached: bool = True) -> CaseRecord:
        return self._select_case(case_id, for_update=False, cached=cached)

    def lock_case(self, case_id: str) -> CaseRecord:
        return self._select_case(case_id, for_update=True)

    def list_cases(
        self, *, statuses: Sequence[str] | None = None, limit: int = 100, offset: int = 0
    ) -> list[CaseRecord]:
        query = select(*_META)
        if statuses:
            query = query.where(t.cases.c.status.in_(list(statuses)))
        query = query.order_by(t.cases.c.updated_at.desc(), t.cases.c.case_id).limit(limit)
        rows = self.conn.execute(query.offset(offset)).all()
        out: list[CaseRecord | None] = []
        missing: dict[str, int] = {}
        for i, row in enumerate(rows):
            hit = self._cache.get(row.case_id, row.head_hash)
            out.append(_case_from_row(row, *hit) if hit else None)
            if hit is None:
                missing[row.case_id] = i
        if missing:
            # whole rows, so that head and state of each record are from one row
            full = self.conn.execute(
                select(t.cases).where(t.cases.c.case_id.in_(list(missing)))
            ).all()
            for row in full:
                out[missing[row.case_id]] = self._record(row)
        return [r for r in out if r is not None]

    def count_cases(self, *, id_prefix: str = "") -> int:
        query = select(func.count()).select_from(t.cases)
        if id_prefix:
            query = query.where(t.cases.c.case_id.startswith(id_prefix, autoescape=True))
        return int(self.conn.execute(query).scalar_one())

    def insert_case(self, record: CaseRecord) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(t.cases.insert().values(**_case_values(record)))
        except sa_exc.IntegrityError:
            raise ConflictError(f"case {record.case_id} already exists") from None

    def update_case(self, record: CaseRecord) -> None:
        values = _case_values(record)
        values["where_case_id"] = values.pop("case_id")
        result = self.conn.execute(_UPDATE_CASE, values)
        if result.rowcount != 1:
            raise NotFoundError(f"no case {record.case_id!r}")
        # keyed by the new head: if this transaction rolls back, that head is never
        # the row's, so the entry is never used
        head_hash = record.head.hash if record.head else None
        self._cache.put(record.case_id, head_hash, record.state, values["state"])

    # events ----------------------------------------------------------------------
    def append_event(self, entry: LedgerEntry) -> int:
        values = entry.to_json()
        values["payload"] = canonical_json(entry.payload).decode("utf-8")
        try:
            result = self.conn.execute(_INSERT_EVENT, values)
        except sa_exc.IntegrityError as exc:
            raise ConflictError(
                f"event #{entry.seq} of case {entry.case_id} already exists: {exc.orig}"
            ) from None
        key = result.inserted_primary_key
        return int(key[0]) if key else 0

    def events(self, case_id: str) -> list[LedgerEntry]:
        rows = self.conn.execute(
            select(t.events).where(t.events.c.case_id == case_id).order_by(t.events.c.seq)
        ).all()
        return [_entry_from_row(r) for r in rows]

    def events_after(self, event_id: int, *, limit: int = 500) -> list[tuple[int, LedgerEntry]]:
        rows = self.conn.execute(
            select(t.events).where(t.events.c.id > event_id).order_by(t.events.c.id).limit(limit)
        ).all()
        return [(int(r.id), _entry_from_row(r)) for r in rows]

    # the station register ---------------------------------------------------------
    def _head_row(self, *, for_update: bool) -> RegisterHead | None:
        query = select(t.register_head).where(t.register_head.c.id == 1)
        if for_update and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        if row is None:
            return None
        if not _is_int(row.seq):
            raise _tampered(f"the register head's seq is {row.seq!r}, not a number")
        return RegisterHead(row.seq, str(row.hash), str(row.key_id), str(row.signature))

    def lock_register(self) -> RegisterHead | None:
        return self._head_row(for_update=True)

    def register_head(self) -> RegisterHead | None:
        return self._head_row(for_update=False)

    def append_register(self, entry: RegisterEntry, head: RegisterHead) -> None:
        values = entry.to_json()
        head_values = {"seq": head.seq, "hash": head.hash, "key_id": head.key_id}
        head_values["signature"] = head.signature
        try:
            with self.conn.begin_nested():
                self.conn.execute(t.register.insert().values(**values))
                moved = self.conn.execute(
                    t.register_head.update()
                    .where(t.register_head.c.id == 1)
                    .where(t.register_head.c.seq == entry.seq - 1)
                    .values(**head_values)
                )
                if moved.rowcount == 0:
                    self.conn.execute(t.register_head.insert().values(id=1, **head_values))
        except sa_exc.IntegrityError:
            # a concurrent opening took this number first: the caller retries
            raise ConflictError(
                f"register #{entry.seq} (case {entry.case_id}) was taken concurrently"
            ) from None

    def register_entries(self) -> list[RegisterEntry]:
        rows = self.conn.execute(select(t.register).order_by(t.register.c.seq)).all()
        return [RegisterEntry.from_json(dict(row._mapping)) for row in rows]

    def register_since(self) -> str | None:
        query = select(t.station_meta.c.value).where(t.station_meta.c.key == "register_since")
        value = self.conn.execute(query).scalar()
        return str(value) if value is not None else None

    def first_event_hashes(self) -> dict[str, str | None]:
        first = t.events.alias("first")
        query = select(t.cases.c.case_id, first.c.hash).select_from(
            t.cases.outerjoin(first, (first.c.case_id == t.cases.c.case_id) & (first.c.seq == 1))
        )
        return {row.case_id: row.hash for row in self.conn.execute(query)}

    # users -----------------------------------------------------------------------
    def add_user(self, user: UserRecord) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    t.users.insert().values(
                        name=user.name,
                        role=user.role,
                        token_hash=user.token_hash,
                        created_at=user.created_at,
                    )
                )
        except sa_exc.IntegrityError:
            raise ConflictError(f"user {user.name!r} already exists") from None

    def user_by_token_hash(self, token_hash: str) -> UserRecord | None:
        row = self.conn.execute(_SELECT_USER, {"token_hash": token_hash}).first()
        return UserRecord(row.name, row.role, row.token_hash, row.created_at) if row else None

    def remove_user(self, name: str) -> None:
        result = self.conn.execute(t.users.delete().where(t.users.c.name == name))
        if result.rowcount != 1:
            raise NotFoundError(f"no user {name!r}; list them with: sarwatch user list")

    def list_users(self) -> list[UserRecord]:
        rows = self.conn.execute(select(t.users).order_by(t.users.c.name)).all()
        return [UserRecord(r.name, r.role, r.token_hash, r.created_at) for r in rows]
