"""``sarwatch case``: open a case and record what happens, from the command line.

Every command appends signed events to the case's ledger in the store named by
the settings (default SQLite file ``~/.local/share/sarwatch/sarwatch.db``).
Times are ISO 8601 with a zone (``2018-03-15T06:30:00Z``); default: now.
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Column, Table

from sarwatch.cli.safe_text import json_safe, print_notice, safe_text, terminal_safe

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sarwatch.ledger import LedgerEntry
    from sarwatch.records import CaseRecord
    from sarwatch.services.cases import CaseService

__all__ = ["register"]

case_app = typer.Typer(help="Open cases and record positions, contacts and outcomes.")
_console = Console()


def _service() -> CaseService:
    from sarwatch.cli.context import station

    return station().cases


def _time(text: str | None) -> datetime:
    from sarwatch.domain.events import parse_time

    return parse_time(text) if text else datetime.now(UTC)


def _actor(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


_ACTOR = typer.Option(None, help="Who records this (default cli:<login>).")
_TIME = typer.Option(None, "--time", help="ISO 8601 UTC time (default now).")


def _print_case(record: CaseRecord) -> None:
    typer.echo(case_line(record))


def case_line(record: CaseRecord) -> str:
    """One line for a case: id, status, title (controls shown escaped), last position."""
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


def _warn_on_land(record: CaseRecord) -> None:
    """Say so when the coastline put the position just recorded on land, and when it
    lies outside the packaged regions (recorded; no SAR-region, RCC or port data there)."""
    from sarwatch.domain import CaseProjection
    from sarwatch.services.report import on_land_note, outside_note

    recorded = CaseProjection(record.state).last_recorded_position
    if recorded is None:
        return
    for note in (outside_note(recorded), on_land_note(recorded)):
        if note:
            print_notice("warning", note, style="bold yellow")


def _position_option(
    position: str | None, lon: str | None, lat: str | None, *, required: bool
) -> tuple[float, float] | None:
    """``(lon, lat)`` from ``--position`` as people write it, or from ``--lon``/``--lat``."""
    from sarwatch.errors import InputError
    from sarwatch.geo.position import parse_coordinate, parse_position

    if position is not None:
        if lon is not None or lat is not None:
            raise InputError("give --position, or --lat and --lon, not both")
        return parse_position(position)
    if (lon is None) != (lat is None):
        raise InputError("give both --lon and --lat (or --position), or neither")
    if lon is None or lat is None:
        if required:
            raise InputError(
                "give the position: --position \"33°12'N 012°30'E\" (as people write it), "
                "or --lat 33.2 --lon 12.5"
            )
        return None
    y = parse_coordinate(lat, "lat")  # 33.2, 33.2N, "33 12.0N", as assess and drift read them
    return parse_coordinate(lon, "lon"), y


_POSITION = typer.Option(
    None,
    "--position",
    help='Position as people write it: "33°12\'N 012°30\'E", "33 12.5N 12 30E", '
    '"33.2, 12.5" (latitude first without hemisphere letters).',
)


@case_app.command("open")
def open_case(
    title: str = typer.Option(..., help="Short description, e.g. 'rubber boat, 80 people'."),
    position: str = _POSITION,
    lon: str = typer.Option(None, help="Longitude of the first position: 12.5 or 12.5E."),
    lat: str = typer.Option(None, help="Latitude of the first position: 33.2 or 33.2N."),
    time: str = _TIME,
    kind: str = typer.Option("gps", help="gps, aircraft, vessel, ais or estimate."),
    source: str = typer.Option("unknown", help="Who gave the alert (e.g. 'Alarm Phone')."),
    quality: int = typer.Option(1, help="Source quality 1–5 (IOM Missing Migrants grading)."),
    uncertainty_nm: float = typer.Option(0.0, help="Position uncertainty, nautical miles."),
    people: int = typer.Option(None, help="People on board (total), if known."),
    boat: str = typer.Option("unknown", help="Boat type: rubber, wooden, fibreglass..."),
    condition: str = typer.Option("", help="Boat condition, e.g. 'engine broken'."),
    region: str = typer.Option(None, help="Region code for the id (default: the SAR region)."),
    actor: str = _ACTOR,
) -> None:
    """Open a case from an alert and print its id."""
    from sarwatch.domain import PeopleOnBoard, PositionReport, Source, Vessel

    alert_time = _time(time)
    src = Source(source, quality)
    where = _position_option(position, lon, lat, required=False)
    first = None if where is None else PositionReport(alert_time, *where, kind, src, uncertainty_nm)
    case = _service().open_case(
        title=title,
        alert_time=alert_time,
        actor=_actor(actor),
        position=first,
        people=PeopleOnBoard(total=people),
        vessel=Vessel(kind=boat, condition=condition),
        sources=[src],
        region=region,
    )
    _print_case(case)
    if first is not None:
        _warn_on_land(case)


@case_app.command("report")
def report(
    case_id: str = typer.Argument(..., help="Case id, e.g. 2018-03-15-LY-001."),
    position: str = _POSITION,
    lon: str = typer.Option(None, help="Longitude: 12.5, 12.5E or '012 30.0E'."),
    lat: str = typer.Option(None, help="Latitude: 33.2, 33.2N or '33 12.0N'."),
    time: str = _TIME,
    kind: str = typer.Option("gps", help="gps, aircraft, vessel, ais or estimate."),
    source: str = typer.Option("unknown", help="Who reported it."),
    quality: int = typer.Option(1, help="Source quality 1–5."),
    verification: str = typer.Option(
        "unverified", help="unverified|corroborated|verified|disputed"
    ),
    uncertainty_nm: float = typer.Option(0.0, help="Uncertainty, nautical miles."),
    note: str = typer.Option("", help="Free text."),
    actor: str = _ACTOR,
) -> None:
    """Add a position report (one the coastline puts on land is recorded and flagged)."""
    from sarwatch.domain import PositionReport, Source

    where = _position_option(position, lon, lat, required=True)
    assert where is not None  # required=True
    src = Source(source, quality, verification)
    rep = PositionReport(_time(time), *where, kind, src, uncertainty_nm, note)
    record = _service().report_position(case_id, rep, actor=_actor(actor))
    _print_case(record)
    _warn_on_land(record)


@case_app.command("contact")
def contact(
    case_id: str = typer.Argument(..., help="Case id."),
    counterpart: str = typer.Option(..., help="e.g. 'MRCC Rome', 'RCC Malta', a ship."),
    summary: str = typer.Option(..., help="What was said or sent."),
    channel: str = typer.Option("phone", help="phone, satphone, email, vhf, hf, other."),
    direction: str = typer.Option("outgoing", help="outgoing or incoming."),
    mmsi: str = typer.Option(None, help="The counterpart ship's MMSI."),
    attachment: list[str] = typer.Option([], help="Attached file (its SHA-256 is recorded)."),
    time: str = _TIME,
    actor: str = _ACTOR,
) -> None:
    """Log a contact (call, e-mail, radio)."""
    from sarwatch.domain import Contact
    from sarwatch.ledger import sha256_hex

    attachments = tuple(
        f"{Path(a).name} sha256:{sha256_hex(Path(a).read_bytes())}" for a in attachment
    )
    item = Contact(_time(time), channel, counterpart, summary, direction, mmsi, attachments)
    _print_case(_service().log_contact(case_id, item, actor=_actor(actor)))


@case_app.command("people")
def people(
    case_id: str = typer.Argument(..., help="Case id."),
    total: int = typer.Option(None),
    women: int = typer.Option(None),
    minors: int = typer.Option(None),
    medical: int = typer.Option(None, help="People needing medical care."),
    actor: str = _ACTOR,
) -> None:
    """Update the people-on-board counts; counts not given keep their recorded value.

    The counts given are merged into the case as recorded at the moment of writing
    (under the case's lock), as the API's ``PATCH /api/cases/{id}/people`` does.
    """
    given = _given({"--total": total, "--women": women, "--minors": minors, "--medical": medical})
    _print_case(_service().update_people(case_id, given, actor=_actor(actor)))


def _given(options: dict[str, Any]) -> dict[str, Any]:
    """The options given (by field name, ``--length-m`` → ``length_m``); none is an error."""
    from sarwatch.errors import InputError

    given = {k.lstrip("-").replace("-", "_"): v for k, v in options.items() if v is not None}
    if not given:
        raise InputError(f"give at least one of {', '.join(options)}")
    return given


@case_app.command("vessel")
def vessel(
    case_id: str = typer.Argument(..., help="Case id."),
    boat: str = typer.Option(None, help="Boat type: rubber, wooden, fibreglass, iron..."),
    condition: str = typer.Option(None, help="Condition, e.g. 'engine broken, taking water'."),
    name: str = typer.Option(None, help="Name, if any."),
    mmsi: str = typer.Option(None, help="MMSI (9 digits), if it transmits AIS."),
    flag: str = typer.Option(None, help="Flag state."),
    length_m: float = typer.Option(None, "--length-m", help="Length overall, metres."),
    actor: str = _ACTOR,
) -> None:
    """Update the description of the boat; fields not given keep their recorded value."""
    options = {"--boat": boat, "--condition": condition, "--name": name, "--mmsi": mmsi}
    given = _given({**options, "--flag": flag, "--length-m": length_m})
    if "boat" in given:
        given["kind"] = given.pop("boat")
    _print_case(_service().update_vessel(case_id, given, actor=_actor(actor)))


@case_app.command("decision")
def decision(
    case_id: str = typer.Argument(..., help="Case id."),
    summary: str = typer.Option(..., help="The decision and why."),
    time: str = _TIME,
    actor: str = _ACTOR,
) -> None:
    """Record a decision."""
    from sarwatch.domain import Decision

    item = Decision(_time(time), summary, _actor(actor))
    _print_case(_service().record_decision(case_id, item, actor=_actor(actor)))


@case_app.command("status")
def status(
    case_id: str = typer.Argument(..., help="Case id."),
    new: str = typer.Argument(..., help="active, located or closed (outcomes: 'case outcome')."),
    reason: str = typer.Option("", help="Why."),
    actor: str = _ACTOR,
) -> None:
    """Move a case along alert → active → located → closed.

    Rescued, intercepted, arrived and lost are set by recording the outcome
    (``sarwatch case outcome``), which says who took the people and how many.
    """

    svc = _service()
    _print_case(svc.change_status(case_id, new, actor=_actor(actor), reason=reason))


@case_app.command("outcome")
def outcome(
    case_id: str = typer.Argument(..., help="Case id."),
    kind: str = typer.Argument(..., help="rescued, intercepted, arrived, shipwreck, unknown."),
    by: str = typer.Option("", help="Rescued or intercepted by whom."),
    taken_to: str = typer.Option("", help="Where survivors were taken."),
    survivors: int = typer.Option(None),
    dead: int = typer.Option(None),
    missing: int = typer.Option(None),
    note: str = typer.Option(""),
    time: str = _TIME,
    actor: str = _ACTOR,
) -> None:
    """Record the outcome; the case becomes rescued, intercepted, arrived or lost."""
    from sarwatch.domain import Outcome

    item = Outcome(_time(time), kind, by, taken_to, survivors, dead, missing, note)
    _print_case(_service().record_outcome(case_id, item, actor=_actor(actor)))


@case_app.command("attach")
def attach(
    case_id: str = typer.Argument(..., help="Case id."),
    record: Path = typer.Argument(..., help="JSON file: an assessment or drift-run record."),
    kind: str = typer.Option("drift_run", help="assessment, drift_run, search_plan, document."),
    actor: str = _ACTOR,
) -> None:
    """Attach an assessment or drift-run record (with its inputs) to the case."""
    from sarwatch.errors import InputError

    try:
        data = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read JSON record {record}: {exc}") from None
    _print_case(_service().attach(case_id, kind, data, actor=_actor(actor)))


@case_app.command("show")
def show(
    case_id: str = typer.Argument(..., help="Case id."),
    as_json: bool = typer.Option(False, "--json", help="Print the case as JSON."),
) -> None:
    """Show a case and its timeline."""
    svc = _service()
    record = svc.get_record(case_id)
    if as_json:
        typer.echo(json_safe(json.dumps(record.state, indent=2, ensure_ascii=False)))
        return
    _print_case(record)
    _console.print(timeline_table(svc.events(case_id)))
    from sarwatch.domain import CaseProjection
    from sarwatch.services.report import count_warning

    counts = count_warning(CaseProjection(record.state))
    if counts:
        # Estimates differ from counts at the rescue: never refused, always shown.
        print_notice(
            "warning",
            f"{counts} The number on board is an estimate; if a better count is known, "
            "record it with 'sarwatch case people' before closing.",
            style="bold yellow",
        )
    report = svc.verify(case_id)
    if not report.ok:
        # Shown, because a coordinator must see the record, but never silently.
        print_notice(
            "warning",
            f"this case's ledger does not verify: {report.summary()}. The timeline above "
            "may have been altered; see 'sarwatch ledger verify'.",
        )


@case_app.command("list")
def list_cases(
    status: list[str] = typer.Option([], help="Only these statuses (repeatable)."),
    limit: int = typer.Option(50, help="At most this many."),
) -> None:
    """List cases, most recently updated first."""
    _console.print(cases_table(_service().list_cases(statuses=status or None, limit=limit)))


def timeline_table(entries: Iterable[LedgerEntry]) -> Table:
    """``case show``'s timeline. What people typed is shown as typed (never read as
    rich markup: ``[/]`` in a note), with control characters shown escaped."""
    from sarwatch.services.report import corrected_by, correction_mark, describe_event

    entries = list(entries)
    marks = corrected_by(entries)
    table = Table("#", "recorded (UTC)", Column("by", overflow="fold"))
    table.add_column("what", overflow="fold")  # all of it, wrapped: never cut with "…"
    for entry in entries:
        recorded = safe_text(entry.recorded_at[:19].replace("T", " "))
        what = describe_event(entry) + correction_mark(entry.seq, marks)
        cell = safe_text(what, keep_newlines=True)
        table.add_row(str(entry.seq), recorded, safe_text(entry.actor), cell)
    return table


def cases_table(records: Iterable[CaseRecord]) -> Table:
    """``case list``'s table (titles as typed, control characters shown escaped)."""
    table = Table("case", "status", Column("title", overflow="fold"), "updated (UTC)")
    for record in records:
        cells = (record.case_id, record.status, record.title, record.updated_at)
        table.add_row(*(safe_text(c) for c in cells))
    return table


