"""The public feed as static files: rendered after each case write, served with ETags and
no database connection per public request."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from _cases_helpers import make_service
from sarwatch.domain import Outcome, PositionReport, Source
from sarwatch.services.public_static import CACHE_CONTROL, PublicFiles, etag_of
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_of

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def station_client(tmp_path: Path):
    s = Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'p.db'}")
    app = create_app(s)
    with TestClient(app) as client:
        station = station_of(app)
        station.cases = make_service(station.store)
        yield client, station, tmp_path


def _closed_case(service, lon: float, lat: float) -> str:
    when = NOW - timedelta(hours=3)
    pos = PositionReport(when, lon, lat, "gps", Source("Alarm Phone", 3), 0.3, "+218 91 000")
    cid = service.open_case(title="Ahmed's boat", alert_time=when, actor="ana", position=pos)
    cid = cid.case_id
    for to in ("active", "located"):
        service.change_status(cid, to, actor="ana")
    outcome = Outcome(NOW - timedelta(hours=1), "rescued", by="Mr B., +216 98", survivors=80)
    service.record_outcome(cid, outcome, actor="ana")
    service.change_status(cid, "closed", actor="ana")
    return cid


def test_a_case_write_renders_the_files(station_client) -> None:
    _, station, home = station_client
    cid = _closed_case(station.cases, 12.34567, 33.45678)
    data = (home / "public" / "cases.json").read_bytes()
    (case,) = json.loads(data)
    assert case["case_id"] == cid and case["positions"][0]["lon"] == 12.3
    assert b"Ahmed" not in data and b"+216" not in data and b"+218" not in data
    policy = json.loads((home / "public" / "policy.json").read_bytes())
    assert policy["delay_h"] == 72.0 and policy["round_deg"] == 0.1
    # atomic replace leaves no temporary file behind
    assert sorted(p.name for p in (home / "public").iterdir()) == ["cases.json", "policy.json"]


def test_served_with_etag_and_304(station_client) -> None:
    client, station, home = station_client
    _closed_case(station.cases, 12.34567, 33.45678)
    r = client.get("/api/public/cases")
    data = (home / "public" / "cases.json").read_bytes()
    assert r.status_code == 200 and r.content == data
    assert r.headers["etag"] == '"' + hashlib.sha256(data).hexdigest() + '"'
    assert r.headers["cache-control"] == CACHE_CONTROL
    again = client.get("/api/public/cases", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    # a new public record changes the bytes, so the old ETag no longer matches
    _closed_case(station.cases, 13.0, 34.0)
    fresh = client.get("/api/public/cases", headers={"If-None-Match": r.headers["etag"]})
    assert fresh.status_code == 200 and len(fresh.json()) == 2
    assert fresh.headers["etag"] != r.headers["etag"]


def test_public_requests_touch_no_database_connection(station_client) -> None:
    client, station, _ = station_client
    _closed_case(station.cases, 12.34567, 33.45678)
    checkouts: list[str] = []
    engine = station.store.engine  # type: ignore[attr-defined]
    checkpointer = station.store._checkpointer  # type: ignore[attr-defined]
    # The store's own WAL checkpointer thread and the job runner may check a connection
    # out at any time; every other checkout (the event loop, the route's threads) counts.
    background = {checkpointer.thread.ident} if checkpointer is not None else set()

    def listener(*_args: object) -> None:
        # the job runner (services/jobs.py) polls the store for drift jobs on its own
        # thread: a background reader too, not a public request (it made this test flaky)
        thread = threading.current_thread()
        if thread.ident not in background and not thread.name.startswith("sarwatch-jobs-"):
            checkouts.append(thread.name)

    event.listen(engine, "checkout", listener)
    try:
        etag = client.get("/api/public/cases").headers["etag"]
        for _ in range(20):
            assert client.get("/api/public/cases").status_code == 200
            cached = client.get("/api/public/cases", headers={"If-None-Match": etag})
            assert cached.status_code == 304
            assert client.get("/api/public/policy").status_code == 200
        assert checkouts == []
        # the listener does see the store being used (it could fail)
        assert client.get("/api/public/cases?limit=5").status_code == 200
        assert len(checkouts) >= 1
    finally:
        event.remove(engine, "checkout", listener)


def test_first_request_on_a_fresh_home_renders(station_client) -> None:
    client, _, home = station_client
    assert not (home / "public" / "cases.json").exists()
    r = client.get("/api/public/cases")
    assert r.status_code == 200 and r.json() == []
    assert (home / "public" / "cases.json").read_bytes() == b"[]"


def test_public_files_reread_only_on_change(tmp_path: Path) -> None:
    files = PublicFiles(tmp_path)
    assert files.get("cases.json") is None
    (tmp_path / "cases.json").write_bytes(b"[]")
    first = files.get("cases.json")
    assert first is not None and first.etag == etag_of(b"[]")
    assert files.get("cases.json") is first  # unchanged stat: the cached copy
    (tmp_path / "cases.json").write_bytes(b'[{"case_id":"x"}]')
    second = files.get("cases.json")
    assert second is not None and second.data == b'[{"case_id":"x"}]'
    with pytest.raises(KeyError):
        files.get("../p.db")


def test_cli_render_rewrites_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sarwatch.cli.main import main
    from sarwatch.ledger import load_or_create_signer
    from sarwatch.services.container import Station

    station = Station(Settings(home_dir=tmp_path))
    try:
        station.cases = make_service(station.store, load_or_create_signer(tmp_path))
        cid = _closed_case(station.cases, 12.34567, 33.45678)
    finally:
        station.close()
    cases = tmp_path / "public" / "cases.json"
    rendered = cases.read_bytes()
    cases.unlink()  # e.g. a restored store: no public files yet
    monkeypatch.setenv("SARWATCH_HOME_DIR", str(tmp_path))
    monkeypatch.delenv("SARWATCH_DATABASE_URL", raising=False)
    try:
        main(["public", "render"])
    except SystemExit as exc:
        assert not exc.code
    assert cases.read_bytes() == rendered and cid.encode() in rendered
    out = capsys.readouterr().out
    assert f"ETag {etag_of(rendered)}" in out and "cases.json" in out


def test_fast_path_keeps_the_guard(station_client) -> None:
    client, station, _ = station_client
    _closed_case(station.cases, 12.34567, 33.45678)
    fast = client.get("/api/public/cases")
    routed = client.get("/api/public/cases?limit=200")  # the route, same file
    assert fast.content == routed.content and fast.headers["etag"] == routed.headers["etag"]
    assert fast.headers["x-content-type-options"] == "nosniff"
    assert fast.headers["content-type"] == "application/json"
    head = client.head("/api/public/cases")
    assert head.status_code == 200 and head.content == b""
    refused = client.get("/api/public/cases", headers={"Host": "evil.example"})
    assert refused.status_code == 400


def test_render_only_when_the_write_can_change_the_feed(station_client) -> None:
    _, station, home = station_client
    service = station.cases
    old = NOW - timedelta(hours=100)
    service.clock = lambda: old
    pos = PositionReport(old, 12.5, 34.0, "gps", Source("Alarm Phone", 3))
    aged = service.open_case(title="quiet", alert_time=old, actor="ana", position=pos).case_id
    cases = home / "public" / "cases.json"
    assert [c["case_id"] for c in json.loads(cases.read_bytes())] == [aged]
    # news on a case in the feed takes it out again (it is live now)
    service.clock = lambda: NOW
    service.report_position(
        aged, PositionReport(NOW, 12.6, 34.1, "gps", Source("Alarm Phone", 3)), actor="ana"
    )
    assert json.loads(cases.read_bytes()) == []
    # a live case that was never public cannot change the feed: no render
    cases.unlink()
    service.open_case(title="live", alert_time=NOW, actor="ana", position=pos)
    assert not cases.exists()
    station.render_public()
    assert json.loads(cases.read_bytes()) == []


def test_rendered_files_are_readable_by_a_web_server(station_client) -> None:
    """The public files are the public record: readable by other users (nginx serving
    the directory, docs/public-feed.md), not owner-only as a temporary file is made."""
    _, station, home = station_client
    _closed_case(station.cases, 12.34567, 33.45678)
    for name in ("cases.json", "policy.json"):
        assert (home / "public" / name).stat().st_mode & 0o777 == 0o644
    assert (home / "public").stat().st_mode & 0o777 == 0o755
    # files an earlier version left owner-only are opened up at the next render
    (home / "public" / "policy.json").chmod(0o600)
    station.render_public()
    assert (home / "public" / "policy.json").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("path", ["/api/public/cases", "/api/public/cases?limit=200"])
def test_if_none_match_with_several_tags_or_a_star_is_a_304(station_client, path) -> None:
    """A proxy or browser may send a list of tags, weak ones, or ``*`` (RFC 9110)."""
    client, station, _ = station_client
    _closed_case(station.cases, 12.34567, 33.45678)
    etag = client.get(path).headers["etag"]
    for header in (f'"other", {etag}', f'W/"x",W/{etag}', "*", etag):
        r = client.get(path, headers={"If-None-Match": header})
        assert r.status_code == 304, header
        assert r.headers["etag"] == etag
    r = client.get(path, headers={"If-None-Match": '"other", W/"nope"'})
    assert r.status_code == 200 and r.headers["etag"] == etag
