"""The drift use case end to end: CLI, summary JSON, output files, web API."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import numpy as np
import pytest
import xarray as xr

from sarwatch.cli.main import main
from sarwatch.errors import ForcingError, InputError, PositionOnLandError
from sarwatch.services.drift import DriftRequest, ScenarioSpec, predict_drift
from sarwatch.web.station import station_of

START = datetime(2026, 11, 20, 4, 10, tzinfo=UTC)


def _cli(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_cli_drift_writes_a_summary_with_the_promised_fields(tmp_path, capsys):
    summary = tmp_path / "s.json"
    out = tmp_path / "run"
    rc = _cli([
        "drift", "--lat", "33.2", "--lon", "12.5", "--time", "2026-11-20T04:10Z",
        "--object", "migrant-rubber-boat", "--hours", "12", "--particles", "2000",
        "--wind-kn", "15", "--wind-from", "330", "--seed", "1", "--out", str(out),
        "--summary-json", str(summary), "--quiet",
    ])  # fmt: skip
    assert rc == 0
    s = json.loads(summary.read_text())
    for key in ("n", "steps", "wall_s", "particle_steps_per_s", "seed", "object"):
        assert key in s
    assert (s["n"], s["steps"], s["seed"], s["object"]) == (2000, 48, 1, "migrant-rubber-boat")
    # where the wall time went: the four parts, the particle loop's being compute_s, within wall
    t = s["timings_s"]
    assert list(t) == ["setup", "particles", "statistics", "outputs"]
    assert all(v > 0 for v in t.values()) and t["particles"] == s["compute_s"]
    assert sum(t.values()) <= s["wall_s"] + 1e-3
    f = s["final"]
    for key in ("centroid_lat", "centroid_lon", "std_km", "status_counts", "srr_share"):
        assert key in f
    # a NNW wind (from 330) pushes the boat to the SSE: south and east of the start
    assert f["centroid_lat"] < 33.2 and f["centroid_lon"] > 12.5
    assert f["srr_share"]["LY"] == pytest.approx(1.0)
    assert sum(f["status_counts"].values()) == 2000
    assert len(s["outputs"]) == 13
    # trajectory file: CF DSG, seed recorded, readable back
    ds = xr.open_dataset(out / "drift.nc")
    assert ds.attrs["featureType"] == "trajectory" and ds.attrs["seed"] == 1
    assert ds["trajectory"].attrs["cf_role"] == "trajectory_id"
    assert ds["lat"].shape == (2000, 13)
    np.testing.assert_allclose(float(ds["lat"][:, -1].mean()), f["centroid_lat"], atol=0.01)
    geo = json.loads((out / "drift.geojson").read_text())
    kinds = [feat["properties"]["kind"] for feat in geo["features"]]
    assert kinds.count("containment") == 3 * 13 and "centroid_track" in kinds
    areas = [
        ft["properties"]["area_km2"]
        for ft in geo["features"]
        if ft["properties"]["kind"] == "containment" and ft["properties"]["hours"] == 12
    ]
    assert areas == sorted(areas)  # 50 % inside 90 % inside 95 %
    # the cloud: the same sampled particles at every output time, at the NetCDF's positions
    clouds = [ft for ft in geo["features"] if ft["properties"]["kind"] == "particles"]
    assert len(clouds) == 13
    last = clouds[-1]
    assert last["properties"]["hours"] == 12 and last["geometry"]["type"] == "MultiPoint"
    pts = np.array(last["geometry"]["coordinates"])
    assert pts.shape == (200, 2)
    np.testing.assert_allclose(pts[:, 1], ds["lat"][:200, -1].values, atol=6e-4)
    np.testing.assert_allclose(pts[:, 0], ds["lon"][:200, -1].values, atol=6e-4)
    assert (out / "drift.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_same_seed_gives_the_same_summary():
    req = DriftRequest(
        lon=12.5, lat=33.2, time=START, hours=6, particles=500, wind_kn=10, wind_from_deg=0, seed=5
    )
    a = predict_drift(req).summary.final
    b = predict_drift(req).summary.final
    assert a.to_json() == b.to_json()
    pairs = zip(a.containment, b.containment, strict=True)
    assert [c.geometry.equals(d.geometry) for c, d in pairs] == [True] * 3


def test_backward_run_goes_upwind():
    req = DriftRequest(
        lon=12.5,
        lat=33.6,
        time=START,
        hours=12,
        particles=500,
        wind_kn=20,
        wind_from_deg=0,
        seed=2,
        backward=True,
    )
    s = predict_drift(req).summary.to_json()
    assert s["final"]["centroid_lat"] > 33.6  # came from the north
    assert s["outputs"][-1]["hours"] == -12
    assert s["final"]["time"] == "2026-11-19T16:10:00Z"


def test_scenarios_with_a_cone_release_over_time():
    req = DriftRequest(
        lon=12.5,
        lat=33.2,
        time=START,
        hours=6,
        particles=400,
        wind_kn=10,
        wind_from_deg=90,
        seed=3,
        scenarios=(
            ScenarioSpec("point", 12.5, 33.2, weight=1.0),
            ScenarioSpec(
                "cone",
                12.6,
                33.3,
                weight=1.0,
                lon2=12.7,
                lat2=33.4,
                time=START,
                time2=datetime(2026, 11, 20, 7, 10, tzinfo=UTC),
            ),
        ),
    )
    s = predict_drift(req).summary
    assert s.outputs[0].status.not_released > 0
    assert s.final.status.not_released == 0


@pytest.mark.parametrize(
    ("kw", "err", "match"),
    [
        ({"lon": 14.45, "lat": 35.90}, PositionOnLandError, "on land"),
        ({"lon": 200.0, "lat": 33.2}, InputError, "longitude -180..180"),
        ({"wind_kn": None}, ForcingError, "no wind was given"),
        ({"wind_from_deg": None}, InputError, "wind speed needs its direction"),
        ({"current_kn": 0.5}, InputError, "current speed needs its direction"),
        ({"time": datetime(2026, 11, 20, 4, 10)}, InputError, "no time zone"),
        ({"dt_min": 7}, InputError, "multiple of the time step"),
    ],
)
def test_bad_requests_fail_with_clear_errors(kw, err, match):
    base = {
        "lon": 12.5,
        "lat": 33.2,
        "time": START,
        "hours": 6,
        "particles": 50,
        "wind_kn": 10.0,
        "wind_from_deg": 0.0,
    }
    with pytest.raises(err, match=match):
        predict_drift(DriftRequest(**{**base, **kw}))


def test_cli_error_exits_2_with_a_message(capsys):
    rc = _cli(
        [
            "drift",
            "--lat",
            "33.2",
            "--lon",
            "12.5",
            "--time",
            "2026-11-20T04:10",
            "--wind-kn",
            "5",
            "--wind-from",
            "0",
        ]
    )
    assert rc == 2
    assert "no time zone" in capsys.readouterr().err


def test_web_api_runs_a_drift_in_the_background(tmp_path):
    from fastapi.testclient import TestClient

    from sarwatch.services.users import add_user
    from sarwatch.settings import load_settings
    from sarwatch.web.app import create_app

    app = create_app(load_settings(home_dir=tmp_path))
    with TestClient(app) as client:
        _, token = add_user(station_of(app).store, "ana", "coordinator")
        client.headers["Authorization"] = f"Bearer {token}"
        r = client.post("/api/drift", json={
            "lat": 33.2, "lon": 12.5, "time": "2026-11-20T04:10:00Z", "hours": 6,
            "particles": 500, "wind_kn": 12, "wind_from": 330, "seed": 4,
        })  # fmt: skip
        assert r.status_code == 202
        run_id = r.json()["run_id"]
        for _ in range(600):
            state = client.get(f"/api/drift/{run_id}").json()
            if state["status"] in ("done", "failed"):
                break
            time.sleep(0.05)
        assert state["status"] == "done", state
        assert state["summary"]["seed"] == 4 and state["progress"] == 1.0
        geo = client.get(f"/api/drift/{run_id}/geojson")
        assert geo.status_code == 200 and geo.json()["type"] == "FeatureCollection"
        png = client.get(f"/api/drift/{run_id}/png")
        assert png.headers["content-type"] == "image/png"
        assert (tmp_path / "runs" / run_id / "drift.nc").exists()
        assert client.get("/api/drift/nope").status_code == 404
        two = client.post("/api/drift", json={
            "lat": 33.2, "lon": 12.5, "time": "2026-11-20T04:10:00Z", "hours": 3,
            "particles": 300, "wind_kn": 12, "wind_from": 330, "seed": 4,
            "scenarios": [
                {"kind": "point", "lat": 33.2, "lon": 12.5, "weight": 2},
                {"kind": "line", "lat": 33.4, "lon": 12.9, "lat2": 33.5, "lon2": 13.0,
                 "object": "migrant-wooden-boat"},
            ],
        })  # fmt: skip
        two_id = two.json()["run_id"]
        for _ in range(600):
            st2 = client.get(f"/api/drift/{two_id}").json()
            if st2["status"] in ("done", "failed"):
                break
            time.sleep(0.05)
        assert st2["status"] == "done", st2
        cats = st2["summary"]["category_counts"]
        assert st2["summary"]["n"] == 300 and sum(cats.values()) == 300
        assert "LIFE-RAFT-NB-2" in cats and "FISHING-VESSEL-1" in cats  # both scenarios' objects
        assert st2["summary"]["outputs"][0]["centroid_lon"] > 12.6  # a third start further east
        # bad requests are refused at once (422), before any run is started
        base = {"lat": 33.2, "lon": 12.5, "time": "2026-11-20T04:10:00Z"}
        bad_cases = [
            ({**base, "winds": ["../x.nc"]}, "forcing library"),
            ({**base, "lat": 35.88, "lon": 14.44, "wind_kn": 10, "wind_from": 0}, "on land"),
            (base, "no wind was given"),
            ({**base, "object": "no-such-boat", "wind_kn": 10, "wind_from": 0}, "no-such-boat"),
        ]
        runs_before = len(list((tmp_path / "runs").iterdir()))
        for body, message in bad_cases:
            bad = client.post("/api/drift", json=body)
            assert bad.status_code == 422, (body, bad.text)
            assert message in bad.json()["detail"], bad.json()
        assert len(list((tmp_path / "runs").iterdir())) == runs_before


def test_cli_on_scene_wind_series_turns_the_drift(tmp_path):
    """A wind veering from north to east over 12 h turns the drift from south to west."""
    summary = tmp_path / "s.json"
    rc = _cli([
        "drift", "--lat", "33.6", "--lon", "12.5", "--time", "2026-11-20T04:00Z",
        "--object", "LIFE-RAFT-NB-2", "--hours", "12", "--particles", "500", "--seed", "3",
        "--wind-obs", "2026-11-20T04:00Z,20,0", "--wind-obs", "2026-11-20T16:00Z,20,90",
        "--jibe-per-h", "0", "--summary-json", str(summary), "--quiet",
    ])  # fmt: skip
    assert rc == 0
    s = json.loads(summary.read_text())
    assert "series" in s["forcing"]["wind"]
    track = [(o["centroid_lon"], o["centroid_lat"]) for o in s["outputs"]]
    first_leg = (track[3][0] - track[0][0], track[3][1] - track[0][1])
    last_leg = (track[12][0] - track[9][0], track[12][1] - track[9][1])
    assert first_leg[1] < 0 and abs(first_leg[1]) > abs(first_leg[0])  # mostly south
    assert last_leg[0] < 0 and abs(last_leg[0]) > abs(last_leg[1])  # mostly west


def test_wind_series_must_cover_the_run():
    req = DriftRequest(
        lon=12.5, lat=33.2, time=START, hours=12, particles=50,
        wind_obs=((START, 10.0, 0.0), (datetime(2026, 11, 20, 10, 10, tzinfo=UTC), 10.0, 0.0)),
    )  # fmt: skip
    with pytest.raises(ForcingError, match="covers 2026-11-20T04:10:00 to 2026-11-20T10:10:00"):
        predict_drift(req)


def test_cli_lists_the_object_classes(capsys):
    assert _cli(["drift", "--list-objects"]) == 0
    out = capsys.readouterr().out
    assert "migrant-rubber-boat" in out and "LIFE-RAFT-NB-2" in out and "85" in out


def test_web_drift_runs_need_a_coordinator_and_reads_an_observer(tmp_path):
    """A run carries a live position: no token, no run; observers may watch, not start."""
    from fastapi.testclient import TestClient

    from sarwatch.services.users import add_user
    from sarwatch.settings import load_settings
    from sarwatch.web.app import create_app

    body = {"lat": 33.2, "lon": 12.5, "time": "2026-11-20T04:10:00Z", "hours": 1,
            "particles": 50, "wind_kn": 10, "wind_from": 0}  # fmt: skip
    app = create_app(load_settings(home_dir=tmp_path))
    with TestClient(app) as client:
        store = station_of(app).store
        _, coord = add_user(store, "ana", "coordinator")
        _, obs = add_user(store, "olu", "observer")
        assert client.post("/api/drift", json=body).status_code == 401
        r = client.post("/api/drift", json=body, headers={"Authorization": f"Bearer {obs}"})
        assert r.status_code == 403
        assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
        r = client.post("/api/drift", json=body, headers={"Authorization": f"Bearer {coord}"})
        assert r.status_code == 202
        run_id = r.json()["run_id"]
        assert client.get(f"/api/drift/{run_id}").status_code == 401
        seen = client.get(f"/api/drift/{run_id}", headers={"Authorization": f"Bearer {obs}"})
        assert seen.status_code == 200 and seen.json()["run_id"] == run_id
        assert client.get(f"/api/drift/{run_id}/geojson").status_code == 401


def _cli_summary(tmp_path, *extra: str) -> dict:
    summary = tmp_path / "seed.json"
    rc = _cli([
        "drift", "--lat", "33.2", "--lon", "12.5", "--time", "2026-11-20T04:10Z",
        "--hours", "6", "--particles", "1000", "--wind-kn", "12", "--wind-from", "330",
        "--seed", "3", "--summary-json", str(summary), "--quiet", *extra,
    ])  # fmt: skip
    assert rc == 0
    return json.loads(summary.read_text())


def test_cli_line_seeding_spreads_the_release_between_the_two_positions(tmp_path):
    s = _cli_summary(tmp_path, "--to-lat", "33.4", "--to-lon", "12.9")
    first = s["outputs"][0]
    # uniform along the line: the centroid at release is its midpoint, the spread is large
    assert first["centroid_lat"] == pytest.approx(33.3, abs=0.01)
    assert first["centroid_lon"] == pytest.approx(12.7, abs=0.01)
    assert first["std_km"] > 10


def test_cli_cone_seeding_releases_particles_over_time(tmp_path):
    s = _cli_summary(
        tmp_path, "--to-lat", "33.4", "--to-lon", "12.9", "--to-time", "2026-11-20T08:10Z",
        "--to-radius-m", "3000",
    )  # fmt: skip
    waiting = [o["status_counts"]["not_released"] for o in s["outputs"]]
    assert waiting[0] > 900 and waiting[-1] == 0
    assert waiting == sorted(waiting, reverse=True)


def test_cli_circle_seeding_is_uniform_over_the_disk(tmp_path):
    gaussian = _cli_summary(tmp_path, "--radius-m", "5000")["outputs"][0]["std_km"]
    disk = _cli_summary(tmp_path, "--radius-m", "5000", "--circle")["outputs"][0]["std_km"]
    # radial RMS: a uniform disk of radius R gives R/sqrt(2); a 2-D Gaussian (sigma R) R*sqrt(2)
    assert disk == pytest.approx(5 / np.sqrt(2), rel=0.1)
    assert gaussian == pytest.approx(5 * np.sqrt(2), rel=0.1)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--to-lat", "33.4"], "both --to-lat and --to-lon"),
        (["--to-radius-m", "100"], "give --to-time too"),
        (["--circle", "--to-lat", "33.4", "--to-lon", "12.9"], "exclude each other"),
    ],
)
def test_cli_bad_seeding_options_exit_2(tmp_path, capsys, extra, message):
    rc = _cli([
        "drift", "--lat", "33.2", "--lon", "12.5", "--time", "2026-11-20T04:10Z",
        "--wind-kn", "12", "--wind-from", "330", "--quiet", *extra,
    ])  # fmt: skip
    assert rc == 2 and message in capsys.readouterr().err
