"""Allocation of search effort: one rectangle per unit that together maximise POS on the cloud.

**Method: greedy, unit by unit, then coordinate ascent (two rounds), over every
grid-aligned rectangle of the cloud.** Stone's optimal plan for exponential detection
(*Theory of Optimal Search*, 1975, ch. II; search_planning.md §8) spreads effort with
density ``φ*(x) = max(0, ln(p(x)/λ))``: deepest where the probability is highest,
thinning out to nothing at a contour. A crew cannot fly a density; it flies a
rectangle at one track spacing, so the coverage in its area is uniform
(``C = Z/A``). The allocation therefore searches over rectangles, keeping Stone's
marginal-value logic: for each unit (largest effort first) it takes the rectangle
that adds the most probability of success *given the units already placed*
(``Σ_cells p_cell·Π(1 − POD_earlier)·POD(Z/A)``, which is exact for independent
searches and counts overlaps correctly), then re-places each unit against all the
others (coordinate ascent: POS never decreases) until a round changes nothing or
two rounds are done. Water-filling across units is what this converges to where
the rectangles are free to move: no unit can gain by moving its effort elsewhere.
The exhaustive search is over the ``G × G`` grid (``G = 40`` by default) of the
cloud's principal-axis frame (the rectangles are aligned with the cloud's spread),
all ``(G(G+1)/2)²`` rectangles at once through a summed-area table.

The plan is then scored on the particles themselves (each particle's POD is
``1 − Π_units (1 − POD_u)`` over the areas that contain it), so the POS reported is
the cloud's, not the grid's. :func:`naive_plan` is the plan to beat: one box around
the 90 % highest-density region, split evenly into one strip per unit.

Examples
--------
>>> import numpy as np
>>> from sarwatch.planning.cloud import Cloud, from_local_nm
>>> rng = np.random.default_rng(1)
>>> lon, lat = from_local_nm(rng.normal(0, 3, 4000), rng.normal(0, 3, 4000), 12.4, 33.6)
>>> plan = allocate(Cloud.from_arrays(lon, lat),
...                 [SearchUnit(name="ship", speed_kn=10, hours=4, sweep_width_nm=1.0)])
>>> plan.assignments[0].area.area_nm2 > 0, 0 < plan.total_pos < 1, plan.curve
(True, True, 'inverse_cube')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sarwatch.errors import InputError
from sarwatch.geo.geodesy import geodesic_distance_nm
from sarwatch.planning._kernels import best_rectangle, cell_index, cell_weights, shares_inside
from sarwatch.planning._reduce import weighted_sum
from sarwatch.planning.cloud import Cloud, from_local_nm
from sarwatch.planning.plane import _axis_frame
from sarwatch.planning.pod import PodCurve, pod_curve_values
from sarwatch.planning.types import SearchArea
from sarwatch.planning.window import CloudWindow

__all__ = [
    "Allocation",
    "Assignment",
    "SearchUnit",
    "allocate",
    "naive_plan",
    "score_plan",
]

_FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, kw_only=True)
class SearchUnit:
    """A search unit as the allocation needs it.

    Attributes
    ----------
    name
        Label.
    speed_kn
        Search speed, knots (> 0).
    hours
        Endurance available for transit and search, hours (> 0).
    sweep_width_nm
        Corrected sweep width W for the object, nm (> 0).
    transit_nm
        Distance to the search area, nm; its time (``transit_nm / speed_kn``) comes
        off ``hours``. Give ``start_lon``/``start_lat`` instead to have it measured
        to the cloud's centre.
    start_lon, start_lat
        Where the unit starts, degrees (optional).
    """

    name: str
    speed_kn: float
    hours: float
    sweep_width_nm: float
    transit_nm: float = 0.0
    start_lon: float | None = None
    start_lat: float | None = None

    def __post_init__(self) -> None:
        for what, v in (
            ("speed_kn", self.speed_kn),
            ("hours", self.hours),
            ("sweep_width_nm", self.sweep_width_nm),
        ):
            if not (math.isfinite(float(v)) and float(v) > 0):
                raise InputError(f"unit {self.name!r}: {what} must be a positive number, got {v!r}")
        if not (math.isfinite(float(self.transit_nm)) and self.transit_nm >= 0):
            raise InputError(
                f"unit {self.name!r}: transit_nm must be non-negative, got {self.transit_nm!r}"
            )
        if (self.start_lon is None) != (self.start_lat is None):
            raise InputError(f"unit {self.name!r}: give both start_lon and start_lat, or neither")

    def search_hours(self, centre: tuple[float, float] | None = None) -> float:
        """Hours left for searching after the transit (to ``centre`` when a start is given)."""
        transit = self.transit_nm
        if self.start_lon is not None and self.start_lat is not None and centre is not None:
            transit = float(geodesic_distance_nm(self.start_lon, self.start_lat, *centre))
        left = self.hours - transit / self.speed_kn
        if left <= 0:
            raise InputError(
                f"unit {self.name!r} has no search time left: {transit:.1f} nm of transit at "
                f"{self.speed_kn:g} kn takes {transit / self.speed_kn:.2f} h "
                f"of its {self.hours:g} h"
            )
        return left

    def effort_nm2(self, centre: tuple[float, float] | None = None) -> float:
        """Effort ``Z = W·V·T`` over the search hours, nm²."""
        return self.sweep_width_nm * self.speed_kn * self.search_hours(centre)


@dataclass(frozen=True, kw_only=True)
class Assignment:
    """One unit's part of a plan.

    Attributes
    ----------
    unit
        The unit.
    area
        Its rectangle (legs along ``orientation_deg``, the long side).
    effort_nm2, coverage, track_spacing_nm
        Z, C = Z/A and S = W/C.
    poc
        Prior probability of containment of the area.
    pod
        POD in the area on ``curve`` (alone, as C gives it).
    pos
        The probability this unit adds to the plan's success, given the units before it
        in the plan (over its whole area, overlaps counted once).
    """

    unit: SearchUnit
    area: SearchArea
    effort_nm2: float
    coverage: float
    track_spacing_nm: float
    poc: float
    pod: float
    pos: float


@dataclass(frozen=True, kw_only=True)
class Allocation:
    """A plan: the assignments, the total probability of success and how it was made.

    Attributes
    ----------
    assignments
        One per unit, in the order the units were given.
    total_pos
        ``Σ_particles w·(1 − Π_units (1 − POD_u))``: the plan's probability of success on the cloud.
    curve
        The coverage-to-POD curve used.
    method
        ``greedy+coordinate-ascent`` or ``naive``.
    """

    assignments: tuple[Assignment, ...]
    total_pos: float
    curve: PodCurve
    method: str


def _principal_frame(
    window: CloudWindow,
) -> tuple[float, float, float, _FloatArray, _FloatArray, _FloatArray]:
    """Centre, major-axis bearing (deg), the particles' (along, across) nm at every
    time of the window (``(K, n)``, flattened) and their weights (``w/K`` each)."""
    lon0, lat0 = window.mid.centre()
    x, y = window.plane_nm(lon0, lat0)
    k = x.shape[0]
    x, y = x.ravel(), y.ravel()
    w = np.tile(window.weight, k) / k
    dx, dy = x - weighted_sum(w, x), y - weighted_sum(w, y)
    sw = float(w.sum())
    cxy = weighted_sum(w, dx * dy) / sw
    cov = np.array([[weighted_sum(w, dx * dx) / sw, cxy], [cxy, weighted_sum(w, dy * dy) / sw]])
    vals, vecs = np.linalg.eigh(cov)
    ex, ey = vecs[:, int(np.argmax(vals))]
    bearing = math.degrees(math.atan2(ex, ey)) % 180.0
    along, across = _axis_frame(x, y, bearing)
    return lon0, lat0, bearing, along, across, w


@dataclass(frozen=True)
class _Grid:
    lon0: float
    lat0: float
    bearing: float
    u_edges: _FloatArray
    v_edges: _FloatArray
    mass: _FloatArray  # (G, G) prior weight per cell

    def area_of(self, i0: int, i1: int, j0: int, j1: int) -> SearchArea:
        uc = (self.u_edges[i0] + self.u_edges[i1]) / 2
        vc = (self.v_edges[j0] + self.v_edges[j1]) / 2
        lu = float(self.u_edges[i1] - self.u_edges[i0])
        lv = float(self.v_edges[j1] - self.v_edges[j0])
        lon, lat = from_local_nm(*_axis_frame([uc], [vc], self.bearing), self.lon0, self.lat0)
        return _oriented_area(float(lon[0]), float(lat[0]), lu, lv, self.bearing)


def _oriented_area(
    lon: float, lat: float, along_nm: float, across_nm: float, bearing_deg: float
) -> SearchArea:
    """A rectangle of sides ``along_nm`` (on ``bearing_deg``) and ``across_nm``, long side first."""
    if along_nm >= across_nm:
        return SearchArea(
            lon=lon, lat=lat, length_nm=along_nm, width_nm=across_nm, orientation_deg=bearing_deg
        )
    return SearchArea(
        lon=lon,
        lat=lat,
        length_nm=across_nm,
        width_nm=along_nm,
        orientation_deg=(bearing_deg + 90.0) % 180.0,
    )


def _grid(cloud: Cloud, cells: int) -> _Grid:
    return _grid_index(CloudWindow((cloud,)), cells)[0]


def _grid_index(
    window: CloudWindow, cells: int
) -> tuple[_Grid, npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The grid and each particle's cell row, column and flat index at each of the
    window's times (each ``(K, n)``, ``-1`` outside the grid).

    The grid spans the 0.2-99.8 % weighted quantiles of each axis, padded by 5 %; for a
    window of ``K > 1`` times they are taken on every ``K``-th point (n of them).
    """
    lon0, lat0, bearing, u, v, w = _principal_frame(window)
    k = len(window.clouds)
    edges = []
    for a in (u, v):
        sa, sw = (a, w) if k == 1 else (a[::k], w[::k] / w[::k].sum())
        order = np.argsort(sa)
        cw = np.cumsum(sw[order])
        srt = sa[order]
        lo = float(srt[int(np.searchsorted(cw, 0.002))])
        hi = float(srt[min(int(np.searchsorted(cw, 0.998)), sa.size - 1)])
        pad = 0.05 * (hi - lo) + 1e-3
        edges.append(np.linspace(lo - pad, hi + pad, cells + 1))
    rows, cols, index, mass = cell_index(u, v, w, edges[0], edges[1])
    grid = _Grid(lon0, lat0, bearing, edges[0], edges[1], mass.reshape(cells, cells))
    return grid, rows.reshape(k, -1), cols.reshape(k, -1), index.reshape(k, -1)


