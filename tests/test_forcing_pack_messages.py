"""``sarwatch forcing pack`` speaks to the hotline ashore in its own terms: a forecast
whose run time is unknown is said so (it printed ``run None``), a duration out of range
names ``--hours`` (it printed the drift engine's seconds), and a case without a position
names the command that exists (``case report``, not ``case position``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from _cli import open_case, run_cli
from sarwatch.errors import InputError
from sarwatch.services.forcing_library import ForcingLibrary
from sarwatch.services.forcing_pack import PackReport, pack_area


def _report(run_time: str | None) -> PackReport:
    manifest = {
        "area": [12.0, 33.0, 13.0, 34.0],
        "box_km": [93.0, 111.0],
        "reach_km": 50.0,
        "start": "2026-11-20T06:00:00Z",
        "end": "2026-11-22T06:00:00Z",
        "products": [
            {"role": "wind", "provider": "local", "product_id": "wind", "run_time": run_time,
             "files": 1, "source_bytes": 60_000},
        ],
    }  # fmt: skip
    return PackReport(path=Path("p.zip"), bytes=24_371, sha256="0" * 64, manifest=manifest)


def test_a_forecast_without_a_run_time_is_said_to_have_none_known() -> None:
    (line,) = [x for x in _report(None).lines() if x.startswith("  wind:")]
    assert "None" not in line
    assert line == "  wind: local wind run time unknown (1 file, 0.1 MB)"
    (line,) = [x for x in _report("2026-11-20T00:00:00Z").lines() if x.startswith("  wind:")]
    assert line == "  wind: local wind run 2026-11-20T00:00:00Z (1 file, 0.1 MB)"


@pytest.mark.parametrize("hours", [-5.0, 0.0, 241.0, float("nan")])
def test_hours_out_of_range_are_refused_by_their_option(hours: float, tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        pack_area(ForcingLibrary(tmp_path / "forcing"), lon=12.5, lat=33.2,
                  start=datetime(2026, 11, 20, 6, tzinfo=UTC), hours=hours,
                  out=tmp_path / "p.zip")  # fmt: skip
    message = str(err.value)
    assert message.startswith(f"--hours {hours:g} is out of range (0 < x <= 240 h")
    assert "duration" not in message and " s" not in message.split("(")[0]
    assert not (tmp_path / "p.zip").exists()


def test_a_case_without_a_position_names_case_report(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        capsys, "case", "open", "--title", "no position yet", "--time", "2026-11-20T04:10:00Z"
    )
    assert code == 0, err
    case_id = out.split()[0]
    for command in (("pack", "--case", case_id), ("fetch", "--case", case_id)):
        code, _, err = run_cli(capsys, "forcing", *command)
        assert code == 2
        assert f"sarwatch case report {case_id} --lat" in err
        assert "case position" not in err
    # and the command it names exists
    code, out, _ = run_cli(capsys, "case", "report", "--help")
    assert code == 0 and "--lat" in out


def test_an_existing_pack_file_is_refused_before_any_work_unless_forced(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case_id = open_case(capsys, time="2026-11-20T04:10:00Z")
    out = tmp_path / "pack.zip"
    out.write_bytes(b"the pack sent aboard yesterday")
    code, text, err = run_cli(capsys, "forcing", "pack", "--case", case_id, "--out", str(out))
    assert code == 2 and text == ""
    message = " ".join(err.split())
    assert f"the pack file {out} already exists" in message
    assert "give another file with --out, or --force to replace it" in message
    # --force goes on to the work (an empty library: refused), and the old file stays
    code, _, err = run_cli(capsys, "forcing", "pack", "--case", case_id, "--out", str(out),
                           "--force")  # fmt: skip
    assert code != 0 and "no forecast in the forcing library" in " ".join(err.split())
    assert out.read_bytes() == b"the pack sent aboard yesterday"
