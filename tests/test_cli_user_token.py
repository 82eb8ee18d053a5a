"""A coordinator who lost a token and adds the user again is told how to replace it."""

from __future__ import annotations

from pathlib import Path

from _cli import run_cli


def test_adding_an_existing_user_says_how_to_replace_a_lost_token(home: Path, capsys) -> None:
    code, _, err = run_cli(capsys, "user", "add", "ana", "--role", "coordinator")
    assert code == 0, err
    code, _, err = run_cli(capsys, "user", "add", "ana", "--role", "coordinator")
    assert code != 0
    message = " ".join(err.split())
    assert "user 'ana' already exists; to give ana a new token" in message
    assert "'sarwatch user remove ana', then 'sarwatch user add ana --role coordinator'" in message
