"""Tokens over time: a user removed while their event stream is open stops receiving it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sarwatch.services.users import add_user, remove_user
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.routes import cases as case_routes
from sarwatch.web.station import station_of


@pytest.fixture
def station(tmp_path: Path, land_mask) -> Iterator[tuple[FastAPI, str]]:
    app = create_app(Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.db'}"))
    with TestClient(app):  # runs the lifespan: the station is started
        _, token = add_user(station_of(app).store, "olu", "observer")
        yield app, token


def _scope(token: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/cases/feed",
        "raw_path": b"/api/cases/feed",
        "query_string": b"after=0&follow=true",
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


def _stream_after_removal(
    app: FastAPI, token: str, *, remove: bool, then: Callable[[], object] | None = None
) -> tuple[int, str, bool]:
    """Open the feed, remove the user (if ``remove``), record a case; what the stream
    sent after that.

    Returns the status, the text sent after the removal (until the stream ended or
    carried the new case's first event) and whether the stream ended by itself.
    """
    station = station_of(app)

    async def drive() -> tuple[int, str, bool]:
        sent: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        gone = asyncio.Event()

        async def receive() -> dict[str, Any]:
            await gone.wait()  # the client stays until the test is done
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            await sent.put(message)

        task = asyncio.create_task(app(_scope(token), receive, send))
        start = await asyncio.wait_for(sent.get(), 30)
        first = await asyncio.wait_for(sent.get(), 30)
        assert b"retry:" in first["body"]
        if remove:
            await asyncio.to_thread(remove_user, station.store, "olu")
        if then is not None:  # instead of a removal: the token expires, is renewed...
            await asyncio.to_thread(then)
        await asyncio.to_thread(
            station.cases.open_case,
            title="rubber boat",
            alert_time=datetime(2018, 3, 15, 4, 10, tzinfo=UTC),
            actor="ana",
        )
        text, ended = "", False
        while not ended and "case_opened" not in text:
            message = await asyncio.wait_for(sent.get(), 30)
            text += message.get("body", b"").decode()
            ended = not message.get("more_body", False)
        gone.set()
        await asyncio.wait_for(task, 30)
        return start["status"], text, ended

    return asyncio.run(drive())


def test_a_removed_users_open_stream_ends_before_the_next_case_event(station, monkeypatch) -> None:
    app, token = station
    monkeypatch.setattr(case_routes, "_TOKEN_RECHECK_S", 0.0, raising=False)  # every read
    status, text, ended = _stream_after_removal(app, token, remove=True)
    assert status == 200
    assert ended, "the stream went on after the user was removed"
    assert "case_opened" not in text  # recorded after the removal: not sent
    assert "event: revoked" in text and "no longer works" in text


def test_a_stream_of_a_user_still_in_place_goes_on(station, monkeypatch) -> None:
    """The same stream with the user kept: the new case arrives (the check is not a
    refusal of everything)."""
    app, token = station
    monkeypatch.setattr(case_routes, "_TOKEN_RECHECK_S", 0.0)
    status, text, ended = _stream_after_removal(app, token, remove=False)
    assert status == 200 and not ended
    assert "event: case_opened" in text and "revoked" not in text


def test_a_stream_ends_when_its_token_expires_and_says_what_to_do(station, monkeypatch) -> None:
    """The stream's re-check is the full check, expiry included; its last message names
    expiry and renewal too, and what to do (not only 'revoked')."""
    from sarwatch.services import users

    app, token = station
    monkeypatch.setattr(case_routes, "_TOKEN_RECHECK_S", 0.0)
    later = datetime(2100, 1, 1, tzinfo=UTC)  # long after the 90 days
    status, text, ended = _stream_after_removal(
        app, token, remove=False, then=lambda: monkeypatch.setattr(users, "_now", lambda n: later)
    )
    assert status == 200 and ended
    assert "case_opened" not in text
    assert "event: revoked" in text
    assert "expired" in text and "ask a coordinator of this station for a new one" in text
