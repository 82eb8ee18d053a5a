"""Use case: a drift atlas, many scenarios as Dask tasks, reduced to counts.

:func:`run_atlas` runs one drift scenario per (departure, start time) on
``dask.distributed`` (a :class:`~distributed.LocalCluster` by default, or the
scheduler at ``tcp://HOST:PORT``), a *batch* of consecutive scenarios per task
(:func:`sarwatch.services.atlas_task.run_batch`, which sums its batch in the worker),
and sums the batches into probability-of-presence grids per lead time and SAR-region
shares (:mod:`sarwatch.drift.atlas_grid`).

- **Seeds.** Each scenario's seed comes from a :class:`numpy.random.SeedSequence`
  over (base seed, departure position, start time): the same scenario draws the same
  particles on any worker, in any batch, in any order, so the atlas does not depend on
  the number of workers or the batch size (the partial counts are integers and add
  up exactly).
- **Forcing.** Tasks carry the file *paths* (a small, hashable :class:`ForcingSpec`),
  never arrays. Each worker process opens the files lazily with xarray and loads the
  window of a block of start times once (cached per worker and block).
- **Failures.** A scenario whose input is wrong (on land, forcing that does not cover
  it) is reported at once: a retry would fail the same way. A task that fails
  otherwise is retried ``retries`` times; if it still fails, each of its scenarios is
  run alone (again with retries), and those that still fail are reported in
  :attr:`AtlasResult.failures` (departure, start time, error); their particles are
  not counted, and the atlas says how many scenarios it holds.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from sarwatch import __version__
from sarwatch.drift.atlas_grid import AtlasCounts, AtlasGrid
from sarwatch.drift.config import DriftConfig
from sarwatch.errors import InputError
from sarwatch.services.atlas_task import (
    LANDFALL_MAX_M,
    REGION_RASTER_DEG,
    BatchResult,
    Departure,
    ForcingSpec,
    ScenarioTask,
    TaskContext,
    run_batch,
)

__all__ = [
    "AtlasRequest",
    "AtlasResult",
    "Departure",
    "ForcingSpec",
    "ScenarioTask",
    "batch_size",
    "coast_states_of",
    "run_atlas",
    "scenario_seed",
    "start_times",
]


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
        names = [d.name for d in self.departures]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice or not all(n.strip() for n in names):
            what = f"named twice: {', '.join(map(repr, twice))}" if twice else "without a name"
            raise InputError(
                f"departures {what}; each departure needs its own name (the file and "
                "`atlas-map --departure NAME` tell them apart by it)"
            )
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


@dataclass(frozen=True)
class Failure:
    """A scenario that failed after its retries: which, and why."""

    departure: str
    start: datetime
    error: str


@dataclass
class AtlasResult:
    """An atlas: the summed counts, the lead times, failures and provenance.

    ``wall_s`` is the whole run (cluster start-up included), ``tasks_s`` first submit
    to last result, ``task_cpu_s`` the CPU time the finished tasks spent (thread time,
    seconds), ``tasks`` the scenarios and ``batch`` the scenarios per task.
    """

    counts: AtlasCounts
    lead_hours: tuple[float, ...]
    region_ids: tuple[str, ...]
    failures: list[Failure]
    provenance: dict[str, Any]
    coast_states: tuple[str, ...] = ("",)
    wall_s: float = 0.0
    tasks_s: float = 0.0
    dashboard: str | None = None
    tasks: int = 0
    batch: int = 0
    task_cpu_s: float = 0.0
    seeds: dict[str, list[int]] = field(default_factory=dict)


def coast_states_of(cache_dir: Path | None = None) -> tuple[str, ...]:
    """The States with a coast in the packaged region (ISO 3166 alpha-2, sorted), then
    ``""`` for a coast of unknown State: the columns of the atlas's ashore counts."""
    from sarwatch.geo.zones import coast_index

    coast = coast_index(cache_dir)
    seen = {coast.states[i] for i in np.unique(coast.state_index)}
    return (*sorted(seen - {""}), "")


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
    # The dashboards have no authentication: this machine only, not the ship's LAN
    # (":0" listened on every interface; in-thread workers open one each as well).
    local: dict[str, Any] = {} if processes else {"worker_dashboard_address": "127.0.0.1:0"}
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=processes,
        dashboard_address="127.0.0.1:0",
        silence_logs=40,
        **local,
    )
    return Client(cluster), cluster


def _dashboard_link(client: Any, cluster: Any) -> str | None:
    """The dashboard's address as it listens (a LocalCluster's on 127.0.0.1; Dask's own
    link names the machine's outside address for in-thread clusters)."""
    if not _has_dashboard():
        return None
    if cluster is None:
        return str(client.dashboard_link)
    port = client.scheduler_info().get("services", {}).get("dashboard")
    return f"http://127.0.0.1:{port}/status" if port else None


