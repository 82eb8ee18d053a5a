"""An unknown field in a request body is refused with the fields the request takes and
the nearest one to what was sent (a misspelt name at 3 a.m. must not be a puzzle)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

DRIFT = {"lat": 33.2, "lon": 12.5, "time": "2026-11-20T04:10:00Z", "wind_kn": 12}


@pytest.fixture
def client(tmp_path: Path, land_mask):
    from sarwatch.services.users import add_user
    from sarwatch.settings import load_settings
    from sarwatch.web.app import create_app
    from sarwatch.web.station import station_of

    app = create_app(load_settings(home_dir=tmp_path))
    with TestClient(app) as client:
        _, token = add_user(station_of(app).store, "ana", "coordinator")
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def test_a_misspelt_drift_field_names_the_right_one(client: TestClient) -> None:
    r = client.post("/api/drift", json={**DRIFT, "wind_from_deg": 330})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail.startswith("unknown field 'wind_from_deg' (did you mean 'wind_from'?)")
    assert "the fields are: lat, lon, time," in detail and "case_id" in detail
    assert r.json()["errors"][0]["type"] == "extra_forbidden"  # the field-level list stays


def test_an_unknown_field_in_a_nested_object_names_that_objects_fields(
    client: TestClient,
) -> None:
    body = {
        "title": "boat",
        "alert_time": "2026-11-20T04:10:00Z",
        "position": {
            "time": "2026-11-20T04:10:00Z", "lon": 12.5, "lat": 33.2, "kind": "gps",
            "source": {"name": "AP"}, "uncertainty": 1,
        },
    }  # fmt: skip
    r = client.post("/api/cases", json=body)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "unknown field 'uncertainty' in position (did you mean 'uncertainty_nm'?)" in detail
    assert "lon, lat" in detail or "lat, lon" in detail
    assert "title" not in detail  # the position's fields, not the case's
