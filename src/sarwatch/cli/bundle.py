"""``sarwatch bundle verify``: check an evidence bundle offline, without the server."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]

bundle_app = typer.Typer(help="Evidence bundles (zip) exported with 'sarwatch case export'.")


@bundle_app.command("verify")
def verify(
    bundle: Path = typer.Argument(..., help="The bundle, e.g. case.zip."),
    key_id: str = typer.Option(
        None, "--key-id", help="The station key id you expect (as the station publishes it)."
    ),
) -> None:
    """Check signatures, hashes and the event chain; name anything tampered with."""
    from sarwatch.errors import IntegrityError
    from sarwatch.services.evidence import verify_bundle

    report = verify_bundle(bundle, expected_key_id=key_id)
    if not report.ok:
        raise IntegrityError(report.summary())
    typer.echo(report.summary())
    if not key_id:
        typer.echo(f"compare key id {report.key_id} with the one the station publishes")


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch bundle``."""
    app.add_typer(bundle_app, name="bundle")
