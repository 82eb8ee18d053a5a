"""``sarwatch serve``: the web service (API and the offline map page)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["register"]


def serve(
    host: str = typer.Option(None, help="Interface to listen on (default 127.0.0.1)."),
    port: int = typer.Option(None, help="TCP port (default from settings: 8000)."),
    demo: bool = typer.Option(False, "--demo", help="Load the demo case if the store is empty."),
) -> None:
    """Start the web service and print its URL."""
    import uvicorn

    from sarwatch.cli.context import station
    from sarwatch.web.app import create_app

    overrides: dict[str, object] = {}
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    settings = station(**overrides).settings
    _check_port_free(settings.host, settings.port)
    application = create_app(settings, demo=demo)
    if demo:
        _print_demo_token(application)
    _check_ledger_at_start(application)
    typer.echo(f"sarwatch is serving on http://{settings.host}:{settings.port}/")
    uvicorn.run(application, host=settings.host, port=settings.port, log_level="warning")


def _check_port_free(host: str, port: int) -> None:
    """Refuse early, before printing a URL, if the port is taken."""
    import socket

    from sarwatch.errors import InputError

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise InputError(
                f"cannot listen on {host}:{port} ({exc.strerror}); another program (perhaps "
                "another sarwatch) uses it: stop it or choose --port / SARWATCH_PORT"
            ) from None


def _print_demo_token(application: FastAPI) -> None:
    """Load the demo case and (re)issue the ``demo`` coordinator's token, printed once.

    Tokens are stored hashed, so a token cannot be shown again: each ``--demo`` start
    replaces the demo user's token. Real users come from ``sarwatch user add``.
    """
    from sarwatch.services.users import add_user, list_users, remove_user
    from sarwatch.web.station import station_of

    station = station_of(application)
    station.start()  # the demo case is recorded into an empty store
    store = station.store
    exists = any(user.name == "demo" for user in list_users(store))
    with store.unit_of_work() as uow:
        n_cases = uow.cases.count()
    if exists:
        remove_user(store, "demo")
    _, token = add_user(store, "demo", "coordinator")
    typer.echo(
        f"Store has {n_cases} case(s) (the demo case is loaded into an empty store). "
        "Sign in on the page (Cases tab) as coordinator 'demo' with token:\n"
        f"  {token}\n"
        "(new token at every --demo start; other users: sarwatch user add NAME --role ROLE)"
    )


def _check_ledger_at_start(application: FastAPI) -> None:
    """Check the ledger: the register now, every case's chain in the background.

    The register check is quick and runs before the URL is printed; the chains
    (about 0.2 ms per event) are checked by a thread while the server already
    serves, and any problem is said on stderr.
    """
    import threading

    from sarwatch.web.station import station_service

    service = station_service(application)
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
