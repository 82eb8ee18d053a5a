"""Shared fixtures. The coastline cache is built once per machine (~20 s) in the
user cache directory, exactly as a user's first call would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from _cases_helpers import SQL_STORE_KINDS, STORE_KINDS, make_store
from sarwatch.adapters.store import SqlStore
from sarwatch.services.ports import Store


@pytest.fixture(scope="session")
def land_mask():
    from sarwatch.geo.coast import land_mask as build

    return build()


@pytest.fixture
def home(tmp_path, monkeypatch, land_mask):
    """A fresh station home (store, key, runs) for CLI tests; SQLite inside it."""
    monkeypatch.setenv("SARWATCH_HOME_DIR", str(tmp_path / "home"))
    monkeypatch.delenv("SARWATCH_DATABASE_URL", raising=False)
    return tmp_path / "home"


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, empty case store of each kind in turn: memory, SQLite, PostgreSQL."""
    s = make_store(request.param, tmp_path)
    yield s
    s.close()


@pytest.fixture(params=SQL_STORE_KINDS)
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """A fresh, empty SQL case store of each kind in turn: SQLite, PostgreSQL."""
    s = make_store(request.param, tmp_path)
    assert isinstance(s, SqlStore)
    yield s
    s.close()
