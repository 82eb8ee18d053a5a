"""The incident register as a second source of the statistics: monthly figures, each
event once, months without incidents left out (not zero), the public cut-off."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from _cases_helpers import make_service
from _cli import run_cli
from sarwatch.adapters.store import MemoryStore
from sarwatch.incidents import DRAFT_ID, Incident, IncidentSource, People
from sarwatch.services.incidents import IncidentService
from sarwatch.services.statistics import PackagedSeries, statistics
from sarwatch.services.statistics_register import RegisterSeries

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _incident(kind: str, when: datetime, place: str, **people: int) -> Incident:
    return Incident(
        incident_id=DRAFT_ID,
        kind=kind,  # type: ignore[arg-type]
        time=when,
        sources=(IncidentSource("IOM Missing Migrants Project", 5),),
        place=place,
        people=People(**people),
    )


@pytest.fixture
def register() -> IncidentService:
    cases = make_service(MemoryStore())
    cases.clock = lambda: NOW
    service = IncidentService.for_cases(cases)
    t = lambda m, d: datetime(2018, m, d, 6, 0, tzinfo=UTC)  # noqa: E731
    service.record(
        [
            _incident("shipwreck", t(6, 19), "off Zuwara", dead=5, missing=40),
            _incident("shipwreck", t(6, 29), "off Tripoli", dead=3, survivors=16),
            _incident("shipwreck", t(7, 1), "off Sabratha", missing=63),
            _incident("arrival", t(6, 3), "Lampedusa, Italy", survivors=120),
            _incident("arrival", t(6, 4), "Valletta, Malta", survivors=30),
            _incident("interception_return", t(6, 5), "Tripoli, Libya", survivors=90),
            _incident("interception_return", t(7, 9), "Tripoli, Libya", survivors=60),
            _incident("sighting", t(8, 2), "off Zuwara"),
        ],
        actor="monitor",
        merge=False,
    )
    return service


def test_monthly_figures_from_the_register(register: IncidentService) -> None:
    source = RegisterSeries(register)
    table = statistics(2018, 2018, by="month", sources=[PackagedSeries(), source])
    deaths = [table.get("dead_missing_central_med", 2018, m).value for m in (6, 7, 8)]
    assert deaths == [5 + 40 + 3, 63, None]  # August: a sighting without counts, no figure
    assert table.get("arrivals_italy", 2018, 6).value == 120
    assert table.get("arrivals_malta", 2018, 6).value == 30
    assert table.get("intercepted_libya", 2018, 7).value == 60
    assert table.get("intercepted_tunisia", 2018, 6).status == "no data"
    row = table.get("dead_missing_central_med", 2018, 6)
    [figure] = row.figures
    assert (figure.source.id, figure.as_of) == ("register", "2026-12-06")


def test_the_register_beside_the_packaged_series_by_year(register: IncidentService) -> None:
    table = statistics(2018, 2018, sources=[PackagedSeries(), RegisterSeries(register)])
    row = table.get("dead_missing_central_med", 2018)
    assert [(f.value, f.source.id) for f in row.figures] == [
        (1_314, "iom_med_2025"),  # the packaged series, quoted first
        (5 + 40 + 3 + 63, "register"),  # June and July summed
    ]
    assert row.status == "sources differ" and row.value == 1_314
    assert "sum of 2 months" in row.figures[1].flag


def test_until_leaves_out_months_not_yet_ended(register: IncidentService) -> None:
    source = RegisterSeries(register, until=datetime(2018, 7, 20, tzinfo=UTC))
    table = statistics(2018, 2018, by="month", sources=[source])
    assert table.get("dead_missing_central_med", 2018, 6).value == 48
    assert table.get("dead_missing_central_med", 2018, 7).value is None  # July not over


def test_cli_and_api_read_the_station_register(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fastapi.testclient import TestClient

    from sarwatch.services.container import Station
    from sarwatch.settings import load_settings
    from sarwatch.web.app import create_app

    station = Station(load_settings())
    IncidentService.for_cases(station.cases).record(
        _incident("shipwreck", datetime(2018, 6, 19, 6, tzinfo=UTC), "off Zuwara", dead=7),
        actor="monitor",
    )
    station.close()
    code, out, err = run_cli(capsys, "stats", "--from", "2018", "--to", "2018", "--by", "month",
                             "--series", "dead_missing_central_med", "--json")  # fmt: skip
    assert code == 0, err
    import json

    rows = json.loads(out)["rows"]
    assert [r["value"] for r in rows if r["month"] == 6] == [7]
    code, out, err = run_cli(capsys, "stats", "--from", "2018", "--to", "2018", "--no-register",
                             "--by", "month")  # fmt: skip
    assert code == 2 and "packaged series are yearly" in err
    with TestClient(create_app(load_settings(home_dir=home))) as client:
        r = client.get("/api/stats", params={"from": 2018, "to": 2018, "by": "month"})
        assert r.status_code == 200, r.text
        june = [x for x in r.json()["rows"] if x["series"] == "dead_missing_central_med"][5]
        assert (june["month"], june["value"], june["source"]) == (6, 7, "register")


def test_the_public_chart_is_drawn_once_per_change_of_its_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GET /api/stats/chart needs no token and a drawing costs a second of CPU: the same
    chart is drawn once, and again only when the register (or the request) changes."""
    from fastapi.testclient import TestClient

    import sarwatch.services.statistics as stats_module
    from sarwatch.services.users import add_user
    from sarwatch.settings import Settings
    from sarwatch.web.app import create_app
    from sarwatch.web.station import station_of

    drawn: list[str] = []
    real = stats_module.chart

    def counting(table, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append(kwargs.get("palette", ""))
        return real(table, **kwargs)

    monkeypatch.setattr(stats_module, "chart", counting)
    settings = Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 's.db'}")
    app = create_app(settings)
    params = {"from": 2018, "to": 2018, "series": "dead_missing_central_med"}
    with TestClient(app) as client:
        first = client.get("/api/stats/chart", params=params)
        again = client.get("/api/stats/chart", params=params)
        assert first.status_code == again.status_code == 200
        assert again.content == first.content and len(drawn) == 1
        night = client.get("/api/stats/chart", params={**params, "palette": "night"})
        assert night.content != first.content and len(drawn) == 2
        _, token = add_user(station_of(app).store, "ana", "coordinator")
        wreck = {
            "kind": "shipwreck", "time": "2018-06-19T06:00:00Z", "place": "off Zuwara",
            "people": {"dead": 5}, "sources": [{"name": "IOM", "quality": 5}],
        }  # fmt: skip
        made = client.post(
            "/api/incidents", json=wreck, headers={"Authorization": f"Bearer {token}"}
        )
        assert made.status_code == 201, made.text
        changed = client.get("/api/stats/chart", params=params)
        assert len(drawn) == 3 and changed.content != first.content


