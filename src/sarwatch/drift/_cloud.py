"""Numba passes over a particle cloud: centroid, spread and histograms without temporaries.

:func:`sarwatch.drift.analysis.cloud_stats` runs at every output time over every
particle (a million in a large run); in numpy its trigonometry and temporaries cost
~0.1 s per call. These passes compute the same quantities in two sweeps over the
positions, with the sines and cosines of each particle's latitude and longitude
obtained from those of a nearby reference angle by the addition formulas and
series of the small difference (no trigonometric call unless a particle is more
than 0.25 rad from the reference; series error < 1e-14).

The ``located_*`` passes do the work of one output time (status counts, centroid,
spread, density histogram and SAR-region cells) over a whole particle state, the status
as a mask, for :func:`sarwatch.drift.analysis.located_cloud`.

Sums are taken per fixed block of particles and the block sums added in order, so
the result does not depend on the number of threads.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = [
    "bounds",
    "cell_counts",
    "centroid_sums",
    "histogram",
    "located_grids",
    "located_spread",
    "located_sums",
    "may_be_far",
    "spread_sum",
]

_A = 6378137.0
_E2 = 6.69437999014e-3
_DEG = math.pi / 180.0
#: Particles per partial sum (the summation order is fixed by this, not by the threads).
_BLOCK = 1 << 14


@njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
def _sincos(x, x0, s0, c0):  # type: ignore[no-untyped-def]
    """``sin x, cos x`` (radians) from ``s0, c0 = sin x0, cos x0``, exact to ~1e-14."""
    d = x - x0
    if abs(d) > 0.25:
        return math.sin(x), math.cos(x)
    return _turned(s0, c0, d)


@njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
def _turned(s0, c0, d):  # type: ignore[no-untyped-def]
    """``sin, cos`` of ``x0 + d`` from ``s0, c0 = sin x0, cos x0`` and ``|d| <= 0.25`` (rad).

    Horner forms of the Taylor series of ``sin d`` and ``cos d`` (to d⁹ and d⁸,
    multiplications only; exact to ~1e-14), then the addition formulas.
    """
    d2 = d * d
    sd = d * (
        1.0
        - d2
        * (1.0 / 6.0)
        * (1.0 - d2 * (1.0 / 20.0) * (1.0 - d2 * (1.0 / 42.0) * (1.0 - d2 * (1.0 / 72.0))))
    )
    cd = 1.0 - d2 * 0.5 * (
        1.0 - d2 * (1.0 / 12.0) * (1.0 - d2 * (1.0 / 30.0) * (1.0 - d2 * (1.0 / 56.0)))
    )
    return s0 * cd + c0 * sd, c0 * cd - s0 * sd


@njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
def _centre(clon, clat):  # type: ignore[no-untyped-def]
    """What a spread pass needs of its centre ``(clon, clat)`` (degrees): its longitude and
    latitude in radians with their sines and cosines, its ECEF position (m) on WGS84, and
    ``k = 1 / (24 R²)`` of the arc correction (``R`` the Gaussian mean radius there)."""
    l0 = clon * _DEG
    p0 = clat * _DEG
    sl0, cl0 = math.sin(l0), math.cos(l0)
    sp0, cp0 = math.sin(p0), math.cos(p0)
    n0 = _A / math.sqrt(1.0 - _E2 * sp0 * sp0)
    d = 1.0 - _E2 * sp0 * sp0
    r2 = (_A * (1.0 - _E2) / d**1.5) * (_A / math.sqrt(d))
    return (
        l0, p0, sl0, cl0, sp0, cp0,
        n0 * cp0 * cl0, n0 * cp0 * sl0, n0 * (1.0 - _E2) * sp0,
        1.0 / (24.0 * r2),
    )  # fmt: skip


@njit(parallel=True, cache=True, error_model="numpy", fastmath={"contract"})
def centroid_sums(lon, lat, lon0, lat0):  # type: ignore[no-untyped-def]
    """``(n, x, y, z)``: count and sums of the unit vectors of the finite positions.

    ``lon0, lat0`` (degrees) is a reference near the cloud (series around it).
    """
    n = lon.shape[0]
    nb = (n + _BLOCK - 1) // _BLOCK
    part = np.zeros((nb, 4))
    l0 = lon0 * _DEG
    p0 = lat0 * _DEG
    sl0, cl0 = math.sin(l0), math.cos(l0)
    sp0, cp0 = math.sin(p0), math.cos(p0)
    for b in prange(nb):
        cnt = 0.0
        sx = 0.0
        sy = 0.0
        sz = 0.0
        for i in range(b * _BLOCK, min(n, (b + 1) * _BLOCK)):
            x = lon[i]
            y = lat[i]
            if not (math.isfinite(x) and math.isfinite(y)):
                continue
            sl, cl = _sincos(x * _DEG, l0, sl0, cl0)
            sp, cp = _sincos(y * _DEG, p0, sp0, cp0)
            cnt += 1.0
            sx += cp * cl
            sy += cp * sl
            sz += sp
        part[b, 0] = cnt
        part[b, 1] = sx
        part[b, 2] = sy
        part[b, 3] = sz
    out = np.zeros(4)
    for b in range(nb):  # in order: independent of the threads
        for c in range(4):
            out[c] += part[b, c]
    return out[0], out[1], out[2], out[3]


@njit(parallel=True, cache=True, error_model="numpy", fastmath={"contract"})
def spread_sum(lon, lat, clon, clat):  # type: ignore[no-untyped-def]
    """Sum of squared geodesic distances (m²) of the finite positions from ``(clon, clat)``.

    The distance is the 3-D chord ``c`` on the WGS84 ellipsoid turned into the arc
    ``c (1 + c² / 24 R²)`` (``R`` the Gaussian mean radius at the centre), as
    :func:`sarwatch.drift.analysis.geodesic_distance_m`.
    """
    n = lon.shape[0]
    nb = (n + _BLOCK - 1) // _BLOCK
    part = np.zeros(nb)
    l0, p0, sl0, cl0, sp0, cp0, x0, y0, z0, k = _centre(clon, clat)
    for b in prange(nb):
        acc = 0.0
        for i in range(b * _BLOCK, min(n, (b + 1) * _BLOCK)):
            x = lon[i]
            y = lat[i]
            if not (math.isfinite(x) and math.isfinite(y)):
                continue
            sl, cl = _sincos(x * _DEG, l0, sl0, cl0)
            sp, cp = _sincos(y * _DEG, p0, sp0, cp0)
            nr = _A / math.sqrt(1.0 - _E2 * sp * sp)
            dx = nr * cp * cl - x0
            dy = nr * cp * sl - y0
            dz = nr * (1.0 - _E2) * sp - z0
            c2 = dx * dx + dy * dy + dz * dz
            s = 1.0 + c2 * k
            acc += c2 * s * s
        part[b] = acc
    total = 0.0
    for b in range(nb):
        total += part[b]
    return total


@njit(cache=True, error_model="numpy")
def bounds(lon, lat):  # type: ignore[no-untyped-def]
    """``(n, lon_min, lon_max, lat_min, lat_max)`` of the finite positions (one pass)."""
    n = 0
    x0 = np.inf
    x1 = -np.inf
    y0 = np.inf
    y1 = -np.inf
    for i in range(lon.shape[0]):
        x = lon[i]
        y = lat[i]
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        n += 1
        x0 = min(x0, x)
        x1 = max(x1, x)
        y0 = min(y0, y)
        y1 = max(y1, y)
    return n, x0, x1, y0, y1


@njit(cache=True, error_model="numpy")
def histogram(lon, lat, lon_min, lat_min, pad, dlon, dlat, nx, ny):  # type: ignore[no-untyped-def]
    """Counts of the finite positions per cell ``(ny, nx)``, the lowest in cell ``pad``.

    Cell indices as numpy's ``clip(((lon - lon_min) / dlon + pad).astype(intp), 0, nx - 1)``.
    """
    counts = np.zeros((ny, nx), np.int64)
    for i in range(lon.shape[0]):
        x = lon[i]
        y = lat[i]
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        ix = min(max(int((x - lon_min) / dlon + pad), 0), nx - 1)
        iy = min(max(int((y - lat_min) / dlat + pad), 0), ny - 1)
        counts[iy, ix] += 1
    return counts


@njit(cache=True, error_model="numpy")
def cell_counts(lon, lat, cell, max_cells):  # type: ignore[no-untyped-def]
    """Particles per ``cell``-degree cell over the cloud's box of cells (finite positions).

    Cells are ``floor(lon / cell)``, ``floor(lat / cell)``, as numpy's. Returns
    ``(x0, y0, counts)`` with ``counts[iy - y0, ix - x0]``; ``counts`` is empty when the box
    would hold more than ``max_cells`` cells.
    """
    n = lon.shape[0]
    x0 = 2**62
    x1 = -(2**62)
    y0 = x0
    y1 = x1
    for i in range(n):
        ix = math.floor(lon[i] / cell)
        iy = math.floor(lat[i] / cell)
        x0 = min(x0, ix)
        x1 = max(x1, ix)
        y0 = min(y0, iy)
        y1 = max(y1, iy)
    if n == 0 or (x1 - x0 + 1) * (y1 - y0 + 1) > max_cells:
        return x0, y0, np.zeros((0, 0), np.int64)
    counts = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.int64)
    for i in range(n):
        ix = math.floor(lon[i] / cell)
        iy = math.floor(lat[i] / cell)
        counts[iy - y0, ix - x0] += 1
    return x0, y0, counts


# --- Fused passes over a whole particle state (status as a mask, no copies) ----------------
#
# The statistics of one output time in three sweeps over the state's arrays: (1) status
# counts, centroid sums and the extent of the located particles (status ACTIVE or STRANDED
# with a finite position), (2) their squared geodesic spread about the centroid, (3) the
# density histogram and the SAR-region cell counts over the extent from (1). The inner loops
# of (1) and (2) are branch-free so that they vectorise: every particle goes through the
# series, a mask selects the contributions, and a particle more than 0.25 rad from the
# reference (whose series would be inexact) is added exactly in a second loop over its
# block. Extremes are taken on order-preserving integer keys of the floats' bits (integer
# min/max vectorise; float min/max with NaN semantics do not).

#: ``key(x) = bits ^ ((bits >> 63) & _LOW63)`` orders int64 keys as the floats (an involution).
_LOW63 = 0x7FFFFFFFFFFFFFFF
_KEY_MAX = np.int64(0x7FFFFFFFFFFFFFFF)
#: Reassociation lets LLVM vectorise the block sums; their order is then fixed by the
#: compiled loop, not by the threads.
_FUSED_MATH = {"contract", "reassoc"}
#: A product by ``1 / cell`` this close to a whole number is redone with the division.
_EDGE = 1e-9
#: Particles per block of :func:`located_grids` (its index buffers stay in the L1 cache).
_GRID_BLOCK = 1024


@njit(cache=True, error_model="numpy", inline="always")
def _located(s, x, y):  # type: ignore[no-untyped-def]
    """Whether a particle of status ``s`` at ``(x, y)`` is located: active or stranded, finite."""
    return ((s == 0) | (s == 1)) & math.isfinite(x) & math.isfinite(y)


@njit(cache=True, error_model="numpy", inline="always")
def _unkey(k):  # type: ignore[no-untyped-def]
    """The float whose order-preserving key is ``k`` (the key map is its own inverse)."""
    return np.array([k ^ ((k >> 63) & _LOW63)]).view(np.float64)[0]


@njit(cache=True, error_model="numpy", inline="always")
def _near(x, y, l0, p0):  # type: ignore[no-untyped-def]
    """``(dl, dp, near)``: offsets (rad) of ``(x, y)`` (deg) from ``(l0, p0)`` (rad), both <= 0.25.

    The one test of the vectorised loops and of their exact second loops (a particle is
    added by exactly one of them).
    """
    dl = x * _DEG - l0
    dp = y * _DEG - p0
    return dl, dp, (abs(dl) <= 0.25) & (abs(dp) <= 0.25)


def may_be_far(extent: tuple[float, float, float, float], lon0: float, lat0: float) -> bool:
    """Whether a box (lon/lat min, max; degrees) may reach 0.25 rad from ``(lon0, lat0)``.

    With a margin: True for any box that a series about ``(lon0, lat0)`` might not cover.
    """
    lon_min, lon_max, lat_min, lat_max = extent
    reach = max(lon0 - lon_min, lon_max - lon0, lat0 - lat_min, lat_max - lat0)
    return bool(reach * _DEG > 0.25 - 1e-9)


@njit(parallel=True, cache=True, error_model="numpy", fastmath=_FUSED_MATH)
def located_sums(lon, lat, status, lon_bits, lat_bits, lon0, lat0):  # type: ignore[no-untyped-def]
    """Pass 1: ``(status_counts, sums, extent)`` of a particle state.

    ``status_counts[k]`` counts status ``k`` (0-4) over all particles; ``sums`` is
    ``(n, x, y, z)``, the count and unit-vector sums of the located particles (status 0 or
    1, finite position); ``extent`` is their ``(lon_min, lon_max, lat_min, lat_max)``
    (``inf, -inf, inf, -inf`` when none). ``lon_bits``, ``lat_bits`` are ``lon``, ``lat``
    viewed as int64; ``lon0, lat0`` (degrees) a reference near the cloud.
    """
    n = lon.shape[0]
    nb = (n + _BLOCK - 1) // _BLOCK
    counts = np.zeros((nb, 5), np.int64)
    sums = np.zeros((nb, 4))
    keys = np.zeros((nb, 4), np.int64)
    l0 = lon0 * _DEG
    p0 = lat0 * _DEG
    sl0, cl0 = math.sin(l0), math.cos(l0)
    sp0, cp0 = math.sin(p0), math.cos(p0)
    for b in prange(nb):
        lo = b * _BLOCK
        hi = min(n, lo + _BLOCK)
        # loops over slices, indices from 0: numba's negative-index check then goes and the
        # loops vectorise (three loops, each vectorising on its own; mixed, they do not)
        st = status[lo:hi]
        xs = lon[lo:hi]
        ys = lat[lo:hi]
        xb = lon_bits[lo:hi]
        yb = lat_bits[lo:hi]
        k0 = 0
        k1 = 0
        k2 = 0
        k3 = 0
        k4 = 0
        for i in range(st.shape[0]):
            s = st[i]
            k0 += s == 0
            k1 += s == 1
            k2 += s == 2
            k3 += s == 3
            k4 += s == 4
        x0 = _KEY_MAX
        x1 = -_KEY_MAX
        y0 = _KEY_MAX
        y1 = -_KEY_MAX
        for i in range(st.shape[0]):
            s = st[i]
            ok = _located(s, xs[i], ys[i])
            bx = xb[i]
            by = yb[i]
            kx = bx ^ ((bx >> 63) & _LOW63)
            ky = by ^ ((by >> 63) & _LOW63)
            x0 = min(x0, kx if ok else _KEY_MAX)
            x1 = max(x1, kx if ok else -_KEY_MAX)
            y0 = min(y0, ky if ok else _KEY_MAX)
            y1 = max(y1, ky if ok else -_KEY_MAX)
        cnt = 0.0
        sx = 0.0
        sy = 0.0
        sz = 0.0
        for i in range(st.shape[0]):
            s = st[i]
            x = xs[i]
            y = ys[i]
            ok = _located(s, x, y)
            dl, dp, near = _near(x, y, l0, p0)
            use = ok & near
            sl, cl = _turned(sl0, cl0, dl)
            sp, cp = _turned(sp0, cp0, dp)
            cnt += 1.0 if use else 0.0
            sx += cp * cl if use else 0.0
            sy += cp * sl if use else 0.0
            sz += sp if use else 0.0
        if x0 <= x1 and (
            (_unkey(x0) * _DEG - l0 < -0.2499)
            | (_unkey(x1) * _DEG - l0 > 0.2499)
            | (_unkey(y0) * _DEG - p0 < -0.2499)
            | (_unkey(y1) * _DEG - p0 > 0.2499)
        ):
            # some particle lies more than 0.25 rad from the reference: add those exactly
            for i in range(st.shape[0]):
                s = st[i]
                x = xs[i]
                y = ys[i]
                if not _located(s, x, y):
                    continue
                if not _near(x, y, l0, p0)[2]:
                    cp = math.cos(y * _DEG)
                    cnt += 1.0
                    sx += cp * math.cos(x * _DEG)
                    sy += cp * math.sin(x * _DEG)
                    sz += math.sin(y * _DEG)
        counts[b, 0] = k0
        counts[b, 1] = k1
        counts[b, 2] = k2
        counts[b, 3] = k3
        counts[b, 4] = k4
        sums[b, 0] = cnt
        sums[b, 1] = sx
        sums[b, 2] = sy
        sums[b, 3] = sz
        keys[b, 0] = x0
        keys[b, 1] = x1
        keys[b, 2] = y0
        keys[b, 3] = y1
    total = np.zeros(5, np.int64)
    out = np.zeros(4)
    ext = np.array([_KEY_MAX, -_KEY_MAX, _KEY_MAX, -_KEY_MAX])
    for b in range(nb):  # in order: independent of the threads
        for c in range(5):
            total[c] += counts[b, c]
        for c in range(4):
            out[c] += sums[b, c]
        ext[0] = min(ext[0], keys[b, 0])
        ext[1] = max(ext[1], keys[b, 1])
        ext[2] = min(ext[2], keys[b, 2])
        ext[3] = max(ext[3], keys[b, 3])
    if ext[0] > ext[1]:  # none located
        return total, out, np.array([np.inf, -np.inf, np.inf, -np.inf])
    for c in range(4):
        ext[c] = ext[c] ^ ((ext[c] >> 63) & _LOW63)
    return total, out, ext.view(np.float64)


@njit(parallel=True, cache=True, error_model="numpy", fastmath=_FUSED_MATH)
def located_spread(lon, lat, status, clon, clat, far):  # type: ignore[no-untyped-def]
    """Pass 2: sum of squared geodesic distances (m²) of the located from ``(clon, clat)``.

    The distance as :func:`spread_sum`; located as :func:`located_sums`. ``far``: whether
    some located particle may lie more than 0.25 rad from the centre (those are then
    added exactly, in a second loop over each block).
    """
    n = lon.shape[0]
    nb = (n + _BLOCK - 1) // _BLOCK
    part = np.zeros(nb)
    l0, p0, sl0, cl0, sp0, cp0, x0, y0, z0, k = _centre(clon, clat)
    for b in prange(nb):
        lo = b * _BLOCK
        hi = min(n, lo + _BLOCK)
        st = status[lo:hi]
        xs = lon[lo:hi]
        ys = lat[lo:hi]
        acc = 0.0
        for i in range(st.shape[0]):
            s = st[i]
            x = xs[i]
            y = ys[i]
            ok = _located(s, x, y)
            dl, dp, near = _near(x, y, l0, p0)
            use = ok & near
            sl, cl = _turned(sl0, cl0, dl)
            sp, cp = _turned(sp0, cp0, dp)
            nr = _A / math.sqrt(1.0 - _E2 * sp * sp)
            dx = nr * cp * cl - x0
            dy = nr * cp * sl - y0
            dz = nr * (1.0 - _E2) * sp - z0
            c2 = dx * dx + dy * dy + dz * dz
            g = 1.0 + c2 * k
            acc += c2 * g * g if use else 0.0
        if far:
            for i in range(st.shape[0]):
                s = st[i]
                x = xs[i]
                y = ys[i]
                if not _located(s, x, y):
                    continue
                if not _near(x, y, l0, p0)[2]:
                    sp = math.sin(y * _DEG)
                    cp = math.cos(y * _DEG)
                    nr = _A / math.sqrt(1.0 - _E2 * sp * sp)
                    dx = nr * cp * math.cos(x * _DEG) - x0
                    dy = nr * cp * math.sin(x * _DEG) - y0
                    dz = nr * (1.0 - _E2) * sp - z0
                    c2 = dx * dx + dy * dy + dz * dz
                    g = 1.0 + c2 * k
                    acc += c2 * g * g
        part[b] = acc
    total = 0.0
    for b in range(nb):
        total += part[b]
    return total


@njit(parallel=True, cache=True, error_model="numpy")
def located_grids(  # type: ignore[no-untyped-def]
    lon, lat, status, lon_min, lat_min, pad, dlon, dlat, nx, ny, cell, cx0, cy0, cnx, cny, nt
):
    """Pass 3: the density histogram and the cell counts of the located particles.

    ``hist[iy, ix]`` as :func:`histogram` (``(ny, nx)`` cells of ``dlon, dlat``, the
    lowest particle in cell ``pad``); ``cells[iy - cy0, ix - cx0]`` as :func:`cell_counts`
    (``cell``-degree cells, ``floor`` of the position over the cell). ``cells`` is
    ``(0, 0)`` when ``cnx`` or ``cny`` is 0. ``nt`` partial counts (one per thread) are
    added at the end; counts are integers, so the result does not depend on ``nt``.
    """
    n = lon.shape[0]
    icell = 1.0 / cell
    hist_t = np.zeros((nt, ny * nx), np.int32)
    cells_t = np.zeros((nt, cny * cnx), np.int32)
    with_cells = cnx > 0 and cny > 0
    chunk = (n + nt - 1) // nt
    for t in prange(nt):
        h = hist_t[t]
        c = cells_t[t]
        # per block: the cell indices in a vectorised loop (divisions and floors), then
        # the increments in a scalar one; -1 marks a particle not located
        hbuf = np.empty(_GRID_BLOCK, np.int64)
        cbuf = np.empty(_GRID_BLOCK, np.int64)
        end = min(n, (t + 1) * chunk)
        for lo in range(t * chunk, end, _GRID_BLOCK):
            m = min(_GRID_BLOCK, end - lo)
            st = status[lo : lo + m]
            xs = lon[lo : lo + m]
            ys = lat[lo : lo + m]
            for j in range(m):
                s = st[j]
                x = xs[j]
                y = ys[j]
                ok = _located(s, x, y)
                ix = min(max(int((x - lon_min) / dlon + pad), 0), nx - 1)
                iy = min(max(int((y - lat_min) / dlat + pad), 0), ny - 1)
                hbuf[j] = iy * nx + ix if ok else -1
            if with_cells:  # a loop of its own, products by 1 / cell instead of divisions
                for j in range(m):
                    qx = xs[j] * icell
                    qy = ys[j] * icell
                    fx = math.floor(qx)
                    fy = math.floor(qy)
                    # within _EDGE of a cell edge the product may round to the other
                    # side of the division: -1 asks the scalar loop for the division
                    edge = max(abs(qx - fx - 0.5), abs(qy - fy - 0.5)) > 0.5 - _EDGE
                    k = (int(fy) - cy0) * cnx + (int(fx) - cx0)
                    cbuf[j] = -1 if edge else k
            for j in range(m):
                k = hbuf[j]
                if k >= 0:
                    h[k] += 1
                    if with_cells:
                        kc = cbuf[j]
                        if kc < 0:  # exactly as cell_counts
                            kc = (math.floor(ys[j] / cell) - cy0) * cnx + (
                                math.floor(xs[j] / cell) - cx0
                            )
                        c[kc] += 1
    hist = np.zeros(ny * nx, np.int64)
    cells = np.zeros(cny * cnx, np.int64)
    for t in range(nt):
        hist += hist_t[t]
        cells += cells_t[t]
    return hist.reshape((ny, nx)), cells.reshape((cny, cnx))
