"""``/api/drift``: start a drift prediction in the background, poll it, fetch its map layers.

A run asked for here becomes a job in the store (:mod:`sarwatch.services.jobs`),
computed in the thread pool of whichever server worker claims it (the numba kernel
releases the GIL); any worker reports its state and progress, and a run whose worker
dies is resumed by another (or failed with the reason). Each run is recorded with its
outputs under ``<home_dir>/runs/<run_id>/`` (``run.json``, see
:mod:`sarwatch.services.drift_runs`), so runs and their files outlive a restart of the
server; a run left queued or cut short is taken up again when a server starts. Forcing
files are named relative to
``<home_dir>/forcing/`` (the station's forcing library); nothing outside it is read.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from sarwatch.domain.case import require_utc
from sarwatch.drift.config import DEFAULTS, LIMITS, Scheme
from sarwatch.errors import (
    ConflictError,
    InputError,
    NotFoundError,
    SarwatchError,
    unexpected_error_text,
)
from sarwatch.geo.units import LAT_MAX_DEG, LAT_MIN_DEG, LON_MAX_DEG, LON_MIN_DEG
from sarwatch.services.drift_runs import DriftRunRecord, DriftRuns, RunStatus
from sarwatch.services.time_fields import AnyZoneTime
from sarwatch.web.auth import COORDINATOR_ONLY_KEY, Coordinator, Observer
from sarwatch.web.station import DriftRunsDep, SettingsDep, StationDep, station_of

if TYPE_CHECKING:
    from sarwatch.drift.result import DriftResult
    from sarwatch.job_records import JobRecord
    from sarwatch.services.container import Station
    from sarwatch.services.drift import DriftRequest
    from sarwatch.services.jobs import JobProgress
    from sarwatch.settings import Settings

__all__ = [
    "WORKER_HEADER",
    "AttachmentOutcome",
    "DriftCreate",
    "DriftRunPublic",
    "ScenarioIn",
    "install",
    "run_drift_job",
]

#: Response header naming the process id of the worker that answered a run's status.
WORKER_HEADER = "X-Sarwatch-Worker"
_D = DEFAULTS  # defaults and limits: sarwatch.drift.config, shared with the CLI
_STRICT = ConfigDict(extra="forbid")


def _limited(name: str, **kw: Any) -> Any:
    """A ``Field`` bounded by the shared :data:`~sarwatch.drift.config.LIMITS` entry."""
    limit = LIMITS[name]
    hi = None if limit.hi == float("inf") else limit.hi
    if limit.lo_open:
        return Field(gt=limit.lo, le=hi, **kw)
    return Field(ge=limit.lo, le=hi, **kw)


class ScenarioIn(BaseModel):
    """One weighted seeding scenario (``point``, ``circle``, ``line`` or ``cone``)."""

    model_config = _STRICT

    kind: Literal["point", "circle", "line", "cone"]
    lat: Annotated[float, Field(ge=LAT_MIN_DEG, le=LAT_MAX_DEG)]
    lon: Annotated[float, Field(ge=LON_MIN_DEG, le=LON_MAX_DEG)]
    weight: Annotated[float, Field(gt=0)] = 1.0
    radius_m: Annotated[float, _limited("radius_m")] = _D.radius_m
    lat2: Annotated[float | None, Field(ge=LAT_MIN_DEG, le=LAT_MAX_DEG)] = None
    lon2: Annotated[float | None, Field(ge=LON_MIN_DEG, le=LON_MAX_DEG)] = None
    radius2_m: Annotated[float | None, _limited("radius_m")] = None
    time: AnyZoneTime | None = None
    time2: AnyZoneTime | None = None
    object: str | None = None


class DriftCreate(BaseModel):
    """A drift run request (times must carry a zone, e.g. ``2026-11-20T04:10Z``).

    Unknown fields are refused (422). With ``case_id`` the server attaches the finished
    run to that case itself, with its request, seed, forcing hashes and output hashes
    (the record the CLI's ``drift --case`` makes); an unknown or closed case is refused
    before the run starts.
    """

    model_config = _STRICT

    lat: Annotated[
        float, Field(ge=LAT_MIN_DEG, le=LAT_MAX_DEG, description="Last known latitude, degrees")
    ]
    lon: Annotated[
        float, Field(ge=LON_MIN_DEG, le=LON_MAX_DEG, description="Last known longitude, degrees")
    ]
    time: AnyZoneTime
    object: str = _D.object_class
    hours: Annotated[float, _limited("hours")] = _D.hours
    backward: bool = _D.backward
    particles: Annotated[int, _limited("particles")] = _D.particles
    dt_min: Annotated[float, _limited("dt_min")] = _D.dt_min
    output_min: Annotated[float, _limited("output_min")] = _D.output_min
    radius_m: Annotated[float, _limited("radius_m")] = _D.radius_m
    wind_kn: Annotated[float | None, _limited("wind_kn")] = None
    wind_from: Annotated[float | None, _limited("wind_from_deg")] = None
    wind_sigma_kn: Annotated[float, _limited("wind_sigma_kn")] = _D.wind_sigma_kn
    current_kn: Annotated[float | None, _limited("current_kn")] = None
    current_to: Annotated[float | None, _limited("current_to_deg")] = None
    current_sigma_kn: Annotated[float, _limited("current_sigma_kn")] = _D.current_sigma_kn
    currents: list[str] = Field(default_factory=list, description="files under <home>/forcing")
    winds: list[str] = Field(default_factory=list, description="files under <home>/forcing")
    seed: int | None = None
    scheme: Scheme = _D.scheme
    capsizing: bool = _D.capsizing
    capsize_wind_ms: Annotated[float, _limited("capsize_wind_ms")] = _D.capsize_wind_ms
    capsize_wind_sigma_ms: Annotated[float, _limited("capsize_wind_sigma_ms")] = (
        _D.capsize_wind_sigma_ms
    )
    capsize_leeway_fraction: Annotated[float, _limited("capsize_leeway_fraction")] = (
        _D.capsize_leeway_fraction
    )
    scenarios: list[ScenarioIn] = Field(
        default_factory=list, description="several weighted seedings; replace lat/lon when given"
    )
    case_id: str | None = Field(
        None, description="attach the finished run to this case (refused if closed)"
    )
    use_library: bool = Field(
        True,
        description="take the current and wind the request leaves open from the station's "
        "forcing library (the freshest forecasts covering the run; on-scene values override)",
    )
    max_forecast_age_h: Annotated[float | None, Field(gt=0, le=24 * 30)] = Field(
        None, description="refuse library forecasts older than this at the start (default 72 h)"
    )


class AttachmentOutcome(BaseModel):
    """Whether a run started with ``case_id`` went into its case."""

    case_id: str
    status: Literal["pending", "attached", "refused"]
    error: str | None = Field(None, description="why the case refused it (e.g. closed)")


class DriftRunPublic(BaseModel):
    """A run's state as the API shows it."""

    run_id: str
    status: RunStatus
    progress: float
    phase: str | None = Field(
        None,
        description="while running: what the run is doing, as it last said (reading forcing, "
        "reading coastline, seeding, loading kernels, drifting, writing outputs); the stretches "
        "before and after the steps that progress counts",
    )
    started_by: str | None = None
    created_at: str | None = Field(None, description="ISO 8601 UTC")
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = None
    error_type: str | None = Field(
        None, description="the error's class; 'Interrupted' if the server stopped during the run"
    )
    request: dict[str, Any] | None = Field(None, description="the request as it was sent")
    files: list[str] = Field(
        default_factory=list, description="downloads when done: geojson, png, netcdf"
    )
    attachment: AttachmentOutcome | None = Field(
        None,
        description="for a run started with case_id; a refused attachment leaves the run done",
    )
    summary: dict[str, Any] | None = Field(
        None, description="when done (GET /api/drift/{run_id} only, not in the list)"
    )
    attempts: int = Field(
        0, description="times a server worker took the run up (2+: resumed after a worker died)"
    )
    worker_pid: int | None = Field(
        None, description="process id of the server worker that runs it, or ran it last"
    )
    resumed_because: str | None = Field(
        None, description="why the run was taken up again (its worker stopped responding)"
    )


_DOWNLOADS = {
    "geojson": "application/geo+json",
    "png": "image/png",
    "netcdf": "application/x-netcdf",
}


def _public(record: DriftRunRecord, summary: dict[str, Any] | None = None) -> DriftRunPublic:
    return DriftRunPublic(
        run_id=record.run_id,
        status=record.status,
        progress=1.0 if record.status == "done" else round(record.progress, 4),
        phase=record.phase if record.status == "running" else None,
        started_by=record.started_by,
        created_at=record.created_at,
        started_at=record.started_at,
        finished_at=record.finished_at,
        error=record.error,
        error_type=record.error_type,
        request=record.request,
        files=[kind for kind in _DOWNLOADS if kind in record.files],
        attachment=(None if record.attachment is None else AttachmentOutcome(**record.attachment)),
        summary=summary,
        attempts=record.attempts,
        worker_pid=record.worker_pid,
        resumed_because=record.resumed_because,
    )


def _forcing_paths(home: Path, names: list[str]) -> tuple[Path, ...]:
    root = (home / "forcing").resolve()
    out = []
    for name in names:
        if "\x00" in name:
            raise InputError(f"forcing file {name!r} holds a NUL byte; give the file's name")
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
        capsizing=body.capsizing, capsize_wind_ms=body.capsize_wind_ms,
        capsize_wind_sigma_ms=body.capsize_wind_sigma_ms,
        capsize_leeway_fraction=body.capsize_leeway_fraction,
        scenarios=tuple(
            ScenarioSpec(
                kind=sc.kind, lon=sc.lon, lat=sc.lat, weight=sc.weight, radius_m=sc.radius_m,
                lon2=sc.lon2, lat2=sc.lat2, radius2_m=sc.radius2_m, time=sc.time,
                time2=sc.time2, obj=sc.object,
            )
            for sc in body.scenarios
        ),
    )  # fmt: skip


