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


def test_serve_refuses_a_port_in_use_before_printing_a_url() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = subprocess.run(
            [sys.executable, "-m", "sarwatch", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert out.returncode == 2
    assert "serving" not in out.stdout
    assert f"cannot listen on 127.0.0.1:{port}" in out.stderr


def test_unknown_routes_answer_in_the_error_shape_and_no_cdn_docs(tmp_path) -> None:
    from fastapi.testclient import TestClient

    from sarwatch.settings import Settings
    from sarwatch.web.app import create_app

    with TestClient(create_app(Settings(home_dir=tmp_path))) as client:
        r = client.get("/api/no-such-thing")
        assert r.status_code == 404 and r.json()["error"] == "NotFoundError"
        # Swagger/ReDoc pages load scripts from a CDN: off; the schema is served locally.
        assert client.get("/docs").status_code == 404
        assert client.get("/openapi.json").json()["info"]["title"] == "sarwatch"


def test_openmp_threads_wait_passively_unless_the_user_chose() -> None:
    """Spinning OpenMP threads take the cores of a busy machine from the working ones
    (the hourly statistics ran 3-4x slower at load 3-4): the command sets the passive
    policy for itself and its children, but keeps a policy the user set."""
    import os

    code = (
        "import os, sys\n"
        "from sarwatch.cli.main import run\n"
        "sys.argv = ['sarwatch', '--help']\n"
        "try:\n"
        "    run()\n"
        "finally:\n"
        "    print('policy:', os.environ.get('OMP_WAIT_POLICY'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    for given, expected in ((None, "PASSIVE"), ("ACTIVE", "ACTIVE")):
        run_env = env if given is None else {**env, "OMP_WAIT_POLICY": given}
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=run_env
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.rstrip().splitlines()[-1] == f"policy: {expected}"


def test_the_console_entry_leaves_the_final_collection_out_but_runs_atexit() -> None:
    """``run`` (the ``sarwatch`` script and ``python -m sarwatch``) collects the young
    generation less often, and freezes what is left once the command has ended, so the
    interpreter's final garbage collections skip it; the ``atexit`` handlers still run
    after it."""
    code = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('thresholds:', gc.get_threshold()))\n"
        "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0))\n"
        "from sarwatch.cli.main import run\n"
        "sys.argv = ['sarwatch', '--help']\n"
        "run()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "serve" in out.stdout
    *_, frozen, thresholds = out.stdout.rstrip().splitlines()
    assert frozen == "frozen at exit: True"
    assert thresholds.startswith("thresholds: (10000, ")
