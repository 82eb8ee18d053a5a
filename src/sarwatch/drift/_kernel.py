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

Schemes on the WGS84 ellipsoid: the default second-order midpoint whose
predictor reuses the particle's previous midpoint velocity (one velocity
evaluation per step), the classical explicit midpoint RK2 (two), forward Euler.
Positions advance by ``dlat = v dt / M(lat)``, ``dlon = u dt / (N(lat) cos lat)``
with ``M`` and ``N`` the meridional and prime-vertical radii of curvature.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["PARAM_SIZE", "advance", "max_speed_sq", "moving_bbox", "near_land", "time_slices"]

_A = 6378137.0
_E2 = 6.69437999014e-3
_DEG = math.pi / 180.0
_INV_M0 = 1.0 / (_A * (1.0 - _E2) * _DEG)

# indices into the float parameter vector
P_DT = 0  # signed step, s
P_JIBE = 1  # jibing probability per step
P_KDIFF = 2  # horizontal diffusivity, m2/s
P_CAP_WIND = 3  # capsizing wind threshold, m/s (centre of the tanh ramp)
P_CAP_SIGMA = 4  # capsizing ramp width, m/s; 0 disables capsizing
P_CAP_FRAC = 5  # leeway fraction once capsized
P_SCHEME = 6  # 0 Euler, 1 midpoint (two evaluations), 2 midpoint with a reused predictor
P_LAND_LON0 = 7
P_LAND_LAT0 = 8
P_LAND_CELL = 9
P_NEAR_LON0 = 10  # the call's near-land raster (see near_land): west edge, degrees
P_NEAR_LAT0 = 11  # south edge, degrees
P_NEAR_CELL = 12  # cell size, degrees
PARAM_SIZE = 13

#: Particles advanced together, step by step, in one block of the parallel loop.
_BLOCK = 32

_ACTIVE = 0
_STRANDED = 1
_OUT = 2
_NOFORCE = 3
_NOT_RELEASED = 4


@njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
def _mix(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
def _uniform(key: np.uint64, pid: int | np.uint64, step: int, stream: int) -> float:
    z = key ^ _mix(
        np.uint64(pid) * np.uint64(0x9E3779B97F4A7C15)
        + np.uint64(step) * np.uint64(0xD1B54A32D192ED03)
        + np.uint64(stream)
    )
    z = _mix(z)
    return float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


_U1 = np.uint64(1)
_U2 = np.uint64(2)
_U3 = np.uint64(3)
_U4 = np.uint64(4)
_U5 = np.uint64(5)
_U6 = np.uint64(6)
_U7 = np.uint64(7)


@njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
def _sample(f, g, kc, lon, lat):  # type: ignore[no-untyped-def]
    """Bilinear in space, NaN-aware, from the time-interpolated slice ``kc`` of ``f``.

    ``f`` is flat (C order): first the field, of shape ``(steps * 2, ny, nx, 2)``: per
    step, the field at the start (``kc = 2 k``) and the middle (``kc = 2 k + 1``) of the
    step, components last; then, from offset ``g[6]``, each cell's bilinear coefficients,
    of shape ``(steps * 2, ny - 1, nx - 1, 4, 2)``: ``a, b, c, d`` (components last) of
    ``a + b ax + (c + d ax) ay`` with ``ax, ay`` the position in the cell (one cache line a
    cell, three multiply-adds a component). ``g`` is the tuple ``(lon0, 1/dlon, lat0,
    1/dlat, nx, ny, offset)`` of its grid. Returns ``(u, v, flag)`` with flag 0 ok, 1
    outside the grid, 2 no data (NaN). Indices are unsigned (no negative-index
    wrap-around): the bounds are tested first.
    """
    nx = g[4]
    ny = g[5]
    if ny == 1 and nx == 1:
        b = np.uint64(kc * 2)
        a = f[b]
        c = f[b + _U1]
        if math.isnan(a) or math.isnan(c):
            return 0.0, 0.0, 2
        return float(a), float(c), 0
    fx = (lon - g[0]) * g[1]
    fy = (lat - g[2]) * g[3]
    if not (fx >= 0.0 and fy >= 0.0 and fx <= nx - 1 and fy <= ny - 1):
        return 0.0, 0.0, 1
    ix = min(int(fx), nx - 2)
    iy = min(int(fy), ny - 2)
    ax = fx - ix
    ay = fy - iy
    c0 = np.uint64(g[6] + ((kc * (ny - 1) + iy) * (nx - 1) + ix) * 8)
    su = f[c0] + f[c0 + _U2] * ax + (f[c0 + _U4] + f[c0 + _U6] * ax) * ay
    sv = f[c0 + _U1] + f[c0 + _U3] * ax + (f[c0 + _U5] + f[c0 + _U7] * ax) * ay
    if not (math.isnan(su) or math.isnan(sv)):
        return su, sv, 0
    w00 = (1.0 - ax) * (1.0 - ay)
    w01 = ax * (1.0 - ay)
    w10 = (1.0 - ax) * ay
    w11 = ax * ay
    b0 = np.uint64(((kc * ny + iy) * nx + ix) * 2)
    b1 = b0 + np.uint64(nx * 2)
    u00 = float(f[b0])
    v00 = float(f[b0 + _U1])
    u01 = float(f[b0 + _U2])
    v01 = float(f[b0 + _U3])
    u10 = float(f[b1])
    v10 = float(f[b1 + _U1])
    u11 = float(f[b1 + _U2])
    v11 = float(f[b1 + _U3])
    # some corners have no data: renormalise the bilinear weights over the valid ones
    su = 0.0
    sv = 0.0
    sw = 0.0
    if not (math.isnan(u00) or math.isnan(v00)) and w00 > 0.0:
        su += w00 * u00
        sv += w00 * v00
        sw += w00
    if not (math.isnan(u01) or math.isnan(v01)) and w01 > 0.0:
        su += w01 * u01
        sv += w01 * v01
        sw += w01
    if not (math.isnan(u10) or math.isnan(v10)) and w10 > 0.0:
        su += w10 * u10
        sv += w10 * v10
        sw += w10
    if not (math.isnan(u11) or math.isnan(v11)) and w11 > 0.0:
        su += w11 * u11
        sv += w11 * v11
        sw += w11
    if sw <= 0.0:
        return 0.0, 0.0, 2
    return su / sw, sv / sw, 0


@njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
def _velocity(  # type: ignore[no-untyped-def]
    x, y, kc, cf, cg, wf, wg, sf, sg, has_stokes,
    d_slope, d_off, c_slope, c_off, leeway_scale, weu, wev, ceu, cev,
):  # fmt: skip
    """Total drift velocity (m/s east, north) at a position; flag as in _sample.

    Takes the particle's coefficients as scalars (the crosswind ones of its current
    branch, ``leeway_scale`` < 1 once capsized) so that nothing is re-read from memory.
    """
    uc, vc, fc = _sample(cf, cg, kc, x, y)
    if fc == 1:
        return 0.0, 0.0, fc
    # a current (or Stokes) cell with no data is the model's land mask reaching past the
    # coastline: drift on with zero current until the coastline strands the particle
    if fc == 2:
        uc = 0.0
        vc = 0.0
    ux, vx, fw = _sample(wf, wg, kc, x, y)
    if fw != 0:
        return 0.0, 0.0, fw
    ux += weu
    vx += wev
    ue = uc + ceu
    ve = vc + cev
    if has_stokes:
        us, vs, fs = _sample(sf, sg, kc, x, y)
        if fs == 1:
            return 0.0, 0.0, fs
        if fs == 0:
            ue += us
            ve += vs
    speed = math.sqrt(ux * ux + vx * vx)
    if speed > 0.0:
        down = (d_slope * speed + d_off) * leeway_scale
        cross = (c_slope * speed + c_off) * leeway_scale
        inv = 1.0 / speed
        ex = ux * inv
        ey = vx * inv
        # positive crosswind is to the LEFT of downwind, (-ey, ex): the convention of
        # the operational implementations (docs/design/004-drift.md, "Conventions")
        ue += down * ex - cross * ey
        ve += down * ey + cross * ex
    return ue, ve, 0


@njit(cache=True, error_model="numpy", fastmath={"contract"})
def _capsize_probability(ux, vx, wind0, sigma, dt_h):  # type: ignore[no-untyped-def]
    """Probability of capsizing (or recovering) within a step of ``dt_h`` hours.

    The reference's rate per hour ``0.5 + 0.5 tanh((U - U0) / sigma)`` of the wind speed
    ``U``, applied as a rate over the step (the reference multiplies it by ``dt``: the same
    to first order). Not inlined: it stays out of the hot loop when capsizing is off.
    """
    speed = math.sqrt(ux * ux + vx * vx)
    rate = 0.5 + 0.5 * math.tanh((speed - wind0) / sigma)
    return 1.0 - math.exp(-rate * dt_h)


@njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
def _metric(s, c):  # type: ignore[no-untyped-def]
    """Degrees per metre (east, north) on WGS84 from sin and cos of the latitude.

    ``sqrt(1 - e² s²)`` and ``(1 - e² s²)^1.5`` as their series in ``q = e² s² < 0.0067``
    to ``q⁴`` (relative error < 1e-10): no square root on the step's critical path.
    """
    q = _E2 * s * s
    sd = 1.0 - q * (0.5 + q * (0.125 + q * (0.0625 + q * 0.0390625)))
    d15 = 1.0 - q * (1.5 - q * (0.375 + q * (0.0625 + q * 0.0234375)))
    return sd / (_A * _DEG * c), d15 * _INV_M0


@njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")
def _rotate(s, c, dphi):  # type: ignore[no-untyped-def]
    """sin and cos of (latitude + dphi) for a small dphi (radians), without trigonometry."""
    d2 = dphi * dphi
    cd = 1.0 - d2 * (0.5 - d2 * (1.0 / 24.0))
    sd = dphi * (1.0 - d2 * (1.0 / 6.0))
    return s * cd + c * sd, c * cd - s * sd


@njit(parallel=True, cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def advance(  # type: ignore[no-untyped-def]
    idx,
    kfirst,
    pending,
    lon,
    lat,
    status,
    release_s,
    dwl_slope,
    dwl_offset,
    cwl_slope,
    cwl_offset,
    side,
    capsized,
    werr_u,
    werr_v,
    cerr_u,
    cerr_v,
    vel_u,
    vel_v,
    vel_ok,
    sin_lat,
    cos_lat,
    cf,
    cg,
    wf,
    wg,
    sf,
    sg,
    has_stokes,
    land,
    near,
    flags,
    xm,
    ym,
    step_t,
    step0,
    key,
    params,
):
    """Advance the particles ``idx`` from their step ``kfirst`` to the last step given.

    ``step_t[k]`` is the time (s since run start) at the start of step ``k``;
    ``cf``, ``wf``, ``sf`` (current, wind, Stokes) hold each field interpolated to
    the start and the middle of step ``k``, flat (C order) of shape
    ``(steps * 2, ny, nx, 2)``, followed by its cells' bilinear coefficients (see
    ``_sample``), with grids ``[lon0, 1/dlon, lat0, 1/dlat, nx, ny, offset]``. A
    particle that enters a coast cell of ``land`` stops there with ``pending = k`` so that
    the caller can test it exactly and resume it from ``k + 1``. ``near`` (see
    :func:`near_land`; origin and cell in ``params``) spares that raster test for the
    call to every particle that starts it in a zero cell: the caller builds it so that no
    such particle can reach a land or coast cell before the call ends (an empty ``near``
    tests every particle). ``xm`` and ``ym`` are scratch (float64), ``flags`` scratch
    (uint8), each at least as long as ``idx``.
    ``sin_lat``, ``cos_lat`` are the sine and cosine of each particle's latitude, carried
    from step to step (and from call to call) by small rotations; the caller initialises
    them once per run.

    Returns ``(hits, lon_min, lat_min, lon_max, lat_max)``: the number of particles
    stopped on a coast cell and the bounding box of the particles ``idx`` that are active
    or not yet released after the call (as :func:`moving_bbox`; ``inf``/``-inf`` if none).
    """
    dt = params[P_DT]
    nsub = step_t.shape[0]
    jibe_p = params[P_JIBE]
    kdiff = params[P_KDIFF]
    cap_wind = params[P_CAP_WIND]
    cap_sigma = params[P_CAP_SIGMA]
    cap_frac = params[P_CAP_FRAC]
    # forward runs capsize upright objects; backward runs let capsized ones recover
    cap_from = 0 if dt > 0.0 else 1
    dt_h = abs(dt) / 3600.0
    scheme = int(params[P_SCHEME] + 0.5)  # 0 Euler, 1 midpoint (RK2), 2 midpoint, reused predictor
    midpoint = scheme >= 1
    land_lon0 = params[P_LAND_LON0]
    land_lat0 = params[P_LAND_LAT0]
    land_cell = params[P_LAND_CELL]
    nly, nlx = land.shape
    nny, nnx = near.shape
    near_lon0 = params[P_NEAR_LON0]
    near_lat0 = params[P_NEAR_LAT0]
    inv_near = 1.0 / params[P_NEAR_CELL] if nny > 0 else 0.0
    diff_amp = math.sqrt(2.0 * kdiff * abs(dt))
    inv_cell = 1.0 / land_cell if land_cell > 0.0 else 0.0
    n_idx = idx.shape[0]
    n_blocks = (n_idx + _BLOCK - 1) // _BLOCK
    # the grids as scalars (registers), not re-read from their arrays at every sample
    cgt = (cg[0], cg[1], cg[2], cg[3], int(cg[4]), int(cg[5]), int(cg[6]))
    wgt = (wg[0], wg[1], wg[2], wg[3], int(wg[4]), int(wg[5]), int(wg[6]))
    sgt = (sg[0], sg[1], sg[2], sg[3], int(sg[4]), int(sg[5]), int(sg[6]))
    hits = 0
    # bounding box of the particles that may still move after the call (see moving_bbox)
    bx0 = np.inf
    by0 = np.inf
    bx1 = -np.inf
    by1 = -np.inf
    # Blocks of particles advance step by step together, each step in three passes over
    # the block (start: activity, predictor; middle: the velocity there; end: the move, the
    # jibe, the land test). A pass's body is short, so the CPU overlaps the latencies of
    # successive particles (one particle-step's whole body is a chain of dependent
    # operations longer than its reorder window). ``xm``/``ym`` carry the predicted
    # midpoints from pass to pass (NaN: the particle does not move in this step).
    # Particle indices are unsigned: numba then indexes the ~20 state arrays without the
    # negative-index wrap-around test of each access (x1.14 for the whole step, measured).
    for blk in prange(n_blocks):
        j0 = blk * _BLOCK
        j1 = min(j0 + _BLOCK, n_idx)
        for j in range(j0, j1):
            i = np.uint64(idx[j])
            pending[i] = -1
            # whether the particle may meet land in this call: a near-land cell, a position
            # off the near raster, or no near raster at all (then every step tests)
            test = np.uint8(1)
            if nny > 0:
                fi = (lat[i] - near_lat0) * inv_near
                fj = (lon[i] - near_lon0) * inv_near
                if fi >= 0.0 and fj >= 0.0 and fi < nny and fj < nnx:
                    test = near[np.uint64(int(fi)), np.uint64(int(fj))]
            flags[j] = test
        for k in range(nsub):
            g = step0 + k
            for j in range(j0, j1):
                xm[j] = np.nan
                if k < kfirst[j]:
                    continue
                i = np.uint64(idx[j])
                if pending[i] >= 0:
                    continue
                st = status[i]
                if st == _NOT_RELEASED:
                    # released at the start of the step that contains its release time
                    if (step_t[k] + dt - release_s[i]) * dt > 0.0:
                        status[i] = _ACTIVE
                    else:
                        continue
                elif st != _ACTIVE:
                    continue
                x = lon[i]
                y = lat[i]
                cap = capsized[i]
                if cap_sigma > 0.0 and cap == cap_from:
                    ux, vx, fw = _sample(wf, wgt, 2 * k, x, y)
                    if fw == 0:
                        ux += werr_u[i]
                        vx += werr_v[i]
                        p_cap = _capsize_probability(ux, vx, cap_wind, cap_sigma, dt_h)
                        if _uniform(key, i, g, 1) < p_cap:
                            capsized[i] = 1 - cap
                            vel_ok[i] = 0
                if scheme == 2 and vel_ok[i] != 0:
                    # predictor from the previous midpoint velocity: O(dt) off, which
                    # keeps the step second order (tested) at one evaluation per step
                    ue = vel_u[i]
                    ve = vel_v[i]
                else:
                    b = side[i]
                    scale = cap_frac if capsized[i] != 0 else 1.0
                    ue, ve, flag = _velocity(
                        x, y, 2 * k, cf, cgt, wf, wgt, sf, sgt, has_stokes,
                        dwl_slope[i], dwl_offset[i], cwl_slope[i, b], cwl_offset[i, b], scale,
                        float(werr_u[i]), float(werr_v[i]), float(cerr_u[i]), float(cerr_v[i]),
                    )  # fmt: skip
                    if flag != 0:
                        status[i] = _OUT if flag == 1 else _NOFORCE
                        continue
                    if not midpoint:
                        vel_u[i] = ue  # Euler: the step's velocity, for the end pass
                        vel_v[i] = ve
                if midpoint:
                    mx, my = _metric(sin_lat[i], cos_lat[i])
                    xm[j] = x + ue * mx * 0.5 * dt
                    ym[j] = y + ve * my * 0.5 * dt
                else:
                    xm[j] = x
                    ym[j] = y
            if midpoint:
                for j in range(j0, j1):
                    if math.isnan(xm[j]):
                        continue
                    i = np.uint64(idx[j])
                    b = side[i]
                    scale = cap_frac if capsized[i] != 0 else 1.0
                    ue, ve, flag = _velocity(
                        xm[j], ym[j], 2 * k + 1, cf, cgt, wf, wgt, sf, sgt, has_stokes,
                        dwl_slope[i], dwl_offset[i], cwl_slope[i, b], cwl_offset[i, b], scale,
                        float(werr_u[i]), float(werr_v[i]), float(cerr_u[i]), float(cerr_v[i]),
                    )  # fmt: skip
                    if flag != 0:
                        status[i] = _OUT if flag == 1 else _NOFORCE
                        xm[j] = np.nan
                        continue
                    vel_u[i] = ue
                    vel_v[i] = ve
                    vel_ok[i] = 1
            for j in range(j0, j1):
                if math.isnan(xm[j]):
                    continue
                i = np.uint64(idx[j])
                x = lon[i]
                y = lat[i]
                s0 = sin_lat[i]
                c0 = cos_lat[i]
                if midpoint:
                    spm, cpm = _rotate(s0, c0, (ym[j] - y) * _DEG)
                    mx, my = _metric(spm, cpm)
                else:
                    mx, my = _metric(s0, c0)
                dx = vel_u[i] * dt
                dy = vel_v[i] * dt
                if kdiff > 0.0:
                    u1 = _uniform(key, i, g, 2)
                    u2 = _uniform(key, i, g, 3)
                    r = diff_amp * math.sqrt(-2.0 * math.log(1.0 - u1))
                    dx += r * math.cos(2.0 * math.pi * u2)
                    dy += r * math.sin(2.0 * math.pi * u2)
                dlat = dy * my
                x += dx * mx
                y += dlat
                s1, c1 = _rotate(s0, c0, dlat * _DEG)
                sin_lat[i] = s1
                cos_lat[i] = c1
                lon[i] = x
                lat[i] = y
                # jibing at the end of the step (the step used the branch held at its
                # start), as the reference: a jibe flips the sign of the table slope only
                if jibe_p > 0.0 and _uniform(key, i, g, 0) < jibe_p:
                    side[i] = 1 - side[i]
                    vel_ok[i] = 0  # the leeway jumps: predict afresh
                if nly > 0 and flags[j] != 0:
                    fi = (y - land_lat0) * inv_cell
                    fj = (x - land_lon0) * inv_cell
                    if fi >= 0.0 and fj >= 0.0 and fi < nly and fj < nlx:
                        cell = land[np.uint64(int(fi)), np.uint64(int(fj))]
                        if cell == 1:
                            status[i] = _STRANDED
                        elif cell == 2:
                            pending[i] = k
                            hits += 1
        # the block's bounding box while its particles are in cache: the caller crops the
        # next call's forcing to it without another pass over the state
        for j in range(j0, j1):
            i = np.uint64(idx[j])
            st = status[i]
            if st == _ACTIVE or st == _NOT_RELEASED:  # noqa: SIM109 (numba: plain comparisons)
                bx0 = min(bx0, lon[i])
                by0 = min(by0, lat[i])
                bx1 = max(bx1, lon[i])
                by1 = max(by1, lat[i])
    return hits, bx0, by0, bx1, by1


@njit(cache=True, nogil=True, error_model="numpy")
def near_land(cells, i0, i1, j0, j1, block, ry, rx):  # type: ignore[no-untyped-def]
    """Coarse cells from which a particle may reach a land or coast cell of ``cells``.

    Over the fine cells ``[i0:i1, j0:j1]`` of the land raster, a coarse cell is ``block``
    fine cells a side (coarse cell ``(0, 0)`` starts at fine cell ``(i0, j0)``); it is 1
    when a non-sea fine cell lies in a coarse cell at most ``ry`` rows and ``rx`` columns
    away, else 0. One pass over the fine cells, then the dilation over the coarse ones.
    """
    nyc = (i1 - i0 + block - 1) // block
    nxc = (j1 - j0 + block - 1) // block
    coarse = np.zeros((nyc, nxc), np.uint8)
    for i in range(i0, i1):
        ci = (i - i0) // block
        for j in range(j0, j1):
            coarse[ci, (j - j0) // block] |= cells[i, j]
    out = np.zeros((nyc, nxc), np.uint8)
    for ci in range(nyc):
        for cj in range(nxc):
            if coarse[ci, cj] != 0:
                for a in range(max(ci - ry, 0), min(ci + ry + 1, nyc)):
                    for b in range(max(cj - rx, 0), min(cj + rx + 1, nxc)):
                        out[a, b] = 1
    return out


@njit(parallel=True, cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
def moving_bbox(lon, lat, status):  # type: ignore[no-untyped-def]
    """``(lon_min, lat_min, lon_max, lat_max)`` of active and not-yet-released particles.

    One parallel pass without copies; ``inf``/``-inf`` when none moves.
    """
    x0 = np.inf
    y0 = np.inf
    x1 = -np.inf
    y1 = -np.inf
    for i in prange(lon.shape[0]):
        st = status[i]
        if st == _ACTIVE or st == _NOT_RELEASED:  # noqa: SIM109 (numba: plain comparisons)
            x0 = min(x0, lon[i])
            y0 = min(y0, lat[i])
            x1 = max(x1, lon[i])
            y1 = max(y1, lat[i])
    return x0, y0, x1, y1


@njit(cache=True, nogil=True, error_model="numpy")
def time_slices(u, v, it, it1, w, i0, i1, j0, j1):  # type: ignore[no-untyped-def]
    """A field's crop ``[:, i0:i1, j0:j1]`` at the times ``(it, it1, w)``, for :func:`advance`.

    Slice ``s`` is ``a0 + w[s] (a1 - a0)`` of the field's times ``it[s]`` and ``it1[s]``,
    in the field's precision (``w`` is float32 as the fields: the same numbers as numpy's
    ``a0 + w * (a1 - a0)``; no fastmath, so no fused multiply-add). Returns ``(buf,
    offset)``: ``buf`` holds the slices (float64, shape ``(ns, ny, nx, 2)``, components
    last) and, from ``offset`` (a 64-byte boundary: a cell is one cache line), the cells'
    bilinear coefficients (shape ``(ns, ny - 1, nx - 1, 4, 2)``; see ``_sample``). One pass
    in compiled code: numpy's dozen small operations per field and kernel call cost more
    than the kernel itself for clouds of a few thousand particles.
    """
    ns = it.shape[0]
    my = i1 - i0
    mx = j1 - j0
    n_raw = ns * my * mx * 2
    n_coef = ns * (my - 1) * (mx - 1) * 8 if my > 1 and mx > 1 else 0
    buf = np.empty(n_raw + 8 + n_coef, np.float64)
    offset = n_raw + (-(buf.ctypes.data // 8 + n_raw)) % 8
    for s in range(ns):
        a = it[s]
        b = it1[s]
        ws = w[s]
        for y in range(my):
            for x in range(mx):
                p = ((s * my + y) * mx + x) * 2
                u0 = u[a, i0 + y, j0 + x]
                v0 = v[a, i0 + y, j0 + x]
                buf[p] = u0 + ws * (u[b, i0 + y, j0 + x] - u0)
                buf[p + 1] = v0 + ws * (v[b, i0 + y, j0 + x] - v0)
    if n_coef:
        for s in range(ns):
            for y in range(my - 1):
                for x in range(mx - 1):
                    q = offset + ((s * (my - 1) + y) * (mx - 1) + x) * 8
                    p00 = ((s * my + y) * mx + x) * 2
                    p10 = p00 + mx * 2
                    for c in range(2):
                        f00 = buf[p00 + c]
                        f01 = buf[p00 + 2 + c]
                        f10 = buf[p10 + c]
                        f11 = buf[p10 + 2 + c]
                        buf[q + c] = f00
                        buf[q + 2 + c] = f01 - f00
                        buf[q + 4 + c] = f10 - f00
                        buf[q + 6 + c] = (f11 - f10) - (f01 - f00)
    return buf, offset


@njit(cache=True, nogil=True, error_model="numpy")
def max_speed_sq(u, v):  # type: ignore[no-untyped-def]
    """Largest ``u² + v²`` (computed in the arrays' precision) over the non-NaN entries.

    ``-1`` if no entry is finite. One pass without temporaries (numpy's ``nanmax(sqrt(u²
    + v²))`` took milliseconds a run: more than the kernel for a few thousand particles).
    """
    top = -1.0
    finite = False
    uf = u.ravel()
    vf = v.ravel()
    for k in range(uf.shape[0]):
        s2 = uf[k] * uf[k] + vf[k] * vf[k]
        if math.isfinite(s2):
            finite = True
        if s2 > top:
            top = float(s2)
    return top if finite else -1.0
