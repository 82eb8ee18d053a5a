"""Attacks on the ledger by someone who can write the database and the bundles, not the key.

Each test does what a hostile party with write access to the SQLite file (or the
PostgreSQL server) or to an exported zip would do, and checks that ``ledger
verify`` / ``bundle verify`` names it, or refuses cleanly (an error, never a
traceback). What cannot be found without the key or an anchor is asserted as the
documented limit (docs/design/005-cases-ledger.md).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

from _cases_helpers import contact, make_service, make_store, open_case, run_sql
from sarwatch.adapters.store import SqlStore
from sarwatch.errors import IntegrityError
from sarwatch.ledger import Signer, verify_chain
from sarwatch.services.cases import CaseService


@pytest.fixture
def two_cases(sql_store: SqlStore) -> tuple[CaseService, str, str]:
    """Case A (events 1..6, active) and case B (events 1..5), same station."""
    service = make_service(sql_store)
    a = open_case(service)
    service.change_status(a, "active", actor="ana")
    for i in range(3):
        service.log_contact(a, contact(i), actor="ana")
    b = open_case(service)
    for i in range(3):
        service.log_contact(b, contact(10 + i), actor="bo")
    assert all(r.ok for r in service.verify_all()) and service.verify_register().ok
    return service, a, b


def _fresh(service: CaseService) -> CaseService:
    """The same station opened again, as 'sarwatch ledger verify' does (no cache)."""
    store = SqlStore(service.store.url)
    return CaseService(store=store, signer=service.signer)


def _named(report) -> set[tuple[str, int | None]]:
    return {(f.problem, f.seq) for f in report.findings}


# --- the projection: what 'case show', the API and the public feed read ------------------


@pytest.mark.parametrize(
    ("statement", "said"),
    [
        # the public feed shows a closed case's positions: closing it in the projection alone
        (
            'UPDATE cases SET state = replace(state, \'"status":"active"\', '
            '\'"status":"closed"\') WHERE case_id = :c',
            "differs from the ledger in status",
        ),
        ("UPDATE cases SET status = 'closed' WHERE case_id = :c", "stored status column"),
        ("UPDATE cases SET title = 'nothing happened' WHERE case_id = :c", "stored title column"),
        (
            "UPDATE cases SET updated_at = '2017-01-01T00:00:00Z' WHERE case_id = :c",
            "stored updated_at column",
        ),
    ],
)
def test_an_edited_projection_is_named(
    two_cases: tuple[CaseService, str, str], statement: str, said: str
) -> None:
    service, a, _ = two_cases
    run_sql(service.store, statement, c=a)
    # the running process's cache keeps its copy for the same head: verify reads the store
    report = service.verify(a)
    assert report.problems() == {"projection"}, report.summary()
    assert said in report.summary()
    assert not _fresh(service).verify(a).ok


def test_events_recorded_on_an_edited_projection_do_not_replay(
    two_cases: tuple[CaseService, str, str],
) -> None:
    """Status set back to 'alert' in the projection lets a genuine, signed, illegal move in."""
    service, a, _ = two_cases
    run_sql(
        service.store,
        'UPDATE cases SET state = replace(state, \'"status":"active"\', \'"status":"alert"\'),'
        " status = 'alert' WHERE case_id = :c",
        c=a,
    )
    fresh = _fresh(service)
    fresh.change_status(a, "active", actor="mallory")  # alert -> active again: accepted
    report = fresh.verify(a)
    assert report.problems() == {"projection"}
    assert "do not replay through the status machine" in report.summary()


def test_export_refuses_an_edited_projection(
    two_cases: tuple[CaseService, str, str], tmp_path: Path
) -> None:
    from sarwatch.services.evidence import build_bundle

    service, a, _ = two_cases
    run_sql(service.store, "UPDATE cases SET title = 'nothing happened' WHERE case_id = :c", c=a)
    with pytest.raises(IntegrityError, match="stored title column"):
        build_bundle(_fresh(service), a, tmp_path / "a.zip", with_pdf=False)


# --- events moved between cases, replayed, heads and register rows --------------------


def test_an_event_spliced_in_from_another_case_of_the_station_is_named(
    two_cases: tuple[CaseService, str, str],
) -> None:
    """B's genuinely signed event #4 moved to the end of A, A's head pointed at it."""
    service, a, b = two_cases
    run_sql(
        service.store,
        "UPDATE events SET case_id = :a, seq = 7 WHERE case_id = :b AND seq = 4",
        "UPDATE cases SET head_seq = 7, head_hash = (SELECT hash FROM events WHERE case_id = :a"
        " AND seq = 7) WHERE case_id = :a",
        a=a,
        b=b,
    )
    fresh = _fresh(service)
    assert _named(fresh.verify(a)) == {("edited", 7), ("bad_head", 7)}
    assert _named(fresh.verify(b)) == {("deleted", 4)}


def test_two_cases_swapping_ids_are_named_replaced(tmp_path: Path) -> None:
    """Done with the sqlite3 module, which leaves foreign keys off, as an attacker would."""
    import sqlite3

    service = make_service(make_store("sqlite", tmp_path))
    a, b = open_case(service), open_case(service)
    service.log_contact(a, contact(1), actor="ana")
    db = sqlite3.connect(tmp_path / "cases.db")
    for table in ("events", "cases"):
        db.execute(f"UPDATE {table} SET case_id = 'swap' WHERE case_id = ?", (a,))
        db.execute(f"UPDATE {table} SET case_id = ? WHERE case_id = ?", (a, b))
        db.execute(f"UPDATE {table} SET case_id = ? WHERE case_id = 'swap'", (b,))
    db.commit()
    db.close()
    fresh = _fresh(service)
    for case_id in (a, b):
        report = fresh.verify(case_id)
        assert not report.ok and "edited" in report.problems(), report.summary()
    register = fresh.verify_register()
    assert _named(register) == {("edited", 1), ("edited", 2)}
    assert "the case was replaced" in register.summary()


def test_a_genuine_event_replayed_at_the_end_is_named_a_copy(
    two_cases: tuple[CaseService, str, str],
) -> None:
    service, a, _ = two_cases
    run_sql(
        service.store,
        "INSERT INTO events (case_id, seq, recorded_at, kind, actor, payload, prev_hash, hash,"
        " key_id, signature) SELECT case_id, 7, recorded_at, kind, actor, payload, prev_hash,"
        " hash, key_id, signature FROM events WHERE case_id = :c AND seq = 3",
        c=a,
    )
    report = _fresh(service).verify(a)
    assert _named(report) == {("inserted", 7)}
    assert "carries the hash and signature of event #3" in report.summary()


def test_head_seq_edited_without_a_signature_is_named(
    two_cases: tuple[CaseService, str, str],
) -> None:
    service, a, _ = two_cases
    run_sql(service.store, "UPDATE cases SET head_seq = 3 WHERE case_id = :c", c=a)
    report = _fresh(service).verify(a)
    assert report.problems() == {"bad_head"}
    assert "not signed by the station key" in report.summary()


def test_two_register_entries_swapped_are_named_edited_not_deleted(
    two_cases: tuple[CaseService, str, str],
) -> None:
    service, a, b = two_cases
    run_sql(
        service.store,
        "UPDATE register SET case_id = 'swap' WHERE seq = 1",
        "UPDATE register SET case_id = :a WHERE seq = 2",
        "UPDATE register SET case_id = :b WHERE seq = 1",
        a=a,
        b=b,
    )
    report = _fresh(service).verify_register()
    assert _named(report) == {("edited", 1), ("edited", 2), ("inserted", None)}
    assert "cut from the end" not in report.summary()
    assert "is missing" not in report.summary()


def test_a_duplicated_register_entry_is_named(two_cases: tuple[CaseService, str, str]) -> None:
    """A copy of entry #1 under number #3 (case id changed: it is unique in the table)."""
    service, _, _ = two_cases
    run_sql(
        service.store,
        "INSERT INTO register SELECT 3, 'copy', opened_at, first_hash, prev_hash, hash, key_id,"
        " signature FROM register WHERE seq = 1",
    )
    report = _fresh(service).verify_register()
    assert _named(report) == {("edited", 3)}


