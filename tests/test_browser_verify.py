# ruff: noqa: F811  (pytest fixtures imported from the harness are parameters here)
"""The /verify page in a real headless Chromium, on the same vectors as the Python verifier.

Every bundle of tests/vectors/ is dropped on the page (through its file input, as a
person would); the page's verdict must agree with ``sarwatch bundle verify``'s, name
the same problem in the same words, and no request may carry the bundle. The page's
canonical JSON, event hashes and signatures are checked on the same vector files as
tests/test_evidence_format.py.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _browser import DIST, LAPTOP, Page, Server, browser  # noqa: F401 (fixtures)
from sarwatch.errors import InputError
from sarwatch.ledger import canonical_json
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
    # an attribute selector, not a predicate: the page's CSP forbids evaluating strings
    p.wait_for_selector(f"body[data-verified='{before + 1}']", state="attached", timeout=20_000)
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
    key_id = vector.get("key_id", KEY["key_id"])
    shown = _drop(verify_page, path, key_id)
    python = verify_bundle(path, expected_key_id=key_id)
    assert shown["ok"] is python.ok is vector["ok"], shown
    text = "\n".join([shown["verdict"], *shown["problems"]])
    assert vector["expect"] in text, text
    # The same problems in the same words as `sarwatch bundle verify` (but for the
    # errors of the two inflate libraries, and the JSON parsers' words on what they read)
    if "cannot be read" not in text:
        assert text.replace("\n", " ") == python.summary().replace("\n  - ", " ").replace(
            "\n", " "
        ), (
            text,
            python.summary(),
        )
    assert shown["rows"] == python.n_events
    # Nothing left the page: no request after the page's own assets.
    assert not [u for u in verify_page.requests if "/api/" in u]
    assert verify_page.errors == []


def test_a_wrong_key_id_and_the_timeline(verify_page: Page) -> None:
    # The key id is hex: a keyboard with letters ("latin" is no inputmode in HTML), and no
    # capital first letter from a tablet's keyboard.
    field = verify_page.page.locator("#key-id")
    assert field.get_attribute("inputmode") == "text"
    assert field.get_attribute("autocapitalize") == "off"
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


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=_json)
def test_the_page_writes_canonical_json_as_python_does(verify_page: Page, value: Any) -> None:
    """Random values (numbers of every size, text of every plane) in both forms: the page
    gives the same bytes as ledger/canonical.py, or refuses exactly what it refuses."""
    text = json.dumps(value)
    expected = {}
    for form in (2, 1):
        try:
            expected[form] = canonical_json(value, form=form).decode("utf-8")
        except InputError:
            expected[form] = None
    got = verify_page.page.evaluate(
        "(t) => [2, 1].map((f) => window.sarwatchVerify.canonicalText(t, f))", text
    )
    assert got == [expected[2], expected[1]], text


def test_a_station_bundle_of_the_demo_case(
    verify_page: Page, server: Server, tmp_path: Path
) -> None:
    """A bundle as the station exports it (the demo case: an outcome, positions, many
    contacts, a report and map) verifies in the page as on the command line; with a
    byte appended, both name it."""
    import re
    import subprocess
    import sys

    run = [sys.executable, "-m", "sarwatch"]
    listing = subprocess.run(
        [*run, "case", "list"], env=server.env, capture_output=True, text=True, timeout=120
    )
    case_id = re.search(r"\d{4}-\d\d-\d\d-[A-Z]{2}-\d{3}", listing.stdout)
    assert case_id, listing.stdout + listing.stderr
    out = tmp_path / "demo.zip"
    export = subprocess.run(
        [*run, "case", "export", case_id.group(0), "--out", str(out)],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert export.returncode == 0, export.stderr
    python = verify_bundle(out)
    shown = _drop(verify_page, out, None)
    assert python.ok and shown["ok"], (python.summary(), shown)
    assert shown["verdict"] == python.summary()
    assert shown["rows"] == python.n_events > 10
    (tmp_path / "demo-appended.zip").write_bytes(out.read_bytes() + b"\x00")
    shown = _drop(verify_page, tmp_path / "demo-appended.zip", None)
    assert not shown["ok"]
    assert "1 bytes after the zip's end record belong to no member" in shown["problems"][0]


_INTACT = (VECTORS / "bundles" / "intact-v2.zip").read_bytes()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    at=st.integers(0, len(_INTACT) - 1),
    how=st.sampled_from(["flip", "cut", "insert", "delete"]),
    byte=st.integers(0, 255),
    size=st.integers(1, 40),
)
def test_the_page_and_the_cli_agree_on_damaged_bundles(
    verify_page: Page,
    tmp_path_factory: pytest.TempPathFactory,
    at: int,
    how: str,
    byte: int,
    size: int,
) -> None:
    """A byte of a genuine bundle changed, bytes cut, inserted or deleted anywhere: both
    verifiers give the same verdict, and the same words unless a member cannot be read
    (the inflate libraries word their errors differently)."""
    data = bytearray(_INTACT)
    if how == "flip":
        data[at] ^= byte or 1
    elif how == "cut":
        data = data[:at]
    elif how == "insert":
        data[at:at] = bytes([byte]) * size
    else:
        del data[at : at + size]
    path = tmp_path_factory.mktemp("damaged") / "damaged.zip"
    path.write_bytes(bytes(data))
    try:
        python = verify_bundle(path)
        python_ok, python_text = python.ok, python.summary()
    except InputError as exc:  # not a zip at all
        python_ok, python_text = False, str(exc)
    page = verify_page.page.evaluate(
        "(b) => window.sarwatchVerify.verifyBundle("
        "Uint8Array.from(atob(b), (c) => c.charCodeAt(0)), 'damaged.zip', null)",
        base64.b64encode(bytes(data)).decode(),
    )
    assert page["ok"] is python_ok, (how, at, python_text, page["summary"])
    if python_ok or not any(
        w in python_text for w in ("cannot be read", "not a zip", "is not valid JSON", "unreadable")
    ):
        assert page["summary"] == python_text, (how, at)


def test_media_and_corrections_agree(verify_page: Page, tmp_path: Path, land_mask: Any) -> None:
    """A case with media files (carried, and listed by hash only), a position and an
    outcome corrected, closed and reopened by a correction (docs/evidence-format.md §11,
    §12): the page and bundle verify agree, and both name a media member changed."""
    import zipfile
    from datetime import timedelta

    from _cases_helpers import T0, make_service, make_store, open_case
    from sarwatch.adapters.blobs.store import BlobStore
    from sarwatch.domain import Outcome
    from sarwatch.ledger import Signer
    from sarwatch.services.corrections import Corrections
    from sarwatch.services.evidence import build_bundle
    from sarwatch.services.media import MediaService

    cases = make_service(make_store("sqlite", tmp_path), Signer.generate())
    media = MediaService(cases, BlobStore(tmp_path / "media"), max_bytes=10**6)
    case_id = open_case(cases)  # 1, 2
    audio = b"OggS radio call to MRCC Rome " * 300
    media.add_chunks(case_id, [audio], media_type=None, file_name="call.ogg", actor="ana")
    cases.change_status(case_id, "active", actor="ana")
    cases.change_status(case_id, "located", actor="ana")
    outcome = Outcome(T0 + timedelta(hours=5), "rescued", "Open Arms", "Pozzallo", 80, 0, 0)
    cases.record_outcome(case_id, outcome, actor="ana")
    fix = Corrections(cases)
    seqs = {e.kind: e.seq for e in cases.events(case_id)}
    position = fix.amended_position(case_id, 2, lat=33.35)
    fix.correct(case_id, 2, reason="33°21' not 33°12'", actor="bo", position=position)
    amended = fix.amended_outcome(case_id, seqs["outcome_recorded"], kind="intercepted")
    fix.correct(case_id, seqs["outcome_recorded"], reason="returned", actor="bo", outcome=amended)
    cases.change_status(case_id, "closed", actor="ana")
    closed = cases.events(case_id)[-1].seq
    fix.correct(case_id, closed, reason="closed too early", actor="bo", reopen=True)
    cases.change_status(case_id, "closed", actor="ana")  # a record about it still comes in:
    cases.attach(case_id, "reconstruction", {"tool": "sarwatch reconstruct"}, actor="ana")
    carried, listed = tmp_path / "with-media.zip", tmp_path / "without-media.zip"
    build_bundle(cases, case_id, carried, with_pdf=False, media_root=tmp_path / "media")
    build_bundle(cases, case_id, listed, with_pdf=False)
    changed = tmp_path / "media-changed.zip"
    with zipfile.ZipFile(carried) as zin, zipfile.ZipFile(changed, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(
                info, data.replace(b"MRCC", b"MRCX") if info.filename.startswith("media/") else data
            )
    for path, ok in ((carried, True), (listed, True), (changed, False)):
        python = verify_bundle(path)
        shown = _drop(verify_page, path, None)
        assert python.ok is ok and shown["ok"] is ok, (python.summary(), shown)
        text = "\n".join([shown["verdict"], *shown["problems"]])
        assert text.replace("\n", " ") == python.summary().replace("\n  - ", " ").replace("\n", " ")
    assert "1 media file(s) listed by hash only" in verify_bundle(listed).summary()
    assert "was modified after export (SHA-256 differs)" in verify_bundle(changed).summary()
