"""The coastline in a responders ranking: sea routes of the first vessels, land tests.

The ranking itself is the straight-line one (:mod:`sarwatch.services.responders`,
docs/design/014-responders.md). Here: which of the first-ranked vessels have land between
them and the target (their sea route is longer than the straight line), and the land
tests that keep a dead-reckoned vessel off the land: a course held since the report that
ends on land, or crosses it (an island such as Linosa or Comino) and ends at sea, did not
happen (:func:`held_course_on_land`). :func:`land_options` gives the router and the land
tests from the station's coastline cache, each ``None`` where it cannot be loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from sarwatch.errors import SarwatchError
from sarwatch.vessels.intercept import dead_reckon

if TYPE_CHECKING:
    from sarwatch.geo.coast import LandMask
    from sarwatch.services.assess import RouterLike

__all__ = [
    "LAND_EXTRA_SHARE",
    "LAND_MIN_EXTRA_NM",
    "SEA_CHECK_N",
    "TRACK_POINTS",
    "LandTest",
    "TrackTest",
    "check_land",
    "held_course_on_land",
    "land_options",
    "tracks_on_land",
]

#: How many of the first-ranked vessels get a sea route to the target (land check).
SEA_CHECK_N = 10
#: A sea route longer than the straight line by more than this share (and by
#: :data:`LAND_MIN_EXTRA_NM`) means land lies between the ship and the target.
LAND_EXTRA_SHARE = 0.03
LAND_MIN_EXTRA_NM = 0.3

#: Points of a dead-reckoned leg tested against the coastline (16 chords: the rhumb line
#: of a 120 nm leg is within metres of them).
TRACK_POINTS = 17

_Floats = npt.NDArray[np.float64]
#: ``on_land(lon, lat)`` -> bool array, degrees.
LandTest = Callable[[_Floats, _Floats], npt.ArrayLike]
#: ``track_on_land(lon, lat)`` -> bool array of shape ``(n,)``: whether each of ``n``
#: polylines (``lon``, ``lat`` of shape ``(n, k)``, degrees) touches land.
TrackTest = Callable[[_Floats, _Floats], npt.ArrayLike]


def tracks_on_land(mask: LandMask) -> TrackTest:
    """The :data:`TrackTest` of a land mask: each polyline against the mask's land polygons
    (full-resolution GSHHG, the resolution of :meth:`~sarwatch.geo.coast.LandMask.contains`).

    Examples
    --------
    >>> from sarwatch.geo.coast import land_mask
    >>> test = tracks_on_land(land_mask())  # doctest: +SKIP
    >>> test(np.array([[12.865, 12.865]]), np.array([[35.90, 35.80]])).tolist()  # doctest: +SKIP
    [True]
    """
    import shapely

    def test(lon: _Floats, lat: _Floats) -> npt.NDArray[np.bool_]:
        lon_a, lat_a = np.atleast_2d(lon), np.atleast_2d(lat)
        if lon_a.shape[0] == 0:
            return np.zeros(0, dtype=bool)
        lines = shapely.linestrings(np.stack([lon_a, lat_a], axis=-1))
        return np.asarray(shapely.intersects(mask.polygons, lines), dtype=bool)

    return test


def held_course_on_land(
    lon0: _Floats,
    lat0: _Floats,
    sog_kn: _Floats,
    cog_deg: _Floats,
    age_h: _Floats,
    *,
    on_land: LandTest | None,
    track_on_land: TrackTest | None = None,
) -> tuple[npt.NDArray[np.bool_], list[str]]:
    """Which vessels' course held since their report runs onto land, and a note for each.

    A vessel that reported from sea and would, holding its course and speed (the rhumb
    line of :func:`~sarwatch.vessels.intercept.dead_reckon`) to now, end on land or cross
    it (a narrow island: Linosa is 2.5 km across, 12 minutes at 7 kn) did not: it turned.
    The caller takes it where it reported. A vessel reporting from land (a harbour on the
    coastline's land, a land pixel) is not flagged.

    Parameters
    ----------
    lon0, lat0
        Reported positions, degrees.
    sog_kn, cog_deg
        Speed and course over ground (NaN: not moving, never flagged), knots, degrees.
    age_h
        Age of each report, hours.
    on_land
        The point test (``None``: nothing is flagged).
    track_on_land
        The polyline test (``None``: only the end of each leg is tested).

    Returns
    -------
    tuple
        The flags (bool array) and, per vessel, why (``""`` where not flagged).
    """
    n = lon0.size
    flagged = np.zeros(n, dtype=bool)
    notes = [""] * n
    moving = np.isfinite(sog_kn) & np.isfinite(cog_deg) & (sog_kn > 0) & (age_h > 0)
    if on_land is None or not moving.any():
        return flagged, notes
    idx = np.flatnonzero(moving)
    frac = np.linspace(0.0, 1.0, TRACK_POINTS)
    lon, lat = dead_reckon(lon0[idx, None], lat0[idx, None], sog_kn[idx, None],
                           cog_deg[idx, None], age_h[idx, None] * frac)  # fmt: skip
    start = np.asarray(on_land(lon[:, 0], lat[:, 0]), dtype=bool)
    end = np.asarray(on_land(lon[:, -1], lat[:, -1]), dtype=bool)
    crosses = end.copy()
    if track_on_land is not None:
        crosses |= np.asarray(track_on_land(lon, lat), dtype=bool)
    for k, i in enumerate(idx):
        if start[k] or not crosses[k]:
            continue
        flagged[i] = True
        held = (
            f"holding {cog_deg[i]:03.0f}° at {sog_kn[i]:.1f} kn since its report "
            f"{age_h[i] * 60:.0f} min ago"
        )
        notes[i] = (
            f"{held} would have put it on land" if end[k]
            else f"{held} would have taken it across land (an island on its course)"
        ) + ": it turned, so it is ranked from where it reported"  # fmt: skip
    return flagged, notes


def land_options(cache_dir: Path | None) -> dict[str, Any]:
    """``router``, ``on_land`` and ``track_on_land`` for
    :func:`~sarwatch.services.responders.rank_responders` from the station's coastline
    cache; each ``None`` where the coastline cannot be loaded (the ranking then goes
    without it: ``sea_nm`` and ``land_between`` null, no vessel ``reckoned_onto_land``)."""
    from sarwatch.geo.coast import land_mask
    from sarwatch.geo.routing import sea_router

    router: RouterLike | None
    on_land: LandTest | None
    track_on_land: TrackTest | None
    try:
        router = sea_router(cache_dir)
    except (SarwatchError, OSError):
        router = None
    try:
        mask = land_mask(cache_dir)
        on_land, track_on_land = mask.contains, tracks_on_land(mask)
    except (SarwatchError, OSError):
        on_land = track_on_land = None
    return {"router": router, "on_land": on_land, "track_on_land": track_on_land}


def check_land(rows: list[dict[str, Any]], router: RouterLike, centre: tuple[float, float]) -> None:
    """Give the first :data:`SEA_CHECK_N` reachable vessels their sea route's length from
    the target's centre (``sea_nm``) and flag those with land between (``land_between``,
    ``sea_extra_h``: what the detour adds at the vessel's speed, h). Vessels not checked
    (further down, outside the coastline's region, unreachable by sea) keep ``None``."""
    first = [r for r in rows if r["eta_p50_h"] is not None][:SEA_CHECK_N]
    if not first:
        return
    try:
        routes = router.routes_from(centre, [(r["lon_now"], r["lat_now"]) for r in first])
    except SarwatchError:  # a centre outside the coastline's region or on land
        return
    for r, route in zip(first, routes, strict=True):
        if route is None:
            continue
        sea = float(route.distance_nm)
        extra = sea - r["distance_nm"]
        land = extra > max(LAND_EXTRA_SHARE * r["distance_nm"], LAND_MIN_EXTRA_NM)
        r["sea_nm"] = round(sea, 2)
        r["land_between"] = bool(land)
        r["sea_extra_h"] = round(extra / r["speed_kn"], 3) if land else None
