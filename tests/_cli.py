"""Run the ``sarwatch`` command line in process, as a user would from a shell."""

from __future__ import annotations

import pytest

from sarwatch.cli.main import main


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``sarwatch ARGS``: exit code, stdout, stderr."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def open_case(capsys: pytest.CaptureFixture[str], *, time: str = "2018-03-15T04:10:00Z") -> str:
    """``sarwatch case open`` at sea off Zuwara (12.5°E 33.2°N) at ``time``: the new case's id."""
    code, out, err = run_cli(
        capsys, "case", "open", "--title", "t", "--lon", "12.5", "--lat", "33.2", "--time", time
    )
    assert code == 0, err
    return out.split()[0]
