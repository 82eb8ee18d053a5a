"""The local plane the search patterns are laid out in, and timed routes.

A point ``(east_nm, north_nm)`` of the plane around an origin is the point reached
from the origin along the geodesic of azimuth ``atan2(east, north)`` and length
``hypot(east, north)``: an azimuthal equidistant projection on WGS84 through
:func:`sarwatch.geo.geodesy.destination` (see :mod:`sarwatch.planning.patterns`).
:func:`timed_route` turns positions into a :class:`~sarwatch.planning.types.Route`
timed at a speed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from sarwatch.errors import InputError
from sarwatch.geo.geodesy import destination, geod, geodesic_distance_nm
from sarwatch.geo.units import M_PER_NM
from sarwatch.planning._kernels import cubic_on_grid
from sarwatch.planning.types import Route, Waypoint

__all__ = ["leg_lengths_nm", "lonlat_to_plane", "plane_to_lonlat", "timed_route"]

_FloatArray = npt.NDArray[np.float64]

GRID_MIN_POINTS = 20_000
"""From this many points :func:`lonlat_to_plane` interpolates a table of the plane."""
GRID_STEP_DEG = 0.05
"""The table's spacing, degrees of longitude and latitude."""
GRID_MAX_SPAN_DEG = 10.0
"""The largest box of points (and distance of its edges from the origin) tabulated."""

# --------------------------------------------------------------------------- plane


def plane_to_lonlat(
    origin_lon: float, origin_lat: float, east_nm: npt.ArrayLike, north_nm: npt.ArrayLike
) -> tuple[_FloatArray, _FloatArray]:
    """Points of the local plane around an origin to ``(lon, lat)`` degrees.

    Parameters
    ----------
    origin_lon, origin_lat
        The plane's origin, degrees.
    east_nm, north_nm
        Offsets, nautical miles (broadcastable arrays).

    Returns
    -------
    tuple of numpy.ndarray
        Longitudes and latitudes, degrees.

    Examples
    --------
    >>> lon, lat = plane_to_lonlat(12.5, 33.2, [0.0, 0.0], [0.0, 60.0])
    >>> [round(float(v), 3) for v in lat]
    [33.2, 34.202]
    """
    e, n = np.broadcast_arrays(np.asarray(east_nm, dtype=float), np.asarray(north_nm, dtype=float))
    az = np.degrees(np.arctan2(e, n))
    dist_m = np.hypot(e, n) * M_PER_NM
    lon, lat = destination(np.full(e.shape, origin_lon), np.full(e.shape, origin_lat), az, dist_m)
    return lon, lat


