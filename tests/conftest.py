"""Shared fixtures. The coastline cache is built once per machine (~20 s) in the
user cache directory, exactly as a user's first call would."""

from __future__ import annotations

import pytest


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
