"""The plan's particles while the search goes on: a drift run's tracks over the search.

A plan made from a drift run scores each unit's route (``route_pos``) and each
searched track (``plan update``) against the particles at the time the unit passes
(:func:`sarwatch.planning.motion.route_pod`: linear between the run's output times,
frozen for at most 10 minutes at a time). A search that starts before the run's first
output time or ends after its last finds the particles held at their first or last
positions there (:func:`tracks_over`, with a note saying so). A manual datum has no
tracks: its cloud stays frozen at the datum time.

The allocation itself (:func:`allocate_moving`) places each unit's rectangle on the
particles while that unit searches (:mod:`sarwatch.planning.ontime`: at
``window_times`` times spread through the search for a ground-fixed pattern, at its
arrival for a drift-compensated one), unless the request asks for the datum-time
cloud (``"allocate_on": "datum"``, to compare).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from sarwatch.errors import InputError
from sarwatch.planning.allocation import Allocation, SearchUnit
from sarwatch.planning.cloud import to_local_nm
from sarwatch.planning.motion import CloudTracks, route_pod
from sarwatch.planning.ontime import OnScene, allocate_on_scene, held_tracks, window_of
from sarwatch.planning.pod import LateralRange, PodCurve
from sarwatch.planning.types import Route, Waypoint
from sarwatch.planning.window import CloudWindow

__all__ = [
    "allocate_moving",
    "cloud_statement",
    "on_scene_json",
    "route_pod_moving",
    "timed_track",
    "tracks_over",
]


def _np_time(t: datetime) -> np.datetime64:
    return np.datetime64(t.astimezone(UTC).replace(tzinfo=None), "s")


def _iso64(t: np.datetime64) -> str:
    return f"{np.asarray(t).astype('datetime64[s]')}Z"


def tracks_over(tracks: CloudTracks, first: datetime, last: datetime) -> tuple[CloudTracks, str]:
    """The tracks covering ``first`` .. ``last``, held at their ends outside the run.

    Returns
    -------
    tuple
        The tracks (the run's, with a held copy of the first or last positions added at
        ``first`` or ``last`` where the search runs outside the run's times) and a note
        saying what was held ("" when the run covers the search).
    """
    t0, t1 = _np_time(first), _np_time(last)
    times, lon, lat = tracks.times, tracks.lon, tracks.lat
    notes = []
    if t0 < times[0]:
        times = np.concatenate([[t0], times])
        lon, lat = np.hstack([lon[:, :1], lon]), np.hstack([lat[:, :1], lat])
        notes.append(f"before {_iso64(tracks.times[0])} at their first positions")
    if t1 > times[-1]:
        times = np.concatenate([times, [t1]])
        lon, lat = np.hstack([lon, lon[:, -1:]]), np.hstack([lat, lat[:, -1:]])
        notes.append(f"after {_iso64(tracks.times[-1])} at their last positions")
    note = ""
    if notes:
        note = (
            "the search runs outside the drift run's times: its particles are held "
            + " and ".join(notes)
            + " (drift the run over the whole search to follow them)"
        )
    return CloudTracks.from_arrays(times, lon, lat, tracks.weight), note


def route_pod_moving(tracks: CloudTracks, route: Route, curve: LateralRange) -> npt.NDArray[Any]:
    """POD per particle of a timed route against the particles as they drift.

    Raises
    ------
    InputError
        A route whose waypoints lack etas.
    """
    etas = [w.eta for w in route.waypoints]
    if any(t is None for t in etas):
        raise InputError(f"route {route.name!r}: every waypoint needs an eta")
    first, last = min(t for t in etas if t), max(t for t in etas if t)
    over, _ = tracks_over(tracks, first, last)
    return route_pod(over, route, curve)


def timed_track(
    points: list[tuple[float, float]], start: datetime, speed_kn: float, name: str
) -> Route:
    """A flown track without times, timed as flown from ``start`` at ``speed_kn``."""
    lon = np.array([p[0] for p in points], dtype=float)
    lat = np.array([p[1] for p in points], dtype=float)
    x, y = to_local_nm(lon, lat, float(lon.mean()), float(lat.mean()))
    hours = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))]) / speed_kn
    wps = tuple(
        Waypoint(lon=float(lo), lat=float(la), eta=start + timedelta(hours=float(h)))
        for lo, la, h in zip(lon, lat, hours, strict=True)
    )
    return Route(name=name, pattern="flown_track", speed_kn=speed_kn, waypoints=wps)


def allocate_moving(
    tracks: CloudTracks,
    units: list[SearchUnit],
    commence: datetime,
    *,
    compensated: list[bool],
    curve: PodCurve,
    window_times: int = 5,
) -> tuple[Allocation, tuple[OnScene, ...], tuple[CloudWindow, ...], str]:
    """The allocation on the moving cloud (:func:`sarwatch.planning.ontime.allocate_on_scene`).

    The tracks are held at their ends where the units' time (``commence`` to
    ``commence + hours``) runs outside the run (:func:`tracks_over`).

    Returns
    -------
    tuple
        The allocation; each unit's on-scene window; each unit's particles (the
        plan's, in their order) at its cloud times; the note of :func:`tracks_over`
        ("" when the run covers every unit's time).
    """
    end = commence + timedelta(hours=max(u.hours for u in units))
    over, note = tracks_over(tracks, commence, end)
    plan, windows = allocate_on_scene(
        over,
        units,
        _np_time(commence),
        compensated=compensated,
        curve=curve,
        window_times=window_times,
    )
    held = held_tracks(over)
    return plan, windows, tuple(window_of(held, w) for w in windows), note


def on_scene_json(w: OnScene) -> dict[str, Any]:
    """A unit's ``on_scene`` in the answer."""
    return {
        "arrival": _iso64(w.arrival),
        "end": _iso64(w.end),
        "transit_nm": w.transit_nm,
        "cloud_time": _iso64(w.cloud_time),
        "cloud_times": [_iso64(t) for t in w.cloud_times],
        "basis": w.basis,
    }


def cloud_statement(
    tracks: CloudTracks | None, datum: datetime, *, on_scene: bool = True
) -> dict[str, Any]:
    """The answer's ``cloud``: whether the particles move during the search, and when."""
    if tracks is None:
        return {
            "moving": False,
            "time": _iso64(_np_time(datum)),
            "allocation": "datum",
            "basis": "a manual datum has no tracks: the cloud is frozen at the datum time",
        }
    where = (
        "the allocation places each unit's rectangle on the particles while it "
        "searches (at times spread through its search; at its arrival for a "
        "drift-compensated pattern; units[].on_scene), POC is averaged over those "
        "times and the total POS counts units searching at different times"
        if on_scene
        else "the allocation uses the cloud at the datum time (allocate_on: datum)"
    )
    return {
        "moving": True,
        "times": [_iso64(t) for t in tracks.times],
        "allocation": "on_scene" if on_scene else "datum",
        "basis": "route POS and the update score each route piece against the drift "
        "run's particles at the time the unit passes (linear between output times); " + where,
    }
