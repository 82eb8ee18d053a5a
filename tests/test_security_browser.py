# ruff: noqa: F811  (pytest fixtures imported from the harness are parameters here)
"""The offline map page works under the station's Content-Security-Policy (issue 13):
in a real headless Chromium, the operations map, the Cases tab signed in and the
public page load and run with no CSP violation reported in the console."""

from __future__ import annotations

import pytest

from _browser import Page, browser, laptop, make_token, server  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _violations(page: Page) -> list[str]:
    found: list[str] = []
    page.page.on(
        "console",
        lambda msg: (
            found.append(msg.text)
            if "Content Security Policy" in msg.text or "Refused to" in msg.text
            else None
        ),
    )
    return found


def test_the_map_and_the_cases_tab_run_under_the_policy(laptop, server) -> None:
    violations = _violations(laptop)
    page = laptop.open("/", token=make_token(server, "csp-coordinator", "coordinator"))
    page.wait_for_function(
        "() => document.getElementById('map').dataset.ready === '1'", timeout=30_000
    )
    page.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    token = make_token(server, "csp-writer", "coordinator")
    status, case = server.request(
        "POST", "/api/cases", {"title": "csp check", "alert_time": "2026-11-20T04:10:00Z"}, token
    )
    assert status == 201, case
    page.click(".sw-tabs button[data-tab='cases']")
    page.click(f"#case-list button[data-case-id='{case['case_id']}']", timeout=15_000)
    page.wait_for_selector("#case-detail [data-field='case-id']", timeout=15_000)
    policy = page.evaluate(
        "fetch('/api/health').then(r => r.headers.get('content-security-policy'))"
    )
    assert "script-src 'self'" in policy
    assert laptop.errors == [] and violations == []


def test_the_public_page_runs_under_the_policy(laptop) -> None:
    violations = _violations(laptop)
    laptop.open("/public")
    assert laptop.errors == [] and violations == []
