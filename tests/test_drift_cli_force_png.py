"""``sarwatch drift --out DIR --force --no-png`` leaves no earlier run's map beside the
new run's files: the previous ``drift.png`` stayed, a map of another cloud next to this
run's NetCDF, GeoJSON and summary. The map goes when the new outputs are written, so a
forced run that fails leaves the earlier run whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from _cli import run_cli

RUN = ["drift", "--lat", "33.2", "--lon", "12.5", "--time", "2026-11-20T04:10Z",
       "--wind-kn", "12", "--wind-from", "330", "--seed", "3", "--hours", "1",
       "--particles", "200", "--quiet"]  # fmt: skip


def test_a_forced_run_without_a_map_removes_the_earlier_runs_map(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    code, _, err = run_cli(capsys, *RUN, "--out", str(out))
    assert code == 0, err
    assert (out / "drift.png").is_file()
    code, _, err = run_cli(capsys, *RUN, "--out", str(out), "--force", "--no-png")
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [
        "drift.geojson", "drift.nc", "summary.json",
    ]  # fmt: skip
    # without --force nothing is touched: the run is refused before any work
    (out / "drift.png").write_bytes(b"map")
    code, _, err = run_cli(capsys, *RUN, "--out", str(out), "--no-png")
    assert code == 2 and "--force" in err
    assert (out / "drift.png").read_bytes() == b"map"


def test_a_forced_run_that_fails_leaves_the_earlier_run_whole(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    code, _, err = run_cli(capsys, *RUN, "--out", str(out))
    assert code == 0, err
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    # a forcing file that does not exist fails the run after the outputs were checked
    code, _, err = run_cli(
        capsys, *RUN, "--out", str(out), "--force", "--no-png",
        "--currents", str(tmp_path / "missing.nc"),
    )  # fmt: skip
    assert code != 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
