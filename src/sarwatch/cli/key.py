"""``sarwatch key``: rotate the station key and show its history."""

from __future__ import annotations

import typer

__all__ = ["register"]

key_app = typer.Typer(help="The station's signing keys: rotation and history.")


@key_app.command("rotate")
def rotate() -> None:
    """Retire the station key for a new one, with a hand-over signed by both.

    Events keep verifying under the key valid when they were signed; anything signed
    by the retired key after the hand-over is refused. Publish the new key id.
    """
    from sarwatch.cli.context import station
    from sarwatch.services.keys import rotate_station_key

    st = station()
    st.cases  # noqa: B018  (refuses a missing key over signed cases before anything changes)
    old, new, history = rotate_station_key(st.settings.home_dir)
    handover = history.handovers[-1]
    typer.echo(f"retired key {old.key_id} at {handover.time}")
    typer.echo(f"new key {new.key_id}; hand-over signed by both; {len(history.keys)} key(s) in")
    typer.echo(f"the history {st.settings.home_dir}/keys/history.json (carried as keys.json)")


@key_app.command("history")
def history() -> None:
    """Every key the station has used, when it was valid, and whether the hand-overs hold."""
    from sarwatch.cli.context import station
    from sarwatch.errors import IntegrityError
    from sarwatch.ledger.keys import load_history

    signer = station().cases.signer
    hist = load_history(station().settings.home_dir)
    if hist is None:
        typer.echo(f"one key, never rotated: {signer.key_id}")
        return
    for record in hist.keys:
        until = record.valid_until or "now (current)"
        typer.echo(f"{record.key_id}  from {record.valid_from or 'the start'}  until {until}")
    problems = hist.problems()
    if problems:
        raise IntegrityError("key history: " + "; ".join(problems))
    typer.echo(f"{len(hist.handovers)} hand-over(s), each signed by the old and the new key")


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch key``."""
    app.add_typer(key_app, name="key")
