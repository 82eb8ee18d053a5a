"""Partial updates (people on board, the boat) mean one thing from the CLI and the API:
the fields given replace, the others keep what is recorded at the moment of writing.

Each update is merged under the case's lock inside the write transaction, so updates
racing from ``sarwatch case people|vessel`` (its own store, as a separate command) and
from ``PATCH /api/cases/{id}/people|vessel`` (the server's writer thread) lose nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _cases_helpers import SQL_STORE_KINDS, STORE_KINDS, fresh_database_url
from sarwatch.cli import case as case_cli
from sarwatch.services.users import add_user
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_of

ALERT = "2018-03-15T04:10:00Z"
ROUNDS = 12


@pytest.fixture(params=SQL_STORE_KINDS)
def station(request, tmp_path: Path, monkeypatch) -> Iterator[tuple[TestClient, dict, str]]:
    """A running API and the environment the CLI reads, on one store; an open case."""
    url = fresh_database_url(request.param, tmp_path, "partial.db")
    monkeypatch.setenv("SARWATCH_HOME_DIR", str(tmp_path))
    monkeypatch.setenv("SARWATCH_DATABASE_URL", url)
    app = create_app(Settings(home_dir=tmp_path, database_url=url))
    with TestClient(app) as client:
        _, token = add_user(station_of(app).store, "ana", "coordinator")
        headers = {"Authorization": f"Bearer {token}"}
        r = client.post("/api/cases", headers=headers, json={"title": "boat", "alert_time": ALERT})
        assert r.status_code == 201, r.text
        yield client, headers, r.json()["case_id"]


def test_an_api_patch_keeps_what_it_does_not_name(station) -> None:
    client, headers, cid = station
    path = f"/api/cases/{cid}"
    assert client.patch(f"{path}/people", headers=headers, json={"total": 80}).status_code == 200
    r = client.patch(f"{path}/people", headers=headers, json={"minors": 9, "women": None})
    assert r.status_code == 200, r.text
    assert r.json()["people"] == {"total": 80, "women": None, "minors": 9, "medical": None}
    # PUT means the same (it used to replace the whole counts with the body)
    r = client.put(f"{path}/people", headers=headers, json={"medical": 2})
    assert r.json()["people"] == {"total": 80, "women": None, "minors": 9, "medical": 2}
    r = client.patch(f"{path}/vessel", headers=headers, json={"condition": "taking water"})
    r = client.put(f"{path}/vessel", headers=headers, json={"kind": "rubber"})
    assert r.json()["vessel"]["kind"] == "rubber"
    assert r.json()["vessel"]["condition"] == "taking water"
    # the merge is checked as a whole: minors above the recorded total is refused
    r = client.patch(f"{path}/people", headers=headers, json={"minors": 81})
    assert r.status_code == 422 and "exceeds the total (80)" in r.json()["detail"]
    r = client.patch(f"{path}/people", headers=headers, json={})
    assert r.status_code == 422 and "give at least one of" in r.json()["detail"]


def _cli_people(cid: str, **counts: int | None) -> None:
    args = {"total": None, "women": None, "minors": None, "medical": None, **counts}
    case_cli.people(cid, actor="cli:test", **args)


def _cli_vessel(cid: str, **given: object) -> None:
    args = {"boat": None, "condition": None, "name": None, "mmsi": None, "flag": None}
    args.update(given)
    case_cli.vessel(cid, length_m=args.pop("length_m", None), actor="cli:test", **args)


def test_concurrent_partial_updates_from_the_cli_and_the_api_lose_nothing(
    station, monkeypatch
) -> None:
    """Two CLI writers and the API write different fields of one case at once, each with
    rising values. A lost update (a writer that merged into a stale copy) would put a
    field back to an older value: every field rises along the ledger, and each ends at
    its writer's last value.

    Each CLI writer has its own store, built as ``sarwatch case`` builds it, before the
    threads start (opening a store runs Alembic, whose module state is not for threads;
    the real commands are separate processes)."""
    from sarwatch.services.container import Station
    from sarwatch.settings import load_settings

    client, headers, cid = station
    services = {name: Station(load_settings()).cases for name in ("cli_people", "cli_vessel")}
    monkeypatch.setattr(case_cli, "_service", lambda: services[threading.current_thread().name])
    # Force the race window open: a read of the case outside the write transaction (as
    # the CLI once did before writing) is overtaken by an API write before it returns.
    api_writes = [0]
    api_done = threading.Event()
    wrote = threading.Condition()
    for service in services.values():
        read = service.get

        def overtaken(case_id: str, read=read):
            with wrote:
                seen = api_writes[0]
            case = read(case_id)
            with wrote:
                wrote.wait_for(lambda: api_writes[0] > seen or api_done.is_set(), timeout=5)
            return case

        monkeypatch.setattr(service, "get", overtaken)
    errors: list[BaseException] = []
    start = threading.Barrier(3)

    def cli_people() -> None:
        start.wait()
        for i in range(ROUNDS):
            _cli_people(cid, total=1000 + i, minors=i)

    def cli_vessel() -> None:
        start.wait()
        for i in range(ROUNDS):
            _cli_vessel(cid, condition=f"c{i:03d}", length_m=1.0 + i)

    def api() -> None:
        start.wait()
        for i in range(ROUNDS):
            r = client.patch(
                f"/api/cases/{cid}/people", headers=headers, json={"women": i, "medical": i}
            )
            assert r.status_code == 200, r.text
            r = client.patch(
                f"/api/cases/{cid}/vessel", headers=headers, json={"name": f"n{i:03d}"}
            )
            assert r.status_code == 200, r.text
            with wrote:
                api_writes[0] += 1
                wrote.notify_all()
        api_done.set()
        with wrote:
            wrote.notify_all()

    def guarded(target):
        def run() -> None:
            try:
                target()
            except BaseException as exc:  # reported below, in the test's thread
                errors.append(exc)

        return run

    threads = [
        threading.Thread(target=guarded(f), name=f.__name__) for f in (cli_people, cli_vessel, api)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)

    last = ROUNDS - 1
    case = client.get(f"/api/cases/{cid}", headers=headers).json()
    assert case["people"] == {"total": 1000 + last, "women": last, "minors": last, "medical": last}
    assert case["vessel"]["condition"] == f"c{last:03d}"
    assert case["vessel"]["length_m"] == 1.0 + last
    assert case["vessel"]["name"] == f"n{last:03d}"

    events = client.get(f"/api/cases/{cid}/events", headers=headers).json()
    people = [e["payload"] for e in events if e["kind"] == "people_updated"]
    vessels = [e["payload"] for e in events if e["kind"] == "vessel_updated"]
    assert len(people) == 2 * ROUNDS and len(vessels) == 2 * ROUNDS

    def rising(payloads: list[dict], field: str) -> None:
        values = [p[field] for p in payloads if p[field] is not None]
        assert values == sorted(values), f"{field} went back: {values}"
        assert len(values) >= ROUNDS  # kept by every update after its writer's first

    for field in ("total", "women", "minors", "medical"):
        rising(people, field)
    for field in ("condition", "length_m", "name"):
        rising(vessels, field)
    assert client.get(f"/api/cases/{cid}/verify", headers=headers).json()["ok"]
    for service in services.values():
        service.store.close()


@pytest.mark.parametrize("kind", STORE_KINDS)
def test_the_service_merges_on_the_locked_case_and_names_unknown_fields(
    kind: str, tmp_path: Path
) -> None:
    from _cases_helpers import make_service, make_store, open_case
    from sarwatch.domain import PeopleOnBoard
    from sarwatch.errors import InputError

    service = make_service(make_store(kind, tmp_path))
    cid = open_case(service)
    service.update_people(cid, {"total": 80, "minors": 9}, actor="ana")
    record = service.update_people(cid, {"women": 12}, actor="olu")
    assert service.get(cid).people == PeopleOnBoard(total=80, women=12, minors=9)
    assert record.head is not None and record.head.seq == 4
    # a whole PeopleOnBoard states every count (unknown ones too)
    service.update_people(cid, PeopleOnBoard(total=81), actor="ana")
    assert service.get(cid).people == PeopleOnBoard(total=81)
    with pytest.raises(InputError, match="unknown field 'pets'; fields are total, women"):
        service.update_people(cid, {"pets": 1}, actor="ana")
    service.update_vessel(cid, {"kind": "rubber", "length_m": 9.5}, actor="ana")
    service.update_vessel(cid, {"condition": "deflating"}, actor="ana")
    vessel = service.get(cid).vessel
    assert (vessel.kind, vessel.length_m, vessel.condition) == ("rubber", 9.5, "deflating")
    assert service.verify(cid).ok
    service.store.close()
