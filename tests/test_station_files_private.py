"""The station's state is its owner's only: the case store (live positions of people in
distress, token hashes) is created 0600 with its WAL files, the directories sarwatch
creates 0700; files and directories that already exist keep their mode."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from _cases_helpers import contact, make_service, open_case
from sarwatch.adapters.store import SqlStore
from sarwatch.services.drift_runs import DriftRuns


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _usual_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the usual default, under which files came out 0644
    yield
    os.umask(old)


def test_new_store_and_its_wal_are_owner_only(tmp_path: Path) -> None:
    existing = tmp_path / "srv"
    existing.mkdir(mode=0o755)
    home = existing / "station" / "home"
    db = home / "sarwatch.db"
    store = SqlStore(f"sqlite:///{db}")
    try:
        service = make_service(store)
        case_id = open_case(service)
        service.log_contact(case_id, contact(1), actor="ana")
        wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
        assert wal.exists() and shm.exists()
        assert {p.name: oct(_mode(p)) for p in (db, wal, shm)} == {
            "sarwatch.db": "0o600",
            "sarwatch.db-wal": "0o600",
            "sarwatch.db-shm": "0o600",
        }
    finally:
        store.close()
    assert _mode(home) == 0o700
    assert _mode(home.parent) == 0o700
    assert _mode(existing) == 0o755  # existed before: untouched


def test_existing_store_and_directory_keep_their_mode(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    db = home / "sarwatch.db"
    SqlStore(f"sqlite:///{db}").close()
    db.chmod(0o644)  # as made by an earlier sarwatch
    store = SqlStore(f"sqlite:///{db}")
    try:
        make_service(store)
        assert _mode(db) == 0o644
        assert _mode(home) == 0o755
    finally:
        store.close()


def test_drift_runs_create_the_station_home_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    runs = DriftRuns(home / "runs")
    run = runs.create("ana", {"lat": 33.2, "lon": 12.5})
    assert runs.run_dir(run.run_id).is_dir()
    assert (_mode(home), _mode(home / "runs")) == (0o700, 0o700)


def test_the_station_home_made_for_the_key_is_private(tmp_path) -> None:
    from sarwatch.ledger import load_or_create_signer

    home = tmp_path / "new" / "home"
    load_or_create_signer(home)
    assert oct(home.stat().st_mode & 0o777) == "0o700"
    assert oct((home / "keys").stat().st_mode & 0o777) == "0o700"
