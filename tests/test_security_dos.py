"""Work anyone may start is bounded: at most a few token-free computations run at once
per server process, some more wait their turn holding no thread, more are answered 503
at once, and the case API is not held up."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sarwatch.services.users import add_user
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.limits import (
    PUBLIC_WORK_IN_FLIGHT,
    PUBLIC_WORK_PATHS,
    PUBLIC_WORK_WAITING,
    PublicWorkLimit,
)
from sarwatch.web.station import station_of


def _scope(path: str) -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}


class _Route:
    """An ASGI route that answers 200 once it is let go."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.entered += 1
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})


async def _call(limit: PublicWorkLimit, path: str) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await limit(_scope(path), None, send)
    return sent


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_requests_over_the_limit_wait_and_beyond_the_queue_get_503_at_once() -> None:
    route = _Route()
    limit = PublicWorkLimit(route, paths=("/api/stats",), max_in_flight=2, max_waiting=1)

    async def scenario() -> None:
        running = [asyncio.create_task(_call(limit, "/api/stats/chart")) for _ in range(3)]
        await _settle()
        assert (route.entered, limit.in_flight, limit.waiting) == (2, 2, 1)  # one waits
        start, body = await _call(limit, "/api/stats")  # answered at once, not queued
        assert start["status"] == 503
        assert (b"retry-after", b"1") in start["headers"]
        assert json.loads(body["body"])["error"] == "StationBusy"
        other = asyncio.create_task(_call(limit, "/api/cases"))  # not counted: goes in
        await _settle()
        assert route.entered == 3
        route.release.set()
        for task in [*running, other]:
            assert (await task)[0]["status"] == 200
        assert route.entered == 4  # the one that waited ran too
        assert (limit.in_flight, limit.waiting) == (0, 0)

    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_a_client_that_leaves_while_waiting_keeps_no_place() -> None:
    route = _Route()
    limit = PublicWorkLimit(route, paths=("/api/layers/",), max_in_flight=1, max_waiting=4)

    async def scenario() -> None:
        first = asyncio.create_task(_call(limit, "/api/layers/coast"))
        gone = asyncio.create_task(_call(limit, "/api/layers/srr"))
        later = asyncio.create_task(_call(limit, "/api/layers/zones"))
        await _settle()
        assert (limit.in_flight, limit.waiting) == (1, 2)
        gone.cancel()
        await _settle()
        assert limit.waiting == 1
        route.release.set()
        assert (await first)[0]["status"] == 200
        assert (await later)[0]["status"] == 200  # the place went past the one that left
        assert (limit.in_flight, limit.waiting) == (0, 0)

    asyncio.run(asyncio.wait_for(scenario(), 30))


@pytest.fixture
def station(tmp_path: Path) -> Iterator[tuple[FastAPI, TestClient, dict[str, str]]]:
    app = create_app(Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.db'}"))
    with TestClient(app) as client:
        _, token = add_user(station_of(app).store, "olu", "observer")
        yield app, client, {"Authorization": f"Bearer {token}"}


def _limit_of(app: FastAPI) -> PublicWorkLimit:
    layer: Any = app.middleware_stack
    while layer is not None and not isinstance(layer, PublicWorkLimit):
        layer = getattr(layer, "app", None)
    assert layer is not None, "the app has no PublicWorkLimit"
    return layer


def test_the_station_limits_token_free_work_and_nothing_else(station, land_mask) -> None:
    app, client, observer = station
    assert client.get("/api/public/cases").status_code == 200  # renders the files once
    limit = _limit_of(app)
    assert (limit.paths, limit.max_in_flight) == (PUBLIC_WORK_PATHS, PUBLIC_WORK_IN_FLIGHT)
    limit.in_flight = limit.max_in_flight  # as if that many were running
    limit.max_waiting = 0  # and as many waiting
    try:
        for path in ("/api/assess?lat=33.2&lon=12.5", "/api/layers/coast?zoom=6",
                     "/api/stats?from=2018&to=2019", "/api/public/cases?limit=5"):  # fmt: skip
            r = client.get(path)
            assert r.status_code == 503, (path, r.status_code)
            assert r.headers["retry-after"] == "1" and r.json()["error"] == "StationBusy"
            assert r.headers["x-content-type-options"] == "nosniff"  # inside the guard
        # the case API, and the public feed's rendered file, are not held up
        assert client.get("/api/cases", headers=observer).status_code == 200
        assert client.get("/api/public/cases").status_code == 200
    finally:
        limit.in_flight, limit.max_waiting = 0, PUBLIC_WORK_WAITING
    assert client.get("/api/assess?lat=33.2&lon=12.5").status_code == 200
