# ruff: noqa: F811  (pytest fixtures imported from the harness are parameters here)
"""The demo case's reconstruction from the map page: an observer opens the closed demo
case and downloads its reconstruction (HTML and PDF) with the token."""

from __future__ import annotations

import pytest

from _browser import Page, browser, laptop, make_token, server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_demo_reconstruction_downloads(laptop: Page, server) -> None:
    token = make_token(server, "olga", "observer")
    server.require("GET", "/api/cases/2018-03-15-LY-001/reconstruction", "reconstruction API")
    page = laptop.open("/", token=token)
    page.wait_for_selector("#role[data-role='observer']", timeout=10_000)
    page.click(".sw-tabs button[data-tab='cases']")
    page.check("#show-closed")
    demo = page.locator("#case-list button[data-case-id='2018-03-15-LY-001']")
    demo.wait_for(timeout=15_000)
    demo.click()
    for kind in ("reconstruction-html", "reconstruction-pdf"):
        page.click(f"#case-downloads a[data-download='{kind}']")
        done = f"#case-downloads a[data-download='{kind}'][data-downloaded]"
        page.wait_for_selector(done, timeout=60_000)
        assert int(page.get_attribute(done, "data-downloaded")) > 5_000
    status, html = server.request(
        "GET", "/api/cases/2018-03-15-LY-001/reconstruction.html", token=token
    )
    assert status == 200 and "1. When did each RCC know?" in html
    assert laptop.errors == []
