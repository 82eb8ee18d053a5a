"""The incident register API: list, totals, one incident, record, merge, import, export.

Reads need the ``observer`` role, writes ``coordinator`` (as the case routes,
:mod:`sarwatch.web.auth`). Every write is a signed event of the register's chain.
``GET /api/public/incidents`` needs no token: the open-data view (delayed, rounded,
no names or free text; :mod:`sarwatch.services.open_data`).
An import's body is the file itself (``SARWATCH_MAX_BODY_BYTES``, 1 MiB by default:
import larger files with ``sarwatch incidents import``).
"""

from __future__ import annotations

import json
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from sarwatch.domain.events import parse_time
from sarwatch.incidents import (
    COUNT_FIELDS,
    DRAFT_ID,
    Incident,
    IncidentQuery,
    IncidentRecord,
    IncidentSource,
    IncidentType,
    People,
    record_to_json,
)
from sarwatch.incidents.query import query_from_text
from sarwatch.services.container import Station
from sarwatch.services.incident_files import export_file, import_file
from sarwatch.services.incidents import IncidentService
from sarwatch.services.open_data import public_incident_views, public_version
from sarwatch.services.public_feed import PublicPolicy
from sarwatch.services.public_static import CACHE_CONTROL, etag_of, matches_etag
from sarwatch.web.auth import Coordinator, Observer
from sarwatch.web.limits import MAX_EVENT_ID
from sarwatch.web.station import SettingsDep, StationDep
from sarwatch.web.writer import run_write

__all__ = ["install", "router"]

router = APIRouter(prefix="/api", tags=["incidents"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or unknown token"},
    403: {"description": "The role may not do this"},
    404: {"description": "No such incident"},
    409: {"description": "A merge that is not allowed, a record already in the register"},
    422: {"description": "Malformed input"},
}


def _service(station: StationDep) -> IncidentService:
    return IncidentService.for_cases(station.cases)


ServiceDep = Annotated[IncidentService, Depends(_service)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IncidentSourceIn(_In):
    """A source, graded on the IOM scale."""

    name: str = Field(min_length=1, max_length=200)
    quality: int = Field(ge=1, le=5, description="IOM grade: 1 single media source ... 5 official")
    url: str | None = Field(default=None, max_length=2000)
    reference: str | None = Field(default=None, max_length=200)


class IncidentPeopleIn(_In):
    """Counts (minimum estimates; omitted: unknown)."""

    survivors: int | None = Field(default=None, ge=0)
    dead: int | None = Field(default=None, ge=0)
    missing: int | None = Field(default=None, ge=0)
    females: int | None = Field(default=None, ge=0)
    males: int | None = Field(default=None, ge=0)
    children: int | None = Field(default=None, ge=0)


class IncidentIn(_In):
    """A new report (the register gives it its id)."""

    kind: Literal[
        "shipwreck", "interception_return", "arrival", "non_assistance", "push_back", "sighting"
    ]
    time: str = Field(description="ISO 8601 with a zone, e.g. 2018-06-19T08:00:00Z")
    time_precision: Literal["minute", "day", "month"] = "minute"
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    place: str = Field(default="", max_length=300)
    country: str = Field(default="", max_length=100)
    route: str = Field(default="", max_length=100)
    people: IncidentPeopleIn = Field(default_factory=IncidentPeopleIn)
    actors: list[str] = Field(default_factory=list, max_length=50)
    sources: list[IncidentSourceIn] = Field(min_length=1, max_length=50)
    case_id: str | None = None
    cause: str = Field(default="", max_length=300)
    note: str = Field(default="", max_length=5000)
    merge: bool = Field(default=True, description="merge with a report of the same event")


class IncidentMergeIn(_In):
    """Merge this report into ``into``."""

    into: str
    reason: str = Field(min_length=1, max_length=1000)


class IncidentReasonIn(_In):
    """Why."""

    reason: str = Field(default="", max_length=1000)


class IncidentCaseLinkIn(_In):
    """The case to link (``null`` unlinks)."""

    case_id: str | None


def _out(record: IncidentRecord) -> dict[str, Any]:
    return {"incident_id": record.incident_id, **record_to_json(record)}


def _query(
    start: str | None, end: str | None, kinds: list[str] | None, place: str | None,
    bbox: str | None, reports: bool = False,
) -> IncidentQuery:  # fmt: skip
    return query_from_text(
        start, end, kinds, place, bbox, reports=reports,
        bbox_name="bbox",
    )  # fmt: skip


_From = Annotated[str | None, Query(alias="from", description="2018, 2018-06 or 2018-06-19")]
_To = Annotated[str | None, Query(alias="to", description="inclusive, as from")]
_Type = Annotated[list[str] | None, Query(alias="type")]
_Place = Annotated[str | None, Query()]
_Bbox = Annotated[str | None, Query(description="lon_min,lat_min,lon_max,lat_max")]


@router.get("/incidents", responses=_ERRORS)
def list_incidents(
    user: Observer,
    service: ServiceDep,
    start: _From = None,
    end: _To = None,
    kinds: _Type = None,
    place: _Place = None,
    bbox: _Bbox = None,
    reports: bool = False,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_EVENT_ID)] = 0,
) -> dict[str, Any]:
    """Incidents by time (each event once unless ``reports``), with the total count."""
    query = _query(start, end, kinds, place, bbox, reports)
    found = service.find(query, limit=limit, offset=offset)
    return {"total": service.count(query), "incidents": [_out(r) for r in found]}


