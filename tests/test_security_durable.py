"""Durable by default (issue 13, item 6): the station's SQLite store fsyncs every commit
(``synchronous=FULL``), so an acknowledged write survives a power cut; ``NORMAL`` is an
opt-in (``SARWATCH_SQLITE_SYNCHRONOUS=normal`` or ``?synchronous=normal``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sarwatch.errors import DataError
from sarwatch.services.container import open_station_store
from sarwatch.settings import Settings

FULL, NORMAL = 2, 1  # SQLite's PRAGMA synchronous values


def _synchronous(settings: Settings) -> int:
    store = open_station_store(settings)
    try:
        with store.engine.connect() as conn:  # type: ignore[attr-defined]
            return int(conn.exec_driver_sql("PRAGMA synchronous").scalar())
    finally:
        store.close()


def test_the_station_store_is_power_safe_by_default(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("SARWATCH_SQLITE_SYNCHRONOUS", raising=False)
    monkeypatch.delenv("SARWATCH_DATABASE_URL", raising=False)
    assert _synchronous(Settings(home_dir=tmp_path)) == FULL


def test_normal_is_an_opt_in(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SARWATCH_SQLITE_SYNCHRONOUS", "normal")
    assert _synchronous(Settings(home_dir=tmp_path)) == NORMAL
    url = f"sqlite:///{tmp_path / 'b.db'}?synchronous=full"  # the URL's own choice wins
    assert _synchronous(Settings(home_dir=tmp_path, database_url=url)) == FULL


def test_an_unknown_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sqlite_synchronous"):
        Settings(home_dir=tmp_path, sqlite_synchronous="sometimes")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="synchronous must be one of"):
        _synchronous(
            Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/c.db?synchronous=x")
        )
