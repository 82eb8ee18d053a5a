"""``sarwatch serve``: the web service (API and the offline map page)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def serve(
    host: str = typer.Option(None, help="Interface to listen on (default 127.0.0.1)."),
    port: int = typer.Option(None, help="TCP port (default from settings: 8000)."),
    demo: bool = typer.Option(False, "--demo", help="Load the demo case if the store is empty."),
) -> None:
    """Start the web service and print its URL."""
    import uvicorn

    from sarwatch.settings import load_settings
    from sarwatch.web.app import create_app

    overrides: dict[str, object] = {}
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    settings = load_settings(**overrides)
    application = create_app(settings, demo=demo)
    typer.echo(f"sarwatch is serving on http://{settings.host}:{settings.port}/")
    uvicorn.run(application, host=settings.host, port=settings.port, log_level="warning")


def register(app: typer.Typer) -> None:
    """Attach the command to the root app."""
    app.command("serve")(serve)
