"""Routes as plain text in degrees and decimal minutes, and as 160-character SMS.

For a crew without a chart plotter link: read over a satellite phone, sent by
e-mail, or typed into a GPS by hand. One line per waypoint, latitude first, minutes
to 0.1' (about 185 m), with the ETA as a day-time group (``061230Z``: the 6th,
12:30 UTC)::

    SAR Aurora: expanding square, 10 kn, start 2026-12-06 12:00Z
    CSP 33°12.0'N 012°30.0'E 061200Z
    WP1 33°13.0'N 012°30.0'E 061206Z

:func:`sms_chunks` writes the same lines without degree signs (``33 12.0N 012 30.0E``:
every character in the GSM 7-bit basic alphabet, so a message holds 160 of them),
numbered ``1/3``, ``2/3`` ..., never splitting a waypoint across messages.

Examples
--------
>>> from datetime import datetime, timezone
>>> from sarwatch.planning.types import Route, Waypoint
>>> t0 = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
>>> r = Route(name="Aurora", pattern="expanding_square", speed_kn=10.0,
...           waypoints=(Waypoint(lon=12.5, lat=33.2, eta=t0, name="CSP"),))
>>> print(route_text(r))
SAR Aurora: expanding square, 10 kn, start 2026-12-06 12:00Z
CSP 33°12.0'N 012°30.0'E 061200Z
>>> print(sms_chunks(r)[0])
1/1 SAR Aurora: expanding square, 10 kn, start 2026-12-06 12:00Z
CSP 33 12.0N 012 30.0E 061200Z
"""

from __future__ import annotations

import textwrap
from datetime import UTC
from pathlib import Path

from sarwatch.adapters.exports._route_common import check_routes, route_path
from sarwatch.errors import InputError
from sarwatch.geo.position import format_position
from sarwatch.planning.types import Route

__all__ = ["GSM7_BASIC", "SMS_LIMIT", "route_lines", "route_text", "sms_chunks", "write_text"]

#: Characters of a single-part SMS in the GSM 03.38 7-bit default alphabet.
SMS_LIMIT = 160

#: The GSM 03.38 basic character set's printable ASCII subset (each counts as one).
GSM7_BASIC = frozenset(
    "@$\n\r !\"#%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
)


def _position(lon: float, lat: float, *, ascii_only: bool) -> str:
    text = format_position(lon, lat, style="dm", decimals=1)
    return text.replace("°", " ").replace("'", "") if ascii_only else text


def route_lines(route: Route, *, ascii_only: bool = False) -> list[str]:
    """Header, one line per waypoint, then one ``NB:`` line per warning."""
    check_routes([route])
    first = route.waypoints[0].eta
    start = "" if first is None else f", start {first.astimezone(UTC):%Y-%m-%d %H:%MZ}"
    lines = [f"SAR {route.name}: {route.pattern.replace('_', ' ')}, {route.speed_kn:g} kn{start}"]
    for w in route.waypoints:
        eta = "" if w.eta is None else f" {w.eta.astimezone(UTC):%d%H%MZ}"
        lines.append(f"{w.name} {_position(w.lon, w.lat, ascii_only=ascii_only)}{eta}")
    lines.extend(f"NB: {warning}" for warning in route.warnings)
    if ascii_only:
        lines = [
            "".join(c if c in GSM7_BASIC else "?" for c in ln.replace("°", " ")) for ln in lines
        ]
    return lines


def route_text(route: Route) -> str:
    """The route as text lines (degree signs, minutes to 0.1', ETAs)."""
    return "\n".join(route_lines(route))


def write_text(route: Route, directory: Path | str) -> Path:
    """Write ``DIRECTORY/<name>.txt`` (UTF-8) and return its path."""
    path = route_path(directory, route, ".txt")
    path.write_text(route_text(route) + "\n", encoding="utf-8")
    return path


def _pack(lines: list[str], width: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in lines:
        candidate = line if not current else f"{current}\n{line}"
        if len(candidate) <= width:
            current = candidate
        else:
            if current:
                chunks.append(current)
            current = line
    if current:
        chunks.append(current)
    return chunks


def sms_chunks(route: Route, *, limit: int = SMS_LIMIT) -> list[str]:
    """The route as numbered SMS texts of at most ``limit`` GSM 7-bit characters.

    Waypoint lines are never split; a long warning is wrapped at spaces.

    Raises
    ------
    InputError
        If ``limit`` leaves no room for a waypoint line.
    """
    lines = route_lines(route, ascii_only=True)
    for digits in range(1, 5):
        prefix = len(f"{10**digits - 1}/{10**digits - 1} ")
        width = limit - prefix
        longest = max(len(ln) for ln in lines if not ln.startswith("NB: "))
        if width < longest:
            raise InputError(
                f"an SMS limit of {limit} characters leaves no room for a waypoint line "
                f"({longest} characters): use at least {longest + prefix}"
            )
        wrapped = [part for ln in lines for part in textwrap.wrap(ln, width) or [""]]
        chunks = _pack(wrapped, width)
        if len(chunks) < 10**digits:
            n = len(chunks)
            return [f"{k}/{n} {c}" for k, c in enumerate(chunks, start=1)]
    raise InputError("the route is too long for SMS: send the GPX or the text by e-mail")
