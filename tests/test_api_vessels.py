"""``GET /api/vessels`` and ``/api/cases/{id}/responders``: the live picture filtered by
box and time with tracks, the ranking the CLI gives, roles, and bad input as 422."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from _api import coordinator_and_observer
from _cli import open_case, run_cli
from _responders import at, report
from sarwatch.services.container import Station
from sarwatch.settings import load_settings
from sarwatch.vessels.picture import LivePicture
from sarwatch.vessels.types import VesselStatic

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def pic(monkeypatch: pytest.MonkeyPatch) -> LivePicture:
    """The station's live picture: a tanker with a track, a SAR vessel, one stale report."""
    p = LivePicture()
    start = (12.9, 33.4)
    p.add_reports(
        report(211000001, NOW - timedelta(minutes=m), *at(*start, 90.0, m / 6.0),
               sog_kn=10.0, cog_deg=270.0)
        for m in (60, 40, 20, 0)
    )  # fmt: skip
    p.add_reports([
        report(247000002, NOW, *at(12.5, 33.2, 0.0, 30.0), sog_kn=0.0, cog_deg=0.0),
        report(636000004, NOW - timedelta(hours=9), 14.0, 35.5, sog_kn=12.0, cog_deg=0.0),
    ])  # fmt: skip
    p.add_static([VesselStatic(247000002, name="CP 940", ship_type=51),
                  VesselStatic(211000001, name="NORDIC STAR", ship_type=80)])  # fmt: skip
    monkeypatch.setattr(Station, "vessels", property(lambda self: p))
    return p


@pytest.fixture
def api(home: Path, pic: LivePicture) -> Iterator[tuple[TestClient, dict, dict]]:
    with coordinator_and_observer(load_settings(home_dir=home)) as api:
        yield api


def test_vessels_in_a_box_since_a_time_with_tracks(api: Any) -> None:
    client, _, obs = api
    r = client.get("/api/vessels", headers=obs)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == 2  # the 9-hour-old report is older than the default 6 h
    got = {v["mmsi"]: v for v in body["vessels"]}
    assert got[247000002]["sar"] is True and got[247000002]["type"] == "sar_vessel"
    assert got[211000001]["type"] == "merchant" and "track" not in got[211000001]
    # a box around the SAR vessel only
    r = client.get("/api/vessels", params={"bbox": "12.3,33.5,12.7,33.9"}, headers=obs)
    assert [v["mmsi"] for v in r.json()["vessels"]] == [247000002]
    # since: an explicit older time brings the stale report back
    since = (NOW - timedelta(hours=10)).isoformat().replace("+00:00", "Z")
    r = client.get("/api/vessels", params={"since": since}, headers=obs)
    assert r.json()["count"] == 3
    # the last 30 minutes of track: the reports of 20 and 0 minutes ago, oldest first
    r = client.get("/api/vessels", params={"track_min": 30}, headers=obs)
    track = {v["mmsi"]: v for v in r.json()["vessels"]}[211000001]["track"]
    assert len(track) == 2 and track[0][2] < track[1][2]
    assert track[-1][:2] == [got[211000001]["lon"], got[211000001]["lat"]]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"bbox": "12,33,14"}, "bbox must be four numbers"),
        ({"bbox": "14,33,12,35"}, "lon_min < lon_max"),
        ({"bbox": "a,b,c,d"}, "bbox must be four numbers"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-12-06T10:00:00"}, "since"),
        ({"track_min": 999}, "less than or equal to 360"),
    ],
)
def test_bad_vessel_queries_are_422_with_the_reason(
    api: Any, params: dict[str, Any], message: str
) -> None:
    client, _, obs = api
    r = client.get("/api/vessels", params=params, headers=obs)
    assert r.status_code == 422, r.text
    assert message in json.dumps(r.json())


def test_vessels_need_a_token(api: Any) -> None:
    client, _, _ = api
    assert client.get("/api/vessels").status_code == 401


