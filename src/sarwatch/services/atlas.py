"""Use case: a drift atlas, many scenarios as Dask tasks, reduced to counts.

:func:`run_atlas` runs one drift scenario per (departure, start time) as a
``dask.distributed`` task (a :class:`~distributed.LocalCluster` by default, or the
scheduler at ``tcp://HOST:PORT``) and sums the clouds into probability-of-presence
grids per lead time and SAR-region shares (:mod:`sarwatch.drift.atlas_grid`).

- **Seeds.** Each scenario's seed comes from a :class:`numpy.random.SeedSequence`
  over (base seed, departure position, start time): the same scenario draws the same
  particles on any worker, in any order, so the atlas does not depend on the number
  of workers (the partial counts are integers and add up exactly).
- **Forcing.** Tasks carry the file *paths* (a small, hashable :class:`ForcingSpec`),
  never arrays. Each worker process opens the files lazily with xarray and loads the
  window of a block of start times once (:func:`_worker_forcing`, cached per worker
  and block); on-scene values are built in the task (a few numbers).
- **Failures.** Tasks are retried ``retries`` times; a task that still fails is
  reported in :attr:`AtlasResult.failures` (departure, start time, error) and its
  particles are not counted; the atlas says how many scenarios it holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from sarwatch import __version__
from sarwatch.drift.atlas_grid import AtlasCounts, AtlasGrid, PartialCounts, reduce_positions
from sarwatch.drift.config import DriftConfig, check_limits
from sarwatch.drift.forcing import Forcing, VectorField
from sarwatch.errors import InputError, PositionOnLandError

__all__ = [
    "AtlasRequest",
    "AtlasResult",
    "Departure",
    "ForcingSpec",
    "ScenarioTask",
    "run_atlas",
    "run_scenario",
    "scenario_seed",
    "start_times",
]

#: Start times whose forcing a worker loads at once (one block: its window read once).
FORCING_BLOCK = timedelta(days=7)


@dataclass(frozen=True)
class Departure:
    """A departure point: a name and a position at sea (degrees)."""

    name: str
    lon: float
    lat: float


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


@dataclass(frozen=True)
class AtlasRequest:
    """An atlas: departures × start times, one drift configuration, one forcing.

    Attributes
    ----------
    departures
        Where the boats leave from (at sea).
    start_first, start_last, every
        Start times from ``start_first`` to ``start_last`` (inclusive, aware UTC)
        every ``every``.
    config
        The drift options (object class, hours, particles, time step ...); the lead
        times are its output times (``output_min``).
    forcing
        Files or on-scene values.
    grid
        The presence grid.
    base_seed
        Mixed into every scenario's seed (:func:`scenario_seed`).
    retries
        How many times a failed task is retried before it is reported.
    """

    departures: tuple[Departure, ...]
    start_first: datetime
    start_last: datetime
    every: timedelta
    config: DriftConfig
    forcing: ForcingSpec
    grid: AtlasGrid
    base_seed: int = 0
    retries: int = 1

    def check(self) -> None:
        """Refuse an empty atlas, bad times or options before any task starts."""
        from sarwatch.geo.coast import REGION

        if not self.departures:
            raise InputError("an atlas needs at least one departure")
        for d in self.departures:
            if not bool(REGION.contains(d.lon, d.lat)):
                raise InputError(
                    f"departure {d.name} ({d.lat:.4f}N {d.lon:.4f}E) lies outside the packaged "
                    f"region {REGION}; atlases run inside it"
                )
        for what, t in (("--from", self.start_first), ("--to", self.start_last)):
            if t.tzinfo is None:
                raise InputError(f"{what} {t.isoformat()} has no time zone; give UTC")
        if self.start_last < self.start_first:
            raise InputError("--to is before --from: give the first start time first")
        if self.every <= timedelta(0):
            raise InputError("--every must be a positive interval such as 6h")
        if self.config.backward:
            raise InputError("atlases run forward in time")
        if not 0 <= self.base_seed <= 2**32 - 1:
            raise InputError("--seed must be a whole number from 0 to 2**32 - 1")
        if self.retries < 0:
            raise InputError("retries must be >= 0")
        self.config.check()
        self.forcing.check()


def start_times(first: datetime, last: datetime, every: timedelta) -> list[datetime]:
    """``first, first + every, ...`` up to ``last`` inclusive.

    Examples
    --------
    >>> t0 = datetime(2024, 1, 1, tzinfo=UTC)
    >>> [t.hour for t in start_times(t0, t0 + timedelta(hours=12), timedelta(hours=6))]
    [0, 6, 12]
    """
    out = []
    t = first
    while t <= last:
        out.append(t)
        t += every
    return out


def scenario_seed(departure: Departure, start: datetime, base_seed: int) -> int:
    """The 32-bit seed of one scenario, from (base seed, position, start time).

    The position is taken to 1e-5 degree (about 1 m) and the start to the second, so a
    scenario keeps its seed whatever else the atlas holds.

    Examples
    --------
    >>> d = Departure("A", 12.1, 32.9)
    >>> t = datetime(2024, 1, 1, tzinfo=UTC)
    >>> scenario_seed(d, t, 7) == scenario_seed(d, t, 7) != scenario_seed(d, t, 8)
    True
    """
    entropy = [
        int(base_seed),
        round((departure.lon + 360.0) * 1e5),
        round((departure.lat + 90.0) * 1e5),
        int(start.astimezone(UTC).timestamp()),
    ]
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint32)[0])


def _to64(t: datetime) -> np.datetime64:
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
        "t_first": _to64(block0),
        "t_last": _to64(block1),
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


@dataclass(frozen=True)
class _Shared:
    """What every task of an atlas shares (small; pickled with each task)."""

    config: DriftConfig
    forcing: ForcingSpec
    grid: AtlasGrid
    region_ids: tuple[str, ...]
    first: datetime
    last: datetime
    centre: tuple[float, float]
    margin_deg: float
    cache_dir: str | None


def run_scenario(task: ScenarioTask, shared: _Shared) -> PartialCounts:
    """Run one scenario and reduce its cloud at every lead time (a Dask task).

    Raises
    ------
    PositionOnLandError
        A departure on land.
    ForcingError
        Forcing that does not cover the scenario.
    """
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        return _run_scenario(task, shared)
    finally:
        numba.set_num_threads(before)


def _run_scenario(task: ScenarioTask, shared: _Shared) -> PartialCounts:
    from sarwatch.drift.engine import simulate
    from sarwatch.drift.leeway import resolve_object
    from sarwatch.drift.seeding import Scenario, seed_scenarios
    from sarwatch.drift.state import ACTIVE, STRANDED, ParticleState
    from sarwatch.geo.coast import land_mask
    from sarwatch.geo.srr import srr_membership

    cfg = shared.config
    cache = None if shared.cache_dir is None else Path(shared.cache_dir)
    land = land_mask(cache)
    dep = task.departure
    if bool(land.contains(dep.lon, dep.lat)):
        raise PositionOnLandError(
            f"departure {dep.name} ({dep.lat:.5f}N {dep.lon:.5f}E) is on land; give a point at sea"
        )
    block = (task.start - shared.first) // FORCING_BLOCK
    block0 = shared.first + block * FORCING_BLOCK
    # the block's last start (never past the atlas's) plus the run
    block1 = min(block0 + FORCING_BLOCK, shared.last) + timedelta(hours=cfg.hours)
    with _forcing_lock:  # threads of one worker open the block once
        forcing = _worker_forcing(shared.forcing, block0, block1, *shared.centre, shared.margin_deg)
    rng = np.random.default_rng(task.seed)
    obj = resolve_object(cfg.object_class)
    state = seed_scenarios(
        [Scenario(1.0, "point", dep.lon, dep.lat, obj, radius_m=cfg.radius_m)], cfg.particles, rng
    )
    lons: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    located: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    from sarwatch.drift.atlas_grid import membership_codes

    def on_output(k: int, t: np.datetime64, st: ParticleState) -> None:
        if k == 0:
            return  # lead 0 is the seeding, not a lead time
        ok = (st.status == ACTIVE) | (st.status == STRANDED)
        lon, lat = st.lon.copy(), st.lat.copy()
        code = np.zeros(st.n, np.int64)
        code[ok] = membership_codes(srr_membership(lon[ok], lat[ok]), shared.region_ids)
        lons.append(lon)
        lats.append(lat)
        located.append(ok)
        codes.append(code)

    simulate(state, forcing, _to64(task.start), cfg.params(), rng, land=land, on_output=on_output)
    return reduce_positions(shared.grid, lons, lats, located, codes, len(shared.region_ids))


@dataclass(frozen=True)
class Failure:
    """A scenario that failed after its retries: which, and why."""

    departure: str
    start: datetime
    error: str


@dataclass
class AtlasResult:
    """An atlas: the summed counts, the lead times, failures and provenance."""

    counts: AtlasCounts
    lead_hours: tuple[float, ...]
    region_ids: tuple[str, ...]
    failures: list[Failure]
    provenance: dict[str, Any]
    wall_s: float = 0.0
    tasks_s: float = 0.0
    dashboard: str | None = None
    tasks: int = 0
    seeds: dict[str, list[int]] = field(default_factory=dict)


def _forcing_files(spec: ForcingSpec) -> list[dict[str, Any]]:
    from sarwatch.services.provenance import file_digest

    out = []
    for role, paths in (("wind", spec.winds), ("current", spec.currents), ("stokes", spec.stokes)):
        for p in paths:
            path = Path(p)
            out.append(
                {
                    "role": role,
                    "file": path.name,
                    "bytes": path.stat().st_size,
                    "sha256": file_digest(path),
                }
            )
    return out


def _client(workers: int, scheduler: str | None, processes: bool) -> tuple[Any, Any]:
    """A distributed client: the given scheduler, else a new LocalCluster."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - the dask extra is a dependency
        raise InputError('atlases need dask.distributed: pip install "sarwatch[dask]"') from exc
    if scheduler is not None:
        try:
            return Client(scheduler, timeout="20s"), None
        except OSError as exc:
            raise InputError(
                f"no Dask scheduler answers at {scheduler} ({exc}); start one with "
                "`dask scheduler` and workers with `dask worker`, or leave --scheduler out"
            ) from exc
    if workers < 1:
        raise InputError("--workers must be at least 1")
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=processes,
        dashboard_address=":0",
        silence_logs=40,
    )
    return Client(cluster), cluster


