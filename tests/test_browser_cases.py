# ruff: noqa: F811  (pytest fixtures imported from the harness are parameters here)
"""Working a case on the map in a real headless Chromium: open, report, drift, roles, public.

These need the cases API (issue 4) and the drift API (issue 3); each test skips with the
reason while the endpoint it needs is not served by this build.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from _browser import LAPTOP, Page, browser, laptop, make_token, server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _utc_input(delta: timedelta) -> str:
    """A time as typed in the page's UTC time fields."""
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%d %H:%M")


def _iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def tokens(server):
    server.require("GET", "/api/me", "the cases API with tokens (issue 4)")
    return {
        "coordinator": make_token(server, "alice", "coordinator"),
        "observer": make_token(server, "olga", "observer"),
    }


def _open_case_via_api(server, token, title, lat, lon, delta=timedelta(minutes=-30)):
    status, case = server.request(
        "POST",
        "/api/cases",
        {
            "title": title,
            "alert_time": _iso(delta),
            "position": {
                "time": _iso(delta),
                "lat": lat,
                "lon": lon,
                "kind": "gps",
                "source": {"name": "Alarm Phone"},
            },
        },
        token,
    )
    assert status == 201, case
    return case


def _sign_in(page: Page, token: str, role: str):
    p = page.open("/", token=token)
    p.wait_for_selector(f"#role[data-role='{role}']", timeout=10_000)
    return p


def test_open_a_case_add_a_position_and_start_a_drift_run(laptop, tokens):
    page = _sign_in(laptop, tokens["coordinator"], "coordinator")
    page.click(".sw-tabs button[data-tab='cases']")
    page.click("#open-case-box summary")
    form = "#open-case-form"
    page.fill(f"{form} input[name='title']", "Rubber boat, 80 people, engine broken")
    page.fill(f"{form} input[name='position']", "33°12.0'N 012°30.0'E")
    page.fill(f"{form} input[name='time']", _utc_input(timedelta(hours=-2)))
    page.fill(f"{form} input[name='people']", "80")
    page.fill(f"{form} input[name='source']", "Alarm Phone")
    page.click(f"{form} button[type='submit']")
    page.wait_for_selector("#case-detail [data-field='case-id']", timeout=15_000)
    case_id = page.inner_text("#case-detail [data-field='case-id']").split(":")[0]
    assert page.locator("#case-detail [data-field='positions'] tr").count() == 1
    assert "33°12.000'N 012°30.000'E" in page.inner_text("#case-detail [data-field='positions']")

    page.click("#report-box summary")
    report = "#report-form"
    page.fill(f"{report} input[name='position']", "33 14.5N 012 27.0E")
    page.fill(f"{report} input[name='time']", _utc_input(timedelta(hours=-1)))
    page.fill(f"{report} input[name='source']", "Seabird aircraft")
    page.select_option(f"{report} select[name='kind']", "aircraft")
    page.click(f"{report} button[type='submit']")
    rows = "#case-detail [data-field='positions'] tr"
    page.wait_for_function(
        f'() => document.querySelectorAll("{rows}").length === 2', timeout=15_000
    )
    assert page.locator("path.sw-case-track").count() >= 1, "the position history is drawn"
    laptop.screenshot("case-opened-with-two-positions")

    page.click("#contact-box summary")
    contact = "#contact-form"
    page.fill(f"{contact} input[name='time']", _utc_input(timedelta(minutes=-20)))
    page.select_option(f"{contact} select[name='channel']", "phone")
    page.fill(f"{contact} input[name='counterpart']", "MRCC Rome")
    page.fill(f"{contact} textarea[name='summary']", "Informed of the boat; asked for assets")
    page.click(f"{contact} button[type='submit']")
    page.wait_for_function(
        "() => document.getElementById('case-detail').innerText.includes('MRCC Rome')",
        timeout=15_000,
    )

    # The ledger holds both reports and the contact.
    status, case = laptop.server.request(
        "GET", f"/api/cases/{case_id}", token=tokens["coordinator"]
    )
    assert status == 200 and len(case["positions"]) == 2
    assert [c["counterpart"] for c in case["contacts"]] == ["MRCC Rome"]

    # Evidence bundle, downloaded with the token.
    page.click("#case-downloads a[data-download='bundle']")
    page.wait_for_selector("#case-downloads a[data-downloaded]", timeout=60_000)
    assert int(page.get_attribute("#case-downloads a", "data-downloaded")) > 1000

    laptop.server.require("POST", "/api/drift", "the drift API (issue 3)", body={})
    page.click(".sw-tabs button[data-tab='drift']")
    drift = "#drift-form"
    assert page.input_value(f"{drift} input[name='position']") == "33°14.500'N 012°27.000'E"
    page.fill(f"{drift} input[name='hours']", "6")
    page.fill(f"{drift} input[name='particles']", "2000")
    page.click(f"{drift} button[type='submit']")
    page.wait_for_selector("#drift-progress:not([hidden])", timeout=10_000)
    page.wait_for_selector("#drift-view:not([hidden])", timeout=180_000)
    assert page.locator("path.sw-contour").count() >= 1, "containment contours drawn"
    assert int(page.get_attribute("#drift-time", "max")) >= 1, "several output times"
    assert "%" in page.inner_text("#drift-share")
    laptop.screenshot("drift-cloud-last-time")
    page.fill("#drift-time", "0")
    page.dispatch_event("#drift-time", "input")
    laptop.screenshot("drift-cloud-first-time")
    page.click("#drift-downloads a[data-download='geojson']")
    page.wait_for_selector("#drift-downloads a[data-download='geojson'][data-downloaded]")
    run_id = page.get_attribute("#drift-view", "data-run-id")

    # The run is in the case's record: selecting the case again (after a reload) shows it.
    _, case = laptop.server.request("GET", f"/api/cases/{case_id}", token=tokens["coordinator"])
    attached = [a for a in case["attachments"] if a.get("kind") == "drift_run"]
    assert attached and attached[-1]["record"]["run_id"] == run_id
    page.reload()
    page.wait_for_selector("#role[data-role='coordinator']")
    page.click(".sw-tabs button[data-tab='cases']")
    page.click(f"#case-list button[data-case-id='{case_id}']")
    page.wait_for_selector(f"#drift-view[data-run-id='{run_id}']", state="attached")
    assert page.locator("path.sw-contour").count() >= 1


