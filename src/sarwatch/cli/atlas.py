"""``sarwatch atlas``: where do boats leaving these departures end up, season-wide (Dask)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

from sarwatch.drift.config import DEFAULTS
from sarwatch.errors import InputError

__all__ = ["parse_interval", "register"]

_UNITS = {"min": 60, "m": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> timedelta:
    """``6h``, ``30min``, ``1d`` as a :class:`~datetime.timedelta`.

    Examples
    --------
    >>> parse_interval("6h"), parse_interval("90min")
    (datetime.timedelta(seconds=21600), datetime.timedelta(seconds=5400))
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(min|m|h|d)\s*", text)
    if m is None or float(m.group(1)) <= 0:
        raise InputError(f"--every {text!r}: give an interval such as 6h, 30min or 1d")
    return timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2)])


def _day_or_time(text: str, what: str) -> datetime:
    """``2024-01-01`` (midnight UTC) or an ISO 8601 time with a zone."""
    from sarwatch.cli.drift import parse_utc

    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        return datetime.fromisoformat(text.strip()).replace(tzinfo=UTC)
    try:
        return parse_utc(text)
    except InputError as exc:
        raise InputError(f"{what}: {exc}") from None


#: Up to this many departures the command prints each one's point and landfall; beyond,
#: the whole (PORTS' twelve departure ports are listed: a monitor's usual atlas).
_ASHORE_LINES = 20