#: The phase of a run while its steps are counted (the drift use case names the others).
_DRIFTING = "drifting"


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _execute(
    station: Station,
    runs: DriftRuns,
    run_id: str,
    req: DriftRequest,
    cache_dir: Path,
    case_id: str | None,
    actor: str,
    report: JobProgress | None = None,
) -> DriftRunRecord:
    from sarwatch.services.drift import predict_drift

    runs.update(run_id, status="running", started_at=_utc_now(), error=None, error_type=None)
    fraction = 0.0

    def phase(name: str) -> None:  # the record here, the job for every other worker
        runs.update(run_id, phase=name)
        if report is not None:
            report(fraction, name)

    def progress(done: int, total: int) -> None:
        nonlocal fraction
        fraction = done / max(total, 1)
        runs.update(run_id, progress=fraction, phase=_DRIFTING)
        if report is not None:
            report(fraction, _DRIFTING)

    try:
        out_dir = runs.run_dir(run_id)
        result = predict_drift(
            req, cache_dir=cache_dir, out_dir=out_dir, progress=progress, on_phase=phase
        )
        files = {kind: path.name for kind, path in result.files.items() if path.parent == out_dir}
    except SarwatchError as exc:
        return runs.update(
            run_id, status="failed", error=str(exc), error_type=type(exc).__name__,
            finished_at=_utc_now(),
        )  # fmt: skip
    except Exception as exc:  # a bug must not kill the worker; the run reports it
        return runs.update(
            run_id, status="failed", error=unexpected_error_text(exc, "sarwatch.drift"),
            error_type="Error",
            finished_at=_utc_now(),
        )  # fmt: skip
    attachment = None
    if case_id is not None:  # the run is done whatever the case says: two outcomes
        attachment = _attach(station, case_id, req, result, actor=actor, run_id=run_id)
    return runs.update(
        run_id, status="done", progress=1.0, files=files, finished_at=_utc_now(),
        attachment=attachment,
    )  # fmt: skip