def test_an_observer_sees_but_cannot_write(laptop, tokens):
    server = laptop.server
    case = _open_case_via_api(server, tokens["coordinator"], "Observer test", 34.0, 13.0)
    page = _sign_in(laptop, tokens["observer"], "observer")
    page.click(".sw-tabs button[data-tab='cases']")
    page.wait_for_selector(f"#case-list button[data-case-id='{case['case_id']}']", timeout=15_000)
    for form in ("#open-case-form", "#report-form", "#contact-form", "#drift-form"):
        assert page.locator(f"{form} button[type='submit']").is_disabled(), form
    laptop.screenshot("observer-read-only")

    _, before = server.request("GET", "/api/cases", token=tokens["observer"])
    # Even a crafted request from the observer's page is refused by the server.
    status = page.evaluate(
        """async (token) => (await fetch('/api/cases', {method: 'POST',
             headers: {'Content-Type': 'application/json', Authorization: 'Bearer ' + token},
             body: JSON.stringify({title: 'x', alert_time: new Date().toISOString()})})).status""",
        tokens["observer"],
    )
    assert status == 403
    _, after = server.request("GET", "/api/cases", token=tokens["observer"])
    assert len(after) == len(before)


def test_two_coordinators_screens_stay_in_step(browser, server, tokens):
    first, second = Page(browser, server, LAPTOP), Page(browser, server, LAPTOP)
    try:
        _sign_in(first, tokens["coordinator"], "coordinator")
        watcher = _sign_in(second, tokens["coordinator"], "coordinator")
        watcher.wait_for_selector("#feed-state[data-state='live']", timeout=15_000)
        case = _open_case_via_api(server, tokens["coordinator"], "Feed test", 34.2, 13.4)
        watcher.wait_for_selector(
            f"#case-list button[data-case-id='{case['case_id']}']",
            state="attached",
            timeout=15_000,
        )
    finally:
        first.close()
        second.close()


