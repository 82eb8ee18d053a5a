"""Live processes for the end-to-end tests and the benchmarks: a station server, Chromium.

One way to start ``uvicorn`` on the app factory, wait until it answers
``/api/health`` and give up with its output; one way to serve an app object in a thread
(:func:`served_in_thread`, the witness tests' second station); and one set of headless
Chromium flags,
shared by ``tests/_browser.py``, ``tests/test_api_cases_crash.py`` and the
benchmarks that measure a running server (``benchmarks/bench_api.py``,
``benchmarks/bench_page.py``, which put this folder on ``sys.path``).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: Headless Chromium without the network chatter a test or a measurement does not want.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served_in_thread(app: Any) -> Iterator[str]:
    """Serve the ASGI ``app`` with uvicorn on a free 127.0.0.1 port, in a thread; its URL.

    Waits (at most 60 s) until the server has started; stops it on exit.
    """
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def uvicorn_command(port: int, *options: str) -> list[str]:
    """``python -m uvicorn`` serving the app factory on 127.0.0.1:``port``, with ``options``."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "sarwatch.web.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *options,
    ]


def wait_until_healthy(
    process: subprocess.Popen[bytes],
    url: str,
    *,
    timeout_s: float = 60.0,
    output: Callable[[], str] = lambda: "",
) -> None:
    """Wait until the server at ``url`` answers ``GET /api/health`` with 200.

    Parameters
    ----------
    process
        The server's process.
    url
        ``http://127.0.0.1:PORT``.
    timeout_s
        How long to wait, seconds (a fresh machine builds the coastline caches first).
    output
        What the server wrote, for the error when it exits.

    Raises
    ------
    RuntimeError
        The server exited (with its output), or did not answer in time (it is killed).
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}): {output()[-2000:]}")
        try:
            with urllib.request.urlopen(url + "/api/health", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server did not answer {url}/api/health within {timeout_s:g} s")
