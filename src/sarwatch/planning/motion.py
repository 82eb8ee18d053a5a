"""Particles that move during the search: the POD of a timed route against the drifting cloud.

A search takes hours; the object drifts meanwhile. :class:`CloudTracks` holds every
particle's position at the drift run's output times; :func:`route_pod` flies a timed
:class:`~sarwatch.planning.types.Route` (waypoints with ``eta``) against it: the route
is cut into pieces of at most ``bin_min`` minutes, and each piece is scored against the
particles at the piece's middle time (linear between output times), the pieces'
log-miss probabilities adding up (independent passes, as in
:func:`~sarwatch.planning.pod.track_log_miss`). The particles are thus frozen for at
most ``bin_min`` minutes at a time: at 1 kn of drift, 10 minutes move them 0.17 nm.
The Bayesian update is then :func:`~sarwatch.planning.cloud.update_after_search` with
these PODs, on the weights the cloud carries at any time (weights are per particle).

Examples
--------
>>> from datetime import UTC, datetime
>>> from sarwatch.planning.pod import LateralRange
>>> from sarwatch.planning.types import Route, Waypoint
>>> times = np.array(["2026-12-06T10:00", "2026-12-06T12:00"], dtype="datetime64[s]")
>>> ct = CloudTracks.from_arrays(times, [[12.0, 12.0]], [[33.0, 33.0]])   # one still particle
>>> t0, t1 = datetime(2026, 12, 6, 10, 30, tzinfo=UTC), datetime(2026, 12, 6, 11, 0, tzinfo=UTC)
>>> r = Route(name="u", pattern="track_line", speed_kn=10, waypoints=(
...     Waypoint(lon=12.0, lat=32.95, eta=t0), Waypoint(lon=12.0, lat=33.05, eta=t1)))
>>> route_pod(ct, r, LateralRange("definite_range", 1.0)).tolist()
[1.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from functools import cached_property
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from sarwatch.drift.result import DriftResult
from sarwatch.errors import InputError
from sarwatch.planning._kernels import interpolate_rows, quadratic_rows
from sarwatch.planning._reduce import weighted_columns
from sarwatch.planning.cloud import Cloud, to_local_nm
from sarwatch.planning.pod import LateralRange, track_log_miss
from sarwatch.planning.types import Route

__all__ = ["CloudTracks", "route_pod"]

_FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class CloudTracks:
    """Particle positions at several times, and their weights.

    Attributes
    ----------
    times
        Output times, ``datetime64[s]`` UTC, increasing, shape ``(T,)``.
    lon, lat
        Positions, degrees, shape ``(n, T)`` (NaN where a particle has none).
    weight
        Probability per particle, summing to 1, shape ``(n,)``.
    """

    times: npt.NDArray[np.datetime64]
    lon: _FloatArray
    lat: _FloatArray
    weight: _FloatArray

    @classmethod
    def from_arrays(
        cls,
        times: npt.ArrayLike,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        weight: npt.ArrayLike | None = None,
    ) -> CloudTracks:
        """Tracks from arrays (``lon``/``lat`` of shape ``(n, T)``; equal weights when omitted).

        Raises
        ------
        InputError
            Shapes that disagree, times not increasing, bad weights.
        """
        t = np.asarray(times).astype("datetime64[s]")
        # the caller's float arrays are kept, not copied (tracks are never changed in place)
        lo = np.atleast_2d(np.asarray(lon, dtype=float))
        la = np.atleast_2d(np.asarray(lat, dtype=float))
        if t.ndim != 1 or lo.shape != la.shape or lo.shape[1] != t.size:
            raise InputError(
                f"tracks must be (n, T) with T = {t.size} times, got {lo.shape} and {la.shape}"
            )
        if t.size > 1 and not np.all(np.diff(t) > np.timedelta64(0, "s")):
            raise InputError("track times must increase")
        w = np.ones(lo.shape[0]) if weight is None else np.array(weight, dtype=float).ravel()
        if w.size != lo.shape[0]:
            raise InputError(f"one weight per particle: got {w.size} for {lo.shape[0]}")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
            raise InputError("particle weights must be finite, non-negative and not all 0")
        return cls(times=t, lon=lo, lat=la, weight=w / w.sum())

    @classmethod
    def from_drift_result(cls, result: DriftResult) -> CloudTracks:
        """The tracked particles of a run (its first ``particles_in_file``), equal weights."""
        order = np.argsort(result.times)
        return cls.from_arrays(
            result.times[order], result.track_lon[:, order], result.track_lat[:, order]
        )

    def _seconds(self, t: npt.ArrayLike) -> _FloatArray:
        return np.asarray(
            (np.asarray(t).astype("datetime64[s]") - self.times[0]) / np.timedelta64(1, "s"),
            dtype=float,
        )

    @cached_property
    def centre_track(self) -> tuple[_FloatArray, _FloatArray]:
        """The weighted mean position at each output time, ``(lon, lat)`` degrees,
        shape ``(T,)`` each (NaN where a particle has no position)."""
        return weighted_columns(self.weight, self.lon), weighted_columns(self.weight, self.lat)

    def positions_at(self, seconds_from_first: float) -> tuple[_FloatArray, _FloatArray]:
        """Positions, degrees, at a time given in seconds after ``times[0]`` (linear between)."""
        lon, lat = self.positions_at_times([seconds_from_first])
        return lon[0], lat[0]

    def positions_at_times(
        self, seconds_from_first: Sequence[float]
    ) -> tuple[_FloatArray, _FloatArray]:
        """Positions, degrees, at several times given in seconds after ``times[0]``
        (linear between output times), shape ``(K, n)`` each: one pass over the tracks
        for all ``K`` times, each value that of :meth:`positions_at`."""
        ts = self._seconds(self.times)
        s = np.asarray(seconds_from_first, dtype=float)
        if ts.size == 1:
            return (
                np.repeat(self.lon[:, 0][None, :], s.size, axis=0),
                np.repeat(self.lat[:, 0][None, :], s.size, axis=0),
            )
        k = np.clip(np.searchsorted(ts, s) - 1, 0, ts.size - 2).astype(np.int64)
        f = (s - ts[k]) / (ts[k + 1] - ts[k])
        return interpolate_rows(self.lon, k, f), interpolate_rows(self.lat, k, f)

    def at(self, time: np.datetime64) -> Cloud:
        """The cloud at a time inside the tracks' span (particles without a position dropped)."""
        s = float(self._seconds(time))
        ts = self._seconds(self.times)
        if not ts[0] <= s <= ts[-1]:
            raise InputError(
                f"{time} is outside the tracks' times {self.times[0]} .. {self.times[-1]}"
            )
        lon, lat = self.positions_at(s)
        t = np.datetime64(np.asarray(time).astype("datetime64[s]").item(), "s")
        return Cloud.from_arrays(lon, lat, self.weight, time=t)


