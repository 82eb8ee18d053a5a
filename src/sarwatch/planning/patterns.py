"""IAMSAR search patterns as timed routes: expanding square, sector, parallel track,
creeping line and track line.

Each pattern is laid out in a local plane around an origin (the datum, or the centre
of the search area): a point ``(east_nm, north_nm)`` of the plane is the point reached
from the origin along the geodesic of azimuth ``atan2(east, north)`` and length
``hypot(east, north)`` (an azimuthal equidistant projection on WGS84 through
:func:`sarwatch.geo.geodesy.destination`). Distances from the origin are exact; leg
lengths and turn angles are true to better than 1e-4 relative for patterns a few tens
of nautical miles across; a leg's true course differs from its course in the plane by
the meridians' convergence, about Δlon·sin(lat) (0.06° at 7 nm from the origin at
33°N). ETAs come from the geodesic length of each leg and the planned speed.
Geometry and first-leg conventions: ``search_planning.md`` section 9.

Every generator returns a :class:`~sarwatch.planning.types.Route` whose first
waypoint is the commence search point (CSP), timed at ``start``.

Examples
--------
>>> from datetime import datetime, timezone
>>> t0 = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
>>> r = expanding_square(12.5, 33.2, spacing_nm=1.0, n_legs=5, first_leg_deg=0.0,
...                      speed_kn=10.0, start=t0, name="Aurora")
>>> [round(x, 3) for x in leg_lengths_nm(r)]
[1.0, 1.0, 2.0, 2.0, 3.0]
>>> r.waypoints[-1].eta.isoformat()
'2026-12-06T12:54:00+00:00'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np
import shapely

from sarwatch.errors import InputError
from sarwatch.planning.plane import (
    _axis_frame,
    _check_spacing,
    _heading_vec,
    _Unit,
    leg_lengths_nm,
    lonlat_to_plane,
    plane_to_lonlat,
    timed_route,
)
from sarwatch.planning.types import Route, SearchArea

__all__ = [
    "PatternKind",
    "creeping_line",
    "expanding_square",
    "expanding_square_legs",
    "leg_lengths_nm",
    "lonlat_to_plane",
    "parallel_track",
    "pattern_for_area",
    "plane_to_lonlat",
    "sector",
    "timed_route",
    "track_line",
]

PatternKind = Literal["expanding_square", "sector", "parallel", "creeping_line", "track_line"]
Turn = Literal["right", "left"]


def _turn_sign(turn: str) -> float:
    if turn not in ("right", "left"):
        raise InputError(f"turn must be 'right' (starboard) or 'left' (port), got {turn!r}")
    return 1.0 if turn == "right" else -1.0


# --------------------------------------------------------------------------- expanding square


def expanding_square_legs(side_nm: float, spacing_nm: float) -> int:
    """The number of legs of an expanding square that sweeps a square of side ``side_nm``.

    The tracks of a square started at the datum lie at 0, ±S, ±2S ... from it; a
    square of side ``m·S`` (m odd) is swept, half a spacing inside its edges, by
    ``2m - 1`` legs (the last leg closes the outermost side).

    Examples
    --------
    >>> [expanding_square_legs(side, 1.0) for side in (5.0, 1.0, 6.0)]
    [9, 1, 13]
    """
    _check_spacing(spacing_nm)
    if not (math.isfinite(side_nm) and side_nm > 0):
        raise InputError(f"the side of the square must be positive nautical miles, got {side_nm!r}")
    tracks = max(1, math.ceil(side_nm / spacing_nm - 1e-9))
    if tracks % 2 == 0:
        tracks += 1
    return 2 * tracks - 1


def expanding_square(
    datum_lon: float,
    datum_lat: float,
    *,
    spacing_nm: float,
    n_legs: int,
    first_leg_deg: float,
    speed_kn: float,
    start: datetime,
    name: str,
    turn: Turn = "right",
    repeat: bool = False,
) -> Route:
    """Expanding square search (SS): CSP at the datum, legs S, S, 2S, 2S, 3S, 3S ...

    Leg k (k = 0, 1, ...) is ``S·(1 + k//2)`` long, with a 90° turn to the same side
    after each leg (``search_planning.md`` section 9).

    Parameters
    ----------
    datum_lon, datum_lat
        Datum, degrees: the commence search point.
    spacing_nm
        Track spacing S, nautical miles.
    n_legs
        Number of legs (>= 1); :func:`expanding_square_legs` gives the number that
        sweeps a square of a given side.
    first_leg_deg
        True course of the first leg, degrees. IAMSAR flies it into the wind, that is
        along the wind's *from* direction; some US training flies it down-drift.
    speed_kn
        Search speed, knots.
    start
        Time at the CSP, timezone-aware UTC.
    name
        The unit's name.
    turn
        Side of every turn, ``"right"`` (default) or ``"left"``.
    repeat
        A repeat search: the pattern is rotated 45° (IAMSAR).

    Returns
    -------
    Route
        ``n_legs + 1`` waypoints, pattern ``expanding_square``.
    """
    _check_spacing(spacing_nm)
    if not (isinstance(n_legs, int) and n_legs >= 1):
        raise InputError(f"an expanding square needs at least one leg, got n_legs={n_legs!r}")
    sign = _turn_sign(turn)
    heading = first_leg_deg + (45.0 if repeat else 0.0)
    e, n = [0.0], [0.0]
    for k in range(n_legs):
        length = spacing_nm * (1 + k // 2)
        de, dn = _heading_vec(heading)
        e.append(e[-1] + length * de)
        n.append(n[-1] + length * dn)
        heading += sign * 90.0
    return _Unit(speed_kn, start, name).route((datum_lon, datum_lat), e, n, "expanding_square")


# --------------------------------------------------------------------------- sector


def sector(
    datum_lon: float,
    datum_lat: float,
    *,
    radius_nm: float,
    first_leg_deg: float,
    speed_kn: float,
    start: datetime,
    name: str,
    cycles: Literal[1, 2] = 1,
    turn: Turn = "right",
) -> Route:
    """Sector search (VS): nine legs of length R per cycle, 120° turns, through the datum.

    From the datum (the CSP) the unit runs out R, turns 120°, runs across R, turns
    120° and runs R back to the datum, where it carries straight on (no turn) into the
    next triangle. Three equilateral triangles share the datum, rotated 120° from each
    other; the six radial legs lie 60° apart and legs 3, 6 and 9 end at the datum. A
    second cycle starts at the datum again with the pattern rotated 30° (IAMSAR: the
    second search's radials bisect the first's).

    Parameters
    ----------
    datum_lon, datum_lat
        Datum (best marked by a datum marker buoy), degrees.
    radius_nm
        Leg length R, nautical miles (IAMSAR: 2-5 nm for vessels, 5-20 nm for aircraft).
    first_leg_deg
        True course of the first leg, degrees (``search_planning.md`` states no
        convention for the sector; the planner chooses, often down-drift).
    speed_kn, start, name
        As for :func:`expanding_square`.
    cycles
        1, or 2 for a second cycle rotated 30°.
    turn
        Side of the 120° turns, ``"right"`` (starboard, default) or ``"left"``.

    Returns
    -------
    Route
        ``9·cycles + 1`` waypoints, pattern ``sector``; the datum waypoints are named
        ``DATUM``.
    """
    if not (math.isfinite(radius_nm) and radius_nm > 0):
        raise InputError(
            f"a sector's leg length must be positive nautical miles, got {radius_nm!r}"
        )
    if cycles not in (1, 2):
        raise InputError(f"a sector search has 1 or 2 cycles, got {cycles!r}")
    sign = _turn_sign(turn)
    e, n, names = [0.0], [0.0], ["CSP"]
    for c in range(cycles):
        heading = first_leg_deg + 30.0 * sign * c
        for leg in range(9):
            de, dn = _heading_vec(heading)
            e.append(e[-1] + radius_nm * de)
            n.append(n[-1] + radius_nm * dn)
            at_datum = leg % 3 == 2
            names.append("DATUM" if at_datum else f"WP{len(names)}")
            if at_datum:
                e[-1], n[-1] = 0.0, 0.0  # close each triangle exactly on the datum
            else:
                heading += sign * 120.0
    return _Unit(speed_kn, start, name).route((datum_lon, datum_lat), e, n, "sector", names=names)


# --------------------------------------------------------------------------- ladders


@dataclass(frozen=True)
class _Frame:
    """The area's own axes: u along ``orientation_deg`` (the length), v to its right."""

    area: SearchArea

    def to_en(self, u: Sequence[float], v: Sequence[float]) -> tuple[list[float], list[float]]:
        east, north = _axis_frame(u, v, self.area.orientation_deg)  # its own inverse
        return east.tolist(), north.tolist()

    def from_en(self, east: float, north: float) -> tuple[float, float]:
        u, v = _axis_frame(east, north, self.area.orientation_deg)
        return float(u), float(v)


def _ladder(
    leg_side_nm: float,
    across_side_nm: float,
    spacing_nm: float,
    *,
    flip_leg: bool,
    flip_across: bool,
) -> tuple[list[float], list[float], list[str]]:
    """Boustrophedon in (along-leg, across) coordinates, centred on 0, ½S inside the edges."""
    warnings: list[str] = []
    n = max(1, math.floor(across_side_nm / spacing_nm + 1e-9))
    covered = n * spacing_nm
    if across_side_nm - covered > 0.01 * spacing_nm:
        warnings.append(
            f"the area is {across_side_nm:.2f} nm across, {across_side_nm / spacing_nm:.2f} track "
            f"spacings: {n} legs sweep {covered:.2f} nm and leave a "
            f"{across_side_nm - covered:.2f} nm strip unswept; make the side a multiple of S"
        )
    if leg_side_nm <= spacing_nm:
        warnings.append(
            f"the legs ({leg_side_nm:.2f} nm side) are no longer than one track spacing "
            f"({spacing_nm:.2f} nm): this pattern degenerates; use another"
        )
    half_leg = max(leg_side_nm / 2.0 - spacing_nm / 2.0, 0.0)
    a0 = -covered / 2.0 + spacing_nm / 2.0
    along: list[float] = []
    across: list[float] = []
    for i in range(n):
        x = a0 + i * spacing_nm
        ends = (-half_leg, half_leg) if i % 2 == 0 else (half_leg, -half_leg)
        for y in ends:
            along.append(-y if flip_leg else y)
            across.append(-x if flip_across else x)
    return along, across, warnings


def _pick_corner(area: SearchArea, start_near: tuple[float, float] | None) -> tuple[bool, bool]:
    """Which corner to start from: the one nearest ``start_near`` (flip_u, flip_v)."""
    if start_near is None:
        return False, False
    e, n = lonlat_to_plane(area.lon, area.lat, start_near[0], start_near[1])
    u, v = _Frame(area).from_en(float(e), float(n))
    return u > 0, v > 0


def _check_area(area: SearchArea) -> None:
    if not isinstance(area, SearchArea):
        raise InputError(f"expected a SearchArea, got {type(area).__name__}")


def parallel_track(
    area: SearchArea,
    *,
    spacing_nm: float,
    speed_kn: float,
    start: datetime,
    name: str,
    start_near: tuple[float, float] | None = None,
    n_units: int = 1,
) -> tuple[Route, ...]:
    """Parallel track search (PS): legs along the area's long side, spaced S.

    The commence search point is at a corner, ½S inside both edges; search legs run
    parallel to ``area.orientation_deg`` and are joined by cross legs of length S. With
    ``n_units`` > 1 the area is split across its width into equal strips, one per
    unit, all starting at the same end, so that the tracks of neighbouring units are
    also S apart (IAMSAR's multi-unit parallel search; SAR_pi's "PS-AB" for two).

    Parameters
    ----------
    area
        The rectangle to search.
    spacing_nm
        Track spacing S, nautical miles. The width (per unit) should be a multiple of
        S; otherwise a warning says how much is left unswept.
    speed_kn, start
        Search speed (knots) and time at the CSP (timezone-aware UTC).
    name
        The unit's name; with several units, ``name-1``, ``name-2`` ... unless
        ``n_units`` is 1.
    start_near
        ``(lon, lat)`` the unit comes from: the CSP is the corner nearest it. Default:
        the corner at the back-left of the area's axis.
    n_units
        Units sharing the area (1 or more).

    Returns
    -------
    tuple of Route
        One route per unit, pattern ``parallel``.
    """
    _check_area(area)
    _check_spacing(spacing_nm)
    if not (isinstance(n_units, int) and n_units >= 1):
        raise InputError(f"n_units must be a positive integer, got {n_units!r}")
    flip_u, flip_v = _pick_corner(area, start_near)
    strip = area.width_nm / n_units
    frame = _Frame(area)
    routes = []
    for k in range(n_units):
        along, across, warns = _ladder(
            area.length_nm, strip, spacing_nm, flip_leg=flip_u, flip_across=flip_v
        )
        centre = -area.width_nm / 2.0 + strip * (k + 0.5)
        v = [a + (-centre if flip_v else centre) for a in across]
        e, n = frame.to_en(along, v)
        unit = _Unit(speed_kn, start, name if n_units == 1 else f"{name}-{k + 1}")
        routes.append(unit.route((area.lon, area.lat), e, n, "parallel", warnings=warns))
    return tuple(routes)


def creeping_line(
    area: SearchArea,
    *,
    spacing_nm: float,
    speed_kn: float,
    start: datetime,
    name: str,
    start_near: tuple[float, float] | None = None,
) -> Route:
    """Creeping line search (CS): legs across the short side, advancing along the long axis.

    Like :func:`parallel_track`, but the search legs are parallel to the area's width
    and the pattern creeps, S at a time, along ``area.orientation_deg``. It starts at
    the end nearest ``start_near``: put the most probable end there (IAMSAR).

    Parameters
    ----------
    area, spacing_nm, speed_kn, start, name, start_near
        As for :func:`parallel_track`.

    Returns
    -------
    Route
        Pattern ``creeping_line``.
    """
    _check_area(area)
    _check_spacing(spacing_nm)
    flip_u, flip_v = _pick_corner(area, start_near)
    across, along, warns = _ladder(
        area.width_nm, area.length_nm, spacing_nm, flip_leg=flip_v, flip_across=flip_u
    )
    e, n = _Frame(area).to_en(along, across)
    return _Unit(speed_kn, start, name).route(
        (area.lon, area.lat), e, n, "creeping_line", warnings=warns
    )


# --------------------------------------------------------------------------- track line


def track_line(
    track: Sequence[tuple[float, float]],
    *,
    spacing_nm: float,
    speed_kn: float,
    start: datetime,
    name: str,
    returning: bool,
) -> Route:
    """Track line search along the missing craft's intended route.

    Non-return (TSN, ``returning=False``): one pass along the track itself, from its
    first point to its last. Return (TSR, ``returning=True``): out along a line ½S to
    the right of the track and back along a line ½S to its left, so the two passes are
    S apart and centred on the track. (The exact offsets IAMSAR uses are not in
    ``search_planning.md``: ½S each side is this module's choice.)

    Parameters
    ----------
    track
        The intended route, ``(lon, lat)`` degrees, at least two points.
    spacing_nm
        Track spacing S, nautical miles.
    speed_kn, start, name
        As for :func:`expanding_square`.
    returning
        TSR (True) or TSN (False).

    Returns
    -------
    Route
        Pattern ``track_line``.
    """
    _check_spacing(spacing_nm)
    pts = [(float(a), float(b)) for a, b in track]
    if len(pts) < 2:
        raise InputError(f"a track line needs at least two points, got {len(pts)}")
    o_lon, o_lat = pts[0]
    e, n = lonlat_to_plane(o_lon, o_lat, [p[0] for p in pts], [p[1] for p in pts])
    line = shapely.LineString(np.column_stack([e, n]))
    if line.length <= 0:
        raise InputError("a track line's points must not all coincide")
    if not returning:
        xs, ys = list(map(float, e)), list(map(float, n))
    else:
        right = line.offset_curve(-spacing_nm / 2.0, join_style="mitre", mitre_limit=4.0)
        left = line.offset_curve(spacing_nm / 2.0, join_style="mitre", mitre_limit=4.0)
        rc = list(shapely.get_coordinates(right))
        lc = list(shapely.get_coordinates(left))[::-1]
        coords = rc + lc
        xs = [float(c[0]) for c in coords]
        ys = [float(c[1]) for c in coords]
    return _Unit(speed_kn, start, name).route((o_lon, o_lat), xs, ys, "track_line")


# --------------------------------------------------------------------------- dispatch


def pattern_for_area(
    kind: PatternKind,
    area: SearchArea,
    *,
    spacing_nm: float,
    speed_kn: float,
    start: datetime,
    name: str,
    start_near: tuple[float, float] | None = None,
    first_leg_deg: float | None = None,
) -> Route:
    """The pattern of a kind that covers a search area, for one unit.

    - ``expanding_square``: centred on the area's centre, enough legs to sweep a
      square of the area's longer side; first leg along ``first_leg_deg`` (default:
      the area's orientation).
    - ``sector``: centred on the area's centre, R = half the shorter side.
    - ``parallel`` and ``creeping_line``: the area itself.
    - ``track_line``: TSN along the area's long axis, through its centre.

    Parameters
    ----------
    kind
        The pattern.
    area, spacing_nm, speed_kn, start, name, start_near
        As for :func:`parallel_track`.
    first_leg_deg
        For the expanding square and the sector; default the area's orientation.

    Raises
    ------
    InputError
        On an unknown pattern kind.
    """
    heading = area.orientation_deg if first_leg_deg is None else first_leg_deg
    if kind == "expanding_square":
        legs = expanding_square_legs(max(area.length_nm, area.width_nm), spacing_nm)
        return expanding_square(
            area.lon,
            area.lat,
            spacing_nm=spacing_nm,
            n_legs=legs,
            first_leg_deg=heading,
            speed_kn=speed_kn,
            start=start,
            name=name,
        )
    if kind == "sector":
        return sector(
            area.lon,
            area.lat,
            radius_nm=min(area.length_nm, area.width_nm) / 2.0,
            first_leg_deg=heading,
            speed_kn=speed_kn,
            start=start,
            name=name,
        )
    if kind == "parallel":
        return parallel_track(
            area,
            spacing_nm=spacing_nm,
            speed_kn=speed_kn,
            start=start,
            name=name,
            start_near=start_near,
        )[0]
    if kind == "creeping_line":
        return creeping_line(
            area,
            spacing_nm=spacing_nm,
            speed_kn=speed_kn,
            start=start,
            name=name,
            start_near=start_near,
        )
    if kind == "track_line":
        e, n = _Frame(area).to_en([-area.length_nm / 2.0, area.length_nm / 2.0], [0.0, 0.0])
        lon, lat = plane_to_lonlat(area.lon, area.lat, e, n)
        return track_line(
            list(zip(lon.tolist(), lat.tolist(), strict=True)),
            spacing_nm=spacing_nm,
            speed_kn=speed_kn,
            start=start,
            name=name,
            returning=False,
        )
    raise InputError(
        f"unknown search pattern {kind!r}: use expanding_square, sector, parallel, "
        "creeping_line or track_line"
    )
