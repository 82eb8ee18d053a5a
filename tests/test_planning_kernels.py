"""The allocation's compiled loops give bit-for-bit what the numpy expressions they
replaced gave (planning._kernels): the same cells, the same cell weights, the
same best rectangle and gain, the same cell weights left and shares inside a
rectangle, the same window plane (the tracks' interpolation: test_planning_reduce.py)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.planning._kernels import best_rectangle, cell_index, cell_weights, shares_inside
from sarwatch.planning.cloud import Cloud, from_local_nm, to_local_nm
from sarwatch.planning.pod import PodCurve, pod_curve_values
from sarwatch.planning.window import CloudWindow


def _numpy_cells(
    u: npt.NDArray[np.float64],
    v: npt.NDArray[np.float64],
    w: npt.NDArray[np.float64],
    u_edges: npt.NDArray[np.float64],
    v_edges: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The expression the kernel replaced (allocation._grid_index before it)."""
    cells = u_edges.size - 1
    i = np.searchsorted(u_edges, u, side="right") - 1
    j = np.searchsorted(v_edges, v, side="right") - 1
    ok = (i >= 0) & (i < cells) & (j >= 0) & (j < cells)
    index = np.where(ok, i * cells + j, -1)
    mass = np.bincount(index[ok], weights=w[ok], minlength=cells * cells)
    return index, np.asarray(mass, dtype=float)


def _numpy_best(
    residual: npt.NDArray[np.float64], du: float, dv: float, effort_nm2: float, curve: PodCurve
) -> tuple[tuple[int, int, int, int], float]:
    """The expression the kernel replaced (allocation._best_rectangle before it)."""
    g = residual.shape[0]
    sat = np.zeros((g + 1, g + 1))
    sat[1:, 1:] = residual.cumsum(0).cumsum(1)
    i0, i1 = np.triu_indices(g + 1, k=1)
    j0, j1 = np.triu_indices(g + 1, k=1)
    m = sat[i1][:, j1] - sat[i0][:, j1] - sat[i1][:, j0] + sat[i0][:, j0]
    area = ((i1 - i0) * du)[:, None] * ((j1 - j0) * dv)[None, :]
    gain = m * pod_curve_values(effort_nm2 / area, curve)
    a, b = np.unravel_index(int(np.argmax(gain)), gain.shape)
    return (int(i0[a]), int(i1[a]), int(j0[b]), int(j1[b])), float(gain[a, b])


def _kernel_best(
    residual: npt.NDArray[np.float64], du: float, dv: float, effort_nm2: float, curve: PodCurve
) -> tuple[tuple[int, int, int, int], float]:
    g = residual.shape[0]
    sat = np.zeros((g + 1, g + 1))
    sat[1:, 1:] = residual.cumsum(0).cumsum(1)
    sizes = np.arange(1, g + 1)
    area = (sizes * du)[:, None] * (sizes * dv)[None, :]
    i0, i1, j0, j1, gain = best_rectangle(sat, pod_curve_values(effort_nm2 / area, curve))
    return (int(i0), int(i1), int(j0), int(j1)), float(gain)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 3000),
    cells=st.integers(10, 80),
    spread=st.floats(0.01, 50.0),
)
def test_cell_index_equals_searchsorted_and_bincount(seed, n, cells, spread):
    rng = np.random.default_rng(seed)
    u = rng.normal(0, spread, n)
    v = rng.normal(0, spread / 3, n)
    w = rng.random(n)
    lo = -2.0 * spread * rng.random()
    u_edges = np.linspace(lo, lo + 3 * spread * (0.5 + rng.random()), cells + 1)
    v_edges = np.linspace(-spread / 2, spread / 2, cells + 1)
    # points exactly on edges, beyond the last, and NaN: the corner cases of searchsorted
    u[: min(n, cells + 1)] = u_edges[: min(n, cells + 1)]
    v[-1] = v_edges[-1]
    if n > 3:
        u[-2] = np.nan
    rows, cols, index, mass = cell_index(u, v, w, u_edges, v_edges)
    want_index, want_mass = _numpy_cells(u, v, w, u_edges, v_edges)
    np.testing.assert_array_equal(index, want_index)
    np.testing.assert_array_equal(mass, want_mass)  # summed in the same order: exact
    np.testing.assert_array_equal(np.where(index >= 0, rows * cells + cols, -1), want_index)
    assert np.all((rows == -1) == (index == -1)) and np.all((cols == -1) == (index == -1))


def test_cell_index_on_a_known_grid():
    """Edges 0, 1, 2 on both axes: a point on an inner edge goes to the cell above it,
    a point on the last edge or below the first is outside (numpy.searchsorted's rule)."""
    e = np.array([0.0, 1.0, 2.0])
    u = np.array([0.5, 1.0, 1.5, 2.0, -0.1])
    v = np.array([1.5, 0.0, 1.0, 0.5, 0.5])
    rows, cols, index, mass = cell_index(u, v, np.ones(5), e, e)
    assert rows.tolist() == [0, 1, 1, -1, -1]
    assert cols.tolist() == [1, 0, 1, -1, -1]
    assert index.tolist() == [1, 2, 3, -1, -1]
    assert mass.tolist() == [0.0, 1.0, 1.0, 1.0]


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    g=st.integers(1, 24),
    effort=st.floats(0.1, 500.0),
    curve=st.sampled_from(["inverse_cube", "exponential"]),
    sparse=st.booleans(),
)
def test_best_rectangle_equals_the_numpy_search(seed, g, effort, curve, sparse):
    rng = np.random.default_rng(seed)
    residual = rng.random((g, g)) ** 3
    if sparse:  # many empty cells: ties between rectangles, resolved as argmax does
        residual[rng.random((g, g)) < 0.8] = 0.0
    du, dv = 0.1 + rng.random(), 0.1 + rng.random()
    assert _kernel_best(residual, du, dv, effort, curve) == _numpy_best(
        residual, du, dv, effort, curve
    )


