"""The coastline in a responders ranking: sea routes of the first vessels, land tests.

The ranking is solved on straight lines (:mod:`sarwatch.services.responders`,
docs/design/014-responders.md). Here: the first-ranked vessels routed by sea, their
detours around land added to their ETAs and the ranking re-sorted until its first rows
are all by sea route (:func:`check_land`); and the land tests that keep a dead-reckoned
vessel off the land: a course held since the report that ends on land, or crosses it
(an island such as Linosa or Comino) and ends at sea, did not happen
(:func:`held_course_on_land`). :func:`land_options` gives the router and the land tests
from the station's coastline cache, each ``None`` where it cannot be loaded.
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
    "SEA_CHECK_ROUNDS",
    "TRACK_POINTS",
    "LandTest",
    "TrackTest",
    "check_land",
    "held_course_on_land",
    "land_options",
    "ranking_key",
    "tracks_on_land",
]

#: How many of the first-ranked vessels are ranked by their sea route to the target.
SEA_CHECK_N = 10
#: At most this many rounds of sea routes (each one search from the target's centre for
#: up to :data:`SEA_CHECK_N` vessels) in :func:`check_land`.
SEA_CHECK_ROUNDS = 4
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


def ranking_key(row: dict[str, Any]) -> tuple[Any, ...]:
    """The order of a ranking: by ETA 50 %, then 90 % (unreachable last), distance, MMSI."""
    p50, p90 = row["eta_p50_h"], row["eta_p90_h"]
    return (p50 is None, p50 or 0.0, p90 is None, p90 or 0.0, row["distance_nm"], row["mmsi"])


def check_land(rows: list[dict[str, Any]], router: RouterLike, centre: tuple[float, float]) -> None:
    """Rank the first vessels by sea route: route them, add their detours, re-sort, repeat.

    Each round routes, from the target's centre, up to :data:`SEA_CHECK_N` reachable
    vessels not routed yet, in ranking order. A vessel gets ``sea_nm`` (its sea route's
    length) and ``eta_basis = "sea_route"``; where the route is longer than the straight
    line by more than :data:`LAND_EXTRA_SHARE` and :data:`LAND_MIN_EXTRA_NM`, land lies
    between (``land_between``) and the detour at the vessel's speed (``sea_extra_h``) is
    added to both its ETAs (a shorter excess is the route's clearance from the coast, not
    land). Rows are then re-sorted (:func:`ranking_key`); the rounds stop when the first
    :data:`SEA_CHECK_N` reachable rows have all been routed, or after
    :data:`SEA_CHECK_ROUNDS` rounds.

    Why this order is fair: a vessel not routed keeps its straight-line ETA
    (``eta_basis = "straight_line"``), which is never later than its ETA by sea (a
    detour only adds). When the rounds end with the first :data:`SEA_CHECK_N` rows
    routed, every vessel below them has a straight-line ETA no earlier than theirs, so
    its ETA by sea is no earlier either: the first rows are those a sea route for every
    vessel would give, in that order. Further down the order is by the best estimate at
    hand, each row saying which (a vessel's straight line there may still cross land).

    Rows are changed in place and re-sorted; a router that cannot route from the centre
    (outside the coastline's region, on land) leaves the straight-line ranking, and a
    vessel with no sea route (outside the coastline's region, in enclosed water, too far
    from navigable water) keeps its straight-line ETA and ``sea_nm`` ``None``.
    """
    from sarwatch.geo.coast import REGION

    tried: set[int] = set()
    for _ in range(SEA_CHECK_ROUNDS):
        rows.sort(key=ranking_key)
        reachable = [r for r in rows if r["eta_p50_h"] is not None]
        if all(id(r) in tried for r in reachable[:SEA_CHECK_N]):
            return
        todo = []
        for r in reachable:
            if id(r) in tried:
                continue
            if not bool(REGION.contains(r["lon_now"], r["lat_now"])):
                tried.add(id(r))  # the router would refuse the whole search for it
                continue
            todo.append(r)
            if len(todo) == SEA_CHECK_N:
                break
        if not todo:
            continue
        try:
            routes = router.routes_from(centre, [(r["lon_now"], r["lat_now"]) for r in todo])
        except SarwatchError:  # a centre outside the coastline's region or on land
            return
        for r, route in zip(todo, routes, strict=True):
            tried.add(id(r))
            if route is not None:
                _by_sea(r, float(route.distance_nm))
    rows.sort(key=ranking_key)


def _by_sea(row: dict[str, Any], sea_nm: float) -> None:
    """A row's sea route: its length, land between, the detour added to the ETAs."""
    extra = sea_nm - row["distance_nm"]
    land = extra > max(LAND_EXTRA_SHARE * row["distance_nm"], LAND_MIN_EXTRA_NM)
    row["sea_nm"] = round(sea_nm, 2)
    row["land_between"] = bool(land)
    row["eta_basis"] = "sea_route"
    if not land:
        return
    extra_h = extra / row["speed_kn"]
    row["sea_extra_h"] = round(extra_h, 3)
    for key in ("eta_p50_h", "eta_p90_h"):
        if row[key] is not None:
            row[key] = round(row[key] + extra_h, 3)
