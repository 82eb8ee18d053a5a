"""Who may do what: the 403 answers say why and who can, and the schema says so too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _api import coordinator_and_observer
from sarwatch.settings import Settings

ALERT = "2018-03-15T04:10:00Z"
POSITION = {"time": ALERT, "lon": 12.5, "lat": 33.2, "kind": "gps",
            "source": {"name": "Alarm Phone", "quality": 3}}  # fmt: skip


@pytest.fixture
def api(tmp_path: Path, land_mask) -> Iterator[tuple[TestClient, dict, dict]]:
    settings = Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.db'}")
    with coordinator_and_observer(settings) as api:
        yield api


def test_an_observer_is_told_why_a_bundle_is_for_coordinators_only(api) -> None:
    client, coord, obs = api
    body = {"title": "rubber boat", "alert_time": ALERT, "position": POSITION}
    r = client.post("/api/cases", headers=coord, json=body)
    case_id = r.json()["case_id"]
    refused = client.get(f"/api/cases/{case_id}/bundle", headers=obs)
    assert refused.status_code == 403
    detail = refused.json()["detail"]
    assert "only coordinators may download a case's evidence bundle" in detail
    assert "live positions" in detail  # why
    assert "user 'olu' has role 'observer'" in detail  # who asked
    assert "GET /api/cases/{case_id}" in detail and "/api/public/cases" in detail  # what instead
    assert "sarwatch user add NEW_NAME --role coordinator" in detail  # who can, and how
    assert client.get(f"/api/cases/{case_id}/bundle", headers=coord).status_code == 200
    assert client.get(f"/api/cases/{case_id}/bundle").status_code == 401
    # Other coordinator-only routes keep the plain message.
    r = client.post(f"/api/cases/{case_id}/reports", headers=obs, json=POSITION)
    assert r.status_code == 403 and "bundle" not in r.json()["detail"]
    assert "this needs 'coordinator'" in r.json()["detail"]


def test_an_observer_is_told_why_a_drift_run_is_for_coordinators_only(api) -> None:
    client, _, obs = api
    body = {"lat": 33.2, "lon": 12.5, "time": ALERT, "wind_kn": 10, "wind_from": 0}
    r = client.post("/api/drift", headers=obs, json=body)
    assert r.status_code == 403
    assert "only coordinators may start a drift run" in r.json()["detail"]
    assert "GET /api/drift" in r.json()["detail"]


def test_the_schema_says_who_may_download_a_bundle(api) -> None:
    client, _, _ = api
    spec = client.get("/openapi.json").json()
    bundle = spec["paths"]["/api/cases/{case_id}/bundle"]["get"]
    assert "Coordinators only" in bundle["description"]
    assert "observers get 403" in bundle["description"]
    assert "observers may not download" in bundle["responses"]["403"]["description"]
    assert "live positions" in bundle["x-coordinator-only"]
    assert "x-coordinator-only" in spec["paths"]["/api/drift"]["post"]