# --- rows that sarwatch cannot have written: named, no traceback ---------------------------

SQLITE_ONLY_GARBAGE = {
    "payload is not JSON": "UPDATE events SET payload = '{not json' WHERE case_id = :c AND seq = 2",
    "payload is a list": "UPDATE events SET payload = '[1, 2]' WHERE case_id = :c AND seq = 2",
    "seq is text": "UPDATE events SET seq = 'two' WHERE case_id = :c AND seq = 2",
    "seq is a fraction": "UPDATE events SET seq = 2.5 WHERE case_id = :c AND seq = 2",
    "head_seq is text": "UPDATE cases SET head_seq = 'six' WHERE case_id = :c",
    "state is not JSON": "UPDATE cases SET state = 'nope' WHERE case_id = :c",
}


@pytest.mark.parametrize("what", sorted(SQLITE_ONLY_GARBAGE))
def test_unreadable_rows_are_named_not_a_crash(tmp_path: Path, what: str) -> None:
    store = make_store("sqlite", tmp_path)
    service = make_service(store)
    a = open_case(service)
    service.log_contact(a, contact(1), actor="ana")
    run_sql(store, SQLITE_ONLY_GARBAGE[what], c=a)
    fresh = _fresh(service)
    reports = fresh.verify_all()  # lists ids only: the bad row is reported in its turn
    assert [r.case_id for r in reports] == [a]
    assert reports[0].problems() == {"edited"}
    assert "changed outside sarwatch" in reports[0].summary()
    with pytest.raises(IntegrityError, match="changed outside sarwatch"):
        fresh.get(a) if "state" in what or "head" in what else fresh.events(a)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET hash = X'00' WHERE case_id = :c AND seq = 2",
        "UPDATE events SET signature = 5 WHERE case_id = :c AND seq = 2",
        "UPDATE events SET signature = 'zz' WHERE case_id = :c AND seq = 2",
    ],
)
def test_malformed_hex_reads_as_forged(tmp_path: Path, statement: str) -> None:
    store = make_store("sqlite", tmp_path)
    service = make_service(store)
    a = open_case(service)
    run_sql(store, statement, c=a)
    report = _fresh(service).verify(a)
    assert ("inserted", 2) in _named(report), report.summary()
    assert "not signed by the station key" in report.summary()