def test_public_page_never_shows_a_live_position(laptop, tokens):
    server = laptop.server
    server.require("GET", "/api/public/cases", "the public feed (issue 4)")
    lat, lon = 33.2345, 12.5678
    case = _open_case_via_api(server, tokens["coordinator"], "Live case", lat, lon)
    page = laptop.open("/public")
    page.wait_for_selector("#public-list[data-state='loaded']", timeout=15_000)
    text = page.content()
    assert case["case_id"] not in text
    assert "33.2345" not in text and "12.5678" not in text and "33°14.07" not in text
    # The public page asks only for the public feed and the base layers.
    api_paths = [u.removeprefix(server.url) for u in laptop.requests if "/api/" in u]
    assert api_paths, "the page asked for something"
    assert all(p.startswith(("/api/public/", "/api/layers/")) for p in api_paths), api_paths
    # And the feed itself does not carry it.
    status, public = server.request("GET", "/api/public/cases")
    assert status == 200
    assert all(c["case_id"] != case["case_id"] for c in public)
    assert page.locator("#token-form").count() == 0, "no sign-in on the public page"
    # What it does show (the closed demo case) is coarsened by the stated policy.
    _, policy = server.request("GET", "/api/public/policy")
    step = policy["round_deg"]
    for shown in public:
        assert shown["case_id"] in page.inner_text("#public-list")
        for p in shown["positions"]:
            for value in (p["lat"], p["lon"]):
                assert abs(value / step - round(value / step)) < 1e-6, (shown["case_id"], p)
    laptop.screenshot("public-page")


def test_the_demo_case_story_can_be_followed_on_the_map(laptop, tokens):
    """A newcomer after `make run`: sign in, show closed cases, open the demo, read it."""
    page = _sign_in(laptop, tokens["coordinator"], "coordinator")
    page.click(".sw-tabs button[data-tab='cases']")
    assert page.locator("#case-list button[data-case-id^='2018-03-15']").count() == 0
    page.check("#show-closed")
    demo = page.locator("#case-list button[data-case-id^='2018-03-15']")
    demo.wait_for(timeout=15_000)
    demo.click()
    page.wait_for_selector("#case-detail [data-field='case-id']")
    detail = page.inner_text("#case-detail")
    assert "DEMO" in detail and "closed" in detail
    assert "Pozzallo" in detail, "the outcome says where the people were taken"
    assert "MRCC Rome" in detail
    assert page.locator("#case-detail [data-field='positions'] tr").count() == 2
    assert "2018-03-15 06:00 UTC" in page.inner_text("#case-detail [data-field='positions']")
    laptop.screenshot("demo-case-open-arms-2018")


def test_recorded_text_is_shown_as_text_never_run_as_markup(laptop, tokens):
    title = '<img src=x onerror="window.__sw_xss = 1">Boat'
    case = _open_case_via_api(laptop.server, tokens["coordinator"], title, 34.1, 13.1)
    page = _sign_in(laptop, tokens["coordinator"], "coordinator")
    page.click(".sw-tabs button[data-tab='cases']")
    page.click(f"#case-list button[data-case-id='{case['case_id']}']")
    page.wait_for_selector("#case-detail [data-field='case-id']")
    page.hover("path.sw-case-pos >> nth=0", force=True)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__sw_xss") is None
    assert title in page.inner_text("#case-detail [data-field='case-id']")
    assert page.locator("#case-detail img, #case-list img").count() == 0


