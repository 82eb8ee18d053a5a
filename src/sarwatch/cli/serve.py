"""``sarwatch serve``: the web service (API and the offline map page).

``--workers N`` (N > 1) runs N uvicorn worker processes on one port. The start-up
checks run once, in this process, before any worker starts: the store is opened
and migrated, the station key made or loaded, the demo case loaded (``--demo``),
the ledger register checked (the chains in the background) and the coastline cache
built. Each worker then builds its app with :func:`sarwatch.web.workers.worker_app`,
which opens the store without migrating it. Everything shared lives in the store:
drift runs are jobs (:mod:`sarwatch.services.jobs`), the event feed reads the events
table. See ``docs/design/021-workers.md``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sarwatch.services.container import Station

__all__ = ["register"]


def serve(
    host: str = typer.Option(None, help="Interface to listen on (default 127.0.0.1)."),
    port: int = typer.Option(None, help="TCP port (default from settings: 8000)."),
    demo: bool = typer.Option(
        False,
        "--demo",
        help="Load the demo case into an empty store and print a demo coordinator's token "
        "(none on a store holding other cases).",
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="Server processes sharing the port (uvicorn workers). Drift runs are jobs in "
        "the store that any worker runs and reports; the start-up checks run once, here.",
    ),
) -> None:
    """Start the web service and print its URL."""
    import uvicorn

    from sarwatch.cli.context import station
    from sarwatch.web.app import create_app
    from sarwatch.web.station import station_of

    overrides: dict[str, object] = {}
    if host:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    settings = station(**overrides).settings
    if workers > 1 and settings.resolved_database_url.startswith("memory"):
        from sarwatch.errors import InputError

        raise InputError(
            "--workers needs a store every worker shares: an in-memory store lives in one "
            "process; use the default SQLite store or SARWATCH_DATABASE_URL=postgresql+psycopg://..."
        )
    _check_port_free(settings.host, settings.port)
    if workers == 1:  # one process: the app, its station and the checks, as ever
        application = create_app(settings, demo=demo)
        _start_up_checks(station_of(application), demo=demo)
        typer.echo(f"sarwatch is serving on http://{settings.host}:{settings.port}/")
        uvicorn.run(application, host=settings.host, port=settings.port, log_level="warning")
        return
    from sarwatch.services.container import Station

    checked = Station(settings, demo=demo)  # the checks, once, before any worker starts
    try:
        _start_up_checks(checked, demo=demo)
        _build_caches(checked)
        from sarwatch.web.workers import WORKER_APP, worker_environment

        os.environ.update(worker_environment(settings))
        typer.echo(
            f"sarwatch is serving on http://{settings.host}:{settings.port}/ with {workers} workers"
        )
        uvicorn.run(
            WORKER_APP, factory=True, workers=workers, host=settings.host,
            port=settings.port, log_level="warning",
        )  # fmt: skip
    finally:
        checked.close()


def _start_up_checks(station: Station, *, demo: bool) -> None:
    """The demo case and token (or retiring the demo user), then the ledger check."""
    from sarwatch.services.witness_trust import station_trust

    station_trust(station.settings)  # a bad SARWATCH_WITNESS_KEYS: said once, before workers
    if demo:
        _print_demo_token(station)
    else:
        _retire_demo_user(station)
        _say_how_to_sign_in(station)
    _check_ledger_at_start(station)


def _say_how_to_sign_in(station: Station) -> None:
    """On a station without users, say how to make one: the page's Cases, Drift and Plan
    tabs need a token, and nothing else would tell a new coordinator where to get it."""
    from sarwatch.services.users import list_users

    if not list_users(station.store):
        typer.echo(
            "no users yet: the map page and the public feed work without one; to open cases, "
            "drift and plan, make a coordinator (the token is printed once): sarwatch user "
            "add NAME --role coordinator",
            err=True,
        )


def _build_caches(station: Station) -> None:
    """Build the coastline cache once, here, so that no two workers build it at once."""
    from sarwatch.geo.coast import land_mask

    land_mask(Path(station.settings.cache_dir))


def _check_port_free(host: str, port: int) -> None:
    """Refuse early, before printing a URL, if the server could not listen there: a port
    out of range, a host that is not an address of this machine, a port taken."""
    import errno
    import socket

    from sarwatch.errors import InputError

    if not 1 <= port <= 65535:
        raise InputError(
            f"port {port} is not a TCP port: give --port (or SARWATCH_PORT) between 1 and "
            "65535, e.g. --port 8000"
        )
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except (socket.gaierror, UnicodeError) as exc:
        raise InputError(
            f"cannot listen on {host}:{port}: {host!r} is neither an address nor a name this "
            f"machine can resolve ({exc}); give --host 127.0.0.1 (this machine only) or "
            "0.0.0.0 (every interface)"
        ) from None
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRNOTAVAIL:
                why = (
                    f"{host} is not an address of this machine: give --host 127.0.0.1 (this "
                    "machine only), 0.0.0.0 (every interface) or one of its own addresses"
                )
            elif exc.errno == errno.EACCES:
                why = (
                    f"port {port} needs administrator rights on this machine: choose a port "
                    "above 1023, e.g. --port 8000"
                )
            else:
                why = (
                    "another program (perhaps another sarwatch) uses it: stop it or choose "
                    "--port / SARWATCH_PORT"
                )
            raise InputError(f"cannot listen on {host}:{port} ({exc.strerror}); {why}") from None


def _print_demo_token(station: Station) -> None:
    """Print the ``demo`` coordinator's token, or say truthfully why there is none.

    The demo case goes into an empty store only; the token is issued only while the
    store holds nothing but the demo (:func:`~sarwatch.services.demo.demo_access`).
    """
    from sarwatch.cli.safe_text import terminal_safe
    from sarwatch.services.demo import demo_access

    station.start()  # the demo case is recorded into an empty store
    access = demo_access(station.cases)
    if access.token is None:
        revoked = (
            " The 'demo' user left from an earlier demo was removed: its token no longer works."
            if access.revoked
            else ""
        )
        typer.echo(
            terminal_safe(
                f"--demo: the store holds {access.n_cases} case(s) and is not a demo store "
                f"({access.why_not}): no demo case was added and no demo token is issued, "
                f"because a demo coordinator would read every case.{revoked} Sign in with "
                "your own token (sarwatch user add NAME --role coordinator); for a demo, "
                "start with an empty home: SARWATCH_HOME_DIR=/tmp/sarwatch-demo "
                "sarwatch serve --demo"
            ),
            err=True,
        )
        return
    typer.echo(
        f"The store holds only the demo ({access.n_cases} case(s), every event recorded by "
        "the demo; the demo case is loaded into an empty store only). Sign in on the page "
        "(Cases tab) as coordinator 'demo' with token:\n"
        f"  {access.token}\n"
        "(new token at every --demo start; other users: sarwatch user add NAME --role ROLE)"
    )


def _retire_demo_user(station: Station) -> None:
    """Remove a ``demo`` user left from an earlier ``--demo`` once the store holds real cases."""
    from sarwatch.services.demo import demo_access

    station.start()
    access = demo_access(station.cases, issue=False)
    if access.revoked:
        typer.echo(
            f"the 'demo' user from an earlier --demo start was removed ({access.why_not}): "
            "its token no longer works, because a demo coordinator would read every case",
            err=True,
        )


def _check_ledger_at_start(station: Station) -> None:
    """Check the ledger: the register now, every case's chain in the background.

    The register check is quick and runs before the URL is printed; the chains
    (about 0.2 ms per event) are checked by a thread while the server already
    serves, and any problem is said on stderr.
    """
    import threading

    service = station.cases
    report = service.verify_register()
    if not report.ok:
        typer.echo(
            f"warning: {report.summary()}\n"
            "Run 'sarwatch ledger verify' for the whole ledger; restore the database from "
            "a backup if cases were deleted.",
            err=True,
        )

    def check_chains() -> None:
        try:
            bad = [r for r in service.verify_all() if not r.ok]
        except Exception as exc:  # never take the server down; say it
            typer.echo(f"warning: the ledger check at start-up failed: {exc}", err=True)
            return
        if bad:
            typer.echo(
                f"warning: {len(bad)} case(s) fail verification: "
                + ", ".join(r.case_id for r in bad[:10])
                + (" …" if len(bad) > 10 else "")
                + ". Run 'sarwatch ledger verify' to see what was altered.",
                err=True,
            )

    threading.Thread(target=check_chains, name="sarwatch-ledger-check", daemon=True).start()


def register(app: typer.Typer) -> None:
    """Attach the command to the root app."""
    app.command("serve")(serve)
