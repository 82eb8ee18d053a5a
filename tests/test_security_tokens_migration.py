"""A store from before token expiry (schema 0003..0011) is upgraded: its users keep their
tokens, which now end 90 days after the upgrade (SQLite, and PostgreSQL when CI has one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from _cases_helpers import fresh_database_url
from sarwatch.adapters.store import SqlStore
from sarwatch.adapters.store.engine import _alembic_config
from sarwatch.errors import AuthError
from sarwatch.services.users import authenticate, hash_token, list_users


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_tokens_issued_before_expiry_keep_working_for_90_days(kind: str, tmp_path: Path) -> None:
    url = fresh_database_url(kind, tmp_path)
    engine = create_engine(url)
    with engine.connect() as conn:  # the store as a station before this change had it
        command.upgrade(_alembic_config(conn), "0011_job_phase")
        command.upgrade(_alembic_config(conn), "0007_record_format")
        command.upgrade(_alembic_config(conn), "0006_incidents")
        conn.execute(
            text("INSERT INTO users (name, role, token_hash, created_at) VALUES (:n, :r, :h, :c)"),
            {
                "n": "ana",
                "r": "coordinator",
                "h": hash_token("sw_old"),
                "c": "2025-01-01T00:00:00Z",
            },
        )
        conn.commit()
    engine.dispose()
    before = datetime.now(UTC).replace(microsecond=0)
    store = SqlStore(url)  # migrates to the latest schema
    after = datetime.now(UTC)
    try:
        (user,) = list_users(store)
        assert user.expires_at is not None
        ends = datetime.fromisoformat(user.expires_at)
        assert before + timedelta(days=90) <= ends <= after + timedelta(days=90)
        assert authenticate(store, "sw_old").name == "ana"
        assert authenticate(store, "sw_old", now=ends - timedelta(seconds=1)).name == "ana"
        with pytest.raises(AuthError, match="expired at"):
            authenticate(store, "sw_old", now=ends)
    finally:
        store.close()
