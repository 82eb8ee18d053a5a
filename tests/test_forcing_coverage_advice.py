"""Forcing that does not cover a run says how long a run it allows from this start, or
that the start lies outside it (a wrong date or time zone), not just "shorten it"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from _cli import run_cli
from sarwatch.drift.forcing import coverage_advice

T = np.datetime64


@pytest.mark.parametrize(
    ("start", "end", "advice"),
    [
        # forward from 04:10 with data to 00:00 the next day: 19 h 50 min, so 19 whole hours
        ("2026-11-20T04:10", "2026-11-22T04:10", "shorten it to --hours 19 or less"),
        # backward from 04:10 with data from 00:00 the same day: 4 h 10 min
        ("2026-11-20T04:10", "2026-11-19T16:10", "shorten it to --hours 4 or less"),
        # less than an hour of data after the start
        ("2026-11-20T23:30", "2026-11-21T05:30", "give files that cover the whole run"),
        ("2026-11-25T04:10", "2026-11-25T16:10", "outside the files' times: check --time"),
    ],
)
def test_the_advice_names_the_longest_run_the_forcing_allows(
    start: str, end: str, advice: str
) -> None:
    text = coverage_advice(
        T("2026-11-20T00:00", "s"), T("2026-11-21T00:00", "s"), T(start, "s"), T(end, "s")
    )
    assert advice in text
    if "--hours" in advice:
        assert text.startswith("give files that cover the whole run, or ")


def test_on_scene_observations_that_end_early_say_observations_not_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run_cli(
        capsys, "drift", "--lat", "33.2", "--lon", "12.5", "--time", "2026-11-20T04:10Z",
        "--hours", "6", "--particles", "100", "--no-png", "--quiet",
        "--summary-json", str(tmp_path / "summary.json"),
        "--wind-obs", "2026-11-20T04:00Z,10,0", "--wind-obs", "2026-11-20T08:00Z,20,30",
    )  # fmt: skip
    assert code == 2
    message = " ".join(err.split())
    assert "but the forcing covers 2026-11-20T04:00:00 to 2026-11-20T08:00:00 UTC" in message
    assert "give observations that cover the whole run, or shorten it to --hours 3" in message
