"""The station register: whole cases deleted, inserted or replaced are found and named.

Pure tests of :func:`verify_register`, the same attacks by direct SQL on SQLite and
PostgreSQL, and the CLI (``ledger verify`` exits non-zero and names the case;
``ledger adopt`` registers cases of a store that predates the register).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from _cases_helpers import make_service, make_store, open_case, run_sql
from sarwatch.adapters.store import MemoryStore, SqlStore
from sarwatch.ledger import (
    GENESIS,
    RegisterEntry,
    RegisterHead,
    Signer,
    register_case,
    sha256_hex,
    verify_register,
)
from sarwatch.services.cases import CaseService
from sarwatch.services.ports import Store

SIGNER = Signer.generate()
KEYS = {SIGNER.key_id: SIGNER.public_key}


def _register(n: int) -> tuple[list[RegisterEntry], RegisterHead, dict[str, str | None]]:
    """``n`` cases registered, and the store's view of them (id → first event hash)."""
    entries: list[RegisterEntry] = []
    head: RegisterHead | None = None
    first: dict[str, str | None] = {}
    for i in range(1, n + 1):
        case_id = f"2018-03-15-LY-{i:03d}"
        first[case_id] = sha256_hex(case_id.encode())
        entry, head = register_case(
            SIGNER,
            head,
            case_id=case_id,
            opened_at=f"2018-03-15T0{i % 10}:00:00Z",
            first_hash=first[case_id],
        )
        entries.append(entry)
    assert head is not None
    return entries, head, first


def _problems(report) -> set[tuple[str, int | None]]:
    return {(f.problem, f.seq) for f in report.findings}


def test_an_intact_register_verifies_and_links_its_entries() -> None:
    entries, head, first = _register(4)
    report = verify_register(entries, KEYS, head=head, first_hashes=first)
    assert report.ok, report.summary()
    assert entries[0].prev_hash == GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert head.seq == 4 and head.hash in report.summary()


def test_a_whole_case_deleted_from_the_store_is_named() -> None:
    entries, head, first = _register(4)
    del first["2018-03-15-LY-002"]
    report = verify_register(entries, KEYS, head=head, first_hashes=first)
    assert _problems(report) == {("deleted", 2)}
    assert "case 2018-03-15-LY-002" in report.summary()
    assert "whole case was deleted" in report.summary()


def test_a_case_deleted_with_its_register_entry_breaks_the_register() -> None:
    entries, head, first = _register(4)
    del first["2018-03-15-LY-002"]
    report = verify_register(entries[:1] + entries[2:], KEYS, head=head, first_hashes=first)
    assert ("deleted", 2) in _problems(report)
    assert "register entry #2 is missing" in report.summary()


def test_the_last_case_cut_with_its_entry_is_caught_by_the_signed_head() -> None:
    entries, head, first = _register(4)
    del first["2018-03-15-LY-004"]
    report = verify_register(entries[:3], KEYS, head=head, first_hashes=first)
    assert _problems(report) == {("deleted", 4)}
    assert "cut from the end" in report.summary()


def test_a_removed_head_is_reported() -> None:
    entries, _, first = _register(2)
    report = verify_register(entries, KEYS, head=None, first_hashes=first)
    assert _problems(report) == {("bad_head", None)}


def test_a_case_never_registered_is_inserted() -> None:
    entries, head, first = _register(2)
    first["2018-03-16-MT-001"] = "ab" * 32
    report = verify_register(entries, KEYS, head=head, first_hashes=first)
    assert _problems(report) == {("inserted", None)}
    assert "2018-03-16-MT-001" in report.summary() and "behind the station's back" in (
        report.summary()
    )
    assert "ledger adopt" not in report.summary()
    older = verify_register(
        entries, KEYS, head=head, first_hashes=first, adoptable={"2018-03-16-MT-001"}
    )
    assert "it predates the register (run 'sarwatch ledger adopt' once)" in older.summary()


