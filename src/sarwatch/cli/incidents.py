"""``sarwatch incidents``: the incident register (import, export, list, totals, merges)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from sarwatch.cli.safe_text import terminal_safe

if TYPE_CHECKING:
    from sarwatch.incidents import Incident, IncidentQuery, IncidentRecord
    from sarwatch.services.incidents import IncidentService

__all__ = ["register"]

incidents_app = typer.Typer(
    help="The incident register: shipwrecks, interceptions, arrivals, push-backs, sightings."
)

_ACTOR = typer.Option(None, "--actor", help="Who records it (default cli:<user>).")


def _actor(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


def _service() -> IncidentService:
    from sarwatch.cli.context import station
    from sarwatch.services.incidents import IncidentService

    return IncidentService.for_cases(station().cases)


def _query(
    start: str | None,
    end: str | None,
    kinds: list[str] | None,
    place: str | None,
    bbox: str | None,
    reports: bool = False,
) -> IncidentQuery:
    from sarwatch.incidents.query import query_from_text

    return query_from_text(
        start, end, kinds, place, bbox, reports=reports,
        bbox_name="--bbox",
    )  # fmt: skip


def _line(record: IncidentRecord) -> str:
    r, p = record.report, record.people
    where = f"{r.lat:.3f}N {r.lon:.3f}E" if r.lon is not None and r.lat is not None else "-"
    counts = " ".join(
        f"{name} {value}"
        for name, value in (("survivors", p.survivors), ("dead", p.dead), ("missing", p.missing))
        if value is not None
    )
    merged = f" (merged into {record.merged_into})" if record.merged_into else ""
    # a date known only to the month is shown as the month, not as its 1st
    when = r.time.strftime("%Y-%m") if r.time_precision == "month" else r.time.date().isoformat()
    group = f" +{len(record.members)} report(s)" if record.members else ""
    return terminal_safe(
        f"{r.incident_id}  {when:<10}  {r.kind.value:<19} {where:<18} "
        f"{r.place[:30]:<30} {counts or '-'}  q{record.quality}{group}{merged}"
    )


_FROM = typer.Option(None, "--from", help="From (inclusive): 2018, 2018-06 or 2018-06-19.")
_TO = typer.Option(None, "--to", help="To (inclusive): 2018, 2018-06 or 2018-06-19.")
_TYPE = typer.Option(None, "--type", help="Incident type (repeatable).")
_PLACE = typer.Option(None, "--place", help="Text in the place or country name.")
_BBOX = typer.Option(None, "--bbox", help="LON_MIN,LAT_MIN,LON_MAX,LAT_MAX degrees.")


@incidents_app.command("import")
def import_(
    path: Path = typer.Argument(..., exists=True, help="The file (a data package: its folder)."),
    fmt: str = typer.Option(
        None, "--format", help="mmp, csv, geojson or datapackage (default: guessed)."
    ),
    quality: int = typer.Option(
        None, "--quality", help="IOM exports without a Source Quality column: the grade 1-5."
    ),
    strict: bool = typer.Option(False, "--strict", help="Import nothing if a row is refused."),
    merge: bool = typer.Option(
        None,
        "--merge/--no-merge",
        help="Merge with reports of the same event (default: yes for IOM files).",
    ),
    as_json: bool = typer.Option(False, "--json", help="The report as JSON."),
    actor: str = _ACTOR,
) -> None:
    """Import an incident file in one transaction; say what was read, merged and refused."""
    from sarwatch.services.incident_files import import_file

    report = import_file(
        _service(),
        path,
        fmt=fmt,
        actor=_actor(actor),
        default_quality=quality,
        merge=merge,
        strict=strict,
    )
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        for line in report.summary().splitlines():
            typer.echo(terminal_safe(line))


@incidents_app.command("export")
def export(
    fmt: str = typer.Option(
        None, "--format", help="mmp, csv (default), geojson or datapackage (--public: default)."
    ),
    out: Path = typer.Option(..., "--out", help="File to write (datapackage: a folder)."),
    public: bool = typer.Option(
        False,
        "--public",
        help="Open data: the register and closed cases under the public feed's redaction "
        "(delay, rounding, no names or phone numbers); --format is then datapackage or geojson.",
    ),
    start: str = _FROM,
    end: str = _TO,
    kinds: list[str] = _TYPE,
    place: str = _PLACE,
    bbox: str = _BBOX,
) -> None:
    """Write the register (every report, with its merges; mmp: one row per event)."""
    from sarwatch.services.incident_files import export_file

    if public:
        from sarwatch.cli.context import station
        from sarwatch.services.open_data import publish

        st = station()
        written = publish(st.cases, out, fmt=fmt or "datapackage", settings=st.settings)
        typer.echo(f"public export: {written.summary()}")
        return
    fmt = fmt or "csv"
    n = export_file(_service(), out, fmt=fmt, query=_query(start, end, kinds, place, bbox))
    typer.echo(f"{n} row(s) written to {out} ({fmt})")


@incidents_app.command("list")
def list_(
    start: str = _FROM,
    end: str = _TO,
    kinds: list[str] = _TYPE,
    place: str = _PLACE,
    bbox: str = _BBOX,
    reports: bool = typer.Option(
        False, "--reports", help="Every report, also those merged into another."
    ),
    limit: int = typer.Option(100, "--limit", min=1, max=100_000),
    as_json: bool = typer.Option(False, "--json", help="As JSON."),
) -> None:
    """Incidents by time (each event once: reports merged into another are part of it)."""
    from sarwatch.incidents import record_to_json

    svc = _service()
    query = _query(start, end, kinds, place, bbox, reports)
    found = svc.find(query, limit=limit)
    if as_json:
        typer.echo(json.dumps([record_to_json(r) for r in found], indent=2, ensure_ascii=False))
        return
    for record in found:
        typer.echo(_line(record))
    total = svc.count(query)
    typer.echo(f"{len(found)} of {total} incident(s)")


@incidents_app.command("totals")
def totals(
    by: str = typer.Option("year", "--by", help="year, month, year_kind, month_kind or kind."),
    start: str = _FROM,
    end: str = _TO,
    kinds: list[str] = _TYPE,
    place: str = _PLACE,
    bbox: str = _BBOX,
    as_json: bool = typer.Option(False, "--json", help="As JSON."),
) -> None:
    """Events, survivors, dead and missing by period and type (each event once)."""
    rows = _service().totals(_query(start, end, kinds, place, bbox), by=by)
    data: list[dict[str, Any]] = [r.to_json() for r in rows]
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(
        f"{'period':<8} {'type':<19} {'events':>7} {'survivors':>9} {'dead':>7} {'missing':>8}"
    )

    def cell(value: int | None) -> str:
        return "-" if value is None else str(value)

    for row in data:
        counts = (
            f"{row['incidents']:>7} {cell(row['survivors']):>9} {cell(row['dead']):>7} "
            f"{cell(row['missing']):>8}"
        )
        typer.echo(f"{row['period']:<8} {row['kind']:<19} {counts}")
    if any(v is None for row in data for v in (row["survivors"], row["dead"], row["missing"])):
        typer.echo("(- : no incident of that period states the count; unknown, not zero)")


@incidents_app.command("show")
def show(incident_id: str = typer.Argument(..., help="I-YYYY-NNNNN")) -> None:
    """One incident with its group (the reports merged into it) as JSON."""
    from sarwatch.incidents import record_to_json

    group = _service().group(incident_id)
    typer.echo(json.dumps([record_to_json(r) for r in group], indent=2, ensure_ascii=False))


@incidents_app.command("merge")
def merge(
    into: str = typer.Argument(..., help="The incident that stays."),
    merged: str = typer.Argument(..., help="The report of the same event that joins it."),
    reason: str = typer.Option(..., "--reason", help="Why they are the same event."),
    actor: str = _ACTOR,
) -> None:
    """Merge two reports of the same event (recorded, signed, reversible)."""
    service = _service()
    record = service.merge(into, merged, actor=_actor(actor), reason=reason)
    typer.echo(_line(record))
    far = _far_apart(record.report, service.get(merged).report)
    if far:  # a slip of the id moves a report's people into another event, year, totals
        typer.echo(
            f"note: {into} and {merged} are {far}; automatic merging joins reports of one "
            f"type within 24 h and 20 km. If this was a slip: sarwatch incidents unmerge "
            f"{merged}",
            err=True,
        )


def _far_apart(a: Incident, b: Incident) -> str:
    """How two merged reports differ beyond what automatic merging joins ("" if not)."""
    from sarwatch.incidents.merge import MatchPolicy, distance_km

    policy, apart = MatchPolicy(), []
    if a.kind is not b.kind and "sighting" not in (a.kind.value, b.kind.value):
        apart.append(f"of different types ({a.kind.value}, {b.kind.value})")
    first, second = sorted((a, b), key=lambda r: r.time)
    slack_h = {"minute": 0, "day": 24, "month": 24 * 31}[first.time_precision]
    hours = (second.time - first.time).total_seconds() / 3600
    if hours - slack_h > policy.within_h:  # what the earlier one's precision leaves open
        apart.append(f"{hours / 24:,.0f} days apart")
    if None not in (a.lon, a.lat, b.lon, b.lat):
        km = distance_km(a.lon, a.lat, b.lon, b.lat)  # type: ignore[arg-type]
        if km > policy.within_km:
            apart.append(f"{km:,.0f} km apart")
    return ", ".join(apart)


@incidents_app.command("unmerge")
def unmerge(
    incident_id: str = typer.Argument(..., help="The report to take out of its group."),
    reason: str = typer.Option("", "--reason", help="Why."),
    actor: str = _ACTOR,
) -> None:
    """Undo a merge: the report stands on its own again; the group's counts are recomputed."""
    record = _service().unmerge(incident_id, actor=_actor(actor), reason=reason)
    typer.echo(_line(record))


@incidents_app.command("verify")
def verify() -> None:
    """Check the register's signed chain, and that the stored incidents are its fold."""
    from sarwatch.errors import IntegrityError

    report = _service().verify()
    typer.echo(report.summary().replace("case incident-register", "incident register"))
    report_ok = report.ok
    if not report_ok:
        raise IntegrityError("the incident register failed verification")


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch incidents``."""
    app.add_typer(incidents_app, name="incidents")