def run_atlas(
    req: AtlasRequest,
    *,
    workers: int = 2,
    scheduler: str | None = None,
    processes: bool = True,
    cache_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_start: Callable[[str | None], None] | None = None,
) -> AtlasResult:
    """Run an atlas on Dask and sum it.

    Parameters
    ----------
    req
        The atlas.
    workers
        Worker processes (threads when ``processes`` is false) of the LocalCluster.
    scheduler
        ``tcp://HOST:PORT`` of a running scheduler (its workers must have sarwatch
        and see the forcing files at the same paths); ``None`` for a LocalCluster.
    processes
        Worker processes (default) or threads of this process.
    cache_dir
        The coastline cache (default: the user cache directory).
    progress
        Called as ``progress(done, total)`` as tasks finish.
    on_start
        Called with the dashboard link (or ``None``) once the cluster is up.

    Raises
    ------
    InputError
        A bad request or an unreachable scheduler.
    """
    from dask.distributed import as_completed

    from sarwatch.geo.srr import sar_regions

    req.check()
    wall0 = time.perf_counter()
    starts = start_times(req.start_first, req.start_last, req.every)
    tasks = [
        ScenarioTask(i, d, t, scenario_seed(d, t, req.base_seed))
        for i, (t, d) in enumerate((t, d) for t in starts for d in req.departures)
    ]
    region_ids = tuple(r.srr_id for r in sar_regions())
    lons = [d.lon for d in req.departures]
    lats = [d.lat for d in req.departures]
    reach = float(np.clip(3.0 * req.config.hours * 3600.0 / 111_000.0, 2.0, 20.0))
    half = max(max(lons) - min(lons), max(lats) - min(lats)) / 2.0
    shared = _Shared(
        config=req.config,
        forcing=req.forcing,
        grid=req.grid,
        region_ids=region_ids,
        first=req.start_first,
        last=starts[-1],
        centre=((max(lons) + min(lons)) / 2.0, (max(lats) + min(lats)) / 2.0),
        margin_deg=half + reach,
        cache_dir=None if cache_dir is None else str(cache_dir),
    )
    _, n_out = req.config.params().steps()
    counts = AtlasCounts(req.grid, n_out, len(region_ids))
    failures: list[Failure] = []
    client, cluster = _client(workers, scheduler, processes)
    try:
        link = client.dashboard_link if _has_dashboard() else None
        if on_start is not None:
            on_start(link)
        t_submit = time.perf_counter()
        futures = {
            client.submit(
                run_scenario, t, shared, retries=req.retries, key=f"atlas-scenario-{t.index}"
            ): t
            for t in tasks
        }
        for done, fut in enumerate(as_completed(futures), start=1):
            task = futures[fut]
            if fut.status == "finished":
                counts.add(fut.result())
            else:
                exc = fut.exception()
                failures.append(
                    Failure(task.departure.name, task.start, f"{type(exc).__name__}: {exc}")
                )
            fut.release()
            if progress is not None:
                progress(done, len(tasks))
        tasks_s = time.perf_counter() - t_submit
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    failures.sort(key=lambda f: (f.start, f.departure))
    lead_hours = tuple((k + 1) * req.config.output_min / 60.0 for k in range(n_out))
    provenance = {
        "sarwatch_version": __version__,
        "object_class": req.config.object_class,
        "particles_per_scenario": req.config.particles,
        "hours": req.config.hours,
        "dt_min": req.config.dt_min,
        "scheme": req.config.scheme,
        "radius_m": req.config.radius_m,
        "base_seed": req.base_seed,
        "seed_rule": "numpy SeedSequence([base_seed, round((lon+360)*1e5), "
        "round((lat+90)*1e5), unix start s]).generate_state(1, uint32)",
        "departures": [{"name": d.name, "lon": d.lon, "lat": d.lat} for d in req.departures],
        "start_first": req.start_first.astimezone(UTC).isoformat(),
        "start_last": req.start_last.astimezone(UTC).isoformat(),
        "every_h": req.every.total_seconds() / 3600.0,
        "forcing": {
            "files": _forcing_files(req.forcing),
            "on_scene": {
                k: getattr(req.forcing, k)
                for k in (
                    "wind_kn",
                    "wind_from_deg",
                    "current_kn",
                    "current_to_deg",
                    "wind_sigma_kn",
                    "current_sigma_kn",
                )
                if getattr(req.forcing, k) is not None
            },
        },
        "scenarios": [
            {
                "departure": t.departure.name,
                "start": t.start.astimezone(UTC).isoformat(),
                "seed": t.seed,
            }
            for t in tasks
        ],
    }
    return AtlasResult(
        counts=counts,
        lead_hours=lead_hours,
        region_ids=region_ids,
        failures=failures,
        provenance=provenance,
        wall_s=time.perf_counter() - wall0,
        tasks_s=tasks_s,
        dashboard=link,
        tasks=len(tasks),
    )


def _has_dashboard() -> bool:
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True
