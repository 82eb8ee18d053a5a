"""The composition root: each entry point builds one station from settings loaded
once; the web app's lifespan starts and ends what the station holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _cli import run_cli
from sarwatch.services.container import Station
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_of


def test_the_lifespan_builds_the_service_and_ends_the_pools(tmp_path: Path) -> None:
    app = create_app(Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.db'}"))
    station = station_of(app)
    with TestClient(app) as client:
        assert station._cases is not None  # built at start-up, not on the first request
        assert client.get("/api/public/cases").json() == []
        drift_pool, writer_pool = station.drift_pool, station.writer_pool
        checkpointer = station.store._checkpointer  # type: ignore[attr-defined]
        assert checkpointer is not None and checkpointer.thread.is_alive()
    # shut down with the app: no thread of the station is left behind
    for pool in (drift_pool, writer_pool):
        with pytest.raises(RuntimeError, match="shutdown"):
            pool.submit(print)
    assert not checkpointer.thread.is_alive()


def test_a_station_given_a_store_leaves_it_open(tmp_path: Path) -> None:
    from sarwatch.adapters.store import MemoryStore

    store = MemoryStore()
    station = Station(Settings(home_dir=tmp_path), store=store)
    assert station.store is store and station.cases.store is store
    station.close()
    with store.unit_of_work() as uow:  # still usable: the caller owns it
        assert uow.cases.count() == 0


def test_the_cli_loads_settings_once_per_command(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sarwatch.cli.context as context

    calls: list[dict[str, object]] = []
    real = context.load_settings

    def counting(**overrides: object) -> Settings:
        calls.append(overrides)
        return real(**overrides)

    monkeypatch.setattr(context, "load_settings", counting)
    code, out, err = run_cli(
        capsys, "case", "open", "--title", "boat", "--lat", "33.2", "--lon", "12.5"
    )
    assert code == 0, err
    case_id = out.split()[0]
    assert run_cli(capsys, "ledger", "verify", case_id)[0] == 0  # key, store and service
    assert len(calls) == 2  # one load per command
    assert run_cli(capsys, "bundle", "verify", str(home / "none.zip"))[0] != 0
    assert len(calls) == 2  # a command that needs no station never reads the settings