@router.get("/incidents/totals", responses=_ERRORS)
def incident_totals(
    user: Observer,
    service: ServiceDep,
    by: str = "year",
    start: _From = None,
    end: _To = None,
    kinds: _Type = None,
    place: _Place = None,
    bbox: _Bbox = None,
) -> list[dict[str, Any]]:
    """Events, survivors, dead and missing by period (year, month) and type; a count
    no incident of the period knows is ``null`` (unknown), not zero."""
    rows = service.totals(_query(start, end, kinds, place, bbox), by=by)
    return [r.to_json() for r in rows]


@router.get("/incidents/export", responses=_ERRORS)
def export_incidents(
    user: Observer,
    service: ServiceDep,
    fmt: Annotated[Literal["mmp", "csv", "geojson"], Query(alias="format")] = "csv",
) -> Response:
    """The register as a file (``mmp``: one row per event; csv, geojson: every report)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"incidents.{fmt}"
        export_file(service, out, fmt=fmt)
        body = out.read_bytes()
    media = "application/geo+json" if fmt == "geojson" else "text/csv; charset=utf-8"
    suffix = "geojson" if fmt == "geojson" else "csv"
    disposition = f'attachment; filename="incidents-{fmt}.{suffix}"'
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


@router.get("/incidents/{incident_id}", responses=_ERRORS)
def get_incident(incident_id: str, user: Observer, service: ServiceDep) -> list[dict[str, Any]]:
    """One incident's group: its head first, then the reports merged into it."""
    return [_out(r) for r in service.group(incident_id)]


@router.post("/incidents", status_code=status.HTTP_201_CREATED, responses=_ERRORS)
async def record_incident(
    body: IncidentIn, request: Request, user: Coordinator, service: ServiceDep
) -> dict[str, Any]:
    """Record a report; it is merged with a report of the same event if one is close."""
    report = Incident(
        incident_id=DRAFT_ID,
        kind=IncidentType(body.kind),
        time=parse_time(body.time, "time"),
        time_precision=body.time_precision,
        lon=body.lon,
        lat=body.lat,
        place=body.place,
        country=body.country,
        route=body.route,
        people=People(**{n: getattr(body.people, n) for n in COUNT_FIELDS}),
        actors=tuple(body.actors),
        sources=tuple(IncidentSource(s.name, s.quality, s.url, s.reference) for s in body.sources),
        case_id=body.case_id,
        cause=body.cause,
        note=body.note,
    )
    actor = f"api:{user.name}"
    done = await run_write(request.app, service.record, report, actor=actor, merge=body.merge)
    (incident_id,) = done.incident_ids
    merges = [{"into": m.into, "merged": m.merged} for m in done.merges]
    return {"incident": _out(service.get(incident_id)), "merges": merges}


