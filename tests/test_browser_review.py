# ruff: noqa: F811  (pytest fixtures imported from the harness are parameters here)
"""The map page as a coordinator and an observer meet it at night on a small screen, in a
real headless Chromium: errors that stay where the form is, no double attachment, no
stale plan shown as the answer, every tab reachable at 1024 x 700, a quiet console."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from _browser import (  # noqa: F401 (fixtures)
    Page,
    browser,
    iso_from_now,
    laptop,
    make_token,
    open_case_at_sea,
    server,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SMALL_LAPTOP = {"width": 1024, "height": 700}
VECTORS = Path(__file__).resolve().parent / "vectors" / "bundles"


@pytest.fixture(scope="module")
def tokens(server):
    server.require("GET", "/api/me", "the cases API with tokens (issue 4)")
    return {
        "coordinator": make_token(server, "rita", "coordinator"),
        "observer": make_token(server, "otto", "observer"),
    }


def _select(page, case_id: str) -> None:
    page.click(".sw-tabs button[data-tab='cases']")
    page.click(f"#case-list button[data-case-id='{case_id}']", timeout=15_000)
    page.wait_for_selector("#case-detail [data-field='case-id']", timeout=15_000)


def test_a_signed_out_page_logs_no_error(laptop):
    # A failed request is a console error: the signed-out page asked for the cases (401)
    # and every page for a favicon the station does not serve (404).
    logged: list[str] = []
    laptop.page.on("console", lambda m: logged.append(m.text) if m.type == "error" else None)
    for path in ("/", "/public", "/verify"):
        page = laptop.page
        if path == "/verify":
            page.goto(laptop.server.url + path)
            page.wait_for_selector("#verdict")
        else:
            laptop.open(path)
        page.wait_for_timeout(500)
    assert logged == [], logged
    assert laptop.errors == []


def test_every_tab_is_reachable_on_a_small_laptop(browser, server):
    small = Page(browser, server, SMALL_LAPTOP)
    try:
        page = small.open("/")
        panel = page.locator("#panel").bounding_box()
        tabs = page.locator(".sw-tabs button")
        names = tabs.all_inner_texts()
        assert "Responders" in names and "Monitor" in names, names
        for i in range(tabs.count()):
            box = tabs.nth(i).bounding_box()
            assert box["x"] >= panel["x"] - 0.5, names[i]
            assert box["x"] + box["width"] <= panel["x"] + panel["width"] + 0.5, names[i]
        page.click(".sw-tabs button[data-tab='responders']")
        assert page.locator("#tab-responders").is_visible()
        small.screenshot("review-small-laptop-tabs")
    finally:
        small.close()


def test_a_refused_drift_run_keeps_its_reason_and_what_was_typed(laptop, tokens):
    page = laptop.open("/", token=tokens["coordinator"])
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    page.click(".sw-tabs button[data-tab='drift']")
    form = page.locator("#drift-form")
    form.locator("[name=position]").fill("37 30N 14 12E")  # inland Sicily
    form.locator("[name=hours]").fill("6")
    form.locator("button[type=submit]").click()
    error = form.locator("[data-field='form-error']")
    error.wait_for(timeout=60_000)
    # The reason stays in the tab (a toast fades after 9 s), the position stays typed.
    assert "on land" in error.inner_text(), error.inner_text()
    assert form.locator("[name=position]").input_value() == "37 30N 14 12E"
    assert page.inner_text("#drift-progress") == "not started"
    # An impossible time is refused at submit, not thrown in the console while typing.
    form.locator("[name=time]").fill("2026-13-45 99:00")
    form.locator("[name=time]").dispatch_event("change")
    page.wait_for_timeout(800)
    assert laptop.errors == []
    form.locator("button[type=submit]").click()
    page.wait_for_function(
        "() => /not a real date/.test(document.querySelector("
        "'#drift-form [data-field=form-error]').textContent)",
        timeout=30_000,
    )
    laptop.screenshot("review-drift-refused")


def test_a_refused_report_says_why_until_the_next_try(laptop, tokens):
    server = laptop.server
    case_id = open_case_at_sea(server, tokens["coordinator"], "Report refused then recorded")
    page = laptop.open("/", token=tokens["coordinator"])
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    _select(page, case_id)
    page.click("#report-box summary")
    form = page.locator("#report-form")
    form.locator("[name=position]").fill("north of Lampedusa")
    form.locator("[name=source]").fill("Alarm Phone")
    form.locator("button[type=submit]").click()
    error = form.locator("[data-field='form-error']")
    error.wait_for(timeout=30_000)
    text = error.inner_text()
    assert "is not a position" in text and "33 12.0N 12 30.0E" in text, text  # how to write it
    assert form.locator("[name=source]").input_value() == "Alarm Phone"
    form.locator("[name=position]").fill("33 40N 12 55E")
    form.locator("button[type=submit]").click()
    page.wait_for_function(
        "() => /Position report added/.test(document.getElementById('toast').textContent)",
        timeout=30_000,
    )
    assert not error.is_visible()
    _, case = server.request("GET", f"/api/cases/{case_id}", token=tokens["coordinator"])
    assert len(case["positions"]) == 2


def test_a_double_click_attaches_an_assessment_once(laptop, tokens):
    server = laptop.server
    case_id = open_case_at_sea(server, tokens["coordinator"], "Assessment attached once")
    page = laptop.open("/", token=tokens["coordinator"])
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    _select(page, case_id)
    laptop.click_sea(33.5, 12.8)
    page.wait_for_selector("#assessment[data-state='done']", timeout=60_000)
    page.dblclick(f"#assessment button:has-text('Attach this assessment to case {case_id}')")
    page.wait_for_selector(f"#assessment button:has-text('Attached to case {case_id}')")
    page.wait_for_timeout(1500)  # a second request, had one been sent, has landed by now
    _, case = server.request("GET", f"/api/cases/{case_id}", token=tokens["coordinator"])
    kinds = [a["kind"] for a in case["attachments"]]
    assert kinds.count("assessment") == 1, kinds


def test_a_refused_plan_does_not_pass_for_the_answer(laptop, tokens):
    page = laptop.open("/", token=tokens["coordinator"])
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    page.click(".sw-tabs button[data-tab='plan']")
    page.fill("#plan-form input[name='position']", "34 37.2N 12 28.8E")
    page.click("#plan-form button[type='submit']")
    page.wait_for_selector("#plan-result[data-state='done']", state="attached", timeout=60_000)
    # The on-scene times are UTC like every time of the page, and say so.
    assert "on scene (UTC)" in page.inner_text("#plan-result thead")
    assert page.locator("[data-field='plan-stale']").count() == 0
    page.fill("#plan-units input[name='speed_kn']", "0")
    page.click("#plan-form button[type='submit']")
    page.wait_for_selector("#plan-result[data-state='error']", state="attached", timeout=60_000)
    assert "speed_kn" in page.inner_text("#plan-error")
    # The field the refusal names is marked, and the cursor is in it.
    speed = page.locator("#plan-units fieldset:nth-of-type(1) input[name='speed_kn']")
    assert speed.get_attribute("aria-invalid") == "true"
    assert speed.evaluate("(el) => el === document.activeElement")
    stale = page.locator("#plan-result [data-field='plan-stale']")
    assert stale.count() == 1 and "previous" in stale.inner_text()
    page.fill("#plan-units input[name='speed_kn']", "150")
    page.click("#plan-form button[type='submit']")
    page.wait_for_selector("#plan-result[data-state='done']", state="attached", timeout=60_000)
    assert page.locator("[data-field='plan-stale']").count() == 0
    assert page.locator("#plan-form [aria-invalid='true']").count() == 0


def test_an_observer_is_not_offered_a_bundle_download_that_is_refused(laptop, tokens):
    server = laptop.server
    case_id = open_case_at_sea(server, tokens["coordinator"], "Bundle for coordinators only")
    page = laptop.open("/", token=tokens["observer"])
    page.wait_for_selector("#role[data-role='observer']", timeout=10_000)
    _select(page, case_id)
    downloads = page.locator("#case-downloads")
    assert downloads.locator("a[data-download='bundle']").count() == 0
    assert "coordinators only" in downloads.inner_text()
    # The reconstruction stays (an observer may read it).
    assert downloads.locator("a[data-download='reconstruction-html']").count() == 1
    # Signing in as a coordinator on the same page brings the link.
    page.fill("#token-input", tokens["coordinator"])
    page.click("#token-form button[type='submit']")
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    page.wait_for_selector("#case-downloads a[data-download='bundle']", timeout=15_000)


def test_the_scale_bar_gives_nautical_miles_at_the_maps_true_scale(laptop):
    page = laptop.open("/")
    for zoom in (6, 9, 13):
        page.evaluate(f"window.sarwatch.map.setView([35.5, 12.6], {zoom}, {{animate: false}})")
        line = page.locator(".leaflet-control-scale-line[data-nm]")
        nm = float(line.get_attribute("data-nm"))
        assert line.inner_text() == f"{line.get_attribute('data-nm')} nm"
        width_px = line.bounding_box()["width"]
        # The metres the bar spans on the map, measured with Leaflet's own distance.
        metres = page.evaluate(
            f"""(() => {{ const m = window.sarwatch.map, y = m.getSize().y / 2;
                 return m.distance(m.containerPointToLatLng([0, y]),
                                   m.containerPointToLatLng([{width_px}, y])); }})()"""
        )
        assert metres / 1852 == pytest.approx(nm, rel=0.03), (zoom, nm, metres)


def test_a_click_on_land_offers_the_nearest_sea_point(laptop, tokens):
    page = laptop.open("/", token=tokens["coordinator"])
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    laptop.click_sea(37.5, 14.2)  # inland Sicily
    page.wait_for_selector("#assessment[data-state='done']", timeout=60_000)
    assert "on land" in page.inner_text("#assessment [data-field='on_land']")
    assert page.locator("#map path.sw-sea-point").count() == 1
    sea = page.locator("#assessment button[data-action='assess-sea-point']")
    lat, lon = float(sea.get_attribute("data-lat")), float(sea.get_attribute("data-lon"))
    sea.focus()
    page.keyboard.press("Enter")  # the keyboard reaches it
    page.wait_for_function(
        "() => document.querySelector('#assessment[data-state=done] [data-field=zone]')"
        " && !document.querySelector('#assessment [data-field=on_land]')",
        timeout=60_000,
    )
    zone = page.inner_text("#assessment [data-field='zone']")
    assert "internal waters or land" not in zone, zone
    # The drift form takes it as its start, read back by the page's parser.
    laptop.click_sea(37.5, 14.2)
    page.wait_for_selector("#assessment button[data-action='drift-sea-point']", timeout=60_000)
    page.click("#assessment button[data-action='drift-sea-point']")
    assert page.locator("#tab-drift").is_visible()
    typed = page.input_value("#drift-form input[name='position']")
    read = page.evaluate("(text) => window.sarwatch.parsePosition(text)", typed)
    assert read["lat"] == pytest.approx(lat, abs=1e-4)
    assert read["lon"] == pytest.approx(lon, abs=1e-4)


def test_no_answer_from_the_station_is_said_in_words(laptop, tokens):
    page = laptop.open("/", token=tokens["coordinator"])
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    page.click(".sw-tabs button[data-tab='plan']")
    page.fill("#plan-form input[name='position']", "34 37.2N 12 28.8E")
    page.route("**/api/plan", lambda route: route.abort("internetdisconnected"))
    page.click("#plan-form button[type='submit']")
    page.wait_for_selector("#plan-result[data-state='error']", state="attached", timeout=60_000)
    message = page.inner_text("#plan-error")
    assert "No answer from the station" in message and "Failed to fetch" not in message


def test_an_unreadable_typed_position_is_answered_beside_the_field(laptop):
    page = laptop.open("/")
    page.fill("#assess-form input[name='position']", "33.2N")
    page.click("#assess-form button[type='submit']")
    error = page.locator("#assess-form [data-field='form-error']")
    error.wait_for(timeout=30_000)
    assert "33°12'N 012°30'E" in error.inner_text(), error.inner_text()
    assert page.input_value("#assess-form input[name='position']") == "33.2N"


def test_an_empty_sign_in_keeps_the_session_and_sign_out_is_explicit(laptop, tokens):
    page = laptop.open("/", token=tokens["coordinator"])
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    page.click("#token-form button[type='submit']")  # nothing typed
    page.wait_for_function(
        "() => /Paste your API token/.test(document.getElementById('toast').textContent)"
    )
    assert page.get_attribute("#role", "data-role") == "coordinator"
    assert page.evaluate("localStorage.getItem('sarwatch.token')") == tokens["coordinator"]
    page.click("#sign-out")
    page.wait_for_selector("#role[data-role='none']", timeout=10_000)
    assert page.evaluate("localStorage.getItem('sarwatch.token')") is None
    assert page.locator("#sign-out").is_hidden()
    page.click(".sw-tabs button[data-tab='cases']")
    page.wait_for_selector("#case-list [data-field='sign-in-help']", timeout=10_000)
    assert page.inner_text("#feed-state") == "feed: sign in"


def test_a_unit_added_by_mistake_can_be_removed(laptop, tokens):
    page = laptop.open("/", token=tokens["coordinator"])
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    page.click(".sw-tabs button[data-tab='plan']")
    page.fill("#plan-form input[name='position']", "34 37.2N 12 28.8E")
    page.click("#plan-add-unit")
    page.click("#plan-add-unit")
    assert page.locator("#plan-units fieldset").count() == 3
    assert page.locator("#plan-units fieldset:nth-of-type(1) .sw-unit-remove").count() == 0
    page.click("#plan-units fieldset:nth-of-type(2) .sw-unit-remove")
    assert page.locator("#plan-units fieldset").count() == 2
    page.click("#plan-form button[type='submit']")
    page.wait_for_selector("#plan-result[data-state='done']", state="attached", timeout=60_000)
    rows = page.locator("#plan-result tbody tr")
    assert [rows.nth(i).get_attribute("data-unit") for i in range(rows.count())] == [
        "Seagull",
        "Unit3",
    ]


def test_a_report_from_the_feed_does_not_overwrite_a_typed_drift_start(laptop, tokens):
    server = laptop.server
    case_id = open_case_at_sea(server, tokens["coordinator"], "Typed drift start kept")
    page = laptop.open("/", token=tokens["coordinator"])
    page.wait_for_selector("#feed-state[data-state='live']", timeout=15_000)
    _select(page, case_id)
    start = "#drift-form input[name='position']"
    assert page.input_value(start) == "33°36.000'N 012°54.000'E"  # the case's position, offered
    page.click(".sw-tabs button[data-tab='drift']")
    page.fill(start, "34 00N 13 00E")
    status, answer = server.request(
        "POST", f"/api/cases/{case_id}/reports",
        {"time": iso_from_now(timedelta(minutes=-5)), "lat": 33.7, "lon": 12.8, "kind": "gps",
         "source": {"name": "Alarm Phone"}},
        tokens["coordinator"],
    )  # fmt: skip
    assert status in (200, 201), answer
    page.wait_for_function(
        "() => /Positions \\(2\\)/.test(document.getElementById('case-detail').textContent)",
        timeout=30_000,
    )
    assert page.input_value(start) == "34 00N 13 00E"
    # Choosing the case again in the list is a choice: then its latest position is offered.
    other = open_case_at_sea(server, tokens["coordinator"], "Another case")
    page.click(".sw-tabs button[data-tab='cases']")
    page.click(f"#case-list button[data-case-id='{other}']", timeout=15_000)
    assert page.input_value(start) == "33°36.000'N 012°54.000'E"


def test_untouched_time_fields_follow_the_clock_and_typed_ones_stay(laptop, tokens):
    loaded = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    laptop.page.clock.install(time=loaded)
    page = laptop.open("/", token=tokens["coordinator"])
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    opened = "#open-case-form input[name='time']"
    typed = "#report-form input[name='time']"
    assert page.input_value(opened) == "2026-11-23 01:00"
    page.click(".sw-tabs button[data-tab='cases']")
    page.click("#report-box summary")
    page.fill(typed, "2026-11-23 00:40")
    page.locator(typed).blur()
    page.clock.fast_forward("02:05:00")  # the page left open for two hours
    page.wait_for_function(
        f"() => document.querySelector(\"{opened}\").value === '2026-11-23 03:05'", timeout=5_000
    )
    assert page.input_value(typed) == "2026-11-23 00:40"


def test_the_verify_timeline_is_readable_on_a_small_laptop(browser, server):
    small = Page(browser, server, SMALL_LAPTOP)
    try:
        page = small.page
        page.goto(server.url + "/verify")
        page.set_input_files("#bundle-file", str(VECTORS / "intact-v2.zip"))
        page.wait_for_selector("body[data-verified='1']", state="attached", timeout=20_000)
        # Lines each cell of the first four columns is drawn on (a Range's client rects).
        lines = page.evaluate(
            """() => [...document.querySelectorAll('#timeline tbody tr')].flatMap((tr) =>
                 [...tr.cells].slice(0, 4).map((td) => {
                   const r = document.createRange(); r.selectNodeContents(td);
                   return [td.textContent, r.getClientRects().length]; }))"""
        )
        assert lines and all(n == 1 for _, n in lines), [x for x in lines if x[1] != 1]
        table = page.locator("#timeline").bounding_box()
        assert table["x"] + table["width"] <= SMALL_LAPTOP["width"]
        small.screenshot("review-verify-small-laptop")
    finally:
        small.close()


def test_no_open_case_points_to_the_closed_ones(laptop, tokens):
    # The demo case is closed: a coordinator signing in saw "No open cases." and no way on.
    laptop.page.route(
        "**/api/cases?status=*",
        lambda route: route.fulfill(status=200, content_type="application/json", body="[]"),
    )
    page = laptop.open("/", token=tokens["coordinator"])
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    page.click(".sw-tabs button[data-tab='cases']")
    hint = page.locator("#case-list [data-field='no-open-cases']")
    assert "also show closed cases" in hint.inner_text()
    page.check("#show-closed")
    page.wait_for_selector("#case-list button[data-case-id]", timeout=15_000)


def test_the_public_list_survives_a_dropped_link(laptop):
    laptop.page.clock.install(time=datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
    page = laptop.open("/public")
    page.wait_for_selector("#public-list[data-state='loaded']", state="attached", timeout=15_000)
    shown = page.inner_text("#public-list")
    assert "2018-03-15-LY-001" in shown  # the demo case, closed: public
    assert page.inner_text("[data-field='public-state']") == "As of 2026-11-23 01:00 UTC."
    page.route("**/api/public/cases", lambda route: route.abort("internetdisconnected"))
    page.clock.fast_forward("01:01")
    page.wait_for_selector("[data-field='public-state'][data-state='stale']", timeout=10_000)
    state = page.inner_text("[data-field='public-state']")
    assert "As of 2026-11-23 01:00 UTC" in state and "did not answer" in state, state
    assert page.inner_text("#public-list") == shown


def test_the_case_list_survives_a_dropped_link(laptop, tokens):
    server = laptop.server
    case_id = open_case_at_sea(server, tokens["coordinator"], "Still shown without a link")
    page = laptop.open("/", token=tokens["coordinator"])
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    page.click(".sw-tabs button[data-tab='cases']")
    button = f"#case-list button[data-case-id='{case_id}']"
    page.wait_for_selector(button, timeout=15_000)
    markers = page.locator("#map path.sw-case-pos").count()
    assert markers >= 1
    page.route("**/api/cases?*", lambda route: route.abort("internetdisconnected"))
    page.check("#show-closed")  # asks the station again
    note = page.locator("#case-list [data-field='cases-stale']")
    note.wait_for(timeout=15_000)
    assert "did not answer" in note.inner_text() and "UTC" in note.inner_text()
    assert page.locator(button).count() == 1
    assert page.locator("#map path.sw-case-pos").count() == markers
    page.unroute("**/api/cases?*")
    page.uncheck("#show-closed")
    page.wait_for_selector("#case-list [data-field='cases-stale']", state="detached")
    assert page.locator(button).count() == 1


def test_a_positions_uncertainty_and_note_are_shown_with_it(laptop, tokens):
    server = laptop.server
    when = iso_from_now(timedelta(minutes=-40))
    status, case = server.request(
        "POST", "/api/cases",
        {"title": "Uncertain position", "alert_time": when, "position": {
            "time": when, "lat": 33.9, "lon": 12.9, "kind": "estimate", "uncertainty_nm": 10,
            "note": "APPROXIMATE: about 73 miles off the coast",
            "source": {"name": "Alarm Phone"}}},
        tokens["coordinator"],
    )  # fmt: skip
    assert status == 201, case
    page = laptop.open("/", token=tokens["coordinator"])
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    _select(page, case["case_id"])
    row = page.locator("#case-detail table[data-field='positions'] tr").first
    assert row.locator("[data-field='uncertainty']").inner_text() == "±10.0 nm"
    assert "APPROXIMATE" in row.locator("[data-field='position-note']").inner_text()


def test_a_cases_decisions_are_shown_with_who_and_when(laptop, tokens):
    server = laptop.server
    case_id = open_case_at_sea(server, tokens["coordinator"], "Decisions shown")
    status, answer = server.request(
        "POST", f"/api/cases/{case_id}/decisions",
        {"time": "2026-11-23T04:20:00Z", "summary": "Divert the merchant ship <b>Aurora</b>",
         "by": "MRCC watch officer"},
        tokens["coordinator"],
    )  # fmt: skip
    assert status in (200, 201), answer
    page = laptop.open("/", token=tokens["coordinator"])
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    _select(page, case_id)
    cells = page.locator("#case-detail table[data-field='decisions'] td").all_inner_texts()
    assert cells == [
        "2026-11-23 04:20 UTC",
        "MRCC watch officer",
        "Divert the merchant ship <b>Aurora</b>",  # text, never markup
    ]


def test_the_tabs_follow_the_keyboard_tab_pattern(laptop):
    page = laptop.open("/")
    tabs = page.locator(".sw-tabs button[role='tab']")
    names = [tabs.nth(i).get_attribute("data-tab") for i in range(tabs.count())]
    for name in names:
        panel = page.locator(f"#{page.get_attribute(f'[data-tab={name}]', 'aria-controls')}")
        assert panel.get_attribute("role") == "tabpanel", name
    page.focus(".sw-tabs button[data-tab='assess']")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("[data-tab='cases']", "aria-selected") == "true"
    assert page.locator("#tab-cases").is_visible()
    page.keyboard.press("End")
    assert page.get_attribute(f"[data-tab={names[-1]}]", "aria-selected") == "true"
    page.keyboard.press("ArrowRight")  # wraps round to the first
    assert page.get_attribute("[data-tab='assess']", "aria-selected") == "true"
    assert page.evaluate("document.activeElement.dataset.tab") == "assess"


def test_a_feed_whose_token_is_withdrawn_says_so_and_stops_retrying(laptop, server):
    """`sarwatch user remove` while the page is open: the server ends the live feed with
    `event: revoked` (it re-checks the token every 5 s); the page says to sign in again
    instead of reconnecting with a dead token every 3 s."""
    import subprocess

    token = make_token(server, "wanda", "observer")
    page = laptop.open("/", token=token)
    page.wait_for_selector("#feed-state[data-state='live']", timeout=15_000)
    sarwatch = str(Path(sys.executable).with_name("sarwatch"))
    done = subprocess.run([sarwatch, "user", "remove", "wanda"], env=server.env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    page.wait_for_selector("#feed-state[data-state='revoked']", timeout=30_000)
    assert "sign in again" in page.inner_text("#feed-state")
    page.wait_for_timeout(4000)  # longer than a reconnect's wait: it stays stopped
    assert page.get_attribute("#feed-state", "data-state") == "revoked"


def test_the_coastline_is_fetched_again_after_a_busy_station_answers_503(laptop):
    """A station under load answers anonymous work with 503 and Retry-After: the first
    coastline request refused so, the page tries again by itself and the map gets ready."""
    refused: list[str] = []

    def busy_once(route):
        if not refused:
            refused.append(route.request.url)
            route.fulfill(status=503, headers={"Retry-After": "1"}, body="busy")
        else:
            route.continue_()

    laptop.page.route("**/api/layers/coast*", busy_once)
    page = laptop.open("/")
    page.wait_for_function(
        "() => document.getElementById('map').dataset.ready === '1'", timeout=30_000
    )
    assert len(refused) == 1
