"""Work anyone may start is bounded: at most a few token-free computations run at once
per server process; more are answered 503 at once, and the case API is not held up."""

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
from sarwatch.web.limits import PUBLIC_WORK_IN_FLIGHT, PUBLIC_WORK_PATHS, PublicWorkLimit
from sarwatch.web.station import station_of


def _scope(path: str) -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}


def test_requests_over_the_limit_are_answered_503_at_once() -> None:
    release = asyncio.Event()

    async def slow_route(scope: Any, receive: Any, send: Any) -> None:
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})

    limit = PublicWorkLimit(slow_route, paths=("/api/stats",), max_in_flight=2)

    async def call(path: str) -> list[dict[str, Any]]:
        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await limit(_scope(path), None, send)
        return sent

    async def scenario() -> None:
        running = [asyncio.create_task(call("/api/stats/chart")) for _ in range(2)]
        await asyncio.sleep(0)  # both entered the route
        assert limit.in_flight == 2
        start, body = await call("/api/stats")  # answered without waiting for the others
        assert start["status"] == 503
        assert (b"retry-after", b"1") in start["headers"]
        assert json.loads(body["body"])["error"] == "StationBusy"
        other = asyncio.create_task(call("/api/cases"))  # not counted: goes through
        await asyncio.sleep(0)
        release.set()
        for task in [*running, other]:
            assert (await task)[0]["status"] == 200
        assert limit.in_flight == 0
        assert (await call("/api/stats"))[0]["status"] == 200  # room again

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
        limit.in_flight = 0
    assert client.get("/api/assess?lat=33.2&lon=12.5").status_code == 200
