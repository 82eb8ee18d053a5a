# ruff: noqa: F811  (pytest fixtures imported from the harness are parameters here)
"""The Monitor tab in a real headless Chromium: the statistics drawn by Chart.js (bundled,
no request leaves the station), every bar the API's quoted figure, the other sources as
markers, flagged figures apart, the sources listed with their dates, redrawn at night."""

from __future__ import annotations

import pytest

from _browser import Page, browser, laptop, server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _datasets(page, series: str):
    return page.evaluate(
        "(s) => window.sarwatch.monitor.charts"
        ".find((c) => c.canvas.closest('figure').dataset.series === s)"
        ".data.datasets.map((d) => ({label: d.label, data: d.data,"
        " colour: d.backgroundColor, point: d.pointBackgroundColor}))",
        series,
    )


def test_monitor_tab_draws_the_sourced_statistics(laptop: Page, server) -> None:
    server.require("GET", "/api/stats?from=2014&to=2018", "the statistics API (issue 15)")
    status, api = server.request("GET", "/api/stats?from=2014&to=2018")
    assert status == 200
    page = laptop.open("/")  # no token: published figures need none
    page.click(".sw-tabs button[data-tab='monitor']")
    page.fill("#monitor-form input[name='to']", "2018")
    page.click("#monitor-form button[type='submit']")
    page.wait_for_selector("#monitor-charts[data-state='done']", timeout=20_000)
    assert page.locator("#monitor-charts figure.sw-chart").count() == 5

    italy = _datasets(page, "arrivals_italy")
    quoted = [r["value"] for r in api["rows"] if r["series"] == "arrivals_italy"]
    assert italy[0]["label"] == "quoted figure" and italy[0]["data"] == quoted
    unhcr = next(d for d in italy if d["label"] == "unhcr_italy_daily")
    assert unhcr["data"] == [None, None, 182_652, 118_319, 22_761]  # from the CSV, by hand

    deaths = _datasets(page, "dead_missing_central_med")
    assert deaths[0]["data"][:2] == [None, None]  # 2014-2015 flagged: never quoted
    flagged = next(d for d in deaths if d["label"] == "flagged: do not use")
    assert flagged["data"][:2] == [1_553, 3_149]

    notes = page.inner_text("figure[data-series='dead_missing_central_med'] .sw-notes")
    assert "do not use" in notes
    sources = page.inner_text("#monitor-charts .sw-sources")
    assert "iom_med_2025" in sources and "as of 2025-08-12" in sources
    assert all(u.startswith(server.url) for u in laptop.requests), laptop.requests

    day = italy[0]["colour"]
    page.click("#night-toggle")
    night = _datasets(page, "arrivals_italy")[0]["colour"]
    assert night != day  # redrawn in the night palette
    assert laptop.errors == []
    laptop.screenshot("monitor-night")
