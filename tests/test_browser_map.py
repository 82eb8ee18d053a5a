# ruff: noqa: F811  (pytest fixtures imported from the harness are parameters here)
"""The operations map in a real headless Chromium: layers, assessment, night mode, tablet.

Screenshots of each view go to ``test-artifacts/screenshots/`` for a person to look at.
"""

from __future__ import annotations

import re

import pytest

from _browser import TABLET, Page, browser, laptop, server  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DEMO_LAT, DEMO_LON = 33.2, 12.5  # 33°12'N 012°30'E, a distress position off Tripolitania
HIGH_SEAS_LAT, HIGH_SEAS_LON = 34.0, 13.0  # ~66 nm off Libya, in the Libyan SRR


def test_page_shows_the_offline_base_map(laptop):
    page = laptop.open("/")
    page.wait_for_function(
        "() => { const d = document.getElementById('map').dataset;"
        " return d.ready === '1' && d.srr && d.zones; }",
        timeout=30_000,
    )
    dataset = page.evaluate("({...document.getElementById('map').dataset})")
    assert int(dataset["srr"]) >= 4
    assert int(dataset["zones"]) == 2
    assert page.locator("path.sw-land").count() >= 1
    assert page.locator("path.sw-srr").count() >= 4
    assert page.locator("path.sw-srr-overlap").count() >= 3, "SRR overlaps must be visible"
    assert page.locator("path.sw-zone-12").count() >= 1
    assert page.locator("path.sw-zone-24").count() >= 1
    # The UTC clock is labelled.
    assert re.fullmatch(r"\d\d:\d\d:\d\d UTC", page.inner_text("#clock"))
    # Nothing comes from outside this server: no CDN, no tiles.
    foreign = [u for u in laptop.requests if not u.startswith(laptop.server.url)]
    assert foreign == []
    assert laptop.errors == []
    laptop.screenshot("map-overview")

    # Zooming in loads a finer coastline clipped to the view.
    page.evaluate("window.sarwatch.map.setView([35.5, 12.6], 10, {animate: false})")
    page.wait_for_function(
        "() => document.getElementById('map').dataset.coastLevel === '4'", timeout=20_000
    )
    assert any("zoom=10&bbox=" in u for u in laptop.requests)
    laptop.screenshot("map-lampedusa-zoom10")


def test_cursor_position_in_degrees_and_minutes_or_decimal(laptop):
    page = laptop.open("/")
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    text = page.inner_text("#cursor")
    assert re.fullmatch(r"\d\d°\d\d\.\d{3}'[NS] \d{3}°\d\d\.\d{3}'[EW]", text), text
    page.check("#decimal-toggle")
    page.mouse.move(box["x"] + box["width"] / 2 + 3, box["y"] + box["height"] / 2)
    assert re.fullmatch(r"-?\d+\.\d{5}, -?\d+\.\d{5}", page.inner_text("#cursor"))


def test_night_mode_and_tablet_layout(browser, server):
    tablet = Page(browser, server, TABLET)
    try:
        page = tablet.open("/")
        page.wait_for_function("() => document.getElementById('map').dataset.ready === '1'")
        map_box = page.locator("#map").bounding_box()
        panel_box = page.locator("#panel").bounding_box()
        assert panel_box["y"] >= map_box["y"] + map_box["height"] - 1, "panel below the map"
        assert panel_box["width"] == pytest.approx(TABLET["width"], abs=2)
        tablet.screenshot("map-tablet")
        day = page.evaluate("getComputedStyle(document.body).backgroundColor")
        page.click("#night-toggle")
        night = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert night != day
        assert page.get_attribute("#night-toggle", "aria-pressed") == "true"
        tablet.screenshot("map-tablet-night")
        # Remembered on reload.
        page.reload()
        page.wait_for_selector("body.night")
    finally:
        tablet.close()


def test_click_at_sea_shows_the_assessment(laptop):
    laptop.server.require(
        "GET", f"/api/assess?lat={DEMO_LAT}&lon={DEMO_LON}", "the assessment API (issue 2)"
    )
    page = laptop.open("/")
    laptop.click_sea(HIGH_SEAS_LAT, HIGH_SEAS_LON)
    page.wait_for_selector("#assessment[data-state='done']", timeout=60_000)
    text = page.inner_text("#assessment")
    assert page.inner_text("[data-field='srr']").startswith("LY")
    assert "high seas" in page.inner_text("[data-field='zone']")
    distance = page.inner_text("[data-field='distance']")
    assert re.match(r"\d+\.\d nm \(LY\)", distance), distance
    assert 55 < float(distance.split()[0]) < 75
    shown = page.inner_text("[data-field='position']")
    m = re.fullmatch(r"(\d\d)°(\d\d\.\d{3})'N (\d{3})°(\d\d\.\d{3})'E", shown)
    assert m, shown
    lat = int(m[1]) + float(m[2]) / 60
    lon = int(m[3]) + float(m[4]) / 60
    assert lat == pytest.approx(HIGH_SEAS_LAT, abs=0.01)
    assert lon == pytest.approx(HIGH_SEAS_LON, abs=0.01)
    assert "Verify before use" in text
    assert page.locator("[data-field='places'] tr[data-route]").count() >= 1
    assert page.locator("path.sw-route").count() >= 1
    # Libya is never offered as a place of safety under the default policy; it is listed
    # among the excluded ports with the reason.
    assert "(LY)" not in page.inner_text("[data-field='places']")
    assert "(LY)" in page.inner_text("[data-field='excluded']")
    laptop.screenshot("assessment-high-seas-libyan-srr")


def test_typed_position_in_sailors_notation_is_assessed(laptop):
    laptop.server.require(
        "GET", f"/api/assess?lat={DEMO_LAT}&lon={DEMO_LON}", "the assessment API (issue 2)"
    )
    page = laptop.open("/")
    page.fill("#assess-form input[name='position']", "33 12.0N 012 30.0E")
    page.click("#assess-form button[type='submit']")
    page.wait_for_selector("#assessment[data-state='done']", timeout=30_000)
    assert page.inner_text("[data-field='position']") == "33°12.000'N 012°30.000'E"
