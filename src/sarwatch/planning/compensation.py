"""Drift-compensated search patterns: lay the pattern in the water, export it over the ground.

A unit navigating by GPS traces its pattern over the ground, while the object drifts
with the current and its leeway: after an hour at 1.5 kn the object is 1.5 nm from
the pattern it was in. Pre-compensation (``search_planning.md`` section 10) lays the
pattern out in the frame that moves with the object's drift velocity ``d`` and exports
the ground waypoints

    g_k = w_k + ∫ d(t) dt  over [t0, t_k]

where ``w_k`` is the pattern waypoint in the moving frame, ``t_k`` its ETA (the length
along the pattern up to ``w_k`` divided by the unit's speed) and ``t0`` the time at
the commence search point. For a constant drift the shift is exactly ``d · (t_k − t0)``.
The shift is applied along the geodesic from ``w_k`` (exact distance and direction).

The ETA of every waypoint is kept: ``t_k`` is exact when the unit's speed relative to
the moving frame is the planned speed, that is when the object's leeway through the
water is small against the unit's speed. Ground legs change length and heading, so
the ground speed between waypoints differs from the planned speed; if the start time
slips, recompute.

Examples
--------
>>> from datetime import datetime, timezone
>>> from sarwatch.planning.patterns import expanding_square
>>> t0 = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
>>> water = expanding_square(12.5, 33.2, spacing_nm=1.0, n_legs=3, first_leg_deg=0.0,
...                          speed_kn=10.0, start=t0, name="Aurora")
>>> ground = drift_compensate(water, (1.0, 0.0))  # 1 kn towards the east
>>> [round(s, 3) for s in shifts_nm(water, ground)]  # 0, 1, 2, 4 nm run: 0, 0.1, 0.2, 0.4 nm
[0.0, 0.1, 0.2, 0.4]
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np

from sarwatch.errors import InputError
from sarwatch.geo.geodesy import geodesic_distance_nm
from sarwatch.planning.plane import plane_to_lonlat
from sarwatch.planning.types import Route, Waypoint

__all__ = ["DriftVelocity", "drift_compensate", "drift_displacement_nm", "shifts_nm"]

#: A drift velocity: a constant ``(east_kn, north_kn)``, or a function of the time
#: (timezone-aware UTC) returning it.
DriftVelocity = tuple[float, float] | Callable[[datetime], tuple[float, float]]


def _velocity(drift_kn: DriftVelocity, t: datetime) -> tuple[float, float]:
    v = drift_kn(t) if callable(drift_kn) else drift_kn
    try:
        east, north = (float(v[0]), float(v[1]))
    except (TypeError, ValueError, IndexError) as exc:
        raise InputError(
            f"a drift velocity is (east_kn, north_kn), e.g. (0.8, -0.3); got {v!r}"
        ) from exc
    if not (math.isfinite(east) and math.isfinite(north)):
        raise InputError(f"a drift velocity must be finite knots, got ({east}, {north})")
    return east, north


def drift_displacement_nm(
    drift_kn: DriftVelocity, t0: datetime, t1: datetime, *, steps_per_hour: int = 60
) -> tuple[float, float]:
    """Displacement ``∫ d(t) dt`` over ``[t0, t1]``, ``(east_nm, north_nm)``.

    Parameters
    ----------
    drift_kn
        Constant ``(east_kn, north_kn)`` or a function of time returning it.
    t0, t1
        Interval, timezone-aware UTC; ``t1 >= t0``.
    steps_per_hour
        Simpson sub-intervals per hour for a time-varying drift (exact for drift
        velocities that are polynomials of degree 3 or less in time).

    Returns
    -------
    tuple of float
        East and north displacement, nautical miles.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> t0 = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
    >>> drift_displacement_nm((0.6, -0.8), t0, t0.replace(hour=14))
    (1.2, -1.6)
    """
    hours = (t1 - t0).total_seconds() / 3600.0
    if hours < 0:
        raise InputError(f"a waypoint's ETA ({t1}) lies before the start ({t0})")
    if not callable(drift_kn):
        east, north = _velocity(drift_kn, t0)
        return east * hours, north * hours
    if hours == 0:
        return 0.0, 0.0
    n = max(2, 2 * math.ceil(hours * steps_per_hour / 2.0))
    h = hours / n
    weights = np.ones(n + 1)
    weights[1:-1:2] = 4.0
    weights[2:-1:2] = 2.0
    values = np.array([_velocity(drift_kn, t0 + timedelta(hours=h * i)) for i in range(n + 1)])
    east, north = (weights @ values) * h / 3.0
    return float(east), float(north)


def drift_compensate(route: Route, drift_kn: DriftVelocity, *, steps_per_hour: int = 60) -> Route:
    """The ground route that flies ``route`` in the frame drifting at ``drift_kn``.

    Parameters
    ----------
    route
        The pattern laid out in the moving (water) frame at the time of its first
        waypoint, every waypoint timed (as the generators of
        :mod:`sarwatch.planning.patterns` make them).
    drift_kn
        The object's drift velocity (total water current plus leeway): a constant
        ``(east_kn, north_kn)`` or a function of time returning it.
    steps_per_hour
        Integration steps for a time-varying drift (see :func:`drift_displacement_nm`).

    Returns
    -------
    Route
        Same name, pattern, speed and ETAs; each waypoint moved by the drift up to its
        ETA; a warning saying the route is drift-compensated.

    Raises
    ------
    InputError
        If a waypoint has no ETA or the drift is not a finite pair of knots.
    """
    if not route.waypoints:
        raise InputError("cannot drift-compensate an empty route")
    etas = [w.eta for w in route.waypoints if w.eta is not None]
    if len(etas) != len(route.waypoints):
        raise InputError("drift compensation needs every waypoint's ETA: build the route timed")
    t0 = etas[0]
    moved: list[Waypoint] = []
    for w, eta in zip(route.waypoints, etas, strict=True):
        de, dn = drift_displacement_nm(drift_kn, t0, eta, steps_per_hour=steps_per_hour)
        if de == 0.0 and dn == 0.0:
            moved.append(w)
            continue
        lon, lat = plane_to_lonlat(w.lon, w.lat, de, dn)
        moved.append(Waypoint(lon=float(lon), lat=float(lat), eta=eta, name=w.name))
    if callable(drift_kn):
        what = "a time-varying drift"
    else:
        e, n = _velocity(drift_kn, t0)
        speed = math.hypot(e, n)
        to = math.degrees(math.atan2(e, n)) % 360.0
        what = f"a drift of {speed:.1f} kn towards {to:03.0f}°"
    note = (
        f"drift-compensated for {what} from {t0:%d %H%MZ}: the ground legs differ from the "
        "pattern in length and course; recompute if the start time slips"
    )
    return dataclasses.replace(route, waypoints=tuple(moved), warnings=(*route.warnings, note))


def shifts_nm(water: Route, ground: Route) -> list[float]:
    """Geodesic distance from each water-frame waypoint to its ground waypoint, nm.

    Raises
    ------
    InputError
        If the routes do not have the same number of waypoints.
    """
    if len(water.waypoints) != len(ground.waypoints):
        raise InputError(
            f"the routes differ in length ({len(water.waypoints)} and {len(ground.waypoints)})"
        )
    d = geodesic_distance_nm(
        [w.lon for w in water.waypoints],
        [w.lat for w in water.waypoints],
        [g.lon for g in ground.waypoints],
        [g.lat for g in ground.waypoints],
    )
    return [float(x) for x in np.atleast_1d(d)]