def test_a_replaced_case_is_named() -> None:
    entries, head, first = _register(3)
    first["2018-03-15-LY-003"] = "cd" * 32
    report = verify_register(entries, KEYS, head=head, first_hashes=first)
    assert _problems(report) == {("edited", 3)}
    assert "replaced" in report.summary()


def test_edited_reordered_and_forged_entries_are_named() -> None:
    entries, head, first = _register(4)
    edited = entries.copy()
    edited[1] = replace(edited[1], opened_at="2018-03-14T00:00:00Z")
    assert ("edited", 2) in _problems(verify_register(edited, KEYS, head=head, first_hashes=first))
    swapped = [entries[0], replace(entries[2], seq=2), replace(entries[1], seq=3), entries[3]]
    found = _problems(verify_register(swapped, KEYS, head=head, first_hashes=first))
    assert {("reordered", 2), ("reordered", 3)} <= found
    mallory = Signer.generate()
    forged, _ = register_case(
        mallory, head, case_id="2018-03-15-LY-005", opened_at="x", first_hash="ef" * 32
    )
    found = _problems(verify_register([*entries, forged], KEYS, head=head, first_hashes=first))
    assert ("inserted", 5) in found


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=12),
    data=st.data(),
)
def test_exactly_the_deleted_cases_are_named(n: int, data: st.DataObject) -> None:
    entries, head, first = _register(n)
    gone = data.draw(st.sets(st.sampled_from(sorted(first))), label="deleted cases")
    for case_id in gone:
        del first[case_id]
    report = verify_register(entries, KEYS, head=head, first_hashes=first)
    named = {f.message.split()[1] for f in report.findings}
    assert named == gone
    assert {f.problem for f in report.findings} <= {"deleted"}


# --- the same on real stores ------------------------------------------------------


def _delete_case(store: Store, case_id: str, *, with_register: bool = False) -> None:
    """What an attacker with write access to the database does."""
    if isinstance(store, MemoryStore):
        store.events = [(i, e) for i, e in store.events if e.case_id != case_id]
        del store.cases[case_id]
        if with_register:
            store.register = [e for e in store.register if e.case_id != case_id]
        return
    assert isinstance(store, SqlStore)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE case_id = :c"), {"c": case_id})
        conn.execute(text("DELETE FROM cases WHERE case_id = :c"), {"c": case_id})
        if with_register:
            conn.execute(text("DELETE FROM register WHERE case_id = :c"), {"c": case_id})


def test_store_a_case_deleted_behind_the_stations_back_is_named(store: Store) -> None:
    service = make_service(store)
    ids = [open_case(service) for _ in range(3)]
    assert service.verify_register().ok
    _delete_case(store, ids[1])
    report = service.verify_register()
    assert _problems(report) == {("deleted", 2)}
    assert f"case {ids[1]}" in report.summary()
    assert all(service.verify(c).ok for c in (ids[0], ids[2]))  # the others are intact


def test_store_the_last_case_and_its_entry_deleted_is_named(store: Store) -> None:
    service = make_service(store)
    ids = [open_case(service) for _ in range(3)]
    _delete_case(store, ids[2], with_register=True)
    report = service.verify_register()
    assert _problems(report) == {("deleted", 3)}
    assert "cut from the end" in report.summary()


def test_store_a_removed_head_stops_new_cases(store: Store) -> None:
    service = make_service(store)
    open_case(service)
    _erase(store, "register_head")
    from sarwatch.errors import IntegrityError

    with pytest.raises(IntegrityError, match="signed head is missing"):
        open_case(service)
    assert ("bad_head", None) in _problems(service.verify_register())


#: Where each record a test erases is kept: the memory store's field, the SQL table.
_RECORD_TABLES = {"register_head": "register_head", "register_since": "station_meta"}


