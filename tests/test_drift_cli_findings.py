"""What a new user ran into with ``sarwatch drift`` and ``sarwatch assess``: limits shared
with the API, refusals that say the fix, output paths checked before the work, outputs
not silently replaced, a table that fits 80 columns, the trajectory sample said."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from rich.console import Console

from _cli import run_cli

RUN = ["drift", "--lat", "33.2", "--lon", "12.5", "--time", "2026-11-20T04:10Z",
       "--wind-kn", "12", "--wind-from", "330", "--seed", "3"]  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--hours", "10000"], "--hours (hours) 10000 is out of range: 0 < x <= 240 h"),
        (["--wind-kn", "300"], "--wind-kn (wind_kn) 300 is out of range: 0 <= x <= 150 kn"),
        (["--hours", "1.5"], "give --output-min 30"),
        (["--hours", "2", "--dt-min", "7"], "multiple of the time step"),
    ],
)
def test_the_cli_refuses_what_the_api_refuses_and_says_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code, _, err = run_cli(capsys, *RUN, "--out", str(tmp_path / "run"), "--quiet", *extra)
    assert code == 2 and message in err, err
    assert not (tmp_path / "run").exists()


def test_the_api_refuses_with_the_same_limits(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from sarwatch.services.users import add_user
    from sarwatch.settings import load_settings
    from sarwatch.web.app import create_app
    from sarwatch.web.station import station_of

    app = create_app(load_settings(home_dir=tmp_path))
    base = {"lat": 33.2, "lon": 12.5, "time": "2026-11-20T04:10:00Z", "wind_kn": 12,
            "wind_from": 330}  # fmt: skip
    with TestClient(app) as client:
        _, token = add_user(station_of(app).store, "ana", "coordinator")
        client.headers["Authorization"] = f"Bearer {token}"
        for field, value in (("hours", 10000), ("wind_kn", 300)):
            r = client.post("/api/drift", json={**base, field: value})
            assert r.status_code == 422 and field in r.text, r.text
        r = client.post("/api/drift", json={**base, "hours": 1.5})
        assert r.status_code == 422 and "give --output-min 30" in r.json()["detail"]


@pytest.mark.parametrize("flag", ["--summary-json", "--out"])
def test_output_paths_are_checked_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    target = "/proc/s.json" if flag == "--summary-json" else "/proc/sarwatch-run"
    t0 = time.perf_counter()
    code, out, err = run_cli(capsys, *RUN, "--hours", "240", "--particles", "200000",
                             flag, target)  # fmt: skip
    assert code == 2 and "cannot write" in err and "/proc/s" in err, err
    assert out == ""  # no table: nothing ran
    assert time.perf_counter() - t0 < 60  # a 10-day, 200k-particle run was not made first


def test_assess_batch_checks_its_output_before_assessing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    positions = tmp_path / "p.csv"
    positions.write_text("lat,lon\n33.2,12.5\n34.0,13.0\n")
    code, out, err = run_cli(capsys, "assess", "--csv", str(positions), "--out", "/proc/a.csv")
    assert code == 2 and "cannot write the --out file /proc/a.csv" in err, err
    assert "assessed" not in err and out == ""
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    code, _, err = run_cli(
        capsys, "assess", "--csv", str(positions), "--out", str(blocked / "a.csv")
    )
    assert code == 2 and "is not a directory" in err


def test_drift_out_does_not_replace_a_runs_outputs_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    args = [*RUN, "--hours", "1", "--particles", "200", "--no-png", "--quiet", "--out", str(out)]
    assert run_cli(capsys, *args)[0] == 0
    first = (out / "drift.nc").read_bytes()
    code, _, err = run_cli(capsys, *args)
    assert code == 2 and "already holds the outputs of a run" in err and "--force" in err
    assert (out / "drift.nc").read_bytes() == first
    assert run_cli(capsys, *args, "--force")[0] == 0


def test_the_trajectory_sample_is_said_on_the_cli_and_in_the_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    code, stdout, err = run_cli(
        capsys, *RUN, "--hours", "1", "--particles", "500", "--max-tracks", "100", "--no-png",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    note = "drift.nc keeps the tracks of a sample of 100 of the 500 particles"
    assert note in " ".join(stdout.split())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["particles_in_file"] == 100 and note in summary["tracks_note"]
    code, _, err = run_cli(
        capsys, *RUN, "--hours", "1", "--particles", "500", "--max-tracks", "100", "--no-png",
        "--out", str(tmp_path / "quiet"), "--quiet",
    )  # fmt: skip
    assert code == 0 and note in err


def test_quiet_without_an_output_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sarwatch.services.drift as service

    runs: list[object] = []
    real = service.predict_drift

    def counted(*args: object, **kwargs: object) -> object:
        runs.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "predict_drift", counted)
    args = [*RUN, "--hours", "1", "--particles", "100", "--no-png"]
    for quiet in ("--quiet", "-q"):
        code, out, err = run_cli(capsys, *args, quiet)
        assert code == 2 and out == "" and "Traceback" not in err
        message = " ".join(err.split())
        assert "no --out, --summary-json or --case was given" in message
        assert "give --out DIR" in message and "leave out --quiet" in message
    assert runs == []  # refused before any work, not computed and thrown away
    summary = tmp_path / "summary.json"
    code, _, err = run_cli(capsys, *args, "-q", "--summary-json", str(summary))  # the fix
    assert code == 0, err
    assert len(runs) == 1 and json.loads(summary.read_text())["seed"] == 3
    code, out, err = run_cli(capsys, *args)  # without --quiet the summary is the output
    assert code == 0 and "seed 3" in out and len(runs) == 2


def test_the_drift_table_fits_an_80_column_terminal() -> None:
    from datetime import UTC, datetime

    from sarwatch.cli.drift import print_summary
    from sarwatch.services.drift import DriftRequest, predict_drift

    req = DriftRequest(
        lon=12.5, lat=33.2, time=datetime(2026, 11, 20, 4, 10, tzinfo=UTC), hours=48,
        output_min=120, particles=2000, wind_kn=25, wind_from_deg=330, seed=3,
        radius_m=20_000,
    )  # fmt: skip
    summary = predict_drift(req).summary
    console = Console(width=80, record=True, color_system=None)
    print_summary(summary, console)
    text = console.export_text()
    lines = text.splitlines()
    assert max(len(line) for line in lines[1:]) <= 80
    rows = [line for line in lines if line.strip().startswith("+")]
    assert [r.split()[0] for r in rows] == ["+6", "+12", "+24", "+48"]
    # spread and areas in the chart's units, as the search plan gives them
    header = next(line for line in lines if "centroid" in line)
    assert "std nm" in header and "50/90/95% nm²" in header
    for row, hours in zip(rows, (6, 12, 24, 48), strict=True):
        snap = next(o for o in summary.outputs if o.hours == hours)
        areas = "/".join(f"{c.area_km2 / 1.852**2:.0f}" for c in snap.containment)
        assert areas in row, (areas, row)  # the areas are whole, not cut
        assert f"{snap.centroid_lat:.3f}N" in row
        assert f" {snap.std_km / 1.852:.1f} " in row, (snap.std_km, row)


def test_one_set_of_defaults_for_the_engine_the_cli_and_the_api() -> None:
    import inspect

    from sarwatch.cli.drift import drift
    from sarwatch.drift.config import DEFAULTS, LIMITS
    from sarwatch.drift.engine import DriftParams
    from sarwatch.web.routes.drift import DriftCreate

    assert DEFAULTS.params() == DriftParams()  # the engine's defaults are the config's
    api = DriftCreate.model_fields
    for field, name in (("object_class", "object"), ("hours", "hours"),
                        ("particles", "particles"), ("dt_min", "dt_min"),
                        ("output_min", "output_min"), ("radius_m", "radius_m"),
                        ("scheme", "scheme")):  # fmt: skip
        assert api[name].default == getattr(DEFAULTS, field), name
    cli = {p.name: p.default.default for p in inspect.signature(drift).parameters.values()}
    for field in ("hours", "particles", "dt_min", "output_min", "radius_m", "jibe_per_h",
                  "capsize_wind_ms", "capsize_leeway_fraction", "max_tracks"):  # fmt: skip
        assert cli[field] == getattr(DEFAULTS, field), field
    # the API's schema carries the shared limits
    schema = DriftCreate.model_json_schema()["properties"]
    assert schema["hours"]["maximum"] == LIMITS["hours"].hi
    assert schema["particles"]["maximum"] == LIMITS["particles"].hi


def test_the_drift_table_names_shares_outside_the_packaged_regions_within_80_columns() -> None:
    from dataclasses import replace
    from datetime import UTC, datetime

    from sarwatch.cli.drift import print_summary
    from sarwatch.drift.result import RegionShare
    from sarwatch.services.drift import DriftRequest, predict_drift

    req = DriftRequest(
        lon=12.5, lat=33.2, time=datetime(2026, 11, 20, 4, 10, tzinfo=UTC), hours=24,
        output_min=360, particles=500, wind_kn=12, wind_from_deg=330, seed=3,
    )  # fmt: skip
    summary = predict_drift(req).summary
    # The same cloud as if it lay west of Gibraltar, outside the packaged regions
    # (the SAR-share keys of services.drift_stats for such a cloud).
    shares = (RegionShare("none", 1.0), RegionShare("outside_packaged_regions", 1.0))
    outside = replace(
        summary,
        start=replace(summary.start, lon=-6.5, lat=36.0),
        outputs=tuple(
            replace(o, centroid_lon=-6.5 - o.hours / 100, srr_share=shares) for o in summary.outputs
        ),
    )
    console = Console(width=80, record=True, color_system=None)
    print_summary(outside, console)
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "36.0000°N 6.5000°W" in lines[0]  # a hemisphere letter, not "-6.5000°E"
    rows = [line for line in lines if line.strip().startswith("+")]
    assert [r.split()[0] for r in rows] == ["+6", "+12", "+24"]
    for row in rows:
        assert row.split()[4].endswith("W")  # the centroid: 33.154N 6.560W
        assert row.rstrip().endswith(" out* 100%"), row  # on one line, not folded
        assert "none" not in row  # outside the regions: counted once, as out*
    footnote = " ".join(lines[lines.index(rows[-1]) + 1 :])
    assert "out* outside the packaged regions (5°E–27°E, 29°N–43°N)" in footnote


@pytest.mark.parametrize(
    "where",
    [
        ["--lat", "33.2N", "--lon", "12.5E"],
        ["--lat", "33 12.0N", "--lon", "012 30.0E"],
        ["--position", "33°12'N 012°30'E"],
        ["-p", "33 12.0N 12 30.0E"],
    ],
)
def test_drift_reads_positions_as_people_write_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: list[str]
) -> None:
    out = tmp_path / "run"
    code, _, err = run_cli(
        capsys, "drift", *where, "--time", "2026-11-20T04:10Z", "--hours", "1",
        "--particles", "100", "--wind-kn", "12", "--wind-from", "330", "--no-png", "--quiet",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, err
    start = json.loads((out / "summary.json").read_text())["start"]
    assert (start["lat"], start["lon"]) == pytest.approx((33.2, 12.5))


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (["--lat", "12.5E", "--lon", "33.2N"], "--lat: a latitude takes N or S"),
        (["--lat", "95", "--lon", "12.5"], "--lat: latitude must lie between -90 and 90"),
        (["--position", "33.2N 12.5E", "--lat", "33"], "either --position or --lat and --lon"),
        (["--lat", "33.2"], "missing --lon: a drift needs a position"),
    ],
)
def test_drift_refuses_a_bad_position_with_the_flag_and_the_fix(
    capsys: pytest.CaptureFixture[str], where: list[str], message: str
) -> None:
    code, _, err = run_cli(capsys, "drift", *where, "--time", "2026-11-20T04:10Z", "--wind-kn", "9")
    assert code == 2
    assert message in " ".join(err.split())
    assert "Traceback" not in err


def test_a_start_on_land_names_the_nearest_sea_point_to_start_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], land_mask
) -> None:
    import re

    # 0.07 nm inside Lampedusa's coastline (issue 9's position on land)
    base = ["drift", "--time", "2026-11-20T04:10Z", "--hours", "1", "--particles", "100",
            "--wind-kn", "9", "--wind-from", "0", "--no-png", "--quiet"]  # fmt: skip
    code, _, err = run_cli(capsys, *base, "--lat", "35.497", "--lon", "12.603")
    assert code == 2
    message = " ".join(err.split())
    assert "is on land (GSHHG full resolution); check the coordinates" in message
    m = re.search(r"nearest sea point is .+?, (\d+\.\d) nm away \(lat (\S+), lon (\S+)\)", message)
    assert m, message
    assert 0.0 < float(m[1]) < 1.0
    lat, lon = float(m[2]), float(m[3])
    assert not land_mask.contains(lon, lat)
    code, _, err = run_cli(
        capsys, *base, "--lat", m[2], "--lon", m[3], "--out", str(tmp_path / "run")
    )  # the fix it gives
    assert code == 0, err


def test_a_negative_seed_is_refused_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fastapi.testclient import TestClient

    from sarwatch.services.users import add_user
    from sarwatch.settings import load_settings
    from sarwatch.web.app import create_app
    from sarwatch.web.station import station_of

    code, _, err = run_cli(capsys, *RUN[:-2], "--seed", "-1", "--hours", "1", "--quiet")
    assert code == 2 and "Traceback" not in err
    assert "--seed (seed) -1 is out of range: give a whole number from 0 to 4294967295" in err
    app = create_app(load_settings(home_dir=tmp_path))
    base = {"lat": 33.2, "lon": 12.5, "time": "2026-11-20T04:10:00Z", "wind_kn": 12,
            "wind_from": 330, "hours": 1}  # fmt: skip
    with TestClient(app) as client:
        _, token = add_user(station_of(app).store, "ana", "coordinator")
        client.headers["Authorization"] = f"Bearer {token}"
        r = client.post("/api/drift", json={**base, "seed": -1})  # refused now, not failed later
        assert r.status_code == 422 and "seed" in r.json()["detail"], r.text
        assert client.post("/api/drift", json={**base, "seed": 2**32 - 1}).status_code == 202


def test_a_negative_cone_radius_is_refused_as_the_api_refuses_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cone = ["--to-time", "2026-11-20T05:10Z", "--to-lat", "33.3", "--to-lon", "12.6"]
    code, _, err = run_cli(capsys, *RUN, "--hours", "2", *cone, "--to-radius-m", "-5", "--quiet")
    assert code == 2
    assert "--to-radius-m -5 is out of range: 0 <= x <= 100000 m" in err


def test_a_start_time_before_1990_is_refused_as_a_mistyped_year(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(
        capsys, "drift", "--lat", "33.2", "--lon", "12.5", "--time", "1918-11-20T04:10Z",
        "--wind-kn", "10", "--wind-from", "330", "--hours", "1", "--particles", "100", "--quiet",
    )  # fmt: skip
    assert code == 2
    assert "start time 1918-11-20T04:10:00+00:00 is before 1990-01-01; check the year" in err


def test_a_summary_json_given_apart_is_listed_with_the_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], land_mask
) -> None:
    """--summary-json FILE besides --out DIR: both summaries are written, and the list of
    outputs names FILE too (it named DIR/summary.json only)."""
    extra = tmp_path / "elsewhere.json"
    code, out, err = run_cli(capsys, *RUN, "--out", str(tmp_path / "run"), "--no-png",
                             "--summary-json", str(extra))  # fmt: skip
    assert code == 0, err
    text = out.replace("\n", "")
    assert f"summary_json: {extra}" in text and f"summary: {tmp_path / 'run'}" in text
    assert json.loads(extra.read_text())["files"]["summary_json"] == str(extra)
