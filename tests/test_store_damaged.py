"""A damaged SQLite file (truncated, overwritten, not SQLite at all) is refused in one
line that names the file and says to restore it, at open and in mid-use; nothing is
written to it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from _cases_helpers import contact, make_service, open_case
from _cli import run_cli
from sarwatch.adapters.store import SqlStore
from sarwatch.errors import DataError, StoreUnavailableError

PAGE = 4096


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _station_db(path: Path, n_contacts: int = 150) -> str:
    """A SQLite store at ``path`` with one case of many events; its case id."""
    store = SqlStore(f"sqlite:///{path}")
    service = make_service(store)
    case_id = open_case(service)
    for i in range(n_contacts):
        service.log_contact(case_id, contact(i), actor="ana")
    store.close()
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    return case_id


def test_truncated_file_refused_at_open(tmp_path: Path) -> None:
    db = tmp_path / "cases.db"
    _station_db(db)
    with db.open("r+b") as fh:
        fh.truncate(db.stat().st_size // 4)
    before = _digest(db)
    with pytest.raises(DataError) as info:
        SqlStore(f"sqlite:///{db}")
    message = str(info.value)
    assert message.startswith(f"the case store {db} is damaged (database disk image is malformed)")
    assert "restore it from a backup" in message
    assert "\n" not in message
    assert _digest(db) == before


def test_text_file_refused_at_open(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    db.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(DataError, match=r"is damaged \(file is not a database\); restore it"):
        SqlStore(f"sqlite:///{db}")
    assert db.read_text().startswith("these are my notes")


def test_damage_found_mid_use_is_one_error_and_frees_the_writer(tmp_path: Path) -> None:
    db = tmp_path / "cases.db"
    case_id = _station_db(db)
    n_pages = db.stat().st_size // PAGE
    # overwrite the last data pages (the events), leaving the schema on page 1 intact
    with db.open("r+b") as fh:
        for page in range(n_pages - 6, n_pages - 1):
            fh.seek(page * PAGE)
            fh.write(bytes(range(256)) * (PAGE // 256))
    store = SqlStore(f"sqlite:///{db}")  # opens: the damage is not on the schema pages
    service = make_service(store)
    try:
        with pytest.raises(
            StoreUnavailableError, match=rf"the case store {db} is damaged \(database disk"
        ):
            service.verify(case_id)
        # a write fails the same way, twice: the write lock was released in between
        for _ in range(2):
            with pytest.raises(DataError, match="is damaged"):
                service.log_contact(case_id, contact(999), actor="ana")
    finally:
        store.close()


def test_cli_names_the_damaged_store_in_one_line(home: Path, capsys) -> None:
    home.mkdir(parents=True)
    db = home / "sarwatch.db"
    db.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84 + b"garbage" * 100)
    code, out, err = run_cli(capsys, "case", "list")
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error: the case store {db} is damaged (")
    assert "restore it from a backup" in lines[0]


def test_a_damaged_store_is_the_station_s_fault_for_the_api(tmp_path: Path, land_mask) -> None:
    """503 in the error shape (the station cannot serve), not a 4xx that blames the request."""
    from fastapi.testclient import TestClient

    from sarwatch.services.container import Station
    from sarwatch.services.users import add_user
    from sarwatch.settings import Settings
    from sarwatch.web.app import create_app

    db = tmp_path / "cases.db"
    settings = Settings(home_dir=tmp_path, database_url=f"sqlite:///{db}")
    station = Station(settings).cases  # the station's own key, under its home
    _, token = add_user(station.store, "olu", "observer")  # the users' page stays readable
    case_id = open_case(station)
    for i in range(150):
        station.log_contact(case_id, contact(i), actor="ana")
    station.store.close()
    n_pages = db.stat().st_size // PAGE
    with db.open("r+b") as fh:
        for page in range(n_pages - 6, n_pages - 1):
            fh.seek(page * PAGE)
            fh.write(bytes(range(256)) * (PAGE // 256))
    app = create_app(settings)
    with TestClient(app) as client:
        r = client.get(f"/api/cases/{case_id}/events", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 503, r.text
    assert r.json()["error"] == "StoreUnavailableError" and "is damaged" in r.json()["detail"]
