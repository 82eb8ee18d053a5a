"""``sarwatch serve`` refuses, in one line and before printing a URL, where it could not
listen: a port out of range (was a traceback), a host that is not this machine's (was
blamed on "another program"), a name that does not resolve."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sarwatch.errors import InputError


def _serve(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SARWATCH_HOME_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "sarwatch", "serve", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_a_port_out_of_range_is_one_line_not_a_traceback(tmp_path) -> None:
    out = _serve(tmp_path, "--port", "99999")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and "serving" not in out.stdout
    assert "port 99999 is not a TCP port" in out.stderr
    assert "between 1 and 65535" in out.stderr


@pytest.mark.parametrize("port", [0, -1, 65536])
def test_ports_outside_1_to_65535_are_refused(port: int) -> None:
    from sarwatch.cli.serve import _check_port_free

    with pytest.raises(InputError, match=f"port {port} is not a TCP port"):
        _check_port_free("127.0.0.1", port)


def test_a_host_that_is_not_this_machines_is_named_as_the_reason() -> None:
    """192.0.2.1 (TEST-NET-1, RFC 5737) is never an address of this machine."""
    from sarwatch.cli.serve import _check_port_free

    with pytest.raises(InputError) as err:
        _check_port_free("192.0.2.1", 8000)
    assert "192.0.2.1 is not an address of this machine" in str(err.value)
    assert "another program" not in str(err.value)


def test_a_host_name_that_does_not_resolve_is_refused() -> None:
    from sarwatch.cli.serve import _check_port_free

    with pytest.raises(InputError, match="neither an address nor a name"):
        _check_port_free("no-such-host.invalid", 8000)


def test_a_taken_port_still_names_another_program() -> None:
    import socket

    from sarwatch.cli.serve import _check_port_free

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(InputError, match="another program"):
            _check_port_free("127.0.0.1", port)


def test_a_station_without_users_says_how_to_make_a_coordinator(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``sarwatch serve`` on a fresh home printed only its URL: the page's Cases, Drift and
    Plan tabs ask for a token, and nothing said where one comes from."""
    from sarwatch.cli.serve import _say_how_to_sign_in
    from sarwatch.services.container import Station
    from sarwatch.services.users import add_user
    from sarwatch.settings import Settings

    station = Station(Settings(home_dir=tmp_path))
    try:
        _say_how_to_sign_in(station)
        err = capsys.readouterr().err
        assert "no users yet" in err
        assert "sarwatch user add NAME --role coordinator" in err
        add_user(station.store, "ana", "observer")
        _say_how_to_sign_in(station)
        assert capsys.readouterr().err == ""
    finally:
        station.close()
