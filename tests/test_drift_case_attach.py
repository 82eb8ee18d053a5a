"""A drift run made for a case is attached to it with its inputs: request, seed,
forcing file names, SHA-256 and time windows read, and the outputs' hashes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from _api import wait_for_drift_run
from _cli import open_case, run_cli
from sarwatch.web.station import station_of

NOV_20 = "2026-11-20T04:10:00Z"  # the cases open when the test current starts


def _current_file(path: Path) -> Path:
    """A uniform 0.3 m/s eastward current over the area, hourly for a day."""
    lon, lat = np.arange(10.0, 15.01, 0.25), np.arange(31.0, 35.01, 0.25)
    times = pd.date_range("2026-11-20T00:00", periods=25, freq="h")
    u = np.full((times.size, lat.size, lon.size), 0.3, "f4")
    ds = xr.Dataset(
        {
            "uo": (("time", "lat", "lon"), u, {"standard_name": "eastward_sea_water_velocity"}),
            "vo": (
                ("time", "lat", "lon"),
                0 * u,
                {"standard_name": "northward_sea_water_velocity"},
            ),
        },
        coords={"time": times, "lat": lat, "lon": lon},
    )
    ds["lat"].attrs = {"standard_name": "latitude", "units": "degrees_north"}
    ds["lon"].attrs = {"standard_name": "longitude", "units": "degrees_east"}
    ds.to_netcdf(path)
    return path


def test_cli_drift_attaches_the_run_with_its_inputs(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = open_case(capsys, time=NOV_20)
    current = _current_file(tmp_path / "cmems_cur.nc")
    run_dir = tmp_path / "run"
    code, out, err = run_cli(
        capsys, "drift", "--lat", "33.2", "--lon", "12.5", "--time", "2026-11-20T04:10Z",
        "--hours", "6", "--particles", "300", "--wind-kn", "10", "--wind-from", "0",
        "--currents", str(current), "--seed", "7", "--out", str(run_dir), "--no-png",
        "--quiet", "--case", case_id, "--actor", "ana",
    )  # fmt: skip
    assert code == 0, err
    assert f"attached to case {case_id} (drift_run, seed 7, run " in out
    code, out, err = run_cli(capsys, "case", "show", case_id, "--json")
    assert code == 0, err
    (attachment,) = json.loads(out)["attachments"]
    assert attachment["kind"] == "drift_run"
    record = attachment["record"]
    assert record["seed"] == 7 and record["request"]["particles"] == 300
    assert record["request"]["currents"] == ["cmems_cur.nc"]
    (forcing_file,) = record["forcing"]["files"]
    assert forcing_file["role"] == "current" and forcing_file["file"] == "cmems_cur.nc"
    assert forcing_file["sha256"] == hashlib.sha256(current.read_bytes()).hexdigest()
    assert forcing_file["bytes"] == current.stat().st_size
    # the run 04:10–10:10 read the hourly steps 04:00 to 11:00 at most
    first, last = forcing_file["window_read"]
    assert "2026-11-20T04:00:00Z" >= first >= "2026-11-20T03:00:00Z"
    assert "2026-11-20T11:00:00Z" >= last >= "2026-11-20T10:00:00Z"
    nc = record["output_files"]["netcdf"]
    assert nc["sha256"] == hashlib.sha256((run_dir / nc["file"]).read_bytes()).hexdigest()
    # and the ledger still verifies with the attachment in it
    code, out, _ = run_cli(capsys, "ledger", "verify")
    assert code == 0 and "ledger OK: 1 case(s), 3 events" in out


def test_cli_drift_refuses_an_unknown_case_before_running(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        capsys, "drift", "--lat", "33.2", "--lon", "12.5", "--time", "2026-11-20T04:10Z",
        "--hours", "2", "--particles", "100", "--wind-kn", "10", "--wind-from", "0",
        "--out", str(tmp_path / "run"), "--quiet", "--case", "2026-11-20-LY-009",
    )  # fmt: skip
    assert code == 2 and "no case '2026-11-20-LY-009'" in err
    assert not (tmp_path / "run").exists()  # refused before any work


def test_cli_assess_attaches_the_assessment(home: Path, capsys) -> None:
    case_id = open_case(capsys, time=NOV_20)
    code, out, err = run_cli(
        capsys, "assess", "--lat", "33.2", "--lon", "12.5", "--json", "--case", case_id
    )
    assert code == 0, err
    printed = json.loads(out)  # --json output stays one JSON object; the note goes to stderr
    assert f"attached to case {case_id} (assessment)" in err
    _, out, _ = run_cli(capsys, "case", "show", case_id, "--json")
    (attachment,) = json.loads(out)["attachments"]
    assert attachment["kind"] == "assessment"
    assert attachment["record"]["request"]["lat"] == pytest.approx(33.2)  # one shape
    assert attachment["record"]["result"] == json.loads(json.dumps(printed))


def test_closed_cases_and_bad_anchors_are_refused_before_the_work(
    home: Path, tmp_path: Path, capsys
) -> None:
    cid = open_case(capsys, time=NOV_20)
    for args in (("status", cid, "active"), ("outcome", cid, "arrived"), ("status", cid, "closed")):
        assert run_cli(capsys, "case", *args)[0] == 0
    code, _, err = run_cli(
        capsys, "drift", "--lat", "33.2", "--lon", "12.5", "--time", "2026-11-20T04:10Z",
        "--hours", "2", "--particles", "100", "--wind-kn", "10", "--wind-from", "0",
        "--out", str(tmp_path / "run"), "--quiet", "--case", cid,
    )  # fmt: skip
    assert code == 2 and f"case {cid} is closed" in err
    assert not (tmp_path / "run").exists()  # refused before the run
    code, out, err = run_cli(capsys, "assess", "--lat", "33.2", "--lon", "12.5", "--case", cid)
    assert code == 2 and f"case {cid} is closed" in err and out == ""
    code, out, err = run_cli(capsys, "ledger", "verify", "--anchor", "garbage")
    assert code == 2 and "give SEQ:HASH" in err and out == ""  # nothing verified first
    # and an existing bundle is not overwritten without --force
    bundle = tmp_path / "case.zip"
    assert run_cli(capsys, "case", "export", cid, "--out", str(bundle))[0] == 0
    code, _, err = run_cli(capsys, "case", "export", cid, "--out", str(bundle))
    assert code == 2 and "is not replaced" in err
    assert run_cli(capsys, "case", "export", cid, "--out", str(bundle), "--force")[0] == 0
    code, _, err = run_cli(capsys, "case", "export", cid, "--out", str(tmp_path))
    assert code == 2 and "is a directory" in err


@contextmanager
def _client(home: Path) -> Iterator[tuple[Any, Any]]:
    """The station's app on ``home`` and a client signed in as a coordinator."""
    from fastapi.testclient import TestClient

    from sarwatch.services.users import add_user
    from sarwatch.settings import load_settings
    from sarwatch.web.app import create_app

    app = create_app(load_settings(home_dir=home))
    with TestClient(app) as client:  # start-up builds the case service
        _, token = add_user(station_of(app).store, "ana", "coordinator")
        client.headers["Authorization"] = f"Bearer {token}"
        yield app, client


