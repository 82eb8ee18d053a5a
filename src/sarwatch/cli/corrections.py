"""``sarwatch case correct``: correct a recorded event without rewriting it.

Registered in :mod:`sarwatch.cli.case`; the work is
:class:`sarwatch.services.corrections.Corrections`.
"""

from __future__ import annotations

import getpass

import typer

from sarwatch.cli.safe_text import terminal_safe

__all__ = ["correct"]


def correct(
    case_id: str = typer.Argument(..., help="Case id."),
    event: int = typer.Option(..., "--event", help="Number (#) of the event to correct."),
    reason: str = typer.Option(..., "--reason", help="Why the recorded value was wrong."),
    position: str = typer.Option(
        None, "--position", help="Corrected position, e.g. \"33°21'N 012°30'E\"."
    ),
    lon: str = typer.Option(None, help="Corrected longitude (with --lat)."),
    lat: str = typer.Option(None, help="Corrected latitude (with --lon)."),
    time: str = typer.Option(None, "--time", help="Corrected time (ISO 8601 UTC)."),
    outcome: str = typer.Option(
        None, "--outcome", help="Corrected outcome kind: rescued, intercepted, arrived..."
    ),
    by: str = typer.Option(None, help="Corrected 'by' of the outcome."),
    taken_to: str = typer.Option(None, help="Corrected port of the outcome."),
    survivors: int = typer.Option(None),
    dead: int = typer.Option(None),
    missing: int = typer.Option(None),
    reopen: bool = typer.Option(False, "--reopen", help="Undo the closing (event = the closing)."),
    actor: str = typer.Option(None, help="Who corrects (default cli:<login>)."),
) -> None:
    """Correct event #N: a mistyped position, a wrong outcome, or reopen a closed case.

    The original event stays in the ledger; a correction event names it (number and
    hash) with the reason, and the case shows the corrected value.
    """
    from sarwatch.cli.case import _position_option, _service, case_line
    from sarwatch.domain.events import parse_time
    from sarwatch.services.corrections import Corrections

    corrections = Corrections(_service())
    who = actor or f"cli:{getpass.getuser()}"
    lonlat = _position_option(position, lon, lat, required=False)
    when = parse_time(time) if time else None
    counts = {"survivors": survivors, "dead": dead, "missing": missing}
    outcome_changes = {"kind": outcome, "by": by, "taken_to": taken_to, **counts, "time": when}
    corrected_position = corrected_outcome = None
    if lonlat is not None:
        corrected_position = corrections.amended_position(
            case_id, event, lon=lonlat[0], lat=lonlat[1], time=when
        )
    elif any(v is not None for v in outcome_changes.values()) and not reopen:
        corrected_outcome = corrections.amended_outcome(case_id, event, **outcome_changes)
    record = corrections.correct(
        case_id,
        event,
        reason=reason,
        actor=who,
        position=corrected_position,
        outcome=corrected_outcome,
        reopen=reopen,
    )
    typer.echo(case_line(record))
    typer.echo(terminal_safe(f"recorded a correction of event #{event}: {reason}"))