def _best_rectangle(
    grid: _Grid, residual: _FloatArray, effort_nm2: float, curve: PodCurve
) -> tuple[tuple[int, int, int, int], float]:
    """The grid rectangle with the largest ``Σ residual · POD(Z/A)``, and that gain
    (every rectangle of the grid, by :func:`~sarwatch.planning._kernels.best_rectangle`)."""
    g = residual.shape[0]
    sat = np.zeros((g + 1, g + 1))
    sat[1:, 1:] = residual.cumsum(0).cumsum(1)
    du = np.diff(grid.u_edges)[0]
    dv = np.diff(grid.v_edges)[0]
    sizes = np.arange(1, g + 1)
    area = (sizes * du)[:, None] * (sizes * dv)[None, :]  # by (rows, columns) spanned
    pod_by_size = np.asarray(pod_curve_values(effort_nm2 / area, curve), dtype=float)
    i0, i1, j0, j1, gain = best_rectangle(sat, pod_by_size)
    return (int(i0), int(i1), int(j0), int(j1)), float(gain)


def _cell_pod(
    grid: _Grid, rect: tuple[int, int, int, int], effort_nm2: float, curve: PodCurve
) -> tuple[slice, slice, float]:
    i0, i1, j0, j1 = rect
    a = (grid.u_edges[i1] - grid.u_edges[i0]) * (grid.v_edges[j1] - grid.v_edges[j0])
    return slice(i0, i1), slice(j0, j1), float(pod_curve_values(effort_nm2 / a, curve))


