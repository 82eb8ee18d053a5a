"""Keep a search route at sea: remove waypoints on land, clip legs at the coast.

The land test is a parameter (``is_land(lon, lat) -> bool array``) so that this module
stays pure; the service passes :meth:`sarwatch.geo.coast.LandMask.contains` of the
land mask for its cache directory. Each leg is sampled along its geodesic every
``step_nm``; where it enters land the route gets a waypoint at the last sea point
(the coast, found by bisection to ``tolerance_nm``) and where it leaves land one at
the first sea point. Every change is written in :attr:`Route.warnings` so that the
crew know where the plan was cut. Land narrower than ``step_nm`` can be missed.

The clip points keep the times of the original plan (interpolated along the leg),
so that a drift-compensated route stays consistent with its drift; the route then
joins the two clip points of a stretch of land directly, and the warning says to
navigate around it.

Examples
--------
>>> from datetime import datetime, timezone
>>> from sarwatch.planning.patterns import timed_route
>>> t0 = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
>>> r = timed_route([12.0, 12.0, 12.0], [33.0, 33.2, 33.4], names=["CSP", "WP1", "WP2"],
...                 speed_kn=10.0, start=t0, name="A", pattern="track_line")
>>> north_of_33_3_is_land = lambda lon, lat: lat > 33.3
>>> clipped = clip_to_sea(r, north_of_33_3_is_land)
>>> [w.name for w in clipped.waypoints], round(clipped.waypoints[-1].lat, 3)
(['CSP', 'WP1', 'COAST1'], 33.3)
>>> clipped.warnings[0]
"WP2 lies on land at 33°24.0'N 012°00.0'E: removed"
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from sarwatch.errors import PositionOnLandError
from sarwatch.geo.geodesy import geod
from sarwatch.geo.position import format_position
from sarwatch.geo.units import M_PER_NM
from sarwatch.planning.types import Route, Waypoint

__all__ = ["LandPredicate", "clip_to_sea"]

#: ``is_land(lon, lat)``: degrees in, one bool per point out (True on land).
LandPredicate = Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], npt.ArrayLike]


def _dm(lon: float, lat: float) -> str:
    return format_position(lon, lat, style="dm", decimals=1)


@dataclass(frozen=True)
class _Sample:
    lon: float
    lat: float
    eta: datetime | None
    land: bool


def _interp_eta(a: datetime | None, b: datetime | None, f: float) -> datetime | None:
    if a is None or b is None:
        return None
    return a + timedelta(seconds=round((b - a).total_seconds() * f))


def _is_land(pred: LandPredicate, lon: list[float], lat: list[float]) -> list[bool]:
    out = np.asarray(pred(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)), dtype=bool)
    return [bool(v) for v in np.atleast_1d(out).ravel()]


def _coast(
    pred: LandPredicate,
    sea: tuple[float, float],
    land: tuple[float, float],
    tolerance_nm: float,
) -> tuple[float, float, float]:
    """The last sea point between a sea point and a land point, and its fraction along."""
    az, _, dist = geod().inv(sea[0], sea[1], land[0], land[1])
    lo, hi = 0.0, float(dist)
    while hi - lo > tolerance_nm * M_PER_NM:
        mid = 0.5 * (lo + hi)
        lon, lat, _ = geod().fwd(sea[0], sea[1], az, mid)
        if _is_land(pred, [lon], [lat])[0]:
            hi = mid
        else:
            lo = mid
    if lo == 0.0:  # the sea point itself is the last one at sea
        return sea[0], sea[1], 0.0
    lon, lat, _ = geod().fwd(sea[0], sea[1], az, lo)
    return float(lon), float(lat), lo / float(dist)


def clip_to_sea(
    route: Route,
    is_land: LandPredicate,
    *,
    step_nm: float = 0.05,
    tolerance_nm: float = 0.005,
) -> Route:
    """The route with its waypoints on land removed and its legs clipped at the coast.

    Parameters
    ----------
    route
        A planned route (ground positions: clip after drift compensation).
    is_land
        Land test, vectorised over ``(lon, lat)`` arrays of degrees.
    step_nm
        Sampling step along each leg, nautical miles (default 0.05 nm, ~90 m).
    tolerance_nm
        How close to the coast a clip point is placed, nautical miles.

    Returns
    -------
    Route
        The same route when nothing is on land; otherwise the sea part with a
        warning per removed waypoint and per stretch of land crossed.

    Raises
    ------
    PositionOnLandError
        If fewer than two points of the route are at sea.
    """
    wps = route.waypoints
    if len(wps) < 2:
        return route
    # densify every leg along its geodesic (each leg's samples in one call)
    samples: list[_Sample] = []
    owner: list[int] = []  # index of the original waypoint a sample is, or -1
    lons: list[float] = []
    lats: list[float] = []
    fracs: list[tuple[int, float]] = []
    for i, (a, b) in enumerate(itertools.pairwise(wps)):
        az, _, dist = geod().inv(a.lon, a.lat, b.lon, b.lat)
        n = max(1, math.ceil(float(dist) / (step_nm * M_PER_NM)))
        f_k = [k / n for k in range(n)]
        lons.append(float(a.lon))
        lats.append(float(a.lat))
        if n > 1:
            lon_k, lat_k, _ = geod().fwd(
                np.full(n - 1, a.lon), np.full(n - 1, a.lat), np.full(n - 1, az),
                float(dist) * np.array(f_k[1:]),
            )  # fmt: skip
            lons.extend(np.asarray(lon_k, dtype=float).tolist())
            lats.extend(np.asarray(lat_k, dtype=float).tolist())
        fracs.extend((i, f) for f in f_k)
        owner.extend([i] + [-1] * (n - 1))
    lons.append(wps[-1].lon)
    lats.append(wps[-1].lat)
    fracs.append((len(wps) - 1, 0.0))
    owner.append(len(wps) - 1)
    land = _is_land(is_land, lons, lats)
    if not any(land):
        return route
    for (i, f), lon, lat, on in zip(fracs, lons, lats, land, strict=True):
        eta = wps[i].eta if f == 0.0 else _interp_eta(wps[i].eta, wps[i + 1].eta, f)
        samples.append(_Sample(lon, lat, eta, on))

    out: list[Waypoint] = []
    warnings = list(route.warnings)
    n_coast = 0
    entered_after = ""  # name of the last waypoint before the current stretch of land
    entered_at = ""  # and its position
    for j, s in enumerate(samples):
        if owner[j] >= 0:
            w = wps[owner[j]]
            if s.land:
                warnings.append(f"{w.name} lies on land at {_dm(w.lon, w.lat)}: removed")
        if j > 0 and s.land != samples[j - 1].land:
            prev = samples[j - 1]
            if s.land:  # entering land: clip at the last sea point
                lon, lat, f = _coast(is_land, (prev.lon, prev.lat), (s.lon, s.lat), tolerance_nm)
                entered_at = _dm(lon, lat)
                if f == 0.0 and owner[j - 1] >= 0:  # that is the waypoint just kept
                    entered_after = wps[owner[j - 1]].name
                else:
                    n_coast += 1
                    entered_after = f"COAST{n_coast}"
                    eta = _interp_eta(prev.eta, s.eta, f)
                    out.append(Waypoint(lon=lon, lat=lat, eta=eta, name=entered_after))
            else:  # leaving land: the first sea point
                lon, lat, f = _coast(is_land, (s.lon, s.lat), (prev.lon, prev.lat), tolerance_nm)
                if f == 0.0 and owner[j] >= 0:  # that is the waypoint kept just below
                    name = wps[owner[j]].name
                else:
                    n_coast += 1
                    name = f"COAST{n_coast}"
                    eta = _interp_eta(s.eta, prev.eta, f)
                    out.append(Waypoint(lon=lon, lat=lat, eta=eta, name=name))
                if not entered_after:
                    warnings.append(
                        f"the route starts on land: it now begins at {name} ({_dm(lon, lat)})"
                    )
                else:
                    warnings.append(
                        f"the route crosses land between {entered_after} "
                        f"({entered_at}) and {name} "
                        f"({_dm(lon, lat)}): legs clipped at the coast; "
                        "navigate around the land between these two points"
                    )
        if owner[j] >= 0 and not s.land:
            out.append(wps[owner[j]])
    if samples[-1].land and entered_after:
        warnings.append(
            f"the route ends on land after {entered_after} ({entered_at}): clipped at the coast"
        )
    if len(out) < 2:
        raise PositionOnLandError(
            f"the {route.pattern} pattern of {route.name} lies on land: move the search area "
            "or its datum to sea"
        )
    return replace(route, waypoints=tuple(out), warnings=tuple(warnings))