def atlas(
    departures: str = typer.Option(
        ...,
        "--departures",
        help="CSV file (name,lon,lat: points taken as given), port ids (LYZUA,TNSFA) or PORTS "
        "(a port's boats start from its departure point at sea).",
    ),
    start_from: str = typer.Option(..., "--from", help="First start: 2024-01-01 or ISO time."),
    start_to: str = typer.Option(..., "--to", help="Last start (inclusive)."),
    every: str = typer.Option("6h", "--every", help="Interval between starts: 6h, 30min, 1d."),
    hours: float = typer.Option(DEFAULTS.hours, "--hours", help="Length of each run, hours."),
    object_class: str = typer.Option(DEFAULTS.object_class, "--object", help="Object class."),
    particles: int = typer.Option(1000, "--particles", help="Particles per scenario."),
    output_min: float = typer.Option(360.0, "--output-min", help="Lead-time interval, min."),
    dt_min: float = typer.Option(DEFAULTS.dt_min, "--dt-min", help="Time step, minutes."),
    radius_m: float = typer.Option(DEFAULTS.radius_m, "--radius-m", help="Start spread, m."),
    cell_deg: float = typer.Option(0.1, "--cell-deg", help="Presence grid cell, degrees."),
    winds: list[str] = typer.Option(None, "--winds", help="Wind files (NetCDF/GRIB)."),
    currents: list[str] = typer.Option(None, "--currents", help="Current files."),
    stokes: list[str] = typer.Option(None, "--stokes", help="Stokes drift files."),
    wind_kn: float = typer.Option(None, "--wind-kn", help="On-scene wind speed, knots."),
    wind_from: float = typer.Option(None, "--wind-from", help="Wind from, degrees true."),
    wind_sigma_kn: float = typer.Option(0.0, "--wind-sigma-kn", help="Wind sigma, knots."),
    current_kn: float = typer.Option(None, "--current-kn", help="On-scene current, knots."),
    current_to: float = typer.Option(None, "--current-to", help="Current to, degrees true."),
    current_sigma_kn: float = typer.Option(0.0, "--current-sigma-kn", help="Current sigma, kn."),
    seed: int = typer.Option(0, "--seed", help="Base seed, mixed into every scenario's seed."),
    retries: int = typer.Option(1, "--retries", help="Retries of a failed task."),
    batch: int = typer.Option(None, "--batch", help="Scenarios per task (default: auto)."),
    workers: int = typer.Option(2, "--workers", help="LocalCluster worker processes."),
    scheduler: str = typer.Option(None, "--scheduler", help="tcp://HOST:PORT of a scheduler."),
    threads: bool = typer.Option(False, "--threads", help="Workers as threads, not processes."),
    out: Path = typer.Option(Path("atlas.nc"), "--out", help="Output: .nc (CF) or .zarr."),
    png: bool = typer.Option(True, "--png/--no-png", help="Also draw the maps: OUT's name, .png."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or table."),
) -> None:
    """Run a drift atlas: one scenario per departure and start time, as Dask tasks."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from sarwatch.cli.drift import _expand
    from sarwatch.drift.atlas_grid import AtlasGrid
    from sarwatch.drift.config import DriftConfig
    from sarwatch.geo.coast import REGION
    from sarwatch.geo.position import format_position
    from sarwatch.services.atlas import AtlasRequest, ForcingSpec, run_atlas
    from sarwatch.services.atlas_departures import load_departures
    from sarwatch.services.atlas_files import (
        atlas_dataset,
        check_atlas_path,
        write_atlas,
        write_atlas_map,
    )

    console = Console(stderr=True, quiet=quiet)
    req = AtlasRequest(
        departures=load_departures(departures),
        start_first=_day_or_time(start_from, "--from"),
        start_last=_day_or_time(start_to, "--to"),
        every=parse_interval(every),
        config=DriftConfig(
            object_class=object_class,
            hours=hours,
            particles=particles,
            output_min=output_min,
            dt_min=dt_min,
            radius_m=radius_m,
            wind_sigma_kn=wind_sigma_kn,
            current_sigma_kn=current_sigma_kn,
        ),
        forcing=ForcingSpec(
            winds=tuple(str(p) for p in _expand(winds)),
            currents=tuple(str(p) for p in _expand(currents)),
            stokes=tuple(str(p) for p in _expand(stokes)),
            wind_kn=wind_kn,
            wind_from_deg=wind_from,
            current_kn=current_kn,
            current_to_deg=current_to,
            wind_sigma_kn=wind_sigma_kn,
            current_sigma_kn=current_sigma_kn,
        ),
        grid=AtlasGrid(REGION.lon_min, REGION.lat_min, REGION.lon_max, REGION.lat_max, cell_deg),
        base_seed=seed,
        retries=retries,
    )
    req.check()
    check_atlas_path(out)  # before the run, not after it
    if len(req.departures) <= _ASHORE_LINES:  # which point each departure's boats start from
        console.print("Departures (where the boats start):", highlight=False)
        for dep in req.departures:
            at = format_position(dep.lon, dep.lat, style="decimal", decimals=4)
            console.print(f"  {dep.name} {at}: {dep.point or 'as given'}", highlight=False,
                          soft_wrap=True)  # fmt: skip
    else:
        console.print(
            f"{len(req.departures)} departures (each one's point and where it comes from in "
            f"{out}'s provenance: departures)",
            highlight=False,
        )
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console, transient=True,
    ) as bar:  # fmt: skip
        job = bar.add_task("scenarios", total=None)

        def on_start(link: str | None) -> None:
            where = scheduler or f"LocalCluster, {workers} worker(s)"
            console.print(f"Dask ({where}) dashboard: {link or 'not available (install bokeh)'}")

        result = run_atlas(
            req, workers=workers, scheduler=scheduler, processes=not threads, batch=batch,
            progress=lambda done, total: bar.update(job, completed=done, total=total),
            on_start=on_start,
        )  # fmt: skip
    write_atlas(result, out)
    c = result.counts
    console.print(
        f"{c.scenarios} scenarios × {req.config.particles} particles in {result.wall_s:.1f} s "
        f"-> {out}"
    )
    shares = c.class_shares(result.region_ids)
    last = result.lead_hours[-1]
    row = ", ".join(f"{k} {float(v[-1]):.1%}" for k, v in sorted(shares.items()))
    console.print(f"SAR-region classes at +{last:g} h: {row}")
    # "how much lies in the Maltese region": each region whole, overlaps counted in each
    regions = c.region_shares(result.region_ids)
    row = ", ".join(f"{k} {float(v[-1]):.1%}" for k, v in regions.items() if v[-1] > 0)
    console.print(f"SAR regions at +{last:g} h (overlaps in each): {row or 'none'}")
    if c.ashore_shares(result.coast_states):
        console.print(f"Ashore by +{last:g} h (stranded, by the State of the coast):")
        shown = req.departures if len(req.departures) <= _ASHORE_LINES else ()
        for k, dep in enumerate(shown):
            landed = c.ashore_shares(result.coast_states, departure=k)
            row = ", ".join(f"{s} {float(v[-1]):.1%}" for s, v in sorted(landed.items()))
            console.print(f"  {dep.name}: {row or 'none'}", highlight=False)
        if not shown:  # many departures: the whole, and each in the file
            landed = c.ashore_shares(result.coast_states)
            row = ", ".join(f"{s} {float(v[-1]):.1%}" for s, v in sorted(landed.items()))
            console.print(
                f"  all {len(req.departures)} departures: {row} (each departure's in {out}: "
                "ashore_share)",
                highlight=False,
            )
    if png and c.particles:
        console.print(f"maps -> {write_atlas_map(atlas_dataset(result), out.with_suffix('.png'))}")
    if result.failures:
        console.print(
            f"[red]{len(result.failures)} of {result.tasks} scenarios failed[/red] (not counted; "
            "listed in the file's provenance), e.g.: "
            f"{result.failures[0].departure} {result.failures[0].start:%Y-%m-%dT%H:%MZ}: "
            f"{result.failures[0].error}",
            markup=True,
            highlight=False,
        )
        raise typer.Exit(code=1)


def atlas_map(
    path: Path = typer.Argument(..., help="An atlas written by `sarwatch atlas` (.nc, .zarr)."),
    out: Path = typer.Option(
        None, "--out", help="The PNG (default: PATH's name, -DEPARTURE with --departure, .png)."
    ),
    lead: list[float] = typer.Option(
        None, "--lead", help="Lead time to draw, hours (repeat, up to 4; default: spread)."
    ),
    departure: str = typer.Option(
        None, "--departure", help="Only the boats leaving this departure (its name)."
    ),
) -> None:
    """Draw an atlas's probability of presence, up to four lead times side by side."""
    from sarwatch.services.atlas_files import open_atlas, write_atlas_map

    if out is not None:
        png = out
    elif departure is not None:  # not over the map of the whole that `sarwatch atlas` drew
        png = path.with_name(f"{path.stem}-{re.sub(r'[^A-Za-z0-9._-]+', '_', departure)}.png")
    else:
        png = path.with_suffix(".png")
    if len(lead or []) > 4:
        raise InputError(f"--lead given {len(lead)} times: at most 4 maps fit the image")
    drawn = write_atlas_map(open_atlas(path), png, leads=lead or None, departure=departure)
    typer.echo(f"maps -> {drawn}")


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch atlas`` and ``sarwatch atlas-map``."""
    app.command("atlas")(atlas)
    app.command("atlas-map")(atlas_map)