def test_a_register_head_with_a_text_seq_is_named_and_openings_refuse(tmp_path: Path) -> None:
    store = make_store("sqlite", tmp_path)
    service = make_service(store)
    open_case(service)
    run_sql(store, "UPDATE register_head SET seq = 'one'")
    fresh = _fresh(service)
    report = fresh.verify_register()
    assert report.findings[0].problem == "edited"
    assert "register head's seq" in report.summary()
    with pytest.raises(IntegrityError, match="changed outside sarwatch"):
        open_case(fresh)


# --- canonical JSON: every change of a signed value is an edit ----------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # 3 and 3.0: one number in RFC 8785 (record format 2), so not an edit there;
        # in format 1 they are different signed bytes (tests/test_evidence_format.py)
        ('"lat":33.2', '"lat":33.20000000000001'),
        ('"uncertainty_nm":0.5', '"uncertainty_nm":-0.0'),
        ('"quality":3', '"quality":30000000000000000000000000000001'),  # big ints exactly
        ('"note":""', '"note":"cafe\\u0301"'),  # not NFC: another string, another hash
        ('"uncertainty_nm":0.5', '"uncertainty_nm":1e400'),  # reads as infinity
        ('"uncertainty_nm":0.5', '"uncertainty_nm":NaN'),
    ],
)
def test_number_and_string_variants_in_a_payload_are_edits(
    tmp_path: Path, old: str, new: str
) -> None:
    store = make_store("sqlite", tmp_path)
    service = make_service(store)
    a = open_case(service)
    with store.engine.begin() as conn:
        payload = conn.execute(
            text("SELECT payload FROM events WHERE case_id = :c AND seq = 2"), {"c": a}
        ).scalar_one()
        assert old in payload
        conn.execute(
            text("UPDATE events SET payload = :p WHERE case_id = :c AND seq = 2"),
            {"p": payload.replace(old, new), "c": a},
        )
    report = _fresh(service).verify(a)
    assert _named(report) == {("edited", 2)}, report.summary()


