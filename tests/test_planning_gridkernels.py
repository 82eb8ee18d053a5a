"""The allocation's compiled grid loops give bit-for-bit what the numpy expressions
they replaced gave (planning._gridkernels): the same cells, the same cell weights,
the same best rectangle and gain."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.planning._gridkernels import best_rectangle, cell_index
from sarwatch.planning.pod import PodCurve, pod_curve_values


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
