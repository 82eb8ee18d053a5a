"""What the public may read holds no free text a coordinator typed: the boat's kind too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from _cases_helpers import make_service
from sarwatch.domain import Outcome, PositionReport, Source, Vessel
from sarwatch.services.cases import CaseService
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_of

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def station(tmp_path: Path) -> Iterator[tuple[TestClient, CaseService]]:
    app = create_app(Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'p.db'}"))
    with TestClient(app) as client:
        service = make_service(station_of(app).store)
        station_of(app).cases = service
        yield client, service


def _closed_case(service: CaseService, boat: str) -> str:
    when = NOW - timedelta(hours=3)
    position = PositionReport(when, 12.34567, 33.45678, "gps", Source("Alarm Phone", 3))
    cid = service.open_case(
        title="boat", alert_time=when, actor="ana", position=position, vessel=Vessel(kind=boat)
    ).case_id
    for to in ("active", "located"):
        service.change_status(cid, to, actor="ana")
    outcome = Outcome(NOW - timedelta(hours=1), "rescued", by="Sea-Watch 5", survivors=80)
    service.record_outcome(cid, outcome, actor="ana")
    service.change_status(cid, "closed", actor="ana")
    return cid


def test_a_boat_kind_typed_as_free_text_is_not_published(station) -> None:
    client, service = station
    leaky = _closed_case(service, "rubber, skipper Ahmed +218 91 234 5678")
    plain = _closed_case(service, "Wooden")
    text = client.get("/api/public/cases").text
    assert "Ahmed" not in text and "+218" not in text
    boats = {c["case_id"]: c["boat"] for c in client.get("/api/public/cases").json()}
    assert boats == {leaky: "other", plain: "wooden"}


@given(st.text(max_size=60))
def test_the_public_boat_kind_is_one_of_the_list(kind: str) -> None:
    from sarwatch.services.public_feed import PUBLIC_BOAT_KINDS, public_boat_kind

    shown = public_boat_kind(kind)
    assert shown in PUBLIC_BOAT_KINDS
    assert shown == "other" or shown == kind.strip().lower()
