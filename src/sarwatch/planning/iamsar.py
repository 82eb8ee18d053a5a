"""The IAMSAR planning chain from manual inputs: datum, probable errors, search radius, area.

The manual method (IAMSAR Vol II ch. 4; AMSA *National SAR Manual* App. D; the
figures and their sources are in ``docs/design/010-search-planning.md``):

1. **Datum.** The object drifts with the total water current (TWC) plus its leeway;
   the leeway points downwind, offset by the divergence angle ``±α`` to each side,
   which gives a left and a right datum (:func:`drift_datum`). Their distance is the
   divergence distance DD; a track the object may have followed drifts into a line
   datum (:func:`line_datum`).
2. **Probable errors.** Fix error of the distressed craft X and of the search unit Y
   (:data:`FIX_ERROR_NM`, :func:`fix_error_nm`, :func:`dead_reckoning_error_nm`);
   drift velocity error ``Dve = sqrt(ASWDve² + TWCe² + LWe²)``; drift error
   ``De = Dve·t``; total probable error ``E = sqrt(X² + Y² + De²)``
   (:func:`total_probable_error_nm`).
3. **Separation ratio** ``SR = DD / E``: one combined area below 4, two areas from 4.
4. **Optimal search radius** ``Ro = fs·E``, the safety factor given or stepped by
   search number (AMSA Table 3-2, :data:`SAFETY_FACTOR_BY_SEARCH`), and the
   **optimal area** per datum type (:func:`optimal_areas`).

Directions are degrees clockwise from true north: wind *from*, current and drift
*towards*. Speeds are knots, distances nautical miles, times hours.

Examples
--------
>>> d = drift_datum(12.5, 33.5, elapsed_h=5.0, wind_speed_kn=20.0, wind_from_deg=0.0,
...                 current_speed_kn=0.0, current_to_deg=0.0,
...                 leeway=Leeway(speed_kn=1.0, divergence_deg=30.0, error_kn=0.1))
>>> d.kind, round(d.divergence_nm, 2)      # 2·L·t·sin α = 2·1·5·0.5
('divergence', 5.0)
>>> e = total_probable_error_nm(x_nm=5.0, y_nm=1.0, drift_error_nm=3.0)
>>> round(e, 3)
5.916
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from sarwatch.drift.leeway import resolve_object
from sarwatch.errors import InputError
from sarwatch.geo.geodesy import geod, geodesic_distance_nm
from sarwatch.geo.units import MS_PER_KN
from sarwatch.planning.plane import plane_to_lonlat
from sarwatch.planning.sweep import _positive
from sarwatch.planning.types import SearchArea

__all__ = [
    "DEFAULT_CURRENT_ERRORS_KN",
    "FIX_ERROR_NM",
    "SAFETY_FACTOR_BY_SEARCH",
    "SAFETY_FACTOR_SOURCE",
    "UNKNOWN_MEANS_FIX_ERROR_NM",
    "Datum",
    "DatumKind",
    "Leeway",
    "dead_reckoning_error_nm",
    "drift_datum",
    "drift_error_nm",
    "drift_velocity_error_kn",
    "fix_error_nm",
    "leeway_for_object",
    "line_datum",
    "optimal_areas",
    "optimal_search_radius_nm",
    "safety_factor",
    "separation_ratio",
    "total_probable_error_nm",
]

DatumKind = Literal["point", "divergence", "line"]

#: Fix error by navigation means, nm (AMSA NatSAR Manual Table D-6:1, via
#: alkeikei/sarplan ``src/engine/tables/fixError.ts``). Minimums: raise them when
#: the circumstances warrant.
FIX_ERROR_NM: dict[str, float] = {
    "gps": 0.1,
    "radar": 1.0,
    "visual": 1.0,
    "celestial": 2.0,
    "radio_beacon": 4.0,
}

#: Fix error when the navigation means is unknown, nm (AMSA Table D-6:2).
UNKNOWN_MEANS_FIX_ERROR_NM: dict[str, float] = {
    "ship": 5.0,
    "aircraft_self_contained": 5.0,
    "aircraft": 10.0,
    "small_craft": 15.0,
}

#: Dead-reckoning error as a fraction of the distance run since the last fix
#: (AMSA Table D-6:3).
_DR_FRACTION: dict[str, float] = {"ship": 0.05, "aircraft": 0.10, "small_craft": 0.15}

#: Default current error parts, kn: tidal, sea, wind-driven and other current, each
#: 0.3 kt (PRD §14 of alkeikei/sarplan, summarised in search_planning.md §2).
DEFAULT_CURRENT_ERRORS_KN: tuple[float, ...] = (0.3, 0.3, 0.3, 0.3)

#: Safety factor fs by search number 1..5 (initial, first, second, third expansion,
#: final); AMSA NatSAR Manual Table 3-2. Searches after the fifth keep 2.5.
SAFETY_FACTOR_BY_SEARCH: tuple[float, ...] = (1.1, 1.6, 2.0, 2.3, 2.5)

#: Where :data:`SAFETY_FACTOR_BY_SEARCH` comes from (written into plans).
SAFETY_FACTOR_SOURCE = (
    "AMSA National SAR Manual Table 3-2 (search stages), via alkeikei/sarplan "
    "SAR_Reference_Tables.md §5; IAMSAR's Zrc curves are not digitised"
)

_KN_PER_CM_S = 0.01 / MS_PER_KN


@dataclass(frozen=True, kw_only=True)
class Leeway:
    """The leeway of an object at one wind speed, as the manual method uses it.

    Attributes
    ----------
    speed_kn
        Leeway speed, knots (the magnitude of the leeway vector).
    divergence_deg
        Divergence angle α, degrees: the leeway points ``α`` left and right of downwind.
    error_kn
        Leeway error LWe, knots (the standard error of the fit).
    source
        Where the figures come from.
    """

    speed_kn: float
    divergence_deg: float
    error_kn: float
    source: str = "given"

    def __post_init__(self) -> None:
        _positive("leeway speed_kn", self.speed_kn, allow_zero=True)
        _positive("leeway error_kn", self.error_kn, allow_zero=True)
        if not (math.isfinite(self.divergence_deg) and 0 <= self.divergence_deg < 90):
            raise InputError(
                f"leeway divergence_deg must be in [0, 90) degrees, got {self.divergence_deg!r}"
            )


def leeway_for_object(object_key: str, wind_speed_kn: float) -> Leeway:
    """The leeway of a Leeway object class at a 10 m wind speed.

    Each category's downwind and crosswind leeway are linear in the wind
    (``a·U + b``, slope in % of the wind, offset in cm/s; Allen & Plourde 1999 and
    the USCG SAROPS object list, ``drift/leeway.py``). Per branch (the table's right
    and left crosswind coefficients) the leeway vector has speed
    ``sqrt(dw² + cw²)`` and angle ``atan2(|cw|, dw)`` off downwind; the speed and the
    divergence angle are the means over both branches and over the members of a
    mixture (by weight); negative downwind leeway is clamped to 0 (as sarplan does).
    The error is the downwind standard error ``Sy/x`` (cm/s → kn) combined with the
    spread of the members' speeds: ``sqrt(Σ w·(Sy/x² + (L_i − L)²))``.

    Parameters
    ----------
    object_key
        A proxy (``migrant-rubber-boat``), a category key (``LIFE-RAFT-NB-2``) or number.
    wind_speed_kn
        10 m wind speed, knots.

    Raises
    ------
    InputError
        Unknown object, or a negative wind speed.

    Examples
    --------
    >>> lw = leeway_for_object("PIW-1", 20.0)   # 0.96 % of 20 kn, crosswind 0.54 %
    >>> round(lw.speed_kn, 4), round(lw.divergence_deg, 2), round(lw.error_kn, 4)
    (0.2203, 29.36, 0.2333)
    """
    u_kn = _positive("wind_speed_kn", wind_speed_kn, allow_zero=True)
    mixture = resolve_object(object_key)
    speeds, angles, stds, weights = [], [], [], []
    for cat, weight in mixture.members:
        dw = max(0.0, cat.dwl_slope_pct / 100 * u_kn + cat.dwl_offset_cm_s * _KN_PER_CM_S)
        for slope, offset in (
            (cat.cwr_slope_pct, cat.cwr_offset_cm_s),
            (cat.cwl_slope_pct, cat.cwl_offset_cm_s),
        ):
            cw = slope / 100 * u_kn + offset * _KN_PER_CM_S
            speeds.append(math.hypot(dw, cw))
            angles.append(math.degrees(math.atan2(abs(cw), dw)) if (dw or cw) else 0.0)
            stds.append(cat.dwl_std_cm_s * _KN_PER_CM_S)
            weights.append(weight / 2)
    w = np.asarray(weights)
    sp = np.asarray(speeds)
    speed = float(w @ sp)
    error = math.sqrt(float(w @ (np.asarray(stds) ** 2 + (sp - speed) ** 2)))
    return Leeway(
        speed_kn=speed,
        divergence_deg=min(float(w @ np.asarray(angles)), 89.9),
        error_kn=error,
        source=f"Leeway class {mixture.key} (packaged leeway_categories.csv)",
    )


@dataclass(frozen=True, kw_only=True)
class Datum:
    """Where the object most probably is at the datum time.

    Attributes
    ----------
    kind
        ``point``, ``divergence`` (a left and a right datum) or ``line``.
    points
        ``(lon, lat)`` degrees: one point; the left then the right datum; or the line's vertices.
    divergence_nm
        Divergence distance DD, nm (0 for a point or line datum).
    line_length_nm
        Length of a line datum, nm (0 otherwise).
    drift_nm
        Distance the mean drift (current plus downwind leeway) carried the object, nm.
    """

    kind: DatumKind
    points: tuple[tuple[float, float], ...]
    divergence_nm: float = 0.0
    line_length_nm: float = 0.0
    drift_nm: float = 0.0

    @property
    def centre(self) -> tuple[float, float]:
        """``(lon, lat)`` of the middle of the datum (the geodesic midpoint of its ends)."""
        if len(self.points) == 1:
            return self.points[0]
        (lo1, la1), (lo2, la2) = self.points[0], self.points[-1]
        pts = geod().npts(lo1, la1, lo2, la2, 1)
        return (float(pts[0][0]), float(pts[0][1]))


def _vec(speed_kn: float, to_deg: float) -> tuple[float, float]:
    r = math.radians(to_deg)
    return speed_kn * math.sin(r), speed_kn * math.cos(r)


def _drift_vectors(
    *,
    wind_speed_kn: float,
    wind_from_deg: float,
    current_speed_kn: float,
    current_to_deg: float,
    leeway: Leeway,
) -> list[tuple[float, float]]:
    _positive("wind_speed_kn", wind_speed_kn, allow_zero=True)
    _positive("current_speed_kn", current_speed_kn, allow_zero=True)
    ce, cn = _vec(current_speed_kn, current_to_deg)
    downwind = wind_from_deg + 180.0
    out = []
    for side in (-1.0, 0.0, 1.0):  # left, downwind, right
        le, ln = _vec(leeway.speed_kn, downwind + side * leeway.divergence_deg)
        out.append((ce + le, cn + ln))
    return out


def _move(
    lon: float, lat: float, east_kn: float, north_kn: float, hours: float
) -> tuple[float, float]:
    lo, la = plane_to_lonlat(lon, lat, east_kn * hours, north_kn * hours)
    return float(lo), float(la)


def drift_datum(
    lon: float,
    lat: float,
    *,
    elapsed_h: float,
    wind_speed_kn: float,
    wind_from_deg: float,
    current_speed_kn: float,
    current_to_deg: float,
    leeway: Leeway,
) -> Datum:
    """The datum after ``elapsed_h`` hours of drift from a last known position.

    Drift velocity = TWC + leeway; the left and right datums use the leeway turned
    ``α`` left and right of downwind (IAMSAR; sarplan ``src/engine/drift.ts``); each is
    the start moved along the geodesic by drift × time. Without divergence (α = 0
    or no leeway) the datum is a point.

    Parameters
    ----------
    lon, lat
        Last known position, degrees.
    elapsed_h
        Hours from the last known position to the datum time (> 0).
    wind_speed_kn, wind_from_deg
        Average surface wind: speed, knots, and the direction it blows *from*, degrees.
    current_speed_kn, current_to_deg
        Total water current: speed, knots, and the direction it sets *towards*, degrees.
    leeway
        The object's leeway (:func:`leeway_for_object` or given).

    Examples
    --------
    >>> d = drift_datum(12.5, 33.5, elapsed_h=10.0, wind_speed_kn=0.0, wind_from_deg=0.0,
    ...                 current_speed_kn=1.0, current_to_deg=0.0,
    ...                 leeway=Leeway(speed_kn=0.0, divergence_deg=0.0, error_kn=0.0))
    >>> d.kind, round(d.drift_nm, 6), round(d.points[0][1] - 33.5, 3)   # 10 nm north
    ('point', 10.0, 0.167)
    """
    hours = _positive("elapsed_h", elapsed_h)
    left, mean, right = _drift_vectors(
        wind_speed_kn=wind_speed_kn,
        wind_from_deg=wind_from_deg,
        current_speed_kn=current_speed_kn,
        current_to_deg=current_to_deg,
        leeway=leeway,
    )
    drift_nm = math.hypot(*mean) * hours
    if leeway.speed_kn == 0 or leeway.divergence_deg == 0:
        return Datum(kind="point", points=(_move(lon, lat, *mean, hours),), drift_nm=drift_nm)
    p_left = _move(lon, lat, *left, hours)
    p_right = _move(lon, lat, *right, hours)
    dd = float(geodesic_distance_nm(*p_left, *p_right))
    return Datum(kind="divergence", points=(p_left, p_right), divergence_nm=dd, drift_nm=drift_nm)


def line_datum(
    lons: Sequence[float],
    lats: Sequence[float],
    *,
    elapsed_h: float,
    wind_speed_kn: float,
    wind_from_deg: float,
    current_speed_kn: float,
    current_to_deg: float,
    leeway: Leeway,
) -> Datum:
    """A line datum: a track the object may have been on, drifted as a whole.

    Every vertex moves with the mean drift (TWC + downwind leeway) for ``elapsed_h``;
    the line's length L is the sum of the drifted segments' geodesic lengths.

    Examples
    --------
    >>> d = line_datum([12.0, 12.0], [33.0, 33.5], elapsed_h=1.0, wind_speed_kn=0.0,
    ...                wind_from_deg=0.0, current_speed_kn=0.0, current_to_deg=0.0,
    ...                leeway=Leeway(speed_kn=0.0, divergence_deg=0.0, error_kn=0.0))
    >>> d.kind, round(d.line_length_nm, 1)   # half a degree of latitude (59.9 nm/° at 33° N)
    ('line', 29.9)
    """
    if len(lons) != len(lats) or len(lons) < 2:
        raise InputError(
            f"a line datum needs at least two (lon, lat) vertices, got {len(lons)} and {len(lats)}"
        )
    hours = _positive("elapsed_h", elapsed_h)
    _, mean, _ = _drift_vectors(
        wind_speed_kn=wind_speed_kn,
        wind_from_deg=wind_from_deg,
        current_speed_kn=current_speed_kn,
        current_to_deg=current_to_deg,
        leeway=leeway,
    )
    pts = tuple(
        _move(float(lo), float(la), *mean, hours) for lo, la in zip(lons, lats, strict=True)
    )
    lo_a = np.array([p[0] for p in pts])
    la_a = np.array([p[1] for p in pts])
    length = float(np.sum(geodesic_distance_nm(lo_a[:-1], la_a[:-1], lo_a[1:], la_a[1:])))
    return Datum(kind="line", points=pts, line_length_nm=length, drift_nm=math.hypot(*mean) * hours)


def fix_error_nm(means: str) -> float:
    """The fix error of a navigation means, nm (AMSA Table D-6:1, or D-6:2 if unknown).

    Parameters
    ----------
    means
        ``gps``, ``radar``, ``visual``, ``celestial``, ``radio_beacon``; or, when the
        means is unknown, the craft: ``ship``, ``aircraft_self_contained``,
        ``aircraft``, ``small_craft``.

    Examples
    --------
    >>> fix_error_nm("gps"), fix_error_nm("small_craft")
    (0.1, 15.0)
    """
    table = {**FIX_ERROR_NM, **UNKNOWN_MEANS_FIX_ERROR_NM}
    try:
        return table[means.strip().lower()]
    except KeyError:
        raise InputError(
            f"unknown navigation means {means!r}: expected one of {sorted(table)}"
        ) from None


def dead_reckoning_error_nm(last_fix_error_nm: float, distance_nm: float, craft: str) -> float:
    """Dead-reckoning error: the last fix error plus a share of the distance run (AMSA D-6:3).

    5 % for a ship, 10 % for an aircraft, 15 % for a small craft.

    Examples
    --------
    >>> dead_reckoning_error_nm(0.1, 40.0, "small_craft")   # 0.1 + 0.15·40
    6.1
    """
    fix = _positive("last_fix_error_nm", last_fix_error_nm, allow_zero=True)
    dist = _positive("distance_nm", distance_nm, allow_zero=True)
    try:
        frac = _DR_FRACTION[craft]
    except KeyError:
        raise InputError(
            f"unknown craft {craft!r}: expected one of {sorted(_DR_FRACTION)}"
        ) from None
    return round(fix + frac * dist, 12)


def drift_velocity_error_kn(
    *,
    leeway_error_kn: float,
    wind_error_kn: float = 0.3,
    current_errors_kn: Sequence[float] = DEFAULT_CURRENT_ERRORS_KN,
) -> float:
    """Drift velocity error ``Dve = sqrt(ASWDve² + TWCe² + LWe²)``, knots.

    ``TWCe = sqrt(Σ current part errors²)``; the defaults are the manual's: 0.3 kt for
    a steady average surface wind (0.5 for forecast or variable winds) and 0.3 kt for
    each of the tidal, sea, wind-driven and other currents (search_planning.md §2).

    Examples
    --------
    >>> round(drift_velocity_error_kn(leeway_error_kn=0.0), 4)  # sqrt(0.09 + 4·0.09)
    0.6708
    """
    lw = _positive("leeway_error_kn", leeway_error_kn, allow_zero=True)
    aswd = _positive("wind_error_kn", wind_error_kn, allow_zero=True)
    twce2 = sum(_positive("current error", c, allow_zero=True) ** 2 for c in current_errors_kn)
    return math.sqrt(aswd**2 + twce2 + lw**2)


def drift_error_nm(drift_velocity_error_kn: float, elapsed_h: float) -> float:
    """Drift error ``De = Dve × t``, nm.

    Examples
    --------
    >>> drift_error_nm(0.5, 6.0)
    3.0
    """
    return _positive(
        "drift_velocity_error_kn", drift_velocity_error_kn, allow_zero=True
    ) * _positive("elapsed_h", elapsed_h, allow_zero=True)


def total_probable_error_nm(*, x_nm: float, y_nm: float, drift_error_nm: float) -> float:
    """Total probable error ``E = sqrt(X² + Y² + De²)``, nm (IAMSAR; search_planning.md §2).

    Parameters
    ----------
    x_nm
        Fix error of the distressed craft's position (on a repeat search, the previous E).
    y_nm
        Search unit's navigation error.
    drift_error_nm
        De.

    Examples
    --------
    >>> total_probable_error_nm(x_nm=3.0, y_nm=0.0, drift_error_nm=4.0)
    5.0
    """
    x = _positive("x_nm", x_nm, allow_zero=True)
    y = _positive("y_nm", y_nm, allow_zero=True)
    de = _positive("drift_error_nm", drift_error_nm, allow_zero=True)
    e = math.sqrt(x * x + y * y + de * de)
    if e == 0:
        raise InputError("the total probable error is 0: give a fix error x_nm or y_nm above 0")
    return e


def separation_ratio(divergence_nm: float, total_probable_error_nm: float) -> float:
    """Separation ratio ``SR = DD / E``: below 4 one combined area, from 4 two areas.

    Examples
    --------
    >>> separation_ratio(20.0, 4.0)
    5.0
    """
    dd = _positive("divergence_nm", divergence_nm, allow_zero=True)
    e = _positive("total_probable_error_nm", total_probable_error_nm)
    return dd / e


def safety_factor(search_number: int) -> float:
    """The safety factor fs of the n-th search (1 = initial), AMSA Table 3-2.

    Examples
    --------
    >>> [safety_factor(n) for n in (1, 2, 3, 4, 5, 9)]
    [1.1, 1.6, 2.0, 2.3, 2.5, 2.5]
    """
    if int(search_number) != search_number or search_number < 1:
        raise InputError(f"search_number counts from 1 (the initial search), got {search_number!r}")
    return SAFETY_FACTOR_BY_SEARCH[min(int(search_number), len(SAFETY_FACTOR_BY_SEARCH)) - 1]


def optimal_search_radius_nm(
    total_probable_error_nm: float,
    *,
    safety_factor_value: float | None = None,
    search_number: int = 1,
) -> float:
    """Optimal search radius ``Ro = fs × E``, nm.

    ``safety_factor_value`` when given, else :func:`safety_factor` of ``search_number``.

    Examples
    --------
    >>> round(optimal_search_radius_nm(5.0), 3)
    5.5
    >>> optimal_search_radius_nm(5.0, safety_factor_value=2.0)
    10.0
    """
    e = _positive("total_probable_error_nm", total_probable_error_nm)
    fs = (
        safety_factor(search_number)
        if safety_factor_value is None
        else _positive("safety_factor", safety_factor_value)
    )
    return fs * e


def _bearing(p1: tuple[float, float], p2: tuple[float, float]) -> float:
    az, _, _ = geod().inv(p1[0], p1[1], p2[0], p2[1])
    return float(az) % 180.0


def optimal_areas(
    datum: Datum, radius_nm: float, total_probable_error_nm: float
) -> tuple[SearchArea, ...]:
    """The optimal search area(s) for a datum (sarplan ``src/engine/area.ts``).

    - point: a square of side 2Ro on the datum (Ao = 4Ro²);
    - divergence, SR < 4: one rectangle 2Ro wide and 2Ro + DD long along the line
      between the two datums, centred between them (Ao = 4Ro² + 2Ro·DD);
    - divergence, SR ≥ 4: two squares of side 2Ro, one on each datum (2·4Ro²);
    - line: one rectangle 2Ro wide along each segment (Ao = 2Ro·L; the overlap at
      bends is not removed).

    Parameters
    ----------
    datum
        From :func:`drift_datum` or :func:`line_datum`.
    radius_nm
        Ro, nm.
    total_probable_error_nm
        E, nm (for the separation ratio).

    Examples
    --------
    >>> d = Datum(kind="point", points=((12.5, 33.5),))
    >>> [round(a.area_nm2, 6) for a in optimal_areas(d, 5.0, 4.0)]
    [100.0]
    """
    ro = _positive("radius_nm", radius_nm)
    if datum.kind == "point":
        lon, lat = datum.points[0]
        return (SearchArea(lon=lon, lat=lat, length_nm=2 * ro, width_nm=2 * ro),)
    if datum.kind == "divergence":
        left, right = datum.points
        orient = _bearing(left, right)
        if separation_ratio(datum.divergence_nm, total_probable_error_nm) >= 4:
            return tuple(
                SearchArea(
                    lon=p[0], lat=p[1], length_nm=2 * ro, width_nm=2 * ro, orientation_deg=orient
                )
                for p in (left, right)
            )
        lon, lat = datum.centre
        return (
            SearchArea(
                lon=lon,
                lat=lat,
                length_nm=2 * ro + datum.divergence_nm,
                width_nm=2 * ro,
                orientation_deg=orient,
            ),
        )
    areas = []
    for p1, p2 in zip(datum.points[:-1], datum.points[1:], strict=True):
        seg = float(geodesic_distance_nm(*p1, *p2))
        if seg == 0:
            continue
        mid = geod().npts(p1[0], p1[1], p2[0], p2[1], 1)[0]
        areas.append(
            SearchArea(
                lon=float(mid[0]),
                lat=float(mid[1]),
                length_nm=seg,
                width_nm=2 * ro,
                orientation_deg=_bearing(p1, p2),
            )
        )
    if not areas:
        raise InputError("a line datum needs two distinct vertices")
    return tuple(areas)