def test_the_public_table_is_built_once_per_change_of_the_register(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GET /api/stats needs no token and its table costs 0.36 s of CPU per 100,000
    incidents: built once, answered again from what was built (with an ETag, and 304 to
    a client that holds it), and built again only when the register or the request
    changes."""
    from fastapi.testclient import TestClient

    import sarwatch.services.statistics as stats_module
    from sarwatch.services.users import add_user
    from sarwatch.settings import Settings
    from sarwatch.web.app import create_app
    from sarwatch.web.station import station_of

    built: list[tuple[int, int]] = []
    real = stats_module.statistics

    def counting(year_from, year_to, **kwargs):  # type: ignore[no-untyped-def]
        built.append((year_from, year_to))
        return real(year_from, year_to, **kwargs)

    monkeypatch.setattr(stats_module, "statistics", counting)
    settings = Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 's.db'}")
    app = create_app(settings)
    params = {"from": 2018, "to": 2018, "by": "month", "series": "dead_missing_central_med"}
    with TestClient(app) as client:
        _, token = add_user(station_of(app).store, "ana", "coordinator")

        def wreck(day: int, dead: int) -> None:
            made = client.post(
                "/api/incidents",
                json={"kind": "shipwreck", "time": f"2018-06-{day}T06:00:00Z",
                      "place": "off Zuwara", "people": {"dead": dead},
                      "sources": [{"name": "IOM", "quality": 5}]},
                headers={"Authorization": f"Bearer {token}"},
            )  # fmt: skip
            assert made.status_code == 201, made.text

        def june(r: Any) -> list[tuple[int, str]]:
            return [(x["value"], x["source"]) for x in r.json()["rows"] if x["month"] == 6]

        wreck(19, 5)
        first = client.get("/api/stats", params=params)
        assert first.status_code == 200, first.text
        assert june(first) == [(5, "register")]
        again = client.get("/api/stats", params=params)
        assert again.content == first.content and len(built) == 1
        etag = first.headers["ETag"]
        assert again.headers["ETag"] == etag and first.headers["Cache-Control"].startswith("public")
        held = client.get("/api/stats", params=params, headers={"If-None-Match": etag})
        assert held.status_code == 304 and held.content == b"" and len(built) == 1
        assert client.get("/api/stats", params={**params, "to": 2019}).status_code == 200
        assert len(built) == 2  # another request is another table
        bad = client.get("/api/stats", params={"from": 2018, "to": 2014})  # refused, not kept
        assert bad.status_code == 422 and "is after 'to'" in bad.json()["detail"]
        assert len(built) == 3
        wreck(21, 3)  # the register changed: built again
        changed = client.get("/api/stats", params=params, headers={"If-None-Match": etag})
        assert changed.status_code == 200 and len(built) == 4
        assert changed.headers["ETag"] != etag and june(changed) == [(8, "register")]
