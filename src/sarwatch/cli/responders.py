"""``sarwatch responders CASE_ID``: who can reach the case's boat first, from the live AIS
picture (:mod:`sarwatch.services.responders`).

The answer is that of ``GET /api/cases/{id}/responders`` (``--json``). An unknown case,
a case with neither drift run nor position: one line, exit status 2.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

import typer

__all__ = ["register"]


def _hours(h: float | None) -> str:
    """An ETA as a coordinator reads it, at most 11 characters: ``45 min``, ``12 h 05 min``,
    beyond 99 h in days and hours (``4 d 04 h``)."""
    if h is None:
        return "unreachable"
    hours, mins = divmod(round(h * 60), 60)
    if hours >= 100:
        days, rest = divmod(round(h), 24)
        return f"{days} d {rest:02d} h"
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


def _tcpa(h: float) -> str:
    """Time to the closest point of approach, hours; beyond ±99 h it says so (a vessel
    on a course that passes the target weeks from now is not approaching it)."""
    return f"{h:.1f}" if abs(h) < 99.95 else (">99" if h > 0 else "<-99")


def _lat_lon(lat: float, lon: float) -> str:
    """``35.2000N 5.3000W``: degrees with the hemisphere (west of Greenwich, e.g. the
    Alboran Sea, is W, not a negative E)."""
    return f"{abs(lat):.4f}{'N' if lat >= 0 else 'S'} {abs(lon):.4f}{'E' if lon >= 0 else 'W'}"


def _left_out(answer: dict[str, Any]) -> str:
    """The vessels of the picture that were not ranked, and why, in one line ('' if none)."""
    left = answer.get("left_out") or {}
    parts = []
    if left.get("older"):
        parts.append(
            f"{left['older']} whose last report is older than "
            f"{answer['max_report_age_h']:g} h (--max-age-h)"
        )
    if left.get("ahead"):
        parts.append(
            f"{left['ahead']} whose report time is more than 5 min ahead of this "
            "station's clock (check the clock of the receiver or of the file)"
        )
    if left.get("sart"):
        parts.append(f"{left['sart']} distress beacon(s) (AIS-SART, MOB, EPIRB)")
    if not parts:
        return ""
    n = sum(int(left.get(k) or 0) for k in ("older", "ahead", "sart"))
    return f"left out {n} vessel(s): " + "; ".join(parts)


#: The table's ``via`` column: how a vessel's ETAs were found (``eta_basis``).
_VIA = {"sea_route": "sea", "straight_line": "line"}


def _print(answer: dict[str, Any], limit: int) -> None:
    from rich.console import Console

    console = Console()
    cloud = answer["cloud"]
    centre = cloud["centroid"]
    if cloud["source"] == "drift_run":
        what = f"drift run {cloud['run_id']} ({cloud['particles']:,} particles)"
    else:
        what = "the last known position (no drift cloud)"
    console.print(
        f"case {answer['case_id']} at {answer['computed_at']}: target {what}, centre "
        f"{_lat_lon(centre['lat'], centre['lon'])} drifting {cloud['drift_kn']:.1f} kn "
        f"to {cloud['drift_to_deg']:03.0f}°",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    if cloud["note"]:
        console.print(f"note: {cloud['note']}", highlight=False, soft_wrap=True)
    vessels = answer["vessels"]
    left = _left_out(answer)
    if left:
        console.print(left, highlight=False, markup=False, soft_wrap=True)
    if not vessels:
        console.print(
            ("no vessel to rank" if left else "no vessels in the live AIS picture")
            + f" (reports of the last {answer['max_report_age_h']:g} h): feed it first "
            "(sarwatch ais ingest FILE|udp://HOST:PORT|tcp://HOST:PORT)",
            highlight=False,
            markup=False,
            soft_wrap=True,
        )
        return
    console.print(
        f"{'#':>3} {'vessel':<22} {'MMSI':>9} {'type':<15} {'ETA 50%':>11} {'ETA 90%':>11} "
        f"{'via':<4} {'reach':>5} {'nm':>6} {'kn':>5} {'report':>10} {'CPA nm':>6} {'TCPA h':>6}",
        highlight=False, soft_wrap=True,
    )  # fmt: skip
    for i, v in enumerate(vessels[:limit], 1):
        name = ((v["name"] or "?")[:16] + (" [SAR]" if v["sar"] else ""))[:22]
        speed = f"{v['speed_kn']:.1f}" + ("*" if v["speed_basis"] == "assumed" else "")
        age = f"{v['report_age_min']:.0f} min"
        if v["eta_uncertainty_h"]:
            age += f" ±{v['eta_uncertainty_h'] * 60:.0f}"
        console.print(
            f"{i:>3} {name:<22} {v['mmsi']:>9} {v['type']:<15} {_hours(v['eta_p50_h']):>11} "
            f"{_hours(v['eta_p90_h']):>11} {_VIA[v['eta_basis']]:<4} "
            f"{v['reachable_fraction']:>5.0%} "
            f"{v['distance_nm']:>6.1f} {speed:>5} {age:>10} {v['cpa_nm']:>6.1f} "
            f"{_tcpa(v['tcpa_h']):>6}",
            highlight=False, soft_wrap=True, markup=False,
        )  # fmt: skip
    for v in vessels[:limit]:
        if v.get("land_between"):
            console.print(
                f"land between: {v['name'] or v['mmsi']}'s sea route is {v['sea_nm']:.1f} nm "
                f"(straight {v['distance_nm']:.1f} nm): about +{v['sea_extra_h'] * 60:.0f} min, "
                "in its ETAs",
                highlight=False, markup=False, soft_wrap=True,
            )  # fmt: skip
    for v in vessels[:limit]:
        if v.get("note"):
            console.print(f"{v['name'] or v['mmsi']}: {v['note']}", highlight=False,
                          markup=False, soft_wrap=True)  # fmt: skip
    more = len(vessels) - limit
    assumed = any(v["speed_basis"] == "assumed" for v in vessels[:limit])
    console.print(
        (f"... and {more} more (--limit, or --json for all); " if more > 0 else "")
        + "via: sea = ETAs by sea route around the land, line = by straight line (not routed: "
        "land may lie between); "
        + ("* speed assumed (the vessel reports less, none, or over 50 kn); " if assumed else "")
        + "± the ETA the report's age may add (minutes)",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


def responders(
    case_id: str = typer.Argument(..., help="Case id, e.g. 2018-03-15-LY-001."),
    json_out: bool = typer.Option(False, "--json", help="Print the ranking as JSON."),
    attach: bool = typer.Option(
        False, "--attach", help="Attach the ranking and the AIS picture used to the case."
    ),
    drift_run: str = typer.Option(
        None, "--drift-run", help="A run id or directory instead of the case's latest run."
    ),
    max_age_h: float = typer.Option(6.0, "--max-age-h", help="Leave out older reports (h)."),
    min_speed_kn: float = typer.Option(
        8.0, "--min-speed-kn", help="Speed assumed for vessels reporting less (kn)."
    ),
    limit: int = typer.Option(20, "--limit", help="Vessels shown (the JSON has all)."),
    actor: str = typer.Option(None, help="Who records the attachment (default cli:<login>)."),
) -> None:
    """Rank the vessels of the live AIS picture by their time to reach the case's target."""
    from sarwatch.cli.context import station
    from sarwatch.services.responders import responders as rank
    from sarwatch.services.responders_land import land_options

    st = station()
    answer = rank(
        st.cases,
        st.vessels,
        Path(st.settings.home_dir),
        case_id,
        **land_options(st.settings.cache_dir),
        attach_as=(actor or f"cli:{getpass.getuser()}") if attach else None,
        drift_run=drift_run,
        max_age_h=max_age_h,
        min_speed_kn=min_speed_kn,
    )
    if json_out:
        typer.echo(json.dumps(answer, indent=1))
        return
    _print(answer, max(limit, 1))
    if attach:
        typer.echo(
            f"attached to case {case_id} (responders; AIS picture SHA-256 "
            f"{answer['attachment']['picture_sha256']})"
        )


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch responders`` to the root app."""
    app.command("responders")(responders)
