"""The time loop: forward or backward, output snapshots, exact stranding.

:func:`simulate` advances a :class:`~sarwatch.drift.state.ParticleState` in place
through a :class:`~sarwatch.drift.forcing.Forcing`, calling ``on_output`` at the
start and at every output time. Between outputs the fused numba kernel does all
the steps; particles that enter a coast cell of the land raster are tested
exactly against the coastline polygons (``land.contains``) and either strand or
resume.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from sarwatch.drift import _kernel
from sarwatch.drift.forcing import Forcing, VectorField
from sarwatch.drift.state import STRANDED, ParticleState
from sarwatch.errors import InputError

__all__ = ["DriftParams", "LandModel", "RunInfo", "compiled_in_process", "simulate"]


class LandModel(Protocol):
    """What the loop needs from a land mask (:class:`sarwatch.geo.coast.LandMask` fits).

    ``cells`` is a ``uint8`` raster (0 sea, 1 land, 2 coast: test exactly) with row 0
    at ``lat0`` and cells of ``cell_deg`` degrees from ``lon0``.
    """

    @property
    def cells(self) -> npt.NDArray[np.uint8]:
        """The raster."""
        ...

    @property
    def lon0(self) -> float:
        """West edge of column 0, degrees."""
        ...

    @property
    def lat0(self) -> float:
        """South edge of row 0, degrees."""
        ...

    @property
    def cell_deg(self) -> float:
        """Cell size, degrees."""
        ...

    def contains(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """True where the points are on land."""
        ...


@dataclass(frozen=True)
class DriftParams:
    """Numerical and physical options of a run.

    Attributes
    ----------
    dt_s
        Time step, seconds (positive; the direction comes from ``backward``).
    output_every_s
        Interval between outputs, seconds (a multiple of ``dt_s``).
    duration_s
        Length of the run, seconds (a multiple of ``output_every_s``).
    backward
        Integrate backward in time (where did it come from?).
    jibe_per_h
        Jibing probability per hour ``p`` (0 <= p < 1; default 0.04, the reference's
        ``jibe_probability``): at the end of each step an object jibes with probability
        ``1 - (1 - p) ** (|dt| / 1 h)``, i.e. at the Poisson rate ``-ln(1 - p)`` per hour
        (0.0408/h for 0.04), whatever the step. A jibe flips the sign of the crosswind
        table slope only (see :mod:`sarwatch.drift.leeway`).
    diffusivity_m2_s
        Horizontal diffusivity ``K``; a random walk of ``sqrt(2 K |dt|)`` per axis
        per step. 0 for none.
    capsizing
        Let objects capsize (default off, as in the reference). An upright object
        capsizes at the rate ``0.5 + 0.5 tanh((U10 - capsize_wind_ms) /
        capsize_wind_sigma_ms)`` per hour (probability ``1 - exp(-rate |dt|)`` per step;
        the reference's ramp); a capsized object drifts with its leeway (both components)
        times ``capsize_leeway_fraction``. Backward runs capsize nothing: a capsized
        object recovers at the same rate instead (it capsized in the run's future).
    capsize_wind_ms, capsize_wind_sigma_ms, capsize_leeway_fraction
        Centre (default 30 m/s) and width (5 m/s) of the ramp, and the leeway fraction
        once capsized (0.4): the reference's defaults.
    scheme
        ``"midpoint"`` (default): second-order midpoint whose predictor reuses the
        particle's previous midpoint velocity (one velocity evaluation per step; a fresh
        evaluation at the start of each kernel call and after a release, jibe or capsize);
        ``"rk2"``: the classical explicit midpoint (two evaluations per step);
        ``"euler"``: forward Euler, as the reference implementation.
    """

    dt_s: float = 900.0
    output_every_s: float = 3600.0
    duration_s: float = 48 * 3600.0
    backward: bool = False
    jibe_per_h: float = 0.04
    diffusivity_m2_s: float = 0.0
    capsizing: bool = False
    capsize_wind_ms: float = 30.0
    capsize_wind_sigma_ms: float = 5.0
    capsize_leeway_fraction: float = 0.4
    scheme: Literal["midpoint", "rk2", "euler"] = "midpoint"

    def steps(self) -> tuple[int, int]:
        """``(steps per output, number of outputs after the start)``; validates the timing.

        Raises
        ------
        InputError
            If the step, interval and duration do not divide evenly or are not positive,
            or a physical option is out of its range.
        """
        if not (self.dt_s > 0 and self.output_every_s > 0 and self.duration_s > 0):
            raise InputError(
                "time step, output interval and duration must be positive; got "
                f"dt={self.dt_s} s, output every {self.output_every_s} s, "
                f"duration {self.duration_s} s"
            )
        per_out = self.output_every_s / self.dt_s
        n_out = self.duration_s / self.output_every_s
        if abs(per_out - round(per_out)) > 1e-9 or abs(n_out - round(n_out)) > 1e-9:
            raise InputError(
                f"the output interval ({self.output_every_s:g} s) must be a multiple of the time "
                f"step ({self.dt_s:g} s) and the duration ({self.duration_s:g} s) a multiple of "
                "the output interval"
            )
        if self.scheme not in ("midpoint", "rk2", "euler"):
            raise InputError(f"scheme must be 'midpoint', 'rk2' or 'euler', got {self.scheme!r}")
        if not 0.0 <= self.jibe_per_h < 1.0:
            raise InputError(
                f"the jibing probability per hour must be in [0, 1), got {self.jibe_per_h}"
            )
        if not self.diffusivity_m2_s >= 0.0:
            raise InputError(f"the diffusivity must be >= 0 m²/s, got {self.diffusivity_m2_s}")
        # checked with capsizing off too: it applies to objects set capsized before the
        # run, and simulate's reach (pad_m) counts no leeway above the upright one
        if not 0.0 <= self.capsize_leeway_fraction <= 1.0:
            raise InputError(
                "the leeway of a capsized object is a fraction of its upright leeway in "
                f"[0, 1]; got {self.capsize_leeway_fraction}"
            )
        if self.capsizing and not (
            self.capsize_wind_ms >= 0.0
            and self.capsize_wind_sigma_ms > 0.0
            and 0.0 <= self.capsize_leeway_fraction <= 1.0
        ):
            raise InputError(
                "capsizing needs a wind threshold >= 0 m/s, a ramp width > 0 m/s and a leeway "
                f"fraction in [0, 1]; got {self.capsize_wind_ms} m/s, "
                f"{self.capsize_wind_sigma_ms} m/s, {self.capsize_leeway_fraction}"
            )
        return round(per_out), round(n_out)


@dataclass(frozen=True)
class RunInfo:
    """What the loop did.

    Attributes
    ----------
    n, steps
        Particles and time steps.
    times
        Output times (``datetime64[s]``), the start included.
    exact_land_tests
        Number of exact coastline tests (particles in coast cells).
    compute_s
        Wall time spent advancing particles (kernel and exact land tests), seconds;
        output callbacks excluded.
    """

    n: int
    steps: int
    times: npt.NDArray[np.datetime64]
    exact_land_tests: int
    compute_s: float


def _time_index(
    field: VectorField | None, t_s: npt.NDArray[np.float64], start: np.datetime64
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Time index and weight of a field for times in seconds since ``start``."""
    if field is None or field.is_steady:
        return np.zeros(t_s.shape, np.int64), np.zeros(t_s.shape)
    ft = (field.times - start).astype("timedelta64[s]").astype(np.float64)
    it = np.clip(np.searchsorted(ft, t_s, side="right") - 1, 0, ft.size - 2)
    w = np.clip((t_s - ft[it]) / (ft[it + 1] - ft[it]), 0.0, 1.0)
    return it.astype(np.int64), w


_ZERO = VectorField.constant(0.0, 0.0, name="zero")


def _slices(
    field: VectorField | None,
    t_cols: npt.NDArray[np.float64],
    start: np.datetime64,
    box: tuple[float, float, float, float] | None,
    tix: tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]] | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The field, cropped to ``box`` and linearly interpolated to the times ``t_cols``.

    ``tix`` is ``_time_index(field, t_cols, start)`` when the caller has it already.

    Returns the slices, flat (C order) of shape ``(steps * 2, ny, nx, 2)``, followed (from
    ``offset``) by each cell's bilinear coefficients (shape ``(steps * 2, ny - 1, nx - 1,
    4, 2)``: ``a, b, c, d`` of ``a + b ax + (c + d ax) ay``, see ``_kernel._sample``), and
    the kernel's grid parameters ``[lon0, 1/dlon, lat0, 1/dlat, nx, ny, offset]`` of the
    crop. ``box`` is
    ``(lon_min, lat_min, lon_max, lat_max)``, already padded by the farthest a particle can
    drift in the chunk, so a particle leaves the crop only where it leaves the field's grid.
    """
    f = field or _ZERO
    nt, ny, nx = f.u.shape
    i0, i1, j0, j1 = 0, ny, 0, nx
    if box is not None and not f.is_uniform:
        j0 = min(max(math.floor((box[0] - f.lon0) / f.dlon), 0), nx - 2)
        j1 = min(max(math.ceil((box[2] - f.lon0) / f.dlon), j0 + 1), nx - 1) + 1
        i0 = min(max(math.floor((box[1] - f.lat0) / f.dlat), 0), ny - 2)
        i1 = min(max(math.ceil((box[3] - f.lat0) / f.dlat), i0 + 1), ny - 1) + 1
    it, w = _time_index(field, t_cols, start) if tix is None else tix
    it1 = np.minimum(it + 1, nt - 1)
    buf, offset = _kernel.time_slices(
        f.u, f.v, it.ravel(), it1.ravel(), w.ravel().astype(np.float32), i0, i1, j0, j1
    )
    grid = np.array(
        [
            f.lon0 + j0 * f.dlon,
            1.0 / f.dlon,
            f.lat0 + i0 * f.dlat,
            1.0 / f.dlat,
            j1 - j0,
            i1 - i0,
            offset,
        ],
        dtype=np.float64,
    )
    return buf, grid


def _max_speed(field: VectorField | None) -> float:
    """Largest speed of a field (m/s), its stated uncertainty included (5 sigma)."""
    if field is None:
        return 0.0
    top_sq = _kernel.max_speed_sq(field.u, field.v)
    # the square root in the fields' precision, as numpy's nanmax(sqrt(u² + v²)) gave
    dtype = np.result_type(field.u, field.v)
    top = float(np.sqrt(dtype.type(top_sq))) if top_sq >= 0.0 else 0.0
    return top + 5.0 * np.sqrt(2.0) * field.sigma_ms


def _drift_bound(state: ParticleState, forcing: Forcing) -> float:
    """An upper bound of any particle's drift speed (m/s) through these fields."""
    wind = _max_speed(forcing.wind)
    slope = float(np.max(np.abs(state.dwl_slope) + np.max(np.abs(state.cwl_slope), axis=1)))
    offset = float(np.max(np.abs(state.dwl_offset) + np.max(np.abs(state.cwl_offset), axis=1)))
    return _max_speed(forcing.current) + _max_speed(forcing.stokes) + slope * wind + offset


