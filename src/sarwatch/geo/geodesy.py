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
    "geod",
    "geodesic_distance_m",
    "geodesic_distance_nm",
    "m_to_nm",
    "nm_to_m",
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
