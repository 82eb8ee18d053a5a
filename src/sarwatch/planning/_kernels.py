"""Compiled loops of the plan on the particles (numba): each replaces a numpy expression
over all particles that made several full-size temporaries, and computes what it
computed, operation for operation (``tests/test_planning_kernels.py`` checks them
bit for bit against the expressions):

* :func:`cell_index`: each point's grid row and column and its flat cell (``-1``
  outside the grid), and the weight per cell, in one pass. The row is
  ``searchsorted(edges, u, side="right") − 1`` exactly (a guess from the uniform
  spacing, corrected against the edges themselves), and the cell weights are summed
  in the points' order, as ``numpy.bincount`` sums them: the results are bit-for-bit
  those of the numpy expression (``tests/test_planning_kernels.py``).
* :func:`best_rectangle`: the grid rectangle with the largest
  ``(summed residual) × POD(Z/A)`` over every rectangle, from a summed-area table and
  a table of POD by rectangle size (the POD depends on the size only), taking the
  first maximum in the order ``numpy.argmax`` would over the ``(row pairs, column
  pairs)`` array, the sums formed in the same order: the same rectangle and gain.
* :func:`cell_weights` and :func:`shares_inside`: the probability left per grid cell
  for a unit, and the share of its times each particle spends in its rectangle
  (:func:`sarwatch.planning.allocation.allocate`).
* :func:`window_plane`: a window's particles in a plane
  (:meth:`sarwatch.planning.window.CloudWindow.plane_nm`).
* :func:`interpolate_rows`: the tracks at several times, reading each track once
  (:meth:`sarwatch.planning.motion.CloudTracks.positions_at_times`).
* :func:`cubic_on_grid`: two smooth functions of ``(lon, lat)``
  from their tables (:func:`sarwatch.planning.plane.lonlat_to_plane` for many points).
* :func:`quadratic_rows`: particles between output times from three positions per
  interval (:func:`sarwatch.planning.motion.route_pod`).
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

__all__ = [
    "best_rectangle",
    "cell_index",
    "cell_weights",
    "cubic_on_grid",
    "interpolate_rows",
    "quadratic_rows",
    "shares_inside",
    "window_plane",
]

_FloatArray = npt.NDArray[np.float64]
_IntArray = npt.NDArray[np.int64]


@numba.njit(cache=True, nogil=True)
def _row(a: float, edges: _FloatArray, cells: int, lo: float, step: float) -> int:
    """``searchsorted(edges, a, side="right") − 1`` for ``cells + 1`` increasing edges
    (``cells`` for NaN or beyond the last edge: outside, like numpy's)."""
    if not a >= lo:  # below the first edge, or NaN
        return cells if a != a else -1
    g = (a - lo) / step
    i = cells if g >= cells else int(g)
    # the number of edges <= a, less one: correct the guess by the edges themselves
    while i > 0 and edges[i] > a:
        i -= 1
    while i < cells and edges[i + 1] <= a:
        i += 1
    return i


@numba.njit(cache=True, nogil=True)
def cell_index(
    u: _FloatArray,
    v: _FloatArray,
    w: _FloatArray,
    u_edges: _FloatArray,
    v_edges: _FloatArray,
) -> tuple[_IntArray, _IntArray, _IntArray, _FloatArray]:  # pragma: no cover - compiled
    """Rows, columns and flat cells (``-1`` outside) of points ``(u, v)`` on the grid of
    ``u_edges × v_edges`` (``cells + 1`` increasing edges each), and the weight ``w``
    summed per flat cell (``cells²``)."""
    cu = u_edges.size - 1
    cv = v_edges.size - 1
    lo_u, lo_v = u_edges[0], v_edges[0]
    step_u = (u_edges[cu] - lo_u) / cu
    step_v = (v_edges[cv] - lo_v) / cv
    n = u.size
    rows = np.empty(n, np.int64)
    cols = np.empty(n, np.int64)
    flat = np.empty(n, np.int64)
    mass = np.zeros(cu * cv)
    for p in range(n):
        i = _row(u[p], u_edges, cu, lo_u, step_u)
        j = _row(v[p], v_edges, cv, lo_v, step_v)
        if 0 <= i < cu and 0 <= j < cv:
            k = i * cv + j
            rows[p] = i
            cols[p] = j
            flat[p] = k
            mass[k] += w[p]
        else:
            rows[p] = -1
            cols[p] = -1
            flat[p] = -1
    return rows, cols, flat, mass


@numba.njit(cache=True, nogil=True)
def best_rectangle(
    sat: _FloatArray, pod_by_size: _FloatArray
) -> tuple[int, int, int, int, float]:  # pragma: no cover - compiled
    """The rectangle ``[i0, i1) × [j0, j1)`` with the largest
    ``m · pod_by_size[i1 − i0 − 1, j1 − j0 − 1]``, ``m`` its sum from the summed-area
    table ``sat`` (``(G + 1, G + 1)``, zero first row and column), and that gain."""
    g = sat.shape[0] - 1
    best = -np.inf
    b0, b1, c0, c1 = 0, 1, 0, 1
    for i0 in range(g):
        for i1 in range(i0 + 1, g + 1):
            for j0 in range(g):
                for j1 in range(j0 + 1, g + 1):
                    m = sat[i1, j1] - sat[i0, j1] - sat[i1, j0] + sat[i0, j0]
                    gain = m * pod_by_size[i1 - i0 - 1, j1 - j0 - 1]
                    if gain != gain:  # NaN: numpy.argmax stops at the first
                        return i0, i1, j0, j1, gain
                    if gain > best:
                        best = gain
                        b0, b1, c0, c1 = i0, i1, j0, j1
    return b0, b1, c0, c1, best


@numba.njit(cache=True, nogil=True)
def window_plane(
    lon: _FloatArray,
    lat: _FloatArray,
    mid_lon: _FloatArray,
    mid_lat: _FloatArray,
    n_nm: _FloatArray,
    m_nm: _FloatArray,
    c0: _FloatArray,
    s0: _FloatArray,
    x0: _FloatArray,
    y0: _FloatArray,
    cg: _FloatArray,
    sg: _FloatArray,
) -> tuple[_FloatArray, _FloatArray]:  # pragma: no cover - compiled
    """A window's particles in a plane: ``(x, y)`` nm, ``(K, n)``, from their positions
    ``lon, lat`` (``(K, n)``, degrees), their middle positions and plane coordinates
    ``x0, y0``, the local radii ``n_nm, m_nm``, ``cos, sin`` of the middle latitude and
    of the meridians' convergence ``g`` (:meth:`sarwatch.planning.window.CloudWindow.plane_nm`,
    which gives the formulas; the operations here are its numpy expressions', in
    their order, for longitude differences within ±180°)."""
    k, n = lon.shape
    x = np.empty((k, n))
    y = np.empty((k, n))
    rad = np.pi / 180.0
    for t in range(k):
        for p in range(n):
            dphi = (lat[t, p] - mid_lat[p]) * rad
            de = (lon[t, p] - mid_lon[p]) * rad * n_nm[p] * (c0[p] - 0.5 * s0[p] * dphi)
            dn = dphi * m_nm[p]
            x[t, p] = x0[p] + de * cg[p] - dn * sg[p]
            y[t, p] = y0[p] + de * sg[p] + dn * cg[p]
    return x, y


@numba.njit(cache=True, nogil=True)
def cell_weights(
    index: _IntArray, weight: _FloatArray, miss: _FloatArray, cells: int
) -> _FloatArray:  # pragma: no cover - compiled
    """``Σ weight·miss / K`` per flat cell over the ``(K, n)`` cell indices ``index``
    (``-1`` outside the grid), summed in the order ``numpy.bincount`` sums the in-grid
    entries (row by row)."""
    k, n = index.shape
    out = np.zeros(cells)
    for t in range(k):
        for p in range(n):
            c = index[t, p]
            if c >= 0:
                out[c] += weight[p] * miss[p] / k
    return out


@numba.njit(cache=True, nogil=True)
def shares_inside(
    rows: npt.NDArray[np.int16], cols: npt.NDArray[np.int16], i0: int, i1: int, j0: int, j1: int
) -> _FloatArray:  # pragma: no cover - compiled
    """Per particle, the share of the ``K`` times (rows of the ``(K, n)`` cell rows and
    columns, ``-1`` outside the grid) at which it lies in ``[i0, i1) × [j0, j1)``."""
    k, n = rows.shape
    out = np.empty(n)
    for p in range(n):
        count = 0
        for t in range(k):
            if i0 <= rows[t, p] < i1 and j0 <= cols[t, p] < j1:
                count += 1
        out[p] = count / k
    return out


@numba.njit(cache=True, nogil=True)
def interpolate_rows(
    values: _FloatArray, k: _IntArray, f: _FloatArray
) -> _FloatArray:  # pragma: no cover - compiled
    """``values[:, k] + f·(values[:, k + 1] − values[:, k])`` for each of the ``K``
    times, time-major: ``(K, n)`` from ``(n, T)`` values."""
    n = values.shape[0]
    m = k.size
    out = np.empty((m, n))
    for p in range(n):
        for t in range(m):
            a0 = values[p, k[t]]
            out[t, p] = a0 + f[t] * (values[p, k[t] + 1] - a0)
    return out


@numba.njit(cache=True, nogil=True)
def cubic_on_grid(
    gx: _FloatArray,
    gy: _FloatArray,
    lon0: float,
    lat0: float,
    step: float,
    lon: _FloatArray,
    lat: _FloatArray,
) -> tuple[_FloatArray, _FloatArray]:  # pragma: no cover - compiled
    """Values of two smooth functions at points ``(lon, lat)`` by bicubic Lagrange
    interpolation (4 × 4 nodes) in their tables ``gx[i, j]``, ``gy[i, j]`` at
    ``(lon0 + j·step, lat0 + i·step)``; every point must lie at least one node inside
    the tables' edge (NaN in, NaN out)."""
    n = lon.size
    out_x = np.empty(n)
    out_y = np.empty(n)
    rows, cols = gx.shape
    ws = np.empty(4)
    wt = np.empty(4)
    for p in range(n):
        fx = (lon[p] - lon0) / step
        fy = (lat[p] - lat0) / step
        if not (fx == fx and fy == fy):
            out_x[p] = np.nan
            out_y[p] = np.nan
            continue
        j = min(max(int(fx), 1), cols - 3)
        i = min(max(int(fy), 1), rows - 3)
        s = fx - j
        t = fy - i
        ws[0] = -s * (s - 1.0) * (s - 2.0) / 6.0
        ws[1] = (s + 1.0) * (s - 1.0) * (s - 2.0) / 2.0
        ws[2] = -(s + 1.0) * s * (s - 2.0) / 2.0
        ws[3] = (s + 1.0) * s * (s - 1.0) / 6.0
        wt[0] = -t * (t - 1.0) * (t - 2.0) / 6.0
        wt[1] = (t + 1.0) * (t - 1.0) * (t - 2.0) / 2.0
        wt[2] = -(t + 1.0) * t * (t - 2.0) / 2.0
        wt[3] = (t + 1.0) * t * (t - 1.0) / 6.0
        ax = 0.0
        ay = 0.0
        for a in range(4):
            rx = 0.0
            ry = 0.0
            for b in range(4):
                rx += ws[b] * gx[i - 1 + a, j - 1 + b]
                ry += ws[b] * gy[i - 1 + a, j - 1 + b]
            ax += wt[a] * rx
            ay += wt[a] * ry
        out_x[p] = ax
        out_y[p] = ay
    return out_x, out_y


@numba.njit(cache=True, nogil=True)
def quadratic_rows(
    ends: _FloatArray, mids: _FloatArray, k: _IntArray, f: _FloatArray
) -> _FloatArray:  # pragma: no cover - compiled
    """Quadratic interpolation through ``ends[:, k]``, ``mids[:, k]`` and
    ``ends[:, k + 1]`` (a quantity at the start, middle and end of interval ``k``) at
    the fractions ``f`` of the intervals, time-major: ``(K, n)`` from ``(n, T + 1)``
    ends and ``(n, T)`` middles."""
    n = ends.shape[0]
    m = k.size
    out = np.empty((m, n))
    w0 = (2.0 * f - 1.0) * (f - 1.0)
    w1 = 4.0 * f * (1.0 - f)
    w2 = f * (2.0 * f - 1.0)
    for p in range(n):
        for t in range(m):
            c = k[t]
            out[t, p] = w0[t] * ends[p, c] + w1[t] * mids[p, c] + w2[t] * ends[p, c + 1]
    return out
