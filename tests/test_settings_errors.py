"""A bad ``SARWATCH_`` setting is refused in one line that names it, not with a traceback."""

from __future__ import annotations

import pytest

from _cli import run_cli
from sarwatch.errors import InputError
from sarwatch.settings import load_settings


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("SARWATCH_TOKEN_EXPIRES_DAYS", "abc", "valid integer"),
        ("SARWATCH_TOKEN_EXPIRES_DAYS", "5000", "less than or equal to 3650"),
        ("SARWATCH_WITNESS_TRUST", "bogus", "'allow-list' or 'first-use'"),
        ("SARWATCH_JOB_STALE_S", "soon", "valid number"),
    ],
)
def test_a_bad_setting_is_named_with_its_value_and_what_to_do(
    capsys, monkeypatch, tmp_path, variable, value, says
):
    monkeypatch.setenv("SARWATCH_HOME_DIR", str(tmp_path / "home"))
    monkeypatch.setenv(variable, value)
    code, _, err = run_cli(capsys, "user", "list")
    assert code == 2
    assert "Traceback" not in err and "pydantic" not in err.lower()
    assert f"{variable}={value!r}" in err
    assert says in err
    assert "unset it" in err


def test_never_is_a_token_lifetime_setting_as_it_is_an_option(monkeypatch):
    monkeypatch.setenv("SARWATCH_TOKEN_EXPIRES_DAYS", "Never")
    assert load_settings().token_expires_days == 0


def test_an_option_is_named_as_such_and_a_secret_is_not_repeated():
    with pytest.raises(InputError, match=r"^a setting is not valid: port='x'") as caught:
        load_settings(port="x")
    assert "SARWATCH_PORT" not in str(caught.value)
    with pytest.raises(InputError) as caught:
        load_settings(database_url=["postgresql://user:hunter2@db/sarwatch"])
    assert "database_url" in str(caught.value)
    assert "hunter2" not in str(caught.value)
