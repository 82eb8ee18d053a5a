"""Headers and files (issue 13): every answer carries nosniff, DENY framing, no referrer
and a Content-Security-Policy; case JSON, the feed and bundles are ``no-store``; a
``Host`` the station does not answer to is refused (DNS rebinding); bundles are written
0600 like the store; a bundle asked for an unknown case leaves no temp directory."""

from __future__ import annotations

import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _cli import open_case, run_cli
from sarwatch.services.users import add_user
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_of


def _client(tmp_path: Path, **settings: object) -> TestClient:
    s = Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.db'}", **settings)
    return TestClient(create_app(s), raise_server_exceptions=False)


@pytest.fixture
def api(tmp_path: Path, land_mask) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    with _client(tmp_path) as client:
        _, token = add_user(station_of(client.app).store, "ana", "coordinator")
        headers = {"Authorization": f"Bearer {token}"}
        r = client.post(
            "/api/cases",
            headers=headers,
            json={"title": "rubber boat", "alert_time": "2018-03-15T04:10:00Z"},
        )
        assert r.status_code == 201, r.text
        yield client, headers, r.json()["case_id"]


def _security_headers(r) -> None:
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    csp = dict(d.strip().split(" ", 1) for d in r.headers["content-security-policy"].split(";"))
    assert csp["script-src"] == "'self'"  # no inline script, no eval
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert csp["connect-src"] == "'self'"


def test_every_answer_carries_the_security_headers(api) -> None:
    client, headers, case_id = api
    for path in ("/api/health", "/", "/api/cases", f"/api/cases/{case_id}", "/nowhere"):
        _security_headers(client.get(path, headers=headers))


def test_case_data_and_bundles_are_never_stored_by_caches(api) -> None:
    client, headers, case_id = api
    for path in (
        "/api/cases",
        f"/api/cases/{case_id}",
        f"/api/cases/{case_id}/events",
        f"/api/cases/{case_id}/bundle",
        "/api/cases/feed?after=0&follow=false",
    ):
        r = client.get(path, headers=headers)
        assert r.status_code == 200, (path, r.text)
        assert r.headers["cache-control"] == "no-store", path


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example"])
def test_a_foreign_host_is_refused_in_json(api, host: str) -> None:
    client, headers, case_id = api
    r = client.get(f"/api/cases/{case_id}", headers={**headers, "Host": host})
    assert r.status_code == 400
    assert r.json()["error"] == "HostNotAllowed" and "SARWATCH_ALLOWED_HOSTS" in r.json()["detail"]
    assert "rubber boat" not in r.text
    _security_headers(r)


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1", "[::1]:8000", "LOCALHOST"])
def test_loopback_names_are_served(api, host: str) -> None:
    client, headers, _ = api
    assert client.get("/api/cases", headers={**headers, "Host": host}).status_code == 200


def test_the_allow_list_takes_more_names(tmp_path: Path) -> None:
    with _client(tmp_path, allowed_hosts="sarwatch.ship.lan, *.ngo.example") as client:
        ok = ["sarwatch.ship.lan", "ops.ngo.example:8443", "localhost"]
        for host in ok:
            assert client.get("/api/health", headers={"Host": host}).status_code == 200, host
        for host in ("ngo.example", "evil.example", "sarwatch.ship.lan.evil.example"):
            assert client.get("/api/health", headers={"Host": host}).status_code == 400, host


def test_the_configured_host_is_served(tmp_path: Path) -> None:
    with _client(tmp_path, host="10.0.0.7") as client:
        assert client.get("/api/health", headers={"Host": "10.0.0.7:8000"}).status_code == 200
        assert client.get("/api/health", headers={"Host": "10.0.0.8"}).status_code == 400


def test_a_bundle_is_written_owner_only(home: Path, tmp_path: Path, capsys) -> None:
    cid = open_case(capsys)
    out = tmp_path / "case.zip"
    code, _, err = run_cli(capsys, "case", "export", cid, "--out", str(out))
    assert code == 0, err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not list(tmp_path.glob("*.part"))


def test_a_bundle_for_an_unknown_case_leaves_no_temp_directory(
    api, tmp_path: Path, monkeypatch
) -> None:
    client, headers, _ = api
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    r = client.get("/api/cases/2018-03-15-LY-999/bundle", headers=headers)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    assert list(temp.iterdir()) == []
