"""Numba kernels of the sea router: line of sight, graph construction and the search.

Geometry lives in a *scaled plane*: ``x = lon * KX``, ``y = lat`` (degrees), with
``KX = cos(36°)`` so that one unit is about 111 km in both directions in the middle
of the region. Straight lines in this plane are straight lines in lon/lat, so a
segment tested here is the segment a map draws and that shapely tests.

Obstacles are the rings of the buffered, simplified land (see
:mod:`sarwatch.geo._navgraph`). Their edges are bucketed on a uniform grid; a line of
sight walks the grid cells the segment passes through (Amanatides & Woo, 1987, "A fast
voxel traversal algorithm") and tests the edges listed there for a proper crossing.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

__all__: list[str] = []

_A = 6378137.0
_F = 1.0 / 298.257223563


@nb.njit(cache=True, nogil=True, inline="always")
def _orient(ax: float, ay: float, bx: float, by: float, cx: float, cy: float) -> float:
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)


@nb.njit(cache=True, nogil=True)
def geodesic_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Andoyer-Lambert distance on the WGS84 ellipsoid, metres (a few metres of error)."""
    if lon1 == lon2 and lat1 == lat2:
        return 0.0
    d2r = math.pi / 180.0
    b1 = math.atan((1.0 - _F) * math.tan(lat1 * d2r))
    b2 = math.atan((1.0 - _F) * math.tan(lat2 * d2r))
    dl = (lon2 - lon1) * d2r
    h = math.sin((b2 - b1) / 2.0) ** 2 + math.cos(b1) * math.cos(b2) * math.sin(dl / 2.0) ** 2
    h = min(max(h, 0.0), 1.0)
    sigma = 2.0 * math.asin(math.sqrt(h))
    if sigma < 1e-12:
        return 0.0
    p = (b1 + b2) / 2.0
    q = (b2 - b1) / 2.0
    c2 = math.cos(sigma / 2.0) ** 2
    s2 = math.sin(sigma / 2.0) ** 2
    x = (sigma - math.sin(sigma)) * math.sin(p) ** 2 * math.cos(q) ** 2 / c2 if c2 > 0 else 0.0
    y = (sigma + math.sin(sigma)) * math.cos(p) ** 2 * math.sin(q) ** 2 / s2
    return _A * (sigma - _F / 2.0 * (x + y))


@nb.njit(cache=True, nogil=True)
def visible(
    px: float,
    py: float,
    qx: float,
    qy: float,
    ex1: np.ndarray,
    ey1: np.ndarray,
    ex2: np.ndarray,
    ey2: np.ndarray,
    cell_ptr: np.ndarray,
    cell_edges: np.ndarray,
    gx0: float,
    gy0: float,
    cs: float,
    nx: int,
    ny: int,
) -> bool:
    """Whether segment p-q crosses no obstacle edge properly (touching is allowed)."""
    ix = math.floor((px - gx0) / cs)
    iy = math.floor((py - gy0) / cs)
    jx = math.floor((qx - gx0) / cs)
    jy = math.floor((qy - gy0) / cs)
    ix = min(max(ix, 0), nx - 1)
    iy = min(max(iy, 0), ny - 1)
    jx = min(max(jx, 0), nx - 1)
    jy = min(max(jy, 0), ny - 1)
    dx = qx - px
    dy = qy - py
    step_x = 1 if dx > 0 else -1
    step_y = 1 if dy > 0 else -1
    if dx != 0.0:
        nxt = gx0 + (ix + (1 if dx > 0 else 0)) * cs
        t_max_x = (nxt - px) / dx
        t_dx = cs / abs(dx)
    else:
        t_max_x = np.inf
        t_dx = np.inf
    if dy != 0.0:
        nyt = gy0 + (iy + (1 if dy > 0 else 0)) * cs
        t_max_y = (nyt - py) / dy
        t_dy = cs / abs(dy)
    else:
        t_max_y = np.inf
        t_dy = np.inf
    n_steps = abs(jx - ix) + abs(jy - iy) + 2
    for _ in range(n_steps):
        c = iy * nx + ix
        for k in range(cell_ptr[c], cell_ptr[c + 1]):
            e = cell_edges[k]
            ax = ex1[e]
            ay = ey1[e]
            bx = ex2[e]
            by = ey2[e]
            d1 = _orient(px, py, qx, qy, ax, ay)
            d2 = _orient(px, py, qx, qy, bx, by)
            if (d1 > 0.0 and d2 < 0.0) or (d1 < 0.0 and d2 > 0.0):
                d3 = _orient(ax, ay, bx, by, px, py)
                d4 = _orient(ax, ay, bx, by, qx, qy)
                if (d3 > 0.0 and d4 < 0.0) or (d3 < 0.0 and d4 > 0.0):
                    return False
        if ix == jx and iy == jy:
            break
        if t_max_x < t_max_y:
            if ix == jx:
                t_max_x = np.inf
                continue
            t_max_x += t_dx
            ix += step_x
        else:
            if iy == jy:
                t_max_y = np.inf
                continue
            t_max_y += t_dy
            iy += step_y
        if ix < 0 or ix >= nx or iy < 0 or iy >= ny:
            break
    return True


