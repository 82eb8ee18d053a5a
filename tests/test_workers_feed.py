"""The event feed is fed by the database: a feed reading the store through one process
sees events that another connection (another worker, the CLI) committed; on PostgreSQL
a NOTIFY from the ``events`` trigger wakes the waiting feed."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from _cases_helpers import SQL_STORE_KINDS, fresh_database_url, make_service
from sarwatch.adapters.store import SqlStore
from sarwatch.adapters.store.event_bell import EventBell
from sarwatch.services.feeds import events_after, latest_event_id


@pytest.mark.parametrize("kind", SQL_STORE_KINDS)
def test_a_reader_with_its_own_connection_sees_events_another_writer_committed(
    kind: str, tmp_path: Path
) -> None:
    url = fresh_database_url(kind, tmp_path)
    writer_store, reader_store = SqlStore(url), SqlStore(url)  # two workers' stores
    try:
        cursor = latest_event_id(reader_store)
        service = make_service(writer_store)
        record = service.open_case(**_alert())
        found = events_after(reader_store, cursor)
        assert [(d["case_id"], d["kind"]) for _, d in found][:1] == [
            (record.case_id, "case_opened")
        ]
        assert all(i > cursor for i, _ in found)
    finally:
        writer_store.close()
        reader_store.close()


def test_the_bell_of_a_store_without_notifications_just_sleeps(tmp_path: Path) -> None:
    bell = EventBell(f"sqlite:///{tmp_path / 'x.db'}")
    assert not bell.listens
    assert asyncio.run(bell.wait(0.01)) is False


@pytest.mark.parametrize("kind", [k for k in SQL_STORE_KINDS if k != "sqlite"])
def test_a_commit_on_another_connection_rings_the_postgresql_bell(
    kind: str, tmp_path: Path
) -> None:
    url = fresh_database_url(kind, tmp_path)
    store = SqlStore(url)
    bell = EventBell(url)
    try:
        assert bell.listens

        async def wait_for_a_ring() -> bool:
            # the first ring says the listener is connected; then write from another thread
            assert await bell.wait(120)
            threading.Thread(target=lambda: make_service(store).open_case(**_alert())).start()
            return await bell.wait(120)

        assert asyncio.run(wait_for_a_ring()) is True
        assert bell.rings >= 2
    finally:
        bell.close()
        store.close()


def _alert() -> dict[str, object]:
    from datetime import UTC, datetime

    alert_time = datetime(2026, 11, 20, 4, 10, tzinfo=UTC)
    return {"title": "rubber boat, 80 people", "alert_time": alert_time, "actor": "ana"}
