"""The published evidence format (docs/evidence-format.md): RFC 8785 records, versions, vectors.

The vectors under tests/vectors/ are what an outside verifier is tested with; the
browser verifier's test reads the same files (tests/test_browser_verify.py).
"""

from __future__ import annotations

import functools
import importlib.util
import json
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from _cases_helpers import make_service, make_store, open_case
from sarwatch.errors import InputError
from sarwatch.ledger import (
    CURRENT_FORMAT,
    LEGACY_FORMAT,
    LedgerEntry,
    RegisterEntry,
    RegisterHead,
    SignedHead,
    Signer,
    canonical_json,
    load_public_key,
    record_payload,
    seal,
    sha256_hex,
)
from sarwatch.ledger.keys import verify_signature
from sarwatch.services import case_writes
from sarwatch.services.evidence import BUNDLE_FORMAT, BUNDLE_FORMATS, build_bundle, verify_bundle

VECTORS = Path(__file__).resolve().parent / "vectors"


def _load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("vector_generator", VECTORS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _value(case: dict[str, Any]) -> Any:
    if "bits" in case:
        return struct.unpack(">d", bytes.fromhex(case["bits"]))[0]
    return json.loads(case["input"])


# --- canonical JSON -----------------------------------------------------------------------


@pytest.mark.parametrize("case", _load("jcs.json")["cases"], ids=lambda c: c["name"])
@pytest.mark.parametrize("form", [CURRENT_FORMAT, LEGACY_FORMAT])
def test_canonical_json_vectors(case: dict[str, Any], form: int) -> None:
    """RFC 8785's own examples (sections 3.2.2, 3.2.3, appendix B) and the legacy form."""
    expected = case[f"format{form}"]
    if expected is None:
        with pytest.raises(InputError):
            canonical_json(_value(case), form=form)
    else:
        assert canonical_json(_value(case), form=form) == expected.encode("utf-8")


def test_format_2_refuses_numbers_it_cannot_round_trip_with_a_clear_error() -> None:
    with pytest.raises(InputError, match=r"within ±9,007,199,254,740,991 \(2\^53 − 1\)"):
        canonical_json({"people": 10**30})
    with pytest.raises(InputError, match="does not read back exactly"):
        canonical_json({"x": 1e20})
    with pytest.raises(InputError, match="non-finite"):
        canonical_json({"x": float("inf")})
    with pytest.raises(InputError, match="unknown record format 3"):
        canonical_json({}, form=3)
    assert record_payload({"lon": 13.0, "n": 2**53 - 1}) == {"lon": 13, "n": 2**53 - 1}


# --- the record vectors -------------------------------------------------------------------


def test_the_generator_still_writes_the_committed_records() -> None:
    """The vectors are what this sarwatch writes (Ed25519 is deterministic)."""
    gen = _generator()
    signer = gen.vector_signer()
    assert gen.key_vector(signer) == _load("key.json")
    assert gen.records_vector(signer) == _load("records.json")


@pytest.mark.parametrize("form", [CURRENT_FORMAT, LEGACY_FORMAT])
def test_record_vectors_hash_and_sign_as_documented(form: int) -> None:
    key = _load("key.json")
    public = load_public_key(key["public_key_pem"])
    assert sha256_hex(bytes.fromhex(key["public_key_hex"]))[:16] == key["key_id"]
    records = _load("records.json")[f"format{form}"]
    prev = "0" * 64
    for event in records["events"]:
        body = event["body"].encode("utf-8")
        assert sha256_hex(body) == event["hash"]
        assert verify_signature(public, event["signature"], bytes.fromhex(event["hash"]))
        entry = LedgerEntry.from_json(json.loads(event["line"]))
        assert entry.canonical_body() == body and entry.to_line() == event["line"].encode()
        assert entry.prev_hash == prev and ('"format":2' in event["body"]) == (form == 2)
        prev = event["hash"]
    head = SignedHead.from_json(records["head"])
    assert head.message() == records["head"]["message"].encode()
    assert records["head"]["message"] == (
        f'{{"case_id":"{head.case_id}","hash":"{prev}","seq":{len(records["events"])}}}'
    )
    assert verify_signature(public, head.signature, head.message())
    entry = RegisterEntry.from_json(records["register_entry"])
    assert (
        entry.computed_hash()
        == entry.hash
        == sha256_hex(records["register_entry"]["body"].encode())
    )
    assert '"register":"sarwatch-station-register/1"' in records["register_entry"]["body"]
    assert verify_signature(public, entry.signature, bytes.fromhex(entry.hash))
    reg_head = RegisterHead.from_json(records["register_head"])
    assert reg_head.message() == records["register_head"]["message"].encode()
    assert verify_signature(public, reg_head.signature, reg_head.message())


def test_the_formats_differ_where_documented() -> None:
    """Format 1 writes 13.0 and escapes nothing more; format 2 writes 13 (RFC 8785)."""
    records = _load("records.json")
    position_2 = records["format2"]["events"][1]["body"]
    position_1 = records["format1"]["events"][1]["body"]
    assert '"lon":13,' in position_2 and '"lon":13.0,' in position_1
    assert '"ratio":1e-7' in records["format2"]["events"][4]["body"]
    assert '"ratio":1e-07' in records["format1"]["events"][4]["body"]


# --- the bundle vectors -------------------------------------------------------------------


@pytest.mark.parametrize("vector", _load("bundles.json")["bundles"], ids=lambda v: v["file"])
def test_bundle_vectors(vector: dict[str, Any]) -> None:
    """Intact bundles of both formats verify; each tampered copy is named as documented.

    Trailing bytes, a zip comment, bytes hidden between members behind a data-descriptor
    flag, and an attachment that is not its ledger event all passed as intact before.
    """
    key_id = vector.get("key_id", _load("key.json")["key_id"])
    report = verify_bundle(VECTORS / "bundles" / vector["file"], expected_key_id=key_id)
    assert report.ok is vector["ok"], report.summary()
    assert vector["expect"] in report.summary()


def test_a_format_1_bundle_cannot_carry_format_2_events(tmp_path: Path) -> None:
    gen = _generator()
    signer = gen.vector_signer()
    members = gen.members_of(signer, gen.chain(signer, 2), bundle_format=BUNDLE_FORMATS[0])
    path = tmp_path / "mixed.zip"
    path.write_bytes(gen.pack(members))
    assert "events of record format 2 in a bundle of format 1" in verify_bundle(path).summary()


def test_unknown_formats_are_named(tmp_path: Path) -> None:
    gen = _generator()
    signer = gen.vector_signer()
    entries = gen.chain(signer, 2)
    members = gen.members_of(signer, entries, bundle_format="sarwatch-evidence-bundle/9")
    path = tmp_path / "future.zip"
    path.write_bytes(gen.pack(members))
    assert "says format 'sarwatch-evidence-bundle/9'" in verify_bundle(path).summary()
    line = json.loads(entries[0].to_line())
    with pytest.raises(Exception, match="record format 7 is not one this sarwatch reads"):
        LedgerEntry.from_json({**line, "format": 7})
    with pytest.raises(Exception, match="record format 1 is not one"):
        LedgerEntry.from_json({**line, "format": 1})  # format 1 has no field


# --- the station writes format 2 and still reads format 1 ---------------------------------


@pytest.fixture
def service(tmp_path: Path, land_mask: object) -> Any:
    return make_service(make_store("sqlite", tmp_path), Signer.generate())


def _stored(service: Any, case_id: str, seq: int) -> tuple[str, int]:
    with service.store.engine.begin() as conn:
        row = conn.execute(
            text("SELECT payload, format FROM events WHERE case_id = :c AND seq = :s"),
            {"c": case_id, "s": seq},
        ).one()
    return row.payload, row.format


def test_new_records_and_bundles_use_format_2(service: Any, tmp_path: Path) -> None:
    case_id = open_case(service)
    entries = service.events(case_id)
    assert {e.format for e in entries} == {CURRENT_FORMAT}
    assert all(e.body()["format"] == 2 for e in entries)
    out = build_bundle(service, case_id, tmp_path / "new.zip", with_pdf=False).path
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        lines = zf.read("ledger.jsonl").splitlines()
        register = json.loads(zf.read("register.json"))
    assert manifest["format"] == BUNDLE_FORMAT == "sarwatch-evidence-bundle/2"
    assert all(b'"format":2' in line for line in lines)
    assert register["entry"]["register"] == "sarwatch-station-register/1"
    assert verify_bundle(out).ok


def test_records_of_format_1_still_verify_and_export_beside_new_ones(
    service: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store written before RFC 8785: its events hash in the Python form; new events
    added to the same case are format 2; the chain, the projection and a bundle hold."""
    monkeypatch.setattr(case_writes, "seal", functools.partial(seal, form=LEGACY_FORMAT))
    monkeypatch.setattr(
        case_writes, "record_payload", functools.partial(record_payload, form=LEGACY_FORMAT)
    )
    case_id = open_case(service)
    assert _stored(service, case_id, 1)[1] == LEGACY_FORMAT
    monkeypatch.undo()
    service.change_status(case_id, "active", actor="ana")
    assert [e.format for e in service.events(case_id)] == [1, 1, 2]
    assert service.verify(case_id).ok, service.verify(case_id).summary()
    out = build_bundle(service, case_id, tmp_path / "mixed.zip", with_pdf=False).path
    report = verify_bundle(out)
    assert report.ok, report.summary()
    assert report.format == BUNDLE_FORMAT


@pytest.mark.parametrize(("form", "edited"), [(CURRENT_FORMAT, False), (LEGACY_FORMAT, True)])
def test_3_and_3_0_are_one_number_in_format_2_only(
    service: Any, form: int, edited: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_writes, "seal", functools.partial(seal, form=form))
    monkeypatch.setattr(case_writes, "record_payload", functools.partial(record_payload, form=form))
    case_id = open_case(service)
    payload, _ = _stored(service, case_id, 2)
    assert '"quality":3' in payload
    with service.store.engine.begin() as conn:
        conn.execute(
            text("UPDATE events SET payload = :p WHERE case_id = :c AND seq = 2"),
            {"p": payload.replace('"quality":3', '"quality":3.0'), "c": case_id},
        )
    report = make_service(service.store, service.signer).verify(case_id)
    assert (not report.ok) is edited, report.summary()
    if edited:
        assert {(f.problem, f.seq) for f in report.findings} == {("edited", 2)}


def test_a_number_format_2_cannot_carry_is_refused_and_nothing_is_written(service: Any) -> None:
    case_id = open_case(service)
    before = len(service.events(case_id))
    with pytest.raises(InputError, match=r"2(\^|\*\*)53"):  # the domain's check or the seal's
        service.attach(case_id, "document", {"bytes": 10**30}, actor="ana")
    with pytest.raises(InputError, match=r"within ±9,007,199,254,740,991 \(2\^53 − 1\)"):
        seal(
            service.signer,
            case_id=case_id,
            seq=before + 1,
            recorded_at="2026-11-20T06:00:00Z",
            kind="attachment_added",
            actor="ana",
            payload={"kind": "document", "record": {"n": -(2**53)}},
            prev_hash="0" * 64,
        )
    assert len(service.events(case_id)) == before
    assert service.verify(case_id).ok


def test_a_zip_written_with_data_descriptors_is_intact(tmp_path: Path) -> None:
    """A zip written to a stream (flag bit 3, each member followed by its descriptor)
    has no byte outside a member: only exact, matching descriptors pass."""
    import io

    class Stream(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: Any) -> int:
            self.data += bytes(b)
            return len(b)

    gen = _generator()
    signer = gen.vector_signer()
    stream = Stream()
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in gen.members_of(signer, gen.chain(signer, 2)).items():
            zf.writestr(name, data)
    path = tmp_path / "streamed.zip"
    path.write_bytes(bytes(stream.data))
    with zipfile.ZipFile(path) as zf:
        assert all(info.flag_bits & 0x08 for info in zf.infolist())
    assert verify_bundle(path).ok, verify_bundle(path).summary()
    spliced = gen.hide_between(path.read_bytes(), 4, b"x", descriptor_flag=True)
    (tmp_path / "spliced.zip").write_bytes(spliced)
    summary = verify_bundle(tmp_path / "spliced.zip").summary()
    assert "17 bytes between ledger.jsonl and case.json belong to no member" in summary


# --- the /verify page is served, to anyone, with local assets only -----------------------


def test_the_verify_page_is_served_without_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from sarwatch.geo.coast import default_cache_dir
    from sarwatch.settings import load_settings
    from sarwatch.web import app as web_app
    from sarwatch.web.routes import map as map_routes

    client = TestClient(
        web_app.create_app(load_settings(home_dir=tmp_path, cache_dir=default_cache_dir()))
    )
    if (map_routes.DIST_DIR / "verify.html").is_file():
        html = client.get("/verify").text
        assert "nothing is uploaded" in html
        scripts = [s.split('"')[0] for s in html.split('src="')[1:]]
        assert scripts and all(s.startswith("/static/dist/verify-") for s in scripts)
        assert "http://" not in html and "https://" not in html
        assert client.get(scripts[0]).status_code == 200
    monkeypatch.setattr(map_routes, "DIST_DIR", tmp_path / "dist")
    response = client.get("/verify")
    assert response.status_code == 503 and "make web" in response.text
