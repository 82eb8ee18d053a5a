"""One queue for the case writes of a server process.

Every write endpoint hands its store call to the station's *writer pool*
(:attr:`~sarwatch.services.container.Station.writer_pool`) and awaits it: one thread on
SQLite, which has one writer at a time anyway, and a few on PostgreSQL, where
different cases are written in parallel (the case row lock serialises writers of
one case). Writes then wait their turn in a first-in, first-out queue instead of as
many thread-pool threads taking turns on the store's write lock, whose waiters are
woken in no particular order and each cost a thread switch (and a hand-over of the
GIL) to try. Parsing the request and building the answer stay on the event loop;
the event loop itself never waits for a database lock.

Nothing about durability changes: the queued call is the same service call, one
transaction committed before it returns, so before the answer is sent.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from fastapi import FastAPI

from sarwatch.services.container import POSTGRES_WRITERS
from sarwatch.web.station import station_of

__all__ = ["POSTGRES_WRITERS", "run_write", "shutdown_writer_pool", "writer_pool"]

_T = TypeVar("_T")


def writer_pool(app: FastAPI) -> ThreadPoolExecutor:
    """The app's writer threads (created on first use, shut down with the app)."""
    return station_of(app).writer_pool


def shutdown_writer_pool(app: FastAPI) -> None:
    """Let the queued writes finish, then stop the writer threads."""
    station_of(app).shutdown_writers()


async def run_write(app: FastAPI, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
    """Run ``fn(*args, **kwargs)`` on the app's writer threads and return its result.

    Exceptions (refusals such as :class:`~sarwatch.errors.ConflictError`) come back
    to the caller as raised. If the request is cancelled (the client went away), the
    queued write still runs to its end, as a thread-pool call would.
    """
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(writer_pool(app), functools.partial(fn, *args, **kwargs))
