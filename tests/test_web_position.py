"""``GET /api/position``: the map page reads positions with the server's one parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.geo.position import format_position, parse_position
from sarwatch.settings import Settings
from sarwatch.web.app import create_app

FRONTEND = Path(__file__).resolve().parents[1] / "src" / "sarwatch" / "web" / "frontend" / "src"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    home = tmp_path_factory.mktemp("position")
    return TestClient(create_app(Settings(home_dir=home, database_url="memory://")))


@pytest.mark.parametrize(
    ("typed", "lat", "lon"),
    [
        # the two forms the page used to refuse while the CLI read them (issue 9)
        ("3312N 01230E", 33.2, 12.5),
        ("33-12.5N 012-30.1E", 33 + 12.5 / 60, 12 + 30.1 / 60),
        ("33°12'N 012°30'E", 33.2, 12.5),
        ("33,2; 12,5", 33.2, 12.5),
        ("36.5 S 11.25 W", -36.5, -11.25),
    ],
)
def test_the_endpoint_reads_what_the_cli_reads(client: TestClient, typed, lat, lon) -> None:
    r = client.get("/api/position", params={"text": typed})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["lat"], body["lon"]) == pytest.approx((lat, lon), abs=1e-9)
    assert body["text"] == format_position(body["lon"], body["lat"])


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "no position given"),
        ("33°72'N 012°30'E", "must be below 60"),
        ("33,2 12", "reads two ways"),
        ("95, 12", "between -90 and 90"),
    ],
)
def test_a_refusal_carries_the_parser_s_reason(client: TestClient, typed, reason) -> None:
    r = client.get("/api/position", params={"text": typed})
    assert r.status_code == 422
    assert r.json()["error"] == "InputError" and reason in r.json()["detail"]


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(-89.999, 89.999),
    lon=st.floats(-179.999, 179.999),
    style=st.sampled_from(["dm", "dms", "decimal"]),
)
def test_the_endpoint_is_the_parser(client: TestClient, lat: float, lon: float, style) -> None:
    text = format_position(lon, lat, style=style)
    r = client.get("/api/position", params={"text": text})
    assert r.status_code == 200, r.text
    assert (r.json()["lon"], r.json()["lat"]) == parse_position(text)


def test_the_page_has_no_grammar_of_its_own() -> None:
    """parsePosition in the page asks the server; no second grammar to drift apart."""
    common = (FRONTEND / "common.js").read_text(encoding="utf-8")
    assert "/api/position?text=" in common
    for path in FRONTEND.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert "[NSEW]" not in text, f"{path.name} parses hemispheres itself"
