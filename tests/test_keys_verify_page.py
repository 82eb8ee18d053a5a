"""The /verify page's JavaScript reads keys.json as ``sarwatch bundle verify`` does.

Runs the page's own module (``web/frontend/src/verify-bundle.js``) under Node.js on
bundles of a rotated station; skips where Node.js or the page's npm packages
(``make web``) are absent.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from _cases_helpers import contact, make_service, open_case
from sarwatch.adapters.store import SqlStore
from sarwatch.ledger import VerificationReport
from sarwatch.ledger.keys import load_or_create_signer
from sarwatch.services.evidence import build_bundle, verify_bundle
from sarwatch.services.keys import rotate_station_key

FRONTEND = Path(__file__).parents[1] / "src" / "sarwatch" / "web" / "frontend"
SCRIPT = """
import { readFileSync } from "node:fs";
const { verifyBundle } = await import(process.argv[1]);
const out = process.argv.slice(2).map((f) => {
  const r = verifyBundle(new Uint8Array(readFileSync(f)), "b.zip");
  return { problems: r.problems, findings: r.findings.map((x) => x.message) };
});
console.log(JSON.stringify(out));
"""

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (FRONTEND / "node_modules" / "@noble").exists(),
    reason="needs Node.js and the page's npm packages (make web)",
)


def _page(*bundles: Path) -> list[dict[str, list[str]]]:
    done = subprocess.run(
        ["node", "--input-type=module", "-e", SCRIPT,
         str(FRONTEND / "src" / "verify-bundle.js"), *map(str, bundles)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    result: list[dict[str, list[str]]] = json.loads(done.stdout)
    return result


def test_page_reads_keys_json_and_refuses_a_retired_key(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'a.db'}")
    first = make_service(store, load_or_create_signer(tmp_path / "home"))
    case_id = open_case(first)
    old, new, _ = rotate_station_key(tmp_path / "home")
    second = make_service(store, new)
    second.log_contact(case_id, contact(1), actor="ana")
    build_bundle(second, case_id, tmp_path / "good.zip", with_pdf=False)
    make_service(store, old).log_contact(case_id, contact(2), actor="ana")  # the retired key
    second.verify = lambda c: VerificationReport(c, 4, 4)  # type: ignore[method-assign]
    build_bundle(second, case_id, tmp_path / "rogue.zip", with_pdf=False)
    good, rogue = _page(tmp_path / "good.zip", tmp_path / "rogue.zip")
    assert good == {"problems": [], "findings": []}
    assert verify_bundle(tmp_path / "good.zip").ok
    python = verify_bundle(tmp_path / "rogue.zip")
    assert rogue["problems"] == python.problems == []
    assert rogue["findings"] == [f.message for f in python.findings]
    assert rogue["findings"][0].startswith(f"event #4 is signed by key {old.key_id}, retired at ")
