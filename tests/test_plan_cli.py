"""``sarwatch plan`` and ``sarwatch plan update`` end to end, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import gpxpy
import pytest

from _cli import open_case, run_cli
from _plan import REQUEST, with_unit


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_plan_writes_routes_that_gpxpy_reads_back(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = _write(tmp_path / "plan.json", REQUEST)
    out = tmp_path / "out"
    code, text, err = run_cli(capsys, "plan", "--request", str(req), "--out", str(out))
    assert code == 0, err
    assert "total POS" in text and "Helo1" in text and "Patrol" in text
    for name in ("plan.json", "plan.geojson", "Helo1.gpx", "Helo1.rtz", "Helo1.kml",
                 "Helo1.txt", "Patrol.gpx", "Patrol.rtz", "Patrol.kml", "Patrol.txt"):  # fmt: skip
        assert (out / name).is_file(), name
    answer = json.loads((out / "plan.json").read_text(encoding="utf-8"))["answer"]
    for unit in answer["units"]:
        gpx = gpxpy.parse((out / f"{unit['name']}.gpx").read_text(encoding="utf-8"))
        (route,) = gpx.routes
        assert len(route.points) == len(unit["waypoints"])
        for p, w in zip(route.points, unit["waypoints"], strict=True):  # GPX keeps 1e-7°
            assert p.latitude == pytest.approx(w["lat"], abs=1e-7)
            assert p.longitude == pytest.approx(w["lon"], abs=1e-7)
        assert route.points[0].time is not None
    # --json prints the same answer
    code, text, err = run_cli(capsys, "plan", "--request", str(req), "--json")
    assert code == 0, err
    assert json.loads(text) == answer


def test_plan_update_reports_poc_and_cumulative_pos(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    req = _write(tmp_path / "plan.json", REQUEST)
    assert run_cli(capsys, "plan", "-r", str(req), "--out", str(out))[0] == 0
    code, text, err = run_cli(
        capsys, "plan", "update", "--plan", str(out), "--searched", str(out / "Patrol.gpx"),
        "--json",
    )  # fmt: skip
    assert code == 0, err
    first = json.loads(text)
    assert first["searched_unit"] == "Patrol" and first["searches"] == 1
    code, text, err = run_cli(
        capsys, "plan", "update", "--plan", str(out / "plan.json"), "--searched",
        str(out / "Helo1.gpx"),
    )  # fmt: skip
    assert code == 0, err
    assert "search 2 by Helo1" in text and "cumulative POS" in text
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    p1, p2 = doc["last_update"]["pos_by_search"]
    assert p1 == pytest.approx(first["pos"])
    assert doc["last_update"]["cumulative_pos"] == pytest.approx(1 - (1 - p1) * (1 - p2))


@pytest.mark.parametrize(
    ("req", "message"),
    [
        (with_unit(speed_kn=-5), "units.0.speed_kn: input should be greater than 0"),
        (with_unit(hours=0), "units.0.hours: input should be greater than 0"),
        ({**REQUEST, "datum": {"lat": 37.5, "lon": 14.0, "time": "2026-12-06T06:00:00Z"}},
         "is on land"),
        ({k: v for k, v in REQUEST.items() if k not in ("datum", "elapsed_h", "x_nm")}
         | {"drift_run": "0123456789ab"}, "no drift run '0123456789ab' on this station"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_one_line(
    req: dict[str, object],
    message: str,
    home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(capsys, "plan", "--request", str(_write(tmp_path / "r.json", req)))
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and out == ""


def test_plan_case_attaches_the_plan_to_the_case(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = open_case(capsys, time="2026-12-06T06:00:00Z")
    req = _write(tmp_path / "plan.json", REQUEST)
    out = tmp_path / "out"
    code, text, err = run_cli(
        capsys, "plan", "-r", str(req), "--out", str(out), "--case", case_id, "--actor", "ana"
    )
    assert code == 0, err
    assert f"attached to case {case_id} (search_plan)" in text
    code, text, err = run_cli(capsys, "case", "show", case_id, "--json")
    assert code == 0, err
    shown = json.loads(text)
    (attachment,) = shown["attachments"]
    assert attachment["kind"] == "search_plan"
    record = attachment["record"]
    assert record["request"]["units"][0]["name"] == "Helo1"
    assert record["result"]["total_pos"] > 0
    gpx = record["output_files"]["Helo1.gpx"]
    import hashlib

    assert gpx["sha256"] == hashlib.sha256((out / "Helo1.gpx").read_bytes()).hexdigest()
    code, text, err = run_cli(capsys, "case", "show", case_id)
    assert code == 0, err
    # the case's timeline (its events) shows the plan in one line
    assert "sarwatch plan" in text and "total POS" in text and "Helo1" in text
    code, text, _ = run_cli(capsys, "ledger", "verify")
    assert code == 0 and "ledger OK" in text


def test_plan_table_fits_80_columns_and_an_existing_plan_is_kept(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table is read on a ship's 80-column terminal; a plan directory holds the searches
    recorded by 'plan update', so a second plan into it needs --force."""
    monkeypatch.setenv("COLUMNS", "80")
    req = _write(tmp_path / "plan.json", REQUEST)
    out = tmp_path / "out"
    code, text, err = run_cli(capsys, "plan", "--request", str(req), "--out", str(out))
    assert code == 0, err
    assert max(len(line) for line in text.splitlines()[:8]) <= 80
    assert "…" not in text  # nothing cut
    assert "rPOS" in text and "Helo1" in text and "Patrol" in text
    # the legend names the * only where a row carries one
    rows = [
        line.split() for line in text.splitlines() if line.split()[:1] in (["Helo1"], ["Patrol"])
    ]
    assert rows and ("* drift-compensated" in text) == any("*" in "".join(r) for r in rows)
    before = (out / "plan.json").read_bytes()
    code, _, err = run_cli(capsys, "plan", "--request", str(req), "--out", str(out))
    assert code == 2 and "already holds a plan" in err and "--force" in err
    assert (out / "plan.json").read_bytes() == before
    code, _, err = run_cli(capsys, "plan", "--request", str(req), "--out", str(out), "--force")
    assert code == 0, err
