"""One queue for the case writes of a server process.

Every write endpoint hands its store call to the app's *writer pool* and awaits it:
one thread on SQLite, which has one writer at a time anyway, and a few on
PostgreSQL, where different cases are written in parallel (the case row lock
serialises writers of one case). Writes then wait their turn in a first-in,
first-out queue instead of as many thread-pool threads taking turns on the store's
write lock, whose waiters are woken in no particular order and each cost a thread
switch (and a hand-over of the GIL) to try. Parsing the request and building the
answer stay on the event loop; the event loop itself never waits for a database lock.

Nothing about durability changes: the queued call is the same service call, one
transaction committed before it returns, so before the answer is sent.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from fastapi import FastAPI

from sarwatch.web.station import station_service

__all__ = ["POSTGRES_WRITERS", "run_write", "shutdown_writer_pool", "writer_pool"]

#: Writer threads on PostgreSQL (one on SQLite and in memory).
POSTGRES_WRITERS = 4

_T = TypeVar("_T")
_lock = threading.Lock()


def writer_pool(app: FastAPI) -> ThreadPoolExecutor:
    """The app's writer threads (created on first use, shut down with the app)."""
    pool: ThreadPoolExecutor | None = getattr(app.state, "writer_pool", None)
    if pool is not None:
        return pool
    with _lock:
        pool = getattr(app.state, "writer_pool", None)
        if pool is None:
            store = station_service(app).store
            postgres = getattr(store, "dialect", "") == "postgresql"
            pool = ThreadPoolExecutor(
                max_workers=POSTGRES_WRITERS if postgres else 1,
                thread_name_prefix="sarwatch-writer",
            )
            app.state.writer_pool = pool
    return pool


def shutdown_writer_pool(app: FastAPI) -> None:
    """Let the queued writes finish, then stop the writer threads."""
    pool: ThreadPoolExecutor | None = getattr(app.state, "writer_pool", None)
    if pool is not None:
        pool.shutdown(wait=True)
        app.state.writer_pool = None


async def run_write(app: FastAPI, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
    """Run ``fn(*args, **kwargs)`` on the app's writer threads and return its result.

    Exceptions (refusals such as :class:`~sarwatch.errors.ConflictError`) come back
    to the caller as raised. If the request is cancelled (the client went away), the
    queued write still runs to its end, as a thread-pool call would.
    """
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(writer_pool(app), functools.partial(fn, *args, **kwargs))