def _erase(store: Store, record: str) -> None:
    """Erase one station record behind its back: ``register_head`` or ``register_since``."""
    if isinstance(store, MemoryStore):
        setattr(store, record, None)
        return
    assert isinstance(store, SqlStore)
    run_sql(store, f"DELETE FROM {_RECORD_TABLES[record]}")


def _empty_register(store: Store, *, began: str | None = None) -> None:
    """Remove the register; ``began``: move the time the register began (``None``: keep)."""
    if isinstance(store, MemoryStore):
        store.register, store.register_head = [], None
        if began is not None:
            store.register_since = began
        return
    assert isinstance(store, SqlStore)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM register"))
        conn.execute(text("DELETE FROM register_head"))
        if began is not None:
            conn.execute(text("UPDATE station_meta SET value = :v"), {"v": began})


LATER = "2999-01-01T00:00:00Z"  # the register "began" after every case: an upgraded store


def test_store_adopt_registers_cases_that_predate_the_register(store: Store) -> None:
    service = make_service(store)
    ids = [open_case(service) for _ in range(3)]
    _empty_register(store, began=LATER)  # as after upgrading from revision 0001
    report = service.verify_register()
    assert {f.problem for f in report.findings} == {"inserted"} and len(report.findings) == 3
    assert "run 'sarwatch ledger adopt' once" in report.summary()
    assert service.adopt_unregistered() == ids
    assert service.verify_register().ok
    assert service.adopt_unregistered() == []
    new = open_case(service)  # the register goes on from the adopted head
    report = service.verify_register()
    assert report.ok and report.head is not None and report.head.seq == 4, new


def test_adopt_refuses_a_case_whose_chain_does_not_verify(tmp_path: Path) -> None:
    store = make_store("sqlite", tmp_path)
    service: CaseService = make_service(store)
    ids = [open_case(service) for _ in range(2)]
    assert isinstance(store, SqlStore)
    _empty_register(store, began=LATER)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE events SET actor='mallory' WHERE case_id=:c"), {"c": ids[1]})
    from sarwatch.errors import IntegrityError

    with pytest.raises(IntegrityError, match=f"case {ids[1]}.*nothing was"):
        service.adopt_unregistered()
    assert len(service.verify_register().findings) == 2  # nothing was adopted
    store.close()


def test_an_anchor_is_found_unchanged_or_named() -> None:
    from sarwatch.ledger import check_anchor

    entries, head, _ = _register(3)
    assert check_anchor(entries, seq=head.seq, hash_=head.hash) == []
    assert check_anchor(entries, seq=2, hash_=entries[1].hash) == []  # an older anchor holds
    (rolled_back,) = check_anchor(entries[:2], seq=3, hash_=head.hash, where="case.zip")
    assert rolled_back.problem == "deleted" and "recorded in case.zip, is missing" in (
        rolled_back.message
    )
    rewritten = [replace(entries[0], hash="ab" * 32), *entries[1:]]
    (edited,) = check_anchor(rewritten, seq=1, hash_=entries[0].hash)
    assert edited.problem == "edited" and "rewritten after it was anchored" in edited.message


def test_store_an_emptied_register_cannot_be_adopted_away(store: Store) -> None:
    """Delete a case, empty the register: adopting the rest would hide the deletion."""
    from sarwatch.errors import IntegrityError

    service = make_service(store)
    ids = [open_case(service) for _ in range(3)]
    _delete_case(store, ids[1])
    _empty_register(store)  # the register began before these cases: they were registered
    report = service.verify_register()
    assert len(report.findings) == 2 and "ledger adopt" not in report.summary()
    assert "its register entry was removed" in report.summary()
    with pytest.raises(IntegrityError, match=r"opened after the station register began"):
        service.adopt_unregistered()
    assert len(service.verify_register().findings) == 2  # nothing was adopted
    _erase(store, "register_since")
    with pytest.raises(IntegrityError, match=r"does not say when its station register began"):
        service.adopt_unregistered()
