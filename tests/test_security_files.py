"""The station's state on disk is its owner's only: live positions, media, keys, token
hashes. Only the rendered public feed (``public/``) is readable by others, on purpose
(docs/public-feed.md)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sarwatch.adapters.blobs.store import BlobStore
from sarwatch.services.users import add_user
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_of

ALERT = "2018-03-15T04:10:00Z"


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, which leaves new files readable by everyone unless told."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _modes(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode) for p in [root, *root.rglob("*")]
    }


def test_media_folders_are_owner_only(tmp_path: Path, umask_022) -> None:
    blobs = BlobStore(tmp_path / "media")
    reception = blobs.receive(1000)
    reception.write(b"a photo of the boat")
    digest, _ = blobs.keep(reception)
    file = f"{digest[:2]}/{digest[2:4]}/{digest}"
    modes = _modes(tmp_path / "media")
    assert modes.pop(file) == 0o600
    assert modes == {name: 0o700 for name in (".", "tmp", digest[:2], file.rsplit("/", 1)[0])}


def test_a_working_station_home_is_owner_only_but_the_public_feed(
    tmp_path: Path, umask_022, land_mask
) -> None:
    home = tmp_path / "home"
    app = create_app(Settings(home_dir=home))
    with TestClient(app) as client:
        _, token = add_user(station_of(app).store, "ana", "coordinator")
        headers = {"Authorization": f"Bearer {token}"}
        position = {"time": ALERT, "lon": 12.5, "lat": 33.2, "kind": "gps",
                    "source": {"name": "Alarm Phone", "quality": 3}}  # fmt: skip
        body = {"title": "rubber boat", "alert_time": ALERT, "position": position}
        case_id = client.post("/api/cases", headers=headers, json=body).json()["case_id"]
        r = client.post(
            f"/api/cases/{case_id}/media?file_name=boat.txt",
            headers={**headers, "Content-Type": "text/plain"},
            content=b"caller: +218 91 000",
        )
        assert r.status_code == 201, r.text
        assert client.get(f"/api/cases/{case_id}/bundle", headers=headers).status_code == 200
        assert client.get("/api/public/cases").status_code == 200
    modes = _modes(home)
    public = {n: m for n, m in modes.items() if n == "public" or n.startswith("public/")}
    private = {n: m for n, m in modes.items() if n not in public}
    assert any(n.startswith("media/") for n in private)  # the upload is there
    readable = {n: oct(m) for n, m in private.items() if m & 0o077}
    assert not readable, f"readable by others: {readable}"