def _route_times(route: Route) -> npt.NDArray[np.datetime64]:
    out = []
    for w in route.waypoints:
        if w.eta is None or w.eta.tzinfo is None:
            raise InputError(
                f"route {route.name!r}: every waypoint needs a timezone-aware eta to follow the "
                "drifting cloud (or use cloud.search_pod with the cloud at one time)"
            )
        out.append(np.datetime64(w.eta.astimezone(UTC).replace(tzinfo=None), "s"))
    t = np.array(out, dtype="datetime64[s]")
    if np.any(np.diff(t) < np.timedelta64(0, "s")):
        raise InputError(f"route {route.name!r}: waypoint etas must not go backwards")
    return t


def route_pod(
    tracks: CloudTracks,
    route: Route,
    curve: LateralRange,
    *,
    bin_min: float = 10.0,
) -> _FloatArray:
    """POD per particle of a timed route flown while the particles drift.

    Parameters
    ----------
    tracks
        The particles' positions over time.
    route
        At least two waypoints, each with a timezone-aware ``eta``; the unit moves at
        constant speed along each leg between its waypoints' etas.
    curve
        The unit's lateral-range curve for the object.
    bin_min
        Longest piece of the route scored against one frozen position of the particles,
        minutes.

    Returns
    -------
    numpy.ndarray
        POD per particle (0 for a particle with no position during a piece).

    Raises
    ------
    InputError
        Missing etas, a route outside the tracks' times, a non-positive ``bin_min``.
    """
    if not bin_min > 0:
        raise InputError(f"bin_min must be positive minutes, got {bin_min!r}")
    if len(route.waypoints) < 2:
        raise InputError(f"route {route.name!r} needs at least two waypoints")
    wt = tracks._seconds(_route_times(route))
    ts = tracks._seconds(tracks.times)
    if wt[0] < ts[0] or wt[-1] > ts[-1]:
        raise InputError(
            f"route {route.name!r} runs outside the cloud's times "
            f"({tracks.times[0]} .. {tracks.times[-1]}): drift the cloud over the search"
        )
    wlon = np.array([w.lon for w in route.waypoints])
    wlat = np.array([w.lat for w in route.waypoints])
    lon0, lat0 = float(wlon.mean()), float(wlat.mean())
    wx, wy = to_local_nm(wlon, wlat, lon0, lat0)
    step = bin_min * 60.0
    edges = np.arange(wt[0], wt[-1], step)
    edges = np.append(edges, wt[-1])
    log_miss = np.zeros(tracks.weight.size)
    pieces = []
    for b0, b1 in pairwise(edges.tolist()):
        # the route between b0 and b1: its position at b0, the waypoints inside, at b1
        inner = np.flatnonzero((wt > b0) & (wt < b1))
        tt = np.concatenate([[b0], wt[inner], [b1]])
        px = np.interp(tt, wt, wx)
        py = np.interp(tt, wt, wy)
        if np.allclose(np.diff(px), 0) and np.allclose(np.diff(py), 0):
            continue  # the unit waits (no distance flown in this piece)
        pieces.append((0.5 * (b0 + b1), px, py))
    if not pieces:
        return np.zeros(tracks.weight.size)
    xs, ys = _plane_at(tracks, ts, np.array([m for m, _, _ in pieces]), lon0, lat0)
    for j, (_, px, py) in enumerate(pieces):
        ok = np.isfinite(xs[j]) & np.isfinite(ys[j])
        if not ok.any():
            continue
        if ok.all():
            log_miss += track_log_miss(xs[j], ys[j], px, py, curve)
        else:
            log_miss[ok] += track_log_miss(xs[j, ok], ys[j, ok], px, py, curve)
    return np.asarray(-np.expm1(log_miss) + 0.0, dtype=float)


