"""The nouns search planning shares: a search area, a waypoint, a route.

The planning chain (datum, errors, sweep width, effort, allocation) produces
:class:`SearchArea` rectangles; the pattern generators turn an area into a
:class:`Route` of :class:`Waypoint` s; the exporters (GPX, RTZ, KML, text) write
routes. Positions are ``(lon, lat)`` WGS84 degrees, distances nautical miles,
times timezone-aware UTC, as everywhere in sarwatch.

Examples
--------
>>> area = SearchArea(lon=12.5, lat=33.2, length_nm=10.0, width_nm=6.0, orientation_deg=45.0)
>>> area.area_nm2
60.0
>>> SearchArea(lon=12.5, lat=33.2, length_nm=-1.0, width_nm=6.0)
Traceback (most recent call last):
...
sarwatch.errors.InputError: a search area's length and width must be positive ... -1.0 x 6.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sarwatch.errors import InputError

__all__ = ["Route", "SearchArea", "Waypoint"]


@dataclass(frozen=True, kw_only=True)
class SearchArea:
    """A rectangle to search, centred on ``(lon, lat)``.

    Attributes
    ----------
    lon, lat
        Centre, WGS84 degrees.
    length_nm, width_nm
        Sides, nautical miles; ``length_nm`` lies along ``orientation_deg``.
    orientation_deg
        Direction of the long axis (the search legs of a parallel pattern), degrees
        clockwise from true north, in ``[0, 180)`` or any value (taken modulo 180).
    """

    lon: float
    lat: float
    length_nm: float
    width_nm: float
    orientation_deg: float = 0.0

    def __post_init__(self) -> None:
        if not (
            math.isfinite(self.length_nm)
            and math.isfinite(self.width_nm)
            and self.length_nm > 0
            and self.width_nm > 0
        ):
            raise InputError(
                "a search area's length and width must be positive nautical miles, got "
                f"{self.length_nm} x {self.width_nm}"
            )

    @property
    def area_nm2(self) -> float:
        """Area, square nautical miles."""
        return self.length_nm * self.width_nm


@dataclass(frozen=True, kw_only=True)
class Waypoint:
    """A point of a route: position, and when the unit is planned to be there.

    Attributes
    ----------
    lon, lat
        WGS84 degrees.
    eta
        Planned time of arrival (timezone-aware UTC), or ``None`` when not timed.
    name
        Short label (``CSP``, ``WP1`` ...).
    """

    lon: float
    lat: float
    eta: datetime | None = None
    name: str = ""


@dataclass(frozen=True, kw_only=True)
class Route:
    """A unit's planned track: ordered waypoints and the planned speed.

    Attributes
    ----------
    name
        The unit's name (also the file name of its exports).
    pattern
        ``expanding_square``, ``sector``, ``parallel``, ``creeping_line`` or ``track_line``.
    speed_kn
        Planned search speed, knots.
    waypoints
        Commence search point first.
    warnings
        What a crew must know (legs clipped at the coast, waypoints removed on land ...).
    """

    name: str
    pattern: str
    speed_kn: float
    waypoints: tuple[Waypoint, ...]
    warnings: tuple[str, ...] = ()
