"""The page a station serves before ``make web``: every link on it answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sarwatch.settings import Settings
from sarwatch.web.app import create_app


@pytest.mark.parametrize("page", ["/", "/public"])
def test_the_not_built_page_links_only_to_what_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    from sarwatch.web.routes import map as map_routes

    monkeypatch.setattr(map_routes, "DIST_DIR", tmp_path / "no-dist")
    s = Settings(home_dir=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'p.db'}")
    with TestClient(create_app(s)) as client:
        r = client.get(page)
        assert r.status_code == 503 and "make web" in r.text
        links = re.findall(r'href="([^"]+)"', r.text)
        assert links
        for link in links:
            assert client.get(link).status_code == 200, link
