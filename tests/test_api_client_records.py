"""``POST /api/cases/{id}/attachments`` takes documents only: an assessment, a drift run,
a search plan, a responders ranking or a reconstruction is built by the server from the
inputs it verified (design 007, 009; README: "the map page and the API send requests,
never records"). A client-made ``drift_run`` record was accepted and stood in the ledger
like a verified one (and the responders ranking takes the latest drift_run's run id)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sarwatch.services.users import add_user
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_of

ALERT = "2018-03-15T04:10:00Z"


@pytest.fixture
def client(tmp_path: Path, land_mask: object) -> Iterator[TestClient]:
    app = create_app(Settings(home_dir=tmp_path))
    with TestClient(app) as c:
        _, token = add_user(station_of(app).store, "ana", "coordinator")
        c.headers.update({"Authorization": f"Bearer {token}"})
        yield c


def _open(client: TestClient) -> str:
    position = {"time": ALERT, "lon": 12.5, "lat": 33.2, "source": {"name": "Alarm Phone"}}
    r = client.post(
        "/api/cases", json={"title": "rubber boat", "alert_time": ALERT, "position": position}
    )
    assert r.status_code == 201, r.text
    return str(r.json()["case_id"])


@pytest.mark.parametrize(
    ("kind", "route"),
    [
        ("drift_run", "POST /api/drift with case_id"),
        ("assessment", "POST /api/cases/{id}/assessments"),
        ("search_plan", "POST /api/plan"),
        ("responders", "POST /api/cases/{id}/responders"),
        ("reconstruction", "POST /api/cases/{id}/reconstruction"),
    ],
)
def test_records_the_server_builds_are_refused_with_the_route_to_ask(
    client: TestClient, kind: str, route: str
) -> None:
    case_id = _open(client)
    before = client.get(f"/api/cases/{case_id}/events").json()
    forged = {"run_id": "0123456789ab", "seed": 42, "output_files": {}}
    r = client.post(f"/api/cases/{case_id}/attachments", json={"kind": kind, "record": forged})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert f"kind {kind!r}: the server builds this record itself" in detail
    assert route in detail and "documents only" in detail
    assert client.get(f"/api/cases/{case_id}/events").json() == before  # nothing recorded


def test_a_document_is_still_attached(client: TestClient) -> None:
    case_id = _open(client)
    record = {"title": "Alarm Phone e-mail", "sha256": "ab" * 32}
    r = client.post(
        f"/api/cases/{case_id}/attachments", json={"kind": "document", "record": record}
    )
    assert r.status_code == 201, r.text
    (attached,) = r.json()["attachments"]
    assert attached["kind"] == "document" and attached["record"] == record
