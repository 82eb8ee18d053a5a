"""``sarwatch assess`` from the command line: output, batch files, and exit code 2 for bad input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from sarwatch.cli.main import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _no_nan(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")


def test_json_output_for_a_position_written_by_hand(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        ["assess", "--position", "35°24'N 012°36'E", "--json", "--no-routes"], capsys
    )
    assert code == 0
    d = json.loads(out)
    assert (d["lat"], d["lon"]) == pytest.approx((35.4, 12.6))
    assert d["srr"] == ["IT", "MT"]
    assert d["nearest_coast_state"] == "IT"
    assert d["zone"] == "territorial_sea"


def test_lat_lon_options_accept_hemisphere_notation(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        ["assess", "--lat", "33 12.0N", "--lon", "012 30.0E", "--json", "--no-routes"], capsys
    )
    assert code == 0
    assert json.loads(out)["srr"] == ["LY"]


def test_human_output_is_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["assess", "--lat", "33.2", "--lon", "12.5", "--no-routes"], capsys)
    assert code == 0
    assert "33°12.000'N 012°30.000'E" in out
    assert "Libyan JRCC Tripoli" in out
    assert "Excluded as places of safety" in out
    assert "Verify before use" in out


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--position", "thirty-three north"], "cannot"),
        (["--lat", "95", "--lon", "12"], "latitude must lie between -90 and 90"),
        (["--lat", "33 75.0N", "--lon", "12"], "minutes must be below 60"),
        (["--lat", "33.2"], "give a position"),
        (["--lat", "33.2", "--lon", "12.5", "--speed-kn", "-3"], "positive number of knots"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(
    args: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(["assess", *args, "--no-routes"], capsys)
    assert code == 2
    assert fragment in err.replace("\n", " ")
    assert "Traceback" not in err + out


def test_a_position_outside_the_packaged_regions_is_answered(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _run(["assess", "--lat", "36.5", "--lon", "-4.4", "--no-routes"], capsys)
    assert code == 0, err
    assert "outside the packaged regions" in out.replace("\n", " ")


def test_batch_csv_to_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "positions.csv"
    src.write_text(
        "time,lat,lon\n"
        "2026-11-23T04:10:00Z,33.2,12.5\n"
        "2026-11-23T05:00:00Z,35 24.0N,12 36.0E\n"
        ",35.88,14.44\n"
        ",36.5,-4.4\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    code, _, err = _run(["assess", "--csv", str(src), "--out", str(out), "--no-routes"], capsys)
    assert code == 0, err
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["srr"] for r in rows[:3]] == ["LY", "IT; MT", "MT"]
    assert rows[0]["time"] == "2026-11-23T04:10:00Z"
    assert rows[0]["zone"] == "contiguous_zone"
    assert rows[2]["on_land"] == "true"
    assert [r["notes"] for r in rows[:3]] == ["", "", ""]
    # Off Málaga, outside the packaged regions: answered from the global coastline, not refused
    assert rows[3]["error"] == ""
    assert rows[3]["on_land"] == "false"
    assert 0 < float(rows[3]["distance_to_coast_nm"]) < 60
    assert rows[3]["srr"] == ""
    assert rows[3]["notes"].startswith("outside the packaged regions")
    assert "assessed 4 positions (1 outside the packaged regions)" in err


def test_batch_answers_positions_outside_the_packaged_regions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "p.csv"
    # off Málaga (coast within 60 nm); mid-Atlantic west of the Azores (none within 60 nm)
    src.write_text("lat,lon\n36.5,-4.4\n37.0,-35.0\n", encoding="utf-8")
    out = tmp_path / "out.geojson"
    code, _, err = _run(["assess", "--csv", str(src), "--out", str(out), "--no-routes"], capsys)
    assert code == 0, err
    doc = json.loads(out.read_text(encoding="utf-8"), parse_constant=_no_nan)  # strict JSON
    near, far = (f["properties"] for f in doc["features"])
    assert "error" not in near and "error" not in far
    assert near["zone"] in ("territorial_sea", "contiguous_zone", "high_seas")
    assert far["distance_to_coast_nm"] is None
    assert far["zone"] == "high_seas"
    assert far["notes"] == [
        "outside the packaged regions: no SAR regions, RCCs or ports for this area",
        "no coast within 60 nm",
    ]
    with_routes = tmp_path / "routes.csv"
    code, _, err = _run(["assess", "--csv", str(src), "--out", str(with_routes)], capsys)
    assert code == 0, err
    rows = list(csv.DictReader(with_routes.open(encoding="utf-8")))
    assert [r["error"] for r in rows] == ["", ""]
    assert rows[1]["distance_to_coast_nm"] == ""
    assert rows[1]["nearest_place_of_safety"] == ""
    assert "no coast within 60 nm" in rows[1]["notes"]


def test_batch_csv_to_geojson(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "p.csv"
    src.write_text("LAT,LON\n33.2,12.5\n35.4,12.6\n", encoding="utf-8")
    out = tmp_path / "out.geojson"
    code, _, _ = _run(["assess", "--csv", str(src), "--out", str(out), "--no-routes"], capsys)
    assert code == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert [f["geometry"]["coordinates"] for f in doc["features"]] == [[12.5, 33.2], [12.6, 35.4]]
    assert doc["features"][1]["properties"]["srr"] == ["IT", "MT"]


def test_batch_with_a_garbled_row_names_the_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A garbled row is named (in its 'error' column and at the end) and the good rows
    are answered; only a file where no row can be read is refused (exit 2)."""
    src = tmp_path / "p.csv"
    src.write_text("lat,lon\n33.2,12.5\n33.2,twelve\n", encoding="utf-8")
    code, out, err = _run(["assess", "--csv", str(src), "--no-routes"], capsys)
    assert code == 0, err
    rows = list(csv.DictReader(out.splitlines()))
    assert rows[0]["srr"] == "LY" and rows[0]["error"] == ""
    assert rows[1]["error"].startswith("data row 2: ") and "twelve" in rows[1]["error"]
    assert (rows[1]["lat"], rows[1]["lon"], rows[1]["srr"]) == ("33.2", "twelve", "")
    assert "1 row could not be read (data row 2)" in " ".join(err.split())
    src.write_text("lat,lon\n33.2,twelve\nnan,12.5\n", encoding="utf-8")
    code, out, err = _run(["assess", "--csv", str(src), "--no-routes"], capsys)
    assert code == 2 and out == ""
    err = " ".join(err.split())
    assert "none of the 2 rows" in err and "data row 1" in err and "data row 2" in err
    src.write_text("latitude,longitude\n33.2,12.5\n", encoding="utf-8")
    code, _, err = _run(["assess", "--csv", str(src), "--no-routes"], capsys)
    assert code == 2
    assert "must have columns 'lat' and 'lon'" in err