def test_best_rectangle_on_a_single_heavy_cell():
    """All the weight in one cell with effort enough to cover it: that cell, gain
    weight × POD(Z/A)."""
    residual = np.zeros((5, 5))
    residual[3, 1] = 0.8
    rect, gain = _kernel_best(residual, 1.0, 1.0, 2.0, "exponential")
    assert rect == (3, 4, 1, 2)
    assert gain == 0.8 * float(pod_curve_values(2.0, "exponential"))


# --------------------------------------------------------------------------- the window plane


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(2, 7),
    n=st.integers(1, 400),
    lat0=st.floats(-70.0, 70.0),
    lon0=st.floats(-179.0, 179.0),
    drift_nm=st.floats(0.0, 30.0),
)
def test_the_compiled_window_plane_equals_the_numpy_expression(seed, k, n, lat0, lon0, drift_nm):
    """CloudWindow.plane_nm's compiled pass gives exactly its numpy formula (which the
    window still uses across the antimeridian)."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(0, 5, n), rng.normal(0, 5, n)
    heading = rng.uniform(0, 2 * np.pi)
    clouds = []
    for t in range(k):
        d = drift_nm * t / k + rng.normal(0, 0.3, n)
        lon, lat = from_local_nm(x + d * np.sin(heading), y + d * np.cos(heading), lon0, lat0)
        clouds.append(Cloud(lon=lon, lat=lat, weight=np.full(n, 1 / n)))
    window = CloudWindow.of(clouds)
    mid = window.mid
    o_lon, o_lat = mid.centre()
    got_x, got_y = window.plane_nm(o_lon, o_lat)
    # the formula, in numpy (window.py's module docstring)
    lon = np.stack([c.lon for c in clouds])
    lat = np.stack([c.lat for c in clouds])
    x0, y0 = to_local_nm(mid.lon, mid.lat, o_lon, o_lat)
    de, dn = window._displacement_nm(lon, lat)
    g = np.radians((mid.lon - o_lon + 180.0) % 360.0 - 180.0) * np.sin(np.radians(mid.lat))
    cg, sg = np.cos(g), np.sin(g)
    np.testing.assert_array_equal(got_x, x0 + de * cg - dn * sg)
    np.testing.assert_array_equal(got_y, y0 + de * sg + dn * cg)


def test_a_window_across_the_antimeridian_keeps_its_particles_in_place():
    """Particles moving east across 180°: the displacement wraps (the numpy path), each
    time's plane position within 0.01 nm of its own geodesic transform."""
    n = 50
    rng = np.random.default_rng(4)
    x, y = rng.normal(0, 2, n), rng.normal(0, 2, n)
    clouds = []
    for t in range(3):
        lon, lat = from_local_nm(x + 4.0 * t, y, 179.95, -17.0)
        clouds.append(Cloud(lon=lon, lat=lat, weight=np.full(n, 1 / n)))
    assert np.any(clouds[0].lon > 0) and np.any(clouds[2].lon < 0)  # it crosses
    window = CloudWindow.of(clouds)
    px, py = window.plane_nm(179.99, -17.0)
    for t, c in enumerate(clouds):
        ex, ey = to_local_nm(c.lon, c.lat, 179.99, -17.0)
        assert np.max(np.hypot(px[t] - ex, py[t] - ey)) < 0.01


# --------------------------------------------------------------------------- cell weights, shares


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 6),
    n=st.integers(1, 2000),
    cells=st.integers(2, 30),
)
def test_cell_weights_and_shares_equal_the_numpy_expressions(seed, k, n, cells):
    rng = np.random.default_rng(seed)
    rows = rng.integers(-1, cells, (k, n)).astype(np.int16)
    cols = rng.integers(-1, cells, (k, n)).astype(np.int16)
    outside = (rows < 0) | (cols < 0)
    rows[outside], cols[outside] = -1, -1
    index = np.where(outside, -1, rows.astype(np.int64) * cells + cols)
    weight, miss = rng.random(n), rng.random(n)
    # allocate's residual before the kernel: bincount over the in-grid entries
    where = np.nonzero(index >= 0)
    want = np.bincount(index[where], weights=(weight * miss / k)[where[1]], minlength=cells * cells)
    np.testing.assert_array_equal(cell_weights(index, weight, miss, cells * cells), want)
    i0, i1 = sorted(rng.integers(0, cells + 1, 2).tolist())
    j0, j1 = sorted(rng.integers(0, cells + 1, 2).tolist())
    inside = (rows >= i0) & (rows < i1) & (cols >= j0) & (cols < j1)
    np.testing.assert_array_equal(shares_inside(rows, cols, i0, i1, j0, j1), inside.mean(axis=0))


def test_shares_count_the_times_inside():
    """A particle inside at 2 of 4 times has share 0.5; outside the grid (-1) never counts."""
    rows = np.array([[0, 1, -1], [0, 3, -1], [2, 1, -1], [2, 1, -1]], dtype=np.int16)
    cols = np.array([[0, 0, -1], [0, 0, -1], [0, 0, -1], [0, 0, -1]], dtype=np.int16)
    assert shares_inside(rows, cols, 0, 2, 0, 1).tolist() == [0.5, 0.75, 0.0]
