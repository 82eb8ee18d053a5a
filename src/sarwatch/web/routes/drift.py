"""``/api/drift``: start a drift prediction in the background, poll it, fetch its map layers.

Runs execute in a small thread pool (the numba kernel releases the GIL); their
state is kept in memory (``app.state.drift_runs``) and their files are written
under ``<home_dir>/runs/<run_id>/``. Forcing files are named relative to
``<home_dir>/forcing/`` (the station's forcing library); nothing outside it is read.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field

from sarwatch.errors import ConflictError, InputError, NotFoundError, SarwatchError
from sarwatch.web.auth import Coordinator, Observer

if TYPE_CHECKING:
    from sarwatch.services.drift import DriftRequest

__all__ = ["DriftCreate", "DriftRunPublic", "ScenarioIn", "install"]

_MAX_PARTICLES = 1_000_000


class ScenarioIn(BaseModel):
    """One weighted seeding scenario (``point``, ``circle``, ``line`` or ``cone``)."""

    kind: Literal["point", "circle", "line", "cone"]
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=360)]
    weight: Annotated[float, Field(gt=0)] = 1.0
    radius_m: Annotated[float, Field(ge=0, le=100_000)] = 500.0
    lat2: Annotated[float | None, Field(ge=-90, le=90)] = None
    lon2: Annotated[float | None, Field(ge=-180, le=360)] = None
    radius2_m: Annotated[float | None, Field(ge=0, le=100_000)] = None
    time: datetime | None = None
    time2: datetime | None = None
    object: str | None = None


class DriftCreate(BaseModel):
    """A drift run request (times must carry a zone, e.g. ``2026-11-20T04:10Z``)."""

    lat: Annotated[float, Field(ge=-90, le=90, description="Last known latitude, degrees")]
    lon: Annotated[float, Field(ge=-180, le=360, description="Last known longitude, degrees")]
    time: datetime
    object: str = "migrant-rubber-boat"
    hours: Annotated[float, Field(gt=0, le=240)] = 48.0
    backward: bool = False
    particles: Annotated[int, Field(ge=1, le=_MAX_PARTICLES)] = 10_000
    dt_min: Annotated[float, Field(gt=0, le=180)] = 15.0
    output_min: Annotated[float, Field(gt=0, le=1440)] = 60.0
    radius_m: Annotated[float, Field(ge=0, le=100_000)] = 500.0
    wind_kn: Annotated[float | None, Field(ge=0, le=150)] = None
    wind_from: Annotated[float | None, Field(ge=0, le=360)] = None
    wind_sigma_kn: Annotated[float, Field(ge=0)] = 0.0
    current_kn: Annotated[float | None, Field(ge=0, le=10)] = None
    current_to: Annotated[float | None, Field(ge=0, le=360)] = None
    current_sigma_kn: Annotated[float, Field(ge=0)] = 0.0
    currents: list[str] = Field(default_factory=list, description="files under <home>/forcing")
    winds: list[str] = Field(default_factory=list, description="files under <home>/forcing")
    seed: int | None = None
    scheme: Literal["midpoint", "rk2", "euler"] = "midpoint"
    scenarios: list[ScenarioIn] = Field(
        default_factory=list, description="several weighted seedings; replace lat/lon when given"
    )


class DriftRunPublic(BaseModel):
    """A run's state as the API shows it."""

    run_id: str
    status: Literal["queued", "running", "done", "failed"]
    progress: float
    error: str | None = None
    error_type: str | None = None
    summary: dict[str, Any] | None = None


@dataclass
class _Run:
    run_id: str
    out_dir: Path
    status: str = "queued"
    progress: float = 0.0
    error: str | None = None
    error_type: str | None = None
    summary: dict[str, Any] | None = None
    geojson: dict[str, Any] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def public(self) -> DriftRunPublic:
        with self.lock:
            return DriftRunPublic(
                run_id=self.run_id,
                status=self.status,  # type: ignore[arg-type]
                progress=round(self.progress, 4),
                error=self.error,
                error_type=self.error_type,
                summary=self.summary,
            )


def _forcing_paths(home: Path, names: list[str]) -> tuple[Path, ...]:
    root = (home / "forcing").resolve()
    out = []
    for name in names:
        p = (root / name).resolve()
        if root not in p.parents:
            raise InputError(f"forcing file {name!r} must lie inside the forcing library {root}")
        out.append(p)
    return tuple(out)