@case_app.command("export")
def export(
    case_id: str = typer.Argument(..., help="Case id."),
    out: Path = typer.Option(..., "--out", help="Bundle to write, e.g. case.zip."),
    force: bool = typer.Option(False, "--force", help="Replace an existing file at --out."),
    no_media: bool = typer.Option(
        False, "--no-media", help="Leave media files out (they stay listed by SHA-256)."
    ),
) -> None:
    """Export the evidence bundle (events, signed ledger, public key, report, media)."""
    from sarwatch.errors import InputError
    from sarwatch.services.evidence import build_bundle

    if out.is_dir():
        raise InputError(f"--out {out} is a directory; give a file name, e.g. {out}/case.zip")
    if out.exists() and not force:
        raise InputError(
            f"{out} exists; an earlier bundle is evidence (and an anchor), so it is not "
            "replaced: choose another name, or add --force"
        )

    from sarwatch.cli.context import station

    media_root = None if no_media else Path(station().settings.home_dir) / "media"
    summary = build_bundle(_service(), case_id, out, media_root=media_root)
    typer.echo(
        terminal_safe(
            f"wrote {out} ({summary.n_events} events, {len(summary.files)} files"
            f"{f', {len(summary.media)} media file(s)' if summary.media else ''}); "
            f"verify with: sarwatch bundle verify {out}"
        )
    )
    if summary.media_missing:  # recorded in the ledger, absent from this station's store
        typer.echo(
            f"warning: {len(summary.media_missing)} media file(s) the ledger records are not "
            f"in {media_root} (a store restored without its media?); the bundle lists them by "
            "SHA-256 only: restore the media directory from the backup and export again",
            err=True,
        )


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch case`` (with ``case reconstruct`` from :mod:`sarwatch.cli.reconstruct`)."""
    from sarwatch.cli.corrections import correct
    from sarwatch.cli.reconstruct import reconstruct

    case_app.command("reconstruct")(reconstruct)
    case_app.command("correct")(correct)
    app.add_typer(case_app, name="case")
