"""``sarwatch ais``: ingest AIS (files, network feeds, CSV exports), replay, query the archive.

``ingest`` writes the station's live-picture file, which a running ``sarwatch serve``
reads within a second, and the day-partitioned Parquet archive.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.progress import Progress

    from sarwatch.settings import Settings

__all__ = ["register"]

ais_app = typer.Typer(help="AIS: ingest feeds and files, replay for exercises, query the archive.")


def _settings() -> Settings:
    from sarwatch.cli.context import station

    return station().settings


@ais_app.command("ingest")
def ingest(
    source: str = typer.Argument(
        ...,
        help="An NMEA file (plain or .gz), a CSV export (--csv), udp://HOST:PORT, "
        "tcp://HOST:PORT (connect to a receiver) or wss://stream.aisstream.io/v0/stream.",
    ),
    csv_format: str = typer.Option(
        None,
        "--csv",
        help="Read SOURCE as a CSV export: dma (Danish Maritime Authority), noaa (Marine "
        "Cadastre) or generic (mmsi,time,lat,lon,sog,cog).",
    ),
    bbox: str = typer.Option(
        None, help="For wss://: lon_min,lat_min,lon_max,lat_max (default: Central Mediterranean)."
    ),
    archive: bool = typer.Option(True, "--archive/--no-archive", help="Also archive to Parquet."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    max_seconds: float = typer.Option(
        None, help="For network sources: stop after this many seconds (default: run until Ctrl-C)."
    ),
) -> None:
    """Decode AIS into the live picture (read by `sarwatch serve`) and the archive."""
    from sarwatch.services.ais_ingest import AisIngest, ingest_file, worth_a_process
    from sarwatch.services.ais_sources import parse_source

    settings = _settings()
    kind, target = parse_source(source)
    big_file = kind == "file" and not csv_format and worth_a_process(target)
    ingest_ = AisIngest.for_station(settings, archive=archive, process=big_file)
    try:
        if kind == "file" and csv_format:
            from sarwatch.services.ais_sources import ingest_csv

            ingest_csv(ingest_, Path(target), csv_format)
        elif kind == "file":
            path = Path(target)
            with _progress(path) as advance:
                ingest_file(ingest_, path, progress=advance)
        else:
            from sarwatch.services.ais_sources import ingest_network

            ingest_network(
                ingest_,
                kind,
                target,
                settings=settings,
                bbox=bbox,
                max_seconds=max_seconds,
                announce=lambda line: typer.echo(line, err=True),
            )
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)
    finally:
        summary = ingest_.close()
    if as_json:
        typer.echo(json.dumps(summary.as_dict(), indent=2))
    else:
        typer.echo(summary.text())


class _progress:
    """A progress bar on stderr for files over 20 MB read from a terminal."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._bar: Progress | None = None

    def __enter__(self) -> Callable[[int], None] | None:
        try:
            size = self.path.stat().st_size
        except OSError:
            size = 0
        if size < 20_000_000 or not sys.stderr.isatty():
            return None
        from rich.progress import Progress

        bar = self._bar = Progress(transient=True)
        bar.start()
        task = bar.add_task(f"ingesting {self.path.name}", total=size)
        return lambda done: bar.update(task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


@ais_app.command("replay")
def replay(
    path: Path = typer.Argument(..., help="A recorded NMEA file with tag-block times (or .gz)."),
    speed: float = typer.Option(60.0, help="Replay at this many times real time."),
    to: str = typer.Option(
        "store",
        help="Where to: 'store' (this station's live picture) or udp://HOST:PORT.",
    ),
) -> None:
    """Replay a recording at N x speed, for exercises (times shifted to now)."""
    from sarwatch.services.ais_sources import replay_file

    settings = _settings()
    summary = replay_file(
        path, speed=speed, to=to, settings=settings, announce=lambda s: typer.echo(s, err=True)
    )
    typer.echo(summary)


@ais_app.command("track")
def track(
    mmsi: int = typer.Argument(..., help="The vessel's MMSI."),
    start: datetime = typer.Option(..., "--from", help="UTC start, e.g. 2026-12-06T08:00"),
    end: datetime = typer.Option(None, "--to", help="UTC end (default: now)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """A vessel's archived track (Parquet archive, read with DuckDB)."""
    from sarwatch.services.ais_ingest import archive_track

    start = start if start.tzinfo else start.replace(tzinfo=UTC)
    end = end or datetime.now(UTC)
    end = end if end.tzinfo else end.replace(tzinfo=UTC)
    points = archive_track(_settings(), mmsi, start, end)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "time": p.time.isoformat(),
                        "lon": p.lon,
                        "lat": p.lat,
                        "sog_kn": p.sog_kn,
                        "cog_deg": p.cog_deg,
                    }
                    for p in points
                ],
                indent=1,
            )
        )
        return
    for p in points:
        sog = "-" if p.sog_kn is None else f"{p.sog_kn:.1f} kn"
        typer.echo(f"{p.time:%Y-%m-%d %H:%M:%S}Z  {p.lat:9.5f} {p.lon:10.5f}  {sog}")
    typer.echo(f"{len(points)} reports of {mmsi}")


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch ais``."""
    app.add_typer(ais_app, name="ais")
