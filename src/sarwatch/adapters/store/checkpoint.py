"""A SQLite store's WAL checkpoints, done by a thread of the store's own.

In WAL mode SQLite copies the log back into the database file ("checkpoints") by
default in the commit that takes the log past 1,000 pages, so that one write in
every few dozen is slower by the copy and two fsyncs (about 5 ms). The
:class:`Checkpointer` thread does the copying instead, with ``PASSIVE``
checkpoints: they never block writers or readers, and SQLite does the work
without holding the GIL.

Under a steady stream of writes the log is never *fully* copied at the moment the
next write starts, so SQLite cannot start it again from its beginning; the commit
that takes it past :data:`~sarwatch.adapters.store.engine.AUTOCHECKPOINT_PAGES`
(10,000 pages, 40 MB with 4 KiB pages) then checkpoints the little left and the
log restarts. That bounds the WAL file even when no thread runs (a store of
another process, or of older code, checkpoints at its own threshold; SQLite's
locks coordinate them).

The thread ends when its store is closed (:meth:`Checkpointer.stop`) or dropped: a
finaliser on the store sets the same stop signal the thread waits on, so the
thread ends at once, whenever the garbage collector gets to the engine.
"""

from __future__ import annotations

import logging
import threading
import weakref

from sqlalchemy.engine import Engine

__all__ = ["CHECKPOINT_INTERVAL_S", "Checkpointer", "checkpoint"]

#: Seconds between the checkpoints of a SQLite store's WAL (by its own thread).
CHECKPOINT_INTERVAL_S = 0.2

_log = logging.getLogger(__name__)


def checkpoint(engine: Engine) -> None:
    """Copy what the WAL holds into the database file, as far as readers allow."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA wal_checkpoint(PASSIVE)")
        cur.fetchall()
        cur.close()
    finally:
        raw.close()


def _loop(ref: weakref.ref[Engine], stop: threading.Event, interval_s: float) -> None:
    failed = False
    while not stop.wait(interval_s):
        engine = ref()
        if engine is None:  # the engine went before its store's finaliser ran
            return
        try:
            checkpoint(engine)
            failed = False
        except Exception as exc:  # keep trying: the writers' backstop bounds the WAL
            if not failed:
                _log.warning("WAL checkpoint failed (will retry): %s", exc)
            failed = True
        del engine


class Checkpointer:
    """Checkpoints a SQLite WAL every ``interval_s`` seconds in a daemon thread.

    Parameters
    ----------
    engine
        The store's engine (the thread holds it only weakly between checkpoints).
    interval_s
        Seconds between checkpoints.
    owner
        The store: when it is dropped without :meth:`stop`, :attr:`stopping` is set
        (by a :func:`weakref.finalize`) and the thread ends.

    Attributes
    ----------
    thread
        The checkpointing thread.
    stopping
        Set when the thread is to end (by :meth:`stop` or the owner's finaliser).
    """

    def __init__(self, engine: Engine, interval_s: float, owner: object) -> None:
        self._engine = weakref.ref(engine)
        self.stopping = threading.Event()
        self._finalizer = weakref.finalize(owner, self.stopping.set)
        self.thread = threading.Thread(
            target=_loop,
            args=(self._engine, self.stopping, interval_s),
            name="sarwatch-wal-checkpoint",
            daemon=True,
        )
        self.thread.start()

    def stop(self) -> None:
        """End the thread and checkpoint once more."""
        self._finalizer.detach()
        self.stopping.set()
        self.thread.join()
        engine = self._engine()
        if engine is None:
            return
        try:
            checkpoint(engine)
        except Exception as exc:  # closing: the next opener checkpoints
            _log.warning("WAL checkpoint on close failed: %s", exc)
