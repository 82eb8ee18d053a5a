"""Probability of detection: coverage curves, lateral-range curves, cumulative POD and POS.

Two coverage-to-POD curves (search_planning.md §5; SAROPS ``CoverageToPodCurve``):

- ``exponential`` (random search, Koopman): ``POD = 1 − exp(−C)``;
- ``inverse_cube`` (ideal parallel sweeps under Koopman's inverse cube law):
  ``POD = erf(√π/2 · C)``. AMSA Table 4-2 prints 78 % at C = 1 and 47 % at C = 0.5,
  points on this curve.

A **lateral-range curve** ``p(x)`` is the probability that one pass of a straight,
infinite track detects an object at lateral range ``x`` (nm); its integral over
``x`` is the sweep width W. :class:`LateralRange` offers the inverse-cube curve
``p(x) = 1 − exp(−W²/(4πx²))`` (Koopman 1946: detection rate ∝ 1/r³ along the track;
its integral is ``2·sqrt(π·W²/(4π)) = W``) and the definite-range ("cookie
cutter") curve ``p = 1`` for ``|x| ≤ W/2``. :func:`track_pod` applies a curve to
finite legs: the inverse-cube rate integrated along each leg in closed form,
``−ln(1−p) = W²/(8π) · [s / (x²·√(x²+s²))]`` between the leg's ends (``s`` along
the leg from the object's foot point), which is ``W²/(4πx²)`` for an infinite leg;
the definite range detects what comes within ``W/2`` of the leg. Passes are
independent, so log-miss probabilities add (SAROPS).

POS = POC × POD. Cumulative POD over searches of the same area is
``1 − Π(1 − POD_i)``. Cumulative POS has two conventions, never to be mixed
(search_planning.md §6): ``absolute`` (IAMSAR, sarplan: each POS_i measured against
the *original* POC, summed) and ``conditional`` (each POS_i against the POC
renormalised after the earlier failures: ``1 − Π(1 − POS_i)``).

Examples
--------
>>> round(pod(1.0, "exponential").value, 3), round(pod(1.0, "inverse_cube").value, 3)
(0.632, 0.79)
>>> pod(0.5).curve
'inverse_cube'
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numba
import numpy as np
import numpy.typing as npt
from scipy.special import erf, erfinv

from sarwatch.errors import InputError

__all__ = [
    "LateralRange",
    "LateralRangeKind",
    "Pod",
    "PodCurve",
    "PosConvention",
    "bridge_pod",
    "coverage_for_pod",
    "cumulative_pod",
    "cumulative_pos",
    "parallel_sweep_pod",
    "pod",
    "pod_curve_values",
    "pos",
    "track_log_miss",
    "track_pod",
]

PodCurve = Literal["exponential", "inverse_cube"]
LateralRangeKind = Literal["inverse_cube", "definite_range"]
PosConvention = Literal["absolute", "conditional"]
_FloatArray = npt.NDArray[np.float64]

_CURVES = ("exponential", "inverse_cube")


def _unit_interval(name: str, value: float) -> float:
    v = float(value)
    if not (math.isfinite(v) and 0.0 <= v <= 1.0):
        raise InputError(f"{name} must be a probability in [0, 1], got {value!r}")
    return v


def pod_curve_values(coverage: npt.ArrayLike, curve: PodCurve) -> _FloatArray:
    """POD for coverages (array in, array out) on the named curve.

    Parameters
    ----------
    coverage
        Coverage C ≥ 0 (dimensionless).
    curve
        ``exponential`` or ``inverse_cube``.

    Examples
    --------
    >>> pod_curve_values([0.0, 0.5, 1.0], "inverse_cube").round(3).tolist()
    [0.0, 0.469, 0.79]
    """
    c = np.asarray(coverage, dtype=float)
    if not np.all(np.isfinite(c)) or np.any(c < 0):
        raise InputError(f"coverage must be a non-negative finite number, got {coverage!r}")
    if curve == "exponential":
        return np.asarray(-np.expm1(-c), dtype=float)
    if curve == "inverse_cube":
        return np.asarray(erf(math.sqrt(math.pi) / 2 * c), dtype=float)
    raise InputError(f"unknown POD curve {curve!r}: expected one of {', '.join(_CURVES)}")


@dataclass(frozen=True)
class Pod:
    """A probability of detection and the curve it was read from.

    Attributes
    ----------
    value
        POD in [0, 1].
    curve
        ``exponential`` or ``inverse_cube``.
    """

    value: float
    curve: PodCurve


def pod(coverage: float, curve: PodCurve = "inverse_cube") -> Pod:
    """POD of a coverage on the named curve (default: inverse cube, for parallel sweeps).

    Examples
    --------
    >>> pod(1.0, "exponential")
    Pod(value=0.6321205588285577, curve='exponential')
    """
    return Pod(float(pod_curve_values(coverage, curve)), curve)


def coverage_for_pod(pod_value: float, curve: PodCurve = "inverse_cube") -> float:
    """The coverage that gives a POD (the curve's inverse).

    Examples
    --------
    >>> round(coverage_for_pod(1 - math.exp(-2.0), "exponential"), 12)
    2.0
    >>> round(coverage_for_pod(float(erf(math.sqrt(math.pi) / 2)), "inverse_cube"), 12)
    1.0
    """
    p = _unit_interval("pod", pod_value)
    if p == 1.0:
        return math.inf
    if curve == "exponential":
        return -math.log1p(-p)
    if curve == "inverse_cube":
        return float(2 / math.sqrt(math.pi) * erfinv(p))
    raise InputError(f"unknown POD curve {curve!r}: expected one of {', '.join(_CURVES)}")


def cumulative_pod(pods: Iterable[float]) -> float:
    """Cumulative POD of independent searches of one area: ``1 − Π(1 − POD_i)``.

    Examples
    --------
    >>> round(cumulative_pod([0.5, 0.5, 0.2]), 12)   # 1 − 0.5·0.5·0.8
    0.8
    """
    miss = 1.0
    for p in pods:
        miss *= 1.0 - _unit_interval("pod", p)
    return 1.0 - miss


def bridge_pod(goal_pod: float, cumulative_pod_so_far: float) -> float:
    """The POD the next search needs to bring the cumulative POD to a goal (Frost).

    ``POD_next = 1 − (1 − goal)/(1 − PODcum)``; 0 when the goal is already reached.

    Examples
    --------
    >>> round(bridge_pod(0.9, 0.6), 12)   # 1 − 0.1/0.4
    0.75
    """
    goal = _unit_interval("goal_pod", goal_pod)
    cum = _unit_interval("cumulative_pod", cumulative_pod_so_far)
    if cum >= goal:
        return 0.0
    return 1.0 - (1.0 - goal) / (1.0 - cum)


def pos(poc: float, pod_value: float) -> float:
    """Probability of success ``POS = POC × POD``.

    Examples
    --------
    >>> round(pos(0.6, 0.79), 12)
    0.474
    """
    return _unit_interval("poc", poc) * _unit_interval("pod", pod_value)


def cumulative_pos(pos_values: Iterable[float], convention: PosConvention) -> float:
    """Cumulative POS of successive searches, under a named convention.

    Parameters
    ----------
    pos_values
        Each search's POS.
    convention
        ``absolute``: each POS was measured against the original POC; POSc = Σ POS_i
        (IAMSAR/sarplan; capped at 1). ``conditional``: each POS was measured against
        the POC renormalised after the earlier failures; POSc = 1 − Π(1 − POS_i).
        Applied consistently both give the same number.

    Examples
    --------
    >>> round(cumulative_pos([0.4, 0.3], "absolute"), 12)
    0.7
    >>> round(cumulative_pos([0.4, 0.5], "conditional"), 12)   # 0.4 + 0.6·0.5
    0.7
    """
    vals = [_unit_interval("pos", p) for p in pos_values]
    if convention == "absolute":
        return min(1.0, sum(vals))
    if convention == "conditional":
        return cumulative_pod(vals)
    raise InputError(f"unknown POS convention {convention!r}: expected absolute or conditional")


@dataclass(frozen=True)
class LateralRange:
    """A lateral-range curve of sweep width ``sweep_width_nm``.

    Attributes
    ----------
    kind
        ``inverse_cube`` (Koopman) or ``definite_range`` (cookie cutter).
    sweep_width_nm
        W, nm (> 0): the integral of the curve over lateral range.

    Examples
    --------
    >>> lr = LateralRange("definite_range", 2.0)
    >>> lr.probability([0.0, 0.99, 1.01]).tolist()
    [1.0, 1.0, 0.0]
    >>> round(float(LateralRange("inverse_cube", 1.0).probability(0.5)[()]), 4)  # 1 − e^(−1/π)
    0.2726
    """

    kind: LateralRangeKind
    sweep_width_nm: float

    def __post_init__(self) -> None:
        if self.kind not in ("inverse_cube", "definite_range"):
            raise InputError(
                f"unknown lateral-range curve {self.kind!r}: "
                "expected inverse_cube or definite_range"
            )
        w = float(self.sweep_width_nm)
        if not (math.isfinite(w) and w > 0):
            raise InputError(
                f"sweep_width_nm must be a positive number, got {self.sweep_width_nm!r}"
            )

    def probability(self, lateral_range_nm: npt.ArrayLike) -> _FloatArray:
        """Detection probability of one pass of an infinite straight track at range x, nm."""
        x = np.abs(np.asarray(lateral_range_nm, dtype=float))
        w = float(self.sweep_width_nm)
        if self.kind == "definite_range":
            return np.asarray(np.where(x <= w / 2, 1.0, 0.0), dtype=float)
        with np.errstate(divide="ignore"):
            return np.asarray(-np.expm1(-(w * w) / (4 * math.pi * x * x)), dtype=float)


def parallel_sweep_pod(curve: LateralRange, spacing_nm: float, *, samples: int = 2001) -> float:
    """POD of an infinite pattern of parallel passes ``spacing_nm`` apart (SAROPS).

    For an object at offset ``x`` from one pass, ``POD(x) = 1 − Π_k (1 − p(x + kS))``
    over all passes ``k``; the result is its mean over ``x`` in one spacing. For the
    inverse-cube curve it is ``erf(√π/2 · W/S)`` (Koopman); for the definite range
    ``min(1, W/S)``.

    Examples
    --------
    >>> round(parallel_sweep_pod(LateralRange("inverse_cube", 1.0), 1.0), 3)
    0.79
    """
    s = float(spacing_nm)
    if not (math.isfinite(s) and s > 0):
        raise InputError(f"spacing_nm must be a positive number, got {spacing_nm!r}")
    x = (np.arange(samples) + 0.5) / samples * s
    reach = 50.0 * curve.sweep_width_nm if curve.kind == "inverse_cube" else curve.sweep_width_nm
    kmax = math.ceil(reach / s) + 1
    k = np.arange(-kmax, kmax + 1)[:, None]
    p = curve.probability(x[None, :] + k * s)
    with np.errstate(divide="ignore"):
        logmiss = np.log1p(-np.minimum(p, 1.0)).sum(axis=0)
    if curve.kind == "inverse_cube":
        # the passes beyond ±kmax: Σ W²/(4π(x+kS)²) by its integral (error O(kmax⁻³))
        a = curve.sweep_width_nm**2 / (4 * math.pi)
        edge = (kmax + 0.5) * s
        logmiss -= a / s * (1 / (edge + x) + 1 / (edge - x))
    return float(np.mean(-np.expm1(logmiss)))


_INVERSE_CUBE, _DEFINITE_RANGE = 0, 1  # the kernel floors lateral range at 1e-6 nm


@numba.njit(cache=True, nogil=True)
def _logmiss(
    px: npt.NDArray[np.float64],
    py: npt.NDArray[np.float64],
    ax: npt.NDArray[np.float64],
    ay: npt.NDArray[np.float64],
    bx: npt.NDArray[np.float64],
    by: npt.NDArray[np.float64],
    kind: int,
    w: float,
) -> npt.NDArray[np.float64]:  # pragma: no cover - compiled
    n = px.size
    m = ax.size
    out = np.zeros(n)
    k = w * w / (8.0 * np.pi)
    r2 = 0.25 * w * w
    ux = np.zeros(m)
    uy = np.zeros(m)
    length = np.zeros(m)
    for j in range(m):
        dx = bx[j] - ax[j]
        dy = by[j] - ay[j]
        length[j] = np.sqrt(dx * dx + dy * dy)
        if length[j] > 0.0:
            ux[j] = dx / length[j]
            uy[j] = dy / length[j]
    for i in range(n):
        acc = 0.0
        for j in range(m):
            if length[j] == 0.0:
                continue
            rx = px[i] - ax[j]
            ry = py[i] - ay[j]
            t = rx * ux[j] + ry * uy[j]  # along the leg from its start
            x = abs(rx * uy[j] - ry * ux[j])  # lateral range
            if kind == 0:
                x2 = max(x, 1e-6) ** 2
                s1 = -t
                s2 = length[j] - t
                acc -= k * (s2 / np.sqrt(x2 + s2 * s2) - s1 / np.sqrt(x2 + s1 * s1)) / x2
            else:
                tc = min(max(t, 0.0), length[j])
                ex = rx - tc * ux[j]
                ey = ry - tc * uy[j]
                if ex * ex + ey * ey <= r2:
                    acc = -np.inf
                    break
        out[i] = acc
    return out


def track_log_miss(
    x_nm: npt.ArrayLike,
    y_nm: npt.ArrayLike,
    track_x_nm: npt.ArrayLike,
    track_y_nm: npt.ArrayLike,
    curve: LateralRange,
) -> _FloatArray:
    """``ln(1 − POD)`` per object of a polyline track (see :func:`track_pod`).

    Log-miss probabilities of independent passes add, so the parts of one search
    (legs flown at different times, against the cloud at those times) combine by
    summing these.

    Examples
    --------
    >>> lr = LateralRange("inverse_cube", 1.0)
    >>> lm = track_log_miss([0.5], [0.0], [0.0, 0.0], [-1e4, 1e4], lr)
    >>> round(float(lm[0]), 4)   # −W²/(4πx²) = −1/π
    -0.3183
    """
    px = np.ascontiguousarray(x_nm, dtype=np.float64).ravel()
    py = np.ascontiguousarray(y_nm, dtype=np.float64).ravel()
    tx = np.ascontiguousarray(track_x_nm, dtype=np.float64).ravel()
    ty = np.ascontiguousarray(track_y_nm, dtype=np.float64).ravel()
    if px.shape != py.shape or tx.shape != ty.shape:
        raise InputError("x_nm/y_nm and track_x_nm/track_y_nm must have matching lengths")
    if tx.size < 2:
        raise InputError(f"a track needs at least two vertices, got {tx.size}")
    if not (np.all(np.isfinite(tx)) and np.all(np.isfinite(ty))):
        raise InputError("the track's vertices must be finite")
    kind = _INVERSE_CUBE if curve.kind == "inverse_cube" else _DEFINITE_RANGE
    return np.asarray(
        _logmiss(px, py, tx[:-1], ty[:-1], tx[1:], ty[1:], kind, float(curve.sweep_width_nm)),
        dtype=float,
    )


def track_pod(
    x_nm: npt.ArrayLike,
    y_nm: npt.ArrayLike,
    track_x_nm: npt.ArrayLike,
    track_y_nm: npt.ArrayLike,
    curve: LateralRange,
) -> _FloatArray:
    """POD of objects at ``(x, y)`` from one unit flying a polyline track, in a plane.

    Parameters
    ----------
    x_nm, y_nm
        Object positions in a local plane (east, north), nm.
    track_x_nm, track_y_nm
        The track's vertices in the same plane, nm (at least two).
    curve
        The lateral-range curve of the unit for the object.

    Returns
    -------
    numpy.ndarray
        POD per object, ``1 − exp(Σ_legs ln(1 − p_leg))``.

    Examples
    --------
    >>> lr = LateralRange("inverse_cube", 1.0)
    >>> p = track_pod([0.5], [0.0], [0.0, 0.0], [-1e4, 1e4], lr)  # a very long leg, x = 0.5
    >>> round(float(p[0]), 4), round(float(lr.probability(0.5)[()]), 4)
    (0.2726, 0.2726)
    >>> track_pod([0.9, 1.1], [0.0, 0.0], [0.0, 0.0], [-1.0, 1.0],
    ...           LateralRange("definite_range", 2.0)).tolist()
    [1.0, 0.0]
    """
    lm = track_log_miss(x_nm, y_nm, track_x_nm, track_y_nm, curve)
    return np.asarray(-np.expm1(lm) + 0.0, dtype=float)  # + 0.0: no -0.0