def _plane_at(
    tracks: CloudTracks, ts: _FloatArray, s: _FloatArray, lon0: float, lat0: float
) -> tuple[_FloatArray, _FloatArray]:
    """The particles in the plane about ``(lon0, lat0)``, nm, at times ``s`` (seconds
    after ``times[0]``, inside the tracks' span), shape ``(K, n)`` each.

    The positions are linear in degrees between output times (those of
    :meth:`CloudTracks.positions_at_times`); rather than carrying each time's positions
    into the plane, the output times around ``s`` and the middles between them are
    carried (one transform), and the plane positions interpolated quadratically
    through the three of each interval: the curvature of the map over one interval is
    quadratic to within ``d³/R²`` (``d`` the drift in an interval, ``R`` the Earth's
    radius: 3e-7 nm for 1.5 nm). NaN where a particle has no position at either end.
    """
    if ts.size == 1:
        x, y = to_local_nm(tracks.lon[:, 0], tracks.lat[:, 0], lon0, lat0)
        return np.repeat(x[None, :], s.size, axis=0), np.repeat(y[None, :], s.size, axis=0)
    k = np.clip(np.searchsorted(ts, s) - 1, 0, ts.size - 2).astype(np.int64)
    f = (s - ts[k]) / (ts[k + 1] - ts[k])
    k0, k1 = int(k.min()), int(k.max()) + 1
    lon, lat = tracks.lon[:, k0 : k1 + 1], tracks.lat[:, k0 : k1 + 1]
    ex, ey = to_local_nm(lon, lat, lon0, lat0)
    mx, my = to_local_nm(0.5 * (lon[:, :-1] + lon[:, 1:]), 0.5 * (lat[:, :-1] + lat[:, 1:]),
                         lon0, lat0)  # fmt: skip
    kk = k - k0
    return quadratic_rows(ex, mx, kk, f), quadratic_rows(ey, my, kk, f)
