"""``GET /api/assess``: the same JSON as the CLI, 422 for bad input."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from sarwatch.settings import Settings
from sarwatch.web.app import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    from sarwatch.geo.coast import default_cache_dir

    settings = Settings(home_dir=tmp_path_factory.mktemp("home"), cache_dir=default_cache_dir())
    return TestClient(create_app(settings))


def test_assess_returns_the_assessment(client: TestClient) -> None:
    r = client.get("/api/assess", params={"lat": 35.4, "lon": 12.6, "routes": False})
    assert r.status_code == 200
    d = r.json()
    assert d["srr"] == ["IT", "MT"]
    assert d["zone"] == "territorial_sea"
    assert d["nearest_coast_state"] == "IT"
    assert [x["srr_id"] for x in d["rccs"]] == ["IT", "MT"]


def test_places_of_safety_come_with_sea_routes(client: TestClient) -> None:
    r = client.get("/api/assess", params={"lat": 34.5, "lon": 14.0, "speed_kn": 12})
    assert r.status_code == 200
    places = r.json()["places_of_safety"]
    assert len([p for p in places if p["status"] == "eligible"]) == 5
    assert all(p["country"] != "LY" for p in places)
    for p in places:
        assert p["route"]["type"] == "LineString"
        assert p["eta_h"] == pytest.approx(p["sea_distance_nm"] / 12, abs=0.01)


def test_position_text_is_accepted(client: TestClient) -> None:
    r = client.get("/api/assess", params={"position": "33°12'N 012°30'E", "routes": False})
    assert r.status_code == 200
    assert r.json()["srr"] == ["LY"]


def test_on_land_is_an_answer_not_an_error(client: TestClient) -> None:
    r = client.get("/api/assess", params={"lat": 35.88, "lon": 14.44, "routes": False})
    assert r.status_code == 200
    d = r.json()
    assert d["on_land"] is True
    assert d["nearest_sea_point"] is not None


def test_outside_the_packaged_regions_is_an_answer_that_says_so(client: TestClient) -> None:
    r = client.get("/api/assess", params={"lat": 36.5, "lon": -4.4, "routes": False})  # off Málaga
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["on_land"] is False and d["srr"] == [] and d["rccs"] == []
    assert any("outside the packaged regions" in n for n in d["notes"])
    assert 5.0 < d["distance_to_coast_nm"] < 20.0


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"lat": 95, "lon": 12.5}, "less than or equal to 90"),
        ({"lat": "abc", "lon": 12.5}, "valid number"),
        ({"lat": 33.2}, "give lat and lon"),
        ({"position": "33.2N 12.5N"}, "two latitudes"),
        ({"lat": 33.2, "lon": 12.5, "speed_kn": 0}, "greater than 0"),
        # NaN was refused as "less than or equal to 90": say what is wrong with it
        ({"lat": "nan", "lon": 12.5}, "query.lat: Input should be a finite number"),
        ({"lat": 33.2, "lon": "inf"}, "query.lon: Input should be a finite number"),
        ({"lat": 33.2, "lon": 12.5, "speed_kn": "nan"}, "speed_kn: Input should be a finite"),
    ],
)
def test_bad_input_is_422_with_a_reason(
    client: TestClient, params: dict[str, object], fragment: str
) -> None:
    r = client.get("/api/assess", params={**params, "routes": False})
    assert r.status_code == 422
    assert fragment in r.text
