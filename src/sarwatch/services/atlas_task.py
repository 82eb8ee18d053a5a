"""The worker side of a drift atlas: a batch of scenarios as one Dask task.

:func:`run_batch` runs several scenarios one after the other in a worker and sums
their clouds there, so one small sparse :class:`~sarwatch.drift.atlas_grid.PartialCounts`
travels back per batch instead of one per scenario. What a worker builds once and
keeps (per process, :func:`functools.lru_cache`): the land mask, the SAR-region
raster (:mod:`sarwatch.geo.srr_raster`), the object class's coefficients, the forcing
of a block of start times, and the compiled kernel.

- **One numba thread per task.** The kernel is parallel (``prange``); an atlas's
  parallelism is its workers, and a parallel kernel in every worker thread
  oversubscribes the cores: each of the ~200 kernel calls of a 48 h scenario (most
  of them the re-calls after exact coast tests, a few dozen particles each) then
  waits on an OpenMP barrier. A task runs the kernel on one thread
  (``numba.set_num_threads``, which is per calling thread) and restores the setting.
- **Regions by raster.** A particle's membership class is one lookup in a 0.02°
  raster, exact: particles within two cells of a region boundary are tested against
  the polygons (:class:`~sarwatch.geo.srr_raster.SrrRaster`).
- **Errors.** A scenario whose input is wrong (a :class:`~sarwatch.errors.SarwatchError`:
  departure on land, forcing that does not cover it) fails the same way on any retry:
  it is returned as a failure of that scenario and the others of the batch are counted.
  Anything else (a lost worker, an I/O error) fails the task, which Dask retries.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sarwatch.drift.atlas_grid import AtlasCounts, AtlasGrid, PartialCounts
from sarwatch.drift.config import DriftConfig, check_limits
from sarwatch.drift.forcing import Forcing, VectorField
from sarwatch.errors import InputError, PositionOnLandError, SarwatchError

__all__ = [
    "FORCING_BLOCK",
    "BatchResult",
    "Departure",
    "ForcingSpec",
    "ScenarioTask",
    "TaskContext",
    "run_batch",
]

#: Start times whose forcing a worker loads at once (one block: its window read once).
FORCING_BLOCK = timedelta(days=7)

#: Cell of the SAR-region raster, degrees (the band tested exactly is 5 cells wide).
REGION_RASTER_DEG = 0.02


@dataclass(frozen=True)
class Departure:
    """A departure point: a name, a position at sea (degrees) and where it comes from.

    ``point`` says which point this is (a port's departure point at sea, a port moved to
    the nearest sea point, a row of the user's file); it goes into the provenance and
    takes no part in the scenario's seed.
    """

    name: str
    lon: float
    lat: float
    point: str = ""


@dataclass(frozen=True)
class ForcingSpec:
    """What drives every scenario: files (by path) or on-scene constant values.

    Small and hashable: it travels with each task and keys each worker's cache.
    Speeds in knots; wind *from*, current *towards*, degrees true.
    """

    winds: tuple[str, ...] = ()
    currents: tuple[str, ...] = ()
    stokes: tuple[str, ...] = ()
    wind_kn: float | None = None
    wind_from_deg: float | None = None
    current_kn: float | None = None
    current_to_deg: float | None = None
    wind_sigma_kn: float = 0.0
    current_sigma_kn: float = 0.0

    def check(self) -> None:
        """Refuse a wind or current speed without its direction, and values out of range."""
        check_limits(
            {
                "wind_kn": self.wind_kn,
                "wind_from_deg": self.wind_from_deg,
                "current_kn": self.current_kn,
                "current_to_deg": self.current_to_deg,
            }
        )
        if not self.winds and self.wind_kn is not None and self.wind_from_deg is None:
            raise InputError("an on-scene wind speed needs its direction: give --wind-from")
        if not self.currents and self.current_kn is not None and self.current_to_deg is None:
            raise InputError("an on-scene current speed needs its direction: give --current-to")
        if not self.winds and self.wind_kn is None:
            raise InputError(
                "an atlas needs a wind: give wind files (--winds) or --wind-kn and --wind-from"
            )


@dataclass(frozen=True)
class ScenarioTask:
    """One scenario: a departure, a start time (UTC) and its seed."""

    index: int
    departure: Departure
    start: datetime
    seed: int
    departure_index: int = 0


@dataclass(frozen=True)
class TaskContext:
    """What every task of an atlas shares (small; pickled with each task)."""

    config: DriftConfig
    forcing: ForcingSpec
    grid: AtlasGrid
    region_ids: tuple[str, ...]
    coast_states: tuple[str, ...]
    departures: int
    first: datetime
    last: datetime
    centre: tuple[float, float]
    margin_deg: float
    cache_dir: str | None


@dataclass(frozen=True)
class BatchResult:
    """What a batch sends back: its summed counts and the scenarios that failed.

    Attributes
    ----------
    counts
        The counted scenarios, summed (``None`` when every one failed).
    failed
        ``(scenario index, "ErrorType: message")`` of each scenario not counted.
    cpu_s
        CPU time of the task's thread, seconds (what the batch cost, whatever the load).
    """

    counts: PartialCounts | None
    failed: tuple[tuple[int, str], ...]
    cpu_s: float = 0.0


def to64(t: datetime) -> np.datetime64:
    """An aware datetime as ``datetime64[s]`` UTC."""
    return np.datetime64(t.astimezone(UTC).replace(tzinfo=None), "s")


_forcing_lock = threading.Lock()


@lru_cache(maxsize=2)
def _worker_forcing(
    spec: ForcingSpec, block0: datetime, block1: datetime, lon: float, lat: float, margin: float
) -> Forcing:
    """The forcing of one block of start times, opened once per worker process.

    The files are opened lazily with xarray; only the window of the block (its first
    start to its last start plus the run) and the area round the departures is read.
    """
    from sarwatch.adapters.forcing import current_towards, open_vector_field, wind_from

    kw: dict[str, Any] = {
        "t_first": to64(block0),
        "t_last": to64(block1),
        "lon": lon,
        "lat": lat,
        "margin_deg": margin,
    }
    wind: VectorField | None
    current: VectorField | None
    if spec.winds:
        wind = open_vector_field(spec.winds, "wind", **kw)
    else:
        assert spec.wind_kn is not None and spec.wind_from_deg is not None
        wind = wind_from(spec.wind_kn, spec.wind_from_deg, sigma_kn=spec.wind_sigma_kn)
    if spec.currents:
        current = open_vector_field(spec.currents, "current", **kw)
    elif spec.current_kn is not None and spec.current_to_deg is not None:
        current = current_towards(
            spec.current_kn, spec.current_to_deg, sigma_kn=spec.current_sigma_kn
        )
    else:
        current = None
    stokes = open_vector_field(spec.stokes, "stokes", **kw) if spec.stokes else None
    return Forcing(current=current, wind=wind, stokes=stokes)


def _window(field: VectorField | None, t0: np.datetime64, t1: np.datetime64) -> VectorField | None:
    """The time slices of ``field`` that bracket ``t0..t1`` (views, no copy).

    The engine bounds the drift speed by the field's largest value and interpolates
    between the slices round each step, so a scenario needs only its own window: the
    bound is then the scenario's, and scanning the block's whole week is saved.
    """
    if field is None or field.is_steady:
        return field
    i0 = max(int(np.searchsorted(field.times, t0, side="right")) - 1, 0)
    i1 = min(int(np.searchsorted(field.times, t1, side="left")) + 1, field.times.size)
    if i1 - i0 < 2:
        return field  # leave the engine's coverage messages to the whole field
    return replace(field, u=field.u[i0:i1], v=field.v[i0:i1], times=field.times[i0:i1])


def _scenario_forcing(task: ScenarioTask, ctx: TaskContext) -> Forcing:
    cfg = ctx.config
    block = (task.start - ctx.first) // FORCING_BLOCK
    block0 = ctx.first + block * FORCING_BLOCK
    # the block's last start (never past the atlas's) plus the run
    block1 = min(block0 + FORCING_BLOCK, ctx.last) + timedelta(hours=cfg.hours)
    with _forcing_lock:  # threads of one worker open the block once
        forcing = _worker_forcing(ctx.forcing, block0, block1, *ctx.centre, ctx.margin_deg)
    t0 = to64(task.start)
    t1 = to64(task.start + timedelta(hours=cfg.hours))
    return Forcing(
        current=_window(forcing.current, t0, t1),
        wind=_window(forcing.wind, t0, t1),
        stokes=_window(forcing.stokes, t0, t1),
    )


@contextmanager
def one_numba_thread() -> Iterator[None]:
    """Run the parallel kernel on one thread in this thread (restored on exit)."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _run_scenario(task: ScenarioTask, ctx: TaskContext, acc: AtlasCounts) -> None:
    """Run one scenario and add its cloud at every lead time to ``acc``.

    Nothing is added unless the whole scenario ran.

    Raises
    ------
    PositionOnLandError
        A departure on land.
    ForcingError
        Forcing that does not cover the scenario.
    """
    from sarwatch.drift.engine import simulate
    from sarwatch.drift.leeway import resolve_object
    from sarwatch.drift.seeding import Scenario, seed_at_sea
    from sarwatch.drift.state import ACTIVE, STRANDED, ParticleState
    from sarwatch.geo.coast import land_mask
    from sarwatch.geo.srr_raster import srr_raster
    from sarwatch.geo.zones import coast_index

    cfg = ctx.config
    land = land_mask(None if ctx.cache_dir is None else Path(ctx.cache_dir))
    dep = task.departure
    if bool(land.contains(dep.lon, dep.lat)):
        raise PositionOnLandError(
            f"departure {dep.name} ({dep.lat:.5f}N {dep.lon:.5f}E) is on land; give a point at sea"
        )
    forcing = _scenario_forcing(task, ctx)
    raster = srr_raster(ctx.region_ids, REGION_RASTER_DEG)
    rng = np.random.default_rng(task.seed)
    obj = resolve_object(cfg.object_class)
    # a boat leaves from the sea: starts that the spread puts on land are drawn again,
    # else they would strand at once and count as boats that reached land unaided
    scenario = Scenario(1.0, "point", dep.lon, dep.lat, obj, radius_m=cfg.radius_m)
    state = seed_at_sea([scenario], cfg.particles, rng, land)
    coast = coast_index(None if ctx.cache_dir is None else Path(ctx.cache_dir))
    cells: list[npt.NDArray[np.int64]] = []
    codes: list[npt.NDArray[np.int64]] = []
    ashore: list[npt.NDArray[np.int64]] = []
    # the State column of each particle's landfall, found once, when it strands (-1: afloat)
    landfall = np.full(state.n, -1, np.int64)

    def on_output(k: int, t: np.datetime64, st: ParticleState) -> None:
        if k == 0:
            return  # lead 0 is the seeding, not a lead time
        ok = np.flatnonzero((st.status == ACTIVE) | (st.status == STRANDED))
        lon, lat = st.lon[ok], st.lat[ok]
        cells.append(ctx.grid.cell_index(lon, lat))
        codes.append(raster.classify(lon, lat))
        stranded = np.flatnonzero(st.status == STRANDED)
        new = stranded[landfall[stranded] < 0]
        if new.size:
            landfall[new] = landfall_states(coast, st.lon[new], st.lat[new], ctx.coast_states)
        ashore.append(landfall[stranded])

    simulate(state, forcing, to64(task.start), cfg.params(), rng, land=land, on_output=on_output)
    acc.add_leads(cells, codes, particles=state.n, ashore=ashore, departure=task.departure_index)


#: A stranded particle farther than this from the packaged coast (metres) is ashore on an
#: unknown State's coast (outside the region the coast index covers).
LANDFALL_MAX_M = 5_000.0


def landfall_states(
    coast: Any,
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    states: tuple[str, ...],
) -> npt.NDArray[np.int64]:
    """The column in ``states`` of the State whose coast each stranded particle is on.

    The State of the nearest coast vertex of ``coast`` (a
    :class:`~sarwatch.geo.zones.CoastIndex`); the last column ("unknown") for a coast
    without a State or farther than :data:`LANDFALL_MAX_M`.
    """
    dist, vertex = coast.nearest(lon, lat)
    unknown = len(states) - 1
    column = {s: i for i, s in enumerate(states)}
    # the column of each of the coast index's States, looked up per particle by index
    of_state = np.array([column.get(c, unknown) for c in coast.states], np.int64)
    out = of_state[coast.state_index[vertex]]
    out[dist > LANDFALL_MAX_M] = unknown
    return out


def run_batch(tasks: tuple[ScenarioTask, ...], ctx: TaskContext) -> BatchResult:
    """Run scenarios one after the other and sum them (one Dask task).

    Scenarios whose input is wrong are returned as failures (see the module notes);
    any other exception fails the task, for Dask to retry.
    """
    cpu0 = time.thread_time()
    _, n_out = ctx.config.params().steps()
    # sparse: a batch occupies a few thousand cells of the departures' dense grids
    acc = AtlasCounts(
        ctx.grid, n_out, len(ctx.region_ids), len(ctx.coast_states), ctx.departures, sparse=True
    )
    failed: list[tuple[int, str]] = []
    with one_numba_thread():
        for task in tasks:
            try:
                _run_scenario(task, ctx, acc)
            except SarwatchError as exc:
                failed.append((task.index, f"{type(exc).__name__}: {exc}"))
    return BatchResult(
        counts=acc.to_partial() if acc.scenarios else None,
        failed=tuple(failed),
        cpu_s=time.thread_time() - cpu0,
    )
