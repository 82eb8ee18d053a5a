"""Use case: predict where a drifting boat is (or came from).

:func:`predict_drift` puts the pieces together: resolve the object class, seed
the particles, read the forcing (files or on-scene observations), run the core
engine with the full-resolution coastline, summarise every output time
(centroid, spread, status counts, SAR-region shares, 50/90/95 % containment
polygons) and, when asked, write the outputs (CF trajectory NetCDF, GeoJSON,
PNG map, summary JSON).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from sarwatch import __version__
from sarwatch.domain.case import require_utc
from sarwatch.domain.intake import check_time_floor
from sarwatch.drift.config import DriftConfig, check_limits
from sarwatch.drift.engine import simulate
from sarwatch.drift.forcing import Forcing, VectorField
from sarwatch.drift.leeway import ObjectMixture, resolve_object
from sarwatch.drift.result import (
    DriftResult,
    ForcingProvenance,
    RunSummary,
    Snapshot,
    Start,
)
from sarwatch.drift.seeding import Scenario, seed_at_sea
from sarwatch.drift.state import NO_FORCING, ParticleState
from sarwatch.errors import ForcingError, InputError, PositionOnLandError, SarwatchError
from sarwatch.geo.position import format_position
from sarwatch.services.drift_outputs import check_outputs
from sarwatch.services.drift_stats import category_counts, containment_polygons, snapshot
from sarwatch.services.forcing_checks import check_field_values
from sarwatch.services.forcing_library import ForcingSource
from sarwatch.services.provenance import forcing_inputs

__all__ = [
    "DriftConfig",
    "DriftRequest",
    "DriftResult",
    "ScenarioSpec",
    "check_drift_request",
    "check_outputs",
    "containment_polygons",
    "predict_drift",
]


@dataclass(frozen=True)
class ScenarioSpec:
    """A seeding scenario as the user gives it (times aware UTC, radii in metres).

    ``kind`` is ``point``, ``circle``, ``line`` or ``cone``; ``lon2/lat2/time2`` are the
    second end of a line or cone; ``obj`` overrides the request's object class.
    """

    kind: Literal["point", "circle", "line", "cone"]
    lon: float
    lat: float
    weight: float = 1.0
    radius_m: float = 500.0
    lon2: float | None = None
    lat2: float | None = None
    radius2_m: float | None = None
    time: datetime | None = None
    time2: datetime | None = None
    obj: str | None = None


@dataclass(frozen=True, kw_only=True)
class DriftRequest(DriftConfig):
    """Everything a drift run needs: the start, the forcing and a :class:`DriftConfig`.

    The options with defaults (object class, hours, particles, time step, physics ...)
    are those of :class:`~sarwatch.drift.config.DriftConfig`, written once there.

    Attributes
    ----------
    lon, lat, time
        Last known position (degrees) and time (timezone-aware; UTC inside).
    currents, winds, stokes
        CF-NetCDF files (several are concatenated in time).
    wind_kn, wind_from_deg
        On-scene wind (used when no wind files are given).
    current_kn, current_to_deg
        On-scene current (used when no current files are given; none means zero).
    wind_obs, current_obs
        On-scene time series ``(time, speed_kn, direction_deg)`` (wind *from*, current
        *towards*), linear between observations; they must cover the run. They take the
        place of the constant values; the ``*_sigma_kn`` uncertainties apply.
    seed
        Random seed; ``None`` draws one (it is recorded in every output).
    scenarios
        Several weighted seeding scenarios; replaces the single point when given.
    forcing_sources
        The files above that came from the station's forcing library, with their
        product (:func:`sarwatch.services.forcing_choice.library_forcing` fills it);
        the run's record names each product, run time and hash.
    """

    lon: float
    lat: float
    time: datetime
    currents: tuple[Path, ...] = ()
    winds: tuple[Path, ...] = ()
    stokes: tuple[Path, ...] = ()
    wind_kn: float | None = None
    wind_from_deg: float | None = None
    current_kn: float | None = None
    current_to_deg: float | None = None
    wind_obs: tuple[tuple[datetime, float, float], ...] = ()
    current_obs: tuple[tuple[datetime, float, float], ...] = ()
    seed: int | None = None
    scenarios: tuple[ScenarioSpec, ...] = ()
    forcing_sources: tuple[ForcingSource, ...] = ()

    @property
    def config(self) -> DriftConfig:
        """The request's options alone."""
        return DriftConfig(**{f.name: getattr(self, f.name) for f in fields(DriftConfig)})


