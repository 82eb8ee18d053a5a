"""Evidence bundles: export, offline verification, and tampering inside the zip found and named."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from _cases_helpers import contact, make_service, make_store, open_case
from sarwatch.errors import IntegrityError
from sarwatch.ledger import LedgerEntry, Signer, canonical_json, public_key_pem, seal
from sarwatch.services.cases import CaseService
from sarwatch.services.evidence import build_bundle, verify_bundle

DRIFT_RUN = {
    "forcing": [
        {
            "file": "cmems_cur_2018-03-15.nc",
            "sha256": "ab" * 32,
            "window": ["2018-03-15T00:00:00Z", "2018-03-17T00:00:00Z"],
        },
        {
            "file": "era5_wind_2018-03-15.nc",
            "sha256": "cd" * 32,
            "window": ["2018-03-15T00:00:00Z", "2018-03-17T00:00:00Z"],
        },
    ],
    "parameters": {"object": "LIFE-RAFT-NB-2", "particles": 5000, "hours": 24},
    "seed": 20180315,
    "outputs": {"centroid_24h": [12.71, 33.52], "p90_radius_nm": 11.2},
}


@pytest.fixture
def service(tmp_path: Path, land_mask) -> CaseService:
    return make_service(make_store("sqlite", tmp_path), Signer.generate())


@pytest.fixture
def bundle(service: CaseService, tmp_path: Path) -> Path:
    case_id = open_case(service)
    service.change_status(case_id, "active", actor="ana")
    for i in range(3):
        service.log_contact(case_id, contact(i), actor="ana")
    service.attach(case_id, "drift_run", DRIFT_RUN, actor="ana")
    out = tmp_path / "case.zip"
    build_bundle(service, case_id, out)
    return out  # 7 events


def _rewrite(
    src: Path, dst: Path, changes: dict[str, bytes | None], add: dict[str, bytes] | None = None
) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            data = changes.get(name, zin.read(name))
            if data is not None:
                zout.writestr(name, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def _lines(path: Path) -> list[bytes]:
    with zipfile.ZipFile(path) as zf:
        return zf.read("ledger.jsonl").splitlines(keepends=True)


def test_bundle_holds_everything_and_verifies(bundle: Path, service: CaseService) -> None:
    report = verify_bundle(bundle, expected_key_id=service.signer.key_id)
    assert report.ok, report.summary()
    assert report.n_events == 7
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        assert {
            "manifest.json",
            "manifest.sig",
            "public_key.pem",
            "ledger.jsonl",
            "case.json",
            "report.html",
            "report.pdf",
            "map.png",
            "README.txt",
            "register.json",
        } <= names
        assert zf.read("public_key.pem").decode() == public_key_pem(service.signer.public_key)
        assert zf.read("report.pdf").startswith(b"%PDF")
        assert zf.read("map.png").startswith(b"\x89PNG")
        html = zf.read("report.html").decode()
        assert "2018-03-15-LY-001" in html and "MRCC Rome" in html
        (attachment,) = [n for n in names if n.startswith("attachments/")]
        record = json.loads(zf.read(attachment))["record"]
        assert record["seed"] == 20180315
        assert record["forcing"][1]["sha256"] == "cd" * 32
        assert manifest["head"]["seq"] == 7
        entries = [
            LedgerEntry.from_json(json.loads(x)) for x in zf.read("ledger.jsonl").splitlines()
        ]
        assert [e.seq for e in entries] == list(range(1, 8))
        registration = json.loads(zf.read("register.json"))
        assert registration["entry"]["case_id"] == "2018-03-15-LY-001"
        assert registration["entry"]["first_hash"] == entries[0].hash
    assert report.registered_as == 1 and "the station's case #1" in report.summary()


def test_registration_checks_name_what_is_wrong(service: CaseService) -> None:
    from dataclasses import replace

    from sarwatch.ledger import check_registration

    first_id, second_id = open_case(service), open_case(service)
    entry, head = service.registration(first_id)
    keys = {service.signer.key_id: service.signer.public_key}
    first_hash = service.events(first_id)[0].hash
    assert check_registration(entry, head, keys, case_id=first_id, first_hash=first_hash) == []
    other, _ = service.registration(second_id)
    assert check_registration(other, head, keys, case_id=first_id, first_hash=first_hash) == [
        f"the register entry is for case {second_id}, not {first_id}",
        "the register entry names another first event than the ledger's",
    ]
    edited = replace(entry, opened_at="2018-03-14T00:00:00Z")
    assert check_registration(edited, head, keys, case_id=first_id, first_hash=first_hash) == [
        "the register entry is not signed by the station key, or was edited"
    ]
    stale = replace(head, seq=0)
    assert check_registration(entry, stale, keys, case_id=first_id, first_hash=first_hash) == [
        "the register head is not signed by the station key"
    ]


def test_export_refuses_a_case_missing_from_the_register(
    service: CaseService, tmp_path: Path
) -> None:
    from sqlalchemy import text

    case_id = open_case(service)
    with service.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM register"))
    with pytest.raises(IntegrityError, match=r"not in the station register.*ledger adopt"):
        build_bundle(service, case_id, tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def test_edited_event_in_bundle(bundle: Path, tmp_path: Path) -> None:
    lines = _lines(bundle)
    entry = json.loads(lines[3])
    entry["payload"]["summary"] = "they never called"
    lines[3] = canonical_json(entry) + b"\n"
    report = verify_bundle(_rewrite(bundle, tmp_path / "t.zip", {"ledger.jsonl": b"".join(lines)}))
    assert [(f.problem, f.seq) for f in report.findings] == [("edited", 4)]
    assert "ledger.jsonl was modified after export (SHA-256 differs)" in report.problems


def test_deleted_event_in_bundle(bundle: Path, tmp_path: Path) -> None:
    lines = _lines(bundle)
    del lines[3]
    report = verify_bundle(_rewrite(bundle, tmp_path / "t.zip", {"ledger.jsonl": b"".join(lines)}))
    assert [(f.problem, f.seq) for f in report.findings] == [("deleted", 4)]


def test_reordered_events_in_bundle(bundle: Path, tmp_path: Path) -> None:
    lines = _lines(bundle)
    lines[3], lines[4] = lines[4], lines[3]
    report = verify_bundle(_rewrite(bundle, tmp_path / "t.zip", {"ledger.jsonl": b"".join(lines)}))
    assert report.kinds() == {"reordered"}
    assert "reordered" in report.summary()


def test_inserted_event_in_bundle(bundle: Path, tmp_path: Path) -> None:
    lines = _lines(bundle)
    last = LedgerEntry.from_json(json.loads(lines[-1]))
    forged = seal(
        Signer.generate(),
        case_id=last.case_id,
        seq=8,
        recorded_at=last.recorded_at,
        kind="decision_recorded",
        actor="ana",
        payload={"time": "2018-03-15T05:00:00Z", "summary": "no assets available", "by": "x"},
        prev_hash=last.hash,
    )
    lines.append(canonical_json(forged.to_json()) + b"\n")
    report = verify_bundle(_rewrite(bundle, tmp_path / "t.zip", {"ledger.jsonl": b"".join(lines)}))
    assert ("inserted", 8) in {(f.problem, f.seq) for f in report.findings}


def test_other_files_tampered(bundle: Path, tmp_path: Path) -> None:
    report = verify_bundle(_rewrite(bundle, tmp_path / "a.zip", {"report.html": b"<p>nothing</p>"}))
    assert report.problems == ["report.html was modified after export (SHA-256 differs)"]
    report = verify_bundle(_rewrite(bundle, tmp_path / "b.zip", {"report.pdf": None}))
    assert report.problems == ["report.pdf was deleted from the bundle"]
    report = verify_bundle(_rewrite(bundle, tmp_path / "c.zip", {}, add={"extra.txt": b"x"}))
    assert report.problems == ["extra.txt was added to the bundle after export"]
    with zipfile.ZipFile(bundle) as zf:
        manifest = zf.read("manifest.json").replace(b'"n_events": 7', b'"n_events": 9')
    report = verify_bundle(_rewrite(bundle, tmp_path / "d.zip", {"manifest.json": manifest}))
    assert "manifest.json was modified: its signature does not match" in report.problems


def test_bundle_resigned_with_another_key_fails_the_key_check(
    bundle: Path, tmp_path: Path, service: CaseService
) -> None:
    forger = Signer.generate()
    with zipfile.ZipFile(bundle) as zf:
        manifest_bytes = zf.read("manifest.json")
    pem = public_key_pem(forger.public_key).encode()
    manifest = json.loads(manifest_bytes)
    import hashlib

    manifest["files"]["public_key.pem"] = hashlib.sha256(pem).hexdigest()
    new_manifest = json.dumps(manifest, indent=2, sort_keys=True).encode()
    forged = _rewrite(
        bundle,
        tmp_path / "f.zip",
        {
            "public_key.pem": pem,
            "manifest.json": new_manifest,
            "manifest.sig": forger.sign(new_manifest).encode(),
        },
    )
    report = verify_bundle(forged, expected_key_id=service.signer.key_id)
    assert any(
        f"not the expected station key {service.signer.key_id}" in p for p in report.problems
    )
    # the ledger events are still signed by the station: the forger's key does not verify them
    assert report.kinds() >= {"inserted"}


def test_export_refuses_a_tampered_store(service: CaseService, tmp_path: Path) -> None:
    from sqlalchemy import text

    case_id = open_case(service)
    with service.store.engine.begin() as conn:
        conn.execute(text("UPDATE events SET actor='mallory' WHERE seq=2"))
    with pytest.raises(IntegrityError, match="refusing to export a tampered case"):
        build_bundle(service, case_id, tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()
