# ruff: noqa: F811  (pytest fixtures imported from the harness are parameters here)
"""The Plan tab in a real headless Chromium: a manual datum and two units give a table
with each unit's POS and the total, the datum, areas and routes on the map; a request the
API refuses shows the API's own reason in the tab; a plan from a drift run picked from
the station's runs (not only the latest), attached to the case selected in the Cases tab."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from _browser import LAPTOP, Page, browser, laptop, make_token, server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def token(server):
    server.require("GET", "/api/me", "the cases API with tokens (issue 4)")
    server.require("POST", "/api/plan", "the plan API (issue 11)", body={})
    return make_token(server, "petra", "coordinator")


def _open_plan(laptop: Page, token: str):
    page = laptop.open("/", token=token)
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    page.click(".sw-tabs button[data-tab='plan']")
    page.fill("#plan-form input[name='position']", "34 37.2N 12 28.8E")
    page.fill("#plan-form input[name='time']", "2026-12-06 03:00")
    return page


def test_a_plan_from_a_manual_datum_is_drawn_and_tabulated(laptop, token):
    page = _open_plan(laptop, token)
    page.click("#plan-add-unit")
    second = "#plan-units fieldset:nth-of-type(2)"
    page.fill(f"{second} input[name='name']", "Dattilo")
    page.select_option(f"{second} select[name='platform']", "small_vessel")
    page.fill(f"{second} input[name='height_ft']", "14")
    page.fill(f"{second} input[name='speed_kn']", "12")
    page.fill(f"{second} input[name='hours']", "5")
    page.select_option(f"{second} select[name='pattern']", "expanding_square")
    page.check(f"{second} input[name='drift_compensated']")
    page.click("#plan-form button[type='submit']")
    finished = "#plan-result:is([data-state='done'], [data-state='error'])"
    page.wait_for_selector(finished, state="attached", timeout=120_000)
    assert page.get_attribute("#plan-result", "data-state") == "done", (
        page.inner_text("#plan-error"),
        laptop.errors,
    )

    total = page.inner_text("#plan-result [data-field='total-pos']")
    match = re.search(r"Total POS (\d+\.\d) %", total)
    assert match, total
    rows = page.eval_on_selector_all(
        "#plan-result tbody tr", "rs => rs.map(r => [...r.cells].map(c => c.textContent))"
    )
    assert [r[0] for r in rows] == ["Seagull", "Dattilo"]
    assert rows[1][1] == "expanding_square*"  # drift-compensated
    unit_pos = [float(r[7].rstrip(" %")) for r in rows]
    # the units' POS add up to the total (each is net of the units before it)
    assert sum(unit_pos) == pytest.approx(float(match.group(1)), abs=0.2)
    assert 0 < float(match.group(1)) <= 100
    for row in rows:  # W, C and S are positive numbers; POC, POD, POS percentages
        assert all(float(v) > 0 for v in row[2:5]), row
        assert all(0 <= float(v.rstrip(" %")) <= 100 for v in row[5:8]), row

    # the datum, one area and one route per unit, with the waypoints' ETAs
    pane = "#map .leaflet-overlay-pane"
    assert page.locator(f"{pane} path.sw-plan-area").count() == 2
    assert page.locator(f"{pane} path.sw-plan-route").count() == 2
    assert page.locator(f"{pane} path.sw-plan-datum").count() >= 1
    assert page.locator(f"{pane} path.sw-plan-wp").count() >= 4
    page.hover(f"{pane} path.sw-plan-wp >> nth=0")
    # the pointer crosses the unit's area on its way: wait for the waypoint's own tooltip
    tip = page.wait_for_selector(".leaflet-tooltip:has-text('CSP')", timeout=5_000).inner_text()
    assert "Seagull CSP" in tip and "ETA" in tip and "2026-12-06" in tip, tip
    assert page.inner_text("#plan-error") == ""
    assert not laptop.errors
    laptop.screenshot("plan-two-units")


def test_a_refused_request_shows_the_apis_reason(laptop, token):
    page = _open_plan(laptop, token)
    page.fill("#plan-units input[name='hours']", "100")  # more than the API's 72 h
    page.click("#plan-form button[type='submit']")
    page.wait_for_selector("#plan-result[data-state='error']", state="attached", timeout=60_000)
    message = page.inner_text("#plan-error")
    assert "units.0.hours" in message and "72" in message, message
    assert page.locator("#map .leaflet-overlay-pane path.sw-plan-area").count() == 0


def _finished_run(server, token: str, lat: float, lon: float, start: str) -> str:
    status, run = server.request(
        "POST", "/api/drift",
        {"lat": lat, "lon": lon, "time": start, "hours": 2, "particles": 500,
         "wind_kn": 14, "wind_from": 320},
        token,
    )  # fmt: skip
    assert status == 202, run
    for _ in range(180):
        _, state = server.request("GET", f"/api/drift/{run['run_id']}", token=token)
        if state["status"] in ("done", "failed"):
            break
        time.sleep(1)
    assert state["status"] == "done", state
    return str(run["run_id"])


def _open_case(server, token: str) -> str:
    when = (datetime.now(UTC) - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    status, case = server.request(
        "POST", "/api/cases",
        {"title": "Plan attached from the map", "alert_time": when, "position": {
            "time": when, "lat": 34.6, "lon": 12.5, "kind": "gps",
            "source": {"name": "Alarm Phone"}}},
        token,
    )  # fmt: skip
    assert status == 201, case
    return str(case["case_id"])


def test_a_plan_from_a_chosen_drift_run_is_attached_to_the_selected_case(laptop, token):
    """Two finished runs (the older from 01:00, the newer from 08:00, 2 h each): the
    list shows both, newest first; planning on the older one gives its datum (03:00)
    and the server attaches the plan, with that run in its request, to the case."""
    server = laptop.server
    older = _finished_run(server, token, 34.62, 12.48, "2026-12-06T01:00:00Z")
    newer = _finished_run(server, token, 34.40, 12.70, "2026-12-06T08:00:00Z")
    case_id = _open_case(server, token)
    page = laptop.open("/", token=token)
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    page.click(".sw-tabs button[data-tab='cases']")
    page.click(f"#case-list button[data-case-id='{case_id}']", timeout=15_000)
    page.click(".sw-tabs button[data-tab='plan']")
    page.select_option("#plan-form select[name='source']", "drift")
    page.wait_for_selector(f"#plan-run option[value='{older}']", state="attached", timeout=10_000)
    options = page.eval_on_selector_all(
        "#plan-run option", "os => os.map(o => [o.value, o.textContent])"
    )
    ids = [v for v, _ in options]
    assert ids.index(newer) < ids.index(older)  # newest first
    assert page.input_value("#plan-run") == ids[0]  # the newest is the default
    text = dict(options)[older]
    assert "2026-12-06 01:00 UTC +2 h" in text and older[:8] in text, text
    page.select_option("#plan-run", older)
    line = "#plan-form [data-field='plan-case']"
    page.wait_for_selector(f"{line}[data-case-id='{case_id}']", timeout=10_000)
    assert f"attached to case {case_id}" in page.inner_text(line)
    page.click("#plan-form button[type='submit']")
    finished = "#plan-result:is([data-state='done'], [data-state='error'])"
    page.wait_for_selector(finished, state="attached", timeout=120_000)
    assert page.get_attribute("#plan-result", "data-state") == "done", page.inner_text(
        "#plan-error"
    )
    assert "Datum 2026-12-06 03:00 UTC" in page.inner_text("#plan-result")
    # the unit searches from the datum time for its hour: 03:00-04:00 on scene
    assert page.inner_text("#plan-result [data-field='on-scene']") == "03:00–04:00"
    assert page.get_attribute("#plan-result", "data-case-id") == case_id
    _, case = server.request("GET", f"/api/cases/{case_id}", token=token)
    (record,) = [a["record"] for a in case["attachments"] if a["kind"] == "search_plan"]
    assert record["request"]["drift_run"] == older
    assert record["result"]["datum"]["time"] == "2026-12-06T03:00:00Z"
    assert record["result"]["cloud"]["allocation"] == "on_scene"
    assert not laptop.errors
    laptop.screenshot("plan-drift-run-case")


def test_a_plan_from_the_last_finished_drift_run(laptop, token):
    server = laptop.server
    status, run = server.request(
        "POST", "/api/drift",
        {"lat": 34.62, "lon": 12.48, "time": "2026-12-06T03:00:00Z", "hours": 3,
         "particles": 2000, "wind_kn": 14, "wind_from": 320},
        token,
    )  # fmt: skip
    assert status == 202, run
    page = laptop.open("/", token=token)
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    for _ in range(180):  # the run takes a few seconds; poll as the page does
        _, state = server.request("GET", f"/api/drift/{run['run_id']}", token=token)
        if state["status"] in ("done", "failed"):
            break
        time.sleep(1)
    assert state["status"] == "done", state
    page.click(".sw-tabs button[data-tab='plan']")
    page.select_option("#plan-form select[name='source']", "drift")
    assert page.is_hidden("#plan-manual")  # no datum fields needed
    page.click("#plan-form button[type='submit']")
    finished = "#plan-result:is([data-state='done'], [data-state='error'])"
    page.wait_for_selector(finished, state="attached", timeout=120_000)
    assert page.get_attribute("#plan-result", "data-state") == "done", page.inner_text(
        "#plan-error"
    )
    # the run's cloud 3 h on is the datum: its time is the run's last output time
    assert "2026-12-06 06:00 UTC" in page.inner_text("#plan-result")
    assert "Total POS" in page.inner_text("#plan-result [data-field='total-pos']")
    assert page.locator("#map .leaflet-overlay-pane path.sw-plan-area").count() == 1