def _to_utc64(t: datetime, what: str) -> np.datetime64:
    """A UTC time as numpy seconds; a time before 1990 (a mistyped year) is refused, as
    the case ledger refuses it."""
    t = check_time_floor(require_utc(t, what), what)
    return np.datetime64(t.replace(tzinfo=None), "s")


def _vector_source(
    kind: Literal["wind", "current"],
    files: tuple[Path, ...],
    observations: tuple[tuple[datetime, float, float], ...],
    speed_kn: float | None,
    direction_deg: float | None,
    sigma_kn: float,
    on_scene: Callable[..., VectorField],
    direction_meaning: str,
    *,
    margin: float,
    kw: dict[str, Any],
) -> VectorField | None:
    """A wind or current from files, an on-scene series, or one on-scene value (in that
    order of preference); ``None`` when none was given.

    Each source is checked once against the run's window and start where it is built:
    the file reader checks its files as it cuts the window out of them, and an on-scene
    series is checked here.
    """
    from sarwatch.adapters.forcing import open_vector_field

    if files:
        return open_vector_field(files, kind, margin_deg=margin, **kw)
    if observations:
        obs = sorted(observations, key=lambda o: _to_utc64(o[0], f"{kind} observation time"))
        series = on_scene(
            [o[1] for o in obs], [o[2] for o in obs], times=[o[0] for o in obs], sigma_kn=sigma_kn
        )
        series.check_covers(kw["t_first"], kw["t_last"])
        return series
    if speed_kn is not None:
        if direction_deg is None:
            raise InputError(f"an on-scene {kind} speed needs its direction ({direction_meaning})")
        return on_scene(speed_kn, direction_deg, sigma_kn=sigma_kn)
    return None


def _forcing(req: DriftRequest, t_first: np.datetime64, t_last: np.datetime64) -> Forcing:
    from sarwatch.adapters.forcing import current_towards, open_vector_field, wind_from

    margin = float(np.clip(3.0 * req.hours * 3600.0 / 111_000.0, 2.0, 20.0))
    kw: dict[str, Any] = {"t_first": t_first, "t_last": t_last, "lon": req.lon, "lat": req.lat}
    wind = _vector_source(
        "wind", req.winds, req.wind_obs, req.wind_kn, req.wind_from_deg, req.wind_sigma_kn,
        wind_from, "the direction the wind blows from", margin=margin, kw=kw,
    )  # fmt: skip
    current = _vector_source(
        "current", req.currents, req.current_obs, req.current_kn, req.current_to_deg,
        req.current_sigma_kn, current_towards, "the direction it sets towards",
        margin=margin, kw=kw,
    )  # fmt: skip
    stokes = (
        open_vector_field(req.stokes, "stokes", margin_deg=margin, **kw) if req.stokes else None
    )
    for role, field in (("wind", wind), ("current", current), ("stokes", stokes)):
        check_field_values(field, role)  # no data at all, or a current of zeros
    return Forcing(current=current, wind=wind, stokes=stokes)


def _scenarios(req: DriftRequest, start: np.datetime64, obj: ObjectMixture) -> list[Scenario]:
    if not req.scenarios:
        return [Scenario(1.0, "point", req.lon, req.lat, obj, radius_m=req.radius_m)]
    out = []
    for s in req.scenarios:
        t1 = (
            0.0
            if s.time is None
            else float((_to_utc64(s.time, "scenario time") - start) / np.timedelta64(1, "s"))
        )
        t2 = (
            t1
            if s.time2 is None
            else float((_to_utc64(s.time2, "scenario time2") - start) / np.timedelta64(1, "s"))
        )
        for t in (t1, t2):
            if (
                (t < 0 and not req.backward)
                or (t > 0 and req.backward)
                or abs(t) > req.hours * 3600
            ):
                raise InputError(
                    "a scenario release time lies outside the run "
                    f"({t / 3600:+.2f} h from the start); "
                    "releases must fall within the run, after the start (before it when backward)"
                )
        out.append(
            Scenario(
                weight=s.weight,
                kind=s.kind,
                lon=s.lon,
                lat=s.lat,
                obj=resolve_object(s.obj) if s.obj else obj,
                radius_m=s.radius_m,
                lon2=s.lon2,
                lat2=s.lat2,
                radius2_m=s.radius_m if s.radius2_m is None else s.radius2_m,
                t_s=t1,
                t2_s=t2,
            )
        )
    return out


