"""``sarwatch bundle verify``: check an evidence bundle offline, without the server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sarwatch.services.evidence import BundleReport

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
    from sarwatch.cli.safe_text import terminal_safe
    from sarwatch.errors import IntegrityError
    from sarwatch.services.evidence import verify_bundle

    report = verify_bundle(bundle, expected_key_id=key_id)
    if not report.ok:
        raise IntegrityError(failure_message(report))
    # Names and text read from the bundle are shown with their control characters
    # escaped: a member name cannot move the cursor or redraw the verdict.
    typer.echo(terminal_safe(report.summary(), keep_newlines=True))
    if not key_id:
        typer.echo(
            terminal_safe(f"compare key id {report.key_id} with the one the station publishes")
        )


def failure_message(report: BundleReport) -> str:
    """The verdict on a bundle that failed, one line per problem.

    Each line has its control characters (a newline too) shown escaped: a member's
    name or a message quoting the bundle cannot print a line of its own, move the
    cursor or redraw the verdict.
    """
    from sarwatch.cli.safe_text import terminal_safe

    lines = [terminal_safe(f"{report.path.name}: case {report.case_id}: verification FAILED")]
    lines += [f"  - {terminal_safe(p)}" for p in report.problems]
    lines += [f"  - {terminal_safe(f'{f.problem}: {f.message}')}" for f in report.findings]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch bundle``."""
    app.add_typer(bundle_app, name="bundle")
