"""The forcing library's choice says what a coordinator must know: a forecast whose run
time is unknown passes no age limit, so it is a warning (it passed in silence, even under
``--max-forecast-age-h 2``), and a library file deleted from disk is said to be missing
(it was reported as "changed", with a SHA-256 "no longer" matching)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _cli import run_cli
from _forecast import write_cmems_currents
from sarwatch.errors import ForcingError
from sarwatch.services.forcing_choice import choose_role
from sarwatch.services.forcing_library import ForcingLibrary

RUN = datetime(2026, 11, 20, 0, tzinfo=UTC)
START = datetime(2026, 11, 20, 4, 10, tzinfo=UTC)
LON = np.arange(10.0, 16.01, 0.25)
LAT = np.arange(31.0, 36.01, 0.25)


def _currents(path: Path) -> Path:
    times = pd.date_range(RUN.replace(tzinfo=None), periods=49, freq="h")
    shape = (times.size, LAT.size, LON.size)
    return write_cmems_currents(
        path, LON, LAT, times, np.full(shape, 0.3, "f4"), np.zeros(shape, "f4")
    )


def _choose(library: ForcingLibrary, max_age_h: float = 72.0):  # type: ignore[no-untyped-def]
    return choose_role(
        library, "current", lon=12.5, lat=33.2, start=START, end=START + timedelta(hours=6),
        max_age_h=max_age_h,
    )  # fmt: skip


def test_a_forecast_of_unknown_run_time_is_used_with_a_warning(tmp_path: Path) -> None:
    library = ForcingLibrary(tmp_path / "forcing")
    entry = library.add(_currents(tmp_path / "c.nc"), provider="local", product_id="mine")
    assert entry.run_time is None
    choice = _choose(library, max_age_h=2)
    assert choice.sources and choice.warning
    assert "run time unknown: its age cannot be checked against the 2 h limit" in choice.line
    assert "--run-time" in choice.line and "local/c.nc" in choice.line


def test_a_forecast_of_known_run_time_is_used_without_a_warning(tmp_path: Path) -> None:
    library = ForcingLibrary(tmp_path / "forcing")
    library.add(_currents(tmp_path / "c.nc"), provider="local", product_id="mine", run_time=RUN)
    choice = _choose(library)
    assert choice.sources and not choice.warning
    assert choice.line.startswith("current: local mine run 2026-11-20T00:00Z (4 h old")


def test_a_library_file_deleted_from_disk_is_said_to_be_missing(tmp_path: Path) -> None:
    library = ForcingLibrary(tmp_path / "forcing")
    entry = library.add(_currents(tmp_path / "c.nc"), provider="local", product_id="mine",
                        run_time=RUN)  # fmt: skip
    library.path(entry).unlink()
    with pytest.raises(ForcingError) as err:
        _choose(library)
    message = str(err.value)
    assert f"the library file {entry.file} is missing from {library.root}" in message
    assert "changed" not in message and "sarwatch forcing add" in message


def test_the_drift_command_prints_the_warning(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "forcing", "add", str(_currents(tmp_path / "c.nc")))
    assert code == 0, err
    code, _, err = run_cli(
        capsys, "drift", "--lat", "33.2", "--lon", "12.5", "--time", "2026-11-20T04:10Z",
        "--hours", "2", "--particles", "100", "--object", "PIW-1", "--wind-kn", "5",
        "--wind-from", "0", "--max-forecast-age-h", "2", "--quiet",
        "--summary-json", str(tmp_path / "summary.json"),
    )  # fmt: skip
    assert code == 0, err
    assert "warning: current: local c, run time unknown" in " ".join(err.split())