def score_plan(
    cloud: Cloud,
    units: Sequence[SearchUnit],
    areas: Sequence[SearchArea],
    *,
    curve: PodCurve = "inverse_cube",
    method: str = "given",
    clouds: Sequence[Cloud | CloudWindow] | None = None,
    efforts_nm2: Sequence[float] | None = None,
    shares: Sequence[npt.NDArray[np.float64]] | None = None,
) -> Allocation:
    """Score a plan (one area per unit) on the particles.

    Each unit covers its area uniformly (``C = Z/A``, POD from ``curve``); a particle
    in several areas is missed by each independently. The units' ``pos`` are
    incremental in the order given; they sum to ``total_pos``.

    Parameters
    ----------
    cloud
        The probability map (its weights are the particles' prior).
    units, areas
        One area per unit.
    curve
        Coverage-to-POD curve.
    method
        The label the result carries.
    clouds
        Optional, one per unit: the same particles (same order and weights as
        ``cloud``) where they are when that unit searches, at one time (a
        :class:`~sarwatch.planning.cloud.Cloud`) or at several times of its search (a
        :class:`~sarwatch.planning.window.CloudWindow`). A particle's miss
        probability is then ``Π_u (1 − f_u·POD_u)``, ``f_u`` the share of unit u's
        times at which its area held the particle, and each unit's ``poc`` is
        ``Σ w·f_u``: its area's probability of containment while it searches.
    efforts_nm2
        Optional, one per unit: the effort Z; default ``unit.effort_nm2`` with the
        transit measured to ``cloud``'s centre.
    shares
        Optional, one per unit: each particle's share ``f_u`` already known (as
        :func:`allocate` has it from its grid); default computed from ``clouds``.

    Examples
    --------
    >>> c = Cloud.from_arrays([12.0, 12.5], [33.0, 33.0])
    >>> u = SearchUnit(name="a", speed_kn=10, hours=1, sweep_width_nm=1)   # Z = 10 nm²
    >>> plan = score_plan(c, [u], [SearchArea(lon=12.0, lat=33.0, length_nm=5, width_nm=2)],
    ...                   curve="exponential")
    >>> round(plan.total_pos, 4)   # 0.5 · (1 − e^(−1))
    0.3161
    """
    if len(units) != len(areas):
        raise InputError(f"one area per unit: {len(units)} units, {len(areas)} areas")
    per_unit = _per_unit_clouds(cloud, clouds, len(units))
    if efforts_nm2 is None:
        centre = cloud.centre()
        efforts_nm2 = [u.effort_nm2(centre) for u in units]
    if len(efforts_nm2) != len(units):
        raise InputError(f"one effort per unit: {len(units)} units, {len(efforts_nm2)} efforts")
    miss = np.ones(cloud.n)
    out: list[Assignment] = []
    for unit, area, z, at in zip(units, areas, efforts_nm2, per_unit, strict=True):
        c = z / area.area_nm2
        p = float(pod_curve_values(c, curve))
        f = at.fraction_inside(area) if shares is None else np.asarray(shares[len(out)])
        gained = weighted_sum(cloud.weight, miss * f) * p
        miss *= 1.0 - p * f
        out.append(
            Assignment(
                unit=unit,
                area=area,
                effort_nm2=z,
                coverage=c,
                track_spacing_nm=unit.sweep_width_nm / c,
                poc=weighted_sum(cloud.weight, f),
                pod=p,
                pos=gained,
            )
        )
    return Allocation(
        assignments=tuple(out),
        total_pos=weighted_sum(cloud.weight, 1.0 - miss),
        curve=curve,
        method=method,
    )