def test_a_payload_rewritten_to_the_same_value_is_not_a_change(tmp_path: Path) -> None:
    """Documented: key order, spaces and duplicate keys in the stored text.

    sarwatch reads, verifies, shows and exports the parsed value (for a duplicate key,
    the last one), which is the signed one; an export writes it canonically again.
    """
    from sarwatch.services.evidence import build_bundle, verify_bundle

    store = make_store("sqlite", tmp_path)
    service = make_service(store)
    a = open_case(service)
    service.change_status(a, "active", actor="ana")
    run_sql(
        store,
        'UPDATE events SET payload = \'{"to": "closed", "reason": "", "from": "alert",'
        ' "to": "active"}\' WHERE case_id = :c AND seq = 3',
        c=a,
    )
    fresh = _fresh(service)
    assert fresh.verify(a).ok
    out = build_bundle(fresh, a, tmp_path / "a.zip", with_pdf=False).path
    with zipfile.ZipFile(out) as zf:
        line = zf.read("ledger.jsonl").splitlines()[2]
    assert b'"to":"active"' in line and b"closed" not in line
    assert verify_bundle(out).ok


def test_verify_chain_names_a_non_finite_number_instead_of_raising() -> None:
    from dataclasses import replace

    from sarwatch.ledger import GENESIS, seal

    signer = Signer.generate()
    entry = seal(
        signer,
        case_id="2018-03-15-LY-001",
        seq=1,
        recorded_at="2018-03-15T04:10:00Z",
        kind="note",
        actor="ana",
        payload={"x": 1.5},
        prev_hash=GENESIS,
    )
    forged = replace(entry, payload={"x": float("inf")})
    report = verify_chain([forged], {signer.key_id: signer.public_key})
    assert _named(report) == {("edited", 1)}


# --- evidence bundles -------------------------------------------------------------------


@pytest.fixture
def station(tmp_path: Path) -> tuple[CaseService, str]:
    service = make_service(make_store("sqlite", tmp_path))
    case_id = open_case(service)
    service.change_status(case_id, "active", actor="ana")
    service.log_contact(case_id, contact(1), actor="ana")
    return service, case_id


def _export(service: CaseService, case_id: str, out: Path) -> Path:
    from sarwatch.services.evidence import build_bundle

    return build_bundle(service, case_id, out, with_pdf=False).path


def _members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(i.filename, zf.read(i)) for i in zf.infolist()]


def _zip(path: Path, members: list[tuple[str, bytes]], prefix: bytes = b"") -> Path:
    import io
    import warnings

    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in members:
                zf.writestr(name, data)
    path.write_bytes(prefix + buf.getvalue())
    return path


def _verify(path: Path):
    from sarwatch.services.evidence import verify_bundle

    report = verify_bundle(path)
    assert not report.ok, "the attack went unseen"
    return report


def test_a_second_copy_of_a_member_is_named(station, tmp_path: Path) -> None:
    """Zip readers disagree on which copy they show: a forged report before the genuine one."""
    bundle = _export(*station, tmp_path / "case.zip")
    forged = [("report.html", b"<h1>the boat was never in distress</h1>")]
    for members in (forged + _members(bundle), _members(bundle) + forged):
        report = _verify(_zip(tmp_path / "dup.zip", members))
        assert "report.html appears 2 times in the zip" in report.summary()


