"""API writes go through the app's writer threads: one on SQLite, never on the event
loop; many concurrent writes to one case keep one verifying chain, every one acknowledged."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx
import pytest

from _cases_helpers import (
    SQL_STORE_KINDS,
    fresh_database_url,
)
from sarwatch.services.users import add_user
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_service
from sarwatch.web.writer import POSTGRES_WRITERS, shutdown_writer_pool, writer_pool

ALERT = "2018-03-15T04:10:00Z"
N_WRITES = 60


class _Recorder:
    """A land check that records on which threads, and how many at once, it runs."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = 0
        self.most = 0
        self.threads: set[str] = set()

    def __call__(self, lon: float, lat: float) -> bool:
        with self.lock:
            self.active += 1
            self.most = max(self.most, self.active)
            self.threads.add(threading.current_thread().name)
        time.sleep(0.002)  # long enough for a second writer to overlap, if one could
        with self.lock:
            self.active -= 1
        return False


def _position(i: int) -> dict[str, object]:
    return {
        "time": ALERT,
        "lon": 12.5 + i * 1e-4,
        "lat": 33.2,
        "kind": "gps",
        "source": {"name": "Alarm Phone", "quality": 3},
    }


async def _concurrent_writes(app: object, token: str) -> tuple[str, list[httpx.Response]]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.post(
            "/api/cases",
            headers=headers,
            json={"title": "rubber boat, 80 people", "alert_time": ALERT},
        )
        assert r.status_code == 201, r.text
        case_id = r.json()["case_id"]

        async def write(i: int) -> httpx.Response:
            if i % 2:
                return await client.post(
                    f"/api/cases/{case_id}/reports", headers=headers, json=_position(i)
                )
            body = {
                "time": ALERT,
                "channel": "phone",
                "counterpart": "MRCC Rome",
                "summary": str(i),
            }
            return await client.post(f"/api/cases/{case_id}/contacts", headers=headers, json=body)

        answers = await asyncio.gather(*(write(i) for i in range(N_WRITES)))
    return case_id, list(answers)


@pytest.mark.parametrize("kind", SQL_STORE_KINDS)
def test_concurrent_api_writes_keep_one_chain_on_the_writer_threads(
    tmp_path: Path, kind: str
) -> None:
    url = fresh_database_url(kind, tmp_path, "api.db")
    app = create_app(Settings(home_dir=tmp_path, database_url=url))
    service = station_service(app)
    recorder = _Recorder()
    service.land_check = recorder
    _, token = add_user(service.store, "ana", "coordinator")
    try:
        case_id, answers = asyncio.run(_concurrent_writes(app, token))
    finally:
        shutdown_writer_pool(app)
    assert [a.status_code for a in answers] == [201] * N_WRITES, answers[0].text
    # every acknowledged write has its own place in the one chain: 2..N+1 (1 opened it)
    seqs = sorted(a.json()["head_seq"] for a in answers)
    assert seqs == list(range(2, N_WRITES + 2))
    report = service.verify(case_id)
    assert report.ok, report.summary()
    assert report.n_events == N_WRITES + 1
    assert {e.payload.get("summary") for e in service.events(case_id)} >= {
        str(i) for i in range(0, N_WRITES, 2)
    }
    # the store work ran on the writer threads, never on the event loop's thread
    assert recorder.threads and all(n.startswith("sarwatch-writer") for n in recorder.threads)
    if kind == "sqlite":
        assert recorder.most == 1  # one write at a time: SQLite has one writer anyway
    else:
        assert 1 <= recorder.most <= POSTGRES_WRITERS
    service.store.close()


def test_a_refused_write_in_the_queue_leaves_the_others_alone(tmp_path: Path) -> None:
    """A write refused in the writer thread (a position 70 days before the alert, a
    mistyped date) answers 422 and writes nothing; the writes queued around it are all
    recorded. (A position on land used to be the refusal: it is now recorded, flagged.)"""
    app = create_app(Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.db'}"))
    service = station_service(app)
    service.land_check = lambda lon, lat: False
    _, token = add_user(service.store, "ana", "coordinator")

    async def run() -> tuple[str, list[int]]:
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            r = await client.post(
                "/api/cases", headers=headers, json={"title": "boat", "alert_time": ALERT}
            )
            case_id = r.json()["case_id"]
            early = {"time": "2018-01-04T04:10:00Z", "lat": 35.0}
            bodies = [{**_position(i), **(early if i % 3 == 0 else {})} for i in range(12)]
            answers = await asyncio.gather(
                *(
                    client.post(f"/api/cases/{case_id}/reports", headers=headers, json=b)
                    for b in bodies
                )
            )
        return case_id, [a.status_code for a in answers]

    try:
        case_id, codes = asyncio.run(run())
    finally:
        shutdown_writer_pool(app)
    assert codes == [422 if i % 3 == 0 else 201 for i in range(12)]
    assert service.verify(case_id).n_events == 1 + 8
    assert all(p["lat"] == 33.2 for p in service.get_record(case_id).state["positions"])
    service.store.close()


def test_the_writer_pool_is_one_thread_on_sqlite_and_stops_with_the_app(tmp_path: Path) -> None:
    app = create_app(Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.db'}"))
    pool = writer_pool(app)
    assert writer_pool(app) is pool and pool._max_workers == 1
    assert pool.submit(threading.current_thread).result().name.startswith("sarwatch-writer")
    shutdown_writer_pool(app)
    with pytest.raises(RuntimeError):
        pool.submit(int)
    assert writer_pool(app) is not pool  # a new one if the app is used again
    shutdown_writer_pool(app)
    station_service(app).store.close()
