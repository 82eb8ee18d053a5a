"""``serve --demo`` (what ``make run`` starts) never grants access to real cases: the demo
coordinator's token is issued only on a store holding nothing but the demo, a fresh one
or the one an earlier ``make run`` filled; on a store with other cases no token is
printed, a ``demo`` user left from before is removed, and the message says why
(issue 13)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from _cli import run_cli
from sarwatch.cli.serve import _print_demo_token, _retire_demo_user
from sarwatch.errors import AuthError
from sarwatch.services.users import authenticate
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_of

TOKEN = re.compile(r"sw_[A-Za-z0-9_-]{20,}")


def _start(home: Path, capsys: pytest.CaptureFixture[str], *, demo: bool = True):
    """What ``sarwatch serve [--demo]`` does before it listens: the app, and what it said."""
    app = create_app(Settings(home_dir=home), demo=demo)
    (_print_demo_token if demo else _retire_demo_user)(station_of(app))
    out, err = capsys.readouterr()
    return app, out, err


def _token(out: str) -> str | None:
    found = TOKEN.search(out)
    return found.group() if found else None


def test_make_run_works_the_first_and_the_second_time(home: Path, capsys) -> None:
    app, out, _ = _start(home, capsys)
    first = _token(out)
    assert first and "holds only the demo (1 case(s)" in out
    station = station_of(app)
    assert authenticate(station.store, first).name == "demo"
    station.close()
    app, out, _ = _start(home, capsys)  # make run again: same store, still only the demo
    second = _token(out)
    station = station_of(app)
    assert second and second != first and "holds only the demo (1 case(s)" in out
    assert authenticate(station.store, second).role == "coordinator"
    with pytest.raises(AuthError):
        authenticate(station.store, first)  # one token at a time
    station.close()


def test_no_demo_token_on_a_store_with_real_cases(home: Path, capsys) -> None:
    app, out, _ = _start(home, capsys)
    old = _token(out)
    station = station_of(app)
    real = station.cases.open_case(
        title="rubber boat, 80 people", alert_time=datetime(2026, 11, 20, 4, tzinfo=UTC),
        actor="ana",
    )  # fmt: skip
    station.close()
    app, out, err = _start(home, capsys)  # make run on the station's real store
    station = station_of(app)
    assert _token(out + err) is None
    assert "no demo token is issued" in err and real.case_id in err
    assert "The 'demo' user left from an earlier demo was removed" in err
    assert "holds only the demo" not in out + err  # nothing untrue said
    with pytest.raises(AuthError):
        authenticate(station.store, old or "")
    assert [u.name for u in _users(station)] == []
    assert len(station.cases.list_cases()) == 2  # no demo case added to a real store
    station.close()


def test_cases_the_demo_coordinator_opens_keep_a_demo_store(home: Path, capsys) -> None:
    app, _, _ = _start(home, capsys)
    station = station_of(app)
    station.cases.open_case(
        title="tried on the page", alert_time=datetime(2026, 11, 20, 4, tzinfo=UTC),
        actor="demo",
    )  # fmt: skip
    station.close()
    app, out, err = _start(home, capsys)
    assert _token(out) and "holds only the demo (2 case(s)" in out, err
    station_of(app).close()


def test_plain_serve_removes_a_demo_user_once_real_cases_exist(home: Path, capsys) -> None:
    app, out, _ = _start(home, capsys)
    old = _token(out)
    station = station_of(app)
    station.cases.open_case(
        title="real", alert_time=datetime(2026, 11, 20, 4, tzinfo=UTC), actor="ana"
    )
    station.close()
    app, out, err = _start(home, capsys, demo=False)
    assert "the 'demo' user from an earlier --demo start was removed" in err
    with pytest.raises(AuthError):
        authenticate(station_of(app).store, old or "")
    station_of(app).close()


def test_demo_is_a_reserved_user_name(home: Path, capsys) -> None:
    code, out, err = run_cli(capsys, "user", "add", "demo", "--role", "coordinator")
    assert code == 2 and "kept for 'sarwatch serve --demo'" in err and _token(out) is None


def _users(station):
    from sarwatch.services.users import list_users

    return list_users(station.store)
