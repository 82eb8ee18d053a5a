"""The FastAPI application factory.

Nothing is built at import: :func:`create_app` takes the settings, builds the
app's :class:`~sarwatch.services.container.Station` (the composition root) and attaches the
routers, each resource's module under :mod:`sarwatch.web.routes`, by name in
:func:`_route_modules` (a missing or broken module fails the app, loudly). The
app's ``lifespan`` builds the case service at start-up (and records the demo case)
and, at shutdown, lets queued writes and drift runs finish and closes the store.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from sarwatch import __version__
from sarwatch.services.container import Station
from sarwatch.settings import Settings, load_settings
from sarwatch.web.errors import install_error_handlers
from sarwatch.web.guard import RequestGuard, allowed_hosts
from sarwatch.web.limits import BodySizeLimit, PublicWorkLimit

__all__ = ["create_app"]

_frozen = threading.Event()


def _freeze_start_up_objects() -> None:
    """Take what start-up built out of the cyclic garbage collector's sight, once.

    The modules, the app, the store and the case service (some 120,000 objects) live
    as long as the process; a full (generation 2) collection walked them all, which
    stopped every request for 40–75 ms about once a second under load (the write
    p99). ``gc.freeze()`` moves them to the permanent generation, after one
    collection so that start-up garbage is not kept. Once per process: objects of
    apps made later (tests) are collected as usual.
    """
    if not _frozen.is_set():
        _frozen.set()
        gc.collect()
        gc.freeze()


def _document_body_limit(app: FastAPI, max_bytes: int) -> None:
    """Add the 413 answer to the schema of every operation that takes a body."""
    answer = {
        "description": f"The request body is larger than {max_bytes:,} bytes "
        "(SARWATCH_MAX_BODY_BYTES)"
    }
    build = app.openapi

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        schema = build()  # cached by FastAPI after the first call
        if first:
            for item in schema.get("paths", {}).values():
                for method in ("post", "put", "patch"):
                    if method in item:
                        item[method].setdefault("responses", {}).setdefault("413", answer)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _route_modules() -> tuple[ModuleType, ...]:
    """Every router module, each exposing ``install(app)`` (imported here, not at import
    of this module, so that importing the app factory stays light)."""
    from sarwatch.web.routes import (
        assess,
        attachments,
        cases,
        corrections,
        drift,
        forcing,
        incidents,
        ledger,
        media,
        plan,
        position,
        public,
        reconstruction,
        stats,
        verify,
        vessels,
        witness,
    )
    from sarwatch.web.routes import map as map_page

    return (
        assess, position, drift, forcing, plan, attachments, cases, incidents, ledger, public,
        stats, reconstruction, verify, vessels, map_page, corrections, media, witness,
    )  # fmt: skip


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start-up: the case service (and the demo case); shutdown: end what the station started."""
    from sarwatch.web.station import station_of

    station = station_of(app)
    await run_in_threadpool(station.start)
    _freeze_start_up_objects()
    try:
        yield
    finally:
        await run_in_threadpool(station.close)


def create_app(
    settings: Settings | None = None, *, demo: bool = False, checked: bool = False
) -> FastAPI:
    """Build the web application.

    Parameters
    ----------
    settings
        Configuration; read from the environment when omitted.
    demo
        Load the demo case into an empty store at start-up.
    checked
        Another process ran the start-up checks (a worker of ``sarwatch serve
        --workers N``): open the store without migrating it.
    """
    settings = settings or load_settings()
    app = FastAPI(
        lifespan=_lifespan,
        title="sarwatch",
        version=__version__,
        description="Maritime search and rescue in the Central Mediterranean.",
        # The interactive doc pages load scripts from a CDN, which a ship offline cannot
        # reach: the schema itself is served at /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    app.state.station = Station(settings, demo=demo, checked=checked)
    install_error_handlers(app)
    from sarwatch.web.routes.media import MEDIA_PATH  # streamed: its own limit

    # innermost: token-free work is counted once the request got past the guards
    app.add_middleware(PublicWorkLimit)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, own_limit=MEDIA_PATH)
    # outermost: a refused Host or a NUL byte is answered before anything is read
    app.add_middleware(RequestGuard, hosts=allowed_hosts(settings.host, settings.allowed_hosts))

    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness probe."""
        return {"status": "ok", "version": __version__}

    for module in _route_modules():
        module.install(app)
    _document_body_limit(app, settings.max_body_bytes)
    return app
