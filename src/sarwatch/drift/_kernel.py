"""The numba kernel: many time steps for many particles, fused, in parallel.

Particles are independent, so the kernel loops over particles in parallel
(``prange``) and, for each particle, over all the time steps between two
outputs. Everything a step needs (current, wind and Stokes interpolation,
Leeway, jibing, capsizing, diffusion, the integrator, the land test) happens in
registers: no temporary arrays, one pass over memory per output interval.

Random numbers come from a counter-based generator (SplitMix64 finaliser of
``key, particle, step, stream``): the key is drawn from the run's
``numpy.random.Generator``, so a run is reproducible whatever the number of
threads.

Scheme: explicit midpoint (RK2) on the WGS84 ellipsoid, or forward Euler.
Positions advance by ``dlat = v dt / M(lat)``, ``dlon = u dt / (N(lat) cos lat)``
with ``M`` and ``N`` the meridional and prime-vertical radii of curvature.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["advance", "PARAM_SIZE"]

_A = 6378137.0
_E2 = 6.69437999014e-3
_DEG = math.pi / 180.0

# indices into the float parameter vector
P_DT = 0  # signed step, s
P_JIBE = 1  # jibing probability per step
P_KDIFF = 2  # horizontal diffusivity, m2/s
P_CAP_WIND = 3  # capsizing wind threshold, m/s
P_CAP_P = 4  # capsizing probability per step
P_CAP_FRAC = 5  # leeway fraction once capsized
P_SCHEME = 6  # 0 Euler, 1 midpoint
P_LAND_LON0 = 7
P_LAND_LAT0 = 8
P_LAND_CELL = 9
PARAM_SIZE = 10

_ACTIVE = 0
_STRANDED = 1
_OUT = 2
_NOFORCE = 3
_NOT_RELEASED = 4


@njit(cache=True)
def _mix(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def _uniform(key: np.uint64, pid: np.int64, step: np.int64, stream: np.int64) -> float:
    z = key ^ _mix(
        np.uint64(pid) * np.uint64(0x9E3779B97F4A7C15)
        + np.uint64(step) * np.uint64(0xD1B54A32D192ED03)
        + np.uint64(stream)
    )
    z = _mix(z)
    return float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def _sample(u, v, grid, it, w, lon, lat):  # type: ignore[no-untyped-def]
    """Bilinear in space, linear in time, NaN-aware. Returns (u, v, flag): 0 ok, 1 out, 2 NaN."""
    nt, ny, nx = u.shape
    it1 = it + 1 if nt > 1 else it
    if ny == 1 and nx == 1:
        a = u[it, 0, 0] * (1.0 - w) + u[it1, 0, 0] * w
        b = v[it, 0, 0] * (1.0 - w) + v[it1, 0, 0] * w
        if math.isnan(a) or math.isnan(b):
            return 0.0, 0.0, 2
        return a, b, 0
    fx = (lon - grid[0]) / grid[1]
    fy = (lat - grid[2]) / grid[3]
    if fx < 0.0 or fy < 0.0 or fx > nx - 1 or fy > ny - 1:
        return 0.0, 0.0, 1
    ix = min(int(fx), nx - 2)
    iy = min(int(fy), ny - 2)
    ax = fx - ix
    ay = fy - iy
    su = 0.0
    sv = 0.0
    sw = 0.0
    for k in range(2):
        tk = it if k == 0 else it1
        wt = (1.0 - w) if k == 0 else w
        if wt == 0.0:
            continue
        for dy in range(2):
            wy = (1.0 - ay) if dy == 0 else ay
            for dx in range(2):
                wx = (1.0 - ax) if dx == 0 else ax
                ww = wt * wx * wy
                if ww == 0.0:
                    continue
                cu = u[tk, iy + dy, ix + dx]
                cv = v[tk, iy + dy, ix + dx]
                if math.isnan(cu) or math.isnan(cv):
                    continue
                su += ww * cu
                sv += ww * cv
                sw += ww
    if sw <= 0.0:
        return 0.0, 0.0, 2
    return su / sw, sv / sw, 0


@njit(cache=True)
def _velocity(  # type: ignore[no-untyped-def]
    i, lon, lat, col,
    cu, cv, cg, c_it, c_w,
    wu, wv, wg, w_it, w_w,
    su, sv, sg, s_it, s_w,
    k, dwl_slope, dwl_offset, cwl_slope, cwl_offset, side, capsized,
    werr_u, werr_v, cerr_u, cerr_v, cap_frac,
):
    """Total drift velocity (m/s east, north) at a position; flag as in _sample."""
    uc, vc, fc = _sample(cu, cv, cg, c_it[k, col], c_w[k, col], lon, lat)
    if fc != 0:
        return 0.0, 0.0, fc
    ux, vx, fw = _sample(wu, wv, wg, w_it[k, col], w_w[k, col], lon, lat)
    if fw != 0:
        return 0.0, 0.0, fw
    ux += werr_u[i]
    vx += werr_v[i]
    us, vs, fs = _sample(su, sv, sg, s_it[k, col], s_w[k, col], lon, lat)
    if fs != 0:
        return 0.0, 0.0, fs
    speed = math.sqrt(ux * ux + vx * vx)
    lu = 0.0
    lv = 0.0
    if speed > 0.0:
        b = side[i]
        down = dwl_slope[i] * speed + dwl_offset[i]
        cross = cwl_slope[i, b] * speed + cwl_offset[i, b]
        if capsized[i] != 0:
            down *= cap_frac
            cross *= cap_frac
        ex = ux / speed
        ey = vx / speed
        # right of downwind is (ey, -ex)
        lu = down * ex + cross * ey
        lv = down * ey - cross * ex
    return uc + cerr_u[i] + lu + us, vc + cerr_v[i] + lv + vs, 0


@njit(cache=True)
def _metric(lat):  # type: ignore[no-untyped-def]
    """Degrees per metre (east, north) at a latitude on WGS84."""
    s = math.sin(lat * _DEG)
    d = 1.0 - _E2 * s * s
    n_rad = _A / math.sqrt(d)
    m_rad = _A * (1.0 - _E2) / (d * math.sqrt(d))
    c = math.cos(lat * _DEG)
    return 1.0 / (n_rad * c * _DEG), 1.0 / (m_rad * _DEG)


@njit(parallel=True, cache=True)
def advance(  # type: ignore[no-untyped-def]
    idx, kfirst, pending,
    lon, lat, status, release_s,
    dwl_slope, dwl_offset, cwl_slope, cwl_offset, side, capsized,
    werr_u, werr_v, cerr_u, cerr_v,
    cu, cv, cg, c_it, c_w,
    wu, wv, wg, w_it, w_w,
    su, sv, sg, s_it, s_w,
    land, step_t, step0, key, params,
):
    """Advance the particles ``idx`` from their step ``kfirst`` to the last step given.

    ``step_t[k]`` is the time (s since run start) at the start of step ``k``;
    ``*_it[k, c]`` / ``*_w[k, c]`` the time index and weight of each field at the
    start (``c = 0``) and the middle (``c = 1``) of step ``k``. A particle that
    enters a coast cell of ``land`` stops there with ``pending = k`` so that the
    caller can test it exactly and resume it from ``k + 1``.
    """
    dt = params[P_DT]
    nsub = step_t.shape[0]
    jibe_p = params[P_JIBE]
    kdiff = params[P_KDIFF]
    cap_wind = params[P_CAP_WIND]
    cap_p = params[P_CAP_P]
    cap_frac = params[P_CAP_FRAC]
    midpoint = params[P_SCHEME] > 0.5
    land_lon0 = params[P_LAND_LON0]
    land_lat0 = params[P_LAND_LAT0]
    land_cell = params[P_LAND_CELL]
    nly, nlx = land.shape
    diff_amp = math.sqrt(2.0 * kdiff * abs(dt))
    for j in prange(idx.shape[0]):
        i = idx[j]
        pending[i] = -1
        for k in range(kfirst[j], nsub):
            st = status[i]
            if st == _NOT_RELEASED:
                if (step_t[k] - release_s[i]) * dt >= 0.0:
                    status[i] = _ACTIVE
                else:
                    continue
            elif st != _ACTIVE:
                break
            g = step0 + k
            if jibe_p > 0.0 and _uniform(key, i, g, 0) < jibe_p:
                side[i] = 1 - side[i]
            x = lon[i]
            y = lat[i]
            if cap_p > 0.0 and capsized[i] == 0:
                ux, vx, fw = _sample(wu, wv, wg, w_it[k, 0], w_w[k, 0], x, y)
                if fw == 0:
                    ux += werr_u[i]
                    vx += werr_v[i]
                    if ux * ux + vx * vx > cap_wind * cap_wind and _uniform(key, i, g, 1) < cap_p:
                        capsized[i] = 1
            ue, ve, flag = _velocity(
                i, x, y, 0, cu, cv, cg, c_it, c_w, wu, wv, wg, w_it, w_w,
                su, sv, sg, s_it, s_w, k, dwl_slope, dwl_offset, cwl_slope, cwl_offset,
                side, capsized, werr_u, werr_v, cerr_u, cerr_v, cap_frac,
            )
            if flag != 0:
                status[i] = _OUT if flag == 1 else _NOFORCE
                break
            if midpoint:
                mx, my = _metric(y)
                xm = x + ue * mx * 0.5 * dt
                ym = y + ve * my * 0.5 * dt
                ue, ve, flag = _velocity(
                    i, xm, ym, 1, cu, cv, cg, c_it, c_w, wu, wv, wg, w_it, w_w,
                    su, sv, sg, s_it, s_w, k, dwl_slope, dwl_offset, cwl_slope, cwl_offset,
                    side, capsized, werr_u, werr_v, cerr_u, cerr_v, cap_frac,
                )
                if flag != 0:
                    status[i] = _OUT if flag == 1 else _NOFORCE
                    break
                mx, my = _metric(ym)
            else:
                mx, my = _metric(y)
            dx = ue * dt
            dy = ve * dt
            if kdiff > 0.0:
                u1 = _uniform(key, i, g, 2)
                u2 = _uniform(key, i, g, 3)
                r = diff_amp * math.sqrt(-2.0 * math.log(1.0 - u1))
                dx += r * math.cos(2.0 * math.pi * u2)
                dy += r * math.sin(2.0 * math.pi * u2)
            x += dx * mx
            y += dy * my
            lon[i] = x
            lat[i] = y
            if nly > 0:
                fi = (y - land_lat0) / land_cell
                fj = (x - land_lon0) / land_cell
                if fi >= 0.0 and fj >= 0.0 and fi < nly and fj < nlx:
                    cell = land[int(fi), int(fj)]
                    if cell == 1:
                        status[i] = _STRANDED
                        break
                    if cell == 2:
                        pending[i] = k
                        break
