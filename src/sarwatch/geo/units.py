"""Nautical units and the range of a position: each defined here, once.

Every module that converts nautical miles or knots, or checks a longitude or a
latitude, takes the value from here (``tests/test_vocabulary.py`` finds any second
definition). Positions are WGS84 ``(lon, lat)`` in degrees, longitudes east
positive in [-180, 180]: a forcing file on a 0-360° grid is the forcing adapter's
business (it wraps its own grid), never the caller's.

Examples
--------
>>> M_PER_NM, round(MS_PER_KN, 6)
(1852.0, 0.514444)
>>> LON_MIN_DEG, LON_MAX_DEG, LAT_MIN_DEG, LAT_MAX_DEG
(-180.0, 180.0, -90.0, 90.0)
"""

from __future__ import annotations

__all__ = ["LAT_MAX_DEG", "LAT_MIN_DEG", "LON_MAX_DEG", "LON_MIN_DEG", "MS_PER_KN", "M_PER_NM"]

#: Metres in one international nautical mile (exact, by definition).
M_PER_NM = 1852.0
#: Metres per second in one knot (one nautical mile per hour).
MS_PER_KN = M_PER_NM / 3600.0
#: The range of a longitude, degrees east.
LON_MIN_DEG, LON_MAX_DEG = -180.0, 180.0
#: The range of a latitude, degrees north.
LAT_MIN_DEG, LAT_MAX_DEG = -90.0, 90.0
