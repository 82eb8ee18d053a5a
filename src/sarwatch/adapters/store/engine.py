"""The SQL engine of a store: SQLite tuned (WAL, foreign keys, one writer) or PostgreSQL.

Also the schema migrations (Alembic) and what a damaged SQLite file looks like.
Appends are serialised: SQLite write transactions start with ``BEGIN IMMEDIATE``
(one writer at a time, readers never blocked in WAL mode); on PostgreSQL the
repositories lock rows with ``SELECT ... FOR UPDATE``.

Durability (SQLite): by default ``synchronous=FULL`` in WAL mode: every commit is
fsynced before it is acknowledged, so an acknowledged write survives the crash or
kill of any process and a power cut or kernel crash too (a ship loses power). Add
``?synchronous=normal`` to the URL, or set ``SARWATCH_SQLITE_SYNCHRONOUS=normal``, to
fsync only at WAL checkpoints: faster (on this project's test machine 588 against 470
writes/s, see ``docs/design/005-cases-ledger.md``), still safe against any process
crash, but a power cut may lose the last acknowledged commits (never the file or a
chain's integrity). ``benchmarks/bench_kill_soak.py`` measures what survives 100+
SIGKILLs. PostgreSQL follows the server's own settings (``synchronous_commit=on`` by
default).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, TypeGuard

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, make_url

from sarwatch._files import create_private_file, make_private_dirs
from sarwatch.errors import DataError, StoreUnavailableError

__all__ = [
    "DEFAULT_SYNCHRONOUS",
    "WRITE_OPTION",
    "damaged_error",
    "is_damaged",
    "make_engine",
    "migrate",
]

#: Execution option of a connection that writes (SQLite: ``BEGIN IMMEDIATE``).
WRITE_OPTION = "sarwatch_write"


def _alembic_config(connection: Connection) -> Config:
    cfg = Config()
    location = resources.files("sarwatch.adapters.store") / "migrations"
    cfg.set_main_option("script_location", str(location))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest migration (idempotent, safe with concurrent callers)."""
    with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(724011)"))
            conn.commit()
        try:
            command.upgrade(_alembic_config(conn), "heads")
            conn.commit()
        finally:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(724011)"))
                conn.commit()


_SYNC_MODES = ("off", "normal", "full", "extra")

#: SQLite's ``synchronous`` unless the URL names one: power-safe (fsync every commit).
DEFAULT_SYNCHRONOUS = "full"

#: WAL pages past which a committing writer checkpoints by itself (SQLite's default
#: is 1,000): a backstop that bounds the WAL if no checkpoint thread runs
#: (:mod:`sarwatch.adapters.store.checkpoint`).
AUTOCHECKPOINT_PAGES = 10_000

#: SQLite's primary result codes for a damaged file: SQLITE_CORRUPT, SQLITE_NOTADB.
_SQLITE_DAMAGED = (11, 26)


def is_damaged(exc: BaseException | None) -> TypeGuard[sa_exc.DatabaseError]:
    """Whether ``exc`` is SQLite saying the database file itself is damaged.

    Only ``sqlite3.DatabaseError`` with the code of a corrupt file or of a file that
    is no database at all: a constraint (``IntegrityError``), a lock or a missing
    file (``OperationalError``) and every PostgreSQL error are something else.
    """
    if not isinstance(exc, sa_exc.DatabaseError) or isinstance(exc, sa_exc.IntegrityError):
        return False
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in _SQLITE_DAMAGED


def damaged_error(url: Any, exc: sa_exc.DatabaseError) -> StoreUnavailableError:
    """The one-line error for a damaged SQLite file (truncated, overwritten, not SQLite)."""
    parsed = make_url(url)
    where = parsed.database or parsed.render_as_string()
    return StoreUnavailableError(
        f"the case store {where} is damaged ({exc.orig}); restore it from a backup, "
        "then check it with: sarwatch ledger verify"
    )


def _sqlite_engine(url: str, *, create_dirs: bool = True) -> Engine:
    parsed = make_url(url)
    synchronous = str(parsed.query.get("synchronous", DEFAULT_SYNCHRONOUS)).lower()
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
        # WAL checkpoints run in the store's own thread (checkpoint.py), not in the
        # commit of whichever write crosses the threshold
        cur.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def make_engine(url: str, *, create_dirs: bool = True) -> Engine:
    """The engine for ``url``: SQLite tuned as above, or a pooled PostgreSQL engine."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, create_dirs=create_dirs)
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