def test_the_same_run_from_the_cli_and_the_api_gives_the_same_attachment(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The page sends a request (case_id), the server attaches the run itself: the same
    record as ``drift --case``: same fields, request, seed and forcing hashes."""
    case_id = open_case(capsys, time=NOV_20)
    library = home / "forcing"
    library.mkdir(parents=True)
    current = _current_file(library / "cmems_cur.nc")
    code, _, err = run_cli(
        capsys, "drift", "--lat", "33.2", "--lon", "12.5", "--time", "2026-11-20T04:10Z",
        "--hours", "6", "--particles", "300", "--wind-kn", "10", "--wind-from", "0",
        "--currents", str(current), "--seed", "7", "--out", str(tmp_path / "run"), "--no-png",
        "--quiet", "--case", case_id, "--actor", "ana",
    )  # fmt: skip
    assert code == 0, err
    with _client(home) as (_, client):
        r = client.post("/api/drift", json={
            "lat": 33.2, "lon": 12.5, "time": "2026-11-20T04:10:00Z", "hours": 6,
            "particles": 300, "wind_kn": 10, "wind_from": 0, "currents": ["cmems_cur.nc"],
            "seed": 7, "case_id": case_id,
        })  # fmt: skip
        assert r.status_code == 202, r.text
        assert r.json()["attachment"] == {"case_id": case_id, "status": "pending", "error": None}
        state = wait_for_drift_run(client, r.json()["run_id"])
        assert state["status"] == "done", state
        assert state["attachment"] == {"case_id": case_id, "status": "attached", "error": None}
        case = client.get(f"/api/cases/{case_id}").json()
    cli, api = [a["record"] for a in case["attachments"]]
    assert [a["kind"] for a in case["attachments"]] == ["drift_run", "drift_run"]
    assert set(cli) == set(api) == {
        "tool", "request", "result", "seed", "forcing", "output_files", "run_id"
    }  # fmt: skip
    assert cli["request"] == api["request"] and cli["request"]["currents"] == ["cmems_cur.nc"]
    assert cli["seed"] == api["seed"] == 7
    assert cli["forcing"] == api["forcing"]
    assert cli["forcing"]["files"][0]["sha256"] == hashlib.sha256(current.read_bytes()).hexdigest()
    # the command line's run is kept in the station's runs too (its own run id)
    assert cli["run_id"] not in (None, state["run_id"]) and api["run_id"] == state["run_id"]
    assert set(cli["output_files"]) == {"geojson", "netcdf", "summary"}
    assert set(api["output_files"]) == {"geojson", "netcdf", "png", "summary"}
    run_dir = home / "runs" / state["run_id"]
    for out in api["output_files"].values():
        assert out["sha256"] == hashlib.sha256((run_dir / out["file"]).read_bytes()).hexdigest()
    # the same seed and forcing give the same cloud, whichever interface ran it
    assert cli["result"]["final"] == api["result"]["final"]
    assert cli["result"]["final"]["centroid_lon"] > 12.5  # the eastward current


def test_the_api_refuses_unknown_fields_and_closed_cases_before_running(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = open_case(capsys, time=NOV_20)
    for args in (("status", case_id, "active"), ("outcome", case_id, "arrived"),
                 ("status", case_id, "closed")):  # fmt: skip
        assert run_cli(capsys, "case", *args)[0] == 0
    body = {"lat": 33.2, "lon": 12.5, "time": "2026-11-20T04:10:00Z", "hours": 1,
            "particles": 50, "wind_kn": 10, "wind_from": 0}  # fmt: skip
    with _client(home) as (_, client):
        r = client.post("/api/drift", json={**body, "case": case_id})  # a misspelt field
        assert r.status_code == 422 and "case" in r.text and "xtra" in r.text
        r = client.post("/api/drift", json={**body, "case_id": case_id})
        assert r.status_code == 409 and f"case {case_id} is closed" in r.json()["detail"]
        r = client.post("/api/drift", json={**body, "case_id": "2026-11-20-LY-009"})
        assert r.status_code == 404
        assert not (home / "runs").exists() or not any((home / "runs").iterdir())


def test_a_run_whose_case_closed_meanwhile_is_done_and_says_the_attachment_was_refused(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime

    from sarwatch.services.drift import DriftRequest
    from sarwatch.web.routes.drift import _execute

    case_id = open_case(capsys, time=NOV_20)
    with _client(home) as (app, client):
        runs = station_of(app).drift_runs
        run = runs.create("ana", {"case_id": case_id})
        for args in (("status", case_id, "active"), ("outcome", case_id, "arrived"),
                     ("status", case_id, "closed")):  # fmt: skip  # closed during the run
            assert run_cli(capsys, "case", *args)[0] == 0
        req = DriftRequest(
            lon=12.5, lat=33.2, time=datetime(2026, 11, 20, 4, 10, tzinfo=UTC), hours=1,
            particles=50, wind_kn=10, wind_from_deg=0, seed=1,
        )  # fmt: skip
        station = station_of(app)
        _execute(station, runs, run.run_id, req, Path(station.settings.cache_dir), case_id, "ana")
        state = client.get(f"/api/drift/{run.run_id}").json()
    assert state["status"] == "done" and state["summary"]["seed"] == 1
    assert state["attachment"]["status"] == "refused"
    assert f"case {case_id} is closed" in state["attachment"]["error"]


def test_an_assessment_from_the_api_is_the_record_the_cli_attaches(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = open_case(capsys, time=NOV_20)
    code, _, err = run_cli(
        capsys, "assess", "--lat", "33.2", "--lon", "12.5", "--no-routes", "--case", case_id
    )
    assert code == 0, err
    with _client(home) as (_, client):
        body = {"lat": 33.2, "lon": 12.5, "speed_kn": 10, "routes": False}
        r = client.post(f"/api/cases/{case_id}/assessments", json=body)
        assert r.status_code == 201, r.text
        assert client.post(f"/api/cases/{case_id}/assessments",
                           json={**body, "result": {}}).status_code == 422  # fmt: skip
        r = client.post("/api/cases/2026-11-20-LY-009/assessments", json=body)
        assert r.status_code == 404
        case = client.get(f"/api/cases/{case_id}").json()
    cli, api = [a["record"] for a in case["attachments"] if a["kind"] == "assessment"]
    assert set(cli) == set(api) and cli["request"] == api["request"]
    assert cli["request"] == {
        "lon": 12.5, "lat": 33.2, "speed_kn": 10.0, "situation": "distress_alert",
        "vessel": "ngo", "routes": False,
    }  # fmt: skip
    assert cli["result"]["srr"] == api["result"]["srr"] == ["LY"]
    assert cli["seed"] is None and cli["forcing"] is None and cli["output_files"] == {}


def test_a_case_drift_without_a_position_starts_where_the_case_was_last_seen(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = open_case(capsys, time=NOV_20)  # at 33.2N 12.5E
    base = ["drift", "--hours", "1", "--particles", "100", "--wind-kn", "10",
            "--wind-from", "330", "--seed", "4", "--quiet", "--case", case_id]  # fmt: skip
    code, out, err = run_cli(capsys, *base)
    assert code == 0, err
    assert f"start: case {case_id}'s last known position 33°12.000'N 012°30.000'E" in err
    assert "at 2026-11-20T04:10:00Z" in err
    code, out, err = run_cli(capsys, "case", "show", case_id, "--json")
    request = json.loads(out)["attachments"][0]["record"]["request"]
    assert (request["lat"], request["lon"], request["time"]) == (33.2, 12.5, NOV_20)
    # a position given on the command line wins, and a partial one is refused as before
    code, _, err = run_cli(capsys, *base, "--lat", "33.3", "--lon", "12.4", "--time", NOV_20)
    assert code == 0 and "start: case" not in err
    code, _, err = run_cli(capsys, *base, "--lat", "33.3")
    assert code == 2 and "missing --lon, --time" in err


def test_a_case_drift_without_out_is_kept_among_the_stations_runs(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No --out: the run writes into a run of the station, as one from the map, and the
    case's attachment names it, so responders and the map find its cloud."""
    case_id = open_case(capsys, time=NOV_20)
    base = ["drift", "--hours", "1", "--particles", "100", "--wind-kn", "10",
            "--wind-from", "330", "--seed", "4", "--no-png", "--case", case_id]  # fmt: skip
    code, out, err = run_cli(capsys, *base, "--quiet")
    assert code == 0, err
    run_id = out.split(", run ")[1].split(")")[0]
    run_dir = home / "runs" / run_id
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "done" and record["attachment"]["status"] == "attached"
    assert record["files"]["netcdf"] == "drift.nc" and "png" not in record["files"]
    code, out, err = run_cli(capsys, "case", "show", case_id, "--json")
    attached = json.loads(out)["attachments"][0]["record"]
    assert attached["run_id"] == run_id
    nc = attached["output_files"]["netcdf"]
    assert nc["sha256"] == hashlib.sha256((run_dir / "drift.nc").read_bytes()).hexdigest()
    # without --quiet the summary lists the kept files, where they stay
    code, out, err = run_cli(capsys, *base)
    assert code == 0, err
    second = out.split(", run ")[1].split(")")[0]
    assert second != run_id and (home / "runs" / second / "drift.nc").is_file()
    assert "netcdf: " in out and "drift.nc" in out.replace("\n", "")
    # a run that fails keeps its record, saying why, and attaches nothing
    missing = tmp_path / "no-such-winds.nc"
    code, _, err = run_cli(capsys, "drift", "--hours", "1", "--particles", "100",
                           "--winds", str(missing), "--case", case_id, "--quiet")  # fmt: skip
    assert code == 2
    failed = [json.loads(p.read_text()) for p in (home / "runs").glob("*/run.json")]
    failed = [r for r in failed if r["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["error"]
    code, out, _ = run_cli(capsys, "case", "show", case_id, "--json")
    assert len(json.loads(out)["attachments"]) == 2
