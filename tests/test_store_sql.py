"""SQL-only store behaviour: tampering by direct SQL is found and named, concurrent
processes keep one chain, migrations match the schema, SQLite runs in WAL with foreign keys."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from _cases_helpers import contact, make_service, make_store, open_case, run_sql
from sarwatch.adapters.store import SqlStore
from sarwatch.domain.events import to_json
from sarwatch.ledger import Signer, load_or_create_signer
from sarwatch.services.cases import CaseService

NOW = "2018-03-15T06:00:00Z"


def _case_with_events(service: CaseService) -> str:
    case_id = open_case(service)
    for i in range(4):
        service.log_contact(case_id, contact(i), actor="ana")
    assert service.verify(case_id).ok
    return case_id  # events 1..6


TAMPERING = {
    "edited": [
        'UPDATE events SET payload = \'{"summary":"never called"}\' WHERE case_id=:c AND seq=4'
    ],
    "deleted": ["DELETE FROM events WHERE case_id=:c AND seq=4"],
    "reordered": [
        "UPDATE events SET seq=-4 WHERE case_id=:c AND seq=4",
        "UPDATE events SET seq=4 WHERE case_id=:c AND seq=5",
        "UPDATE events SET seq=5 WHERE case_id=:c AND seq=-4",
    ],
    "inserted": [
        "INSERT INTO events (case_id, seq, recorded_at, kind, actor, payload, prev_hash, hash,"
        " key_id, signature) SELECT case_id, 7, recorded_at, 'decision_recorded', actor,"
        ' \'{"summary":"forged","time":"2018-03-15T05:00:00Z","by":"x"}\', hash,'
        " hash, key_id, signature FROM events WHERE case_id=:c AND seq=6",
        "UPDATE cases SET head_seq=7 WHERE case_id=:c",
    ],
}


@pytest.mark.parametrize("problem", sorted(TAMPERING))
def test_tampering_by_sql_is_found_and_named(sql_store: SqlStore, problem: str) -> None:
    service = make_service(sql_store)
    case_id = _case_with_events(service)
    for statement in TAMPERING[problem]:
        run_sql(sql_store, statement, c=case_id)
    report = service.verify(case_id)
    assert not report.ok
    assert problem in report.problems(), report.summary()
    named = {f.seq for f in report.findings if f.problem == problem}
    expected = {"edited": {4}, "deleted": {4}, "reordered": {4, 5}, "inserted": {7}}[problem]
    assert named == expected, report.summary()


def test_tail_deletion_is_found_through_the_signed_head(sql_store: SqlStore) -> None:
    service = make_service(sql_store)
    case_id = _case_with_events(service)
    run_sql(sql_store, "DELETE FROM events WHERE case_id=:c AND seq >= 5", c=case_id)
    report = service.verify(case_id)
    assert [(f.problem, f.seq) for f in report.findings] == [("deleted", 5)]


def test_removing_the_signed_head_is_found(sql_store: SqlStore) -> None:
    service = make_service(sql_store)
    case_id = _case_with_events(service)
    run_sql(sql_store, "DELETE FROM events WHERE case_id=:c AND seq = 6", c=case_id)
    run_sql(
        sql_store,
        "UPDATE cases SET head_seq=NULL, head_hash=NULL, head_signature=NULL WHERE case_id=:c",
        c=case_id,
    )
    report = service.verify(case_id)
    assert report.problems() == {"bad_head"}
    assert "signed head was removed" in report.summary()


def test_concurrent_processes_keep_one_chain(sql_store: SqlStore, tmp_path: Path) -> None:
    signer = load_or_create_signer(tmp_path / "home")
    service = make_service(sql_store, signer)
    case_id = open_case(service)
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from _cases_helpers import contact, make_service
        from sarwatch.adapters.store import SqlStore
        from sarwatch.ledger import load_or_create_signer
        k = int(sys.argv[1])
        key = load_or_create_signer({str(tmp_path / "home")!r})
        svc = make_service(SqlStore({sql_store.url!r}), key)
        for i in range(12):
            svc.log_contact({case_id!r}, contact(1000 * k + i), actor=f"p{{k}}")
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(k)], stderr=subprocess.PIPE)
        for k in range(3)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    report = service.verify(case_id)
    assert report.ok, report.summary()
    assert report.n_events == 2 + 3 * 12


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    store = make_store("sqlite", tmp_path)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL (power-safe)
    normal = SqlStore(f"sqlite:///{tmp_path / 'normal.db'}?synchronous=normal")
    with normal.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL, opted in
    from sqlalchemy import exc

    with pytest.raises(exc.IntegrityError), store.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO events (case_id, seq, recorded_at, kind, actor, payload, prev_hash,"
            " hash, key_id, signature) VALUES ('nope', 1, '', '', '', '{}', '', '', '', '')"
        )


def test_migrations_match_the_tables(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from sarwatch.adapters.store.tables import metadata

    store = make_store("sqlite", tmp_path)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_reopening_a_store_keeps_everything(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    signer = load_or_create_signer(tmp_path)
    service = make_service(SqlStore(url), signer)
    case_id = _case_with_events(service)
    service.store.close()
    again = make_service(SqlStore(url), load_or_create_signer(tmp_path))
    assert again.verify(case_id).ok
    assert len(again.get(case_id).contacts) == 4


def test_cached_projection_follows_writes_from_another_process(sql_store: SqlStore) -> None:
    """Each store caches parsed projections by head hash; a write through another store
    (another process) moves the head, and the next read, get or list, sees it."""
    signer = Signer.generate()
    ours = make_service(sql_store, signer)
    case_id = _case_with_events(ours)
    assert len(ours.get_record(case_id).state["contacts"]) == 4  # now cached here
    assert len(ours.list_cases()[0].state["contacts"]) == 4
    other = make_service(SqlStore(sql_store.url, migrate_schema=False), signer)
    other.log_contact(case_id, contact(9), actor="bo")
    record = ours.get_record(case_id)
    assert [c["summary"] for c in record.state["contacts"]][-1] == "call 9"
    assert record.head is not None and record.head.seq == 7
    assert json.loads(record.state_json or "") == record.state
    listed = ours.list_cases()[0]
    assert listed.head == record.head and len(listed.state["contacts"]) == 5
    with ours.store.unit_of_work(write=True) as uow:  # the cache feeds the next append
        assert len(uow.cases.lock(case_id).state["contacts"]) == 5
    other.store.close()


def test_a_rolled_back_write_never_shows(sql_store: SqlStore) -> None:
    """The write path caches the new projection under the new head before commit; if
    the transaction rolls back, that head is never the row's and the entry is unused."""
    service = make_service(sql_store)
    case_id = _case_with_events(service)
    before = service.get_record(case_id)
    with sql_store.unit_of_work(write=True) as uow:
        service._append(uow, case_id, [("contact_logged", to_json(contact(9)))], "ana", now=NOW)
        uow.rollback()
    after = service.get_record(case_id)
    assert after.head == before.head
    assert after.state == before.state and len(after.state["contacts"]) == 4
    assert service.verify(case_id).ok
    service.log_contact(case_id, contact(10), actor="ana")  # the chain goes on from #6
    assert service.get_record(case_id).head.seq == 7  # type: ignore[union-attr]
    assert service.verify(case_id).ok
