"""Times as people copy them off a message (``2026-12-07 03:10 UTC``) are read as UTC by
the shared text parser and by the API's time fields; another zone is still refused or,
where the API always took ISO offsets, read as the offset it names."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sarwatch.domain.events import parse_time, utc_word_as_z
from sarwatch.errors import InputError
from sarwatch.services.users import add_user
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.routes.drift import DriftCreate
from sarwatch.web.station import station_of

T = datetime(2026, 12, 7, 3, 10, tzinfo=UTC)
UTC_SPELLINGS = [
    "2026-12-07 03:10 UTC",
    "2026-12-07 03:10UTC",
    "2026-12-07T03:10 utc",
    "2026-12-07 03:10:00 UTC",
    "2026-12-07T03:10Z",
    "2026-12-07 03:10Z",
    "2026-12-07T03:10:00+00:00",
    " 2026-12-07 03:10 UTC ",
]


@pytest.mark.parametrize("text", UTC_SPELLINGS)
def test_the_text_parser_reads_every_utc_spelling(text: str) -> None:
    assert parse_time(text) == T


@pytest.mark.parametrize("text", ["2026-12-07 03:10 CET", "2026-12-07 03:10", "UTC"])
def test_the_text_parser_refuses_other_zones_and_says_how_to_write_utc(text: str) -> None:
    with pytest.raises(InputError, match=r"(?:give it in UTC|06:30 UTC)"):
        parse_time(text)


def test_only_a_trailing_utc_after_the_time_is_rewritten() -> None:
    assert utc_word_as_z("2026-12-07 03:10+02:00 UTC") == "2026-12-07 03:10+02:00Z"
    assert utc_word_as_z("UTC") == "UTC"  # no time before it: left for the parser to refuse
    with pytest.raises(InputError):
        parse_time("2026-12-07 03:10+02:00 UTC")  # two zones: refused, not guessed


@pytest.fixture
def api(tmp_path: Path, land_mask) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'api.db'}")
    app = create_app(settings)
    with TestClient(app) as client:
        _, token = add_user(station_of(app).store, "ana", "coordinator")
        yield client, {"Authorization": f"Bearer {token}"}


def test_the_case_api_reads_a_time_written_with_utc(api) -> None:
    client, coord = api
    position = {
        "time": "2026-12-07 03:10 UTC", "lon": 12.5, "lat": 33.2, "kind": "gps",
        "source": {"name": "Alarm Phone"},
    }  # fmt: skip
    r = client.post(
        "/api/cases",
        headers=coord,
        json={"title": "sat call", "alert_time": "2026-12-07 03:05 utc", "position": position},
    )
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["opened_at"] == "2026-12-07T03:05:00Z"
    assert case["positions"][0]["time"] == "2026-12-07T03:10:00Z"
    # a zone name is still not a zone: refused, and nothing was written
    bad = dict(position, time="2026-12-07 03:10 CET")
    r = client.post(f"/api/cases/{case['case_id']}/reports", headers=coord, json=bad)
    assert r.status_code == 422, r.text
    assert len(client.get(f"/api/cases/{case['case_id']}", headers=coord).json()["positions"]) == 1


@pytest.mark.parametrize("text", UTC_SPELLINGS)
def test_a_drift_request_reads_a_time_written_with_utc(text: str) -> None:
    body = DriftCreate.model_validate({"lat": 33.2, "lon": 12.5, "time": text})
    assert body.time == T and body.time.utcoffset() is not None


def test_a_plan_request_reads_its_times_written_with_utc() -> None:
    from _plan import REQUEST
    from sarwatch.services.plan_request import parse_plan_request

    data = {
        **REQUEST,
        "datum": {**REQUEST["datum"], "time": "2026-12-07 03:10 UTC"},
        "commence_time": "2026-12-07 04:00utc",
    }
    plan = parse_plan_request(data)
    assert plan.datum is not None and plan.datum.time == T
    assert plan.commence_time == datetime(2026, 12, 7, 4, 0, tzinfo=UTC)