def _land_mask(req: DriftRequest, cache_dir: Path | None, forcing: Forcing | None = None) -> Any:
    """The packaged region's land mask when every seed lies in it (as before); elsewhere
    one built for the area the run can reach (within the gridded forcing)."""
    from sarwatch.geo.coast import REGION, Region, land_mask, land_mask_for

    lons = [
        req.lon,
        *(s.lon for s in req.scenarios),
        *(s.lon2 for s in req.scenarios if s.lon2 is not None),
    ]
    lats = [
        req.lat,
        *(s.lat for s in req.scenarios),
        *(s.lat2 for s in req.scenarios if s.lat2 is not None),
    ]
    if bool(np.all(REGION.contains(lons, lats))):
        return land_mask(cache_dir)
    reach = 0.05 if forcing is None else float(np.clip(3.0 * req.hours * 3600.0 / 111_000.0, 2, 20))
    reach_lon = reach / max(float(np.cos(np.radians(max(np.abs(lats))))), 0.05)
    box = [min(lons) - reach_lon, min(lats) - reach, max(lons) + reach_lon, max(lats) + reach]
    for f in forcing.fields() if forcing is not None else []:
        if not f.is_uniform:
            e = f.extent
            box = [max(box[0], e[0]), max(box[1], e[1]), min(box[2], e[2]), min(box[3], e[3])]
    box = [max(box[0], -180.0), max(box[1], -90.0), min(box[2], 180.0), min(box[3], 90.0)]
    return land_mask_for(Region(*box), cache_dir)


#: The largest seed accepted (numpy takes any non-negative integer; sarwatch draws
#: 32-bit seeds and writes them into NetCDF attributes).
MAX_SEED = 2**32 - 1


def _sea_point_hint(lon: float, lat: float, cache_dir: Path | None) -> str:
    """``; the nearest sea point is ...`` for a start on land (empty if none is found)."""
    from sarwatch.geo.coast import REGION
    from sarwatch.geo.geodesy import geodesic_distance_nm
    from sarwatch.geo.position import format_position
    from sarwatch.geo.zones import nearest_sea_point, nearest_sea_point_outside

    try:
        sea = (
            nearest_sea_point(lon, lat, cache_dir=cache_dir)
            if bool(REGION.contains(lon, lat))
            else nearest_sea_point_outside(lon, lat, cache_dir=cache_dir)
        )
    except SarwatchError:
        return ""
    if sea is None:
        return ""
    away_nm = float(geodesic_distance_nm(lon, lat, sea[0], sea[1]))
    return (
        f"; the nearest sea point is {format_position(sea[0], sea[1], decimals=2)}, "
        f"{away_nm:.1f} nm away (lat {sea[1]:.5f}, lon {sea[0]:.5f}): start there if the "
        "boat is at sea nearby"
    )


