"""A PostgreSQL store backed up with pg_dump and restored with pg_restore into a fresh
database verifies with ``sarwatch ledger verify`` (docs/postgres.md)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from _cases_helpers import POSTGRES_URL, make_service, position
from sarwatch.cli.main import main
from sarwatch.ledger import load_or_create_signer
from sarwatch.services.container import Station
from sarwatch.settings import Settings

pytestmark = pytest.mark.postgres


def _tool(name: str) -> str | None:
    """``name`` on PATH, else from the Debian server packages' directory."""
    found = shutil.which(name)
    if found is None:
        candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
        found = candidates[-1] if candidates else None
    return found


def _libpq(url: str) -> str:
    """The URL as libpq (pg_dump, pg_restore) reads it: no SQLAlchemy driver name."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _fresh_database(url: str, name: str) -> str:
    """Drop and create database ``name`` on the server of ``url``; its URL."""
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _sarwatch(args: list[str], monkeypatch: pytest.MonkeyPatch, home: Path, url: str) -> None:
    monkeypatch.setenv("SARWATCH_HOME_DIR", str(home))
    monkeypatch.setenv("SARWATCH_DATABASE_URL", url)
    try:
        main(args)
    except SystemExit as exc:
        assert not exc.code, f"sarwatch {' '.join(args)} exited {exc.code}"


@pytest.mark.skipif(not POSTGRES_URL, reason="set SARWATCH_TEST_POSTGRES_URL")
@pytest.mark.skipif(_tool("pg_dump") is None, reason="pg_dump is not installed")
def test_pg_dump_restore_verifies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert POSTGRES_URL is not None
    base = make_url(POSTGRES_URL).database
    source = _fresh_database(POSTGRES_URL, f"{base}_backup_source")
    restored = _fresh_database(POSTGRES_URL, f"{base}_backup_restored")
    home = tmp_path / "home"
    _sarwatch(["db", "init", "--url", source], monkeypatch, home, source)
    assert "schema at revision" in capsys.readouterr().out

    station = Station(Settings(home_dir=home, database_url=source))
    try:
        service = make_service(station.store, load_or_create_signer(home))
        cid = service.open_case(
            title="rubber boat, 80 people", alert_time=position().time, actor="ana",
            position=position(),
        ).case_id  # fmt: skip
        service.report_position(cid, position(30, 12.6, 33.3), actor="ana")
    finally:
        station.close()

    dump = tmp_path / "sarwatch.dump"
    pg_dump, pg_restore = _tool("pg_dump"), _tool("pg_restore")
    assert pg_dump is not None and pg_restore is not None
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={dump}", _libpq(source)],
        check=True, env=env, timeout=120,
    )  # fmt: skip
    subprocess.run(
        [pg_restore, "--no-owner", "--exit-on-error", f"--dbname={_libpq(restored)}", str(dump)],
        check=True, env=env, timeout=120,
    )  # fmt: skip

    _sarwatch(["ledger", "verify"], monkeypatch, home, restored)
    out = capsys.readouterr().out
    assert f"case {cid}: 3 events, chain intact, signatures valid" in out
    assert "ledger OK: 1 case(s), 3 events" in out

    # the check can fail: a tampered restore does not verify
    engine = create_engine(restored)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE events SET payload = replace(payload, '12.6', '12.7') WHERE case_id = :c"),
            {"c": cid},
        )
    engine.dispose()
    monkeypatch.setenv("SARWATCH_DATABASE_URL", restored)
    with pytest.raises(SystemExit) as failed:
        main(["ledger", "verify"])
    assert failed.value.code
