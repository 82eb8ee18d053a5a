"""Geodesics on the WGS84 ellipsoid, and nautical units.

Thin vectorised wrappers around :class:`pyproj.Geod` (Karney's algorithm, exact to
nanometres). Positions are ``(lon, lat)`` in degrees; distances carry their unit in
the name (``_m`` metres, ``_nm`` international nautical miles of 1852 m).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
from pyproj import Geod

from sarwatch.errors import InputError
from sarwatch.geo.units import M_PER_NM

__all__ = [
    "M_PER_NM",
    "destination",
    "eta_h",
    "format_bearing",
    "geod",
    "geodesic_distance_m",
    "geodesic_distance_nm",
    "initial_bearing_deg",
    "m_to_nm",
    "nm_to_m",
    "whole_degrees",
]

_FloatArray = npt.NDArray[np.float64]


@lru_cache(maxsize=1)
def geod() -> Geod:
    """The shared WGS84 :class:`pyproj.Geod` (immutable, safe to share)."""
    return Geod(ellps="WGS84")


def nm_to_m(distance_nm: npt.ArrayLike) -> _FloatArray:
    """Nautical miles to metres.

    Examples
    --------
    >>> float(nm_to_m(12))
    22224.0
    """
    return np.asarray(distance_nm, dtype=float) * M_PER_NM


def m_to_nm(distance_m: npt.ArrayLike) -> _FloatArray:
    """Metres to nautical miles.

    Examples
    --------
    >>> float(m_to_nm(1852.0))
    1.0
    """
    return np.asarray(distance_m, dtype=float) / M_PER_NM


def geodesic_distance_m(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> _FloatArray:
    """Geodesic distance on WGS84 between point pairs, in metres.

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        Degrees; broadcastable arrays.

    Returns
    -------
    numpy.ndarray
        Distances in metres, shape of the broadcast inputs.

    Examples
    --------
    >>> round(float(geodesic_distance_m(0, 0, 0, 1)))  # one degree of latitude at the equator
    110574
    """
    a, b, c, d = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2))
    )
    if a.size == 0:
        return np.zeros(a.shape)
    _, _, dist = geod().inv(a.ravel(), b.ravel(), c.ravel(), d.ravel())
    return np.asarray(dist, dtype=float).reshape(a.shape)


def geodesic_distance_nm(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> _FloatArray:
    """Geodesic distance on WGS84 between point pairs, in nautical miles.

    Examples
    --------
    >>> round(float(geodesic_distance_nm(12.5, 33.0, 12.5, 34.0)), 2)  # ~60 nm per degree of lat
    59.89
    """
    return m_to_nm(geodesic_distance_m(lon1, lat1, lon2, lat2))


def initial_bearing_deg(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> _FloatArray:
    """The initial true bearing of the geodesic from point 1 to point 2, in degrees.

    Degrees clockwise from true north, in [0, 360): the course to steer at the start
    of the shortest path on WGS84 (over a few hundred nautical miles it differs from the
    rhumb-line course by at most a few degrees). Coincident points give 0.

    Parameters
    ----------
    lon1, lat1, lon2, lat2
        Degrees; broadcastable arrays.

    Examples
    --------
    >>> initial_bearing_deg(0, 0, [0, 1, 0, -1], [1, 0, -1, 0]).round(6).tolist()
    [0.0, 90.0, 180.0, 270.0]
    """
    a, b, c, d = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2))
    )
    if a.size == 0:
        return np.zeros(a.shape)
    az, _, dist = geod().inv(a.ravel(), b.ravel(), c.ravel(), d.ravel())
    az = np.where(np.asarray(dist) > 0.0, np.mod(np.asarray(az, dtype=float), 360.0), 0.0)
    az = np.where(az >= 360.0, 0.0, az)  # -1e-15 % 360 rounds to 360.0
    return np.asarray(az, dtype=float).reshape(a.shape)


def whole_degrees(bearing_deg: float) -> int:
    """A bearing rounded to the whole degree, in 0-359 (359.6° is 0°, not 360°).

    Examples
    --------
    >>> whole_degrees(189.32), whole_degrees(359.6), whole_degrees(-0.4)
    (189, 0, 0)
    """
    return round(float(bearing_deg)) % 360


def format_bearing(bearing_deg: float) -> str:
    """A true bearing as a navigator writes it: three digits and ``°T``.

    Examples
    --------
    >>> format_bearing(8.4), format_bearing(189.6), format_bearing(359.7)
    ('008°T', '190°T', '000°T')
    """
    return f"{whole_degrees(bearing_deg):03d}°T"


def destination(
    lon: npt.ArrayLike, lat: npt.ArrayLike, azimuth_deg: npt.ArrayLike, distance_m: npt.ArrayLike
) -> tuple[_FloatArray, _FloatArray]:
    """The point reached from ``(lon, lat)`` along a geodesic.

    Parameters
    ----------
    lon, lat
        Start, degrees.
    azimuth_deg
        Initial bearing, degrees clockwise from true north.
    distance_m
        Distance to travel, metres.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lon, lat)`` of the end points, degrees.

    Examples
    --------
    >>> lon, lat = destination(12.5, 33.0, 0.0, 1852.0 * 60)
    >>> round(float(lon), 6), round(float(lat), 3)
    (12.5, 34.002)
    """
    a, b, c, d = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (lon, lat, azimuth_deg, distance_m))
    )
    lon2, lat2, _ = geod().fwd(a.ravel(), b.ravel(), c.ravel(), d.ravel())
    return (
        np.asarray(lon2, dtype=float).reshape(a.shape),
        np.asarray(lat2, dtype=float).reshape(a.shape),
    )


def eta_h(distance_nm: npt.ArrayLike, speed_kn: float) -> _FloatArray:
    """Hours to cover ``distance_nm`` at ``speed_kn`` knots.

    Raises
    ------
    InputError
        If the speed is not a positive number of knots.

    Examples
    --------
    >>> float(eta_h(25.0, 10.0))
    2.5
    """
    if not speed_kn > 0:
        raise InputError(f"speed must be a positive number of knots (e.g. 10), got {speed_kn!r}")
    return np.asarray(distance_nm, dtype=float) / float(speed_kn)
