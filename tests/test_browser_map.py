# ruff: noqa: F811  (pytest fixtures imported from the harness are parameters here)
"""The operations map in a real headless Chromium: layers, assessment, night mode, tablet.

Screenshots of each view go to ``test-artifacts/screenshots/`` for a person to look at.
"""

from __future__ import annotations

import re

import numpy as np
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
    # distances in tenths of a mile and bearings in degrees true, as the CLI writes them
    bearing = re.fullmatch(r"\d+\.\d nm \(LY\), bears (\d{3})°T", distance)
    assert bearing and 135 <= int(bearing[1]) <= 225, distance  # the Libyan coast is south
    first = page.inner_text("[data-field='places'] tr[data-route='0'] td:nth-child(2)")
    assert re.fullmatch(r"\d+\.\d nm, bears \d{3}°T", first), first
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


@pytest.mark.parametrize(
    ("typed", "lat", "lon"),
    [
        ("33°12'N 012°30'E", 33.2, 12.5),
        ("33°12.0'N 012°30.0'E", 33.2, 12.5),
        ("33 12.0N 12 30.0E", 33.2, 12.5),
        ("N33 12.0 E012 30.0", 33.2, 12.5),
        ("35°29'40\"N 12°36'04\"E", 35 + 29 / 60 + 40 / 3600, 12 + 36 / 60 + 4 / 3600),
        ("33.2N 12.5E", 33.2, 12.5),
        ("33.2, 12.5", 33.2, 12.5),
        ("36.5 S 11.25 W", -36.5, -11.25),
        ("012°30'E 33°12'N", 33.2, 12.5),
        # decimal commas (Italy, Malta, Tunisia), read as sarwatch.geo.position reads them
        ("33,2N 12,5E", 33.2, 12.5),
        ("33°12,0'N 012°30,0'E", 33.2, 12.5),
        ("33,2 12,5", 33.2, 12.5),
        ("33,2; 12,5", 33.2, 12.5),
        ("33,2, 12,5", 33.2, 12.5),
        ("33.2,12.5", 33.2, 12.5),
        ("33,12", 33.0, 12.0),
        # run together (NMEA) and with dashes, as the CLI always read them (issue 9)
        ("3312N 01230E", 33.2, 12.5),
        ("33-12.5N 012-30.1E", 33 + 12.5 / 60, 12 + 30.1 / 60),
    ],
)
def test_positions_are_read_as_sailors_write_them(laptop, typed, lat, lon):
    """The page reads positions with the server's parser (GET /api/position)."""
    page = laptop.open("/")
    got = page.evaluate("(t) => window.sarwatch.parsePosition(t)", typed)
    assert got["lat"] == pytest.approx(lat, abs=1e-9)
    assert got["lon"] == pytest.approx(lon, abs=1e-9)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "no position given"),
        ("33°12'N", "found 1 coordinate"),
        ("33°72'N 012°30'E", "must be below 60"),
        ("95, 12", "latitude must lie between -90 and 90"),
        ("33°12'N 012°30'N", "two latitudes"),
        ("north of Lampedusa", "'north of Lampedusa' is not a position"),
        ("33,2,12,5", "could be decimal commas or the separator"),
        ("33,2 12", "reads two ways"),
    ],
)
def test_garbled_positions_are_refused_with_a_reason(laptop, typed, message):
    """The page shows the server parser's reason (the CLI's words, one parser)."""
    page = laptop.open("/")
    error = page.evaluate(
        "async (t) => { try { await window.sarwatch.parsePosition(t); return ''; }"
        " catch (e) { return e.message; } }",
        typed,
    )
    assert message in error