def test_data_hidden_before_or_between_members_is_named(station, tmp_path: Path) -> None:
    bundle = _export(*station, tmp_path / "case.zip")
    hidden = _zip(tmp_path / "hidden.zip", [("report.html", b"<h1>forged</h1>")])
    report = _verify(_zip(tmp_path / "pre.zip", _members(bundle), prefix=hidden.read_bytes()))
    assert "belong to no member: data was hidden in the zip" in report.summary()


def test_a_path_traversal_name_is_an_added_file(station, tmp_path: Path) -> None:
    bundle = _export(*station, tmp_path / "case.zip")
    report = _verify(_zip(tmp_path / "t.zip", [*_members(bundle), ("../../etc/x", b"x")]))
    assert "../../etc/x was added to the bundle after export" in report.summary()


def test_a_manifest_listing_an_extra_file_is_named(station, tmp_path: Path) -> None:
    bundle = _export(*station, tmp_path / "case.zip")
    members = dict(_members(bundle))
    manifest = json.loads(members["manifest.json"])
    manifest["files"]["extra.txt"] = "00" * 32
    members["manifest.json"] = json.dumps(manifest).encode()
    members["extra.txt"] = b"planted"
    report = _verify(_zip(tmp_path / "m.zip", list(members.items())))
    assert "manifest.json was modified: its signature does not match" in report.summary()
    assert "extra.txt was modified after export" in report.summary()


@pytest.mark.parametrize(
    "manifest",
    [b"[1, 2]", b'{"case_id": "x", "files": ["ledger.jsonl"]}', b'{"case_id": "x", "files": 5}'],
)
def test_a_malformed_manifest_is_refused_cleanly(station, tmp_path: Path, manifest) -> None:
    bundle = _export(*station, tmp_path / "case.zip")
    members = [(n, manifest if n == "manifest.json" else d) for n, d in _members(bundle)]
    report = _verify(_zip(tmp_path / "m.zip", members))
    assert "manifest.json is not valid JSON with a case_id and files" in report.summary()


@pytest.mark.parametrize(
    ("line", "said"),
    [
        (b"[1]\n", "ledger.jsonl line 5 is unreadable"),
        (b'"text"\n', "ledger.jsonl line 5 is unreadable"),
        (b"\xff\xfe\n", "ledger.jsonl line 5 is unreadable"),
    ],
)
def test_junk_lines_in_the_ledger_are_named(station, tmp_path: Path, line, said) -> None:
    bundle = _export(*station, tmp_path / "case.zip")
    members = [(n, d + line if n == "ledger.jsonl" else d) for n, d in _members(bundle)]
    report = _verify(_zip(tmp_path / "l.zip", members))
    assert said in report.summary() and "ledger.jsonl was modified" in report.summary()


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        (b'"seq":2,', b'"seq":"2",', "seq must be an integer"),  # would coerce to 2
        (b'"seq":2,', b'"seq":2.0,', "seq must be an integer"),
        (b'"seq":2,', b'"seq":2,"extra":"field",', "ledger.jsonl was modified"),
        (b'"uncertainty_nm":0.5', b'"uncertainty_nm":1e999', "edited: event #2"),
    ],
)
def test_ledger_line_variants_are_named(station, tmp_path: Path, old, new, named) -> None:
    bundle = _export(*station, tmp_path / "case.zip")
    members = [
        (n, d.replace(old, new, 1) if n == "ledger.jsonl" else d) for n, d in _members(bundle)
    ]
    assert members != _members(bundle)
    report = _verify(_zip(tmp_path / "l.zip", members))
    assert named in report.summary()


def test_register_json_of_another_case_of_the_station_is_named(station, tmp_path) -> None:
    service, case_id = station
    bundle = _export(service, case_id, tmp_path / "case.zip")
    other = _export(service, open_case(service), tmp_path / "other.zip")
    genuine_other = dict(_members(other))["register.json"]
    members = [(n, genuine_other if n == "register.json" else d) for n, d in _members(bundle)]
    report = _verify(_zip(tmp_path / "r.zip", members))
    assert "register.json was modified after export" in report.summary()

    assert "register.json: the register entry names another first event" in report.summary()