def _request(body: DriftCreate, home: Path) -> DriftRequest:
    from sarwatch.services.drift import DriftRequest, ScenarioSpec

    return DriftRequest(
        lon=body.lon, lat=body.lat, time=body.time, object_class=body.object,
        hours=body.hours, backward=body.backward, particles=body.particles,
        dt_min=body.dt_min, output_min=body.output_min, radius_m=body.radius_m,
        currents=_forcing_paths(home, body.currents), winds=_forcing_paths(home, body.winds),
        wind_kn=body.wind_kn, wind_from_deg=body.wind_from, wind_sigma_kn=body.wind_sigma_kn,
        current_kn=body.current_kn, current_to_deg=body.current_to,
        current_sigma_kn=body.current_sigma_kn, seed=body.seed, scheme=body.scheme,
        scenarios=tuple(
            ScenarioSpec(
                kind=sc.kind, lon=sc.lon, lat=sc.lat, weight=sc.weight, radius_m=sc.radius_m,
                lon2=sc.lon2, lat2=sc.lat2, radius2_m=sc.radius2_m, time=sc.time,
                time2=sc.time2, obj=sc.object,
            )
            for sc in body.scenarios
        ),
    )  # fmt: skip


def _execute(run: _Run, req: DriftRequest, cache_dir: Path) -> None:
    from sarwatch.adapters.exports.drift_geojson import drift_feature_collection
    from sarwatch.services.drift import predict_drift

    with run.lock:
        run.status = "running"

    def progress(done: int, total: int) -> None:
        with run.lock:
            run.progress = done / max(total, 1)

    try:
        result = predict_drift(req, cache_dir=cache_dir, out_dir=run.out_dir, progress=progress)
        geo = drift_feature_collection(result)
        with run.lock:
            run.summary = result.summary
            run.geojson = geo
            run.progress = 1.0
            run.status = "done"
    except SarwatchError as exc:
        with run.lock:
            run.status, run.error, run.error_type = "failed", str(exc), type(exc).__name__
    except Exception as exc:  # a bug must not kill the worker; the run reports it
        with run.lock:
            run.status, run.error, run.error_type = "failed", f"internal error: {exc!r}", "Error"


def _runs(request: Request) -> dict[str, _Run]:
    runs: dict[str, _Run] = request.app.state.drift_runs
    return runs


def _get(request: Request, run_id: str) -> _Run:
    run = _runs(request).get(run_id)
    if run is None:
        raise NotFoundError(f"no drift run {run_id!r} on this station (runs live until restart)")
    return run


router = APIRouter(prefix="/api/drift", tags=["drift"])


@router.post("", status_code=202, response_model=DriftRunPublic)
def start_drift(body: DriftCreate, request: Request, _user: Coordinator) -> DriftRunPublic:
    """Start a drift run in the background; poll ``GET /api/drift/{run_id}``.

    Coordinators only: a run carries the live position of people in distress.
    """
    if body.time.tzinfo is None:
        raise InputError(f"time {body.time.isoformat()} has no time zone; give UTC, e.g. ...Z")
    from sarwatch.services.drift import check_drift_request

    settings = request.app.state.settings
    req = _request(body, Path(settings.home_dir))
    check_drift_request(req, cache_dir=Path(settings.cache_dir))  # refuse now, not later
    run_id = uuid.uuid4().hex[:12]
    run = _Run(run_id=run_id, out_dir=Path(settings.home_dir) / "runs" / run_id)
    _runs(request)[run_id] = run
    request.app.state.drift_pool.submit(_execute, run, req, Path(settings.cache_dir))
    return run.public()


@router.get("/{run_id}", response_model=DriftRunPublic)
def drift_status(run_id: str, request: Request, _user: Observer) -> DriftRunPublic:
    """Status, progress (0-1) and, when done, the summary."""
    return _get(request, run_id).public()


def _done(request: Request, run_id: str) -> _Run:
    run = _get(request, run_id)
    if run.status != "done":
        raise ConflictError(f"drift run {run_id} is {run.status}, not done: poll it first")
    return run


@router.get("/{run_id}/geojson")
def drift_geojson(run_id: str, request: Request, _user: Observer) -> JSONResponse:
    """Start, centroid track and 50/90/95 % containment polygons per output time."""
    run = _done(request, run_id)
    return JSONResponse(run.geojson, media_type="application/geo+json")


@router.get("/{run_id}/png")
def drift_png(run_id: str, request: Request, _user: Observer) -> FileResponse:
    """The PNG map of the run."""
    run = _done(request, run_id)
    path = run.out_dir / "drift.png"
    if not path.exists():
        raise NotFoundError(f"drift run {run_id} has no map image")
    return FileResponse(path, media_type="image/png")


def install(app: FastAPI) -> None:
    """Attach the drift routes and their run registry and worker pool."""
    app.state.drift_runs = {}
    app.state.drift_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="drift")
    app.include_router(router)
