"""``sarwatch assess``: zone, SAR regions, RCCs, places of safety and rules for a position.

One position (``--lat/--lon`` or ``--position``) prints a table, or one JSON object
with ``--json``; ``--csv`` assesses every row of a file and writes CSV or GeoJSON.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from sarwatch.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from rich.console import Console

    from sarwatch.services.assess import Assessment
    from sarwatch.settings import Settings

__all__ = ["register"]

_ZONE_LABELS = {
    "internal_or_land": "on land / internal waters",
    "territorial_sea": "territorial sea (within ~12 nm)",
    "contiguous_zone": "contiguous zone (12-24 nm)",
    "high_seas": "beyond 24 nm (high seas / EEZ)",
}

_CSV_FIELDS = [
    "row",
    "time",
    "lat",
    "lon",
    "on_land",
    "distance_to_coast_nm",
    "nearest_coast_state",
    "zone",
    "zone_state",
    "srr",
    "rccs",
    "nearest_place_of_safety",
    "nearest_place_of_safety_sea_distance_nm",
    "nearest_place_of_safety_eta_h",
    "places_of_safety",
    "excluded_ports",
    "rules",
    "notes",
    "error",
]


def assess(
    lat: str = typer.Option(None, "--lat", help='Latitude: 33.2, 33.2N or "33°12\'N".'),
    lon: str = typer.Option(None, "--lon", help='Longitude: 12.5, 12.5E or "012°30\'E".'),
    position: str = typer.Option(
        None, "--position", "-p", help="Both at once: \"33°12'N 012°30'E\", '33 12.0N 12 30.0E'."
    ),
    csv_file: Path = typer.Option(
        None,
        "--csv",
        help="Assess every row of a CSV file (columns lat, lon, optional time with zone).",
    ),
    out: Path = typer.Option(
        None, "--out", "-o", help="Batch output file: .csv or .geojson (default: CSV on stdout)."
    ),
    speed_kn: float = typer.Option(10.0, "--speed-kn", help="Ship's speed for ETAs, knots."),
    situation: str = typer.Option(
        "distress_alert", help="distress_alert or rescue_completed (selects the rules)."
    ),
    vessel: str = typer.Option("ngo", help="ngo, merchant or state (selects the rules)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    no_routes: bool = typer.Option(
        False, "--no-routes", help="Skip routing to places of safety (faster batches)."
    ),
    case_id: str = typer.Option(
        None, "--case", help="Attach the assessment (its inputs and result) to a case."
    ),
    actor: str = typer.Option(None, help="Who records the attachment (default cli:<login>)."),
) -> None:
    """Where is this, who is responsible, where can survivors go."""
    from sarwatch.cli.context import station

    settings = station().settings
    if csv_file is not None:
        if lat is not None or lon is not None or position is not None:
            raise InputError(
                "give either --csv or a position (--lat/--lon or --position), not both"
            )
        if out is not None:  # before the work, not after it
            from sarwatch._files import check_writable

            if out.suffix.lower() not in (".csv", ".geojson", ".json"):
                raise InputError(f"--out must end in .csv or .geojson, got {out.name!r}")
            check_writable(out, "--out file")
            if out.exists() and csv_file.exists() and out.samefile(csv_file):
                raise InputError(
                    f"--out {out} is the --csv file itself: the positions it holds (and any "
                    "column of yours) would be replaced by the answers; give another file, "
                    f"e.g. --out {out.with_name(out.stem + '-assessed' + out.suffix)}"
                )
        _batch(csv_file, out, settings, speed_kn, situation, vessel, route=not no_routes)
        return
    x, y = _read_position(lat, lon, position)
    attachments = None
    if case_id:  # an unknown or closed case is refused before the work
        from sarwatch.services.attachments import Attachments

        attachments = Attachments(station().cases)
        attachments.require_writable(case_id)
    from sarwatch.services.assess import assess_position

    result = assess_position(
        x,
        y,
        speed_kn=speed_kn,
        settings=settings,
        situation=situation,
        vessel=vessel,
        route=not no_routes,
    )
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        from rich.console import Console

        _print_human(result, Console())
    if attachments is not None:
        import getpass

        request = {"lon": x, "lat": y, "speed_kn": speed_kn, "situation": situation}
        request |= {"vessel": vessel, "routes": not no_routes}
        who = actor or f"cli:{getpass.getuser()}"
        attachments.assessment(case_id, request, result, actor=who)
        typer.echo(f"attached to case {case_id} (assessment)", err=as_json)


def _read_position(lat: str | None, lon: str | None, position: str | None) -> tuple[float, float]:
    from sarwatch.geo.position import parse_coordinate, parse_position

    if position is not None:
        if lat is not None or lon is not None:
            raise InputError("give either --position or --lat and --lon, not both")
        return parse_position(position)
    if lat is None or lon is None:
        raise InputError(
            "give a position: --lat 33.2 --lon 12.5, or --position \"33°12'N 012°30'E\", "
            "or --csv positions.csv"
        )
    return parse_coordinate(lon, "lon"), parse_coordinate(lat, "lat")


def _print_human(a: Assessment, console: Console) -> None:
    from rich.table import Table

    from sarwatch.geo.geodesy import format_bearing
    from sarwatch.geo.position import format_position
    from sarwatch.geo.zones import ZONE_NOTE

    d = a.to_dict()
    head = Table(title=f"Position {d['position']}", show_header=False, title_justify="left")
    head.add_column("what", style="bold")
    head.add_column("answer")
    if a.on_land:
        sea = a.nearest_sea_point
        assert sea is not None
        head.add_row("On land", f"yes — nearest sea point {format_position(*sea)}")
    bears = (
        ""
        if a.bearing_to_coast_deg_true is None
        else f" bearing {format_bearing(a.bearing_to_coast_deg_true)}"
    )
    head.add_row(
        "Nearest coast",
        f"{a.distance_to_coast_nm:.1f} nm{bears}, {a.nearest_coast_state or 'unknown State'}",
    )
    zone = _ZONE_LABELS.get(a.zone, a.zone)
    head.add_row("Zone (approx.)", f"{zone}{' of ' + a.zone_state if a.zone_state else ''}")
    head.add_row("SAR region(s)", ", ".join(a.srr) or "none of the packaged regions")
    head.add_row("Policy", f"{a.policy.policy_id} {a.policy.version} ({a.policy.origin})")
    console.print(head)
    console.print(f"[dim]Zones are {ZONE_NOTE}.[/]")

    if a.rccs:
        rcc = Table(title="Rescue coordination centres to inform", title_justify="left")
        for col in ("SRR", "RCC", "contacts", "source"):
            rcc.add_column(col)
        for r in a.rccs:
            contacts = ", ".join(c["value"] for c in r.contacts) or r.note
            rcc.add_row(r.srr_id, r.name, contacts, f"{r.source}; published {r.published}")
        console.print(rcc)
        console.print(f"[yellow]{d['rcc_warning']}[/]")

    if a.routed:
        pos = Table(
            title=f"Places of safety by sea (ETA at {a.speed_kn:g} kn)", title_justify="left"
        )
        for col, justify in (
            ("#", "right"),
            ("port", "left"),
            ("", "left"),
            ("sea nm", "right"),
            ("bears", "right"),
            ("ETA h", "right"),
            ("status", "left"),
        ):
            pos.add_column(col, justify=justify)  # type: ignore[arg-type]
        for i, p in enumerate(a.places_of_safety, start=1):
            status = "eligible" if p.status.status == "eligible" else "[bold yellow]CONTESTED[/]"
            pos.add_row(
                str(i),
                p.port.name,
                p.port.country,
                f"{p.sea_distance_nm:.1f}",
                format_bearing(p.bearing_deg_true),
                f"{p.eta_h:.1f}",
                status,
            )
        console.print(pos)
        for p in a.places_of_safety:
            if p.status.status != "eligible":
                console.print(
                    f"[yellow]{p.port.name}: {p.status.reason}[/] [dim]({p.status.source})[/]"
                )
                break
        if a.unreachable_ports:
            console.print(f"[red]No sea route found to: {', '.join(a.unreachable_ports)}[/]")
    if a.excluded_ports:
        exc = Table(title="Excluded as places of safety (nearest)", title_justify="left")
        for col in ("port", "", "nm (straight line)", "bears"):
            exc.add_column(col)
        for e in a.excluded_ports:
            exc.add_row(
                e.port.name,
                e.port.country,
                f"{e.great_circle_nm:.1f}",
                format_bearing(e.bearing_deg_true),
            )
        console.print(exc)
        seen = set()
        for e in a.excluded_ports:
            if (e.status.reason, e.status.source) not in seen:
                seen.add((e.status.reason, e.status.source))
                console.print(
                    f"[dim]Excluded because: {e.status.reason} Source: {e.status.source}[/]"
                )

    rules = Table(title="Duties and rules that apply", title_justify="left")
    for col in ("rule", "provision", "why"):
        rules.add_column(col)
    for s in a.rules:
        rules.add_row(s.rule.title, f"{s.rule.instrument}, {s.rule.provision}", s.why)
    console.print(rules)
    for note in a.notes:
        console.print(f"[italic]Note: {note}[/]")


def _read_rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            fields = {f.strip().lower(): f for f in reader.fieldnames or []}
            if "lat" not in fields or "lon" not in fields:
                raise InputError(
                    f"{path} must have columns 'lat' and 'lon' (and optionally 'time'); "
                    f"found {', '.join(reader.fieldnames or []) or 'no header'}"
                )
            return [
                {
                    "lat": (row.get(fields["lat"]) or "").strip(),
                    "lon": (row.get(fields["lon"]) or "").strip(),
                    "time": (row.get(fields["time"]) or "").strip() if "time" in fields else "",
                }
                for row in reader
            ]
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path} is not a readable UTF-8 CSV file ({exc})") from exc


def _batch(
    path: Path,
    out: Path | None,
    settings: Settings,
    speed_kn: float,
    situation: str,
    vessel: str,
    *,
    route: bool,
) -> None:
    import numpy as np
    from rich.console import Console
    from rich.progress import Progress

    from sarwatch.geo.coast import REGION
    from sarwatch.services.assess import assess_position, assess_positions, rccs

    if out is not None and out.suffix.lower() not in (".csv", ".geojson", ".json"):
        raise InputError(f"--out must end in .csv or .geojson, got {out.name!r}")
    rows = _read_rows(path)
    if not rows:
        raise InputError(f"{path} has a header but no positions")
    results, lon, lat, good = _parse_rows(rows)
    if not good:
        reasons = "; ".join(r["error"] for r in results[:3])
        raise InputError(
            f"none of the {len(rows)} rows of {path} could be read ({reasons}"
            f"{'; ...' if len(rows) > 3 else ''}); write lat and lon like 33.2 or 33 12.0N, "
            "and a time (optional) like 2026-11-20T04:10:00Z"
        )
    outside = ~REGION.contains(lon, lat)  # answered too: the service says what it lacks there
    console = Console(stderr=True)
    with Progress(console=console, transient=False) as progress:
        task = progress.add_task("assessing", total=len(good))
        if route:
            for j, i in enumerate(good):
                try:
                    a = assess_position(
                        float(lon[j]),
                        float(lat[j]),
                        speed_kn=speed_kn,
                        settings=settings,
                        situation=situation,
                        vessel=vessel,
                    )
                except InputError as exc:  # one bad row never stops the others
                    results[i]["error"] = f"data row {i + 1}: {exc}"
                else:
                    results[i].update(_row_from_assessment(a.to_dict()))
                progress.advance(task)
        else:
            chunk = 20_000
            for start in range(0, len(good), chunk):
                part = np.arange(start, min(start + chunk, len(good)))
                batch = assess_positions(lon[part], lat[part], settings=settings)
                srr_lists = batch.srr_lists()
                for k, j in enumerate(part.tolist()):
                    srr = srr_lists[k]
                    distance = float(batch.distance_to_coast_nm[k])
                    results[good[j]].update(
                        {
                            "on_land": bool(batch.on_land[k]),
                            "distance_to_coast_nm": (
                                round(distance, 2) if np.isfinite(distance) else None
                            ),
                            "nearest_coast_state": str(batch.nearest_coast_state[k]) or None,
                            "zone": str(batch.zone[k]),
                            "zone_state": str(batch.zone_state[k]) or None,
                            "srr": srr,
                            "rccs": [r.name for r in rccs(srr)],
                            "notes": _batch_notes(bool(outside[j]), distance),
                        }
                    )
                progress.advance(task, part.size)
    _write_batch(results, out)
    where = out if out is not None else "stdout"
    failed = [r["row"] for r in results if r.get("error")]
    n_outside = int(outside.sum())
    console.print(
        f"assessed {len(rows) - len(failed)} positions"
        + (f" ({n_outside} outside the packaged regions)" if n_outside else "")
        + f" -> {where}"
    )
    if failed:
        shown = ", ".join(map(str, failed[:10])) + (", ..." if len(failed) > 10 else "")
        console.print(
            f"[yellow]{len(failed)} row{'s' if len(failed) != 1 else ''} could not be read "
            f"(data row{'s' if len(failed) != 1 else ''} {shown}): the reason is in the "
            "'error' column[/]"
        )


def _parse_rows(
    rows: list[dict[str, str]],
) -> tuple[list[dict[str, Any]], npt.NDArray[np.float64], npt.NDArray[np.float64], list[int]]:
    """Each row's coordinates and time read: the output rows (a bad row keeps the text as
    given and its reason in ``error``), the good rows' lon and lat, and the good rows' indices.

    A time (optional) is checked as a case's times are: ISO 8601 with a zone, given out in
    UTC (``2026-11-23T04:10:00Z``), not before 1990 (a mistyped year). A future time is
    kept: an assessment does not depend on the time, and a planned waypoint may be ahead.
    """
    import numpy as np

    from sarwatch.geo.position import parse_coordinate

    results: list[dict[str, Any]] = []
    lon: list[float] = []
    lat: list[float] = []
    good: list[int] = []
    for i, row in enumerate(rows):
        result: dict[str, Any] = {"row": i + 1, "time": row["time"]}
        try:
            y = parse_coordinate(row["lat"], "lat")
            x = parse_coordinate(row["lon"], "lon")
            if row["time"]:
                result["time"] = _row_time(row["time"])
        except InputError as exc:
            result |= {"lat": row["lat"], "lon": row["lon"], "error": f"data row {i + 1}: {exc}"}
        else:
            result |= {"lat": y, "lon": x}
            lon.append(x)
            lat.append(y)
            good.append(i)
        results.append(result)
    return results, np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), good


def _row_time(text: str) -> str:
    """A row's time in ISO 8601 UTC (``2026-11-23T04:10:00Z``).

    Raises
    ------
    InputError
        A time that is not ISO 8601, has no zone, or lies before 1990 (a mistyped year).
    """
    from sarwatch.domain.events import format_time, parse_time
    from sarwatch.domain.intake import check_time_floor

    return format_time(check_time_floor(parse_time(text, "time"), "time"))


def _batch_notes(outside: bool, distance_nm: float) -> list[str]:
    """What a batch row without routing says about a position outside the packaged regions."""
    from sarwatch.geo.zones import OUTSIDE_SEARCH_NM

    if not outside:
        return []
    notes = ["outside the packaged regions: no SAR regions, RCCs or ports for this area"]
    if not math.isfinite(distance_nm):
        notes.append(f"no coast within {OUTSIDE_SEARCH_NM:g} nm")
    return notes


def _row_from_assessment(d: dict[str, Any]) -> dict[str, Any]:
    places = d["places_of_safety"]
    first = next((p for p in places if p["status"] == "eligible"), None)
    return {
        "on_land": d["on_land"],
        "distance_to_coast_nm": d["distance_to_coast_nm"],
        "nearest_coast_state": d["nearest_coast_state"],
        "zone": d["zone"],
        "zone_state": d["zone_state"],
        "srr": d["srr"],
        "rccs": [r["name"] for r in d["rccs"]],
        "nearest_place_of_safety": first["port"] if first else None,
        "nearest_place_of_safety_sea_distance_nm": first["sea_distance_nm"] if first else None,
        "nearest_place_of_safety_eta_h": first["eta_h"] if first else None,
        "places_of_safety": [{k: v for k, v in p.items() if k != "route"} for p in places],
        "excluded_ports": [e["port"] for e in d["excluded_ports"]],
        "rules": [r["id"] for r in d["rules"]],
        "notes": [n for n in d["notes"] if n.startswith(("outside the packaged", "no coast"))],
    }


def _csv_value(value: Any) -> str:
    """A result's value as a CSV cell; text that a spreadsheet would run as a formula (a
    bad row echoes what was typed: ``=HYPERLINK(...)``) gets a leading apostrophe."""
    from sarwatch.csv_cells import spreadsheet_text

    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        parts = []
        for v in value:
            if isinstance(v, dict):
                flag = " (CONTESTED)" if v.get("status") == "contested" else ""
                parts.append(f"{v['port']} {v['sea_distance_nm']} nm {v['eta_h']} h{flag}")
            else:
                parts.append(str(v))
        return spreadsheet_text("; ".join(parts))
    return spreadsheet_text(str(value))


def _write_batch(results: list[dict[str, Any]], out: Path | None) -> None:
    if out is not None and out.suffix.lower() in (".geojson", ".json"):
        features = [
            {
                "type": "Feature",
                "geometry": (
                    None  # a row that could not be read: its text and reason in properties
                    if r.get("error")
                    else {"type": "Point", "coordinates": [r["lon"], r["lat"]]}
                ),
                "properties": {
                    k: v for k, v in r.items() if k not in ("lat", "lon") or r.get("error")
                },
            }
            for r in results
        ]
        out.write_text(
            json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
            encoding="utf-8",
        )
        return
    fh = out.open("w", newline="", encoding="utf-8") if out is not None else sys.stdout
    try:
        writer = csv.DictWriter(fh, fieldnames=_CSV_FIELDS, lineterminator="\n")
        writer.writeheader()
        for r in results:
            writer.writerow({k: _csv_value(r.get(k)) for k in _CSV_FIELDS})
    finally:
        if out is not None:
            fh.close()


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch assess`` to the root app."""
    app.command("assess")(assess)
