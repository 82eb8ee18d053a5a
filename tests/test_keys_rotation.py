"""Key rotation: a hand-over signed by both keys, history in bundles, retired keys refused."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from _cases_helpers import contact, make_service, open_case
from _cli import open_case as cli_open_case
from _cli import run_cli
from sarwatch.adapters.store import SqlStore
from sarwatch.errors import IntegrityError
from sarwatch.ledger.keys import (
    Handover,
    KeyHistory,
    Signer,
    load_or_create_signer,
    rotate_key,
)
from sarwatch.services.cases import CaseService
from sarwatch.services.evidence import build_bundle, verify_bundle
from sarwatch.services.keys import rotate_station_key


def _rotated(tmp_path: Path) -> tuple[CaseService, Signer, str]:
    """A case signed partly under the first key and partly after a rotation."""
    home = tmp_path / "home"
    store = SqlStore(f"sqlite:///{tmp_path / 'a.db'}")
    first = make_service(store, load_or_create_signer(home))
    case_id = open_case(first)
    first.log_contact(case_id, contact(1), actor="ana")
    old, new, history = rotate_station_key(home)
    assert (old.key_id, new.key_id) == (first.signer.key_id, history.current().key_id)
    second = make_service(store, new)
    second.log_contact(case_id, contact(2), actor="ana")
    return second, old, case_id


def test_a_case_spanning_a_rotation_verifies(tmp_path: Path) -> None:
    service, old, case_id = _rotated(tmp_path)
    keys = [e.key_id for e in service.events(case_id)]
    assert keys == [old.key_id] * 3 + [service.signer.key_id]
    assert service.verify(case_id).ok, service.verify(case_id).summary()
    assert service.verify_register().ok
    history = service.signer.history
    assert history is not None and history.problems() == []
    assert [k.valid_until is None for k in history.keys] == [False, True]


def test_the_retired_key_is_refused_after_the_handover(tmp_path: Path) -> None:
    service, old, case_id = _rotated(tmp_path)
    rogue = make_service(service.store, old)  # someone who kept the retired private key
    rogue.log_contact(case_id, contact(3), actor="ana")
    report = service.verify(case_id)
    assert not report.ok
    (finding,) = report.findings
    history = service.signer.history
    assert history is not None
    retired_at = history.keys[0].valid_until
    recorded_at = service.events(case_id)[-1].recorded_at
    assert finding.message == (
        f"event #5 is signed by key {old.key_id}, retired at {retired_at} (handed over to "
        f"{service.signer.key_id}), but says it was recorded at {recorded_at}: refused"
    )


def test_the_handover_needs_both_signatures(tmp_path: Path) -> None:
    old, new = Signer.generate(), Signer.generate()
    history = rotate_key(old, new, "2026-12-06T19:00:00Z")
    assert history.problems() == []
    body = json.loads(history.handovers[0].message())
    assert body == {
        "handover": "sarwatch-key-handover/1",
        "new_key_id": new.key_id,
        "old_key_id": old.key_id,
        "time": "2026-12-06T19:00:00Z",
    }
    h = history.handovers[0]
    forged = Handover(
        h.old_key_id, h.new_key_id, h.time, h.old_signature, Signer.generate().sign(h.message())
    )
    bad = KeyHistory(history.keys, (forged,))
    assert bad.problems() == [f"hand-over #1 is not signed by the new key {new.key_id}"]
    assert KeyHistory.from_json(history.to_json()) == history


def test_a_bundle_carries_the_key_history(tmp_path: Path) -> None:
    service, old, case_id = _rotated(tmp_path)
    out = tmp_path / "case.zip"
    build_bundle(service, case_id, out, with_pdf=False)
    with zipfile.ZipFile(out) as zf:
        keys = json.loads(zf.read("keys.json"))
    assert [k["key_id"] for k in keys["keys"]] == [old.key_id, service.signer.key_id]
    assert keys["handovers"][0]["old_key_id"] == old.key_id
    report = verify_bundle(out, expected_key_id=service.signer.key_id)
    assert report.ok, report.summary()
    # Without keys.json the events of the old key are not the bundle's key's: refused.
    stripped = tmp_path / "stripped.zip"
    with zipfile.ZipFile(out) as zin, zipfile.ZipFile(stripped, "w") as zout:
        for name in zin.namelist():
            if name != "keys.json":
                zout.writestr(name, zin.read(name))
    report = verify_bundle(stripped)
    assert not report.ok and "keys.json was deleted from the bundle" in report.problems


def test_a_key_file_not_matching_the_history_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    old = load_or_create_signer(home)
    pem = (home / "keys" / "station-ed25519.pem").read_bytes()
    rotate_station_key(home, clock=lambda: datetime(2026, 12, 6, tzinfo=UTC) + timedelta(hours=1))
    (home / "keys" / "station-ed25519.pem").write_bytes(pem)  # the old key restored
    with pytest.raises(
        IntegrityError, match=f"the station key .* \\(id {old.key_id}\\) is not the current"
    ):
        load_or_create_signer(home)


def test_cli_key_rotate_and_history(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cid = cli_open_case(capsys)
    code, out, err = run_cli(capsys, "key", "rotate")
    assert code == 0, err
    assert out.startswith("retired key ") and "hand-over signed by both; 2 key(s)" in out
    assert run_cli(capsys, "case", "status", cid, "active")[0] == 0
    code, out, err = run_cli(capsys, "ledger", "verify")
    assert code == 0, out + err
    code, out, err = run_cli(capsys, "key", "history")
    assert code == 0, err
    assert out.count("\n") == 3 and "until now (current)" in out
    assert out.endswith("1 hand-over(s), each signed by the old and the new key\n")


def test_documented_handover_vector() -> None:
    """docs/evidence-format.md §13."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    old = Signer(Ed25519PrivateKey.from_private_bytes(b"\x01" * 32))
    new = Signer(Ed25519PrivateKey.from_private_bytes(b"\x02" * 32))
    (handover,) = rotate_key(old, new, "2026-12-06T19:00:00Z").handovers
    assert (old.key_id, new.key_id) == ("34750f98bd59fcfc", "6a3803d5f059902a")
    assert handover.message() == (
        b'{"handover":"sarwatch-key-handover/1","new_key_id":"6a3803d5f059902a",'
        b'"old_key_id":"34750f98bd59fcfc","time":"2026-12-06T19:00:00Z"}'
    )
    assert handover.old_signature == (
        "40d779a6c7410950c86a9a8ca3fd3d1ec955096152170ee5a24abc131ff9b286"
        "927c9580580db9d09747f6402691669f443287f5528055d8d1f5335c07694908"
    )
    assert handover.new_signature == (
        "ad9952fd8f154f749bbe6bc7b54ba7b88559a2fe0c34e7ca3c71c9b62545e187"
        "15ef6807cb504a93f58f1dbb9d1550216f7d7f487bc2e1aa93233daf703a5a0b"
    )
