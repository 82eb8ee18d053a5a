"""Limits on what a request may cost: the size of its body, and the work anyone may start.

**Bodies** (``SARWATCH_MAX_BODY_BYTES``, 1 MiB by default). Whatever a case write
carries goes into the append-only ledger, which can never shed it, so a body larger
than the limit is refused with ``413`` in the house error shape
``{"error": "RequestTooLarge", "detail": ...}``: at once when its ``Content-Length``
says so (the body is not read), and otherwise (chunked) as soon as the bytes received
pass the limit, so that no more than the limit and one chunk is ever held.

**Work anyone may start** (:class:`PublicWorkLimit`). The routes that need no token
and may compute (a coastline clip at full detail, a statistics chart, an assessment,
a witness's check; the public feeds when they are rebuilt) run on the worker threads
that the coordinators' reads share, some of them waiting on a lock for one build: a
crowd of them, or one client sending many, held every thread and the case API
stalled. At most :data:`PUBLIC_WORK_IN_FLIGHT` of them run at once per server
process; :data:`PUBLIC_WORK_WAITING` more wait for a turn on the event loop (holding
no thread); beyond that a request is answered ``503`` with ``Retry-After`` at once.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sarwatch.web.asgi_json import send_json_error

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "MAX_EVENT_ID",
    "PUBLIC_WORK_IN_FLIGHT",
    "PUBLIC_WORK_PATHS",
    "PUBLIC_WORK_WAITING",
    "BodySizeLimit",
    "PublicWorkLimit",
    "parse_event_id",
    "too_large_detail",
]

#: The default limit: 1 MiB, some 60 times an assessment record with its routes.
DEFAULT_MAX_BODY_BYTES = 1_048_576

#: The largest event id, list offset or feed position a request may name: 2**53 (a
#: JavaScript number holds it exactly; SQLite and PostgreSQL integers end at 2**63 - 1,
#: and 2**63 failed inside the database with a 500).
MAX_EVENT_ID = 2**53


def parse_event_id(text: str, what: str = "Last-Event-ID") -> int:
    """An event id as a client sent it back (``Last-Event-ID``): ASCII digits, 0–2**53.

    Raises
    ------
    InputError
        For anything else (``"²"``, ``"-1"``, ``"1e3"``, ``2**63``), with what to send.
    """
    from sarwatch.errors import InputError

    value = text.strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 16) or (
        int(value) > MAX_EVENT_ID
    ):
        raise InputError(
            f"{what} {text[:40]!r} is not an event id the feed sent: give a whole number "
            f"from 0 to {MAX_EVENT_ID} (or leave the header out to start from now)"
        )
    return int(value)


def too_large_detail(max_bytes: int, size: int | None = None) -> str:
    """What a 413 says: the limit, the size if known, and what to do."""
    what = f"of {size:,} bytes " if size is not None else ""
    return (
        f"the request body {what}is larger than this station's limit of {max_bytes:,} "
        "bytes; send less (keep large files outside the case and record their name and "
        "SHA-256), or raise SARWATCH_MAX_BODY_BYTES on the station"
    )


class _BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a streamed body passes the limit.

    An ``HTTPException`` so that the routes' body parsing passes it on unchanged and
    the error handlers answer it (413) in the house shape.
    """

    def __init__(self, max_bytes: int) -> None:
        super().__init__(status_code=413, detail=too_large_detail(max_bytes))


class BodySizeLimit:
    """Pure ASGI middleware refusing HTTP request bodies over ``max_bytes`` with 413.

    Parameters
    ----------
    app
        The application to wrap.
    max_bytes
        The largest body accepted, in bytes.
    own_limit
        Paths of ``POST`` routes that stream their body under their own limit (media
        uploads), left through unchanged.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = DEFAULT_MAX_BODY_BYTES,
        own_limit: re.Pattern[str] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.own_limit = own_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        streamed = self.own_limit is not None and scope.get("method") == "POST"
        if streamed and self.own_limit.fullmatch(scope.get("path", "")):  # type: ignore[union-attr]
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _send_413(send, too_large_detail(self.max_bytes, declared))
            return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge(self.max_bytes)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except _BodyTooLarge as exc:
            # read outside the routes' error handlers (e.g. by another middleware)
            if started:
                raise
            await _send_413(send, str(exc.detail))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed header itself
    return None


async def _send_413(send: Send, detail: str) -> None:
    await send_json_error(send, 413, "RequestTooLarge", detail, [(b"connection", b"close")])


#: Token-free routes that may compute (prefixes of the path). The public feeds' plain
#: requests are answered from files before this limit (``PublicFastPath``).
PUBLIC_WORK_PATHS = (
    "/api/assess",
    "/api/layers/",
    "/api/public/",
    "/api/stats",
    "/api/witness/",
)

#: How many of them one server process runs at once (of the 40 worker threads).
PUBLIC_WORK_IN_FLIGHT = 8

#: How many more wait for a turn (on the event loop: a waiting request holds no thread).
PUBLIC_WORK_WAITING = 64


class PublicWorkLimit:
    """Pure ASGI middleware: at most ``max_in_flight`` requests to ``paths`` at once.

    Requests over the limit wait for a turn on the event loop, in order (a page's map
    layers at a station's first start, while the coastline caches are built); beyond
    ``max_waiting`` of them a request is answered ``503`` with ``Retry-After: 1`` at
    once. Turns are handed over by futures of the waiting request's own loop, so one
    middleware serves any loop.

    Parameters
    ----------
    app
        The application to wrap.
    paths
        Path prefixes counted.
    max_in_flight
        Requests of those paths running at once.
    max_waiting
        Requests waiting for a turn.
    """

    def __init__(
        self,
        app: ASGIApp,
        paths: tuple[str, ...] = PUBLIC_WORK_PATHS,
        max_in_flight: int = PUBLIC_WORK_IN_FLIGHT,
        max_waiting: int = PUBLIC_WORK_WAITING,
    ) -> None:
        self.app = app
        self.paths = paths
        self.max_in_flight = max_in_flight
        self.max_waiting = max_waiting
        self.in_flight = 0
        self._waiting: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        """Requests waiting for a turn now."""
        return sum(not f.done() for f in self._waiting)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith(self.paths):
            await self.app(scope, receive, send)
            return
        if self.in_flight < self.max_in_flight:
            self.in_flight += 1
        elif self.waiting >= self.max_waiting:
            await _send_busy(send, self.max_in_flight + self.max_waiting)
            return
        else:
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
            try:
                await turn  # a finished request handed its place over: in_flight unchanged
            except BaseException:
                if turn.done() and not turn.cancelled():  # handed over, then cancelled
                    self._release()
                raise
        try:
            await self.app(scope, receive, send)
        finally:
            self._release()

    def _release(self) -> None:
        """Hand this place to the first request still waiting, or free it."""
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.get_loop().call_soon_threadsafe(self._hand, turn)
                return
        self.in_flight -= 1

    def _hand(self, turn: asyncio.Future[None]) -> None:
        if turn.done():  # cancelled meanwhile: the place goes on to the next
            self._release()
        else:
            turn.set_result(None)


async def _send_busy(send: Send, limit: int) -> None:
    detail = (
        f"this station has {limit} requests of this kind (maps, statistics, public data, "
        "assessments) running or waiting already; try again in a second"
    )
    headers = [(b"retry-after", b"1"), (b"cache-control", b"no-store")]
    await send_json_error(send, 503, "StationBusy", detail, headers)
