"""A wake-up for the event feed when another process commits an event.

The feed reads new rows of the ``events`` table by id (every worker, every process
writes there); between reads it waits on an :class:`EventBell`. On PostgreSQL the bell
``LISTEN``\\ s on :data:`CHANNEL`, which a trigger on ``events`` (migration
``0010_jobs``) notifies at the commit of each insert, so a feed on one worker wakes
as soon as another worker, or ``sarwatch case …`` elsewhere, records an event. The
wait always ends after its timeout too (the polling fallback, and all there is on
SQLite and in memory). The listening connection is one per process, opened on the
first wait, and reopened after a failure.
"""

from __future__ import annotations

import asyncio
import logging
import threading

__all__ = ["CHANNEL", "EventBell"]

#: The PostgreSQL notification channel the ``events`` trigger notifies.
CHANNEL = "sarwatch_events"
_RETRY_S = 2.0


class EventBell:
    """Wakes the feeds of this process when an event is committed (PostgreSQL), or
    lets them sleep out their poll interval (SQLite, memory).

    Parameters
    ----------
    url
        The store's SQLAlchemy URL; a ``postgresql`` one is listened to, others not.
    """

    def __init__(self, url: str) -> None:
        self.listens = url.startswith("postgresql")
        self._url = url
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.rings = 0  # notifications received (tests, diagnostics)

    async def wait(self, timeout_s: float) -> bool:
        """Wait until an event is committed or ``timeout_s`` passed; ``True`` if rung."""
        if not self.listens:
            await asyncio.sleep(timeout_s)
            return False
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.add(waiter)
        self._start()
        try:
            await asyncio.wait_for(waiter[1].wait(), timeout_s)
            return True
        except TimeoutError:
            return False
        finally:
            with self._lock:
                self._waiters.discard(waiter)

    def ring(self) -> None:
        """Wake every waiter (called by the listening thread)."""
        with self._lock:
            waiters = list(self._waiters)
            self.rings += 1
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # its loop closed meanwhile
                continue

    def close(self) -> None:
        """Stop listening."""
        self._stop.set()
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join(5)

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self._thread = threading.Thread(
                target=self._listen, name="sarwatch-event-bell", daemon=True
            )
            self._thread.start()

    def _listen(self) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        conninfo = make_url(self._url).set(drivername="postgresql")
        dsn = conninfo.render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.ring()  # (re)connected: anything missed meanwhile is read now
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            self.ring()
            except Exception as exc:  # the feeds fall back to polling; try again soon
                logging.getLogger("sarwatch.feed").warning(
                    "listening for new events failed (%s); the feed polls meanwhile", exc
                )
                self._stop.wait(_RETRY_S)
