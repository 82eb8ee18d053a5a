"""Request bodies over SARWATCH_MAX_BODY_BYTES are refused with 413 in the house shape,
declared (Content-Length) or streamed (chunked), before anything is written and without
reading the rest; bodies under the limit go through."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from sarwatch.services.users import add_user
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_service
from sarwatch.web.writer import shutdown_writer_pool

ALERT = datetime(2018, 3, 15, 4, 10, tzinfo=UTC)
LIMIT = 64 * 1024
CHUNK = 4096


@pytest.fixture
def station(tmp_path: Path) -> Iterator[tuple[object, dict[str, str], str]]:
    settings = Settings(
        home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.db'}", max_body_bytes=LIMIT
    )
    app = create_app(settings)
    service = station_service(app)
    service.land_check = lambda lon, lat: False
    _, token = add_user(service.store, "ana", "coordinator")
    case_id = service.open_case(
        title="rubber boat", alert_time=ALERT, actor="ana", position=None
    ).case_id
    try:
        yield app, {"Authorization": f"Bearer {token}"}, case_id
    finally:
        shutdown_writer_pool(app)
        service.store.close()


def _attachment(n_bytes: int) -> bytes:
    """A document attachment whose JSON body is exactly ``n_bytes`` long."""
    empty = json.dumps({"kind": "document", "record": {"text": ""}}).encode()
    return json.dumps(
        {"kind": "document", "record": {"text": "x" * (n_bytes - len(empty))}}
    ).encode()


def _post(app: object, path: str, headers: dict[str, str], content: object) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.post(
                path, headers={**headers, "Content-Type": "application/json"}, content=content
            )

    return asyncio.run(run())


def _n_events(app: object, case_id: str) -> int:
    return len(station_service(app).events(case_id))  # type: ignore[arg-type]


def test_declared_size_over_the_limit_is_413_and_nothing_written(station) -> None:
    app, headers, case_id = station
    before = _n_events(app, case_id)
    r = _post(app, f"/api/cases/{case_id}/attachments", headers, _attachment(LIMIT + 1))
    assert r.status_code == 413
    body = r.json()
    assert body["error"] == "RequestTooLarge"
    assert body["detail"].startswith(
        f"the request body of {LIMIT + 1:,} bytes is larger than this station's limit of "
        f"{LIMIT:,} bytes"
    )
    assert "SARWATCH_MAX_BODY_BYTES" in body["detail"]
    assert _n_events(app, case_id) == before


def test_streamed_body_over_the_limit_is_413_without_reading_the_rest(station) -> None:
    app, headers, case_id = station
    before = _n_events(app, case_id)
    data = _attachment(20 * LIMIT)
    pulled = 0

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked
        nonlocal pulled
        for start in range(0, len(data), CHUNK):
            pulled += 1
            yield data[start : start + CHUNK]

    r = _post(app, f"/api/cases/{case_id}/attachments", headers, chunks())
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "RequestTooLarge"
    assert "larger than this station's limit of 65,536 bytes" in r.json()["detail"]
    # reading stopped at the chunk that passed the limit (the transport may read one ahead)
    assert pulled <= LIMIT // CHUNK + 2
    assert _n_events(app, case_id) == before


def test_bodies_at_the_limit_go_through_declared_or_streamed(station) -> None:
    app, headers, case_id = station
    data = _attachment(LIMIT)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(data), CHUNK):
            yield data[start : start + CHUNK]

    for content in (data, chunks()):
        r = _post(app, f"/api/cases/{case_id}/attachments", headers, content)
        assert r.status_code == 201, r.text
    assert _n_events(app, case_id) == 3


def test_the_limit_is_in_the_openapi_schema_of_the_writes(station) -> None:
    app, _, _ = station
    paths = app.openapi()["paths"]  # type: ignore[attr-defined]
    assert "413" in paths["/api/cases/{case_id}/attachments"]["post"]["responses"]
    assert "413" in paths["/api/cases"]["post"]["responses"]
    assert "413" not in paths["/api/cases"]["get"]["responses"]
    assert "65,536 bytes" in paths["/api/cases"]["post"]["responses"]["413"]["description"]


def test_default_limit_is_one_mebibyte() -> None:
    assert Settings().max_body_bytes == 1_048_576
