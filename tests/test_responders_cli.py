"""``sarwatch responders``: the table, --json, --attach, and one clear line for bad input."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from _cli import open_case, run_cli
from _responders import at, picture, report
from sarwatch.services.container import Station
from sarwatch.vessels.types import VesselStatic


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch):
    """The live picture the CLI's station reads: two vessels off Zuwara, reported now."""
    now = datetime.now(UTC).replace(microsecond=0)
    pic = picture(
        [
            report(211000001, now, *at(12.5, 33.2, 90.0, 20.0), sog_kn=10.0, cog_deg=270.0),
            report(247000002, now, *at(12.5, 33.2, 0.0, 30.0), sog_kn=0.0, cog_deg=0.0),
        ],
        (VesselStatic(247000002, name="CP 940", ship_type=51),),
    )
    monkeypatch.setattr(Station, "vessels", property(lambda self: pic))
    return pic


def _open(capsys: pytest.CaptureFixture[str]) -> str:
    recent = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    return open_case(capsys, time=recent.replace("+00:00", "Z"))


def test_the_table_names_the_target_and_the_first_vessel(
    home: Path, capsys: pytest.CaptureFixture[str], live: object
) -> None:
    case_id = _open(capsys)
    code, out, err = run_cli(capsys, "responders", case_id)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"case {case_id} at ")
    assert "target the last known position (no drift cloud)" in lines[0]
    assert lines[1].startswith("note: ranked against the last known position")
    row1 = next(line for line in lines if line.lstrip().startswith("1 "))
    assert "211000001" in row1 and "2 h 00 min" in row1
    row2 = next(line for line in lines if line.lstrip().startswith("2 "))
    assert "CP 940 [SAR]" in row2 and "8.0*" in row2


def test_json_is_the_contract_and_attach_records_the_picture(
    home: Path, capsys: pytest.CaptureFixture[str], live: object
) -> None:
    case_id = _open(capsys)
    code, out, err = run_cli(capsys, "responders", case_id, "--json", "--attach", "--actor", "ana")
    assert code == 0, err
    answer = json.loads(out)
    assert {"case_id", "computed_at", "cloud", "vessels"} <= set(answer)
    assert {"run_id", "particles", "time"} <= set(answer["cloud"])
    keys = {"mmsi", "name", "type", "sar", "last_report", "report_age_min", "lat", "lon",
            "sog_kn", "eta_p50_h", "eta_p90_h", "distance_nm", "reachable_fraction", "cpa_nm",
            "tcpa_h"}  # fmt: skip
    assert all(keys <= set(v) for v in answer["vessels"])
    assert [v["mmsi"] for v in answer["vessels"]] == [211000001, 247000002]
    code, out, err = run_cli(capsys, "case", "show", case_id)
    assert code == 0, err
    assert "responders at" in out and answer["attachment"]["picture_sha256"][:12] in out