def test_the_ledger_count_and_a_position_on_land_are_shown_as_recorded(laptop, tokens):
    """The page's "Ledger N signed events" is the case's number of events (it showed one
    more), and a position the coastline puts on land (Lampedusa, 0.07 nm inland) is
    recorded and flagged under it with its nearest sea point."""
    server, token = laptop.server, tokens["coordinator"]
    case = _open_case_via_api(server, token, "Boat near Lampedusa", 35.40, 12.60)
    body = {"time": _iso(timedelta(minutes=-10)), "lat": 35.497, "lon": 12.603, "kind": "gps",
            "source": {"name": "Alarm Phone"}}  # fmt: skip
    status, case = server.request("POST", f"/api/cases/{case['case_id']}/reports", body, token)
    assert status == 201, case
    status, events = server.request("GET", f"/api/cases/{case['case_id']}/events", token=token)
    assert status == 200 and len(events) == case["head_seq"] == 3
    page = _sign_in(laptop, token, "coordinator")
    page.click(".sw-tabs button[data-tab='cases']")
    page.click(f"#case-list button[data-case-id='{case['case_id']}']")
    page.wait_for_selector("#case-detail [data-field='ledger-count']")
    assert page.inner_text("#case-detail [data-field='ledger-count']") == "3 signed events"
    assert page.locator("#case-detail [data-field='positions'] tr").count() == 2
    note = page.inner_text("#case-detail [data-field='on-land']")
    assert "On land" in note and "nearest sea point 35°29." in note
    # the drift form offers the sea point as the start, not the point on land
    sea = case["positions"][-1]["on_land"]
    start = page.input_value("#drift-form input[name='position']")
    assert start.startswith("35°29.") and start != "35°29.820'N 012°36.180'E"
    assert abs(sea["sea_lat"] - 35.497) < 0.01
    # reported through the form, the coordinator is told at once
    page.click("#report-box summary")
    page.fill("#report-form input[name='position']", "35 29.82N 12 36.18E")
    page.fill("#report-form input[name='time']", _utc_input(timedelta(minutes=-5)))
    page.fill("#report-form input[name='source']", "Alarm Phone")
    page.click("#report-form button[type='submit']")
    page.wait_for_function(
        "() => document.getElementById('toast').textContent.includes('on land')", timeout=15_000
    )
    assert "nearest sea point 35°29." in page.inner_text("#toast")
    page.wait_for_function(
        "() => document.querySelectorAll(\"#case-detail [data-field='on-land']\").length === 2",
        timeout=15_000,
    )
    laptop.screenshot("case-position-on-land-flagged")


def test_a_time_typed_off_a_message_with_utc_is_recorded_and_another_zone_is_refused(
    laptop, tokens
):
    # Coordinators type times as a sat-phone message gives them: "2026-... 03:10 UTC".
    page = _sign_in(laptop, tokens["coordinator"], "coordinator")
    page.click(".sw-tabs button[data-tab='cases']")
    page.click("#open-case-box summary")
    form = page.locator("#open-case-form")
    when = datetime.now(UTC) - timedelta(hours=1)
    form.locator("input[name='title']").fill("Time typed with its zone")
    form.locator("input[name='position']").fill("33 40N 12 55E")
    form.locator("input[name='source']").fill("Alarm Phone")
    # Another zone first: refused in the form, with what to type instead, nothing sent.
    local = when + timedelta(hours=2)
    form.locator("input[name='time']").fill(local.strftime("%Y-%m-%d %H:%M") + " +02:00")
    form.locator("button[type='submit']").click()
    error = form.locator("[data-field='form-error']")
    error.wait_for(timeout=15_000)
    assert "not in UTC" in error.inner_text(), error.inner_text()
    assert when.strftime("%Y-%m-%d %H:%M UTC") in error.inner_text(), error.inner_text()
    form.locator("input[name='time']").fill(when.strftime("%Y-%m-%d %H:%M") + " UTC")
    form.locator("button[type='submit']").click()
    page.wait_for_selector("#case-detail [data-field='case-id']", timeout=15_000)
    case_id = page.inner_text("#case-detail [data-field='case-id']").split(":")[0]
    _, case = laptop.server.request("GET", f"/api/cases/{case_id}", token=tokens["coordinator"])
    assert case["title"] == "Time typed with its zone"
    assert case["positions"][0]["time"] == when.strftime("%Y-%m-%dT%H:%M:00Z")
