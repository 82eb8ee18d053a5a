"""The app of one worker process of ``sarwatch serve --workers N``.

uvicorn starts each worker as a fresh process (``spawn``) and builds its app by
calling :func:`worker_app`, named by the import string :data:`WORKER_APP`. The
parent, :mod:`sarwatch.cli.serve`, ran the start-up checks once (migrations, key,
demo case, ledger register, coastline cache) and put the settings the workers need
into their environment (:func:`worker_environment`); a worker only opens the store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from sarwatch.settings import Settings

__all__ = ["CHECKED_ENV", "WORKER_APP", "worker_app", "worker_environment"]

#: The import string uvicorn builds each worker's app with (``factory=True``).
WORKER_APP = "sarwatch.web.workers:worker_app"
#: Set by the parent once its start-up checks passed.
CHECKED_ENV = "SARWATCH_SERVE_CHECKED"


def worker_environment(settings: Settings) -> dict[str, str]:
    """What the parent adds to the environment so that each worker loads its settings.

    The settings come from the environment (``SARWATCH_*``) plus the command's
    ``--host`` and ``--port``, which are written here.
    """
    return {
        "SARWATCH_HOST": settings.host,
        "SARWATCH_PORT": str(settings.port),
        "SARWATCH_HOME_DIR": str(settings.home_dir),
        "SARWATCH_CACHE_DIR": str(settings.cache_dir),
        CHECKED_ENV: "1",
    }


def worker_app() -> FastAPI:
    """Build a worker's app: settings from the environment, the start-up checks done.

    Raises
    ------
    RuntimeError
        When called outside ``sarwatch serve --workers N`` (the checks did not run).
    """
    import os

    from sarwatch.settings import load_settings
    from sarwatch.web.app import create_app

    if os.environ.get(CHECKED_ENV) != "1":
        raise RuntimeError(
            f"{WORKER_APP} is the app of a worker of 'sarwatch serve --workers N', which "
            "runs the start-up checks first; to serve, run: sarwatch serve --workers N"
        )
    return create_app(load_settings(), checked=True)