def check_drift_request(req: DriftRequest, *, cache_dir: Path | None = None) -> ObjectMixture:
    """The checks a request must pass before a run starts (cheap: no forcing is read).

    Returns the resolved object class, so that a web request can be refused at once
    instead of failing later in the background. The CLI and the API both pass through
    here: one set of limits (:data:`sarwatch.drift.config.LIMITS`).

    Raises
    ------
    InputError, PositionOnLandError
        Bad numbers, a start on land, unknown object class.
    ForcingError
        A wind-driven object without any wind (file, on-scene value or series).
    """
    from sarwatch.geo.position import format_position

    _to_utc64(req.time, "start time")
    req.config.check()
    check_limits(
        {
            "wind_kn": req.wind_kn,
            "wind_from_deg": req.wind_from_deg,
            "current_kn": req.current_kn,
            "current_to_deg": req.current_to_deg,
        }
    )
    for what, series, speed in (
        ("wind", req.wind_obs, "wind_kn"),
        ("current", req.current_obs, "current_kn"),
    ):
        for obs in series:
            try:
                check_limits({speed: obs[1]})
            except InputError as exc:
                raise InputError(f"{what} observation at {obs[0].isoformat()}: {exc}") from None
    if req.seed is not None and not (
        isinstance(req.seed, int | np.integer) and 0 <= int(req.seed) <= MAX_SEED
    ):
        raise InputError(
            f"--seed (seed) {req.seed} is out of range: give a whole number from 0 to "
            f"{MAX_SEED} (the seeds sarwatch draws and records are in that range), or leave "
            "it out to draw one"
        )
    if not (-90.0 <= req.lat <= 90.0 and -180.0 <= req.lon <= 180.0):
        raise InputError(
            f"latitude must be -90..90 and longitude -180..180 degrees; got {req.lat}, {req.lon}"
        )
    where = format_position(req.lon, req.lat, decimals=2)
    if bool(_land_mask(req, cache_dir).contains(req.lon, req.lat)):
        raise PositionOnLandError(
            f"the position {where} is on land (GSHHG full resolution); "
            "check the coordinates (degrees-minutes vs decimal, N/S, E/W)"
            + _sea_point_hint(req.lon, req.lat, cache_dir)
        )
    obj = resolve_object(req.object_class)
    no_wind = not req.winds and req.wind_kn is None and not req.wind_obs
    if no_wind and any(c.dwl_slope_pct > 0 for c, _ in obj.members):
        raise ForcingError(
            f"{obj.key} is driven by the wind but no wind was given: give a wind file, "
            "or an on-scene wind speed and direction"
        )
    return obj


