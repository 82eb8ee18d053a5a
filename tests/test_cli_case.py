"""``sarwatch case`` as a new user meets it: positions as people write them, a position
on land recorded and flagged, refusals that name the fix, no Python ``None`` shown."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from _cli import run_cli

T = "2018-03-15T04:10:00Z"


def _open(capsys, *extra: str) -> str:
    code, out, err = run_cli(capsys, "case", "open", "--title", "rubber boat", "--time", T, *extra)
    assert code == 0, err
    return out.split()[0]


def test_case_report_records_a_position_on_land_and_flags_it(home: Path, capsys) -> None:
    """The issue's example: 0.07 nm inside Lampedusa's coastline (was refused, exit 2)."""
    cid = _open(capsys, "--lat", "33.2", "--lon", "12.5")
    code, out, err = run_cli(
        capsys, "case", "report", cid, "--lat", "35.497", "--lon", "12.603",
        "--time", "2018-03-15T05:00:00Z",
    )  # fmt: skip
    assert code == 0, err
    assert "35°29.82'N" in out  # the position recorded is the one reported
    assert "on land" in err and "Nearest sea point: 35°29." in err and "Confirm it" in err
    _, out, _ = run_cli(capsys, "case", "show", cid, "--json")
    flagged = json.loads(out)["positions"][-1]
    assert (flagged["lon"], flagged["lat"]) == (12.603, 35.497)
    assert flagged["on_land"]["sea_lat"] < 35.497  # the sea is south of this point
    _, out, _ = run_cli(capsys, "case", "show", cid)
    assert "ON LAND" in out
    code, out, _ = run_cli(capsys, "ledger", "verify", cid)
    assert code == 0 and "chain intact" in out


def test_case_open_on_land_is_recorded_and_flagged(home: Path, capsys) -> None:
    code, _, err = run_cli(
        capsys, "case", "open", "--title", "boat", "--time", T,
        "--position", "35 29.82N 12 36.18E",
    )  # fmt: skip
    assert code == 0, err
    assert "on land" in err


def test_case_open_and_report_read_positions_as_people_write_them(home: Path, capsys) -> None:
    cid = _open(capsys, "--position", "33°12'N 012°30'E")
    _, out, _ = run_cli(capsys, "case", "show", cid, "--json")
    first = json.loads(out)["positions"][0]
    assert (first["lon"], first["lat"]) == (12.5, 33.2)
    code, _, err = run_cli(
        capsys, "case", "report", cid, "--position", "33-12.5N 012-30.1E", "--time", T
    )
    assert code == 0, err
    _, out, _ = run_cli(capsys, "case", "show", cid, "--json")
    second = json.loads(out)["positions"][-1]
    assert abs(second["lat"] - (33 + 12.5 / 60)) < 1e-9
    assert abs(second["lon"] - (12 + 30.1 / 60)) < 1e-9
    code, _, err = run_cli(capsys, "case", "report", cid, "--time", T)
    assert code == 2 and "--position" in err
    code, _, err = run_cli(
        capsys, "case", "report", cid, "--position", "33N 12E", "--lat", "33", "--lon", "12"
    )
    assert code == 2 and "not both" in err
    code, _, err = run_cli(capsys, "case", "report", cid, "--position", "somewhere")
    assert code == 2 and "somewhere" in err


def test_an_outcome_from_the_wrong_status_names_the_status_commands(home: Path, capsys) -> None:
    cid = _open(capsys, "--lat", "33.2", "--lon", "12.5")
    code, _, err = run_cli(capsys, "case", "outcome", cid, "rescued", "--by", "Open Arms")
    assert code == 2
    err = " ".join(err.split())
    assert f"sarwatch case status {cid} active" in err
    assert f"sarwatch case status {cid} located" in err
    run_cli(capsys, "case", "status", cid, "active")
    code, _, err = run_cli(capsys, "case", "outcome", cid, "rescued", "--by", "Open Arms")
    err = " ".join(err.split())
    assert code == 2 and f"sarwatch case status {cid} located" in err and " active'" not in err
    # arrived alone may follow 'active' directly: recorded
    code, out, err = run_cli(capsys, "case", "outcome", cid, "arrived")
    assert code == 0 and "(arrived)" in out, err


def test_no_python_none_is_shown_to_people(home: Path, tmp_path: Path, capsys) -> None:
    cid = _open(capsys, "--lat", "33.2", "--lon", "12.5")
    assert run_cli(capsys, "case", "people", cid, "--total", "80")[0] == 0
    run_cli(capsys, "case", "status", cid, "active")
    run_cli(capsys, "case", "status", cid, "located")
    assert run_cli(capsys, "case", "outcome", cid, "rescued", "--by", "Open Arms")[0] == 0
    code, out, _ = run_cli(capsys, "case", "show", cid)
    assert code == 0 and "None" not in out
    assert "total 80" in out and "unknown" in out
    bundle = tmp_path / "c.zip"
    assert run_cli(capsys, "case", "export", cid, "--out", str(bundle))[0] == 0
    page = zipfile.ZipFile(bundle).read("report.html").decode()
    assert "None" not in page and "Outcome: none" not in page
    assert "\n.</p>" not in page and "Outcome: rescued by Open Arms" in page
    cid2 = _open(capsys, "--lat", "33.2", "--lon", "12.5")
    bundle2 = tmp_path / "d.zip"
    assert run_cli(capsys, "case", "export", cid2, "--out", str(bundle2))[0] == 0
    page = zipfile.ZipFile(bundle2).read("report.html").decode()
    assert "Outcome: not recorded yet." in page and "People on board: " in page
    assert "None" not in page and "\n.</p>" not in page


def test_a_bad_outcome_kind_is_refused_in_the_users_words(home: Path, capsys) -> None:
    """Was "unknown OutcomeKind 'saved'": the Python class name, not the user's words."""
    cid = _open(capsys, "--lat", "33.2", "--lon", "12.5")
    run_cli(capsys, "case", "status", cid, "active")
    run_cli(capsys, "case", "status", cid, "located")
    code, _, err = run_cli(capsys, "case", "outcome", cid, "saved", "--by", "Open Arms")
    err = " ".join(err.split())
    assert code == 2
    assert "unknown outcome kind 'saved': use one of rescued, intercepted, arrived" in err
    assert "OutcomeKind" not in err
    code, _, err = run_cli(
        capsys, "case", "report", cid, "--lat", "33.3", "--lon", "12.5", "--kind", "radar"
    )
    err = " ".join(err.split())
    assert code == 2 and "unknown position kind 'radar': use one of gps," in err
    assert "PositionKind" not in err