def test_an_empty_picture_says_so_in_one_line(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = _open(capsys)
    code, out, err = run_cli(capsys, "responders", case_id)
    assert code == 0, err
    assert out.splitlines()[-1].startswith("no vessels in the live AIS picture")


def test_an_unknown_case_is_one_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run_cli(capsys, "responders", "2018-03-15-LY-999")
    assert code == 2
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_long_etas_and_far_closest_approaches_keep_the_table_aligned() -> None:
    from sarwatch.cli.responders import _hours, _tcpa

    etas = [0.75, 12.08, 99.99, 100.2, 402.0, None]
    assert [_hours(h) for h in etas] == [
        "45 min", "12 h 05 min", "99 h 59 min", "4 d 04 h", "16 d 18 h", "unreachable",
    ]  # fmt: skip
    assert max(len(_hours(h)) for h in etas) <= 11  # the ETA columns' width
    # a course that passes the target 40,162 h from now is not an approach
    assert [_tcpa(t) for t in (1.7, -3.0, 99.9, 40162.0, -500.0)] == [
        "1.7", "-3.0", "99.9", ">99", "<-99",
    ]  # fmt: skip


def test_vessels_left_out_are_named_not_hidden(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A picture whose only vessels are 7 h old or stamped 20 min ahead: the table says
    they were left out and why, instead of 'no vessels in the live AIS picture'."""
    now = datetime.now(UTC).replace(microsecond=0)
    pic = picture(
        [
            report(211000001, now - timedelta(hours=7), *at(12.5, 33.2, 90.0, 5.0)),
            report(211000002, now + timedelta(minutes=20), *at(12.5, 33.2, 0.0, 5.0)),
        ]
    )
    monkeypatch.setattr(Station, "vessels", property(lambda self: pic))
    case_id = _open(capsys)
    code, out, err = run_cli(capsys, "responders", case_id)
    assert code == 0, err
    assert "left out 2 vessel(s): 1 whose last report is older than 6 h" in out
    assert "1 whose report time is more than 5 min ahead" in out
    assert out.splitlines()[-1].startswith("no vessel to rank")
    code, out, err = run_cli(capsys, "responders", case_id, "--json")
    assert json.loads(out)["left_out"] == {"sart": 0, "older": 1, "ahead": 1}


def test_a_centre_west_of_greenwich_is_written_west() -> None:
    from sarwatch.cli.responders import _lat_lon

    assert _lat_lon(35.95, -5.3) == "35.9500N 5.3000W"
    assert _lat_lon(35.2, 12.6) == "35.2000N 12.6000E"
    assert _lat_lon(-0.5, 0.0) == "0.5000S 0.0000E"


def test_a_vessel_with_land_between_gets_a_line_under_the_table(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """South of Lampedusa, a ship just north of the island: the table names the detour,
    its ETA is by sea route (``sea``), and a ship routed by straight line says ``line``;
    a ship whose course held since its report crossed Linosa gets a line saying why it
    is ranked from where it reported."""
    now = datetime.now(UTC).replace(microsecond=0)
    behind = report(247000003, now, 12.55, 35.56, sog_kn=0.0)
    across = report(247000005, now - timedelta(minutes=30), 12.865, 35.90, sog_kn=12.0,
                    cog_deg=180.0)  # fmt: skip
    # eleven more, far out in open sea: the eleventh vessel is not routed
    far = [report(636000100 + k, now, *at(12.6, 35.2, 200.0 + k, 60.0 + k), sog_kn=0.0)
           for k in range(11)]  # fmt: skip
    pic = picture([behind, across, *far])
    monkeypatch.setattr(Station, "vessels", property(lambda self: pic))
    code, out, err = run_cli(
        capsys, "case", "open", "--title", "rubber boat", "--lon", "12.6", "--lat", "35.2",
        "--time", now.isoformat().replace("+00:00", "Z"),
    )  # fmt: skip
    assert code == 0, err
    case_id = out.split()[0]
    code, out, err = run_cli(capsys, "responders", case_id)
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.startswith("land between: "))
    assert "247000003's sea route is" in line and line.endswith(" min, in its ETAs")
    rows = {int(m[1]): x for x in out.splitlines() if (m := re.match(r" *\d+ \? +(\d{9}) ", x))}
    assert " sea " in rows[247000003]  # (no names: each row's third word is its MMSI)
    assert " line " in rows[636000110] and " sea " in rows[636000100]
    note = next(x for x in out.splitlines() if x.startswith("247000005: "))
    assert "would have taken it across land" in note
    assert "via: sea = ETAs by sea route" in out
    # the * footnote only where a speed carries a * (the stopped vessels' assumed 8 kn)
    assert ("* speed assumed" in out) == any("*" in row for row in rows.values())


def test_a_bad_limit_is_one_line_in_words(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case_id = _open(capsys)
    code, _out, err = run_cli(capsys, "responders", case_id, "--max-age-h", "0")
    assert code == 2 and err.strip() == (
        "error: the oldest report to rank (max age) must be more than 0 and at most 48 hours, got 0"
    )
    code, _out, err = run_cli(capsys, "responders", case_id, "--min-speed-kn", "-1")
    assert code == 2 and "speed assumed for slow vessels (min speed)" in err


def test_a_drift_run_attached_from_the_command_line_is_the_target_without_flags(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], live: object
) -> None:
    """``sarwatch drift --case ID --out DIR`` keeps the run in the station's runs under a
    run id and attaches it with that id: ``sarwatch responders ID`` then ranks against
    its cloud, without --drift-run, and the kept drift.nc is the one attached."""
    import hashlib

    from sarwatch.services.drift_runs import DriftRuns

    start = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    iso = start.isoformat().replace("+00:00", "Z")
    case_id = open_case(capsys, time=iso)
    code, out, err = run_cli(
        capsys, "drift", "--lat", "33.2", "--lon", "12.5", "--time", iso, "--hours", "2",
        "--particles", "200", "--current-kn", "0.5", "--current-to", "90", "--wind-kn", "0",
        "--wind-from", "0", "--seed", "3", "--out", str(tmp_path / "run"), "--no-png",
        "--quiet", "--case", case_id, "--actor", "ana",
    )  # fmt: skip
    assert code == 0, err
    run_id = re.search(rf"attached to case {case_id} \(drift_run, seed 3, run ([0-9a-f]{{12}})\)",
                       out)[1]  # fmt: skip
    kept = DriftRuns(home / "runs").get(run_id)
    assert kept.status == "done" and kept.started_by == "ana"
    assert kept.attachment == {"case_id": case_id, "status": "attached", "error": None}
    assert set(kept.files) == {"netcdf", "geojson", "summary"}
    code, out, err = run_cli(capsys, "case", "show", case_id, "--json")
    (record,) = [a["record"] for a in json.loads(out)["attachments"] if a["kind"] == "drift_run"]
    assert record["run_id"] == run_id
    nc = home / "runs" / run_id / "drift.nc"
    assert record["output_files"]["netcdf"]["sha256"] == hashlib.sha256(nc.read_bytes()).hexdigest()
    code, out, err = run_cli(capsys, "responders", case_id, "--json")
    assert code == 0, err
    cloud = json.loads(out)["cloud"]
    assert (cloud["source"], cloud["run_id"], cloud["particles"]) == ("drift_run", run_id, 200)
    assert cloud["drift_kn"] == pytest.approx(0.5, abs=0.1)  # the current, east
    assert cloud["drift_to_deg"] == pytest.approx(90.0, abs=10.0)


def test_a_kept_run_whose_case_refuses_it_stays_and_says_so(tmp_path: Path) -> None:
    """A case closed while its command-line run was drifting refuses the attachment: the
    kept run stays, done, saying the attachment was refused and why (as a server run
    does), and the error reaches the user."""
    from types import SimpleNamespace

    from sarwatch.errors import ConflictError
    from sarwatch.services.drift import DriftRequest
    from sarwatch.services.drift_runs import DriftRuns
    from sarwatch.services.kept_runs import attach_kept_run

    class Closed:
        def drift_run(self, case_id: str, req: object, result: object, **kw: object) -> None:
            raise ConflictError(f"case {case_id} is closed")

    out = tmp_path / "out"
    out.mkdir()
    (out / "drift.nc").write_bytes(b"trajectories")
    (out / "summary.json").write_text("{}")
    result = SimpleNamespace(files={"netcdf": out / "drift.nc", "summary": out / "summary.json"})
    req = DriftRequest(lon=12.5, lat=33.2, time=datetime(2026, 11, 20, 4, 10, tzinfo=UTC))
    with pytest.raises(ConflictError, match="is closed"):
        attach_kept_run(Closed(), tmp_path / "runs", "2026-11-20-LY-001", req, result,  # type: ignore[arg-type]
                        actor="ana")  # fmt: skip
    (kept,) = DriftRuns(tmp_path / "runs").recent()
    assert kept.status == "done" and kept.files == {"netcdf": "drift.nc", "summary": "summary.json"}
    assert kept.attachment == {
        "case_id": "2026-11-20-LY-001", "status": "refused",
        "error": "case 2026-11-20-LY-001 is closed",
    }  # fmt: skip
    assert (tmp_path / "runs" / kept.run_id / "drift.nc").read_bytes() == b"trajectories"
    assert kept.request["object"] == req.object_class and kept.request["lat"] == 33.2
