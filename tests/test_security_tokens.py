"""Tokens over time, outside streams: a removed user's token is refused on the very next
request in the process that removed it, and within ``TOKEN_CACHE_S`` in any other; an
expired token is refused with what to do, even while cached."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sarwatch.adapters.store import MemoryStore
from sarwatch.errors import AuthError
from sarwatch.services import users
from sarwatch.services.users import add_user, authenticate, remove_user
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
    detail = r.json()["detail"]
    assert detail.startswith("unknown or revoked token")
    assert detail.endswith("ask a coordinator of this station for a new one")  # what to do
    assert token not in detail and users.hash_token(token) not in detail
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


def test_an_expired_token_is_refused_with_what_to_do(client: TestClient) -> None:
    store = station_of(client.app).store  # type: ignore[arg-type]
    issued = datetime.now(UTC) - timedelta(days=31)
    user, token = add_user(store, "olu", "observer", expires_days=30, now=issued)
    _, fresh = add_user(store, "ana", "observer", expires_days=30, now=issued + timedelta(days=2))
    r = client.get("/api/cases", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.json()["error"] == "AuthError"
    assert r.json()["detail"] == (
        f"the token of user 'olu' expired at {user.expires_at}; ask a coordinator of this "
        "station for a new one (they issue it on the station with: sarwatch user renew olu)"
    )
    assert _get(client, fresh) == 200  # 29 days old of 30: still good


def test_a_cached_token_is_refused_once_it_expires(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache keeps the user, not a verdict: a token that expires while cached is
    refused on the next request."""
    store = station_of(client.app).store  # type: ignore[arg-type]
    user, token = add_user(store, "olu", "observer", expires_days=1)
    monkeypatch.setattr(auth, "_monotonic", lambda: 1000.0)  # the cache never ends
    assert _get(client, token) == 200
    ends = datetime.fromisoformat(user.expires_at or "")
    monkeypatch.setattr(users, "_now", lambda now: now or ends)
    assert _get(client, token) == 401


def test_expiry_is_checked_to_the_second() -> None:
    issued = datetime(2026, 12, 7, 9, 0, 0, 500_000, tzinfo=UTC)
    store = MemoryStore()
    user, token = add_user(store, "olu", "observer", expires_days=2, now=issued)
    assert user.created_at == "2026-12-07T09:00:00.500000Z"
    assert user.expires_at == "2026-12-09T09:00:00Z"
    ends = datetime(2026, 12, 9, 9, tzinfo=UTC)
    assert authenticate(store, token, now=ends - timedelta(seconds=1)).name == "olu"
    with pytest.raises(AuthError, match="expired at 2026-12-09T09:00:00Z"):
        authenticate(store, token, now=ends)
    _, forever = add_user(store, "ana", "observer", expires_days=0, now=issued)
    assert authenticate(store, forever, now=issued + timedelta(days=36500)).name == "ana"


@pytest.fixture
def tokyo_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server's local time nine hours ahead of UTC (no summer time)."""
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("tokyo_time")
def test_an_expiry_without_a_zone_is_read_as_utc_not_the_servers_local_time() -> None:
    """The store keeps UTC; an end edited in by hand without its ``Z`` must not move by
    the server's offset (here it would have ended 9 h early)."""
    from dataclasses import replace

    from sarwatch.services.users import expiry_text, require_unexpired

    store = MemoryStore()
    user, _ = add_user(store, "olu", "observer", now=datetime(2026, 12, 7, 9, tzinfo=UTC))
    edited = replace(user, expires_at="2026-12-07T12:00:00")
    assert require_unexpired(edited, now=datetime(2026, 12, 7, 11, 59, tzinfo=UTC)) is edited
    assert expiry_text(edited, now=datetime(2026, 12, 7, 10, tzinfo=UTC)).endswith("(in 2 h)")
    with pytest.raises(AuthError, match="expired at 2026-12-07T12:00:00;"):
        require_unexpired(edited, now=datetime(2026, 12, 7, 12, tzinfo=UTC))
