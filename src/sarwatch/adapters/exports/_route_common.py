"""What the route exporters share: file names, UTC times, per-leg speeds.

Examples
--------
>>> route_file_stem("Aurora / RHIB 2")
'Aurora_RHIB_2'
>>> from datetime import datetime, timezone
>>> utc_z(datetime(2026, 12, 6, 12, 0, 30, 400000, tzinfo=timezone.utc))
'2026-12-06T12:00:30Z'
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sarwatch.errors import InputError
from sarwatch.geo.geodesy import geodesic_distance_nm
from sarwatch.planning.types import Route

__all__ = ["check_routes", "leg_speeds_kn", "route_file_stem", "route_path", "utc_z"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def route_file_stem(name: str) -> str:
    """A file name stem for a route: letters, digits, ``.``, ``_`` and ``-`` only.

    Raises
    ------
    InputError
        If nothing usable is left of the name.
    """
    stem = _UNSAFE.sub("_", name.strip()).strip("._")
    if not stem:
        raise InputError(
            f"the route name {name!r} gives no usable file name: use letters or digits"
        )
    return stem


def route_path(directory: Path | str, route: Route, suffix: str) -> Path:
    """``DIRECTORY/<stem of the route's name><suffix>``."""
    return Path(directory) / f"{route_file_stem(route.name)}{suffix}"


def utc_z(t: datetime) -> str:
    """An aware time as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds)."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise InputError(f"route times must be timezone-aware UTC, got {t!r}")
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_routes(routes: Sequence[Route], *, min_points: int = 1) -> None:
    """Refuse an empty list or a route with too few waypoints, with what to do."""
    if not routes:
        raise InputError("nothing to export: give at least one route")
    for r in routes:
        if not isinstance(r, Route):
            raise InputError(f"expected planning.types.Route objects, got {type(r).__name__}")
        if len(r.waypoints) < min_points:
            raise InputError(
                f"route {r.name!r} has {len(r.waypoints)} waypoint(s); this format needs "
                f"at least {min_points}"
            )


def leg_speeds_kn(route: Route) -> list[float | None]:
    """Speed over the ground on each leg from its length and the ETAs, knots.

    Equal to the planned speed for an uncompensated pattern; different on the legs
    of a drift-compensated one. ``None`` where a leg has no time.
    """
    wps = route.waypoints
    out: list[float | None] = []
    for a, b in itertools.pairwise(wps):
        if a.eta is None or b.eta is None or b.eta <= a.eta:
            out.append(None)
            continue
        d = float(geodesic_distance_nm(a.lon, a.lat, b.lon, b.lat))
        out.append(d / ((b.eta - a.eta).total_seconds() / 3600.0))
    return out
