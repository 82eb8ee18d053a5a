"""``sarwatch drift``: where is the boat now, where will it be, where did it come from."""

from __future__ import annotations

import glob
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from sarwatch.drift.config import DEFAULTS, LIMITS
from sarwatch.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from rich.console import Console

    from sarwatch.drift.result import DriftResult, RegionShare, RunSummary
    from sarwatch.services.drift import DriftRequest, ScenarioSpec

__all__ = ["parse_utc", "print_summary", "register"]


def parse_utc(text: str) -> datetime:
    """Parse an ISO 8601 time with a zone (``2026-11-20T04:10Z``, or a trailing ``UTC`` as
    people write it); refuse naive times.

    Examples
    --------
    >>> parse_utc("2026-11-20T04:10Z").isoformat()
    '2026-11-20T04:10:00+00:00'
    >>> parse_utc("2026-11-20 04:10 UTC").isoformat()
    '2026-11-20T04:10:00+00:00'
    """
    from sarwatch.domain.events import utc_word_as_z

    try:
        t = datetime.fromisoformat(utc_word_as_z(text).replace("z", "Z").replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputError(f"time {text!r} is not ISO 8601; expected e.g. 2026-11-20T04:10Z") from exc
    if t.tzinfo is None:
        raise InputError(f"time {text!r} has no time zone; add Z for UTC, e.g. 2026-11-20T04:10Z")
    return t.astimezone(UTC)


def _expand(items: list[str] | None) -> tuple[Path, ...]:
    out: list[Path] = []
    for item in items or []:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            matches = sorted(glob.glob(part)) if any(c in part for c in "*?[") else [part]
            if not matches:
                raise InputError(f"no forcing file matches {part!r}")
            out.extend(Path(m) for m in matches)
    return tuple(out)


def _observations(items: list[str] | None, what: str) -> tuple[tuple[datetime, float, float], ...]:
    """Parse ``TIME,SPEED_KN,DIRECTION_DEG`` observations."""
    out = []
    for item in items or []:
        parts = [p.strip() for p in item.split(",")]
        if len(parts) != 3:
            raise InputError(
                f"{what} observation {item!r}: expected TIME,SPEED_KN,DIRECTION_DEG, "
                "e.g. 2026-11-20T04:00Z,15,330"
            )
        try:
            speed, direction = float(parts[1]), float(parts[2])
        except ValueError as exc:
            raise InputError(
                f"{what} observation {item!r}: speed and direction must be numbers"
            ) from exc
        out.append((parse_utc(parts[0]), speed, direction))
    return tuple(out)


def _list_objects() -> None:
    from rich.console import Console
    from rich.table import Table

    from sarwatch.drift.leeway import leeway_categories, migrant_proxies

    table = Table(title="Leeway object classes")
    table.add_column("name")
    table.add_column("downwind slope %", justify="right")
    table.add_column("description")
    for name, mix in migrant_proxies().items():
        members = " + ".join(f"{w:.0%} {c.key}" for c, w in mix.members)
        table.add_row(name, "mix", f"{mix.description} = {members}")
    for c in leeway_categories():
        table.add_row(f"{c.index} {c.key}", f"{c.dwl_slope_pct:g}", c.description)
    Console().print(table)


def _seeding_scenario(
    lon: float,
    lat: float,
    radius_m: float,
    *,
    circle: bool,
    to_lon: float | None,
    to_lat: float | None,
    to_time: datetime | None,
    to_radius_m: float | None,
) -> tuple[ScenarioSpec, ...]:
    """The CLI's one seeding scenario: point (default), circle, line or cone.

    Returns an empty tuple for the default point release (the request's own position).
    """
    from sarwatch.services.drift import ScenarioSpec

    if (to_lon is None) != (to_lat is None):
        raise InputError("give both --to-lat and --to-lon for a line or cone, or neither")
    limit = LIMITS["radius_m"]  # the API's limit of a scenario's radius2_m
    if to_radius_m is not None and not limit.ok(to_radius_m):
        raise InputError(
            f"--to-radius-m {to_radius_m:g} is out of range: {limit.describe()}; "
            "give a value in that range"
        )
    if to_time is not None:
        return (
            ScenarioSpec(
                "cone", lon, lat, radius_m=radius_m,
                lon2=lon if to_lon is None else to_lon, lat2=lat if to_lat is None else to_lat,
                radius2_m=to_radius_m, time2=to_time,
            ),
        )  # fmt: skip
    if to_radius_m is not None:
        raise InputError("--to-radius-m is the radius of a cone's far end: give --to-time too")
    if to_lon is not None and to_lat is not None:
        if circle:
            raise InputError("--circle and a line (--to-lat/--to-lon) exclude each other")
        return (ScenarioSpec("line", lon, lat, radius_m=radius_m, lon2=to_lon, lat2=to_lat),)
    if circle:
        return (ScenarioSpec("circle", lon, lat, radius_m=radius_m),)
    return ()


_D = DEFAULTS  # the one place the defaults are written: sarwatch.drift.config
#: Why ``--quiet`` alone is refused before the run: it would print nothing and write nothing.
_QUIET_WITHOUT_OUTPUT = (
    "--quiet prints no summary, and no --out, --summary-json or --case was given: the run "
    "would be computed and thrown away; give --out DIR (drift.nc, drift.geojson, drift.png, "
    "summary.json), --summary-json FILE or --case ID, or leave out --quiet to see the summary"
)


def drift(
    lat: str = typer.Option(None, "--lat", help='Last known latitude: 33.2, 33.2N or "33 12.0N".'),
    lon: str = typer.Option(
        None, "--lon", help='Last known longitude: 12.5, 12.5E or "012 30.0E".'
    ),
    position: str = typer.Option(
        None, "--position", "-p", help="Both at once: \"33°12'N 012°30'E\", '33 12.0N 12 30.0E'."
    ),
    time: str = typer.Option(None, "--time", help="Time of that position, ISO 8601 with zone."),
    object_class: str = typer.Option(
        _D.object_class, "--object", help="Proxy, Leeway key or table number."
    ),
    hours: float = typer.Option(_D.hours, "--hours", help="Length of the run, hours (<= 240)."),
    backward: bool = typer.Option(
        _D.backward, "--backward", help="Run backward: where did it come from?"
    ),
    particles: int = typer.Option(_D.particles, "--particles", help="Number of particles."),
    dt_min: float = typer.Option(_D.dt_min, "--dt-min", help="Time step, minutes."),
    output_min: float = typer.Option(_D.output_min, "--output-min", help="Output interval, min."),
    radius_m: float = typer.Option(
        _D.radius_m, "--radius-m", help="Position uncertainty (sigma), m."
    ),
    circle: bool = typer.Option(
        False, "--circle", help="Seed uniformly over a disk of --radius-m instead of a Gaussian."
    ),
    to_lat: str = typer.Option(
        None, "--to-lat", help="Second position (line or cone), latitude, degrees."
    ),
    to_lon: str = typer.Option(
        None, "--to-lon", help="Second position (line or cone), longitude, degrees."
    ),
    to_time: str = typer.Option(
        None, "--to-time", help="Time at the second position: seed a cone released over time."
    ),
    to_radius_m: float = typer.Option(
        None, "--to-radius-m", help="Cone radius at the second end, m (default --radius-m)."
    ),
    currents: list[str] = typer.Option(
        None, "--currents", help="Current files (repeat, glob, or comma list)."
    ),
    winds: list[str] = typer.Option(
        None, "--winds", help="Wind files (repeat, glob, or comma list)."
    ),
    stokes: list[str] = typer.Option(None, "--stokes", help="Stokes drift files (optional)."),
    wind_kn: float = typer.Option(None, "--wind-kn", help="On-scene wind speed, knots."),
    wind_from: float = typer.Option(None, "--wind-from", help="On-scene wind from, degrees true."),
    wind_sigma_kn: float = typer.Option(
        _D.wind_sigma_kn, "--wind-sigma-kn", help="On-scene wind error (sigma per component), kn."
    ),
    current_kn: float = typer.Option(None, "--current-kn", help="On-scene current speed, knots."),
    current_to: float = typer.Option(
        None, "--current-to", help="On-scene current towards, degrees true."
    ),
    wind_obs: list[str] = typer.Option(
        None, "--wind-obs", help="On-scene wind series: TIME,KN,FROM_DEG (repeat)."
    ),
    current_obs: list[str] = typer.Option(
        None, "--current-obs", help="On-scene current series: TIME,KN,TO_DEG (repeat)."
    ),
    current_sigma_kn: float = typer.Option(
        _D.current_sigma_kn, "--current-sigma-kn", help="On-scene current error, kn."
    ),
    jibe_per_h: float = typer.Option(
        _D.jibe_per_h, "--jibe-per-h", help="Jibing probability per hour (0 <= p < 1)."
    ),
    diffusivity: float = typer.Option(
        _D.diffusivity_m2_s, "--diffusivity", help="Horizontal diffusivity, m²/s."
    ),
    capsizing: bool = typer.Option(
        _D.capsizing,
        "--capsize",
        help="Let the object capsize in strong wind (forward; backward: capsized ones recover).",
    ),
    capsize_wind_ms: float = typer.Option(
        _D.capsize_wind_ms,
        "--capsize-wind-ms",
        help="Wind at which the capsizing rate is 0.5 per hour (tanh ramp centre), m/s.",
    ),
    capsize_wind_sigma_ms: float = typer.Option(
        _D.capsize_wind_sigma_ms,
        "--capsize-wind-sigma-ms",
        help="Width of the capsizing ramp, m/s.",
    ),
    capsize_leeway_fraction: float = typer.Option(
        _D.capsize_leeway_fraction,
        "--capsize-leeway-fraction",
        help="Leeway of a capsized object as a fraction of its upright leeway.",
    ),
    scheme: str = typer.Option(
        _D.scheme, "--scheme", help="Integrator: midpoint (2nd order, default), rk2 or euler."
    ),
    seed: int = typer.Option(None, "--seed", help="Random seed (recorded in every output)."),
    max_tracks: int = typer.Option(
        _D.max_tracks,
        "--max-tracks",
        help="Particles whose tracks drift.nc keeps (a sample when the run has more).",
    ),
    out: Path = typer.Option(
        None, "--out", help="Write drift.nc, drift.geojson, drift.png, summary.json here."
    ),
    summary_json: Path = typer.Option(None, "--summary-json", help="Write the summary JSON here."),
    force: bool = typer.Option(
        False, "--force", help="Replace the outputs of an earlier run in --out."
    ),
    no_png: bool = typer.Option(False, "--no-png", help="Skip the PNG map."),
    list_objects: bool = typer.Option(
        False, "--list-objects", help="List the object classes and exit."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or tables."),
    case_id: str = typer.Option(
        None,
        "--case",
        help="Attach the run (request, seed, forcing hashes, outputs) to a case; without "
        "--lat/--lon/--time it starts from the case's last known position and its time.",
    ),
    actor: str = typer.Option(None, help="Who records the attachment (default cli:<login>)."),
    no_library: bool = typer.Option(
        False, "--no-library", help="Do not take forcing from the station's forecast library."
    ),
    max_forecast_age_h: float = typer.Option(
        None,
        "--max-forecast-age-h",
        help="Refuse library forecasts older than this at the run's start, hours (default 72).",
    ),
) -> None:
    """Predict the drift of a boat in distress (Leeway Monte Carlo), forward or backward."""
    from rich.console import Console

    if list_objects:
        _list_objects()
        return
    if case_id and position is None and lat is None and lon is None and time is None:
        x, y, start_time = _case_start(case_id)  # a case's drift starts where it was last seen
    else:
        x, y = _start_position(lat, lon, position, time)
        start_time = parse_utc(time)
    to_x = None if to_lon is None else _coordinate(to_lon, "lon", "--to-lon")
    to_y = None if to_lat is None else _coordinate(to_lat, "lat", "--to-lat")
    from sarwatch.cli.context import station
    from sarwatch.services.drift import (
        DriftRequest,
        check_drift_request,
        check_outputs,
    )

    check_outputs(out, summary_json, force=force)  # before any work, not after it
    settings = station().settings
    attachments = None
    if case_id:  # an unknown or closed case is refused before the run, not after it
        from sarwatch.services.attachments import Attachments

        attachments = Attachments(station().cases)
        attachments.require_writable(case_id)
    scenarios = _seeding_scenario(
        x, y, radius_m, circle=circle, to_lon=to_x, to_lat=to_y,
        to_time=parse_utc(to_time) if to_time else None, to_radius_m=to_radius_m,
    )  # fmt: skip
    req = DriftRequest(
        lon=x, lat=y, time=start_time, object_class=object_class, hours=hours,
        backward=backward, particles=particles, dt_min=dt_min, output_min=output_min,
        radius_m=radius_m, currents=_expand(currents), winds=_expand(winds),
        stokes=_expand(stokes), wind_kn=wind_kn, wind_from_deg=wind_from,
        wind_sigma_kn=wind_sigma_kn, current_kn=current_kn, current_to_deg=current_to,
        current_sigma_kn=current_sigma_kn, seed=seed, jibe_per_h=jibe_per_h,
        wind_obs=_observations(wind_obs, "wind"),
        current_obs=_observations(current_obs, "current"),
        diffusivity_m2_s=diffusivity, capsizing=capsizing,
        capsize_wind_ms=capsize_wind_ms, capsize_wind_sigma_ms=capsize_wind_sigma_ms,
        capsize_leeway_fraction=capsize_leeway_fraction,
        scheme=scheme,  # type: ignore[arg-type]
        scenarios=scenarios, max_tracks=max_tracks,
    )  # fmt: skip
    console = Console(stderr=True)
    if not no_library:  # the freshest forecasts covering the run, for the roles left open
        from sarwatch.services.forcing_choice import DEFAULT_MAX_AGE_H, library_forcing
        from sarwatch.services.forcing_library import ForcingLibrary, library_root

        req, choice = library_forcing(
            req,
            ForcingLibrary(library_root(Path(settings.home_dir))),
            max_age_h=DEFAULT_MAX_AGE_H if max_forecast_age_h is None else max_forecast_age_h,
        )
        from rich.markup import escape

        for line in choice.lines():
            if line in choice.warnings():
                console.print(f"[yellow]warning:[/] {escape(line)}", highlight=False,
                              soft_wrap=True)  # fmt: skip
            elif not quiet:
                console.print(f"forcing {line}", markup=False, highlight=False, soft_wrap=True)
    check_drift_request(req, cache_dir=settings.cache_dir)  # the API's limits and checks
    if quiet and out is None and summary_json is None and attachments is None:
        raise InputError(_QUIET_WITHOUT_OUTPUT)  # the run's only output would be discarded
    import getpass

    who = actor or f"cli:{getpass.getuser()}"
    opened = None
    if attachments is not None and out is None:
        # a run for a case is kept: its files go straight into a run of the station, as a
        # run started from the map, so that the case's attachment names it by its run id
        from sarwatch.services.kept_runs import open_kept_run

        opened = open_kept_run(Path(settings.home_dir) / "runs", case_id, req, actor=who)
        out = opened[0].run_dir(opened[1])
    try:
        result = _run(req, settings.cache_dir, out, summary_json, png=not no_png, quiet=quiet,
                      console=console)  # fmt: skip
    except BaseException as exc:
        if opened is not None:  # the kept run says why it has no outputs
            opened[0].update(opened[1], status="failed", error=str(exc),
                             error_type=type(exc).__name__)  # fmt: skip
        raise
    if not quiet:
        print_summary(result.summary, Console())
    elif out is not None and result.summary.tracks_sampled:
        typer.echo(result.summary.tracks_note(), err=True)
    from sarwatch.cli.safe_text import print_notice
    from sarwatch.drift.engine import compiled_in_process

    if compiled_in_process():
        print_notice(
            "note",
            "numba compiled the drift kernels during this run (their first use since sarwatch "
            "was installed or upgraded); run 'sarwatch compile' after installing so that no "
            "drift waits for it",
            style="bold yellow",
        )
    if attachments is not None:
        from sarwatch.services.kept_runs import attach_kept_run

        record = attach_kept_run(  # kept in the station's runs: a run id
            attachments, Path(settings.home_dir) / "runs", case_id, req, result, actor=who,
            opened=opened,
        )  # fmt: skip
        kept = f", run {record.run_id}" if record.run_id else ""
        typer.echo(f"attached to case {case_id} (drift_run, seed {result.summary.seed}{kept})")


def _run(
    req: DriftRequest,
    cache_dir: Path,
    out: Path | None,
    summary_json: Path | None,
    *,
    png: bool,
    quiet: bool,
    console: Console,
) -> DriftResult:
    """The drift, with a progress bar on ``console`` unless ``quiet``."""
    from sarwatch.services.drift import predict_drift

    if quiet:
        return predict_drift(
            req, cache_dir=cache_dir, out_dir=out, summary_json=summary_json, png=png
        )
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]drift[/]"), BarColumn(),
        TextColumn("{task.completed}/{task.total} steps"),
        TimeElapsedColumn(), console=console, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("drift", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return predict_drift(
            req, cache_dir=cache_dir, out_dir=out, summary_json=summary_json,
            progress=progress, png=png,
        )  # fmt: skip


def _coordinate(text: str, axis: str, flag: str) -> float:
    """One coordinate as people write it (``33.2``, ``33.2N``, ``33 12.0N``)."""
    from sarwatch.geo.position import parse_coordinate

    try:
        return parse_coordinate(text, axis)  # type: ignore[arg-type]
    except InputError as exc:
        raise InputError(f"{flag}: {exc}") from exc


def _case_start(case_id: str) -> tuple[float, float, datetime]:
    """``(lon, lat, time)`` of a case's last known position, said on stderr.

    Raises
    ------
    InputError
        A case without a position (unknown cases: :class:`NotFoundError`).
    """
    from sarwatch.cli.context import station
    from sarwatch.cli.safe_text import print_notice
    from sarwatch.geo.position import format_position

    last = station().cases.get(case_id).last_position
    if last is None:
        raise InputError(
            f"case {case_id} has no position: report one (sarwatch case report {case_id} "
            "--lat .. --lon .. --time ..) or give the drift's --lat, --lon and --time"
        )
    print_notice(
        "start",
        f"case {case_id}'s last known position {format_position(last.lon, last.lat)} at "
        f"{last.time:%Y-%m-%dT%H:%M:%SZ} (give --lat, --lon and --time to start elsewhere)",
        style="bold",
    )
    return last.lon, last.lat, last.time


def _start_position(
    lat: str | None, lon: str | None, position: str | None, time: str | None
) -> tuple[float, float]:
    """``(lon, lat)`` of the start from ``--position`` or ``--lat``/``--lon``."""
    from sarwatch.geo.position import parse_position

    if position is not None and (lat is not None or lon is not None):
        raise InputError("give either --position or --lat and --lon, not both")
    missing = (
        []
        if position is not None
        else [n for n, v in (("--lat", lat), ("--lon", lon)) if v is None]
    )
    missing += ["--time"] if time is None else []
    if missing:
        raise InputError(
            f"missing {', '.join(missing)}: a drift needs a position (--lat 33.2 --lon 12.5, "
            "or --position \"33°12'N 012°30'E\") and its time (--time 2026-11-20T04:10Z)"
        )
    if position is not None or lat is None or lon is None:
        return parse_position(str(position))
    y = _coordinate(lat, "lat", "--lat")  # latitude first, as people say and write it
    return _coordinate(lon, "lon", "--lon"), y


#: The SAR-share key of particles outside the packaged regions (``services.drift_stats``).
OUTSIDE_KEY = "outside_packaged_regions"
#: Short labels of the table's SRR-share keys, explained under the table.
_SHARE_LABELS = {OUTSIDE_KEY: "out*"}


def _lat_lon(lat: float, lon: float, decimals: int = 3, unit: str = "") -> str:
    """``33.200N 12.500E`` / ``36.500N 4.400W``: hemisphere letters, never a minus sign."""
    ns = "N" if lat >= 0 else "S"
    ew = "E" if lon >= 0 else "W"
    return f"{abs(lat):.{decimals}f}{unit}{ns} {abs(lon):.{decimals}f}{unit}{ew}"


def _table_shares(srr_share: Sequence[RegionShare]) -> list[tuple[str, float]]:
    """The non-zero shares to show; ``none`` counts only the particles inside the packaged
    regions (those outside are shown once, as ``out*``)."""
    shares = {r.region: r.share for r in srr_share}
    if OUTSIDE_KEY in shares and "none" in shares:
        shares["none"] = max(shares["none"] - shares[OUTSIDE_KEY], 0.0)
    return [(region, share) for region, share in shares.items() if share > 1e-9]


def print_summary(s: RunSummary, console: Console) -> None:
    """The run in a few lines and a table of the main output times that fits 80 columns."""
    from rich import box
    from rich.table import Table

    from sarwatch.drift.result import iso_utc
    from sarwatch.geo.units import M_PER_NM

    console.print(
        f"[bold]{s.object}[/] {s.time_direction} {s.hours:g} h from "
        f"{_lat_lon(s.start.lat, s.start.lon, 4, '°')} {iso_utc(s.start.time)}: "
        f"{s.n} particles, {s.steps} steps, "
        f"seed {s.seed}, {s.wall_s:.2f} s ({s.particle_steps_per_s / 1e6:.1f} M particle-steps/s)"
    )
    if s.timings_s:
        console.print("time: " + ", ".join(f"{k} {v:.2f} s" for k, v in s.timings_s.items()))
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1), show_edge=False)
    for col, justify in (
        ("h", "right"), ("time UTC", "left"), ("centroid", "left"), ("std nm", "right"),
        ("50/90/95% nm²", "right"), ("strand", "right"),
    ):  # fmt: skip
        table.add_column(col, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    table.add_column("SRR share", overflow="fold")
    marks = {6.0, 12.0, 24.0, 48.0, abs(s.hours)}
    outside_shown = False
    for o in s.outputs:
        if abs(o.hours) not in marks:
            continue
        # nautical miles, as the search plan and the chart: the summary keeps km
        areas = {c.percent: c.area_km2 * 1e6 / M_PER_NM**2 for c in o.containment}
        c = "-" if not math.isfinite(o.centroid_lat) else _lat_lon(o.centroid_lat, o.centroid_lon)
        shares = _table_shares(o.srr_share)
        outside_shown |= any(region == OUTSIDE_KEY for region, _ in shares)
        table.add_row(
            f"{o.hours:+g}", str(o.time.astype("datetime64[m]"))[5:].replace("T", " "), c,
            f"{o.std_km * 1000 / M_PER_NM:.1f}" if math.isfinite(o.std_km) else "-",
            "/".join(f"{areas.get(k, 0):.0f}" for k in (50, 90, 95)),
            f"{o.stranded_share:.0%}",
            " ".join(f"{_SHARE_LABELS.get(key, key)} {share:.0%}" for key, share in shares),
        )  # fmt: skip
    console.print(table)
    if outside_shown:
        from sarwatch.geo.coast import REGION

        console.print(
            f"{_SHARE_LABELS[OUTSIDE_KEY]} outside the packaged regions ({REGION.describe()}): "
            "sarwatch has no SAR-region data there"
        )
    for kind, path in s.files.items():
        console.print(f"{kind}: {path}", markup=False, highlight=False)  # paths as given
    if s.files.get("netcdf") and s.tracks_sampled:
        console.print(s.tracks_note())


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch drift`` to the root app."""
    app.command("drift")(drift)
