"""The public feed: closed or aged cases only, positions coarsened, no authentication.

The policy is :mod:`sarwatch.services.public_feed`, set by ``public_delay_h`` and
``public_round_deg`` in the settings and stated at ``/api/public/policy``; the
store pages through the cases it allows (:func:`sarwatch.services.feeds.public_cases`).

Both are served from the static files under ``<home_dir>/public``
(:mod:`sarwatch.services.public_static`, rendered after every case write) with an ETag
and ``Cache-Control``, and ``If-None-Match`` answered ``304``: a public request asks no
database. Only a ``limit`` other than the default pages the store itself.

:class:`PublicFastPath` answers ``GET``/``HEAD`` of the two paths (no query) from the
files before FastAPI's routing and dependencies run (just inside the request guard,
so the Host check and security headers still apply): a crowd costs the server
little more than the bytes. The routes below answer the rest (a first request on
a fresh home renders the files; a ``limit``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from sarwatch.services.container import Station
from sarwatch.services.feeds import public_cases
from sarwatch.services.public_feed import PublicPolicy
from sarwatch.services.public_static import (
    CACHE_CONTROL,
    FEED_LIMIT,
    PublicFiles,
    matches_etag,
    public_dir,
)
from sarwatch.web.case_schemas import PublicCaseOut, PublicPolicyOut
from sarwatch.web.guard import RequestGuard
from sarwatch.web.station import StationDep

__all__ = ["install", "router"]

router = APIRouter(prefix="/api/public", tags=["public"])


_files: dict[str, PublicFiles] = {}


async def _static(name: str, request: Request, station: Station) -> Response:
    """The rendered file ``name`` with its ETag; ``304`` if the client holds it already."""
    directory = public_dir(station.settings.home_dir)
    files = _files.get(str(directory))
    if files is None:
        files = _files.setdefault(str(directory), PublicFiles(directory))
    found = files.get(name)
    if found is None:  # never rendered (a fresh home): render once, in a worker thread
        await run_in_threadpool(station.render_public)
        found = files.get(name)
        assert found is not None
    headers = {"ETag": found.etag, "Cache-Control": CACHE_CONTROL}
    if matches_etag(request.headers.get("if-none-match"), found.etag):
        return Response(status_code=304, headers=headers)
    return Response(found.data, media_type="application/json", headers=headers)


@router.get("/policy", response_model=PublicPolicyOut)
async def policy(request: Request, station: StationDep) -> Response:
    """How the public feed delays and coarsens cases (the rendered ``policy.json``)."""
    return await _static("policy.json", request, station)


@router.get("/cases", response_model=list[PublicCaseOut])
async def public_case_list(
    request: Request,
    station: StationDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = FEED_LIMIT,
) -> Response:
    """Closed cases, and cases without news for the delay; positions coarsened.

    Live positions of people in distress never appear here. The default page is the
    rendered ``cases.json``; another ``limit`` reads the store.
    """
    if limit == FEED_LIMIT:
        return await _static("cases.json", request, station)
    p = PublicPolicy(station.settings.public_delay_h, station.settings.public_round_deg)
    views = await run_in_threadpool(public_cases, station.store, p, datetime.now(UTC), limit=limit)
    return JSONResponse(views, headers={"Cache-Control": CACHE_CONTROL})


_FAST = {"/api/public/cases": "cases.json", "/api/public/policy": "policy.json"}


class PublicFastPath:
    """Pure ASGI middleware: the rendered public files, answered without routing.

    Parameters
    ----------
    app
        The application to wrap.
    directory
        ``<home_dir>/public``; a file not rendered yet falls through to the route.
    """

    def __init__(self, app: ASGIApp, directory: Path) -> None:
        self.app = app
        self.files = PublicFiles(directory)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = _FAST.get(scope.get("path", "")) if scope["type"] == "http" else None
        found = None
        if name is not None and scope["method"] in ("GET", "HEAD") and not scope["query_string"]:
            found = self.files.get(name)
        if found is None:
            await self.app(scope, receive, send)
            return
        etag = found.etag.encode()
        match = any(
            k == b"if-none-match" and matches_etag(v.decode("latin-1"), found.etag)
            for k, v in scope["headers"]
        )
        headers = [(b"etag", etag), (b"cache-control", CACHE_CONTROL.encode())]
        if match:
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(found.data)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else found.data
        await send({"type": "http.response.body", "body": body})


def install(app: FastAPI) -> None:
    """Add the public feed to the app, and its fast path just inside the request guard."""
    app.include_router(router)
    station: Station = app.state.station
    fast = Middleware(PublicFastPath, directory=public_dir(station.settings.home_dir))
    guards = [i for i, m in enumerate(app.user_middleware) if m.cls is RequestGuard]
    app.user_middleware.insert(guards[0] + 1 if guards else 0, fast)
