# ruff: noqa: F811  (pytest fixtures imported from the harness are parameters here)
"""The drift form in a real headless Chromium: which case a run goes to, and a finished
run shown as finished whatever its case says."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from _browser import (  # noqa: F401 (fixtures)
    LAPTOP,
    Page,
    browser,
    iso_from_now,
    laptop,
    make_token,
    open_case_at_sea,
    server,
    text_contrasts,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def token(server):
    server.require("GET", "/api/me", "the cases API with tokens (issue 4)")
    server.require("POST", "/api/drift", "the drift API (issue 3)", body={})
    return make_token(server, "dora", "coordinator")


def _case(server, token: str, title: str, *, closed: bool) -> str:
    case_id = open_case_at_sea(server, token, title)
    if closed:
        steps = [
            ("status", {"to": "active"}),
            ("outcome", {"time": iso_from_now(timedelta(minutes=-5)), "kind": "arrived"}),
            ("status", {"to": "closed"}),
        ]
        for path, body in steps:
            status, answer = server.request("POST", f"/api/cases/{case_id}/{path}", body, token)
            assert status == 200, answer
    return case_id


def _run_for(page: Page, token: str, case_id: str, *, closed: bool = False):
    p = page.open("/", token=token)
    p.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    p.click(".sw-tabs button[data-tab='cases']")
    if closed:
        p.check("#show-closed")
    p.click(f"#case-list button[data-case-id='{case_id}']", timeout=15_000)
    p.click(".sw-tabs button[data-tab='drift']")
    return p


def test_the_form_names_the_case_and_the_server_attaches_the_run(laptop, token):
    server = laptop.server
    case_id = _case(server, token, "Drift form names the case", closed=False)
    page = _run_for(laptop, token, case_id)
    line = "#drift-form [data-field='drift-case']"
    page.wait_for_selector(f"{line}[data-case-id='{case_id}']", timeout=10_000)
    assert f"attached to case {case_id}" in page.inner_text(line)
    page.fill("#drift-form input[name='hours']", "2")
    page.fill("#drift-form input[name='particles']", "500")
    page.click("#drift-form button[type='submit']")
    page.wait_for_selector("#drift-progress[data-attachment='attached']", timeout=180_000)
    run_id = page.get_attribute("#drift-progress", "data-run-id")
    _, case = server.request("GET", f"/api/cases/{case_id}", token=token)
    (record,) = [a["record"] for a in case["attachments"] if a["kind"] == "drift_run"]
    # made by the server from the run it verified, not by the browser
    assert record["run_id"] == run_id and record["request"]["particles"] == 500
    assert isinstance(record["seed"], int) and "wind" in record["forcing"]["wind"]
    assert set(record["output_files"]) >= {"netcdf", "geojson", "summary"}


def test_a_closed_case_does_not_turn_a_finished_run_into_a_failed_one(laptop, token):
    server = laptop.server
    case_id = _case(server, token, "Closed before the drift", closed=True)
    page = _run_for(laptop, token, case_id, closed=True)
    line = "#drift-form [data-field='drift-case']"
    page.wait_for_function(
        f"() => document.querySelector(\"{line}\").textContent.includes('is closed')",
        timeout=10_000,
    )
    page.fill("#drift-form input[name='hours']", "2")
    page.fill("#drift-form input[name='particles']", "500")
    page.click("#drift-form button[type='submit']")
    page.wait_for_selector("#drift-view:not([hidden])", timeout=180_000)
    assert page.get_attribute("#drift-progress", "data-state") == "done"
    assert "done" in page.inner_text("#drift-progress") and "failed" not in page.inner_text(
        "#drift-progress"
    )
    _, case = server.request("GET", f"/api/cases/{case_id}", token=token)
    assert not [a for a in case["attachments"] if a["kind"] == "drift_run"]


def test_an_assessment_is_attached_by_the_server_from_the_pages_request(laptop, token):
    server = laptop.server
    case_id = _case(server, token, "Assessment attached by the server", closed=False)
    page = _run_for(laptop, token, case_id)
    laptop.click_sea(33.5, 12.8)
    page.wait_for_selector("#assessment[data-state='done']", timeout=60_000)
    button = f"#assessment button:has-text('Attach this assessment to case {case_id}')"
    page.click(button)
    page.wait_for_selector(f"#assessment button:has-text('Attached to case {case_id}')")
    _, case = server.request("GET", f"/api/cases/{case_id}", token=token)
    (record,) = [a["record"] for a in case["attachments"] if a["kind"] == "assessment"]
    assert record["tool"].startswith("sarwatch assess")  # made by the server
    assert record["request"]["lat"] == pytest.approx(33.5, abs=0.05)
    assert record["request"]["lon"] == pytest.approx(12.8, abs=0.05)
    assert "LY" in record["result"]["srr"]


def test_a_run_outside_the_packaged_regions_shows_its_share_once_and_readably(laptop, token):
    # Off Malaga, outside the packaged SAR-region data: the server's shares count those
    # particles both in "none" and in "outside_packaged_regions"; the chart counts them once.
    page = laptop.open("/", token=token)
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    page.click(".sw-tabs button[data-tab='drift']")
    page.fill("#drift-form input[name='position']", "36 30.0N 004 30.0W")
    typed = iso_from_now(timedelta(hours=-3))[:16].replace("T", " ")
    page.fill("#drift-form input[name='time']", typed)
    page.fill("#drift-form input[name='hours']", "2")
    page.fill("#drift-form input[name='particles']", "300")
    page.click("#drift-form button[type='submit']")
    page.wait_for_selector("#drift-view:not([hidden]) [data-field='share-now']", timeout=180_000)
    legend = page.inner_text("[data-field='share-now']")
    assert "outside packaged regions 100 %" in legend, legend
    assert "outside_packaged_regions" not in legend
    assert "no SAR region" not in legend  # 0 % once the outside share is taken out
    bars = page.eval_on_selector_all(
        "#drift-share svg rect[fill]:not([fill='none'])",
        "rs => rs.map(r => [r.getAttribute('x'), +r.getAttribute('height')])",
    )
    stacked: dict[str, float] = {}
    for x, height in bars:
        stacked[x] = stacked.get(x, 0.0) + height
    assert stacked and max(stacked.values()) <= 100.01  # a whole bar is 100 %, not 200 %
    laptop.screenshot("drift-outside-the-packaged-regions")


@pytest.mark.parametrize("night", [False, True], ids=["day", "night"])
def test_the_progress_text_reads_on_the_filled_and_the_unfilled_bar(laptop, night):
    # WCAG AA: 4.5:1 for the text against whatever lies behind it, half way through a run
    # (the bar both filled and unfilled), in the day and the night palette.
    page = laptop.open("/")
    page.click(".sw-tabs button[data-tab='drift']")
    if night:
        page.click("#night-toggle")
    page.evaluate(
        """() => {
          const p = document.getElementById('drift-progress');
          p.hidden = false;
          const fill = p.querySelector('.sw-bar-fill');
          fill.style.transition = 'none';
          fill.style.width = '50%';
          fill.parentElement.dataset.unfilled = '1';  // the bar behind the fill
          p.querySelector('span').textContent = 'running 50 % · 12 s';
        }"""
    )
    fill = "#drift-progress .sw-bar-fill"
    found = text_contrasts(page, "#drift-progress span", [fill, "[data-unfilled]"])
    assert all(ratio >= 4.5 for _, ratio in found), found
    laptop.screenshot(f"drift-progress-{'night' if night else 'day'}")


def test_a_run_at_0_percent_shows_what_it_is_doing(laptop, token):
    # The server names the phase while the steps cannot be counted; the page shows it with
    # the seconds waited ("Reading forcing… 3 s"), then the share of steps once it drifts.
    run_id = "0123456789ab"
    answers = [
        {"status": "running", "progress": 0.0, "phase": "reading forcing"},
        {"status": "running", "progress": 0.4, "phase": "drifting"},
    ]
    current = {"answer": answers[0]}

    def drift_api(route):
        if route.request.method == "POST":
            route.fulfill(status=202, json={"run_id": run_id, "status": "queued", "progress": 0})
        else:
            route.fulfill(json={"run_id": run_id, **current["answer"]})

    page = laptop.open("/", token=token)
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    page.route("**/api/drift", drift_api)
    page.route(f"**/api/drift/{run_id}", drift_api)
    page.click(".sw-tabs button[data-tab='drift']")
    page.fill("#drift-form input[name='position']", "33 30.0N 012 48.0E")
    page.fill("#drift-form input[name='hours']", "2")
    page.click("#drift-form button[type='submit']")
    page.wait_for_selector("#drift-progress[data-phase='reading forcing']", timeout=30_000)
    text = page.inner_text("#drift-progress .sw-progress-text")
    assert re.fullmatch(r"Reading forcing… \d+ s", text), text
    laptop.screenshot("drift-progress-phase")
    current["answer"] = answers[1]
    page.wait_for_selector("#drift-progress[data-phase='drifting']", timeout=10_000)
    text = page.inner_text("#drift-progress .sw-progress-text")
    assert re.fullmatch(r"running 40 % · \d+ s", text), text


def test_time_fields_give_a_tablet_a_keyboard_that_can_type_utc(laptop, token):
    # "2026-11-20 04:00 UTC" and "2026-11-20T04:00Z" need letters and ':'; a field that asks
    # for the number pad leaves a tablet's coordinator unable to type them.
    page = laptop.open("/", token=token)
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    fields = page.evaluate(
        "[...document.querySelectorAll('input.sw-time')].map(i =>"
        " [i.form.id, i.getAttribute('inputmode'), i.placeholder, i.title])"
    )
    assert sorted(form for form, *_ in fields) == [
        "contact-form",
        "drift-form",
        "open-case-form",
        "plan-form",
        "report-form",
    ]
    for form, mode, placeholder, title in fields:
        assert mode == "text", (form, mode)
        assert placeholder == "2026-11-23 04:10 UTC", (form, placeholder)
        for spelling in ("2026-11-23 04:10", "2026-11-23 04:10 UTC", "2026-11-23T04:10Z"):
            assert spelling in title, (form, title)
    # Nor any other typed field: a number pad (inputmode numeric, decimal or tel) has no
    # letters, no ':' and no '°' for a position such as 33°12.5'N.
    pads = page.evaluate(
        "[...document.querySelectorAll('input:not([type=number]), textarea')]"
        ".filter(i => ['numeric', 'decimal', 'tel'].includes(i.inputMode))"
        ".map(i => `${i.form?.id} ${i.name}`)"
    )
    assert pads == []

    posted: list[dict] = []

    def drift_api(route):
        if route.request.method == "POST":
            posted.append(route.request.post_data_json)
            route.fulfill(status=202, json={"run_id": "0123456789ab", "status": "queued"})
        else:
            route.fulfill(json={"run_id": "0123456789ab", "status": "failed", "error": "test"})

    page.route("**/api/drift", drift_api)
    page.route("**/api/drift/0123456789ab", drift_api)
    page.click(".sw-tabs button[data-tab='drift']")
    page.fill("#drift-form input[name='position']", "33 30.0N 012 48.0E")
    page.fill("#drift-form input[name='hours']", "2")
    time = page.locator("#drift-form input[name='time']")
    for typed in ("2026-11-20 04:00 UTC", "2026-11-20T04:00Z"):
        time.fill("")
        time.press_sequentially(typed)  # key by key, as on a keyboard
        assert time.input_value() == typed
        assert time.evaluate("i => i.checkValidity()")
        page.click("#drift-form button[type='submit']")
        page.wait_for_selector("#drift-progress[data-state='failed']", timeout=30_000)
        assert posted[-1]["time"] == "2026-11-20T04:00:00Z", posted[-1]
        page.evaluate("delete document.getElementById('drift-progress').dataset.state")
    assert len(posted) == 2
    # Still refused: a time in another zone never reaches the server.
    time.fill("2026-11-20 04:00 CET")
    page.click("#drift-form button[type='submit']")
    page.wait_for_function(
        "() => document.querySelector('#drift-form [data-field=form-error]')"
        "?.textContent.includes('is not UTC')",
        timeout=10_000,
    )
    assert len(posted) == 2