def predict_drift(
    req: DriftRequest,
    *,
    cache_dir: Path | None = None,
    out_dir: Path | None = None,
    summary_json: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    png: bool = True,
    on_phase: Callable[[str], None] | None = None,
) -> DriftResult:
    """Run a drift prediction and summarise it.

    Parameters
    ----------
    req
        The request.
    cache_dir
        Where the coastline cache lives (default: the user cache directory).
    out_dir
        When given, write ``drift.nc``, ``drift.geojson``, ``drift.png`` and
        ``summary.json`` there.
    summary_json
        When given, also write the summary to this file.
    progress
        Called as ``progress(done_steps, total_steps)``.
    png
        Whether to draw the PNG map when writing outputs.
    on_phase
        Called with the name of each stretch that ``progress`` does not count, as it
        starts: ``reading forcing``, ``reading coastline``, ``seeding``, ``loading
        kernels`` (compiled on a new install), ``writing outputs``.

    Raises
    ------
    InputError, PositionOnLandError
        Bad request, start on land.
    ForcingError
        Missing or inadequate forcing.
    """
    wall0 = time.perf_counter()
    start = _to_utc64(req.time, "start time")
    obj = check_drift_request(req, cache_dir=cache_dir)
    params = req.config.params()
    sign = -1 if req.backward else 1
    t_last = start + np.timedelta64(round(sign * req.hours * 3600), "s")
    phase = on_phase or (lambda name: None)
    phase("reading forcing")
    forcing = _forcing(req, start, t_last)  # each source checked once against the run
    phase("reading coastline")
    mask = _land_mask(req, cache_dir, forcing)
    phase("seeding")
    if req.seed is None:
        entropy = np.random.SeedSequence().entropy
        seed = int(entropy) % 2**32 if isinstance(entropy, int) else 0
    else:
        seed = int(req.seed)
    rng = np.random.default_rng(seed)
    # a boat in distress is at sea: starts the spread puts on land are drawn again
    state = seed_at_sea(_scenarios(req, start, obj), req.particles, rng, mask)
    n_tracks = min(req.max_tracks, state.n)
    _, n_out = params.steps()
    # the tracks kept, time-major: one contiguous row per output time, so that each output
    # copies three rows (column writes into (n_tracks, n_times) cost ten times as much);
    # the result holds their (n_tracks, n_times) transposed views
    rows_lon = np.empty((n_out + 1, n_tracks), np.float32)
    rows_lat = np.empty((n_out + 1, n_tracks), np.float32)
    rows_status = np.empty((n_out + 1, n_tracks), np.int8)
    snapshots: list[Snapshot] = []
    stats_s = 0.0  # the summaries at every output time (and the tracks kept)
    setup_s = time.perf_counter() - wall0

    def on_output(k: int, t: np.datetime64, st: ParticleState) -> None:
        nonlocal stats_s
        tic = time.perf_counter()
        rows_lon[k] = st.lon[:n_tracks]
        rows_lat[k] = st.lat[:n_tracks]
        rows_status[k] = st.status[:n_tracks]
        snapshots.append(snapshot(t, k * req.output_min / 60.0 * sign, st))
        stats_s += time.perf_counter() - tic

    phase("loading kernels")
    info = simulate(
        state, forcing, start, params, rng, land=mask, on_output=on_output, progress=progress
    )
    if state.n and int(np.count_nonzero(state.status == NO_FORCING)) == state.n:
        raise ForcingError(
            "every particle stopped for lack of forcing data: the wind or current files hold no "
            f"valid (non-missing) values around {format_position(req.lon, req.lat, decimals=2)} "
            "in the run's window; check the files' land/sea masks and fill values"
        )
    summary = RunSummary(
        sarwatch_version=__version__,
        n=state.n,
        steps=info.steps,
        wall_s=0.0,
        compute_s=info.compute_s,
        seed=seed,
        object=obj.key,
        object_members={c.key: w for c, w in obj.members},
        category_counts=category_counts(state.category),
        start=Start(lon=req.lon, lat=req.lat, time=start),
        backward=req.backward,
        hours=req.hours,
        dt_min=req.dt_min,
        output_min=req.output_min,
        scheme=req.scheme,
        forcing=ForcingProvenance(
            current=forcing.current.name if forcing.current else "none (zero)",
            wind=forcing.wind.name if forcing.wind else "none (zero)",
            stokes=forcing.stokes.name if forcing.stokes else "none",
            files=forcing_inputs(
                {"wind": req.winds, "current": req.currents, "stokes": req.stokes},
                {"wind": forcing.wind, "current": forcing.current, "stokes": forcing.stokes},
                {(s.role, Path(s.path)): s.product() for s in req.forcing_sources},
            ),
        ),
        exact_land_tests=info.exact_land_tests,
        outputs=tuple(snapshots),
        particles_in_file=n_tracks,
    )
    result = DriftResult(
        summary=summary,
        times=info.times,
        track_lon=rows_lon.T,
        track_lat=rows_lat.T,
        track_status=rows_status.T,
        final_lon=state.lon,
        final_lat=state.lat,
        final_status=state.status,
        category=state.category,
    )
    files: dict[str, Path] = {}
    outputs_tic = time.perf_counter()
    if out_dir is not None:
        from sarwatch.adapters.exports.drift import write_outputs

        phase("writing outputs")
        files = write_outputs(result, Path(out_dir), png=png, cache_dir=cache_dir)
        files["summary"] = Path(out_dir) / "summary.json"
    if summary_json is not None and Path(summary_json) != files.get("summary"):
        files["summary_json"] = Path(summary_json)  # said with the others, where it went
    done = time.perf_counter()
    summary = replace(
        summary,
        wall_s=done - wall0,
        files={k: str(v) for k, v in files.items()},
        timings_s={
            "setup": setup_s,
            "particles": info.compute_s,
            "statistics": stats_s,
            "outputs": done - outputs_tic,
        },
    )
    result = replace(result, summary=summary, files=files)
    targets = [p for p in (files.get("summary"), summary_json) if p is not None]
    if targets:
        from sarwatch.adapters.exports.drift import write_summary

        for path in dict.fromkeys(Path(p) for p in targets):  # each file once
            write_summary(summary, path)
    return result
