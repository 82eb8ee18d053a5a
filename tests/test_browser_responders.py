# ruff: noqa: F811  (pytest fixtures imported from the harness are parameters here)
"""The Responders tab in a real headless Chromium: the vessels layer is on the map's layer
control, and for the case selected in the Cases tab the tab names the target (here the
last position, the case having no drift run) and says the AIS picture is empty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from _browser import Page, browser, laptop, make_token, server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def token(server):
    server.require("GET", "/api/me", "the cases API with tokens (issue 4)")
    server.require("GET", "/api/vessels", "the live AIS picture (issue 12)")
    return make_token(server, "rita", "coordinator")


def _iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_responders_tab_ranks_against_the_selected_case(laptop: Page, server, token):
    status, case = server.request(
        "POST",
        "/api/cases",
        {
            "title": "rubber boat, responders",
            "alert_time": _iso(timedelta(minutes=-20)),
            "position": {
                "time": _iso(timedelta(minutes=-20)), "lat": 34.2, "lon": 12.6,
                "kind": "gps", "source": {"name": "Alarm Phone"},
            },
        },
        token,
    )  # fmt: skip
    assert status == 201, case
    page = laptop.open("/", token=token)
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    assert "Vessels (AIS)" in (page.text_content(".leaflet-control-layers") or "")
    page.click(".sw-tabs button[data-tab='cases']")
    page.click(f"#case-list button[data-case-id='{case['case_id']}']", timeout=15_000)
    page.click(".sw-tabs button[data-tab='responders']")
    page.wait_for_selector("[data-field='responders-cloud'][data-source]", timeout=30_000)
    assert page.get_attribute("#tab-responders", "data-active") == "1"
    cloud = page.inner_text("[data-field='responders-cloud']")
    assert "Target: the last known position" in cloud and "no drift run attached" in cloud
    assert "Ranked against the last known position" in cloud
    assert case["case_id"] in page.inner_text("[data-field='responders-case']")
    assert "No vessels in the live AIS picture" in page.inner_text("#responders-list")
    state = page.inner_text("[data-field='vessels-state']")
    assert state.startswith("0 vessels in view (AIS, as of")
    assert not page.is_disabled("#responders-attach")
    page.click("#responders-attach")
    page.wait_for_selector("#toast:has-text('AIS picture SHA-256')", timeout=30_000)
    assert laptop.errors == []
    laptop.screenshot("responders-tab")