def _patch_sizes(path: Path, name: str, *, file_size: int) -> None:
    """Rewrite the uncompressed size the zip states for ``name`` (local and central)."""
    import struct

    data = bytearray(path.read_bytes())
    encoded = name.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = data.find(signature)
        while at >= 0:
            name_len = struct.unpack("<H", data[at + name_at - 4 : at + name_at - 2])[0]
            if signature == b"PK\x01\x02":
                name_len = struct.unpack("<H", data[at + 28 : at + 30])[0]
            if data[at + name_at : at + name_at + name_len] == encoded:
                data[at + size_at : at + size_at + 4] = struct.pack("<I", file_size)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


def test_a_zip_bomb_is_not_unpacked(station, tmp_path: Path) -> None:
    """A member that says it unpacks to 4 GB is refused unread."""
    bundle = _export(*station, tmp_path / "case.zip")
    bomb = _zip(tmp_path / "bomb.zip", _members(bundle))
    _patch_sizes(bomb, "report.html", file_size=0xFFFF0000)
    report = _verify(bomb)
    assert "more than a bundle holds" in report.summary() and "zip bomb" in report.summary()


def test_a_member_larger_than_it_says_is_read_only_as_far_as_it_says(
    station, tmp_path: Path
) -> None:
    """20 MB of zeros under a stated size of 100 bytes: reading stops there, CRC fails."""
    bundle = _export(*station, tmp_path / "case.zip")
    bomb = _zip(tmp_path / "bomb.zip", [*_members(bundle), ("zeros.bin", bytes(20_000_000))])
    _patch_sizes(bomb, "zeros.bin", file_size=100)
    report = _verify(bomb)
    assert "zeros.bin was added to the bundle after export" in report.summary()


def test_a_damaged_member_is_named_not_a_crash(station, tmp_path: Path) -> None:
    bundle = _export(*station, tmp_path / "case.zip")
    data = bytearray(bundle.read_bytes())
    with zipfile.ZipFile(bundle) as zf:
        info = zf.getinfo("README.txt")
    data[info.header_offset + 30 + len(info.filename) + len(info.extra) + 5] ^= 0xFF
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(data))
    report = _verify(damaged)
    assert "README.txt cannot be read from the zip" in report.summary()


def test_bundle_verify_cli_refuses_a_tampered_zip_without_a_traceback(
    station, tmp_path: Path, capsys
) -> None:
    from _cli import run_cli

    bundle = _export(*station, tmp_path / "case.zip")
    forged = _zip(tmp_path / "dup.zip", [("ledger.jsonl", b"[1]\n"), *_members(bundle)])
    code, out, err = run_cli(capsys, "bundle", "verify", str(forged))
    assert code != 0
    assert "ledger.jsonl appears 2 times" in out + err
    assert "Traceback" not in out + err


def test_an_earlier_genuine_export_verifies_and_says_when_it_was_made(
    station, tmp_path: Path
) -> None:
    """Documented limit: a bundle shows the case as exported; later events are not in it.

    An earlier export of the same case is genuine: it verifies, and the summary says
    when it was made. Its events truncated under the later manifest are named.
    """
    from sarwatch.services.evidence import verify_bundle

    service, case_id = station
    early = _export(service, case_id, tmp_path / "early.zip")
    service.log_contact(case_id, contact(2), actor="ana")
    late = _export(service, case_id, tmp_path / "late.zip")
    report = verify_bundle(early)
    assert report.ok and report.n_events == 4
    with zipfile.ZipFile(early) as zf:
        created_at = json.loads(zf.read("manifest.json"))["created_at"]
    assert f"the case as exported at {created_at}" in report.summary()
    early_ledger = dict(_members(early))["ledger.jsonl"]
    members = [(n, early_ledger if n == "ledger.jsonl" else d) for n, d in _members(late)]
    truncated = _verify(_zip(tmp_path / "truncated.zip", members))
    assert ("deleted", 5) in _named(truncated)
