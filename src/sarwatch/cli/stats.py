"""``sarwatch stats``: arrivals, interceptions and returns, dead and missing, with sources.

Every number is printed with where it comes from: a table of quoted figures, then
each period where sources give different numbers (all of them), each figure a source
flags "do not use" (shown, not quoted), and the sources with their dates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import typer

from sarwatch.errors import InputError

if TYPE_CHECKING:
    from sarwatch.services.statistics import Statistic, StatisticsTable

__all__ = ["print_table", "register", "stats"]

_MARK = {"sources differ": "*", "flagged": "!", "preliminary": "p", "no data": ""}


def _cell(row: Statistic) -> str:
    if row.value is None:
        return "!" if row.status == "flagged" else "n/a"
    mark = _MARK.get(row.status, "")
    if row.status == "sources differ" and row.usable[0].status == "preliminary":
        mark += "p"  # the quoted figure is of a partial year: say so, as for one source
    return f"{row.value:,}{mark}"


def _period(row: Statistic) -> str:
    return str(row.year) if row.month is None else f"{row.year}-{row.month:02d}"


def print_table(table: StatisticsTable) -> None:
    """The table as people read it (80 columns), footnotes and sources below."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=True)
    short = {
        "arrivals_italy": "arr. Italy",
        "arrivals_malta": "arr. Malta",
        "intercepted_libya": "ret. Libya",
        "intercepted_tunisia": "int. Tunisia",
        "dead_missing_central_med": "dead+miss.",
    }
    out = Table(box=None, padding=(0, 1), pad_edge=False, header_style="bold")
    out.add_column(table.by)
    for s in table.series:
        out.add_column(short.get(s.id, s.id), justify="right")
    periods = sorted({(r.year, r.month or 0) for r in table.rows})
    by_key = {(r.series, r.year, r.month or 0): r for r in table.rows}
    for year, month in periods:
        cells = [by_key[(s.id, year, month)] for s in table.series]
        out.add_row(_period(cells[0]), *(_cell(c) for c in cells))
    console.print(out)
    labels = "; ".join(f"{short.get(s.id, s.id)} = {s.label}" for s in table.series)
    console.print(f"({labels}; people)")
    notes = [r for r in table.rows if r.status in ("sources differ", "flagged", "preliminary")]
    if notes:
        console.print("* sources differ (all shown), ! flagged by its source, p preliminary:")
    for r in notes:
        figures = ", ".join(
            f"{f.value:,} ({f.source.id}, {f.as_of or 'date not stated'}"
            + ("" if f.usable else ", DO NOT USE")
            + ")"
            for f in r.figures
        )
        flag = next((f.flag for f in r.figures if f.flag), "")
        console.print(f"  {r.series} {_period(r)}: {figures}" + (f" — {flag}" if flag else ""))
    console.print("Sources:")
    for src in table.sources:
        date = f"as of {src.as_of}" if src.as_of else "date not stated"
        console.print(f"  {src.id}: {src.name}; {src.publisher}; {date}")
        if src.via:
            console.print(f"      {src.via}")


def stats(
    year_from: int = typer.Option(..., "--from", help="First year, e.g. 2014."),
    year_to: int = typer.Option(..., "--to", help="Last year, e.g. 2018."),
    series: list[str] = typer.Option(
        [],
        "--series",
        help="Only these series (repeatable): arrivals_italy, arrivals_malta, "
        "intercepted_libya, intercepted_tunisia, dead_missing_central_med.",
    ),
    by: str = typer.Option("year", "--by", help="year or month."),
    as_json: bool = typer.Option(False, "--json", help="Print the table as JSON."),
    chart: Path = typer.Option(None, "--chart", help="Also draw it: out.png or out.svg."),
    night: bool = typer.Option(False, "--night", help="Chart in the night palette."),
    register: bool = typer.Option(
        True,
        "--register/--no-register",
        help="Also the station's incident register (monthly figures), as a second source.",
    ),
) -> None:
    """Statistics with their sources: arrivals, interceptions and returns, dead and missing.

    Arrivals to Italy and Malta, interceptions and returns by Libya and Tunisia, dead and
    missing on the Central Mediterranean route, by year or month, each with its source.
    """
    from sarwatch.services.statistics import PackagedSeries, StatisticsSource, statistics
    from sarwatch.services.statistics import chart as draw

    if by not in ("year", "month"):
        raise InputError(f"--by must be year or month, got {by!r}")
    fmt = None
    if chart is not None:
        fmt = chart.suffix.lower().lstrip(".")
        if fmt not in ("png", "svg"):
            raise InputError(f"--chart {chart}: name a .png or .svg file")
        if not chart.parent.is_dir():  # before the table is printed, not after
            raise InputError(
                f"--chart {chart}: the directory {chart.parent} does not exist; create it "
                "or name a file in an existing directory"
            )
    period: Literal["year", "month"] = "month" if by == "month" else "year"
    sources: list[StatisticsSource] = [PackagedSeries()]
    if register:
        from sarwatch.cli.context import station
        from sarwatch.services.incidents import IncidentService
        from sarwatch.services.statistics_register import RegisterSeries

        sources.append(RegisterSeries(IncidentService.for_cases(station().cases)))
    table = statistics(year_from, year_to, series=series or None, by=period, sources=sources)
    if as_json:
        typer.echo(json.dumps(table.to_json(), indent=2, ensure_ascii=False))
    else:
        print_table(table)
    if chart is not None and fmt is not None:
        data = draw(table, fmt=fmt, palette="night" if night else "print")
        chart.write_bytes(data)
        typer.echo(f"wrote {chart} ({len(data) / 1024:.0f} KiB)", err=as_json)


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch stats``."""
    app.command("stats")(stats)
