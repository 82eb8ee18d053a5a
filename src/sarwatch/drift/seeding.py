"""Seeding: where and when the particles start.

Every function takes the run's ``numpy.random.Generator`` and returns
positions (degrees) and release times (seconds relative to the run start).
Distances are converted to degrees with the WGS84 radii of curvature at the
seed position (exact for the small radii of a seed); lines and cones follow the
geodesic between their end points (pyproj ``Geod``).

- :func:`seed_point`: a position with an uncertainty ``radius``, taken as the
  standard deviation of a Gaussian per axis (as the reference implementation
  does), not a disk.
- :func:`seed_circle`: uniform over a disk of the given radius.
- :func:`seed_line`: uniform along the geodesic between two positions.
- :func:`seed_cone`: along the geodesic between two positions *and* two times,
  with a radius growing linearly from one end to the other (a drifting object last
  seen at A at t1 and reported at B at t2; OpenDrift's ``seed_cone`` idea).
- :func:`seed_scenarios`: several weighted scenarios in one run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
from pyproj import Geod

from sarwatch.drift.leeway import LeewayCoefficients, ObjectMixture, draw_coefficients
from sarwatch.drift.state import ACTIVE, NOT_RELEASED, ParticleState

if TYPE_CHECKING:
    from sarwatch.drift.engine import LandModel
from sarwatch.errors import InputError, PositionOnLandError
from sarwatch.geo.units import LAT_MAX_DEG, LAT_MIN_DEG, LON_MAX_DEG, LON_MIN_DEG

__all__ = [
    "Scenario",
    "build_state",
    "metres_to_degrees",
    "seed_at_sea",
    "seed_circle",
    "seed_cone",
    "seed_line",
    "seed_point",
    "seed_scenarios",
]

_A = 6378137.0
_E2 = 6.69437999014e-3
_GEOD = Geod(ellps="WGS84")

Positions = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]


def metres_to_degrees(
    lat: npt.ArrayLike,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Degrees of longitude and latitude per metre at a latitude (WGS84).

    Examples
    --------
    >>> dlon, dlat = metres_to_degrees(0.0)
    >>> round(1 / float(dlat))  # metres per degree of latitude at the equator
    110574
    """
    phi = np.radians(np.asarray(lat, dtype=float))
    d = 1.0 - _E2 * np.sin(phi) ** 2
    n_rad = _A / np.sqrt(d)
    m_rad = _A * (1.0 - _E2) / d**1.5
    return 1.0 / np.radians(n_rad * np.cos(phi)), 1.0 / np.radians(m_rad)


def _check_n(n: int) -> None:
    if n < 1:
        raise InputError(f"the number of particles must be at least 1, got {n}")


def _check_position(lon: float, lat: float) -> None:
    if not (LON_MIN_DEG <= lon <= LON_MAX_DEG and LAT_MIN_DEG < lat < LAT_MAX_DEG):
        raise InputError(
            f"position out of range: lon {lon}, lat {lat} (degrees; longitude "
            f"{LON_MIN_DEG:g} to {LON_MAX_DEG:g} east, latitude {LAT_MIN_DEG:g} to "
            f"{LAT_MAX_DEG:g} north, poles excluded)"
        )


