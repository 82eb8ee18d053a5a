"""Requests that made the server answer a plain-text 500 (with a traceback in the log):
``offset``/``after`` of 2**63 on the case list and the event feed, the same in
``Last-Event-ID`` (the stream was cut after its 200 headers), a NUL byte in a static
path and in a drift request's forcing name. Each is now a clear 4xx in the house JSON
shape, with no traceback logged (issue 13)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sarwatch.services.users import add_user
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_of

BIG = str(2**63)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.db'}")
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        _, token = add_user(station_of(app).store, "ana", "coordinator")
        yield client, {"Authorization": f"Bearer {token}"}


def _json_4xx(r, *, named: str) -> None:
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body = r.json()
    assert body["error"] and named in body["detail"], body


@pytest.mark.parametrize(
    ("path", "named"),
    [
        (f"/api/cases?offset={BIG}", "offset"),
        (f"/api/cases?offset={2**64}", "offset"),
        (f"/api/cases/feed?after={BIG}&follow=false", "after"),
        ("/api/cases?limit=5&offset=-1", "offset"),
    ],
)
def test_huge_offsets_are_422(api, caplog, path: str, named: str) -> None:
    client, headers = api
    with caplog.at_level(logging.ERROR):
        r = client.get(path, headers=headers)
    _json_4xx(r, named=named)
    assert "Traceback" not in caplog.text and not caplog.records


def test_no_number_in_any_query_makes_a_500(api, caplog) -> None:
    """Every integer or number query parameter of every GET route, at the edges of what
    a database or a float holds (``/api/incidents?offset=2**63`` was a 500)."""
    client, headers = api
    tried, failed = 0, []
    for path, item in client.get("/openapi.json").json()["paths"].items():
        for parameter in item.get("get", {}).get("parameters", []):
            schema = parameter.get("schema", {})
            types = {schema.get("type"), *(a.get("type") for a in schema.get("anyOf", []))}
            if parameter["in"] != "query" or not types & {"integer", "number"}:
                continue
            for value in (BIG, str(2**64), f"-{BIG}", "1e309", "nan"):
                url = re.sub(r"\{[^}]+\}", "X", path) + f"?{parameter['name']}={value}"
                url += "&follow=false" if path == "/api/cases/feed" else ""
                tried += 1
                if client.get(url, headers=headers).status_code >= 500:
                    failed.append(url)
    assert tried > 20 and not failed, failed


@pytest.mark.parametrize("last_id", [BIG, "99999999999999999999999", "²", "1e3", "-1", "7 7"])
def test_a_bad_last_event_id_is_422_before_the_stream_starts(api, caplog, last_id: str) -> None:
    client, headers = api
    with caplog.at_level(logging.ERROR):
        r = client.get(
            "/api/cases/feed?follow=false", headers={**headers, "Last-Event-ID": last_id.encode()}
        )
    _json_4xx(r, named="Last-Event-ID")
    assert not caplog.records


def test_a_good_last_event_id_still_resumes(api) -> None:
    client, headers = api
    client.post(
        "/api/cases",
        headers=headers,
        json={"title": "rubber boat", "alert_time": "2018-03-15T04:10:00Z"},
    )
    r = client.get("/api/cases/feed?follow=false", headers={**headers, "Last-Event-ID": "0"})
    assert r.status_code == 200 and "event: case_opened" in r.text


@pytest.mark.parametrize(
    "path", ["/static/a%00b.js", "/static/%00", "/api/cases/2018-03-15-LY-001%00", "/x%00y"]
)
def test_a_nul_byte_in_a_path_is_400(api, caplog, path: str) -> None:
    client, headers = api
    with caplog.at_level(logging.ERROR):
        r = client.get(path, headers=headers)
    _json_4xx(r, named="NUL")
    assert not caplog.records


def test_a_nul_in_a_forcing_name_is_422(api, caplog) -> None:
    client, headers = api
    body = {"lat": 33.2, "lon": 12.5, "time": "2018-03-15T04:10:00Z", "currents": ["a\x00b.nc"]}
    with caplog.at_level(logging.ERROR):
        r = client.post("/api/drift", headers=headers, json=body)
    _json_4xx(r, named="forcing file")
    assert not caplog.records


def test_an_unexpected_error_is_a_json_500(api, monkeypatch) -> None:
    client, headers = api

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(station_of(client.app).cases, "list_cases", broken)
    r = client.get("/api/cases", headers=headers)
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"] == "InternalError" and "disk on fire" not in r.text
    # sent from outside the request guard, with its headers all the same
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
