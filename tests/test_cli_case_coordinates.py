"""``case open`` and ``case report`` read ``--lat``/``--lon`` as ``assess`` and ``drift``
do (33.2, 33.2N, "33 12.0N"), not only as decimal numbers (issue 9: one parser)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from _cli import run_cli

T = "2026-11-20T04:10:00Z"


def test_case_lat_lon_take_hemisphere_letters_and_minutes(home: Path, capsys) -> None:
    code, out, err = run_cli(
        capsys, "case", "open", "--title", "boat", "--time", T, "--lat", "33.2N", "--lon", "12.5E"
    )
    assert code == 0, err
    cid = out.split()[0]
    code, _, err = run_cli(
        capsys, "case", "report", cid, "--time", T, "--lat", "33 15.0N", "--lon", "012 33.0E"
    )
    assert code == 0, err
    _, out, _ = run_cli(capsys, "case", "show", cid, "--json")
    positions = [(p["lat"], p["lon"]) for p in json.loads(out)["positions"]]
    assert positions == [(33.2, 12.5), (33.25, 12.55)]


def test_a_swapped_or_garbled_coordinate_says_what_is_wrong(home: Path, capsys) -> None:
    code, _, err = run_cli(
        capsys, "case", "open", "--title", "boat", "--time", T, "--lat", "12.5E", "--lon", "33.2N"
    )
    assert code == 2
    assert "a latitude takes N or S" in " ".join(err.split()) and "Traceback" not in err
    code, _, err = run_cli(
        capsys, "case", "open", "--title", "boat", "--time", T, "--lat", "91", "--lon", "12"
    )
    assert code == 2 and "latitude must lie between -90 and 90 degrees" in err


def test_nan_or_infinity_as_a_coordinate_asks_for_a_number_in_range(home: Path, capsys) -> None:
    """Was "one coordinate expected in 'nan', found several hemisphere letters"."""
    for flag, value, words in (
        ("--lat", "nan", "a latitude must be a number between -90 and 90 degrees"),
        ("--lon", "nan", "a longitude must be a number between -180 and 180 degrees"),
        ("--lat", "inf", "a latitude must be a number between -90 and 90 degrees"),
        ("--lon", "-inf", "a longitude must be a number between -180 and 180 degrees"),
    ):
        given = {"--lat": "33.2", "--lon": "12.5", flag: value}
        args = ["--lat", given["--lat"], "--lon", given["--lon"]]
        code, _, err = run_cli(capsys, "case", "open", "--title", "boat", "--time", T, *args)
        err = " ".join(err.split())
        assert code == 2 and words in err and "hemisphere" not in err, (flag, value, err)
        code, _, err = run_cli(capsys, "assess", *args)
        err = " ".join(err.split())
        assert code == 2 and words in err and "hemisphere" not in err, (flag, value, err)


def test_a_case_outside_the_packaged_regions_is_recorded_with_a_note(home: Path, capsys) -> None:
    """Was refused ("lies outside the area this station's ... data cover"). Off Lisbon:
    opened with region XX and a note; on land in Lisbon: flagged with a sea point from the
    GSHHG tiles; deep in the Sahara: refused, saying why."""
    code, out, err = run_cli(
        capsys, "case", "open", "--title", "boat off Lisbon", "--time", T,
        "--lat", "38.5", "--lon", "-9.6",
    )  # fmt: skip
    assert code == 0, err
    cid = out.split()[0]
    assert cid == "2026-11-20-XX-001"
    err = " ".join(err.split())
    assert "lies outside the packaged regions (5°E–27°E, 29°N–43°N): it is recorded" in err
    code, _, err = run_cli(
        capsys, "case", "report", cid, "--time", T, "--lat", "38 43.2N", "--lon", "9 08.4W"
    )
    assert code == 0, err
    err = " ".join(err.split())
    assert "outside the packaged regions" in err and "is on land" in err
    _, out, _ = run_cli(capsys, "case", "show", cid, "--json")
    flagged = json.loads(out)["positions"][-1]["on_land"]
    assert -9.2 < flagged["sea_lon"] < -9.0 and 38.6 < flagged["sea_lat"] < 38.75  # the Tagus
    code, out, _ = run_cli(capsys, "ledger", "verify", cid)
    assert code == 0 and "chain intact" in out
    bundle = home / "lisbon.zip"
    assert run_cli(capsys, "case", "export", cid, "--out", str(bundle))[0] == 0
    page = " ".join(zipfile.ZipFile(bundle).read("report.html").decode().split())
    assert "lies outside the packaged regions" in page
    code, _, err = run_cli(
        capsys, "case", "open", "--title", "x", "--time", T, "--lat", "24.5", "--lon", "20.5"
    )
    assert code == 2 and "more than 60 nm from any coast" in " ".join(err.split())
    code, out, err = run_cli(
        capsys, "case", "open", "--title", "x", "--time", T, "--lat", "33.2", "--lon", "12.5"
    )
    assert code == 0 and out.startswith("2026-11-20-LY-001") and "outside" not in err
