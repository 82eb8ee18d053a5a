"""``POST /api/plan`` and ``/api/plan/update``: the CLI's request and answer, for
coordinators, bad input as 422 with one line, and attachment to a case."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from _api import coordinator_and_observer
from _cli import open_case, run_cli
from _plan import REQUEST, with_unit
from sarwatch.settings import load_settings


@pytest.fixture
def api(home: Path) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    """The app on the CLI's home, a coordinator's and an observer's headers."""
    with coordinator_and_observer(load_settings(home_dir=home)) as api:
        yield api


def test_the_cli_and_the_api_give_the_same_answer(
    api: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client, coord, _ = api
    r = client.post("/api/plan", json=REQUEST, headers=coord)
    assert r.status_code == 200, r.text
    req = tmp_path / "plan.json"
    req.write_text(json.dumps(REQUEST), encoding="utf-8")
    code, out, err = run_cli(capsys, "plan", "--request", str(req), "--json")
    assert code == 0, err
    assert r.json() == json.loads(out)
    assert r.json()["units"][0]["waypoints"][0]["eta"] == "2026-12-06T12:00:00Z"


def test_observers_may_not_plan(api: Any) -> None:
    client, _, obs = api
    r = client.post("/api/plan", json=REQUEST, headers=obs)
    assert r.status_code == 403
    assert "only coordinators may plan a search" in r.json()["detail"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (with_unit(speed_kn=-5), "greater than 0"),
        (with_unit(hours=0), "greater than 0"),
        ({**REQUEST, "visibility_km": 0.5}, "visibility 0.5 km is outside"),
        ({**REQUEST, "datum": {"lat": 37.5, "lon": 14.0, "time": "2026-12-06T06:00:00Z"}},
         "is on land"),
        ({k: v for k, v in REQUEST.items() if k not in ("datum", "elapsed_h", "x_nm")}
         | {"drift_run": "0123456789ab"}, "no drift run '0123456789ab'"),
        (with_unit(platform=None), "has no sweep width"),
        ({**REQUEST, "colour": "red"}, "colour"),
    ],
)  # fmt: skip
def test_bad_input_is_422_with_a_clear_message(
    api: Any, body: dict[str, Any], message: str
) -> None:
    client, coord, _ = api
    r = client.post("/api/plan", json=body, headers=coord)
    assert r.status_code == 422, r.text
    assert message in json.dumps(r.json())


def test_case_id_attaches_the_plan_and_update_on_the_server(
    api: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    client, coord, _ = api
    case_id = open_case(capsys, time="2026-12-06T06:00:00Z")
    r = client.post("/api/plan", json={**REQUEST, "case_id": case_id}, headers=coord)
    assert r.status_code == 200, r.text
    case = client.get(f"/api/cases/{case_id}", headers=coord).json()
    (attachment,) = case["attachments"]
    assert attachment["kind"] == "search_plan"
    assert attachment["record"]["result"]["total_pos"] == r.json()["total_pos"]
    assert attachment["record"]["request"]["units"][1]["name"] == "Patrol"
    # the update: the plan document and the flown track (here: the planned Patrol route)
    from sarwatch.adapters.exports.route_gpx import routes_to_gpx
    from sarwatch.services.planning import plan_search

    plan = plan_search(REQUEST, home_dir=Path("/nonexistent"))
    doc = {"request": plan.request.model_dump(mode="json"), "answer": r.json()}
    body = {"plan": doc, "searched_gpx": routes_to_gpx([plan.routes[1]]), "case_id": case_id}
    u = client.post("/api/plan/update", json=body, headers=coord)
    assert u.status_code == 200, u.text
    update = u.json()["update"]
    assert update["searched_unit"] == "Patrol" and 0 < update["cumulative_pos"] < 1
    assert len(u.json()["plan"]["updates"]) == 1
    case = client.get(f"/api/cases/{case_id}", headers=coord).json()
    assert [a["kind"] for a in case["attachments"]] == ["search_plan", "search_plan"]
    assert case["attachments"][1]["record"]["tool"].startswith("sarwatch plan update")
    # an unknown case is refused before the work
    r = client.post("/api/plan", json={**REQUEST, "case_id": "nope"}, headers=coord)
    assert r.status_code in (404, 422)


def test_a_plan_from_a_drift_run_id_of_the_station(api: Any) -> None:
    """A run started with POST /api/drift is planned on by its id (its cloud at 3 h)."""
    from _api import wait_for_drift_run

    client, coord, _ = api
    client.headers.update(coord)
    r = client.post("/api/drift", json={
        "lat": 34.5, "lon": 12.9, "time": "2026-12-06T06:00:00Z", "wind_kn": 15,
        "wind_from": 330, "hours": 3, "particles": 2000, "seed": 5,
    })  # fmt: skip
    assert r.status_code == 202, r.text
    run_id = r.json()["run_id"]
    assert wait_for_drift_run(client, run_id)["status"] == "done"
    body = {
        "drift_run": run_id,
        "datum_time": "2026-12-06T09:00:00Z",
        "units": [{"name": "Boat", "sweep_width_nm": 0.5, "speed_kn": 10, "hours": 2}],
    }
    p = client.post("/api/plan", json=body)
    assert p.status_code == 200, p.text
    answer = p.json()
    assert answer["datum"]["drift_run"] == run_id and answer["particles"] == 2000
    assert answer["datum"]["time"] == "2026-12-06T09:00:00Z"
    assert 0 < answer["total_pos"] <= answer["units"][0]["poc"]


def test_the_api_plans_on_run_ids_only_never_on_a_server_directory(
    api: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A coordinator's request must not make the server read (or say whether it has) a
    directory of its own choosing: ``drift_run`` over the API is a run id; the CLI, run
    on the station by whoever can read its home, keeps taking directories."""
    client, coord, _ = api
    run_dir = tmp_path / "cli-run"
    code, _, err = run_cli(
        capsys, "drift", "--lat", "34.5", "--lon", "12.9", "--time", "2026-12-06T06:00Z",
        "--hours", "2", "--particles", "500", "--wind-kn", "15", "--wind-from", "330",
        "--seed", "3", "--out", str(run_dir), "--no-png", "--quiet",
    )  # fmt: skip
    assert code == 0, err
    units = [{"name": "Boat", "sweep_width_nm": 0.5, "speed_kn": 10, "hours": 2}]
    for ref in (str(run_dir), "/etc", "../../etc"):
        r = client.post("/api/plan", json={"drift_run": ref, "units": units}, headers=coord)
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        assert "over the API a drift run is named by its run id" in detail
        assert "drift.nc" not in detail  # nothing said about what the directory holds
    # the same refusal for an update whose plan document names a directory
    doc = {"request": {"drift_run": str(run_dir), "units": units}, "answer": {}}
    r = client.post("/api/plan/update", json={"plan": doc, "searched_gpx": "<gpx/>"}, headers=coord)
    assert r.status_code == 422 and "run id" in r.json()["detail"], r.text
    # the CLI on the station still plans on the directory
    req = tmp_path / "plan.json"
    req.write_text(json.dumps({"drift_run": str(run_dir), "units": units}), encoding="utf-8")
    code, out, err = run_cli(capsys, "plan", "--request", str(req), "--json")
    assert code == 0, err
    assert json.loads(out)["datum"]["drift_run"] == str(run_dir)
