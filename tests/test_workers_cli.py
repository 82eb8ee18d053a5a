"""``sarwatch serve --workers N`` refuses what cannot work, and a worker's app is only
built after the parent's start-up checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from _cli import run_cli
from sarwatch.settings import Settings, load_settings
from sarwatch.web.workers import CHECKED_ENV, worker_app, worker_environment


def test_several_workers_over_a_memory_store_are_refused(
    capsys: pytest.CaptureFixture[str], home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SARWATCH_DATABASE_URL", "memory://")
    code, _out, err = run_cli(capsys, "serve", "--workers", "2", "--port", "1")
    assert code != 0
    assert "--workers needs a store every worker shares" in err
    assert "SARWATCH_DATABASE_URL=postgresql" in err


def test_workers_must_be_at_least_one(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    code, _out, err = run_cli(capsys, "serve", "--workers", "0")
    assert code != 0 and "--workers" in err


def test_a_worker_app_outside_serve_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CHECKED_ENV, raising=False)
    with pytest.raises(RuntimeError, match="run: sarwatch serve --workers N"):
        worker_app()


def test_the_workers_load_the_parents_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = Settings(home_dir=tmp_path / "h", cache_dir=tmp_path / "c", host="0.0.0.0", port=8123)
    for name, value in worker_environment(parent).items():
        monkeypatch.setenv(name, value)
    worker = load_settings()
    assert (worker.home_dir, worker.cache_dir) == (parent.home_dir, parent.cache_dir)
    assert (worker.host, worker.port) == ("0.0.0.0", 8123)
    assert worker.resolved_database_url == parent.resolved_database_url


def test_a_worker_app_opens_the_checked_store_without_migrating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sarwatch.services.container import Station
    from sarwatch.web.station import station_of

    settings = Settings(home_dir=tmp_path / "h", cache_dir=tmp_path / "c")
    unchecked = Station(settings, checked=True)
    with pytest.raises(Exception, match="no such table"):  # nothing migrated it
        unchecked.store.jobs.get("0123456789ab")
    unchecked.close()
    parent = Station(settings)  # the parent's checks: the store migrated
    parent.start()
    for name, value in worker_environment(settings).items():
        monkeypatch.setenv(name, value)
    station = station_of(worker_app())
    assert station.checked
    assert station.store.jobs.get("0123456789ab") is None  # the table is there
    station.close()
    parent.close()
