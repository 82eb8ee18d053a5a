"""Use case: predict where a drifting boat is (or came from).

:func:`predict_drift` puts the pieces together: resolve the object class, seed
the particles, read the forcing (files or on-scene observations), run the core
engine with the full-resolution coastline, summarise every output time
(centroid, spread, status counts, SAR-region shares, 50/90/95 % containment
polygons) and, when asked, write the outputs (CF trajectory NetCDF, GeoJSON,
PNG map, summary JSON).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from sarwatch import __version__
from sarwatch.drift.analysis import cloud_stats, containment, density_grid
from sarwatch.drift.engine import DriftParams, simulate
from sarwatch.drift.forcing import Forcing, VectorField
from sarwatch.drift.leeway import ObjectMixture, resolve_object
from sarwatch.drift.seeding import Scenario, seed_scenarios
from sarwatch.drift.state import ACTIVE, NO_FORCING, STATUS_NAMES, STRANDED, ParticleState
from sarwatch.errors import ForcingError, InputError, PositionOnLandError
from sarwatch.geo.position import format_position
from sarwatch.services.provenance import forcing_inputs

__all__ = [
    "DriftRequest",
    "DriftResult",
    "OutputSnapshot",
    "ScenarioSpec",
    "check_drift_request",
    "predict_drift",
]

LEVELS = (0.5, 0.9, 0.95)
#: The largest run accepted (memory grows ~400 B per particle).
MAX_PARTICLES = 10_000_000


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


@dataclass(frozen=True)
class DriftRequest:
    """Everything a drift run needs.

    Attributes
    ----------
    lon, lat, time
        Last known position (degrees) and time (timezone-aware; UTC inside).
    object_class
        Proxy name (``migrant-rubber-boat`` ...), Leeway key or table number.
    hours
        Length of the run.
    backward
        Run backward in time (where did it come from?).
    particles
        Number of particles.
    dt_min, output_min
        Time step and output interval, minutes.
    radius_m
        Position uncertainty (Gaussian sigma per axis), metres.
    currents, winds, stokes
        CF-NetCDF files (several are concatenated in time).
    wind_kn, wind_from_deg, wind_sigma_kn
        On-scene wind (used when no wind files are given).
    current_kn, current_to_deg, current_sigma_kn
        On-scene current (used when no current files are given; none means zero).
    wind_obs, current_obs
        On-scene time series ``(time, speed_kn, direction_deg)`` (wind *from*, current
        *towards*), linear between observations; they must cover the run. They take the
        place of the constant values; the ``*_sigma_kn`` uncertainties apply.
    seed
        Random seed; ``None`` draws one (it is recorded in every output).
    jibe_per_h, diffusivity_m2_s, capsize_per_h, capsize_wind_kn, capsize_leeway_fraction, scheme
        Physics and numerics (see :class:`~sarwatch.drift.engine.DriftParams`).
    scenarios
        Several weighted seeding scenarios; replaces the single point when given.
    max_tracks
        Particles whose full tracks are kept for the trajectory file.
    """

    lon: float
    lat: float
    time: datetime
    object_class: str = "migrant-rubber-boat"
    hours: float = 48.0
    backward: bool = False
    particles: int = 10_000
    dt_min: float = 15.0
    output_min: float = 60.0
    radius_m: float = 500.0
    currents: tuple[Path, ...] = ()
    winds: tuple[Path, ...] = ()
    stokes: tuple[Path, ...] = ()
    wind_kn: float | None = None
    wind_from_deg: float | None = None
    wind_sigma_kn: float = 0.0
    current_kn: float | None = None
    current_to_deg: float | None = None
    current_sigma_kn: float = 0.0
    wind_obs: tuple[tuple[datetime, float, float], ...] = ()
    current_obs: tuple[tuple[datetime, float, float], ...] = ()
    seed: int | None = None
    jibe_per_h: float = 0.04
    diffusivity_m2_s: float = 0.0
    capsize_per_h: float = 0.0
    capsize_wind_kn: float = 40.0
    capsize_leeway_fraction: float = 0.5
    scheme: Literal["midpoint", "rk2", "euler"] = "midpoint"
    scenarios: tuple[ScenarioSpec, ...] = ()
    max_tracks: int = 100_000


@dataclass
class OutputSnapshot:
    """Summary of the cloud at one output time."""

    time: np.datetime64
    hours: float
    centroid_lon: float
    centroid_lat: float
    std_km: float
    status_counts: dict[str, int]
    srr_share: dict[str, float]
    stranded_share: float
    polygons: dict[float, Any] = field(default_factory=dict)
    areas_km2: dict[float, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-able dict (no polygons)."""
        return {
            "time": _iso(self.time),
            "hours": self.hours,
            "centroid_lat": _r(self.centroid_lat, 5),
            "centroid_lon": _r(self.centroid_lon, 5),
            "std_km": _r(self.std_km, 3),
            "status_counts": self.status_counts,
            "srr_share": {k: _r(v, 4) for k, v in self.srr_share.items()},
            "stranded_share": _r(self.stranded_share, 4),
            "containment_area_km2": {
                f"{int(p * 100)}": _r(a, 2) for p, a in self.areas_km2.items()
            },
        }


