"""``sarwatch forcing``: the station's forecast library (list, add, fetch, pack, unpack).

The library lives under ``<home_dir>/forcing`` (:mod:`sarwatch.services.forcing_library`);
``sarwatch drift`` and the map page pick the freshest files that cover a run from it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sarwatch.errors import InputError
from sarwatch.geo.bbox import parse_bbox

if TYPE_CHECKING:
    from sarwatch.services.forcing_library import ForcingLibrary, LibraryEntry

__all__ = ["register"]

forcing_app = typer.Typer(
    help="The forecast library: list, add, fetch, pack and unpack currents, winds, waves.",
    no_args_is_help=True,
)


def _library() -> ForcingLibrary:
    from sarwatch.cli.context import station
    from sarwatch.services.forcing_library import ForcingLibrary, library_root

    return ForcingLibrary(library_root(Path(station().settings.home_dir)))


def _age(hours: float | None) -> str:
    if hours is None:
        return "?"
    return f"{hours:.0f} h" if abs(hours) < 72 else f"{hours / 24:.1f} d"


def _span(entry: LibraryEntry) -> str:
    a, b = entry.start, entry.end
    return f"{a:%Y-%m-%d %H:%M} to {b:%Y-%m-%d %H:%M}"


@forcing_app.command("list")
def list_files(
    as_json: bool = typer.Option(False, "--json", help="The index entries as JSON."),
    verify: bool = typer.Option(False, "--verify", help="Check every file's SHA-256 again."),
) -> None:
    """What the library holds: product, run and its age, variables, time span, area."""
    library = _library()
    entries = library.entries()
    now = datetime.now(UTC)
    if as_json:
        out = [{**e.to_json(), "age_h": e.age_h(now)} for e in entries]
        if verify:
            for row, e in zip(out, entries, strict=True):
                row["intact"] = library.verify(e)
        typer.echo(json.dumps(out, indent=1))
        return
    if not entries:
        typer.echo(
            f"the forcing library {library.root} is empty: `sarwatch forcing fetch` downloads "
            "forecasts for the Central Mediterranean, `sarwatch forcing add FILE` adds a file"
        )
        return
    for e in entries:
        lon0, lat0, lon1, lat1 = e.area
        run = "run unknown" if e.run is None else f"run {e.run:%Y-%m-%d %H:%M} UTC"
        state = ""
        if verify:
            state = ", intact" if library.verify(e) else ", CHANGED since it entered: fetch again"
        lines = [
            e.file,
            f"  {e.provider} {e.product_id}, {run} (age {_age(e.age_h(now))})",
            f"  {'; '.join(e.variables)}",
            f"  valid {_span(e)} UTC; {lon0:g}..{lon1:g}°E {lat0:g}..{lat1:g}°N",
            f"  {e.bytes / 1e6:.2f} MB, SHA-256 {e.sha256[:16]}…{state}",
        ]
        typer.echo("\n".join(lines))
    typer.echo(f"{len(entries)} file{'s' if len(entries) != 1 else ''} in {library.root}")


@forcing_app.command("add")
def add(
    files: list[Path] = typer.Argument(..., help="NetCDF or GRIB2 files to add."),
    provider: str = typer.Option("local", "--provider", help="Who made the file."),
    product: str = typer.Option(None, "--product", help="Product id (default: file name)."),
    run_time: str = typer.Option(
        None, "--run-time", help="The forecast's run, ISO 8601 UTC (default: from the file)."
    ),
    licence: str = typer.Option(None, "--licence", help="Its licence (default: the provider's)."),
    sha256: str = typer.Option(None, "--sha256", help="Expected SHA-256 (one file only)."),
) -> None:
    """Add forecast files you already have (checked as the drift will read them)."""
    from sarwatch.cli.drift import parse_utc
    from sarwatch.services.forcing_library import check_sha256_text

    if sha256 and len(files) != 1:
        raise InputError("--sha256 checks one file: give one file with it")
    if sha256:
        sha256 = check_sha256_text(sha256)
    library = _library()
    for path in files:
        entry = library.add(
            path,
            provider=provider,
            product_id=product or path.stem,
            run_time=parse_utc(run_time) if run_time else None,
            licence=licence,
            expected_sha256=sha256,
        )
        typer.echo(
            f"added {entry.file}: {', '.join(entry.roles)}, {entry.time_start} to "
            f"{entry.time_end}, SHA-256 {entry.sha256[:16]}…"
        )


def _box(text: str | None) -> tuple[float, float, float, float]:
    from sarwatch.services.forcing_fetch import CENTRAL_MED_BOX

    return parse_bbox(text, name="--area") or CENTRAL_MED_BOX


@forcing_app.command("fetch")
def fetch(
    area: str = typer.Option(
        None, "--area", help="LON_MIN,LAT_MIN,LON_MAX,LAT_MAX (default: the Central Med box)."
    ),
    start: str = typer.Option(None, "--from", help="Start, ISO 8601 UTC (default now − 24 h)."),
    end: str = typer.Option(None, "--to", help="End, ISO 8601 UTC (default now + 72 h)."),
    kinds: str = typer.Option(
        "currents,waves,winds", "--kinds", help="Which: currents, waves, winds (comma list)."
    ),
    ecmwf_url: str = typer.Option(None, "--ecmwf-url", help="An ECMWF open data mirror."),
    gfs_url: str = typer.Option(None, "--gfs-url", help="A GFS mirror (NOAA's paths)."),
    case_id: str = typer.Option(
        None, "--case", help="Fetch for a case: around its last position, from 6 h before it."
    ),
    hours: float = typer.Option(
        72.0, "--hours", help="With --case: how long after its last position, hours."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Download forecasts for an area and period into the library (resumable).

    Currents and waves (Stokes drift) from Copernicus Marine (credentials: run
    `copernicusmarine login` once), 10 m winds from ECMWF open data with GFS as the
    fallback. Each file is cut to the area before it is stored.
    """
    from datetime import timedelta

    from sarwatch.cli.drift import parse_utc
    from sarwatch.services.forcing_fetch import FetchRequest, fetch_forecasts, providers_for

    now = datetime.now(UTC)
    t0 = parse_utc(start) if start else now - timedelta(hours=24)
    t1 = parse_utc(end) if end else now + timedelta(hours=72)
    if case_id:  # the area and period the case's drift needs
        import math

        from sarwatch.cli.context import station

        last = station().cases.get(case_id).last_position
        if last is None:
            raise InputError(
                f"case {case_id} has no position: report one first "
                f"(sarwatch case report {case_id} --lat .. --lon .. --time ..)"
            )
        half = 2.5  # degrees of latitude: 280 km, the reach of a fast cloud in 72 h
        half_lon = half / max(math.cos(math.radians(last.lat)), 0.2)
        area = area or (
            f"{last.lon - half_lon:.2f},{last.lat - half:.2f},"
            f"{last.lon + half_lon:.2f},{last.lat + half:.2f}"
        )
        t0 = parse_utc(start) if start else last.time - timedelta(hours=6)
        t1 = parse_utc(end) if end else last.time + timedelta(hours=hours)
    if t1 <= t0:
        raise InputError("--to must come after --from")
    request = FetchRequest(area=_box(area), start=t0, end=t1, now=now)
    table = providers_for(
        [k.strip() for k in kinds.split(",") if k.strip()], ecmwf_url=ecmwf_url, gfs_url=gfs_url
    )
    library = _library()
    if quiet:
        report = fetch_forecasts(library, table, request)
    else:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("[bold]fetch[/]"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
            TextColumn("{task.description}"), TimeElapsedColumn(),
            console=Console(stderr=True), transient=True,
        ) as bar:  # fmt: skip
            task = bar.add_task("", total=None)

            def progress(done: int, total: int, name: str) -> None:
                bar.update(task, completed=done, total=total, description=Path(name).name)

            report = fetch_forecasts(library, table, request, progress=progress)
    for line in report.failed:
        typer.echo(f"warning: {line}", err=True)
    for line in report.lines:
        typer.echo(line)
    mb = sum(e.bytes for e in report.added) / 1e6
    typer.echo(f"{len(report.added)} files ({mb:.1f} MB) added to {library.root}")
    if not report.added and not report.skipped:
        raise typer.Exit(1)