def _per_unit_clouds(
    cloud: Cloud, clouds: Sequence[Cloud | CloudWindow] | None, n_units: int
) -> list[CloudWindow]:
    if clouds is None:
        return [CloudWindow((cloud,))] * n_units
    if len(clouds) != n_units:
        raise InputError(f"one cloud per unit: {n_units} units, {len(clouds)} clouds")
    out = [c if isinstance(c, CloudWindow) else CloudWindow((c,)) for c in clouds]
    for c in out:
        if c.n != cloud.n:
            raise InputError(
                f"a unit's cloud must hold the plan's {cloud.n} particles (same order), "
                f"got {c.n}: keep particles without a position at their last one"
            )
    return out


def allocate(
    cloud: Cloud,
    units: Sequence[SearchUnit],
    *,
    curve: PodCurve = "inverse_cube",
    cells: int = 40,
    rounds: int = 2,
    clouds: Sequence[Cloud | CloudWindow] | None = None,
    efforts_nm2: Sequence[float] | None = None,
) -> Allocation:
    """Give each unit a rectangle so that together they maximise POS on the cloud.

    Greedy placement (largest effort first), then ``rounds`` of coordinate ascent,
    over the rectangles of a ``cells × cells`` grid in the cloud's principal-axis
    frame; the result is scored on the particles (:func:`score_plan`). See the module
    docstring for why this and not Stone's continuous plan.

    Parameters
    ----------
    cloud
        The probability map at the time of the search.
    units
        The units (at least one).
    curve
        Coverage-to-POD curve: ``inverse_cube`` for parallel sweeps flown well,
        ``exponential`` for poor navigation or random search.
    cells
        Grid cells per axis (10-80).
    rounds
        Coordinate-ascent rounds after the greedy pass.
    clouds
        Optional, one per unit: the same particles where they are when that unit
        searches, at one time or over its search window (:mod:`sarwatch.planning.ontime`).
        Each unit's rectangle is then chosen on its own cloud, on a grid in that
        cloud's principal-axis frame holding the particles at each of its times
        (``w/K`` each), and the probability left for it is each particle's weight
        times its chance of having been missed by the other units *at their times*
        (as :func:`score_plan` counts it).
    efforts_nm2
        Optional, one per unit: the effort Z; default ``unit.effort_nm2`` with the
        transit measured to ``cloud``'s centre.
    shares
        Optional, one per unit: each particle's share ``f_u`` already known (as
        :func:`allocate` has it from its grid); default computed from ``clouds``.

    Raises
    ------
    InputError
        No units, a unit with no search time left, a grid size out of range.
    """
    if not units:
        raise InputError("an allocation needs at least one search unit")
    if not 10 <= cells <= 80:
        raise InputError(f"cells must be between 10 and 80, got {cells}")
    per_unit = _per_unit_clouds(cloud, clouds, len(units))
    if efforts_nm2 is None:
        centre = cloud.centre()
        efforts_nm2 = [u.effort_nm2(centre) for u in units]
    efforts = list(efforts_nm2)
    g = cells
    grids: list[_Grid] = []
    # per unit: each particle's cell row, column and flat cell at each time ((K, n),
    # -1 outside the grid)
    rows: list[npt.NDArray[np.int16]] = []
    cols: list[npt.NDArray[np.int16]] = []
    index: list[npt.NDArray[np.int64]] = []
    for c in per_unit:
        if grids and c is per_unit[0]:  # the frozen plan: one grid for all
            grids.append(grids[0])
            rows.append(rows[0])
            cols.append(cols[0])
            index.append(index[0])
            continue
        grid, ci, cj, idx = _grid_index(c, cells)
        grids.append(grid)
        rows.append(ci.astype(np.int16))
        cols.append(cj.astype(np.int16))
        index.append(idx)
    order = sorted(range(len(units)), key=lambda i: -efforts[i])
    rects: dict[int, tuple[int, int, int, int]] = {}
    shares: dict[tuple[int, tuple[int, int, int, int]], _FloatArray] = {}

    def covered(k: int) -> tuple[_FloatArray, float]:
        """Unit k's share of times each particle is in its rectangle, and its POD."""
        key = (k, rects[k])
        if key not in shares:
            # -1 outside the grid: never inside (i0, j0 >= 0)
            shares[key] = shares_inside(rows[k], cols[k], *rects[k])
        return shares[key], _cell_pod(grids[k], rects[k], efforts[k], curve)[2]

    def residual_for(i: int) -> _FloatArray:
        miss = np.ones(cloud.n)
        for k in rects:
            if k != i:
                f, p = covered(k)
                miss *= 1.0 - p * f
        return cell_weights(index[i], cloud.weight, miss, g * g).reshape(g, g)

    for i in order:
        rects[i], _ = _best_rectangle(grids[i], residual_for(i), efforts[i], curve)
    for _ in range(rounds if len(units) > 1 else 0):
        changed = False
        for i in order:
            best, _ = _best_rectangle(grids[i], residual_for(i), efforts[i], curve)
            if best != rects[i]:
                rects[i], changed = best, True
        if not changed:
            break
    areas = [grids[i].area_of(*rects[i]) for i in range(len(units))]
    return score_plan(
        cloud,
        units,
        areas,
        curve=curve,
        method="greedy+coordinate-ascent" + (" on-scene" if clouds is not None else ""),
        clouds=clouds,
        efforts_nm2=efforts,
        # on the moving cloud, the shares from the units' own grids (the same
        # rectangles; one geodesic transform per unit fewer)
        shares=None if clouds is None else [covered(i)[0] for i in range(len(units))],
    )