@dataclass
class DriftResult:
    """The outcome of :func:`predict_drift`.

    Attributes
    ----------
    summary
        JSON-able summary (``n``, ``steps``, ``wall_s``, ``particle_steps_per_s``,
        ``final`` ..., ``seed``, ``object``, ``outputs`` per output time).
    snapshots
        Per output time, including the containment polygons.
    times
        Output times, ``datetime64[s]``.
    track_lon, track_lat, track_status
        Tracks of the first ``max_tracks`` particles, shape ``(n_tracks, n_times)``.
    final_lon, final_lat, final_status
        All particles at the end.
    start_lon, start_lat
        The seed positions of the tracked particles.
    files
        Written files by kind (``netcdf``, ``geojson``, ``png``, ``summary``).
    """

    summary: dict[str, Any]
    snapshots: list[OutputSnapshot]
    times: npt.NDArray[np.datetime64]
    track_lon: npt.NDArray[np.float32]
    track_lat: npt.NDArray[np.float32]
    track_status: npt.NDArray[np.int8]
    final_lon: npt.NDArray[np.float64]
    final_lat: npt.NDArray[np.float64]
    final_status: npt.NDArray[np.int8]
    category: npt.NDArray[np.int16]
    files: dict[str, Path] = field(default_factory=dict)


def _r(x: float, nd: int) -> float | None:
    return None if not np.isfinite(x) else round(float(x), nd)


def _iso(t: np.datetime64) -> str:
    return str(t.astype("datetime64[s]")) + "Z"


def _to_utc64(t: datetime, what: str) -> np.datetime64:
    if t.tzinfo is None or t.utcoffset() is None:
        raise InputError(
            f"{what} {t.isoformat()} has no time zone; give UTC, e.g. 2026-11-20T04:10Z"
        )
    return np.datetime64(t.astimezone(UTC).replace(tzinfo=None), "s")