def batch_size(scenarios: int, threads: int) -> int:
    """Scenarios per task: at most 16, and at least 4 tasks per worker thread.

    Examples
    --------
    >>> batch_size(1000, 2), batch_size(6, 2), batch_size(40, 1)
    (16, 1, 10)
    """
    return max(1, min(16, scenarios // (4 * max(threads, 1))))


def run_atlas(
    req: AtlasRequest,
    *,
    workers: int = 2,
    scheduler: str | None = None,
    processes: bool = True,
    cache_dir: Path | None = None,
    batch: int | None = None,
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
    batch
        Scenarios per task (consecutive ones: the same start times, so the same
        forcing block); default :func:`batch_size`. The grids do not depend on it.
    progress
        Called as ``progress(done, total)`` (scenarios) as tasks finish.
    on_start
        Called with the dashboard link (or ``None``) once the cluster is up.

    Raises
    ------
    InputError
        A bad request or an unreachable scheduler.
    """
    import uuid

    from dask.distributed import as_completed

    from sarwatch.geo.srr import sar_regions

    req.check()
    if batch is not None and batch < 1:
        raise InputError(f"--batch must be at least 1 scenario per task, got {batch}")
    wall0 = time.perf_counter()
    starts = start_times(req.start_first, req.start_last, req.every)
    tasks = [
        ScenarioTask(i, d, t, scenario_seed(d, t, req.base_seed), j)
        for i, (t, (j, d)) in enumerate((t, jd) for t in starts for jd in enumerate(req.departures))
    ]
    region_ids = tuple(r.srr_id for r in sar_regions())
    coast_states = coast_states_of(cache_dir)
    lons = [d.lon for d in req.departures]
    lats = [d.lat for d in req.departures]
    reach = float(np.clip(3.0 * req.config.hours * 3600.0 / 111_000.0, 2.0, 20.0))
    half = max(max(lons) - min(lons), max(lats) - min(lats)) / 2.0
    ctx = TaskContext(
        config=req.config,
        forcing=req.forcing,
        grid=req.grid,
        region_ids=region_ids,
        coast_states=coast_states,
        departures=len(req.departures),
        first=req.start_first,
        last=starts[-1],
        centre=((max(lons) + min(lons)) / 2.0, (max(lats) + min(lats)) / 2.0),
        margin_deg=half + reach,
        cache_dir=None if cache_dir is None else str(cache_dir),
    )
    _, n_out = req.config.params().steps()
    counts = AtlasCounts(req.grid, n_out, len(region_ids), len(coast_states), len(req.departures))
    failures: list[Failure] = []
    client, cluster = _client(workers, scheduler, processes)
    try:
        link = _dashboard_link(client, cluster)
        if on_start is not None:
            on_start(link)
        per_task = batch or batch_size(len(tasks), sum(client.nthreads().values()))
        run = uuid.uuid4().hex[:8]  # keys unique to this atlas on a shared scheduler
        t_submit = time.perf_counter()

        def submit(part: tuple[ScenarioTask, ...]) -> Any:
            key = f"atlas-{run}-{part[0].index}-{len(part)}"
            return client.submit(run_batch, part, ctx, retries=req.retries, key=key)

        batches = {
            submit(part): part
            for part in (tuple(tasks[i : i + per_task]) for i in range(0, len(tasks), per_task))
        }
        done = 0
        task_cpu_s = 0.0
        queue = as_completed(batches)
        for fut in queue:
            part = batches.pop(fut)
            if fut.status == "finished":
                res: BatchResult = fut.result()
                task_cpu_s += res.cpu_s
                if res.counts is not None:
                    counts.add(res.counts)
                for index, error in res.failed:
                    failures.append(Failure(tasks[index].departure.name, tasks[index].start, error))
                done += len(part)
            elif len(part) > 1:  # failed after its retries: run each scenario alone
                for one in part:
                    single = submit((one,))
                    batches[single] = (one,)
                    queue.add(single)
            else:
                exc = fut.exception() if fut.status == "error" else None
                error = f"{type(exc).__name__}: {exc}" if exc is not None else f"task {fut.status}"
                failures.append(Failure(part[0].departure.name, part[0].start, error))
                done += 1
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
        "output_min": req.config.output_min,
        "scenarios_per_task": per_task,
        # every drift option, defaults included (they may change between versions)
        "drift_config": dataclasses.asdict(req.config),
        "grid": dataclasses.asdict(req.grid),
        "seeding": (
            f"{req.config.particles} particles per scenario in a Gaussian spread of "
            f"radius_m (sigma per axis) round the departure; starts on land drawn again "
            "until at sea"
        ),
        "region_classification": (
            f"membership class by a {REGION_RASTER_DEG:g} degree raster, exact: particles "
            "within two cells of a region boundary tested against the polygons"
        ),
        "landfall_rule": (
            "a stranded particle is ashore on the State of the nearest packaged coast vertex "
            f"(GSHHG coast, Natural Earth countries), unknown beyond {LANDFALL_MAX_M:g} m"
        ),
        "base_seed": req.base_seed,
        "seed_rule": "numpy SeedSequence([base_seed, round((lon+360)*1e5), "
        "round((lat+90)*1e5), unix start s]).generate_state(1, uint32)",
        "departures": [
            {"name": d.name, "lon": d.lon, "lat": d.lat, "point": d.point} for d in req.departures
        ],
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
        coast_states=coast_states,
        failures=failures,
        provenance=provenance,
        wall_s=time.perf_counter() - wall0,
        tasks_s=tasks_s,
        dashboard=link,
        tasks=len(tasks),
        batch=per_task,
        task_cpu_s=task_cpu_s,
    )


def _has_dashboard() -> bool:
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True
