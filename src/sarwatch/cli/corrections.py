"""``sarwatch case correct``: correct a recorded event without rewriting it.

Registered in :mod:`sarwatch.cli.case`; the work is
:class:`sarwatch.services.corrections.Corrections`.
"""

from __future__ import annotations

import getpass
from typing import Any

import typer

from sarwatch.cli.safe_text import terminal_safe

__all__ = ["correct"]


def _position_option(
    position: str | None, lon: str | None, lat: str | None
) -> tuple[float, float] | None:
    """``(lon, lat)`` from ``--position`` or ``--lon``/``--lat`` (as ``case report``)."""
    from sarwatch.errors import InputError
    from sarwatch.geo.position import parse_coordinate, parse_position

    if position is not None:
        if lon is not None or lat is not None:
            raise InputError("give --position, or --lat and --lon, not both")
        return parse_position(position)
    if (lon is None) != (lat is None):
        raise InputError("give both --lon and --lat (or --position), or neither")
    if lon is None or lat is None:
        return None
    y = parse_coordinate(lat, "lat")
    return parse_coordinate(lon, "lon"), y


def _case_line(record: Any) -> str:
    """The case's id, status, title and last position (as ``case show``'s first line)."""
    from sarwatch.domain import CaseProjection
    from sarwatch.domain.events import format_time
    from sarwatch.geo.position import format_position

    case = CaseProjection(record.state)
    last = case.last_position
    where = (
        f"{format_position(last.lon, last.lat, decimals=2)} at {format_time(last.time)}"
        if last
        else "no position"
    )
    return terminal_safe(f"{case.case_id} ({case.status.value}) {case.title} — {where}")


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
    from sarwatch.cli.context import station
    from sarwatch.domain.events import parse_time
    from sarwatch.services.corrections import Corrections

    corrections = Corrections(station().cases)
    who = actor or f"cli:{getpass.getuser()}"
    lonlat = _position_option(position, lon, lat)
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
    typer.echo(_case_line(record))
    typer.echo(terminal_safe(f"recorded a correction of event #{event}: {reason}"))
    if corrected_position is not None:  # as `case report` does for a position on land
        _warn_on_land(corrections, case_id)


def _warn_on_land(corrections: Any, case_id: str) -> None:
    """Say so when the coastline puts the corrected position just recorded on land."""
    from sarwatch.cli.safe_text import print_notice
    from sarwatch.domain.events import position_from_json
    from sarwatch.services.report import on_land_note

    last = corrections.cases.events(case_id)[-1]
    if "position" in last.payload:
        note = on_land_note(position_from_json(last.payload["position"]))
        if note:
            print_notice("warning", note, style="bold yellow")