def srr_shares(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> dict[str, float]:
    """Share of the given particles in each SAR region (and ``"none"``).

    Shares may sum to more than 1 where regions overlap. Above 50,000 particles the
    test runs on occupied cells of 1/120 degree (about 900 m) instead of every particle.
    """
    from sarwatch.geo.coast import REGION
    from sarwatch.geo.srr import srr_membership

    n = lon.size
    if n == 0:
        return {}
    if n <= 50_000:
        member = srr_membership(lon, lat)
        weights = np.ones(n)
    else:
        cell = 1.0 / 120.0
        ix = np.floor(lon / cell).astype(np.int64)
        iy = np.floor(lat / cell).astype(np.int64)
        keys, inverse = np.unique(iy * 1_000_000 + ix, return_inverse=True)
        weights = np.bincount(inverse).astype(float)
        cy, cx = np.divmod(keys, 1_000_000)
        member = srr_membership((cx + 0.5) * cell, (cy + 0.5) * cell)
    total = weights.sum()
    out = {k: float(weights[m].sum() / total) for k, m in member.items()}
    anywhere = np.zeros(weights.size, bool)
    for m in member.values():
        anywhere |= m
    out["none"] = float(weights[~anywhere].sum() / total)
    if lon.size and not bool(np.all(REGION.contains(lon, lat))):
        # SAR regions are packaged for the Central Mediterranean only: say so.
        outside = ~REGION.contains(lon if n <= 50_000 else (cx + 0.5) * cell,
                                   lat if n <= 50_000 else (cy + 0.5) * cell)  # fmt: skip
        out["outside_packaged_regions"] = float(weights[outside].sum() / total)
    return out


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
    order of preference); ``None`` when none was given."""
    from sarwatch.adapters.forcing import open_vector_field

    if files:
        return open_vector_field(files, kind, margin_deg=margin, **kw)
    if observations:
        obs = sorted(observations, key=lambda o: _to_utc64(o[0], f"{kind} observation time"))
        return on_scene(
            [o[1] for o in obs], [o[2] for o in obs], times=[o[0] for o in obs], sigma_kn=sigma_kn
        )
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


def check_drift_request(req: DriftRequest, *, cache_dir: Path | None = None) -> ObjectMixture:
    """The checks a request must pass before a run starts (cheap: no forcing is read).

    Returns the resolved object class, so that a web request can be refused at once
    instead of failing later in the background.

    Raises
    ------
    InputError, PositionOnLandError
        Bad numbers, a start on land, unknown object class.
    ForcingError
        A wind-driven object without any wind (file, on-scene value or series).
    """
    from sarwatch.geo.position import format_position

    _to_utc64(req.time, "start time")
    if not (req.hours > 0 and req.particles >= 1 and req.dt_min > 0 and req.output_min > 0):
        raise InputError(
            f"hours, particles, dt and output interval must be positive; got hours={req.hours}, "
            f"particles={req.particles}, dt={req.dt_min} min, output every {req.output_min} min"
        )
    if req.particles > MAX_PARTICLES:
        raise InputError(
            f"{req.particles:,} particles is more than this station runs at once "
            f"({MAX_PARTICLES:,}, about 4 GB); 100,000 already resolve the 95 % contour well"
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
    params = DriftParams(
        dt_s=req.dt_min * 60.0,
        output_every_s=req.output_min * 60.0,
        duration_s=req.hours * 3600.0,
        backward=req.backward,
        jibe_per_h=req.jibe_per_h,
        diffusivity_m2_s=req.diffusivity_m2_s,
        capsize_wind_ms=req.capsize_wind_kn * 1852.0 / 3600.0,
        capsize_per_h=req.capsize_per_h,
        capsize_leeway_fraction=req.capsize_leeway_fraction,
        scheme=req.scheme,
    )
    params.steps()
    sign = -1 if req.backward else 1
    t_last = start + np.timedelta64(round(sign * req.hours * 3600), "s")
    forcing = _forcing(req, start, t_last)  # a missing wind was refused by the check above
    for f in forcing.fields():
        f.check_covers(start, t_last)
        f.check_contains(req.lon, req.lat)
    mask = _land_mask(req, cache_dir, forcing)
    if req.seed is None:
        entropy = np.random.SeedSequence().entropy
        seed = int(entropy) % 2**32 if isinstance(entropy, int) else 0
    else:
        seed = int(req.seed)
    rng = np.random.default_rng(seed)
    state = seed_scenarios(_scenarios(req, start, obj), req.particles, rng)
    n_tracks = min(req.max_tracks, state.n)
    _, n_out = params.steps()
    track_lon = np.empty((n_tracks, n_out + 1), np.float32)
    track_lat = np.empty((n_tracks, n_out + 1), np.float32)
    track_status = np.empty((n_tracks, n_out + 1), np.int8)
    snapshots: list[OutputSnapshot] = []

    def on_output(k: int, t: np.datetime64, st: ParticleState) -> None:
        track_lon[:, k] = st.lon[:n_tracks]
        track_lat[:, k] = st.lat[:n_tracks]
        track_status[:, k] = st.status[:n_tracks]
        snapshots.append(_snapshot(t, k * req.output_min / 60.0 * sign, st))

    info = simulate(
        state, forcing, start, params, rng, land=mask, on_output=on_output, progress=progress
    )
    final = snapshots[-1]
    if state.n and int(np.count_nonzero(state.status == NO_FORCING)) == state.n:
        raise ForcingError(
            "every particle stopped for lack of forcing data: the wind or current files hold no "
            f"valid (non-missing) values around {format_position(req.lon, req.lat, decimals=2)} "
            "in the run's window; check the files' land/sea masks and fill values"
        )
    summary: dict[str, Any] = {
        "sarwatch_version": __version__,
        "n": state.n,
        "steps": info.steps,
        "wall_s": 0.0,
        "compute_s": round(info.compute_s, 4),
        "particle_steps_per_s": round(state.n * info.steps / max(info.compute_s, 1e-9), 1),
        "seed": seed,
        "object": obj.key,
        "object_members": {c.key: round(w, 4) for c, w in obj.members},
        "category_counts": _category_counts(state.category),
        "start": {"lon": req.lon, "lat": req.lat, "time": _iso(start)},
        "backward": req.backward,
        "hours": req.hours,
        "dt_min": req.dt_min,
        "output_min": req.output_min,
        "scheme": req.scheme,
        "forcing": {
            "current": forcing.current.name if forcing.current else "none (zero)",
            "wind": forcing.wind.name if forcing.wind else "none (zero)",
            "stokes": forcing.stokes.name if forcing.stokes else "none",
            "files": forcing_inputs(
                {"wind": req.winds, "current": req.currents, "stokes": req.stokes},
                {"wind": forcing.wind, "current": forcing.current, "stokes": forcing.stokes},
            ),
        },
        "exact_land_tests": info.exact_land_tests,
        "final": final.to_json(),
        "outputs": [s.to_json() for s in snapshots],
    }
    result = DriftResult(
        summary=summary,
        snapshots=snapshots,
        times=info.times,
        track_lon=track_lon,
        track_lat=track_lat,
        track_status=track_status,
        final_lon=state.lon,
        final_lat=state.lat,
        final_status=state.status,
        category=state.category,
    )
    if out_dir is not None:
        from sarwatch.adapters.exports.drift import write_outputs

        result.files = write_outputs(result, Path(out_dir), png=png, cache_dir=cache_dir)
    summary["wall_s"] = round(time.perf_counter() - wall0, 4)
    summary["files"] = {k: str(v) for k, v in result.files.items()}
    for path in [p for p in (summary_json, result.files.get("summary")) if p is not None]:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return result


def _category_counts(category: npt.NDArray[np.int16]) -> dict[str, int]:
    """Particles per Leeway category actually drawn (all scenarios)."""
    from sarwatch.drift.leeway import leeway_categories

    cats = leeway_categories()
    keys, counts = np.unique(category, return_counts=True)
    return {cats[k].key if k >= 0 else "none": int(c) for k, c in zip(keys, counts, strict=True)}


def _snapshot(t: np.datetime64, hours: float, st: ParticleState) -> OutputSnapshot:
    located = (st.status == ACTIVE) | (st.status == STRANDED)
    lon, lat = st.lon[located], st.lat[located]
    counts = st.status_counts()
    n_located = int(located.sum())
    stats = cloud_stats(lon, lat)
    snap = OutputSnapshot(
        time=t,
        hours=hours,
        centroid_lon=stats.centroid_lon,
        centroid_lat=stats.centroid_lat,
        std_km=stats.std_km,
        status_counts=counts,
        srr_share=srr_shares(lon, lat),
        stranded_share=counts[STATUS_NAMES[STRANDED]] / max(st.n, 1),
    )
    if n_located:
        grid = density_grid(lon, lat, stats=stats)
        for p, (geom, area) in containment(grid, LEVELS).items():
            snap.polygons[p] = geom
            snap.areas_km2[p] = area
    return snap
