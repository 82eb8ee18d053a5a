"""One contract for every case store: memory, SQLite and PostgreSQL.

PostgreSQL runs when ``SARWATCH_TEST_POSTGRES_URL`` names a server (``.ci/run`` starts
one); otherwise those cases are skipped with that reason.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from _cases_helpers import (
    T0,
    contact,
    make_service,
    open_case,
    position,
)
from sarwatch.domain.events import format_time
from sarwatch.errors import AuthError, ConflictError, IllegalTransitionError, NotFoundError
from sarwatch.services.cases import CaseService
from sarwatch.services.ports import Store
from sarwatch.services.users import add_user, authenticate, remove_user, renew_token


@pytest.fixture
def service(store: Store) -> CaseService:
    return make_service(store)


def test_open_and_read_back(service: CaseService) -> None:
    case_id = open_case(service)
    assert case_id == "2018-03-15-LY-001"
    case = service.get(case_id)
    assert case.status.value == "alert"
    assert case.positions[0].lon == pytest.approx(12.5)
    record = service.get_record(case_id)
    assert record.head is not None and record.head.seq == 2
    assert [e.kind for e in service.events(case_id)] == ["case_opened", "position_reported"]


def test_numbers_count_per_day_and_region(service: CaseService) -> None:
    ids = [open_case(service) for _ in range(3)]
    assert ids == ["2018-03-15-LY-001", "2018-03-15-LY-002", "2018-03-15-LY-003"]
    other = service.open_case(title="x", alert_time=T0, actor="ana", region="MT").case_id
    assert other == "2018-03-15-MT-001"


def test_chain_verifies_after_many_writes(service: CaseService) -> None:
    case_id = open_case(service)
    service.change_status(case_id, "active", actor="ana")
    for i in range(5):
        service.log_contact(case_id, contact(i), actor="ana")
    service.report_position(case_id, position(30), actor="ana")
    report = service.verify(case_id)
    assert report.ok, report.summary()
    assert report.n_events == 9
    entries = service.events(case_id)
    assert [e.seq for e in entries] == list(range(1, 10))


def test_refused_write_leaves_nothing(service: CaseService) -> None:
    case_id = open_case(service)
    before = service.get_record(case_id)
    with pytest.raises(IllegalTransitionError):
        service.change_status(case_id, "closed", actor="ana")
    assert service.get_record(case_id) == before
    assert len(service.events(case_id)) == 2


def test_unit_of_work_without_commit_keeps_nothing(service: CaseService, store: Store) -> None:
    case_id = open_case(service)
    entry = service.events(case_id)[-1]
    with store.unit_of_work(write=True) as uow:
        uow.cases.append_event(replace(entry, seq=3))
    assert len(service.events(case_id)) == 2


def test_duplicate_sequence_number_is_a_conflict(service: CaseService, store: Store) -> None:
    case_id = open_case(service)
    entry = service.events(case_id)[-1]
    with store.unit_of_work(write=True) as uow, pytest.raises(ConflictError):
        uow.cases.append_event(entry)


def test_unknown_case(service: CaseService) -> None:
    with pytest.raises(NotFoundError, match="no case '2018-03-15-LY-009'"):
        service.get("2018-03-15-LY-009")
    with pytest.raises(NotFoundError):
        service.log_contact("2018-03-15-LY-009", contact(1), actor="ana")


def test_list_filters_by_status_and_orders_by_update(service: CaseService) -> None:
    a, b, c = (open_case(service) for _ in range(3))
    service.change_status(b, "active", actor="ana")
    assert [r.case_id for r in service.list_cases(statuses=["active"])] == [b]
    assert service.list_cases(limit=3)[0].case_id == b  # most recently updated first
    assert {r.case_id for r in service.list_cases()} == {a, b, c}
    assert len(service.list_cases(limit=2)) == 2


def test_events_after_is_a_global_increasing_feed(service: CaseService, store: Store) -> None:
    a = open_case(service)
    b = open_case(service)
    service.log_contact(a, contact(1), actor="ana")
    with store.unit_of_work() as uow:
        feed = uow.cases.events_after(0)
        later = uow.cases.events_after(feed[1][0])
    ids = [i for i, _ in feed]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert [(e.case_id, e.seq) for _, e in feed] == [(a, 1), (a, 2), (b, 1), (b, 2), (a, 3)]
    assert len(later) == 3


def test_users_and_tokens(store: Store) -> None:
    user, token = add_user(store, "ana", "coordinator")
    assert token.startswith("sw_") and user.token_hash != token
    assert authenticate(store, token).name == "ana"
    with pytest.raises(ConflictError):
        add_user(store, "ana", "observer")
    with store.unit_of_work() as uow:
        assert [u.name for u in uow.users.all()] == ["ana"]
        assert uow.users.by_token_hash("0" * 64) is None
    remove_user(store, "ana")
    with pytest.raises(AuthError, match="unknown or revoked"):
        authenticate(store, token)
    with pytest.raises(NotFoundError, match="no user 'ana'"):
        remove_user(store, "ana")
    with store.unit_of_work() as uow:
        assert uow.users.all() == []


def test_token_expiry_is_kept_and_a_renewed_token_replaces_the_old(store: Store) -> None:
    issued = T0 + timedelta(days=3000)  # every time explicit, none from the clock
    user, old = add_user(store, "ana", "coordinator", expires_days=30, now=issued)
    _, forever = add_user(store, "olu", "observer", expires_days=0, now=issued)
    with store.unit_of_work() as uow:
        kept = {u.name: u for u in uow.users.all()}
    assert kept["ana"] == user and kept["ana"].expires_at == format_time(issued + timedelta(30))
    assert kept["olu"].expires_at is None
    assert authenticate(store, forever).name == "olu"

    renewed, new = renew_token(store, "ana", expires_days=7, now=issued + timedelta(days=1))
    assert (renewed.name, renewed.role) == ("ana", "coordinator")
    assert renewed.expires_at == format_time(issued + timedelta(days=8))
    with pytest.raises(AuthError, match="unknown or revoked"):
        authenticate(store, old, now=issued)
    assert authenticate(store, new, now=issued + timedelta(days=1)) == renewed
    with store.unit_of_work() as uow:
        assert [u.token_hash for u in uow.users.all() if u.name == "ana"] == [renewed.token_hash]
    with pytest.raises(NotFoundError, match="no user 'bob'"):
        renew_token(store, "bob")


def test_a_user_renewed_and_removed_in_one_unit_of_work_is_gone(store: Store) -> None:
    user, _ = add_user(store, "ana", "coordinator")
    with store.unit_of_work() as uow:
        uow.users.replace_token("ana", "f" * 64, user.created_at, None)
        uow.users.remove("ana")
        assert uow.users.all() == []
        with pytest.raises(NotFoundError, match="no user 'ana'"):
            uow.users.remove("ana")
        uow.commit()
    with store.unit_of_work() as uow:
        assert uow.users.all() == []
        assert uow.users.by_token_hash("f" * 64) is None
        assert uow.users.by_token_hash(user.token_hash) is None


def test_concurrent_writers_keep_one_chain(service: CaseService) -> None:
    case_id = open_case(service)
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            for i in range(8):
                service.log_contact(case_id, contact(100 * k + i), actor=f"w{k}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    report = service.verify(case_id)
    assert report.ok, report.summary()
    assert report.n_events == 2 + 6 * 8
    summaries = {c.summary for c in service.get(case_id).contacts}
    assert len(summaries) == 48


def test_concurrent_opens_get_distinct_ids(service: CaseService) -> None:
    ids: list[str] = []
    lock = threading.Lock()

    def opener() -> None:
        for _ in range(3):
            cid = open_case(service)
            with lock:
                ids.append(cid)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(ids) == [f"2018-03-15-LY-{n:03d}" for n in range(1, 13)]
    register = service.verify_register()  # one station register chain, every case in it
    assert register.ok, register.summary()
    assert register.n_entries == 12 and register.head is not None and register.head.seq == 12


def test_latest_event_id_is_the_highest_id_of_the_feed(service: CaseService, store: Store) -> None:
    with store.unit_of_work() as uow:
        assert uow.cases.latest_event_id() == 0
    a = open_case(service)
    service.log_contact(a, contact(1), actor="ana")
    with store.unit_of_work() as uow:
        feed = uow.cases.events_after(0)
        assert uow.cases.latest_event_id() == feed[-1][0]
        assert uow.cases.events_after(uow.cases.latest_event_id()) == []


def test_public_page_holds_closed_and_quiet_cases_only(service: CaseService, store: Store) -> None:
    from sarwatch.domain import Outcome

    a, b, c = (open_case(service) for _ in range(3))
    service.change_status(a, "active", actor="ana")
    outcome = Outcome(T0, "rescued", by="Sea-Watch 3", taken_to="Lampedusa", survivors=80)
    service.change_status(b, "active", actor="ana")
    service.change_status(b, "located", actor="ana")
    service.record_outcome(b, outcome, actor="ana")
    service.change_status(b, "closed", actor="ana")
    with store.unit_of_work() as uow:
        records = {r.case_id: r for r in uow.cases.page(limit=10)}
        quiet_since = records[c].updated_at
        public = uow.cases.page_public(updated_before=quiet_since, limit=10)
        assert {r.case_id for r in public} == {b, c}  # a was updated after c
        assert [r.case_id for r in uow.cases.page_public(updated_before="2000", limit=10)] == [b]
        assert len(uow.cases.page_public(updated_before=quiet_since, limit=1, offset=1)) == 1
