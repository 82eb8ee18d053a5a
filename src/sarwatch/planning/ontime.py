"""Allocation on the moving cloud: each unit's rectangle placed where the particles are
when that unit searches.

A search is planned at a datum time but flown later: a ship 30 nm away arrives three
hours after the commence time, and searches for the hours it has left. The
probability of containment that matters is the weight of the particles inside its
rectangle *while it searches there* (issue 11). For each unit this module

1. finds its **on-scene window**: it leaves its start at the commence time and goes
   straight to where the cloud's centre will be when it arrives (the fixed point of
   ``t = t0 + d(start, centre(t)) / V``, iterated; it converges when the cloud moves
   slower than the unit), then searches for ``hours − transit`` hours; a unit without
   a start position spends ``transit_nm / V`` (default 0) getting there;
2. takes the **particles over that window**: for a pattern fixed over the ground, at
   ``K`` times spread evenly through the search (``(k + ½)/K`` of the way, ``K = 5``
   by default, each weighing ``1/K``: a :class:`~sarwatch.planning.window.CloudWindow`);
   for a drift-compensated pattern, at its arrival;
3. lets :func:`sarwatch.planning.allocation.allocate` place and size every unit's
   rectangle on its own window, the units searching at different times: a particle
   inside unit u's rectangle for a share ``f_u`` of its search is missed with
   probability ``1 − f_u·POD_u`` (the unit sweeps its rectangle evenly over the
   search), the units independently, so the total POS is ``Σ w·(1 − Π_u(1 − f_u·POD_u))``
   and each unit's POC is ``Σ w·f_u``, its rectangle's POC averaged over its search.

**Why integrate over the window, and why not for a compensated pattern.** A
ground-fixed pattern sweeps its rectangle evenly from the arrival to the end of the
search while the particles move through it. Placing the rectangle on the cloud at the
middle of the search alone (the time-averaged position of a steadily moving particle)
gets the place right but not the size: the rectangle fits the cloud at one instant,
and the particles drift out of it while it is searched. On a 5 h run (measured
2026-12-06: 1.1 kn of drift, a boat 6 kn × 3 h) that plan claims POS 0.91
where the route, flown against the moving particles
(:func:`sarwatch.planning.motion.route_pod`), finds 0.70; the window's plan claims
0.77 and its route finds 0.70. Over four unit sizes on that run (W 0.3-1.0 nm, 2-5 h)
the window's claims stayed within 0.07 of its routes, the middle time's ran 0.20
high, and the window's routes found as much (within 0.01) or more (0.85 against 0.77
for a 10 kn boat). It is not always the better rectangle: in a steady 2 kn drift with a 4 h
search (``tests/test_planning_ontime.py``) the middle-time rectangle's parallel track,
progressing with the drift, found 0.65 against 0.47 (claims 0.70 and 0.52), and so it
does for the cloud seeded along a line of ``tests/test_plan_moving.py`` (1.65 kn of drift,
a boat 8 kn × 3 h, medians of 8 seeds: 0.60 claiming 0.83, the window's 0.46 claiming
0.52). The window is the default because its POS is the calibrated one (``window_times=1`` gives
the middle time alone; both are scored against the flown route in every plan).

The linear share ``f·POD`` is what a uniform sweep gives a particle inside for part
of the search; for the exponential curve it errs low (``1 − e^(−fC) ≥ f(1 − e^(−C))``).
A drift-compensated pattern is laid out in the frame moving with the mean drift from
its commence search point at the arrival (:mod:`sarwatch.planning.compensation`): in
that frame the cloud only spreads, so the cloud at the arrival is the one its
rectangle must hold.
The route actually flown is always scored piece by piece against the moving particles
(``route_pos`` in a plan), the check on both approximations.

Particles without a position at some time (out of the forcing, say) are held at
their last position (or their first, before it), so that every unit's cloud holds
the same particles in the same order.

Examples
--------
>>> from sarwatch.planning.allocation import SearchUnit
>>> from sarwatch.planning.cloud import from_local_nm, to_local_nm
>>> rng = np.random.default_rng(1)
>>> x, y = rng.normal(0, 1, 2000), rng.normal(0, 1, 2000)
>>> times = np.array(["2026-12-06T12:00", "2026-12-06T18:00"], dtype="datetime64[s]")
>>> lon0, lat0 = from_local_nm(x, y, 12.4, 33.6)          # 2 kn east for 6 h: 12 nm
>>> lon1, lat1 = from_local_nm(x + 12, y, 12.4, 33.6)
>>> tracks = CloudTracks.from_arrays(times, np.c_[lon0, lon1], np.c_[lat0, lat1])
>>> ship = SearchUnit(name="ship", speed_kn=10, hours=4, sweep_width_nm=0.5)
>>> plan, (w,) = allocate_on_scene(tracks, [ship], times[0])
>>> str(w.arrival), str(w.cloud_time), w.basis        # searches 12:00-16:00, centred 14:00
('2026-12-06T12:00:00', '2026-12-06T14:00:00', 'search window')
>>> [str(t)[11:16] for t in w.cloud_times]
['12:24', '13:12', '14:00', '14:48', '15:36']
>>> round(to_local_nm([plan.assignments[0].area.lon], [plan.assignments[0].area.lat],
...                   12.4, 33.6)[0][0])              # the rectangle 4 nm east of the datum
4
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import numpy.typing as npt

from sarwatch.errors import InputError
from sarwatch.geo.geodesy import geodesic_distance_nm
from sarwatch.planning.allocation import Allocation, SearchUnit, allocate
from sarwatch.planning.cloud import Cloud
from sarwatch.planning.motion import CloudTracks
from sarwatch.planning.pod import PodCurve
from sarwatch.planning.window import CloudWindow

__all__ = ["OnScene", "allocate_on_scene", "cloud_at", "held_tracks", "on_scene", "window_of"]

_FloatArray = npt.NDArray[np.float64]

Basis = Literal["search window", "arrival"]


@dataclass(frozen=True, kw_only=True)
class OnScene:
    """When a unit searches, and the time of the particles its rectangle is placed on.

    Attributes
    ----------
    transit_nm
        Distance from its start to the cloud's centre at its arrival, nm (or the
        unit's ``transit_nm`` without a start).
    arrival, end
        The search window, ``datetime64[s]`` UTC.
    cloud_time
        The middle of the particle times the unit's rectangle is placed and scored on.
    cloud_times
        Those times: ``K`` spread evenly through the search (``search window``, a
        pattern fixed over the ground) or the arrival alone (``arrival``, a
        drift-compensated pattern).
    basis
        ``search window`` or ``arrival``.
    effort_nm2
        ``Z = W·V·(hours − transit time)``, nm².
    """

    transit_nm: float
    arrival: np.datetime64
    end: np.datetime64
    cloud_time: np.datetime64
    basis: Basis
    effort_nm2: float
    cloud_times: tuple[np.datetime64, ...] = ()

    @property
    def search_hours(self) -> float:
        """Hours of searching (``end − arrival``)."""
        return float((self.end - self.arrival) / np.timedelta64(1, "s")) / 3600.0


def held_tracks(tracks: CloudTracks) -> CloudTracks:
    """The tracks with each missing position replaced by the particle's last one (its
    first one before it has any).

    Raises
    ------
    InputError
        A particle with no position at any time.

    Examples
    --------
    >>> t = np.array(["2026-12-06T10", "2026-12-06T11", "2026-12-06T12"], dtype="datetime64[s]")
    >>> held_tracks(CloudTracks.from_arrays(t, [[np.nan, 12.0, np.nan]],
    ...                                     [[np.nan, 33.0, np.nan]])).lon.tolist()
    [[12.0, 12.0, 12.0]]
    """
    lon, lat = tracks.lon, tracks.lat
    ok = np.isfinite(lon) & np.isfinite(lat)
    if ok.all():
        return tracks
    if not ok.any(axis=1).all():
        k = int(np.flatnonzero(~ok.any(axis=1))[0])
        raise InputError(f"particle {k} of the tracks has no position at any time")
    n, t = lon.shape
    cols = np.arange(t)
    last = np.maximum.accumulate(np.where(ok, cols, -1), axis=1)  # last valid column so far
    first = np.argmax(ok, axis=1)[:, None]
    src = np.where(last >= 0, last, first)
    rows = np.arange(n)[:, None]
    return CloudTracks(
        times=tracks.times, lon=lon[rows, src], lat=lat[rows, src], weight=tracks.weight
    )


def _check_inside(tracks: CloudTracks, t: np.datetime64) -> None:
    if not tracks.times[0] <= t <= tracks.times[-1]:
        raise InputError(
            f"{t} is outside the drift run's times {tracks.times[0]} .. {tracks.times[-1]}: "
            "drift the cloud over the whole search"
        )


def cloud_at(tracks: CloudTracks, time: np.datetime64) -> Cloud:
    """All the tracks' particles, in their order, at a time inside the tracks' span
    (linear between output times; the tracks must have no missing position: see
    :func:`held_tracks`).

    Raises
    ------
    InputError
        A time outside the tracks' span.
    """
    t = _to_s(time)
    _check_inside(tracks, t)
    s = float((t - tracks.times[0]) / np.timedelta64(1, "s"))
    lon, lat = tracks.positions_at(s)
    return Cloud(lon=lon, lat=lat, weight=tracks.weight, time=t)


def _to_s(t: np.datetime64) -> np.datetime64:
    return cast(np.datetime64, np.asarray(t, dtype="datetime64[s]")[()])


def window_of(tracks: CloudTracks, scene: OnScene) -> CloudWindow:
    """The unit's :class:`~sarwatch.planning.window.CloudWindow`: the tracks'
    particles at each of ``scene.cloud_times`` (held tracks: :func:`held_tracks`)."""
    times = [_to_s(t) for t in scene.cloud_times or (scene.cloud_time,)]
    for t in times:
        _check_inside(tracks, t)
    lon, lat = tracks.positions_at_times(
        [float((t - tracks.times[0]) / np.timedelta64(1, "s")) for t in times]
    )
    return CloudWindow.of(
        [
            Cloud(lon=lo, lat=la, weight=tracks.weight, time=t)
            for lo, la, t in zip(lon, lat, times, strict=True)
        ]
    )


def _plus_hours(t: np.datetime64, hours: float) -> np.datetime64:
    return t + np.timedelta64(round(hours * 3600.0), "s")


def on_scene(
    tracks: CloudTracks,
    unit: SearchUnit,
    commence: np.datetime64,
    *,
    compensated: bool = False,
    iterations: int = 8,
    window_times: int = 5,
) -> OnScene:
    """The unit's search window and the time of the cloud its rectangle is placed on.

    Parameters
    ----------
    tracks
        The particles over time (no missing positions: :func:`held_tracks`), covering
        ``commence`` to ``commence + unit.hours``.
    unit
        The unit; with a start position it goes to the cloud's centre at its arrival.
    commence
        When the units set off, ``datetime64`` UTC.
    compensated
        Whether its pattern is drift-compensated (the cloud at the arrival, not at the
        middle of the search).
    iterations
        Fixed-point iterations for the arrival time (each moves it by the distance
        the cloud's centre drifts in the previous correction, divided by the speed).
    window_times
        ``K``, the times through the search a ground-fixed pattern's window holds.

    Raises
    ------
    InputError
        No search time left after the transit; times outside the tracks.
    """
    t0 = _to_s(commence)
    if unit.start_lon is None or unit.start_lat is None:
        transit = unit.transit_nm
    else:
        _check_inside(tracks, t0)
        # the centre is linear in the positions, so linear between output times too
        secs = (tracks.times - tracks.times[0]) / np.timedelta64(1, "s")
        c_lon, c_lat = tracks.centre_track
        transit, arrive_s = 0.0, -1.0
        for _ in range(max(iterations, 1)):
            s = float((t0 - tracks.times[0]) / np.timedelta64(1, "s"))
            s += min(transit / unit.speed_kn, unit.hours) * 3600.0
            if abs(s - arrive_s) < 1.0:
                break  # converged to the second
            arrive_s = s
            centre = float(np.interp(s, secs, c_lon)), float(np.interp(s, secs, c_lat))
            transit = float(geodesic_distance_nm(unit.start_lon, unit.start_lat, *centre))
    search_h = unit.hours - transit / unit.speed_kn
    if not search_h > 0:
        raise InputError(
            f"unit {unit.name!r} has no search time left: {transit:.1f} nm of transit at "
            f"{unit.speed_kn:g} kn takes {transit / unit.speed_kn:.2f} h of its {unit.hours:g} h"
        )
    if not 1 <= window_times <= 50:
        raise InputError(f"window_times must be between 1 and 50, got {window_times}")
    arrival = _plus_hours(t0, transit / unit.speed_kn)
    end = _plus_hours(t0, unit.hours)
    for t in (arrival, end):
        _check_inside(tracks, t)
    span_h = float((end - arrival) / np.timedelta64(1, "s")) / 3600.0
    share = [0.0] if compensated else [(k + 0.5) / window_times for k in range(window_times)]
    times = tuple(_plus_hours(arrival, span_h * f) for f in share)
    return OnScene(
        transit_nm=transit,
        arrival=arrival,
        end=end,
        cloud_time=arrival if compensated else arrival + (end - arrival) // 2,
        basis="arrival" if compensated else "search window",
        effort_nm2=unit.sweep_width_nm * unit.speed_kn * search_h,
        cloud_times=times,
    )


def allocate_on_scene(
    tracks: CloudTracks,
    units: Sequence[SearchUnit],
    commence: np.datetime64,
    *,
    compensated: Sequence[bool] | None = None,
    curve: PodCurve = "inverse_cube",
    cells: int = 40,
    rounds: int = 2,
    window_times: int = 5,
) -> tuple[Allocation, tuple[OnScene, ...]]:
    """Allocate the units on the moving cloud, each on the particles of its own time.

    Parameters
    ----------
    tracks
        The particles over time, covering every unit's search (missing positions are
        held: :func:`held_tracks`).
    units
        The units.
    commence
        When the units set off, ``datetime64`` UTC.
    compensated
        Per unit, whether its pattern is drift-compensated (default: none).
    curve, cells, rounds
        As for :func:`sarwatch.planning.allocation.allocate`.
    window_times
        As for :func:`on_scene`.

    Returns
    -------
    tuple
        The allocation (each assignment's ``poc`` over its own window; ``total_pos``
        over the units' different times) and each unit's :class:`OnScene`.

    Raises
    ------
    InputError
        No units, a unit with no search time left, a search outside the tracks' times.
    """
    if not units:
        raise InputError("an allocation needs at least one search unit")
    comp = [False] * len(units) if compensated is None else list(compensated)
    if len(comp) != len(units):
        raise InputError(f"one compensated flag per unit: {len(units)} units, {len(comp)} flags")
    held = held_tracks(tracks)
    windows = tuple(
        on_scene(held, u, commence, compensated=c, window_times=window_times)
        for u, c in zip(units, comp, strict=True)
    )
    clouds = [window_of(held, w) for w in windows]
    base = cloud_at(held, min(max(_to_s(commence), held.times[0]), held.times[-1]))
    plan = allocate(
        base,
        units,
        curve=curve,
        cells=cells,
        rounds=rounds,
        clouds=clouds,
        efforts_nm2=[w.effort_nm2 for w in windows],
    )
    return plan, windows