def _offset(
    lon: npt.ArrayLike, lat: npt.ArrayLike, east_m: npt.ArrayLike, north_m: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    lat_a = np.asarray(lat, dtype=float)
    dlon, dlat = metres_to_degrees(lat_a)
    return np.asarray(lon, float) + np.asarray(east_m) * dlon, lat_a + np.asarray(north_m) * dlat


def _offset_from(
    lon: float, lat: float, east_m: npt.NDArray[np.float64], north_m: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Positions ``east_m``/``north_m`` metres from one position, computed in place.

    The same numbers as :func:`_offset` with ``lon``/``lat`` repeated per particle
    (``lon + east * dlon``, ``lat + north * dlat``), without the per-particle arrays.
    """
    dlon, dlat = metres_to_degrees(np.full(1, float(lat)))
    east_m *= float(dlon[0])
    east_m += lon
    north_m *= float(dlat[0])
    north_m += lat
    return east_m, north_m


def seed_point(
    lon: float, lat: float, radius_m: float, n: int, rng: np.random.Generator
) -> Positions:
    """A position with a Gaussian uncertainty of ``radius_m`` (sigma per axis, metres).

    Returns
    -------
    lon, lat, release_s
        Degrees, degrees, seconds (all zeros).

    Examples
    --------
    >>> lo, la, t = seed_point(12.5, 33.2, 0.0, 3, np.random.default_rng(0))
    >>> lo.tolist(), la.tolist()
    ([12.5, 12.5, 12.5], [33.2, 33.2, 33.2])
    """
    _check_n(n)
    _check_position(lon, lat)
    if radius_m < 0:
        raise InputError(f"seed radius must be >= 0 m, got {radius_m}")
    east = rng.standard_normal(n)
    east *= radius_m
    north = rng.standard_normal(n)
    north *= radius_m
    lo, la = _offset_from(lon, lat, east, north)
    return lo, la, np.zeros(n)


def seed_circle(
    lon: float, lat: float, radius_m: float, n: int, rng: np.random.Generator
) -> Positions:
    """Uniform over a disk of ``radius_m`` metres around a position."""
    _check_n(n)
    _check_position(lon, lat)
    if radius_m < 0:
        raise InputError(f"seed radius must be >= 0 m, got {radius_m}")
    r = rng.random(n)
    np.sqrt(r, out=r)
    r *= radius_m
    a = rng.random(n)
    a *= 2.0
    a *= math.pi
    east = np.sin(a)
    east *= r
    north = np.cos(a, out=a)
    north *= r
    lo, la = _offset_from(lon, lat, east, north)
    return lo, la, np.zeros(n)


def _along(
    lon1: float, lat1: float, lon2: float, lat2: float, frac: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    az, _, dist = _GEOD.inv(lon1, lat1, lon2, lat2)
    lo, la = np.full(frac.shape, float(lon1)), np.full(frac.shape, float(lat1))
    # in place: the results overwrite these arrays of our own (no copies in and out)
    _GEOD.fwd(lo, la, np.full(frac.shape, float(az)), frac * dist, inplace=True)
    return lo, la


def seed_line(
    lon1: float,
    lat1: float,
    lon2: float,
    lat2: float,
    n: int,
    rng: np.random.Generator,
    *,
    radius_m: float = 0.0,
) -> Positions:
    """Uniform along the geodesic from (lon1, lat1) to (lon2, lat2), optional Gaussian radius."""
    _check_n(n)
    _check_position(lon1, lat1)
    _check_position(lon2, lat2)
    frac = rng.random(n)
    lo, la = _along(lon1, lat1, lon2, lat2, frac)
    if radius_m > 0:
        lo, la = _offset(
            lo, la, rng.standard_normal(n) * radius_m, rng.standard_normal(n) * radius_m
        )
    return lo, la, np.zeros(n)


def seed_cone(
    lon1: float,
    lat1: float,
    t1_s: float,
    lon2: float,
    lat2: float,
    t2_s: float,
    n: int,
    rng: np.random.Generator,
    *,
    radius1_m: float = 0.0,
    radius2_m: float = 0.0,
) -> Positions:
    """Along a geodesic and a time span: particle ``f`` in [0, 1] starts at the point a
    fraction ``f`` of the way, at ``t1 + f (t2 - t1)``, with a Gaussian radius
    ``r1 + f (r2 - r1)``.

    Parameters
    ----------
    t1_s, t2_s
        Release times of the two ends, seconds relative to the run start.
    """
    _check_n(n)
    _check_position(lon1, lat1)
    _check_position(lon2, lat2)
    frac = rng.random(n)
    lo, la = _along(lon1, lat1, lon2, lat2, frac)
    r = radius1_m + frac * (radius2_m - radius1_m)
    lo, la = _offset(lo, la, rng.standard_normal(n) * r, rng.standard_normal(n) * r)
    return lo, la, t1_s + frac * (t2_s - t1_s)


@dataclass(frozen=True)
class Scenario:
    """One seeding scenario of a run.

    Attributes
    ----------
    weight
        Relative weight (share of the particles), > 0.
    kind
        ``"point"``, ``"circle"``, ``"line"`` or ``"cone"``.
    lon, lat
        First (or only) position, degrees.
    radius_m
        Point: Gaussian sigma per axis; circle: disk radius; line: Gaussian sigma;
        cone: radius at the first end. Metres.
    lon2, lat2, radius2_m
        Second end (line, cone).
    t_s, t2_s
        Release times (s relative to the run start) of the two ends (cone); ``t_s``
        also delays a point/circle/line release.
    obj
        The object class of this scenario.
    """

    weight: float
    kind: Literal["point", "circle", "line", "cone"]
    lon: float
    lat: float
    obj: ObjectMixture
    radius_m: float = 0.0
    lon2: float | None = None
    lat2: float | None = None
    radius2_m: float = 0.0
    t_s: float = 0.0
    t2_s: float = 0.0


def _scenario_positions(sc: Scenario, n: int, rng: np.random.Generator) -> Positions:
    if sc.kind == "point":
        lo, la, t = seed_point(sc.lon, sc.lat, sc.radius_m, n, rng)
    elif sc.kind == "circle":
        lo, la, t = seed_circle(sc.lon, sc.lat, sc.radius_m, n, rng)
    elif sc.kind in ("line", "cone"):
        if sc.lon2 is None or sc.lat2 is None:
            raise InputError(f"a {sc.kind} scenario needs a second position (lon2, lat2)")
        if sc.kind == "line":
            lo, la, t = seed_line(sc.lon, sc.lat, sc.lon2, sc.lat2, n, rng, radius_m=sc.radius_m)
        else:
            return seed_cone(
                sc.lon, sc.lat, sc.t_s, sc.lon2, sc.lat2, sc.t2_s, n, rng,
                radius1_m=sc.radius_m, radius2_m=sc.radius2_m,
            )  # fmt: skip
    else:
        raise InputError(f"unknown seeding kind {sc.kind!r}: use point, circle, line or cone")
    if sc.t_s != 0.0:  # (0.0 + 0.0 and 0.0 + -0.0 are both 0.0: t stays as it is)
        t += sc.t_s  # t is this call's own array
    return lo, la, t


def _assemble(
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    release_s: npt.NDArray[np.float64],
    c: LeewayCoefficients,
    *,
    all_at_start: bool = False,
) -> ParticleState:
    """A state that takes over (does not copy) the given arrays.

    ``all_at_start``: the caller knows that every release time is 0 (the status need
    not be read from ``release_s``).
    """
    n = lon.size
    status = (
        np.full(n, ACTIVE, np.int8)
        if all_at_start
        else np.where(release_s == 0.0, np.int8(ACTIVE), np.int8(NOT_RELEASED))
    )
    return ParticleState.seeded(
        lon, lat, status, release_s, dwl_slope=c.dwl_slope, dwl_offset=c.dwl_offset,
        cwl_slope=c.cwl_slope, cwl_offset=c.cwl_offset, side=c.side, category=c.category,
    )  # fmt: skip


def _own(a: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """``a`` as a contiguous 1-D float64 array, copied only if it is not one already."""
    return np.ascontiguousarray(a, dtype=np.float64).reshape(-1)


def build_state(
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    release_s: npt.NDArray[np.float64],
    obj: ObjectMixture,
    rng: np.random.Generator,
) -> ParticleState:
    """Particles at the given positions with Leeway coefficients drawn for ``obj``.

    The state holds copies of ``lon``, ``lat`` and ``release_s`` (which may be a
    number: the same release for every particle).
    """
    lon_a = np.array(lon, dtype=np.float64).ravel()
    lat_a = np.array(lat, dtype=np.float64).ravel()
    release = np.empty(lon_a.size)
    release[:] = release_s
    return _assemble(lon_a, lat_a, release, draw_coefficients(obj, lon_a.size, rng))


def _scenario_counts(scenarios: Sequence[Scenario], n: int) -> npt.NDArray[np.int64]:
    """Particles per scenario: ``n`` split by weight, by largest remainder (in order).

    Raises
    ------
    InputError
        If there is no scenario or a weight is not positive.
    """
    if not scenarios:
        raise InputError("at least one seeding scenario is needed")
    weights = np.array([s.weight for s in scenarios], dtype=float)
    if not np.all(weights > 0):
        raise InputError(f"scenario weights must be positive, got {weights.tolist()}")
    exact = weights / weights.sum() * n
    counts = np.floor(exact).astype(np.int64)
    short = n - int(counts.sum())
    counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return counts


#: Rounds of drawing again the particles whose start fell on land (:func:`seed_at_sea`).
SEA_START_ROUNDS = 50


def seed_at_sea(
    scenarios: Sequence[Scenario], n: int, rng: np.random.Generator, land: LandModel | None
) -> ParticleState:
    """:func:`seed_scenarios`, each scenario's spread cut to the sea.

    A boat in distress is at sea: the position uncertainty round a start near the coast
    (a Gaussian of ``radius_m``, a line, a cone) puts some particles on land, which would
    strand at the first step and read as boats that reached the coast. Each such particle
    is drawn again, whole (position, release time, leeway coefficients), from its own
    scenario, until it starts at sea: each scenario keeps its share, its spread is
    conditioned on the sea. The same generator draws them, so a run stays reproducible
    from its seed; a spread clear of any coast cell of ``land`` (the common case) costs
    one look at the raster.

    Parameters
    ----------
    scenarios, n, rng
        As for :func:`seed_scenarios`.
    land
        The run's land mask (``None``: open ocean, nothing to test).

    Raises
    ------
    PositionOnLandError
        A scenario whose spread lies almost all on land (starts still on land after
        :data:`SEA_START_ROUNDS` rounds).
    """
    state = seed_scenarios(scenarios, n, rng)
    if land is None or not _may_touch_land(land, state.lon, state.lat):
        return state
    counts = _scenario_counts(scenarios, n)
    ends = np.cumsum(counts)
    starts = ends - counts
    fields = ParticleState.__dataclass_fields__
    for sc, lo, hi in zip(scenarios, starts, ends, strict=True):
        own = slice(int(lo), int(hi))
        bad = lo + np.flatnonzero(land.contains(state.lon[own], state.lat[own]))
        for _ in range(SEA_START_ROUNDS):
            if bad.size == 0:
                break
            fresh = seed_scenarios([sc], int(bad.size), rng)
            for name in fields:
                getattr(state, name)[bad] = getattr(fresh, name)
            bad = bad[np.asarray(land.contains(fresh.lon, fresh.lat), bool)]
        if bad.size:
            raise PositionOnLandError(
                f"the start's spread round {sc.lat:.5f}N {sc.lon:.5f}E lies almost all on "
                f"land ({bad.size} of {int(hi - lo)} starts still on land after "
                f"{SEA_START_ROUNDS} draws); give a smaller radius or a position farther out "
                "at sea"
            )
    return state


def _may_touch_land(
    land: LandModel, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> bool:
    """Whether the box of the positions meets a land or coast cell of the raster (or lies
    partly off it): if not, every position is at sea without testing each one."""
    cells = land.cells
    ny, nx = cells.shape
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return False
    i0 = math.floor((float(lat[ok].min()) - land.lat0) / land.cell_deg)
    i1 = math.floor((float(lat[ok].max()) - land.lat0) / land.cell_deg)
    j0 = math.floor((float(lon[ok].min()) - land.lon0) / land.cell_deg)
    j1 = math.floor((float(lon[ok].max()) - land.lon0) / land.cell_deg)
    if i0 < 0 or j0 < 0 or i1 >= ny or j1 >= nx:
        return True  # off the raster: test each position
    return bool(cells[i0 : i1 + 1, j0 : j1 + 1].any())


def seed_scenarios(
    scenarios: Sequence[Scenario], n: int, rng: np.random.Generator
) -> ParticleState:
    """Seed ``n`` particles over weighted scenarios (counts by largest remainder).

    Raises
    ------
    InputError
        If there is no scenario or a weight is not positive.

    Examples
    --------
    >>> from sarwatch.drift.leeway import resolve_object
    >>> obj = resolve_object("LIFE-RAFT-NB-2")
    >>> sc = [Scenario(3, "point", 12.5, 33.2, obj), Scenario(1, "circle", 12.0, 33.0, obj, 500)]
    >>> s = seed_scenarios(sc, 8, np.random.default_rng(1))
    >>> int((s.lon > 12.25).sum()), int((s.lon < 12.25).sum())
    (6, 2)
    """
    _check_n(n)
    counts = _scenario_counts(scenarios, n)
    parts = []
    for sc, k in zip(scenarios, counts, strict=True):
        if k == 0:
            continue
        lo, la, t = _scenario_positions(sc, int(k), rng)  # arrays of this call's own
        coefficients = draw_coefficients(sc.obj, lo.size, rng)
        at_start = sc.kind != "cone" and sc.t_s == 0.0  # t is all zeros
        parts.append(_assemble(_own(lo), _own(la), _own(t), coefficients, all_at_start=at_start))
    if len(parts) == 1:
        return parts[0]
    fields = ParticleState.__dataclass_fields__
    return ParticleState(
        **{name: np.concatenate([getattr(p, name) for p in parts]) for name in fields}
    )