def test_batch_checks_each_rows_time_and_names_the_bad_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The 'time' column is checked as a case's times are (ISO 8601 with a zone, not before
    1990) and given out in UTC; a bad time is named in its row's 'error', with its value,
    and the other rows are answered, as for a bad position."""
    src = tmp_path / "p.csv"
    src.write_text(
        "time,lat,lon\n"
        "2026-11-23T06:10:00+02:00,33.2,12.5\n"  # a zone other than UTC: converted
        "2026-11-23 04:10,33.2,12.5\n"  # no zone
        "yesterday,33.2,12.5\n"  # not a time
        "1926-11-23T04:10:00Z,33.2,12.5\n"  # a mistyped year
        ",33.2,12.5\n",  # none: the column is optional per row
        encoding="utf-8",
    )
    out = tmp_path / "out.geojson"
    code, _, err = _run(["assess", "--csv", str(src), "--out", str(out), "--no-routes"], capsys)
    assert code == 0, err
    rows = [f["properties"] for f in json.loads(out.read_text(encoding="utf-8"))["features"]]
    assert [r["time"] for r in rows] == [
        "2026-11-23T04:10:00Z", "2026-11-23 04:10", "yesterday", "1926-11-23T04:10:00Z", "",
    ]  # fmt: skip
    errors = [r.get("error", "") for r in rows]
    assert [e[:12] for e in errors] == ["", "data row 2: ", "data row 3: ", "data row 4: ", ""]
    assert "time 2026-11-23T04:10:00 has no time zone; give it in UTC" in errors[1]
    assert "ISO 8601 with a zone, e.g. 2018-03-15T06:30:00Z" in errors[2]
    assert "got 'yesterday'" in errors[2]
    assert "time 1926-11-23T04:10:00+00:00 is before 1990-01-01; check the year" in errors[3]
    assert [r.get("srr") for r in rows] == [["LY"], None, None, None, ["LY"]]
    assert "3 rows could not be read (data rows 2, 3, 4)" in " ".join(err.split())
    src.write_text("time,lat,lon\n1926-11-23T04:10:00Z,33.2,12.5\n", encoding="utf-8")
    code, stdout, err = _run(["assess", "--csv", str(src), "--no-routes"], capsys)
    assert code == 2 and stdout == ""
    assert "before 1990-01-01" in err and "a time (optional) like" in " ".join(err.split())


def test_batch_with_routes_names_the_nearest_place_of_safety(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "p.csv"
    src.write_text("lat,lon\n35.4,12.6\n33.2,12.5\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    code, _, err = _run(["assess", "--csv", str(src), "--out", str(out), "--speed-kn", "5"], capsys)
    assert code == 0, err
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["nearest_place_of_safety"] == "Lampedusa"
    assert float(rows[0]["nearest_place_of_safety_eta_h"]) == pytest.approx(
        float(rows[0]["nearest_place_of_safety_sea_distance_nm"]) / 5, abs=0.01
    )
    # Off Libya the nearest eligible port is not Libyan, and the Libyan ones are listed excluded.
    assert rows[1]["nearest_place_of_safety"] == "Lampedusa"
    assert "Zuwara" in rows[1]["excluded_ports"]
    assert "(CONTESTED)" in rows[1]["places_of_safety"]


def test_batch_answers_the_good_rows_around_garbled_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A coordinator's file of many positions with a few bad rows: every good row is
    answered, with and without routes, to CSV and GeoJSON (a bad row has no geometry)."""
    lines = ["lat,lon"] + ["33.2,12.5", "35.4,12.6"] * 5
    lines[3] = "33.2,,"  # data row 3: no longitude
    lines[7] = "95,12.5"  # data row 7: out of range
    src = tmp_path / "p.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.geojson"
    code, _, err = _run(["assess", "--csv", str(src), "--out", str(out), "--no-routes"], capsys)
    assert code == 0, err
    assert "assessed 8 positions" in err
    assert "2 rows could not be read (data rows 3, 7)" in " ".join(err.split())
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert len(features) == 10
    bad = [f for f in features if f["properties"].get("error")]
    assert [f["properties"]["row"] for f in bad] == [3, 7]
    assert all(f["geometry"] is None for f in bad)
    assert "latitude must lie between -90 and 90" in bad[1]["properties"]["error"]
    good = [f for f in features if not f["properties"].get("error")]
    assert all(f["properties"]["srr"] for f in good)
    routed = tmp_path / "routed.csv"
    small = tmp_path / "small.csv"
    small.write_text("lat,lon\n35.4,12.6\n35.4,x\n", encoding="utf-8")
    code, _, err = _run(["assess", "--csv", str(small), "--out", str(routed)], capsys)
    assert code == 0, err
    rows = list(csv.DictReader(routed.open(encoding="utf-8")))
    assert rows[0]["nearest_place_of_safety"] == "Lampedusa" and rows[0]["error"] == ""
    assert rows[1]["error"].startswith("data row 2: ")


def test_batch_csv_cells_a_spreadsheet_would_run_are_written_as_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad row echoes what was typed: a formula there must reach the spreadsheet as text
    (a leading apostrophe), while negative numbers stay numbers."""
    src = tmp_path / "p.csv"
    src.write_text(
        'lat,lon\n=HYPERLINK("http://example.org"),12.5\n33.2,12.5\n36.0,-5.3\n', encoding="utf-8"
    )
    out = tmp_path / "out.csv"
    code, _, err = _run(["assess", "--csv", str(src), "--out", str(out), "--no-routes"], capsys)
    assert code == 0, err
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["lat"] == '\'=HYPERLINK("http://example.org")'
    assert rows[0]["error"].startswith("data row 1: ")
    assert rows[2]["lon"] == "-5.3" and float(rows[2]["lon"]) == -5.3
    for row in rows:
        assert not any(v.startswith(("=", "+", "@")) for v in row.values())
