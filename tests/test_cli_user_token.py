"""A coordinator who lost a token and adds the user again is told how to replace it; a
token's expiry is chosen when it is issued, and shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from _cli import run_cli


def test_adding_an_existing_user_says_how_to_replace_a_lost_token(home: Path, capsys) -> None:
    code, _, err = run_cli(capsys, "user", "add", "ana", "--role", "coordinator")
    assert code == 0, err
    code, _, err = run_cli(capsys, "user", "add", "ana", "--role", "coordinator")
    assert code != 0
    message = " ".join(err.split())
    assert "user 'ana' already exists; to give ana a new token" in message
    assert "'sarwatch user renew ana'" in message


def _listed(capsys, name: str) -> str:
    code, out, err = run_cli(capsys, "user", "list")
    assert code == 0, err
    return next(line for line in out.splitlines() if line.startswith(f"{name}\t"))


def test_a_token_expires_after_the_stations_default_unless_told(
    home: Path, capsys, monkeypatch
) -> None:
    code, out, err = run_cli(capsys, "user", "add", "ana", "--role", "observer")
    assert code == 0, err
    assert "the token expires" in out and "(in 90 days)" in out
    assert "(in 90 days)" in _listed(capsys, "ana")

    monkeypatch.setenv("SARWATCH_TOKEN_EXPIRES_DAYS", "7")
    code, out, err = run_cli(capsys, "user", "add", "olu", "--role", "observer")
    assert code == 0, err
    assert "(in 7 days)" in _listed(capsys, "olu")

    code, out, err = run_cli(
        capsys, "user", "add", "ben", "--role", "observer", "--expires-days", "30"
    )
    assert code == 0, err
    assert "(in 30 days)" in _listed(capsys, "ben")


def test_a_token_that_never_expires_only_when_asked(home: Path, capsys) -> None:
    for name, never in (("ana", "never"), ("olu", "0")):
        code, _, err = run_cli(
            capsys, "user", "add", name, "--role", "observer", "--expires-days", never
        )
        assert code == 0, err
        assert _listed(capsys, name).endswith("\tnever expires")


@pytest.mark.parametrize("never", ["never", "Never", "0"])
def test_the_station_setting_takes_never_as_the_command_does(
    home: Path, capsys, monkeypatch, never: str
) -> None:
    monkeypatch.setenv("SARWATCH_TOKEN_EXPIRES_DAYS", never)
    code, _, err = run_cli(capsys, "user", "add", "ana", "--role", "observer")
    assert code == 0, err
    assert _listed(capsys, "ana").endswith("\tnever expires")


@pytest.mark.parametrize("bad", ["-1", "abc", "3651", "1.5", "", "forever"])
def test_a_bad_expiry_is_refused_and_says_what_to_give(home: Path, capsys, bad: str) -> None:
    code, out, err = run_cli(
        capsys, "user", "add", "ana", "--role", "observer", "--expires-days", bad
    )
    assert code != 0 and "sw_" not in out
    message = " ".join(err.split())
    assert "give a whole number of days from 1 to 3650, or 'never' (or 0)" in message
    code, out, _ = run_cli(capsys, "user", "list")
    assert "ana" not in out  # nothing was created


def test_renew_gives_a_new_token_and_the_old_one_stops(home: Path, capsys) -> None:
    from sarwatch.adapters.store import SqlStore
    from sarwatch.errors import AuthError
    from sarwatch.services.users import authenticate

    code, out, err = run_cli(capsys, "user", "add", "ana", "--role", "coordinator")
    old = out.strip().splitlines()[-1]
    code, out, err = run_cli(capsys, "user", "renew", "ana", "--expires-days", "14")
    assert code == 0, err
    new = out.strip().splitlines()[-1]
    assert new.startswith("sw_") and new != old
    assert "the old one no longer works" in out
    store = SqlStore(f"sqlite:///{home / 'sarwatch.db'}")
    assert authenticate(store, new).role == "coordinator"
    with pytest.raises(AuthError, match="unknown or revoked"):
        authenticate(store, old)
    store.close()
    assert "(in 14 days)" in _listed(capsys, "ana")
    code, _, err = run_cli(capsys, "user", "renew", "nobody")
    assert code != 0 and "no user 'nobody'; list them with: sarwatch user list" in err
