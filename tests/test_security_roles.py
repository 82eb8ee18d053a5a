"""Every route of the station against every role: no token, a wrong token, observer,
coordinator.

The table is built from the app itself (its OpenAPI schema), so a route added later
is checked without being named here: it needs a token unless it is in
:data:`ANONYMOUS`, and it writes only for coordinators unless it is in
:data:`OBSERVER_WRITES` (none). A route that should be public must be added to
:data:`ANONYMOUS` on purpose, with the reason next to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sarwatch.services.users import add_user
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_of

#: Routes anyone may call, and why.
ANONYMOUS = {
    ("GET", "/api/health"): "liveness probe",
    ("GET", "/api/assess"): "rules and geography of a position the caller gives; stores nothing",
    ("GET", "/api/position"): "parses the caller's text; stores nothing",
    ("GET", "/api/public/policy"): "the public feed's policy",
    ("GET", "/api/public/cases"): "delayed, coarsened cases (services/public_feed.py)",
    ("GET", "/api/public/incidents"): "delayed, rounded incidents (services/open_data.py)",
    ("GET", "/api/stats"): "published statistics, register months past the delay only",
    ("GET", "/api/stats/chart"): "the same, drawn",
    ("GET", "/api/layers/coast"): "base map",
    ("GET", "/api/layers/srr"): "base map",
    ("GET", "/api/layers/zones"): "base map",
    ("GET", "/api/layers/ports"): "base map",
    ("POST", "/api/witness/checkpoints"): "authenticated by the submitting station's signature",
    ("GET", "/api/witness/checkpoints/{key_id}"): "case ids and hashes only",
}

#: Reads an observer may not make (the whole record of people who may be at sea).
COORDINATOR_READS = {("GET", "/api/cases/{case_id}/bundle")}

#: Writes an observer may make.
OBSERVER_WRITES: set[tuple[str, str]] = set()

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict]]:
    tmp: Path = tmp_path_factory.mktemp("roles")
    app = create_app(Settings(home_dir=tmp, database_url=f"sqlite:///{tmp / 'a.db'}"))
    with TestClient(app) as client:
        store = station_of(app).store
        _, coord = add_user(store, "ana", "coordinator")
        _, obs = add_user(store, "olu", "observer")
        headers = {
            "none": {},
            "wrong": {"Authorization": "Bearer sw_" + "x" * 43},
            "observer": {"Authorization": f"Bearer {obs}"},
            "coordinator": {"Authorization": f"Bearer {coord}"},
        }
        yield client, headers


def _operations(client: TestClient) -> list[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return sorted(
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    )


def _call(client: TestClient, method: str, path: str, headers: dict) -> int:
    url = re.sub(r"\{[^}]+\}", "X", path)
    if path == "/api/cases/feed":
        url += "?after=0&follow=false"  # the stream would not end
    body = {} if method in _WRITES else None
    return client.request(method, url, headers=headers, json=body).status_code


def test_the_table_covers_every_route_and_names_no_route_that_is_gone(station) -> None:
    client, _ = station
    operations = set(_operations(client))
    assert len(operations) > 60  # the schema was read, not an empty one
    assert set(ANONYMOUS) <= operations, set(ANONYMOUS) - operations
    assert operations >= COORDINATOR_READS


@pytest.mark.parametrize("who", ["none", "wrong"])
def test_every_route_not_named_public_refuses_a_missing_or_wrong_token(station, who) -> None:
    client, headers = station
    answered = {op: _call(client, *op, headers[who]) for op in _operations(client)}
    open_to_all = {op for op, code in answered.items() if code not in (401,)}
    assert open_to_all == set(ANONYMOUS), (
        f"routes answering without a valid token that are not in ANONYMOUS: "
        f"{sorted(open_to_all - set(ANONYMOUS))}; public routes asking for one: "
        f"{sorted(set(ANONYMOUS) - open_to_all)}"
    )


def test_an_observer_reads_but_never_writes(station) -> None:
    client, headers = station
    wrong = []
    for method, path in _operations(client):
        if (method, path) in ANONYMOUS:
            continue
        code = _call(client, method, path, headers["observer"])
        refused = (method in _WRITES and (method, path) not in OBSERVER_WRITES) or (
            (method, path) in COORDINATOR_READS
        )
        if refused != (code == 403) or code == 401:
            wrong.append((method, path, code))
    assert not wrong, f"observer answers not as the roles say: {wrong}"


def test_a_coordinator_is_refused_nothing(station) -> None:
    client, headers = station
    refused = [
        (method, path, code)
        for method, path in _operations(client)
        if (code := _call(client, method, path, headers["coordinator"])) in (401, 403)
    ]
    assert not refused


@pytest.mark.parametrize("path", ["/", "/public", "/verify", "/static/dist/nothing.js"])
def test_the_pages_outside_the_schema_hold_no_case_data(station, path: str) -> None:
    """The pages are static files: answered alike with and without a token."""
    client, headers = station
    anonymous = client.get(path)
    signed_in = client.get(path, headers=headers["coordinator"])
    assert anonymous.status_code == signed_in.status_code
    assert anonymous.content == signed_in.content