def naive_plan(
    cloud: Cloud,
    units: Sequence[SearchUnit],
    *,
    curve: PodCurve = "inverse_cube",
    containment: float = 0.9,
    cells: int = 40,
) -> Allocation:
    """The plan to beat: one box around the 90 % containment region, split evenly.

    The box bounds the highest-density grid cells that hold ``containment`` of the
    weight (in the cloud's principal-axis frame); it is cut across its long side into
    one strip of equal area per unit.

    Examples
    --------
    >>> import numpy as np
    >>> from sarwatch.planning.cloud import from_local_nm
    >>> rng = np.random.default_rng(2)
    >>> lon, lat = from_local_nm(rng.normal(0, 3, 2000), rng.normal(0, 1, 2000), 12.4, 33.6)
    >>> units = [SearchUnit(name=n, speed_kn=10, hours=3, sweep_width_nm=1) for n in "ab"]
    >>> plan = naive_plan(Cloud.from_arrays(lon, lat), units)
    >>> len({round(a.area.area_nm2, 6) for a in plan.assignments}), plan.method   # equal strips
    (1, 'naive')
    """
    if not units:
        raise InputError("a plan needs at least one search unit")
    if not 0 < containment < 1:
        raise InputError(f"containment must be in (0, 1), got {containment}")
    grid = _grid(cloud, cells)
    flat = grid.mass.ravel()
    order = np.argsort(flat)[::-1]
    n_cells = int(np.searchsorted(np.cumsum(flat[order]), containment * flat.sum())) + 1
    ii, jj = np.unravel_index(order[:n_cells], grid.mass.shape)
    i0, i1, j0, j1 = int(ii.min()), int(ii.max()) + 1, int(jj.min()), int(jj.max()) + 1
    box = grid.area_of(i0, i1, j0, j1)
    n = len(units)
    areas = []
    for k in range(n):
        off = (k + 0.5 - n / 2) * box.length_nm / n  # along the long side
        e, nn = _axis_frame([off], [0.0], box.orientation_deg)
        lon, lat = from_local_nm(e, nn, box.lon, box.lat)
        strip = _oriented_area(
            float(lon[0]), float(lat[0]), box.length_nm / n, box.width_nm, box.orientation_deg
        )
        areas.append(strip)
    return score_plan(cloud, units, areas, curve=curve, method="naive")
