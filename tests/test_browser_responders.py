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


def test_the_tab_names_the_vessels_left_out_and_land_between(laptop: Page, server, token):
    """South of Lampedusa with a live picture fed by `sarwatch ais ingest`: a ship north
    of the island gets the detour line, and a report 8 h old is named as left out."""
    import os
    import subprocess
    import sys

    now = datetime.now(UTC).replace(microsecond=0)
    csv = server.home / "near-lampedusa.csv"
    csv.write_text(
        "mmsi,time,lat,lon,sog,cog\n"
        f"247000003,{_iso(timedelta(minutes=-2))},35.56,12.55,0,\n"
        f"247000004,{_iso(timedelta(hours=-8))},35.0,12.6,10,0\n"
        # north of Linosa, heading south at 12 kn: its course since would cross the island
        f"247000005,{_iso(timedelta(minutes=-30))},35.90,12.865,12,180\n"
    )
    env = dict(os.environ, SARWATCH_HOME_DIR=str(server.home))
    done = subprocess.run(
        [sys.executable, "-m", "sarwatch", "ais", "ingest", "--csv", "generic", str(csv)],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    status, case = server.request(
        "POST",
        "/api/cases",
        {
            "title": "rubber boat south of Lampedusa",
            "alert_time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "position": {
                "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "lat": 35.2, "lon": 12.6,
                "kind": "gps", "source": {"name": "Alarm Phone"},
            },
        },
        token,
    )  # fmt: skip
    assert status == 201, case
    page = laptop.open("/", token=token)
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    page.click(".sw-tabs button[data-tab='cases']")
    page.click(f"#case-list button[data-case-id='{case['case_id']}']", timeout=15_000)
    page.click(".sw-tabs button[data-tab='responders']")
    page.wait_for_selector("#responders-list [data-mmsi='247000003']", timeout=30_000)
    left = page.inner_text("[data-field='left-out']")
    assert "1 with reports older than 6 h" in left
    land = page.inner_text("#responders-list [data-mmsi='247000003'] [data-field='land-between']")
    assert land.startswith("Land between: sea route") and land.endswith("min, in the ETAs")
    # the ETA says it is by sea route, as the command line's "via sea"
    basis = page.inner_text("#responders-list [data-mmsi='247000003'] [data-field='eta-basis']")
    assert basis == "by sea route"
    note = page.inner_text("#responders-list [data-mmsi='247000005'] [data-field='vessel-note']")
    assert "across land" in note, note
    assert laptop.errors == []