#: Steps per kernel call (bounds the size of the time-interpolated forcing slices).
_CHUNK_STEPS = 8
#: The raster a kernel call gets when it need not test land (or spare no test).
_NO_CELLS = np.zeros((0, 0), np.uint8)
#: Fine land cells a side of a cell of the near-land raster (``_kernel.near_land``).
_NEAR_BLOCK = 8
#: The most fine land cells a kernel call scans for its near-land raster, per particle-step.
_NEAR_CELLS_PER_STEP = 4


def _near_raster(
    cells: npt.NDArray[np.uint8],
    land: LandModel,
    box: tuple[float, float, float, float],
    nsub: int,
    pad_m: float,
    kparams: npt.NDArray[np.float64],
    n_moving: int,
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """The land raster and the near-land raster for a kernel call over the crop ``box``.

    ``box`` (lon0, lat0, lon1, lat1, degrees) holds every position the particles can reach
    in the call, and none moves farther than ``pad_m`` metres from where it starts the
    call (:func:`simulate`'s bound). The crop's diffusion margin is six standard
    deviations; a Box-Muller kick is at most ``8.6 sqrt(2 K dt)`` metres (the largest
    radius 53 random bits give), so both are widened by that bound for every step. Returns
    ``(cells, near)``: an empty ``cells`` when no land or coast cell lies in the box (the
    kernel then tests nothing), and :func:`_kernel.near_land` over the box's cells, dilated
    by the reach, with its origin and cell size written into ``kparams``, unless the box
    has more than :data:`_NEAR_CELLS_PER_STEP` fine cells per particle-step of the call
    (``n_moving`` particles): the coarse raster would cost more than it saves, and every
    step is tested. Both spare only tests that cannot find land: the results are the same
    as testing every step.
    """
    ny, nx = cells.shape
    if ny == 0:
        return cells, _NO_CELLS
    kick_m = nsub * 8.6 * math.sqrt(2.0 * kparams[_kernel.P_KDIFF] * abs(kparams[_kernel.P_DT]))
    reach_m = pad_m + kick_m
    top = min(max(abs(box[1]), abs(box[3])) + reach_m / 110_000.0, 89.0)
    # degrees per metre, rounded up (1 degree of latitude is at least 110.5 km, of
    # longitude at least 111.3 km times the cosine)
    per_m_lon, per_m_lat = 1.0 / (111_000.0 * math.cos(math.radians(top))), 1.0 / 110_000.0
    cell = land.cell_deg
    j0 = max(math.floor((box[0] - kick_m * per_m_lon - land.lon0) / cell) - 1, 0)
    j1 = min(math.floor((box[2] + kick_m * per_m_lon - land.lon0) / cell) + 2, nx)
    i0 = max(math.floor((box[1] - kick_m * per_m_lat - land.lat0) / cell) - 1, 0)
    i1 = min(math.floor((box[3] + kick_m * per_m_lat - land.lat0) / cell) + 2, ny)
    if j0 >= j1 or i0 >= i1 or not cells[i0:i1, j0:j1].any():
        return _NO_CELLS, _NO_CELLS
    # near_land costs ~1-9 ns a fine cell (more with a wide reach), a spared test saves
    # ~3.4 ns a particle-step: over a crop much wider than the call's particle-steps
    # (2,000 particles spread over 900 km: the run x18 slower) test every step instead
    if (i1 - i0) * (j1 - j0) > _NEAR_CELLS_PER_STEP * n_moving * nsub:
        return cells, _NO_CELLS
    coarse_deg = _NEAR_BLOCK * cell
    # coarse cells within reach, plus one for the rounding of the two rasters' indices
    ry = math.ceil(reach_m * per_m_lat / coarse_deg) + 1
    rx = math.ceil(reach_m * per_m_lon / coarse_deg) + 1
    near = _kernel.near_land(cells, i0, i1, j0, j1, _NEAR_BLOCK, ry, rx)
    kparams[_kernel.P_NEAR_LON0] = land.lon0 + j0 * cell
    kparams[_kernel.P_NEAR_LAT0] = land.lat0 + i0 * cell
    kparams[_kernel.P_NEAR_CELL] = coarse_deg
    return cells, near


def _advance_chunk(
    state: ParticleState,
    forcing: Forcing,
    start: np.datetime64,
    step0: int,
    nsub: int,
    dt: float,
    key: np.uint64,
    kparams: npt.NDArray[np.float64],
    cells: npt.NDArray[np.uint8],
    pad_m: float,
    land: LandModel | None,
    all_idx: npt.NDArray[np.int64],
    zeros_k: npt.NDArray[np.int32],
    pending: npt.NDArray[np.int32],
    trig: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    scratch: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.uint8]],
    bbox: tuple[float, float, float, float],
    time_index: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]],
) -> tuple[int, tuple[float, float, float, float]]:
    """Advance all particles ``nsub`` steps from global step ``step0``.

    ``time_index`` holds, per field (current, wind, Stokes), ``_time_index`` of the run's
    steps (rows) at their start and middle (columns), computed once per run.

    ``bbox`` is the bounding box of the particles that may move (active or not yet
    released), as :func:`_kernel.moving_bbox`. Returns the number of exact land tests and
    the bounding box after the chunk (a superset: the kernel computes it as it goes).
    """
    step_t = dt * (step0 + np.arange(nsub, dtype=np.float64))
    t_cols = np.stack([step_t, step_t + 0.5 * dt], axis=1)
    box = None
    if all_idx.size:
        x0, y0, x1, y1 = bbox
        if x0 <= x1:
            lat_pad = pad_m / 110_000.0
            top = min(max(abs(y0), abs(y1)) + lat_pad, 89.0)
            lon_pad = pad_m / (111_000.0 * np.cos(np.radians(top)))
            box = (x0 - lon_pad, y0 - lat_pad, x1 + lon_pad, y1 + lat_pad)
    (cf, cg), (wf, wg), (sf, sg) = (
        _slices(f, t_cols, start, box, (it[step0 : step0 + nsub], w[step0 : step0 + nsub]))
        for f, (it, w) in zip(
            (forcing.current, forcing.wind, forcing.stokes), time_index, strict=True
        )
    )
    near = _NO_CELLS
    if box is not None and land is not None:
        # spare the raster test to particles that cannot reach land in this call
        cells, near = _near_raster(cells, land, box, nsub, pad_m, kparams, all_idx.size)
    idx, kfirst = all_idx, zeros_k
    exact = 0
    after = (np.inf, np.inf, -np.inf, -np.inf)
    while True:  # at least one call (an empty one loads the compiled kernel)
        hits, *box_k = _kernel.advance(
            idx, kfirst, pending,
            state.lon, state.lat, state.status, state.release_s,
            state.dwl_slope, state.dwl_offset, state.cwl_slope, state.cwl_offset,
            state.side, state.capsized,
            state.wind_err_u, state.wind_err_v, state.current_err_u, state.current_err_v,
            state.vel_u, state.vel_v, state.vel_ok, trig[0], trig[1],
            cf, cg, wf, wg, sf, sg, forcing.stokes is not None,
            cells, near, scratch[2], scratch[0], scratch[1], step_t, step0, key, kparams,
        )  # fmt: skip
        # union with the boxes of earlier calls (their particles stranded since, if any)
        after = (
            min(after[0], box_k[0]), min(after[1], box_k[1]),
            max(after[2], box_k[2]), max(after[3], box_k[3]),
        )  # fmt: skip
        if hits == 0:
            break
        hit_idx = idx[pending[idx] >= 0]
        exact += hit_idx.size
        if land is None:  # pending is only set with a land raster
            raise RuntimeError("coast hit without a land mask")
        on_land = land.contains(state.lon[hit_idx], state.lat[hit_idx])
        state.status[hit_idx[on_land]] = STRANDED
        resume = hit_idx[~on_land]
        nxt = pending[resume] + 1
        pending[hit_idx] = -1
        keep = nxt < nsub
        idx, kfirst = resume[keep], nxt[keep].astype(np.int32)
        if idx.size == 0:
            break
    return exact, after