def lonlat_to_plane(
    origin_lon: float, origin_lat: float, lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[_FloatArray, _FloatArray]:
    """The inverse of :func:`plane_to_lonlat`: ``(east_nm, north_nm)`` of points.

    Examples
    --------
    >>> e, n = lonlat_to_plane(12.5, 33.2, *plane_to_lonlat(12.5, 33.2, 3.0, -4.0))
    >>> round(float(e), 9), round(float(n), 9)
    (3.0, -4.0)
    """
    lo, la = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    if lo.size == 0:
        return np.zeros(lo.shape), np.zeros(lo.shape)
    if lo.size >= GRID_MIN_POINTS:
        by_grid = _plane_by_grid(float(origin_lon), float(origin_lat), lo, la)
        if by_grid is not None:
            return by_grid
    return _plane_exact(origin_lon, origin_lat, lo, la)


def _plane_exact(
    origin_lon: float, origin_lat: float, lo: _FloatArray, la: _FloatArray
) -> tuple[_FloatArray, _FloatArray]:
    """:func:`lonlat_to_plane` by the geodesic to each point (``lo``, ``la`` of one shape)."""
    az, _, dist = geod().inv(
        np.full(lo.size, origin_lon), np.full(lo.size, origin_lat), lo.ravel(), la.ravel()
    )
    az_r = np.radians(np.asarray(az, dtype=float))
    d_nm = np.asarray(dist, dtype=float) / M_PER_NM
    return (d_nm * np.sin(az_r)).reshape(lo.shape), (d_nm * np.cos(az_r)).reshape(lo.shape)


def _plane_by_grid(
    origin_lon: float, origin_lat: float, lo: _FloatArray, la: _FloatArray
) -> tuple[_FloatArray, _FloatArray] | None:
    """:func:`lonlat_to_plane` for many points: the plane coordinates are a smooth
    function of ``(lon, lat)`` away from the antipode, so they are tabulated by the
    geodesic on a grid of ``GRID_STEP_DEG`` over the points' box (one geodesic per
    node) and interpolated bicubically (4 × 4 nodes): within 1e-8 nm of the geodesic
    to each point (``tests/test_planning_plane_grid.py``). ``None`` (use the geodesic
    to each point) where the box spans more than ``GRID_MAX_SPAN_DEG``, reaches
    beyond 80° of latitude or lies more than ``GRID_MAX_SPAN_DEG`` from the origin."""
    ok = np.isfinite(lo) & np.isfinite(la)
    if not ok.any():
        return None
    flo, fla = (lo, la) if ok.all() else (lo[ok], la[ok])
    lon_min, lon_max = float(flo.min()), float(flo.max())
    lat_min, lat_max = float(fla.min()), float(fla.max())
    far = max(abs(lon_min - origin_lon), abs(lon_max - origin_lon),
              abs(lat_min - origin_lat), abs(lat_max - origin_lat))  # fmt: skip
    if (
        lon_max - lon_min > GRID_MAX_SPAN_DEG
        or lat_max - lat_min > GRID_MAX_SPAN_DEG
        or far > GRID_MAX_SPAN_DEG
        or max(abs(lat_min), abs(lat_max)) > 80.0
    ):
        return None
    step = GRID_STEP_DEG
    g_lon0, g_lat0 = lon_min - 2 * step, lat_min - 2 * step
    cols = math.ceil((lon_max - lon_min) / step) + 5
    rows = math.ceil((lat_max - lat_min) / step) + 5
    if rows * cols * 4 > lo.size:
        return None  # fewer points than the table would cost
    glon, glat = np.meshgrid(g_lon0 + step * np.arange(cols), g_lat0 + step * np.arange(rows))
    gx, gy = _plane_exact(origin_lon, origin_lat, glon, glat)
    flat_lo, flat_la = lo.ravel(), la.ravel()
    x, y = cubic_on_grid(gx, gy, g_lon0, g_lat0, step, flat_lo, flat_la)
    return x.reshape(lo.shape), y.reshape(lo.shape)


def _heading_vec(bearing_deg: float) -> tuple[float, float]:
    b = math.radians(bearing_deg)
    return math.sin(b), math.cos(b)


def _axis_frame(
    a: npt.ArrayLike, b: npt.ArrayLike, bearing_deg: float
) -> tuple[_FloatArray, _FloatArray]:
    """Plane ``(east, north)`` nm to ``(along, across)`` an axis of bearing ``bearing_deg``.

    ``along`` is measured along the bearing, ``across`` 90° to its right. The map is
    its own inverse: ``(along, across)`` in gives ``(east, north)`` back.
    """
    s, c = _heading_vec(bearing_deg)
    a_, b_ = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a_ * s + b_ * c, a_ * c - b_ * s


# --------------------------------------------------------------------------- timing


def _check_common(speed_kn: float, start: datetime, name: str) -> None:
    if not (isinstance(speed_kn, int | float) and math.isfinite(speed_kn) and speed_kn > 0):
        raise InputError(
            f"a search speed must be a positive number of knots (e.g. 10), got {speed_kn!r}"
        )
    if not isinstance(start, datetime) or start.tzinfo is None or start.utcoffset() is None:
        raise InputError(
            f"the start time must be timezone-aware UTC (e.g. 2026-12-06T12:00Z), got {start!r}"
        )
    if not name.strip():
        raise InputError("a route needs a name (the unit's name, also its file name)")


def _check_spacing(spacing_nm: float) -> None:
    if not (math.isfinite(spacing_nm) and spacing_nm > 0):
        raise InputError(
            f"the track spacing must be a positive number of nautical miles, got {spacing_nm!r}"
        )


def timed_route(
    lon: Sequence[float] | _FloatArray,
    lat: Sequence[float] | _FloatArray,
    *,
    names: Sequence[str],
    speed_kn: float,
    start: datetime,
    name: str,
    pattern: str,
    warnings: Sequence[str] = (),
) -> Route:
    """A :class:`Route` through the points, each timed from ``start`` at ``speed_kn``.

    The ETA of point k is ``start`` plus the geodesic length of the legs before it
    divided by the speed, rounded to the second.

    Parameters
    ----------
    lon, lat
        Waypoints, degrees, commence search point first.
    names
        One label per waypoint.
    speed_kn
        Planned speed, knots (> 0).
    start
        Time at the first waypoint, timezone-aware UTC.
    name, pattern
        The route's name and pattern kind.
    warnings
        Carried into :attr:`Route.warnings`.

    Raises
    ------
    InputError
        On a non-positive speed, a naive start time or a blank name.
    """
    _check_common(speed_kn, start, name)
    lo = np.asarray(lon, dtype=float)
    la = np.asarray(lat, dtype=float)
    lo = (lo + 180.0) % 360.0 - 180.0
    legs = geodesic_distance_nm(lo[:-1], la[:-1], lo[1:], la[1:]) if lo.size > 1 else np.zeros(0)
    elapsed_h = np.concatenate([[0.0], np.cumsum(legs)]) / float(speed_kn)
    wps = tuple(
        Waypoint(
            lon=float(x), lat=float(y), eta=start + timedelta(seconds=round(h * 3600.0)), name=nm
        )
        for x, y, h, nm in zip(lo, la, elapsed_h, names, strict=True)
    )
    return Route(
        name=name,
        pattern=pattern,
        speed_kn=float(speed_kn),
        waypoints=wps,
        warnings=tuple(warnings),
    )


def leg_lengths_nm(route: Route) -> list[float]:
    """Geodesic length of each leg of a route, nautical miles.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> r = timed_route([12.5, 12.5], [33.0, 34.0], names=["A", "B"], speed_kn=10.0,
    ...                 start=datetime(2026, 1, 1, tzinfo=timezone.utc), name="x",
    ...                 pattern="track_line")
    >>> [round(v, 2) for v in leg_lengths_nm(r)]
    [59.89]
    """
    lo = np.array([w.lon for w in route.waypoints])
    la = np.array([w.lat for w in route.waypoints])
    if lo.size < 2:
        return []
    return [float(v) for v in geodesic_distance_nm(lo[:-1], la[:-1], lo[1:], la[1:])]


@dataclass(frozen=True)
class _Unit:
    """Who flies a pattern: search speed (knots), time at the CSP (UTC) and name."""

    speed_kn: float
    start: datetime
    name: str

    def route(
        self,
        origin: tuple[float, float],
        east_nm: Sequence[float],
        north_nm: Sequence[float],
        pattern: str,
        *,
        names: Sequence[str] | None = None,
        warnings: Sequence[str] = (),
    ) -> Route:
        """The timed route through plane points around ``origin`` (names CSP, WP1 ...)."""
        lon, lat = plane_to_lonlat(origin[0], origin[1], east_nm, north_nm)
        return timed_route(
            lon,
            lat,
            names=_wp_names(len(east_nm)) if names is None else names,
            speed_kn=self.speed_kn,
            start=self.start,
            name=self.name,
            pattern=pattern,
            warnings=warnings,
        )


def _wp_names(n: int) -> list[str]:
    return ["CSP", *(f"WP{k}" for k in range(1, n))]
