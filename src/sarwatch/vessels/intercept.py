"""Time for a ship to intercept a drifting target, for every particle of a drift cloud.

A ship at ``(lon, lat)`` that can make ``speed_kn`` meets a target moving at a constant
velocity ``d`` (east, north knots) when ``|r0 + d t| = v t``, ``r0`` the target's offset
from the ship at ``t = 0``. Squared, ``(v² - |d|²) t² - 2 (r0·d) t - |r0|² = 0``, whose
earliest positive root is, written without the cancelling subtraction,

    t* = |r0|² / (√((r0·d)² + (v² - |d|²)|r0|²) - r0·d)

(the same root as ``(r0·d + √…) / (v² - |d|²)``, but finite when ``v = |d|``). The target
is unreachable when the square root's argument is negative or the denominator is not
positive: a target that outruns the ship, or moves as fast and is not coming towards it.

The plane: each vessel gets its own local frame, mid-latitude sailing between the vessel
and the cloud's centroid on the WGS84 ellipsoid (east ``Δlon · N(φm) cos φm``, north
``Δlat · M(φm)``, ``M`` and ``N`` the meridional and prime-vertical radii at the mean
latitude ``φm``). Against the geodesic it errs by well under 0.1 % at 200 nm in the
Central Mediterranean (tests/test_intercept.py); the particles of one cloud are close
together, so one frame per vessel serves them all.

Ranking many vessels against a large cloud is a numba kernel (:func:`rank_intercepts`):
for each vessel in parallel it solves 1,024 particles resampled by weight to bracket each
quantile, then every particle (a loop without branches, vectorised), then a histogram of
the bracket (1,024 bins, without branches) locates each quantile in O(n), with an exact
selection where the bracket missed. See docs/design/014-responders.md for figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from sarwatch.errors import InputError
from sarwatch.geo.units import M_PER_NM as _M_PER_NM

__all__ = [
    "InterceptRanking",
    "cpa",
    "dead_reckon",
    "frame_scales_nm_per_deg",
    "intercept_time_h",
    "rank_intercepts",
    "weighted_quantile",
]

_FloatArray = npt.NDArray[np.float64]

_A = 6378137.0  # WGS84 semi-major axis, m
_E2 = 6.69437999014e-3  # WGS84 first eccentricity squared
_DEG = math.pi / 180.0
#: Histogram bins used to locate a weighted quantile among the ETAs.
_BINS = 1024
#: Cumulative weight counted as reaching a quantile (sums of float weights round).
_Q_TOL = 1e-12


def frame_scales_nm_per_deg(lat_mid: npt.ArrayLike) -> tuple[_FloatArray, _FloatArray]:
    """Nautical miles per degree of longitude and of latitude at latitude ``lat_mid``.

    On the WGS84 ellipsoid: ``N(φ) cos φ · π/180`` east and ``M(φ) · π/180`` north, in nm.

    Examples
    --------
    >>> kx, ky = frame_scales_nm_per_deg([0.0, 60.0])
    >>> [round(float(v), 2) for v in kx], [round(float(v), 2) for v in ky]
    ([60.11, 30.13], [59.71, 60.16])
    """
    phi = np.radians(np.asarray(lat_mid, dtype=float))
    s2 = np.sin(phi) ** 2
    w = np.sqrt(1.0 - _E2 * s2)
    n = _A / w
    m = _A * (1.0 - _E2) / w**3
    return n * np.cos(phi) * _DEG / _M_PER_NM, m * _DEG / _M_PER_NM


def intercept_time_h(
    rx_nm: npt.ArrayLike,
    ry_nm: npt.ArrayLike,
    speed_kn: npt.ArrayLike,
    drift_east_kn: npt.ArrayLike,
    drift_north_kn: npt.ArrayLike,
) -> _FloatArray:
    """Earliest time for a ship to reach a target moving at constant velocity (planar).

    Parameters
    ----------
    rx_nm, ry_nm
        The target's offset from the ship at ``t = 0``, east and north, nautical miles.
    speed_kn
        The ship's speed, knots (>= 0).
    drift_east_kn, drift_north_kn
        The target's velocity, knots.

    Returns
    -------
    numpy.ndarray
        Hours (broadcast shape of the inputs); ``inf`` where the ship cannot reach it.

    Examples
    --------
    >>> float(intercept_time_h(10.0, 0.0, 10.0, 0.0, 0.0))  # stationary: distance / speed
    1.0
    >>> float(intercept_time_h(10.0, 0.0, 8.0, -2.0, 0.0))  # head-on: 10 / (8 + 2)
    1.0
    >>> float(intercept_time_h(10.0, 0.0, 2.0, 3.0, 0.0))  # drifting away, faster
    inf
    """
    rx, ry = np.asarray(rx_nm, dtype=float), np.asarray(ry_nm, dtype=float)
    v = np.asarray(speed_kn, dtype=float)
    du, dv = np.asarray(drift_east_kn, dtype=float), np.asarray(drift_north_kn, dtype=float)
    b = rx * du + ry * dv
    c = rx * rx + ry * ry
    a = v * v - (du * du + dv * dv)
    disc = b * b + a * c
    with np.errstate(invalid="ignore", divide="ignore"):
        den = np.sqrt(np.where(disc >= 0.0, disc, 0.0)) - b
        t = np.where((disc >= 0.0) & (den > 0.0), c / np.where(den > 0, den, 1.0), np.inf)
    return np.asarray(np.where(c == 0.0, 0.0, t), dtype=float)


def weighted_quantile(values: npt.ArrayLike, weights: npt.ArrayLike, q: float) -> float:
    """The smallest value within which ``q`` of the total weight lies (sorting; reference).

    ``inf`` values count as never reached: the answer is ``inf`` when the finite values
    hold less than ``q`` of the weight. Weights need not sum to 1 (they are normalised).

    Examples
    --------
    >>> weighted_quantile([3.0, 1.0, 2.0], [0.2, 0.5, 0.3], 0.5)
    1.0
    >>> weighted_quantile([3.0, 1.0, 2.0], [0.2, 0.5, 0.3], 0.9)
    3.0
    >>> weighted_quantile([1.0, np.inf], [0.5, 0.5], 0.9)
    inf
    """
    t = np.asarray(values, dtype=float).ravel()
    w = np.asarray(weights, dtype=float).ravel()
    if t.shape != w.shape or t.size == 0:
        raise InputError(
            f"values and weights must have one non-zero length, got {t.size}, {w.size}"
        )
    total = float(w.sum())
    if not total > 0:
        raise InputError("weights must not all be 0")
    order = np.argsort(t, kind="stable")
    cum = np.cumsum(w[order]) / total
    k = int(np.searchsorted(cum, q - _Q_TOL, side="left"))
    if k >= t.size:
        return math.inf
    return float(t[order][k])


def dead_reckon(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    sog_kn: npt.ArrayLike,
    cog_deg: npt.ArrayLike,
    hours: npt.ArrayLike,
) -> tuple[_FloatArray, _FloatArray]:
    """Positions after ``hours`` holding course and speed (rhumb line, mid-latitude).

    A NaN speed or course leaves the position where it was.

    Examples
    --------
    >>> lon, lat = dead_reckon(12.0, 34.0, 10.0, 0.0, 1.5)
    >>> round(float(lon), 6), round(float(lat), 4)
    (12.0, 34.2504)
    """
    lo, la = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    sog = np.nan_to_num(np.asarray(sog_kn, dtype=float), nan=0.0)
    cog = np.radians(np.nan_to_num(np.asarray(cog_deg, dtype=float), nan=0.0))
    run = sog * np.asarray(hours, dtype=float)
    east, north = run * np.sin(cog), run * np.cos(cog)
    # two passes: the scale at the first guess of the middle latitude, then at the middle
    _, ky = frame_scales_nm_per_deg(la)
    lat1 = la + north / ky
    kx, ky = frame_scales_nm_per_deg((la + lat1) / 2.0)
    lat1 = la + north / ky
    kx, _ = frame_scales_nm_per_deg((la + lat1) / 2.0)
    return lo + east / kx, lat1


def cpa(
    rx_nm: npt.ArrayLike,
    ry_nm: npt.ArrayLike,
    dvx_kn: npt.ArrayLike,
    dvy_kn: npt.ArrayLike,
) -> tuple[_FloatArray, _FloatArray]:
    """Closest point of approach of two bodies holding their velocities.

    Parameters
    ----------
    rx_nm, ry_nm
        The target's offset from the ship now (east, north nm).
    dvx_kn, dvy_kn
        The target's velocity relative to the ship (target minus ship, knots).

    Returns
    -------
    tuple
        ``cpa_nm`` (the least distance from now on) and ``tcpa_h`` (when, hours from now;
        0 when the range is opening or constant: the closest is now).

    Examples
    --------
    >>> d, t = cpa(10.0, 5.0, -10.0, 0.0)  # passes 5 nm abeam in 1 h
    >>> float(d), float(t)
    (5.0, 1.0)
    >>> d, t = cpa(10.0, 0.0, 3.0, 0.0)  # opening
    >>> float(d), float(t)
    (10.0, 0.0)
    """
    rx, ry = np.asarray(rx_nm, dtype=float), np.asarray(ry_nm, dtype=float)
    ux, uy = np.asarray(dvx_kn, dtype=float), np.asarray(dvy_kn, dtype=float)
    uu = ux * ux + uy * uy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(uu > 0, -(rx * ux + ry * uy) / np.where(uu > 0, uu, 1.0), 0.0)
    t = np.maximum(t, 0.0)
    return np.hypot(rx + ux * t, ry + uy * t), t


@dataclass(frozen=True, eq=False)
class InterceptRanking:
    """Per vessel: the ETA quantiles over a cloud's probability and the share it can reach.

    Attributes
    ----------
    quantiles
        The probability levels, e.g. ``(0.5, 0.9)``.
    eta_h
        Hours, shape ``(n_vessels, len(quantiles))``: the least time within which the ship
        reaches that share of the cloud's probability; ``inf`` if it never does. Exact
        (a particle's ETA) for clouds of up to 2,048 particles; for larger clouds the
        largest ETA in the histogram bin where the weight reaches the quantile, so never
        earlier than the exact value and later by at most 1/1,024 of a bracket that holds
        about 13 % of the probability (in practice under 0.1 %).
    reachable_fraction
        The probability of the particles the ship can reach at all, shape ``(n_vessels,)``.
    """

    quantiles: tuple[float, ...]
    eta_h: _FloatArray
    reachable_fraction: _FloatArray


_FAST = {"nsz", "arcp", "contract", "afn"}  # IEEE infinities kept: inf means unreachable
#: Candidates below which a quantile's bin is sorted rather than split again.
_SORT_BELOW = 2048


@njit(cache=True, nogil=True, fastmath=_FAST)
def _select(t: npt.NDArray[Any], w: npt.NDArray[Any], q: float, lo: float, hi: float) -> float:
    """The least ``x`` with ``Σ w[t <= x] >= q`` (``t`` may hold ``inf``; finite values in
    ``[lo, hi]``): split ``[lo, hi]`` into bins, keep the bin holding ``q``, repeat on its
    particles until few are left, then sort them."""
    cum = 0.0
    for level in range(8):
        if hi <= lo:
            return lo
        n = t.size
        if n <= _SORT_BELOW or level == 7:
            order = np.argsort(t)
            for i in range(n):
                tj = t[order[i]]
                if tj > hi:
                    break
                cum += w[order[i]]
                if cum >= q:
                    return tj
            return hi  # only by rounding of the weights' sum
        scale = _BINS / (hi - lo)
        hw = np.zeros(_BINS)
        hn = np.zeros(_BINS, dtype=np.int64)
        for j in range(n):
            tj = t[j]
            if tj <= hi:
                b = min(int((tj - lo) * scale), _BINS - 1)
                hw[b] += w[j]
                hn[b] += 1
        b = 0
        while b < _BINS - 1 and cum + hw[b] < q:
            cum += hw[b]
            b += 1
        tb = np.empty(hn[b])
        wb = np.empty(hn[b])
        k = 0
        nlo, nhi = np.inf, -np.inf
        for j in range(n):
            tj = t[j]
            if tj <= hi and min(int((tj - lo) * scale), _BINS - 1) == b:
                tb[k] = tj
                wb[k] = w[j]
                k += 1
                nlo = min(nlo, tj)
                nhi = max(nhi, tj)
        t, w, lo, hi = tb, wb, nlo, nhi
    return hi


@njit(cache=True, nogil=True, fastmath=_FAST)
def _solve(
    rx: float, ry: float, u: float, v: float, d2: float, v2: float
) -> float:  # fmt: skip
    """Earliest intercept time (h) of one particle; ``inf`` when unreachable."""
    b = rx * u + ry * v
    c = rx * rx + ry * ry
    disc = b * b + (v2 - d2) * c
    den = math.sqrt(max(disc, 0.0)) - b
    tj = c / den if (disc >= 0.0 and den > 0.0) else np.inf
    return 0.0 if c == 0.0 else tj


@njit(cache=True, nogil=True, fastmath=_FAST | {"reassoc"})
def _solve_all(
    sx: float, sy: float, ax: float, ay: float, v2: float,
    p_lon: npt.NDArray[Any], p_lat: npt.NDArray[Any], p_u: npt.NDArray[Any],
    p_v: npt.NDArray[Any], d2: npt.NDArray[Any], w: npt.NDArray[Any], t: npt.NDArray[Any],
) -> tuple[float, float, float]:  # fmt: skip
    """Every particle's intercept time into ``t``; the reachable weight and the least and
    largest finite times. Without branches and with reordered sums, so that it vectorises."""
    reach, tmin, tmax = 0.0, np.inf, -np.inf
    for j in range(p_lon.size):
        tj = _solve((p_lon[j] - sx) * ax, (p_lat[j] - sy) * ay, p_u[j], p_v[j], d2[j], v2)
        t[j] = tj
        ok = tj < np.inf
        reach += w[j] if ok else 0.0
        tmin = min(tmin, tj)
        tmax = max(tmax, tj if ok else -np.inf)
    return reach, tmin, tmax


@njit(cache=True, nogil=True, fastmath=_FAST)
def _bracket_histogram(
    t: npt.NDArray[Any], w: npt.NDArray[Any], lo: float, scale: float,
    hw: npt.NDArray[Any], hmax: npt.NDArray[Any],
) -> None:  # fmt: skip
    """Weight and largest time per bin of ``[lo, lo + _BINS / scale]``, without branches:
    bin 0 takes the particles below, bin ``_BINS + 1`` those above (and the unreachable);
    four lanes, so that consecutive particles rarely add to one slot."""
    hw[:, :] = 0.0
    hmax[:, :] = -np.inf
    top = _BINS + 1.0
    for j in range(t.size):
        tj = t[j]
        r = int(min(max((tj - lo) * scale + 1.0, 0.0), top))
        lane = j & 3
        hw[lane, r] += w[j]
        hmax[lane, r] = max(hmax[lane, r], tj)


@njit(parallel=True, cache=True, fastmath=_FAST)
def _rank_kernel(
    s_lon: npt.NDArray[Any], s_lat: npt.NDArray[Any], speed: npt.NDArray[Any],
    kx: npt.NDArray[Any], ky: npt.NDArray[Any],
    p_lon: npt.NDArray[Any], p_lat: npt.NDArray[Any], p_u: npt.NDArray[Any],
    p_v: npt.NDArray[Any], d2: npt.NDArray[Any], w: npt.NDArray[Any], qs: npt.NDArray[Any],
    sample: npt.NDArray[Any], q_lo: npt.NDArray[Any], q_hi: npt.NDArray[Any],
    eta: npt.NDArray[Any], reach_out: npt.NDArray[Any],
) -> None:  # fmt: skip
    n_s, n_p, n_q, m = s_lon.size, p_lon.size, qs.size, sample.size
    chunk = 8
    for c0 in prange((n_s + chunk - 1) // chunk):
        t = np.empty(n_p)  # buffers per chunk of ships, reused
        hw = np.empty((4, _BINS + 2))
        hmax = np.empty((4, _BINS + 2))
        ts = np.empty(m)
        for i in range(c0 * chunk, min(n_s, (c0 + 1) * chunk)):
            v2 = speed[i] * speed[i]
            sx, sy, ax, ay = s_lon[i], s_lat[i], kx[i], ky[i]
            # 1. a bracket for each quantile from the resampled particles
            for k in range(m):
                j = sample[k]
                ts[k] = _solve((p_lon[j] - sx) * ax, (p_lat[j] - sy) * ay,
                               p_u[j], p_v[j], d2[j], v2)  # fmt: skip
            ts.sort()
            # 2. every particle's time
            reach, tmin, tmax = _solve_all(sx, sy, ax, ay, v2, p_lon, p_lat, p_u, p_v, d2, w, t)
            reach_out[i] = reach
            for k in range(n_q):
                q = qs[k] - _Q_TOL
                if reach < q:
                    eta[i, k] = np.inf
                    continue
                l_k = ts[q_lo[k]] if q_lo[k] >= 0 else -np.inf
                h_k = ts[q_hi[k]] if q_hi[k] < m else np.inf
                if n_p <= _SORT_BELOW or not (-np.inf < l_k < h_k < np.inf):
                    eta[i, k] = _select(t, w, q, tmin, tmax)
                    continue
                # 3. a histogram of the bracket
                _bracket_histogram(t, w, l_k, _BINS / (h_k - l_k), hw, hmax)
                # 4. the quantile: the largest time in the bin where the weight reaches
                #    it; the exact selection if it fell outside the bracket
                cum = hw[0, 0] + hw[1, 0] + hw[2, 0] + hw[3, 0]
                found = np.inf
                if cum < q:
                    for r in range(1, _BINS + 1):
                        cum += hw[0, r] + hw[1, r] + hw[2, r] + hw[3, r]
                        if cum >= q:
                            found = max(max(hmax[0, r], hmax[1, r]), max(hmax[2, r], hmax[3, r]))
                            break
                if found == np.inf:
                    found = _select(t, w, q, tmin, tmax)
                eta[i, k] = found


#: Particles resampled (by weight) to bracket each quantile before the full pass.
_SAMPLE = 1024


def _brackets(weight: _FloatArray, qs: _FloatArray) -> tuple[Any, Any, Any]:
    """Systematic resample of the particles and, per quantile, the ranks in the sorted
    sample that bracket it (4 standard errors either side, plus one rank)."""
    m = min(_SAMPLE, weight.size)
    cum = np.cumsum(weight)
    sample = np.minimum(np.searchsorted(cum, (np.arange(m) + 0.5) / m * cum[-1]), weight.size - 1)
    half = 4.0 * np.sqrt(qs * (1.0 - qs) / m) + 1.0 / m
    q_lo = np.floor((qs - half) * m).astype(np.int64) - 1
    q_hi = np.ceil((qs + half) * m).astype(np.int64)
    return sample.astype(np.int64), q_lo, q_hi


def rank_intercepts(
    ship_lon: npt.ArrayLike,
    ship_lat: npt.ArrayLike,
    speed_kn: npt.ArrayLike,
    particle_lon: npt.ArrayLike,
    particle_lat: npt.ArrayLike,
    drift_east_kn: npt.ArrayLike,
    drift_north_kn: npt.ArrayLike,
    weight: npt.ArrayLike | None = None,
    *,
    quantiles: tuple[float, ...] = (0.5, 0.9),
) -> InterceptRanking:
    """ETA quantiles of every ship against every particle of a drifting cloud.

    Parameters
    ----------
    ship_lon, ship_lat
        Ship positions now, degrees, shape ``(m,)``.
    speed_kn
        Each ship's speed towards the target, knots (>= 0), shape ``(m,)``.
    particle_lon, particle_lat
        Particle positions now, degrees, shape ``(n,)``.
    drift_east_kn, drift_north_kn
        Each particle's velocity, knots, shape ``(n,)`` (or scalars for all).
    weight
        Probability per particle (non-negative, normalised here); equal when omitted.
    quantiles
        Probability levels in (0, 1].

    Returns
    -------
    InterceptRanking
        Per ship, the ETA at each quantile and the reachable probability.

    Raises
    ------
    InputError
        Shapes that disagree, non-finite positions, negative speeds or weights,
        quantiles outside (0, 1].

    Examples
    --------
    >>> r = rank_intercepts([12.0], [34.0], [10.0], [12.0, 12.0], [34.1, 34.2], 0.0, 0.0)
    >>> [round(float(x), 3) for x in r.eta_h[0]], float(r.reachable_fraction[0])
    ([0.599, 1.198], 1.0)
    """
    s_lon = np.ascontiguousarray(ship_lon, dtype=np.float64).ravel()
    s_lat = np.ascontiguousarray(ship_lat, dtype=np.float64).ravel()
    # copies (np.array), never read-only broadcast views: the kernel is compiled for one
    # kind of array whether a value is given once or per ship/particle
    speed = np.array(np.broadcast_to(speed_kn, s_lon.shape), dtype=np.float64)
    p_lon = np.ascontiguousarray(particle_lon, dtype=np.float64).ravel()
    p_lat = np.ascontiguousarray(particle_lat, dtype=np.float64).ravel()
    n = p_lon.size
    if s_lat.shape != s_lon.shape or p_lat.shape != p_lon.shape or n == 0:
        raise InputError(
            f"ship lon/lat ({s_lon.size}, {s_lat.size}) and particle lon/lat "
            f"({p_lon.size}, {p_lat.size}) must pair up, with at least one particle"
        )
    try:
        p_u = np.array(np.broadcast_to(drift_east_kn, (n,)), dtype=np.float64)
        p_v = np.array(np.broadcast_to(drift_north_kn, (n,)), dtype=np.float64)
        w = np.ones(n) if weight is None else np.asarray(weight, dtype=np.float64).ravel()
    except ValueError:
        raise InputError(f"one drift velocity per particle ({n}) or one for all") from None
    if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
        raise InputError("one finite, non-negative weight per particle, not all 0")
    w = np.ascontiguousarray(w / w.sum())
    for name, arr in (("ship", np.concatenate([s_lon, s_lat, speed])),
                      ("particle", np.concatenate([p_lon, p_lat, p_u, p_v]))):  # fmt: skip
        if not np.all(np.isfinite(arr)):
            raise InputError(f"{name} positions, speeds and drifts must be finite")
    if np.any(speed < 0):
        raise InputError("ship speeds must be >= 0 knots")
    qs = np.asarray(quantiles, dtype=np.float64)
    if qs.ndim != 1 or qs.size == 0 or np.any(qs <= 0) or np.any(qs > 1):
        raise InputError(f"quantiles must lie in (0, 1], got {quantiles}")
    # one frame per ship: mid-latitude between it and the cloud's centroid; the ship's
    # longitude is moved by whole turns to lie within 180° of the cloud
    c_lon, c_lat = float(w @ p_lon), float(w @ p_lat)
    s_lon = s_lon - 360.0 * np.round((s_lon - c_lon) / 360.0)
    kx, ky = frame_scales_nm_per_deg((s_lat + c_lat) / 2.0)
    eta = np.empty((s_lon.size, qs.size))
    reach = np.empty(s_lon.size)
    if s_lon.size:
        sample, q_lo, q_hi = _brackets(w, qs)
        _rank_kernel(s_lon, s_lat, speed, np.ascontiguousarray(kx), np.ascontiguousarray(ky),
                     p_lon, p_lat, p_u, p_v, p_u * p_u + p_v * p_v, w, qs,
                     sample, q_lo, q_hi, eta, reach)  # fmt: skip
    return InterceptRanking(
        quantiles=tuple(float(q) for q in qs), eta_h=eta, reachable_fraction=np.minimum(reach, 1.0)
    )