def _prepared(body: DriftCreate, settings: Settings) -> DriftRequest:
    """The drift request of ``body``, its forcing taken from the library as asked."""
    req = _request(body, Path(settings.home_dir))
    if body.use_library:  # the freshest forecasts covering the run (a stale one: refused)
        from sarwatch.services.forcing_choice import DEFAULT_MAX_AGE_H, library_forcing
        from sarwatch.services.forcing_library import ForcingLibrary, library_root

        req, _ = library_forcing(
            req,
            ForcingLibrary(library_root(Path(settings.home_dir))),
            max_age_h=body.max_forecast_age_h or DEFAULT_MAX_AGE_H,
        )
    return req


def run_drift_job(station: Station, job: JobRecord, report: JobProgress) -> None:
    """Compute the drift run of a job this worker claimed (any worker may have queued it).

    Raises
    ------
    SarwatchError
        The run failed (its record says why too), so the job fails with the reason.
    """
    runs = station.drift_runs
    runs.adopt(job.job_id)
    settings = station.settings
    body = DriftCreate.model_validate(job.request["body"])
    report(0.0, "choosing forcing")
    try:
        req = _prepared(body, settings)
    except SarwatchError as exc:  # the library changed since the run was asked for
        runs.update(
            job.job_id, status="failed", error=str(exc), error_type=type(exc).__name__,
            finished_at=_utc_now(),
        )  # fmt: skip
        raise
    record = _execute(
        station, runs, job.job_id, req, Path(settings.cache_dir), body.case_id,
        str(job.request["actor"]), report,
    )  # fmt: skip
    if record.status == "failed":
        raise SarwatchError(record.error or "the drift run failed")


