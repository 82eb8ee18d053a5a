"""Tokens over time, outside streams: a removed user's token is refused on the very next
request in the process that removed it, and within ``TOKEN_CACHE_S`` in any other."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sarwatch.services.users import add_user, remove_user
from sarwatch.settings import Settings
from sarwatch.web import auth
from sarwatch.web.app import create_app
from sarwatch.web.station import station_of


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.db'}"))
    with TestClient(app) as client:
        yield client


def _get(client: TestClient, token: str) -> int:
    return client.get("/api/cases", headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_removed_user_is_refused_on_the_next_request_of_the_same_process(
    client: TestClient,
) -> None:
    store = station_of(client.app).store  # type: ignore[arg-type]
    _, token = add_user(store, "olu", "observer")
    _, other = add_user(store, "ana", "observer")
    assert _get(client, token) == 200 and _get(client, other) == 200  # both cached now
    remove_user(store, "olu")
    r = client.get("/api/cases", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert "unknown or revoked token" in r.json()["detail"]
    assert _get(client, other) == 200  # the others stay in


def test_a_removal_by_another_process_is_seen_within_the_cache_time(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process (``sarwatch user remove``, another worker of ``serve --workers``)
    removes the user: this process has the token cached, and refuses it once
    ``TOKEN_CACHE_S`` has passed since it verified it (the cache's clock is moved on,
    no waiting)."""
    store = station_of(client.app).store  # type: ignore[arg-type]
    _, token = add_user(store, "olu", "observer")
    now = [1000.0]
    monkeypatch.setattr(auth, "_monotonic", lambda: now[0])
    assert _get(client, token) == 200  # verified and cached at t = 1000 s
    script = textwrap.dedent(
        f"""
        from sarwatch.adapters.store import SqlStore
        from sarwatch.services.users import remove_user
        remove_user(SqlStore({f"sqlite:///{tmp_path / 'a.db'}"!r}), "olu")
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    now[0] += auth.TOKEN_CACHE_S  # the bound stated in web/auth.py and the docs
    assert _get(client, token) == 401
