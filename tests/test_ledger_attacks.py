"""Attacks on the ledger by someone who can write the database and the bundles, not the key.

Each test does what a hostile party with write access to the SQLite file (or the
PostgreSQL server) or to an exported zip would do, and checks that ``ledger
verify`` / ``bundle verify`` names it, or refuses cleanly (an error, never a
traceback). What cannot be found without the key or an anchor is asserted as the
documented limit (docs/design/005-cases-ledger.md).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

from _cases_helpers import NEEDS_POSTGRES, contact, make_service, make_store, open_case
from sarwatch.adapters.store import SqlStore
from sarwatch.errors import IntegrityError
from sarwatch.ledger import Signer, verify_chain
from sarwatch.services.cases import CaseService

SQL_KINDS = ["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, NEEDS_POSTGRES])]


@pytest.fixture(params=SQL_KINDS)
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> SqlStore:
    s = make_store(request.param, tmp_path)
    yield s
    s.close()


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


def _sql(store: SqlStore, *statements: str, **params: object) -> None:
    with store.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement), params)


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
    _sql(service.store, statement, c=a)
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
    _sql(
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
    _sql(service.store, "UPDATE cases SET title = 'nothing happened' WHERE case_id = :c", c=a)
    with pytest.raises(IntegrityError, match="stored title column"):
        build_bundle(_fresh(service), a, tmp_path / "a.zip", with_pdf=False)


# --- events moved between cases, replayed, heads and register rows --------------------


def test_an_event_spliced_in_from_another_case_of_the_station_is_named(
    two_cases: tuple[CaseService, str, str],
) -> None:
    """B's genuinely signed event #4 moved to the end of A, A's head pointed at it."""
    service, a, b = two_cases
    _sql(
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
    _sql(
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
    _sql(service.store, "UPDATE cases SET head_seq = 3 WHERE case_id = :c", c=a)
    report = _fresh(service).verify(a)
    assert report.problems() == {"bad_head"}
    assert "not signed by the station key" in report.summary()


def test_two_register_entries_swapped_are_named_edited_not_deleted(
    two_cases: tuple[CaseService, str, str],
) -> None:
    service, a, b = two_cases
    _sql(
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
    _sql(
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
    _sql(store, SQLITE_ONLY_GARBAGE[what], c=a)
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
    _sql(store, statement, c=a)
    report = _fresh(service).verify(a)
    assert ("inserted", 2) in _named(report), report.summary()
    assert "not signed by the station key" in report.summary()


def test_a_register_head_with_a_text_seq_is_named_and_openings_refuse(tmp_path: Path) -> None:
    store = make_store("sqlite", tmp_path)
    service = make_service(store)
    open_case(service)
    _sql(store, "UPDATE register_head SET seq = 'one'")
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
        ('"quality":3', '"quality":3.0'),  # 1 and 1.0 are different signed bytes
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
    _sql(
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
