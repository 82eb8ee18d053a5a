# ruff: noqa: F811  (pytest fixtures imported from the harness are parameters here)
"""The /verify page in a real headless Chromium, on the same vectors as the Python verifier.

Every bundle of tests/vectors/ is dropped on the page (through its file input, as a
person would); the page's verdict must agree with ``sarwatch bundle verify``'s, name
the same problem in the same words, and no request may carry the bundle. The page's
canonical JSON, event hashes and signatures are checked on the same vector files as
tests/test_evidence_format.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from _browser import DIST, LAPTOP, Page, Server, browser  # noqa: F401 (fixtures)
from sarwatch.services.evidence import verify_bundle

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VECTORS = Path(__file__).resolve().parent / "vectors"
BUNDLES = json.loads((VECTORS / "bundles.json").read_text(encoding="utf-8"))["bundles"]
KEY = json.loads((VECTORS / "key.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not (DIST / "verify.html").is_file():
        pytest.skip("the pages are not built: run `make web`")
    srv = Server(tmp_path_factory.mktemp("sarwatch-home"))
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def verify_page(browser: Any, server: Server) -> Iterator[Page]:
    page = Page(browser, server, LAPTOP)
    try:
        page.open("/verify")
        yield page
    finally:
        page.close()


def _drop(page: Page, path: Path, key_id: str | None) -> dict[str, Any]:
    """Choose ``path`` in the page's file input; the verdict and the problems shown."""
    p = page.page
    before = int(p.evaluate("document.body.dataset.verified || 0"))
    p.fill("#key-id", key_id or "")
    p.set_input_files("#bundle-file", str(path))
    p.wait_for_function(f"Number(document.body.dataset.verified || 0) > {before}", timeout=20_000)
    return {
        "ok": p.get_attribute("#verdict", "data-ok") == "true",
        "verdict": p.inner_text("#verdict"),
        "problems": p.locator("#problems li").all_inner_texts(),
        "rows": p.locator("#timeline tbody tr").count(),
    }


@pytest.mark.parametrize("vector", BUNDLES, ids=lambda v: v["file"])
def test_the_page_and_the_cli_agree_on_every_vector_bundle(
    verify_page: Page, vector: dict[str, Any]
) -> None:
    path = VECTORS / "bundles" / vector["file"]
    shown = _drop(verify_page, path, KEY["key_id"])
    python = verify_bundle(path, expected_key_id=KEY["key_id"])
    assert shown["ok"] is python.ok is vector["ok"], shown
    text = "\n".join([shown["verdict"], *shown["problems"]])
    assert vector["expect"] in text, text
    # The same problems in the same words as `sarwatch bundle verify`.
    assert text.replace("\n", " ") == python.summary().replace("\n  - ", " ").replace("\n", " "), (
        text,
        python.summary(),
    )
    assert shown["rows"] == python.n_events
    # Nothing left the page: no request after the page's own assets.
    assert not [u for u in verify_page.requests if "/api/" in u]
    assert verify_page.errors == []


def test_a_wrong_key_id_and_the_timeline(verify_page: Page) -> None:
    shown = _drop(verify_page, VECTORS / "bundles" / "intact-v2.zip", "0123456789abcdef")
    assert not shown["ok"]
    assert (
        f"signed with key {KEY['key_id']}, not the expected station key 0123456789abcdef"
        in (shown["problems"][0])
    )
    shown = _drop(verify_page, VECTORS / "bundles" / "intact-v2.zip", None)
    assert shown["ok"] and shown["rows"] == 6
    cells = verify_page.page.locator("#timeline tbody tr").nth(2).locator("td").all_inner_texts()
    assert cells[2] == "contact_logged" and "MRCC Roma" in cells[4] and "\U0001f6a8" in cells[4]
    verify_page.screenshot("verify-intact")
    shown = _drop(verify_page, VECTORS / "bundles" / "edited-event-resigned.zip", None)
    row = verify_page.page.locator("#timeline tbody tr.sw-bad")
    assert row.count() == 1 and "was edited after it was signed" in row.inner_text()
    verify_page.screenshot("verify-edited")


def test_canonical_json_vectors_in_the_page(verify_page: Page) -> None:
    cases = json.loads((VECTORS / "jcs.json").read_text(encoding="utf-8"))["cases"]
    for case in cases:
        for form in (2, 1):
            if "bits" in case:
                got = verify_page.page.evaluate(
                    "([h, f]) => window.sarwatchVerify.canonicalDouble(h, f)", [case["bits"], form]
                )
            else:
                got = verify_page.page.evaluate(
                    "([t, f]) => window.sarwatchVerify.canonicalText(t, f)", [case["input"], form]
                )
            assert got == case[f"format{form}"], (case["name"], form)


@pytest.mark.parametrize("form", [2, 1])
def test_record_vectors_in_the_page(verify_page: Page, form: int) -> None:
    records = json.loads((VECTORS / "records.json").read_text(encoding="utf-8"))[f"format{form}"]
    for event in records["events"]:
        got = verify_page.page.evaluate(
            "([l, k]) => window.sarwatchVerify.checkEvent(l, k)",
            [event["line"], KEY["public_key_hex"]],
        )
        assert got == {"hash": event["hash"], "signed": True}
    head = {k: v for k, v in records["head"].items() if k != "message"}
    got = verify_page.page.evaluate(
        "([h, k]) => window.sarwatchVerify.checkHead(h, k)",
        [json.dumps(head), KEY["public_key_hex"]],
    )
    assert got == {"message": records["head"]["message"], "signed": True}