@nb.njit(cache=True, nogil=True, inline="always")
def _tangent(
    ux: float, uy: float, ax: float, ay: float, bx: float, by: float, wx: float, wy: float
) -> bool:
    """Whether the line u-w leaves both ring neighbours a, b of vertex u on one side."""
    sa = _orient(ux, uy, wx, wy, ax, ay)
    sb = _orient(ux, uy, wx, wy, bx, by)
    return sa * sb >= 0.0


@nb.njit(cache=True, nogil=True)
def build_edges(
    vx: np.ndarray,
    vy: np.ndarray,
    ax: np.ndarray,
    ay: np.ndarray,
    bx: np.ndarray,
    by: np.ndarray,
    ex1: np.ndarray,
    ey1: np.ndarray,
    ex2: np.ndarray,
    ey2: np.ndarray,
    cell_ptr: np.ndarray,
    cell_edges: np.ndarray,
    gx0: float,
    gy0: float,
    cs: float,
    nx: int,
    ny: int,
    i_start: int,
    i_stop: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Bitangent visible pairs (i, j), i in [i_start, i_stop), j > i."""
    n = vx.size
    cap = 1 << 16
    out_i = np.empty(cap, dtype=np.int32)
    out_j = np.empty(cap, dtype=np.int32)
    m = 0
    for i in range(i_start, i_stop):
        for j in range(i + 1, n):
            if not _tangent(vx[i], vy[i], ax[i], ay[i], bx[i], by[i], vx[j], vy[j]):
                continue
            if not _tangent(vx[j], vy[j], ax[j], ay[j], bx[j], by[j], vx[i], vy[i]):
                continue
            if not visible(
                vx[i], vy[i], vx[j], vy[j], ex1, ey1, ex2, ey2, cell_ptr, cell_edges,
                gx0, gy0, cs, nx, ny,
            ):  # fmt: skip
                continue
            if m == cap:
                cap *= 2
                ni = np.empty(cap, dtype=np.int32)
                nj = np.empty(cap, dtype=np.int32)
                ni[:m] = out_i[:m]
                nj[:m] = out_j[:m]
                out_i = ni
                out_j = nj
            out_i[m] = i
            out_j[m] = j
            m += 1
    return out_i[:m].copy(), out_j[:m].copy()


@nb.njit(cache=True, nogil=True)
def search(
    ox: float,
    oy: float,
    dxs: np.ndarray,
    dys: np.ndarray,
    vx: np.ndarray,
    vy: np.ndarray,
    ax: np.ndarray,
    ay: np.ndarray,
    bx: np.ndarray,
    by: np.ndarray,
    kx: float,
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    ex1: np.ndarray,
    ey1: np.ndarray,
    ex2: np.ndarray,
    ey2: np.ndarray,
    cell_ptr: np.ndarray,
    cell_edges: np.ndarray,
    gx0: float,
    gy0: float,
    cs: float,
    nx: int,
    ny: int,
    leg_v: np.ndarray,
    leg_t: np.ndarray,
    leg_m: np.ndarray,
    max_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shortest sea paths from one point to many over the visibility graph.

    A* from the origin (heuristic :func:`_heuristic`, a consistent lower bound of the
    distance to the nearest destination), whose edges to graph vertices are added
    lazily: every vertex where the line from the origin is tangent is queued with its
    distance, and its line of sight is checked only when it is popped. The last legs
    come precomputed (:func:`sight_legs` of each destination): ``leg_v[e]`` sees
    destination ``leg_t[e]`` at ``leg_m[e]`` metres; a settled vertex offers them. The
    search stops once the queue's minimum key reaches every destination's best;
    vertices farther than ``max_m`` metres are not expanded.

    Returns
    -------
    best : (k,) float
        Distance per destination, metres (inf when unreachable).
    last : (k,) int
        Last graph vertex before the destination; -1 for the direct leg, -2 if none.
    pred : (n,) int
        Predecessor of each settled vertex; -1 means the origin.
    """
    n = vx.size
    k = dxs.size
    olon = ox / kx
    best = np.full(k, np.inf)
    last = np.full(k, -2, dtype=np.int64)
    dlon = dxs / kx
    for t in range(k):
        if visible(
            ox, oy, dxs[t], dys[t], ex1, ey1, ex2, ey2, cell_ptr, cell_edges,
            gx0, gy0, cs, nx, ny,
        ):  # fmt: skip
            best[t] = geodesic_m(olon, oy, dlon[t], dys[t])
            last[t] = -1
    # Last legs as linked lists per vertex.
    leg_head = np.full(n, -1, dtype=np.int64)
    leg_next = np.empty(leg_v.size, dtype=np.int64)
    for e in range(leg_v.size):
        leg_next[e] = leg_head[leg_v[e]]
        leg_head[leg_v[e]] = e
    dist = np.full(n, np.inf)
    pred = np.full(n, -3, dtype=np.int64)
    done = np.zeros(n, dtype=np.bool_)
    # Binary heap of (key = g + h, g, vertex, lazy flag).
    hk = np.empty(64, dtype=np.float64)
    hg = np.empty(64, dtype=np.float64)
    hv = np.empty(64, dtype=np.int64)
    hl = np.empty(64, dtype=np.bool_)
    hn = 0
    for v in range(n):
        if _tangent(vx[v], vy[v], ax[v], ay[v], bx[v], by[v], ox, oy):
            g = geodesic_m(olon, oy, vx[v] / kx, vy[v])
            if g > max_m:
                continue
            key = g + _heuristic(vx[v] / kx, vy[v], dlon, dys)
            hk, hg, hv, hl, hn = _push(hk, hg, hv, hl, hn, key, g, v, True)
    while hn > 0:
        key, g, v, lazy, hn = _pop(hk, hg, hv, hl, hn)
        worst = 0.0
        for t in range(k):
            worst = max(worst, best[t])
        if key >= worst:
            break
        if done[v] or g > max_m:
            continue
        if lazy:
            if g >= dist[v]:
                continue
            if not visible(
                ox, oy, vx[v], vy[v], ex1, ey1, ex2, ey2, cell_ptr, cell_edges,
                gx0, gy0, cs, nx, ny,
            ):  # fmt: skip
                continue
            pred[v] = -1
        done[v] = True
        dist[v] = g
        e = leg_head[v]
        while e >= 0:
            t = leg_t[e]
            if g + leg_m[e] < best[t]:
                best[t] = g + leg_m[e]
                last[t] = v
            e = leg_next[e]
        for e in range(indptr[v], indptr[v + 1]):
            w = indices[e]
            if done[w]:
                continue
            nd = g + weights[e]
            if nd < dist[w]:
                dist[w] = nd
                pred[w] = v
                key = nd + _heuristic(vx[w] / kx, vy[w], dlon, dys)
                hk, hg, hv, hl, hn = _push(hk, hg, hv, hl, hn, key, nd, w, False)
    return best, last, pred


#: A lower bound of every meridional and prime-vertical radius of WGS84, metres.
_R_LOW = 6_335_000.0
#: cos(44.5°): geodesics between points of the region (29–43°N) stay below 44.5°N.
_COS_HIGH = 0.7132504491541816


@nb.njit(cache=True, nogil=True, inline="always")
def _heuristic(lon: float, lat: float, dlon: np.ndarray, dlat: np.ndarray) -> float:
    """A* heuristic: a lower bound of the geodesic from (lon, lat) to the nearest target, m.

    Along any path, ds >= R_LOW * sqrt(dphi^2 + cos^2(phi) dlambda^2) with cos(phi) >=
    _COS_HIGH, and by Minkowski's inequality the integral is at least the chord of the
    integrated components. A flat metric, so the heuristic is consistent.
    """
    d2r = math.pi / 180.0
    h = np.inf
    for t in range(dlon.size):
        a = (dlat[t] - lat) * d2r
        b = (dlon[t] - lon) * d2r * _COS_HIGH
        h = min(h, a * a + b * b)
    return _R_LOW * math.sqrt(h)


@nb.njit(cache=True, nogil=True)
def _push(
    hk: np.ndarray,
    hg: np.ndarray,
    hv: np.ndarray,
    hl: np.ndarray,
    hn: int,
    key: float,
    g: float,
    v: int,
    lazy: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    if hn == hk.size:
        hk = np.concatenate((hk, np.empty(hn, dtype=np.float64)))
        hg = np.concatenate((hg, np.empty(hn, dtype=np.float64)))
        hv = np.concatenate((hv, np.empty(hn, dtype=np.int64)))
        hl = np.concatenate((hl, np.empty(hn, dtype=np.bool_)))
    i = hn
    hn += 1
    while i > 0:
        parent = (i - 1) >> 1
        if hk[parent] <= key:
            break
        hk[i] = hk[parent]
        hg[i] = hg[parent]
        hv[i] = hv[parent]
        hl[i] = hl[parent]
        i = parent
    hk[i] = key
    hg[i] = g
    hv[i] = v
    hl[i] = lazy
    return hk, hg, hv, hl, hn


@nb.njit(cache=True, nogil=True)
def _pop(
    hk: np.ndarray, hg: np.ndarray, hv: np.ndarray, hl: np.ndarray, hn: int
) -> tuple[float, float, int, bool, int]:
    key = hk[0]
    g = hg[0]
    v = hv[0]
    lazy = hl[0]
    hn -= 1
    lk = hk[hn]
    lg = hg[hn]
    lv = hv[hn]
    ll = hl[hn]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= hn:
            break
        if c + 1 < hn and hk[c + 1] < hk[c]:
            c += 1
        if hk[c] >= lk:
            break
        hk[i] = hk[c]
        hg[i] = hg[c]
        hv[i] = hv[c]
        hl[i] = hl[c]
        i = c
    if hn > 0:
        hk[i] = lk
        hg[i] = lg
        hv[i] = lv
        hl[i] = ll
    return key, g, v, lazy, hn


@nb.njit(cache=True, nogil=True)
def sight_legs(
    px: float,
    py: float,
    vx: np.ndarray,
    vy: np.ndarray,
    ax: np.ndarray,
    ay: np.ndarray,
    bx: np.ndarray,
    by: np.ndarray,
    kx: float,
    ex1: np.ndarray,
    ey1: np.ndarray,
    ex2: np.ndarray,
    ey2: np.ndarray,
    cell_ptr: np.ndarray,
    cell_edges: np.ndarray,
    gx0: float,
    gy0: float,
    cs: float,
    nx: int,
    ny: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Graph vertices that see point p along a line tangent at the vertex, and the legs, m."""
    n = vx.size
    verts = np.empty(n, dtype=np.int64)
    legs = np.empty(n, dtype=np.float64)
    m = 0
    plon = px / kx
    for v in range(n):
        if not _tangent(vx[v], vy[v], ax[v], ay[v], bx[v], by[v], px, py):
            continue
        if not visible(
            px, py, vx[v], vy[v], ex1, ey1, ex2, ey2, cell_ptr, cell_edges,
            gx0, gy0, cs, nx, ny,
        ):  # fmt: skip
            continue
        verts[m] = v
        legs[m] = geodesic_m(vx[v] / kx, vy[v], plon, py)
        m += 1
    return verts[:m].copy(), legs[:m].copy()
