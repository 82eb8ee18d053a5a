"""The public feed never shows a live position, and coarsens the old ones by the stated policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from _cases_helpers import make_service
from sarwatch.domain import Contact, PositionReport, Source
from sarwatch.services.public_feed import PublicPolicy, coarsen, public_view
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_of

NOW = datetime.now(UTC).replace(microsecond=0)


class Clock:
    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


@pytest.fixture
def make_client(tmp_path: Path):
    clients = []

    def make(**settings: object):
        client, service, clock = _client(tmp_path, **settings)
        clients.append(client)
        return client, service, clock

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def _client(tmp_path: Path, **settings: object):
    s = Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'p.db'}", **settings)
    app = create_app(s)
    client = TestClient(app)
    client.__enter__()
    clock = Clock(NOW)
    service = make_service(station_of(app).store)
    service.clock = clock
    station_of(app).cases = service
    return client, service, clock


def _open(service, when: datetime, lon: float, lat: float) -> str:
    pos = PositionReport(
        when, lon, lat, "gps", Source("Alarm Phone", 3), 0.3, "caller: +218 91 000"
    )
    return service.open_case(
        title="Ahmed's boat", alert_time=when, actor="ana", position=pos
    ).case_id


def test_live_positions_never_leak(make_client) -> None:
    client, service, clock = make_client()
    live = _open(service, NOW - timedelta(hours=2), 12.34567, 33.45678)
    service.change_status(live, "active", actor="ana")
    # an old case that just got news is live again
    clock.t = NOW - timedelta(hours=200)
    revived = _open(service, clock.t, 13.11111, 33.77777)
    clock.t = NOW
    service.report_position(
        revived,
        PositionReport(
            NOW - timedelta(minutes=5), 13.22222, 33.88888, "aircraft", Source("Seabird", 4)
        ),
        actor="ana",
    )
    r = client.get("/api/public/cases")
    assert r.status_code == 200
    assert r.json() == []
    for secret in ("12.34567", "33.45678", "13.22222", "33.88888", "12.3", "13.2"):
        assert secret not in r.text


def test_aged_case_is_shown_coarsened_without_names(make_client) -> None:
    client, service, clock = make_client()
    clock.t = NOW - timedelta(hours=100)
    cid = _open(service, clock.t, 12.34567, 33.45678)
    service.log_contact(
        cid, Contact(clock.t, "phone", "MRCC Rome", "caller Ahmed +218"), actor="ana"
    )
    clock.t = NOW
    body = client.get("/api/public/cases").json()
    assert [c["case_id"] for c in body] == [cid]
    (pos,) = body[0]["positions"]
    assert (pos["lon"], pos["lat"]) == (12.3, 33.5)
    assert pos["time"].endswith(":00:00Z")
    text = client.get("/api/public/cases").text
    for secret in ("Ahmed", "+218", "MRCC", "Alarm Phone", "12.34567"):
        assert secret not in text


def test_closed_case_is_shown_at_once_but_coarsened(make_client) -> None:
    from sarwatch.domain import Outcome

    client, service, _ = make_client()
    cid = _open(service, NOW - timedelta(hours=3), 12.34567, 33.45678)
    for to in ("active", "located"):
        service.change_status(cid, to, actor="ana")
    outcome = Outcome(
        NOW - timedelta(hours=1), "rescued", by="fishing boat of Mr Ahmed B., +216 98 123 456",
        taken_to="Zarzis, house of Mr B.", survivors=80,
    )  # fmt: skip
    service.record_outcome(cid, outcome, actor="ana")
    assert client.get("/api/public/cases").json() == []  # rescued, not yet closed: not shown
    service.change_status(cid, "closed", actor="ana")
    (case,) = client.get("/api/public/cases").json()
    assert case["outcome"]["survivors"] == 80 and case["outcome"]["kind"] == "rescued"
    text = client.get("/api/public/cases").text  # the outcome's free text stays private
    assert "Ahmed" not in text and "+216" not in text and "Zarzis" not in text
    assert case["positions"][0]["lon"] == 12.3


def test_policy_is_configurable_and_stated(make_client) -> None:
    client, service, clock = make_client(public_delay_h=1.0, public_round_deg=0.5)
    clock.t = NOW - timedelta(hours=2)
    _open(service, clock.t, 12.34567, 33.45678)
    (case,) = client.get("/api/public/cases").json()
    assert (case["positions"][0]["lon"], case["positions"][0]["lat"]) == (12.5, 33.5)
    policy = client.get("/api/public/policy").json()
    assert policy["delay_h"] == 1.0 and policy["round_deg"] == 0.5
    assert "1 h" in policy["description"] and "0.5°" in policy["description"]


@given(
    lon=st.floats(-180, 180),
    lat=st.floats(-90, 90),
    age_h=st.floats(0, 500),
    news_h=st.floats(0, 500),
    closed=st.booleans(),
    step=st.sampled_from([0.05, 0.1, 0.25, 1.0]),
)
def test_public_view_property(lon, lat, age_h, news_h, closed, step) -> None:
    from sarwatch.domain.events import format_time

    now = datetime(2026, 1, 1, tzinfo=UTC)
    pos_time = now - timedelta(hours=max(age_h, news_h))
    state = {
        "case_id": "2025-12-20-LY-001",
        "status": "closed" if closed else "active",
        "region": "LY",
        "opened_at": format_time(pos_time),
        "updated_at": format_time(now - timedelta(hours=news_h)),
        "positions": [{"time": format_time(pos_time), "lon": lon, "lat": lat, "kind": "gps"}],
    }
    view = public_view(state, now, PublicPolicy(72.0, step))
    if not closed and news_h < 72.0:
        assert view is None
        return
    assert view is not None
    for p in view["positions"]:
        assert closed or now - datetime.fromisoformat(
            p["time"].replace("Z", "+00:00")
        ) >= timedelta(hours=72) - timedelta(hours=1)
        assert abs(p["lon"] - lon) <= step / 2 + 1e-9 and abs(p["lat"] - lat) <= step / 2 + 1e-9
        assert p["lon"] / step == pytest.approx(round(p["lon"] / step), abs=1e-6)


def test_coarsen_examples() -> None:
    assert coarsen(12.34567, 0.1) == 12.3
    assert coarsen(33.45678, 0.1) == 33.5
    assert coarsen(12.6, 0.25) == 12.5
    with pytest.raises(ValueError, match="rounding"):
        PublicPolicy(72, 0)
