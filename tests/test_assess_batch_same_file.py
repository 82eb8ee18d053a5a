"""``sarwatch assess --csv FILE --out FILE`` with one file for both is refused before the
work: the answers replaced the positions file, with every column of the user's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from _cli import run_cli


def test_the_out_file_may_not_be_the_positions_file(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    positions = tmp_path / "p.csv"
    text = "lat,lon,boat\n33.2,12.5,rubber 80 people\n34.0,13.0,wooden 40 people\n"
    positions.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for same in (str(positions), "p.csv", "./p.csv"):
        code, _, err = run_cli(
            capsys, "assess", "--csv", str(positions), "--out", same, "--no-routes"
        )
        assert code == 2, err
        assert "is the --csv file itself" in err and "p-assessed.csv" in err
        assert positions.read_text(encoding="utf-8") == text
    code, _, err = run_cli(
        capsys, "assess", "--csv", "p.csv", "--out", "p-assessed.csv", "--no-routes"
    )
    assert code == 0, err
    assert (tmp_path / "p-assessed.csv").read_text(encoding="utf-8").startswith("row,")
    assert positions.read_text(encoding="utf-8") == text
