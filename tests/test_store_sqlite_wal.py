"""SQLite WAL checkpoints: done by the store's own thread, bounded without it, and the
thread stops on close (or when the store is dropped)."""

from __future__ import annotations

import gc
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

import sarwatch.adapters.store.engine as engine
from _cases_helpers import contact, make_service, open_case
from sarwatch.adapters.store import SqlStore


def _events_in_file_alone(db: Path, tmp: Path) -> int:
    """Events found in the database file without its WAL (what a checkpoint copied)."""
    snap = tmp / "snapshot.db"
    shutil.copyfile(db, snap)
    conn = sqlite3.connect(snap)
    try:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    except sqlite3.DatabaseError:  # no table yet (still in the WAL) or mid-copy
        return 0
    finally:
        conn.close()
        for path in tmp.glob("snapshot.db*"):
            path.unlink()


def _write_events(store: SqlStore, n: int) -> str:
    service = make_service(store)
    case_id = open_case(service)
    for i in range(n):
        service.log_contact(case_id, contact(i % 300), actor="ana")
    return case_id


@pytest.mark.parametrize("interval_s", [0.05, 3600.0])
def test_the_checkpoint_thread_copies_the_wal_into_the_database_file(
    tmp_path: Path, interval_s: float
) -> None:
    db = tmp_path / "cases.db"
    store = SqlStore(f"sqlite:///{db}", checkpoint_interval_s=interval_s)
    _write_events(store, 20)  # 22 events, far below the writers' own threshold
    side = tmp_path / "side"
    side.mkdir()
    found = 0
    deadline = time.monotonic() + (10.0 if interval_s < 1 else 0.5)
    while time.monotonic() < deadline and found < 22:
        found = _events_in_file_alone(db, side)
        time.sleep(0.05)
    # with the thread at work the file itself holds every event; without it, none yet
    assert found == (22 if interval_s < 1 else 0)
    store.close()


def test_the_wal_stays_bounded_without_the_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit that takes the WAL past the threshold checkpoints, and the log restarts."""
    monkeypatch.setattr(engine, "AUTOCHECKPOINT_PAGES", 100)
    db = tmp_path / "cases.db"
    store = SqlStore(f"sqlite:///{db}", checkpoint_interval_s=3600.0)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 100
    _write_events(store, 300)  # a growing case: thousands of pages written in all
    page = 4096
    assert (tmp_path / "cases.db-wal").stat().st_size < 200 * page
    store.close()


def test_close_stops_the_thread_and_checkpoints(tmp_path: Path) -> None:
    db = tmp_path / "cases.db"
    store = SqlStore(f"sqlite:///{db}", checkpoint_interval_s=3600.0)
    checkpointer = store._checkpointer
    assert checkpointer is not None and checkpointer.thread.is_alive()
    _write_events(store, 5)
    other = sqlite3.connect(db)  # keeps the WAL from being removed at close
    other.execute("SELECT 1").fetchall()
    store.close()
    assert not checkpointer.thread.is_alive()
    side = tmp_path / "side"
    side.mkdir()
    assert _events_in_file_alone(db, side) == 7  # copied on close
    other.close()


def test_a_dropped_store_lets_its_thread_end(tmp_path: Path) -> None:
    """Dropping a store without close() sets its thread's stop signal at once (a
    finaliser on the store), so the thread ends whatever the load of the machine."""
    store = SqlStore(f"sqlite:///{tmp_path / 'cases.db'}", checkpoint_interval_s=3600.0)
    checkpointer = store._checkpointer
    assert checkpointer is not None
    thread, stopping = checkpointer.thread, checkpointer.stopping
    del checkpointer
    assert thread.is_alive() and not stopping.is_set()
    store.engine.dispose()
    del store
    gc.collect()
    assert stopping.is_set()  # the signal, set by the store's finaliser
    # the thread waits on that signal (an hour between checkpoints here): it wakes and
    # returns now; the join cannot wait for the interval
    thread.join()
    assert not thread.is_alive()


def test_close_ends_the_thread_without_waiting_for_the_interval(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'cases.db'}", checkpoint_interval_s=3600.0)
    checkpointer = store._checkpointer
    assert checkpointer is not None
    store.close()
    assert checkpointer.stopping.is_set() and not checkpointer.thread.is_alive()