@forcing_app.command("pack")
def pack(
    case_id: str = typer.Option(..., "--case", help="The case whose drift the pack serves."),
    hours: float = typer.Option(72.0, "--hours", help="The run's duration it serves, hours."),
    radius_km: float = typer.Option(
        None, "--radius-km", help="Half the box's side, km (default: the cloud's reach)."
    ),
    out: Path = typer.Option(None, "--out", help="The pack file (default in this folder)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing pack file."),
) -> None:
    """Cut the library to the area a case's cloud can reach, quantise and compress it."""
    from sarwatch.cli.context import station
    from sarwatch.services.forcing_pack import pack_area

    case = station().cases.get(case_id)
    last = case.last_position
    if last is None:
        raise InputError(
            f"case {case_id} has no position: report one first "
            f"(sarwatch case report {case_id} --lat .. --lon .. --time ..)"
        )
    target = out or Path(f"sarwatch-pack-{case_id}-{last.time:%Y%m%dT%H%MZ}.zip")
    report = pack_area(
        _library(), lon=last.lon, lat=last.lat, start=last.time, hours=hours, out=target,
        radius_km=radius_km, label=case_id, force=force,
    )  # fmt: skip
    for line in report.lines():
        typer.echo(line)
    typer.echo(f"aboard: sarwatch forcing unpack {target.name} --sha256 {report.sha256}")


@forcing_app.command("unpack")
def unpack(
    pack_file: Path = typer.Argument(..., help="A pack made by `sarwatch forcing pack`."),
    sha256: str = typer.Option(None, "--sha256", help="The pack's SHA-256 as sent ashore."),
) -> None:
    """Check a pack's hash and add its forecasts to the library."""
    from sarwatch.services.forcing_pack import unpack as unpack_pack

    entry = unpack_pack(_library(), pack_file, expected_sha256=sha256)
    typer.echo(
        f"added {entry.file}: {', '.join(entry.roles)}, {entry.time_start} to "
        f"{entry.time_end}, SHA-256 {entry.sha256[:16]}… checked"
    )


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch forcing`` to the root app."""
    app.add_typer(forcing_app, name="forcing")
