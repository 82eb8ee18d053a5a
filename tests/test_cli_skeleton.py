"""The command line answers --help and maps sarwatch errors to exit codes."""

from __future__ import annotations

import subprocess
import sys


def test_help_lists_serve() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "sarwatch", "--help"], capture_output=True, text=True, check=True
    )
    assert "serve" in out.stdout


def test_unknown_command_is_a_usage_error() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "sarwatch", "no-such-command"], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert "no-such-command" in out.stderr


def test_error_family_codes() -> None:
    from sarwatch.errors import InputError, NotFoundError, SarwatchError

    assert issubclass(InputError, SarwatchError)
    assert InputError.exit_code == 2 and InputError.http_status == 422
    assert NotFoundError.http_status == 404