def test_responders_over_http_are_the_clis_and_observers_may_not_attach(
    api: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    client, coord, obs = api
    alert = (NOW - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    case_id = open_case(capsys, time=alert)
    r = client.get(f"/api/cases/{case_id}/responders", headers=obs)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["cloud"]["source"] == "last_position"
    assert [v["mmsi"] for v in answer["vessels"]] == [211000001, 247000002]
    code, out, err = run_cli(capsys, "responders", case_id, "--json")
    assert code == 0, err
    cli = json.loads(out)
    # The same ranking; each side dead-reckons the vessels to its own "now" (whole
    # seconds), and on a busy machine the CLI may run seconds later: a vessel moves at
    # most its speed, so an ETA changes by at most twice the time between the two.
    elapsed_h = (
        abs(
            (
                datetime.fromisoformat(cli["computed_at"].replace("Z", "+00:00"))
                - datetime.fromisoformat(answer["computed_at"].replace("Z", "+00:00"))
            ).total_seconds()
        )
        / 3600.0
    )
    assert [v["eta_p50_h"] for v in cli["vessels"]] == pytest.approx(
        [v["eta_p50_h"] for v in answer["vessels"]], rel=1e-3, abs=2 * elapsed_h + 1e-9
    )
    assert client.post(f"/api/cases/{case_id}/responders", headers=obs).status_code == 403
    r = client.post(f"/api/cases/{case_id}/responders", headers=coord)
    assert r.status_code == 200, r.text
    sha = r.json()["attachment"]["picture_sha256"]
    case = client.get(f"/api/cases/{case_id}", headers=obs).json()
    attached = [a for a in case["attachments"] if a["kind"] == "responders"]
    assert attached[0]["record"]["result"]["picture"]["sha256"] == sha


def test_responders_of_an_unknown_case_are_404(api: Any) -> None:
    client, _, obs = api
    r = client.get("/api/cases/2018-03-15-LY-999/responders", headers=obs)
    assert r.status_code == 404
    assert "2018-03-15-LY-999" in r.json()["detail"]


def test_a_new_report_or_static_data_shows_in_the_next_listing(api: Any, pic: LivePicture) -> None:
    client, _, obs = api
    params = {"track_min": 90}
    before = {
        v["mmsi"]: v
        for v in client.get("/api/vessels", params=params, headers=obs).json()["vessels"]
    }
    moved = at(before[211000001]["lon"], before[211000001]["lat"], 270.0, 1.0)
    pic.add_reports(
        [report(211000001, NOW + timedelta(seconds=30), *moved, sog_kn=9.0, cog_deg=270.0)]
    )
    pic.add_static([VesselStatic(247000002, name="CP 941")])
    after = {
        v["mmsi"]: v
        for v in client.get("/api/vessels", params=params, headers=obs).json()["vessels"]
    }
    assert (after[211000001]["lon"], after[211000001]["lat"]) == moved
    assert len(after[211000001]["track"]) == len(before[211000001]["track"]) + 1
    assert after[211000001]["sog_kn"] == 9.0
    assert after[247000002]["name"] == "CP 941" and after[247000002]["type"] == "sar_vessel"


def test_over_http_and_on_the_command_line_the_detour_is_in_the_eta_and_the_order(
    api: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """South of Lampedusa: a ship north of the island (21.7 nm straight, 22.5 nm round
    it) comes after one 22.2 nm away in open sea, over HTTP as on the command line, and
    both say the ETAs are by sea route."""
    from _responders import picture

    pic = picture([
        report(247000003, NOW, 12.55, 35.56, sog_kn=0.0),
        report(247000004, NOW, 12.45, 35.55, sog_kn=0.0),
    ])  # fmt: skip
    monkeypatch.setattr(Station, "vessels", property(lambda self: pic))
    client, _, obs = api
    code, out, err = run_cli(
        capsys, "case", "open", "--title", "rubber boat", "--lon", "12.6", "--lat", "35.2",
        "--time", NOW.isoformat().replace("+00:00", "Z"),
    )  # fmt: skip
    assert code == 0, err
    case_id = out.split()[0]
    r = client.get(f"/api/cases/{case_id}/responders", headers=obs)
    assert r.status_code == 200, r.text
    code, out, err = run_cli(capsys, "responders", case_id, "--json")
    assert code == 0, err
    for answer in (r.json(), json.loads(out)):
        ranked = [(v["mmsi"], v["eta_basis"], v["land_between"]) for v in answer["vessels"]]
        assert ranked == [(247000004, "sea_route", False), (247000003, "sea_route", True)]
        behind = answer["vessels"][1]
        assert behind["eta_p50_h"] == pytest.approx(behind["sea_nm"] / 8.0, abs=2e-3)