def _attach(
    station: Station,
    case_id: str,
    req: DriftRequest,
    result: DriftResult,
    *,
    actor: str,
    run_id: str,
) -> dict[str, Any]:
    """Attach a finished run to its case through the writer queue; the outcome."""
    from sarwatch.services.attachments import Attachments

    attachments = Attachments(station.cases)
    try:
        station.writer_pool.submit(
            attachments.drift_run, case_id, req, result, actor=actor, run_id=run_id
        ).result()
    except SarwatchError as exc:
        return {"case_id": case_id, "status": "refused", "error": str(exc)}
    except Exception as exc:  # the run stands; say why it is not in the case
        error = unexpected_error_text(exc, "sarwatch.drift")
        return {"case_id": case_id, "status": "refused", "error": error}
    return {"case_id": case_id, "status": "attached", "error": None}


router = APIRouter(prefix="/api/drift", tags=["drift"])


@router.post(
    "",
    status_code=202,
    response_model=DriftRunPublic,
    openapi_extra={
        COORDINATOR_ONLY_KEY: (
            "only coordinators may start a drift run: it carries the live position of people "
            "in distress; observers may follow runs with GET /api/drift"
        )
    },
)
def start_drift(
    body: DriftCreate,
    user: Coordinator,
    settings: SettingsDep,
    runs: DriftRunsDep,
    station: StationDep,
) -> DriftRunPublic:
    """Start a drift run in the background; poll ``GET /api/drift/{run_id}``.

    Coordinators only: a run carries the live position of people in distress.
    The run and its outputs are kept under ``<home_dir>/runs/<run_id>/`` and
    outlive a restart of the server.
    """
    require_utc(body.time, "time")  # a naive time is refused before anything else
    from sarwatch.services.drift import check_drift_request

    req = _prepared(body, settings)
    check_drift_request(req, cache_dir=Path(settings.cache_dir))  # refuse now, not later
    if body.case_id is not None:  # an unknown or closed case: refused before the run
        from sarwatch.services.attachments import Attachments

        Attachments(station.cases).require_writable(body.case_id)
    record = runs.create(user.name, body.model_dump(mode="json"))
    if body.case_id is not None:
        record = runs.update(
            record.run_id,
            attachment={"case_id": body.case_id, "status": "pending", "error": None},
        )
    request = {"body": body.model_dump(mode="json"), "actor": user.name}
    station.jobs.submit(record.run_id, "drift", request)  # any worker may take it up
    return _public(record)


@router.get("", response_model=list[DriftRunPublic])
def list_drift_runs(
    runs: DriftRunsDep,
    _user: Observer,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[DriftRunPublic]:
    """The station's drift runs, newest first (without their summaries)."""
    return [_public(record) for record in runs.recent(limit=limit)]


@router.get("/{run_id}", response_model=DriftRunPublic)
def drift_status(
    run_id: str, runs: DriftRunsDep, _user: Observer, response: Response
) -> DriftRunPublic:
    """Status, progress (0-1), who started it with which request and, when done, the summary.

    Any server worker answers, from the store (the ``X-Sarwatch-Worker`` header gives
    its process id). A run whose worker died is taken up again by another (``attempts``
    counts them); one that was still going when the last try stopped (or the server
    stopped) is ``failed`` with ``error_type`` ``Interrupted`` and the reason.
    """
    response.headers[WORKER_HEADER] = str(os.getpid())
    record = runs.get(run_id)
    return _public(record, runs.summary(run_id) if record.status == "done" else None)


def _download(runs: DriftRuns, run_id: str, kind: str) -> FileResponse:
    record = runs.get(run_id)
    if record.status != "done":
        raise ConflictError(f"drift run {run_id} is {record.status}, not done: poll it first")
    path = runs.file(run_id, kind)
    if path is None:
        raise NotFoundError(
            f"drift run {run_id} has no {kind} file (its directory on the server was "
            "changed); start the run again"
        )
    return FileResponse(path, media_type=_DOWNLOADS[kind], filename=f"drift-{run_id}{path.suffix}")


@router.get("/{run_id}/geojson", response_class=FileResponse)
def drift_geojson(run_id: str, runs: DriftRunsDep, _user: Observer) -> FileResponse:
    """Start, centroid track and 50/90/95 % containment polygons per output time."""
    return _download(runs, run_id, "geojson")


@router.get("/{run_id}/png", response_class=FileResponse)
def drift_png(run_id: str, runs: DriftRunsDep, _user: Observer) -> FileResponse:
    """The PNG map of the run."""
    return _download(runs, run_id, "png")


@router.get("/{run_id}/netcdf", response_class=FileResponse)
def drift_netcdf(run_id: str, runs: DriftRunsDep, _user: Observer) -> FileResponse:
    """The particle trajectories as a CF trajectory NetCDF file (seed recorded)."""
    return _download(runs, run_id, "netcdf")


def install(app: FastAPI) -> None:
    """Attach the drift routes; the station's job runner runs drift jobs."""
    from functools import partial

    station = station_of(app)
    station.add_job_handler("drift", partial(run_drift_job, station))
    app.include_router(router)