def simulate(
    state: ParticleState,
    forcing: Forcing,
    start: np.datetime64,
    params: DriftParams,
    rng: np.random.Generator,
    *,
    land: LandModel | None = None,
    on_output: Callable[[int, np.datetime64, ParticleState], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunInfo:
    """Run the drift model, advancing ``state`` in place.

    Parameters
    ----------
    state
        Particles (positions, coefficients, release times relative to ``start``).
    forcing
        Current, wind and Stokes drift; missing fields count as zero.
    start
        Run start, ``datetime64`` UTC.
    params
        Time step, output interval, duration, direction and physics options.
    rng
        The run's generator; it draws the per-particle forcing errors and the key of
        the kernel's counter-based random numbers.
    land
        Land mask for stranding; ``None`` for open ocean.
    on_output
        Called as ``on_output(k, time, state)`` at the start (``k = 0``) and after each
        output interval; ``state`` is live (copy what you keep).
    progress
        Called as ``progress(done_steps, total_steps)``.

    Returns
    -------
    RunInfo
    """
    per_out, n_out = params.steps()
    start = start.astype("datetime64[s]")
    sign = -1.0 if params.backward else 1.0
    dt = sign * params.dt_s
    n = state.n
    for f, (eu, ev) in (
        (forcing.wind, (state.wind_err_u, state.wind_err_v)),
        (forcing.current, (state.current_err_u, state.current_err_v)),
    ):
        if f is not None and f.sigma_ms > 0:
            eu[:] = rng.normal(0.0, f.sigma_ms, n)
            ev[:] = rng.normal(0.0, f.sigma_ms, n)
        else:  # no error left from an earlier run's fields: pad_m counts this run's only
            eu[:] = 0.0
            ev[:] = 0.0
    key = np.uint64(rng.integers(0, 2**63 - 1))
    state.vel_ok[:] = 0  # the predictor belongs to this run's direction and forcing
    kparams = np.zeros(_kernel.PARAM_SIZE)
    kparams[_kernel.P_DT] = dt
    kparams[_kernel.P_JIBE] = 1.0 - (1.0 - params.jibe_per_h) ** (params.dt_s / 3600.0)
    kparams[_kernel.P_KDIFF] = params.diffusivity_m2_s
    kparams[_kernel.P_CAP_WIND] = params.capsize_wind_ms
    kparams[_kernel.P_CAP_SIGMA] = params.capsize_wind_sigma_ms if params.capsizing else 0.0
    kparams[_kernel.P_CAP_FRAC] = params.capsize_leeway_fraction
    kparams[_kernel.P_SCHEME] = {"euler": 0.0, "rk2": 1.0, "midpoint": 2.0}[params.scheme]
    if land is not None:
        cells = np.ascontiguousarray(land.cells, dtype=np.uint8)
        kparams[_kernel.P_LAND_LON0] = land.lon0
        kparams[_kernel.P_LAND_LAT0] = land.lat0
        kparams[_kernel.P_LAND_CELL] = land.cell_deg
    else:
        cells = np.zeros((0, 0), np.uint8)
    # the farthest a particle can drift in one kernel call, plus diffusion and a margin
    chunk_s = params.dt_s * min(per_out, _CHUNK_STEPS)
    pad_m = (
        1.5 * _drift_bound(state, forcing) * chunk_s
        + 6.0 * np.sqrt(2.0 * params.diffusivity_m2_s * chunk_s)
        + 2000.0
    )
    all_idx = np.arange(n, dtype=np.int64)
    zeros_k = np.zeros(n, np.int32)
    pending = np.full(n, -1, np.int32)
    # sine and cosine of the latitudes, carried by the kernel from step to step
    trig = (np.sin(np.radians(state.lat)), np.cos(np.radians(state.lat)))
    # the kernel's predicted midpoints and near-land flags, reused by every call
    scratch = (np.empty(n), np.empty(n), np.empty(n, np.uint8))
    times = start + (sign * params.output_every_s * np.arange(n_out + 1)).astype("timedelta64[s]")
    exact_tests = 0
    total = per_out * n_out
    # the fields' time indices and weights at every step's start and middle, once
    step_all = dt * np.arange(total, dtype=np.float64)
    t_all = np.stack([step_all, step_all + 0.5 * dt], axis=1)
    time_index = [
        _time_index(f, t_all, start) for f in (forcing.current, forcing.wind, forcing.stokes)
    ]
    if on_output is not None:
        on_output(0, times[0], state)
    # load the compiled kernels (numba cache) before timing: empty calls dispatch them
    _kernel.moving_bbox(state.lon[:0], state.lat[:0], state.status[:0])
    _advance_chunk(
        state, forcing, start, 0, 1, dt, key, kparams, cells, pad_m, land,
        all_idx[:0], zeros_k[:0], pending, trig, scratch,
        (np.inf, np.inf, -np.inf, -np.inf), time_index,
    )  # fmt: skip
    compute_s = 0.0
    tic = time.perf_counter()
    # the first chunk's crop; each kernel call returns the next one's
    bbox = _kernel.moving_bbox(state.lon, state.lat, state.status)
    compute_s += time.perf_counter() - tic
    for o in range(n_out):
        tic = time.perf_counter()
        for c0 in range(0, per_out, _CHUNK_STEPS):
            nsub = min(_CHUNK_STEPS, per_out - c0)
            exact, bbox = _advance_chunk(
                state, forcing, start, o * per_out + c0, nsub, dt, key, kparams, cells, pad_m,
                land, all_idx, zeros_k, pending, trig, scratch, bbox, time_index,
            )  # fmt: skip
            exact_tests += exact
        compute_s += time.perf_counter() - tic
        if on_output is not None:
            on_output(o + 1, times[o + 1], state)
        if progress is not None:
            progress((o + 1) * per_out, total)
    return RunInfo(n=n, steps=total, times=times, exact_land_tests=exact_tests, compute_s=compute_s)


def compiled_in_process(kernels: tuple[object, ...] | None = None) -> bool:
    """Whether this process compiled a drift kernel that numba's cache did not hold.

    That is the first run after an install or an upgrade (``sarwatch compile`` does it
    ahead); the run then took some 30 s longer. ``kernels`` (numba dispatchers) default to
    those of the particles and of the statistics.
    """
    if kernels is None:
        from sarwatch.drift import _cloud

        kernels = tuple(
            k for m in (_kernel, _cloud) for k in vars(m).values() if hasattr(k, "stats")
        )
    return any(sum(k.stats.cache_misses.values()) > 0 for k in kernels)  # type: ignore[attr-defined]