def test_degrees_minutes_round_trip(laptop):
    """formatDM then parsePosition returns the position within the printed precision."""
    page = laptop.open("/")
    rng = np.random.default_rng(7)
    points = np.column_stack([rng.uniform(-89.9, 89.9, 300), rng.uniform(-179.9, 179.9, 300)])
    points = np.vstack([points, [[0.0, 0.0], [33.99999999, 12.99999999], [-0.0001, -0.0001]]])
    back = page.evaluate(
        "(pts) => Promise.all(pts.map(async ([la, lo]) => {"
        " const s = window.sarwatch.formatDM(la, lo);"
        " const p = await window.sarwatch.parsePosition(s); return [s, p.lat, p.lon]; }))",
        points.tolist(),
    )
    for (lat, lon), (text, lat2, lon2) in zip(points, back, strict=True):
        # 0.001 minute is 1/60000 degree; rounding is at most half of that.
        assert lat2 == pytest.approx(lat, abs=1e-5), text
        assert lon2 == pytest.approx(lon, abs=1e-5), text
        assert re.fullmatch(r"\d\d°\d\d\.\d{3}'[NS] \d{3}°\d\d\.\d{3}'[EW]", text), text


def test_utc_times_are_typed_without_ambiguity(laptop):
    page = laptop.open("/")
    iso = page.evaluate("window.sarwatch.inputToISO('2026-11-23 04:10')")
    assert iso == "2026-11-23T04:10:00Z"
    error = page.evaluate(
        "(() => { try { window.sarwatch.inputToISO('23/11/2026 4:10 PM'); return ''; }"
        " catch (e) { return e.message; } })()"
    )
    assert "YYYY-MM-DD HH:MM" in error


def _typed(page, text: str) -> str:
    """``inputToISO(text)``, or the message it refuses ``text`` with."""
    return page.evaluate(
        "t => { try { return window.sarwatch.inputToISO(t); } catch (e) { return e.message; } }",
        text,
    )


UTC_SPELLINGS = (
    "2026-12-07 03:10 UTC",
    "2026-12-07 03:10utc",
    "2026-12-07T03:10Z",
    "2026-12-07 03:10 Z",
    "2026-12-07 03:10:00 UTC",
    "2026-12-07T03:10:00+00:00",
    "2026-12-07 03:10 +0000",
    "  2026-12-07 03:10 UTC  ",
)


def test_a_time_copied_with_its_utc_zone_is_taken(laptop):
    # Times read off a sat-phone message carry their zone; UTC in any common spelling is UTC.
    page = laptop.open("/")
    for text in UTC_SPELLINGS:
        assert _typed(page, text) == "2026-12-07T03:10:00Z", text


def test_another_zone_is_refused_with_a_message_that_says_to_give_utc(laptop):
    page = laptop.open("/")
    offset = _typed(page, "2026-12-07 05:10 +02:00")
    assert "not in UTC" in offset and "2026-12-07 03:10 UTC" in offset, offset
    for text in ("2026-12-07 03:10 CET", "2026-12-07 03:10 local", "2026-12-07 03:10 UTC+2"):
        message = _typed(page, text)
        assert "is not UTC" in message and "give the time in UTC" in message, message
    # a day or an hour past its end does not roll over into the next one
    for text in ("2026-02-30 03:10", "2026-12-07 24:00 UTC"):
        assert "not a real date" in _typed(page, text), text


def test_no_coast_within_the_search_radius_is_not_shown_as_zero(laptop):
    # Mid-Atlantic west of the Azores, outside the packaged regions: the server finds no
    # coast within its 60 nm search radius and sends a null distance, not 0.
    page = laptop.open("/")
    page.fill("#assess-form input[name='position']", "37 00.0N 035 00.0W")
    page.click("#assess-form button[type='submit']")
    page.wait_for_selector("#assessment[data-state='done']", timeout=60_000)
    assert page.inner_text("[data-field='distance']") == "more than 60 nm"
    notes = page.inner_text("[data-field='notes']")
    assert "outside the packaged regions" in notes
    assert "high seas" in page.inner_text("[data-field='zone']")
    laptop.screenshot("assessment-outside-the-packaged-regions")