@router.post("/incidents/{incident_id}/merge", responses=_ERRORS)
async def merge_incident(
    incident_id: str,
    body: IncidentMergeIn,
    request: Request,
    user: Coordinator,
    service: ServiceDep,
) -> dict[str, Any]:
    """Merge this report into another report of the same event (reversible)."""
    record = await run_write(
        request.app, service.merge, body.into, incident_id, actor=f"api:{user.name}",
        reason=body.reason,
    )  # fmt: skip
    return _out(record)


@router.post("/incidents/{incident_id}/unmerge", responses=_ERRORS)
async def unmerge_incident(
    incident_id: str,
    body: IncidentReasonIn,
    request: Request,
    user: Coordinator,
    service: ServiceDep,
) -> dict[str, Any]:
    """Undo this report's merge."""
    record = await run_write(
        request.app, service.unmerge, incident_id, actor=f"api:{user.name}", reason=body.reason
    )
    return _out(record)


@router.post("/incidents/{incident_id}/sources", responses=_ERRORS)
async def add_incident_source(
    incident_id: str,
    body: IncidentSourceIn,
    request: Request,
    user: Coordinator,
    service: ServiceDep,
) -> dict[str, Any]:
    """Add a graded source to a report."""
    source = IncidentSource(body.name, body.quality, body.url, body.reference)
    record = await run_write(
        request.app, service.add_source, incident_id, source, actor=f"api:{user.name}"
    )
    return _out(record)


@router.put("/incidents/{incident_id}/case", responses=_ERRORS)
async def link_incident_case(
    incident_id: str,
    body: IncidentCaseLinkIn,
    request: Request,
    user: Coordinator,
    service: ServiceDep,
) -> dict[str, Any]:
    """Link a report to a live case (``null`` unlinks)."""
    record = await run_write(
        request.app, service.link_case, incident_id, body.case_id, actor=f"api:{user.name}"
    )
    return _out(record)


@router.post("/incidents/import", responses=_ERRORS)
async def import_incidents(
    request: Request,
    user: Coordinator,
    service: ServiceDep,
    fmt: Annotated[Literal["mmp", "csv", "geojson"], Query(alias="format")],
    quality: Annotated[int | None, Query(ge=1, le=5)] = None,
    strict: bool = False,
) -> dict[str, Any]:
    """Import a file sent as the request body, in one transaction; the import's report."""
    body = await request.body()
    suffix = {"mmp": ".csv", "csv": ".csv", "geojson": ".geojson"}[fmt]

    def run() -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"upload{suffix}"
            path.write_bytes(body)
            report = import_file(
                service, path, fmt=fmt, actor=f"api:{user.name}", default_quality=quality,
                strict=strict,
            )  # fmt: skip
            return report.to_json()

    return await run_write(request.app, run)


#: The last public answer per store: (version, bytes, ETag). Built again only when the
#: register or a case changed, or a minute passed (incidents age into the open data).
_public_cache: dict[str, tuple[tuple[Any, ...], bytes, str]] = {}
#: One build at a time: a crowd waits for the one answer instead of each building it.
_public_lock = threading.Lock()


def _public_body(station: Station, policy: PublicPolicy) -> tuple[bytes, str]:
    now = datetime.now(UTC)
    key = (public_version(station.cases), now.replace(second=0, microsecond=0), policy)
    where = f"{station.settings.home_dir}|{station.settings.database_url}"
    with _public_lock:
        hit = _public_cache.get(where)
        if hit is not None and hit[0] == key:
            return hit[1], hit[2]
        views = public_incident_views(station.cases, policy, now)
        data = json.dumps(views, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        etag = etag_of(data)
        _public_cache[where] = (key, data, etag)
        return data, etag


@router.get("/public/incidents", tags=["public"])
async def public_incidents(
    request: Request, station: StationDep, settings: SettingsDep
) -> Response:
    """Incidents as open data: each event once, delayed, rounded, no names or free text.

    A list of objects (as ``incidents export --public``'s incidents table), with an
    ``ETag`` and ``Cache-Control`` as the public feed; built once per change of the
    register or the cases (or per minute), not per request: it needs no token.
    """
    policy = PublicPolicy(settings.public_delay_h, settings.public_round_deg)
    data, etag = await run_in_threadpool(_public_body, station, policy)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if matches_etag(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="application/json", headers=headers)


def install(app: FastAPI) -> None:
    """Add the incident routes to the app."""
    app.include_router(router)
