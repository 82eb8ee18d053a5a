"""The probability map is the particle cloud: POC of an area, and the Bayesian update.

A drift run's particles, each with a weight, *are* the probability distribution of
the object's position (CASP/SAROPS; Kratzke, Stone & Frost 2010). The probability of
containment of an area at a time is the weight of the particles inside it at that
time (:func:`poc`). After an unsuccessful search each particle's weight becomes
``w·(1 − POD_i)``, with ``POD_i`` the probability that the search would have
detected an object at that particle's position (from the unit's track and a
lateral-range curve, :func:`search_pod`), and the weights are renormalised
(:func:`update_after_search`): search_planning.md §7. The mass that leaves the
searched area is exactly the search's POS, ``Σ w·POD``.

The cloud is taken at one time: use the particles at the middle of the search (the
drift result's track at that output time) and the ground track; for searches long
enough that the objects move by more than a track spacing, split the track by time
and update once per part, each against the cloud at its time (the order of
operations in search_planning.md §7).

Geometry is done in a local azimuthal equidistant plane on WGS84 centred on the
area or the track, in nautical miles (:mod:`sarwatch.planning.plane`, the plane the
search patterns are laid out in): exact for distances from the centre, within 0.1 %
across the few tens of miles of a search.

Examples
--------
>>> c = Cloud.from_arrays([12.0, 12.0, 12.5], [33.0, 33.01, 33.0])
>>> round(poc(c, SearchArea(lon=12.0, lat=33.0, length_nm=4.0, width_nm=4.0)), 6)
0.666667
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sarwatch.drift.result import DriftResult
from sarwatch.errors import InputError
from sarwatch.planning._reduce import weighted_sum
from sarwatch.planning.plane import _axis_frame, lonlat_to_plane, plane_to_lonlat
from sarwatch.planning.pod import LateralRange, track_pod
from sarwatch.planning.types import Route, SearchArea

__all__ = [
    "Cloud",
    "SearchUpdate",
    "area_frame_nm",
    "area_mask",
    "containment_radius_nm",
    "from_local_nm",
    "poc",
    "resample",
    "search_pod",
    "to_local_nm",
    "update_after_search",
]

_FloatArray = npt.NDArray[np.float64]


def to_local_nm(
    lon: npt.ArrayLike, lat: npt.ArrayLike, lon0: float, lat0: float
) -> tuple[_FloatArray, _FloatArray]:
    """``(lon, lat)`` degrees to ``(east, north)`` nm in the aeqd plane centred on ``(lon0, lat0)``.

    The plane is :func:`sarwatch.planning.plane.lonlat_to_plane`'s (the one the search
    patterns are laid out in), with the origin given last.

    Examples
    --------
    >>> x, y = to_local_nm([12.0], [33.5], 12.0, 33.0)
    >>> round(float(x[0]), 6), round(float(y[0]), 2)
    (0.0, 29.94)
    """
    return lonlat_to_plane(float(lon0), float(lat0), lon, lat)


def from_local_nm(
    x_nm: npt.ArrayLike, y_nm: npt.ArrayLike, lon0: float, lat0: float
) -> tuple[_FloatArray, _FloatArray]:
    """The inverse of :func:`to_local_nm` (:func:`sarwatch.planning.plane.plane_to_lonlat`).

    Examples
    --------
    >>> lon, lat = from_local_nm(*to_local_nm([12.3], [33.4], 12.0, 33.0), 12.0, 33.0)
    >>> round(float(lon[0]), 9), round(float(lat[0]), 9)
    (12.3, 33.4)
    """
    return plane_to_lonlat(float(lon0), float(lat0), x_nm, y_nm)


@dataclass(frozen=True, eq=False)
class Cloud:
    """Weighted particles: the probability map of the object's position at one time.

    Attributes
    ----------
    lon, lat
        Positions, WGS84 degrees (finite), shape ``(n,)``.
    weight
        Probability of each particle, non-negative, summing to 1.
    time
        The time the positions are for (``datetime64[s]`` UTC), or ``None``.
    """

    lon: _FloatArray
    lat: _FloatArray
    weight: _FloatArray
    time: np.datetime64 | None = None

    @classmethod
    def from_arrays(
        cls,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        weight: npt.ArrayLike | None = None,
        *,
        time: np.datetime64 | None = None,
    ) -> Cloud:
        """A cloud from position arrays and optional weights (equal when omitted).

        Particles without a finite position are dropped (their weight with them);
        the weights are renormalised to sum to 1.

        Raises
        ------
        InputError
            Arrays of different lengths, negative or non-finite weights, no weight left.

        Examples
        --------
        >>> c = Cloud.from_arrays([12.0, np.nan, 12.2], [33.0, 33.1, 33.2], [1.0, 5.0, 3.0])
        >>> c.n, c.weight.tolist()
        (2, [0.25, 0.75])
        """
        lo = np.array(lon, dtype=float).ravel()
        la = np.array(lat, dtype=float).ravel()
        w = np.ones_like(lo) if weight is None else np.array(weight, dtype=float).ravel()
        if not (lo.shape == la.shape == w.shape):
            raise InputError(
                f"lon, lat and weight must have one length, got {lo.size}, {la.size}, {w.size}"
            )
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise InputError("particle weights must be finite and non-negative")
        keep = np.isfinite(lo) & np.isfinite(la)
        lo, la, w = lo[keep], la[keep], w[keep]
        total = float(w.sum())
        if not total > 0:
            raise InputError("the cloud has no particle with a position and a positive weight")
        return cls(lon=lo, lat=la, weight=w / total, time=time)

    @classmethod
    def from_drift_result(cls, result: DriftResult, time: np.datetime64 | None = None) -> Cloud:
        """The cloud of a drift run: all particles at the end, or the tracks at an output time.

        Parameters
        ----------
        result
            A finished run.
        time
            An output time of the run (``datetime64``); ``None`` for the end. Tracks
            hold the first ``particles_in_file`` particles, so a cloud at an earlier
            time has that many.

        Raises
        ------
        InputError
            ``time`` is not one of the run's output times.
        """
        if time is None:
            return cls.from_arrays(
                result.final_lon,
                result.final_lat,
                time=result.times[-1] if result.times.size else None,
            )
        t = np.datetime64(np.asarray(time).astype("datetime64[s]").item(), "s")
        idx = np.flatnonzero(result.times.astype("datetime64[s]") == t)
        if idx.size == 0:
            raise InputError(
                f"{t} is not an output time of the drift run: it has "
                + ", ".join(str(x) for x in result.times[:6])
                + (" ..." if result.times.size > 6 else "")
            )
        k = int(idx[0])
        return cls.from_arrays(result.track_lon[:, k], result.track_lat[:, k], time=t)

    @property
    def n(self) -> int:
        """Number of particles."""
        return int(self.lon.size)

    def centre(self) -> tuple[float, float]:
        """Weighted mean position ``(lon, lat)``, degrees (fine for a cloud far from ±180°)."""
        return weighted_sum(self.weight, self.lon), weighted_sum(self.weight, self.lat)

    def effective_sample_size(self) -> float:
        """``1 / Σw²``: resample when it falls well below ``n`` (search_planning.md §7).

        Examples
        --------
        >>> Cloud.from_arrays([12.0, 12.1], [33.0, 33.0], [1, 3]).effective_sample_size()
        1.6
        """
        return float(1.0 / np.sum(self.weight**2))

    def with_weight(self, weight: npt.ArrayLike) -> Cloud:
        """The same particles with new weights (renormalised)."""
        return Cloud.from_arrays(self.lon, self.lat, weight, time=self.time)


def area_frame_nm(
    lon: npt.ArrayLike, lat: npt.ArrayLike, area: SearchArea
) -> tuple[_FloatArray, _FloatArray]:
    """Positions in an area's own frame: ``(along, across)`` nm from its centre.

    ``along`` is measured along ``orientation_deg`` (the length), ``across`` 90° to
    its right (the width).
    """
    return _axis_frame(*to_local_nm(lon, lat, area.lon, area.lat), area.orientation_deg)


def area_mask(cloud: Cloud, area: SearchArea) -> npt.NDArray[np.bool_]:
    """Which particles lie inside the (rotated) rectangle.

    Examples
    --------
    >>> c = Cloud.from_arrays([12.0, 12.05], [33.0, 33.0])   # 0 and 2.5 nm east
    >>> tall = SearchArea(lon=12.0, lat=33.0, length_nm=10.0, width_nm=2.0)  # north-south
    >>> area_mask(c, tall).tolist()
    [True, False]
    >>> wide = SearchArea(lon=12.0, lat=33.0, length_nm=10.0, width_nm=2.0, orientation_deg=90)
    >>> area_mask(c, wide).tolist()
    [True, True]
    """
    along, across = area_frame_nm(cloud.lon, cloud.lat, area)
    return np.asarray(
        (np.abs(along) <= area.length_nm / 2) & (np.abs(across) <= area.width_nm / 2), dtype=bool
    )


def poc(cloud: Cloud, area: SearchArea) -> float:
    """Probability of containment: the weight of the particles inside ``area``."""
    return float(cloud.weight[area_mask(cloud, area)].sum())


def _track_lonlat(track: Route | Sequence[tuple[float, float]]) -> tuple[_FloatArray, _FloatArray]:
    if isinstance(track, Route):
        pts = [(w.lon, w.lat) for w in track.waypoints]
    else:
        pts = [(float(p[0]), float(p[1])) for p in track]
    if len(pts) < 2:
        raise InputError(f"a searched track needs at least two waypoints, got {len(pts)}")
    arr = np.asarray(pts, dtype=float)
    return arr[:, 0], arr[:, 1]


def search_pod(
    cloud: Cloud, track: Route | Sequence[tuple[float, float]], curve: LateralRange
) -> _FloatArray:
    """POD at each particle of a unit flying ``track`` with lateral-range ``curve``.

    Parameters
    ----------
    cloud
        The particles at the time of the search.
    track
        A :class:`~sarwatch.planning.types.Route` or ``(lon, lat)`` vertices, flown in order.
    curve
        The unit's lateral-range curve for the object.

    Examples
    --------
    >>> c = Cloud.from_arrays([12.0, 12.0, 13.0], [33.0, 33.1, 33.0])
    >>> search_pod(c, [(12.0, 32.9), (12.0, 33.2)], LateralRange("definite_range", 1.0)).tolist()
    [1.0, 1.0, 0.0]
    """
    tlon, tlat = _track_lonlat(track)
    lon0, lat0 = float(np.mean(tlon)), float(np.mean(tlat))
    px, py = to_local_nm(cloud.lon, cloud.lat, lon0, lat0)
    tx, ty = to_local_nm(tlon, tlat, lon0, lat0)
    return track_pod(px, py, tx, ty, curve)


@dataclass(frozen=True, eq=False)
class SearchUpdate:
    """What an unsuccessful search tells: the updated cloud and the search's POS.

    Attributes
    ----------
    cloud
        The posterior: weights ``w·(1 − POD)`` renormalised.
    pos
        The search's probability of success on the prior, ``Σ w·POD``.
    pod
        POD per particle of the prior.
    """

    cloud: Cloud
    pos: float
    pod: _FloatArray


def update_after_search(cloud: Cloud, pod: npt.ArrayLike) -> SearchUpdate:
    """The Bayesian update after an unsuccessful search (SAROPS particle filter).

    ``w_i' = w_i·(1 − POD_i) / Σ_k w_k·(1 − POD_k)``.

    Parameters
    ----------
    cloud
        The prior.
    pod
        POD per particle (e.g. :func:`search_pod`), in [0, 1].

    Raises
    ------
    InputError
        Wrong length, values outside [0, 1], or a search that was certain to find the
        object (no probability left: it was there, so the search was not unsuccessful).

    Examples
    --------
    >>> c = Cloud.from_arrays([12.0, 12.1], [33.0, 33.0])
    >>> u = update_after_search(c, [0.8, 0.0])
    >>> round(u.pos, 6), u.cloud.weight.round(6).tolist()   # 0.1/0.6, 0.5/0.6
    (0.4, [0.166667, 0.833333])
    """
    p = np.asarray(pod, dtype=float).ravel()
    if p.shape != cloud.weight.shape:
        raise InputError(f"one POD per particle: got {p.size} for {cloud.n} particles")
    if not (np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))):
        raise InputError("POD values must lie in [0, 1]")
    pos_value = weighted_sum(cloud.weight, p)
    left = cloud.weight * (1.0 - p)
    if not float(left.sum()) > 0:
        raise InputError(
            "the search was certain to detect the object at every particle: "
            "an unsuccessful search leaves no probability (check the track and sweep width)"
        )
    return SearchUpdate(
        cloud=Cloud(lon=cloud.lon, lat=cloud.lat, weight=left / left.sum(), time=cloud.time),
        pos=pos_value,
        pod=p,
    )


def containment_radius_nm(cloud: Cloud, level: float = 0.5) -> float:
    """Radius of the circle about the weighted centre that holds ``level`` of the weight, nm.

    A cloud's counterpart of a probable-error circle: with a drift run instead of the
    manual method, the datum is the centre (:meth:`Cloud.centre`) and this radius says
    how far the probability spreads (whether IAMSAR's E is a 50 % radius is unverified,
    so no E is claimed).

    Examples
    --------
    >>> c = Cloud.from_arrays(*from_local_nm([1.0, -1.0, 0.0, 0.0], [0.0, 0.0, 2.0, -2.0],
    ...                                      12.0, 33.0))
    >>> round(containment_radius_nm(c, 0.5), 3), round(containment_radius_nm(c, 1.0), 3)
    (1.0, 2.0)
    """
    if not 0 < level <= 1:
        raise InputError(f"level must be in (0, 1], got {level!r}")
    lon0, lat0 = cloud.centre()
    x, y = to_local_nm(cloud.lon, cloud.lat, lon0, lat0)
    r = np.hypot(x, y)
    order = np.argsort(r)
    cw = np.cumsum(cloud.weight[order])
    return float(r[order][min(int(np.searchsorted(cw, level - 1e-12)), r.size - 1)])


def resample(cloud: Cloud, rng: np.random.Generator, n: int | None = None) -> Cloud:
    """Systematic resampling to equal weights (when the effective sample size has fallen).

    ``n`` particles (default: as many as the cloud has), each drawn with probability
    equal to its weight by one uniform offset (Kitagawa 1996): the counts differ from
    ``n·w`` by less than one.

    Examples
    --------
    >>> c = Cloud.from_arrays([12.0, 12.1], [33.0, 33.0], [0.75, 0.25])
    >>> r = resample(c, np.random.default_rng(0), n=8)
    >>> r.lon.tolist().count(12.0), r.effective_sample_size()
    (6, 8.0)
    """
    m = cloud.n if n is None else int(n)
    if m < 1:
        raise InputError(f"resample needs n >= 1, got {n!r}")
    u = (rng.random() + np.arange(m)) / m
    idx = np.minimum(np.searchsorted(np.cumsum(cloud.weight), u), cloud.n - 1)
    return Cloud(
        lon=cloud.lon[idx].copy(),
        lat=cloud.lat[idx].copy(),
        weight=np.full(m, 1.0 / m),
        time=cloud.time,
    )
