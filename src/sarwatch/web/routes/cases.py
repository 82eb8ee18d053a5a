"""The case API: cases, position reports, contacts, outcomes, attachments, ledger, feed.

All endpoints need a bearer token (see :mod:`sarwatch.web.auth`); reads need the
``observer`` role, writes ``coordinator``. Every write appends signed events to
the case's ledger and answers with the whole case. Errors come as
``{"error": <class>, "detail": <message>}`` with 401/403/404/409/422.

Reads of one case or of the list are ``async`` and query the store on the event
loop: they are single indexed reads that never wait for a lock (SQLite WAL and
PostgreSQL MVCC readers do not block), and a hop to the thread pool costs more than
the query. Writes, which may wait for the per-case lock, are queued to the app's
writer threads (:mod:`sarwatch.web.writer`: one on SQLite) and awaited.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from sarwatch.domain import (
    CaseProjection,
    Contact,
    Decision,
    Outcome,
    PeopleOnBoard,
    PositionReport,
    Source,
    Vessel,
)
from sarwatch.errors import InputError
from sarwatch.services.feeds import events_after, latest_event_id
from sarwatch.services.ports import CaseRecord, Store
from sarwatch.web.auth import Coordinator, Observer, token_check
from sarwatch.web.case_schemas import (
    AttachmentIn,
    CaseOpenIn,
    CaseOut,
    CaseSummaryOut,
    ContactIn,
    DecisionIn,
    FeedEventOut,
    LedgerEntryOut,
    OutcomeIn,
    PeopleIn,
    PositionIn,
    SourceIn,
    StatusIn,
    UserOut,
    VerificationOut,
    VesselIn,
)
from sarwatch.web.limits import MAX_EVENT_ID, parse_event_id
from sarwatch.web.station import CaseServiceDep, SettingsDep, StationDep, StoreDep
from sarwatch.web.writer import run_write

__all__ = ["install", "router"]

router = APIRouter(prefix="/api", tags=["cases"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or unknown token"},
    403: {"description": "The role may not do this"},
    404: {"description": "No such case"},
    409: {"description": "Illegal status transition, or the case is closed"},
    422: {"description": "Malformed input, position outside the data area, time in the future"},
}


def _source(s: SourceIn) -> Source:
    return Source(s.name, s.quality, s.verification, s.url)


def _position(p: PositionIn) -> PositionReport:
    return PositionReport(p.time, p.lon, p.lat, p.kind, _source(p.source), p.uncertainty_nm, p.note)


def _json(data: Any, status_code: int = 200) -> Response:
    """Serialise once; the shapes are those of the declared response models."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(content=body, status_code=status_code, media_type="application/json")


def _case_body(record: CaseRecord) -> bytes:
    """The case as :func:`_json` writes ``{**state, "head_seq", "head_hash"}``.

    When the store already holds the projection's text (same compact form), the head
    is spliced in instead of serialising the whole case again.
    """
    head = record.head
    head_seq = head.seq if head else None
    head_hash = head.hash if head else None
    text = record.state_json
    if text is None or not text.endswith("}") or text == "{}" or "head_seq" in record.state:
        data = {**record.state, "head_seq": head_seq, "head_hash": head_hash}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    tail = f',"head_seq":{json.dumps(head_seq)},"head_hash":{json.dumps(head_hash)}}}'
    return (text[:-1] + tail).encode("utf-8")


def _case_out(record: CaseRecord, status_code: int = 200) -> Response:
    return Response(
        content=_case_body(record), status_code=status_code, media_type="application/json"
    )


def _summary(record: CaseRecord) -> dict[str, Any]:
    case = CaseProjection(record.state)
    return {
        **record.listing(),
        "last_position": case.last_position_json,
        "people_total": case.people.total,
    }


@router.get("/me", response_model=UserOut, responses=_ERRORS)
async def me(user: Observer) -> dict[str, str]:
    """The user the token belongs to, and their role."""
    return {"name": user.name, "role": user.role}


@router.get("/cases", response_model=list[CaseSummaryOut], responses=_ERRORS)
async def list_cases(
    user: Observer,
    service: CaseServiceDep,
    status_: Annotated[list[str] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_EVENT_ID)] = 0,
) -> Response:
    """Cases, most recently updated first; filter with ``?status=active&status=located``."""
    records = service.list_cases(statuses=status_, limit=limit, offset=offset)
    return _json([_summary(r) for r in records])


@router.post(
    "/cases", response_model=CaseOut, status_code=status.HTTP_201_CREATED, responses=_ERRORS
)
async def open_case(
    body: CaseOpenIn, user: Coordinator, service: CaseServiceDep, request: Request
) -> Response:
    """Open a case from an alert. The id is ``<UTC day>-<SRR>-<number>``."""
    record = await run_write(
        request.app,
        service.open_case,
        title=body.title,
        alert_time=body.alert_time,
        actor=user.name,
        position=_position(body.position) if body.position else None,
        people=PeopleOnBoard(**body.people.model_dump()) if body.people else None,
        vessel=Vessel(**body.vessel.model_dump()) if body.vessel else None,
        sources=[_source(s) for s in body.sources],
        region=body.region,
    )
    return _case_out(record, 201)


#: On PostgreSQL, event ids of concurrent transactions may become visible out of
#: order; the feed re-reads this many ids below the highest it sent, so a late
#: commit is still delivered (SQLite has one writer: no gaps, no look-back).
_PG_LOOKBACK = 256

#: How often a stream asks again whether its token still holds (seconds): a user
#: removed while their stream is open receives at most this much more.
_TOKEN_RECHECK_S = 5.0

#: The last message of a stream whose token was revoked (then the stream ends).
_REVOKED = (
    "event: revoked\ndata: "
    + json.dumps(
        {
            "error": "AuthError",
            "detail": "this token no longer works (its user was removed, or the token "
            "renewed or expired, while the stream was open): ask a coordinator of this "
            "station for a new one and sign in again",
        }
    )
    + "\n\n"
)


async def _feed(
    store: Store,
    request: Request,
    after: int,
    follow: bool,
    poll_s: float,
    wait: Callable[[float], Awaitable[object]] | None = None,
    still_allowed: Callable[[], bool] | None = None,
) -> AsyncIterator[str]:
    """The SSE stream: new rows of the events table, read by id (any process wrote them);
    between reads ``wait(poll_s)`` (PostgreSQL: woken early by NOTIFY) or a sleep.
    ``still_allowed`` is asked every :data:`_TOKEN_RECHECK_S` before a read: once it is
    false the stream sends ``event: revoked`` and ends."""
    lookback = _PG_LOOKBACK if store.dialect == "postgresql" else 0
    cursor = after
    sent: set[int] = set()
    idle = 0.0
    checked = time.monotonic()
    yield "retry: 2000\n\n"
    while True:
        if still_allowed is not None and time.monotonic() - checked >= _TOKEN_RECHECK_S:
            if not await run_in_threadpool(still_allowed):
                yield _REVOKED
                return
            checked = time.monotonic()
        low = max(after, cursor - lookback)
        batch = await run_in_threadpool(events_after, store, low)
        fresh = [(i, d) for i, d in batch if i not in sent]
        for event_id, data in fresh:
            cursor = max(cursor, event_id)
            if lookback:
                sent.add(event_id)
            yield f"id: {event_id}\nevent: {data['kind']}\ndata: {json.dumps(data)}\n\n"
        sent = {i for i in sent if i > cursor - lookback}
        if not follow and len(batch) < 500:
            return
        if fresh:
            idle = 0.0
            continue
        if await request.is_disconnected():
            return
        await (asyncio.sleep(poll_s) if wait is None else wait(poll_s))
        idle += poll_s
        if idle >= 15.0:
            idle = 0.0
            yield ": keep-alive\n\n"


@router.get(
    "/cases/feed",
    responses={
        **_ERRORS,
        200: {
            "description": "A text/event-stream: one event per ledger entry, `event: <kind>`, "
            "`id: <event_id>`, `data:` a FeedEventOut as JSON.",
            "content": {"text/event-stream": {"schema": FeedEventOut.model_json_schema()}},
        },
    },
    response_class=StreamingResponse,
)
async def feed(
    request: Request,
    user: Observer,
    store: StoreDep,
    station: StationDep,
    after: Annotated[
        int | None,
        Query(ge=0, le=MAX_EVENT_ID, description="Start after this event id (default: now)."),
    ] = None,
    follow: Annotated[bool, Query(description="Keep the stream open for new events.")] = True,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """Server-sent events: every change to any case, as it is recorded.

    Resume with the standard ``Last-Event-ID`` header (browsers do it by themselves)
    or ``?after=<event_id>``; ``?after=0&follow=false`` replays the whole log and ends.
    """
    if after is None and last_event_id:
        after = parse_event_id(last_event_id)  # refused here, before the stream starts
    if after is None:
        after = await run_in_threadpool(latest_event_id, store)
    check = token_check(store, request)
    return StreamingResponse(
        _feed(store, request, after, follow, 0.5, station.event_bell.wait, check),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/cases/{case_id}", response_model=CaseOut, responses=_ERRORS)
async def get_case(case_id: str, user: Observer, service: CaseServiceDep) -> Response:
    """One case with everything recorded on it."""
    return _case_out(service.get_record(case_id))


@router.get("/cases/{case_id}/events", response_model=list[LedgerEntryOut], responses=_ERRORS)
def case_events(case_id: str, user: Observer, service: CaseServiceDep) -> list[dict[str, Any]]:
    """The case's signed ledger, in order."""
    return [e.to_json() for e in service.events(case_id)]


@router.get("/cases/{case_id}/verify", response_model=VerificationOut, responses=_ERRORS)
def verify_case(case_id: str, user: Observer, service: CaseServiceDep) -> dict[str, Any]:
    """Verify the case's chain and signatures now; findings name what was tampered with."""
    report = service.verify(case_id)
    return {
        "case_id": report.case_id,
        "ok": report.ok,
        "n_events": report.n_events,
        "head_seq": report.head_seq,
        "key_id": service.signer.key_id,
        "findings": [
            {"problem": f.problem, "seq": f.seq, "message": f.message} for f in report.findings
        ],
    }


@router.post(
    "/cases/{case_id}/reports",
    response_model=CaseOut,
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
)
async def add_report(
    case_id: str, body: PositionIn, user: Coordinator, service: CaseServiceDep, request: Request
) -> Response:
    """Add a position report (refused in the future or outside the station's data area).

    A position the coastline puts on land is recorded as reported and flagged: its
    ``on_land`` holds the nearest sea point, for the coordinator to confirm with the
    source.
    """
    report = _position(body)
    record = await run_write(request.app, service.report_position, case_id, report, actor=user.name)
    return _case_out(record, 201)


@router.post(
    "/cases/{case_id}/contacts",
    response_model=CaseOut,
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
)
async def add_contact(
    case_id: str, body: ContactIn, user: Coordinator, service: CaseServiceDep, request: Request
) -> Response:
    """Log a contact: time, channel, counterpart (MRCC Rome, a ship by MMSI...), summary."""
    contact = Contact(
        body.time,
        body.channel,
        body.counterpart,
        body.summary,
        body.direction,
        body.mmsi,
        tuple(body.attachments),
    )
    record = await run_write(request.app, service.log_contact, case_id, contact, actor=user.name)
    return _case_out(record, 201)


@router.patch("/cases/{case_id}/people", response_model=CaseOut, responses=_ERRORS)
@router.put("/cases/{case_id}/people", response_model=CaseOut, responses=_ERRORS)
async def set_people(
    case_id: str, body: PeopleIn, user: Coordinator, service: CaseServiceDep, request: Request
) -> Response:
    """Update the people-on-board counts: the counts sent replace, the others are kept.

    ``null`` says a count is unknown. The merge is made on the case as recorded at
    the moment of writing (under the case's lock), as ``sarwatch case people`` does;
    ``PUT`` means the same as ``PATCH``.
    """
    given = body.model_dump(exclude_unset=True)
    record = await run_write(request.app, service.update_people, case_id, given, actor=user.name)
    return _case_out(record)


@router.patch("/cases/{case_id}/vessel", response_model=CaseOut, responses=_ERRORS)
@router.put("/cases/{case_id}/vessel", response_model=CaseOut, responses=_ERRORS)
async def set_vessel(
    case_id: str, body: VesselIn, user: Coordinator, service: CaseServiceDep, request: Request
) -> Response:
    """Update the description of the boat: the fields sent replace, the others are kept.

    Merged under the case's lock, as ``sarwatch case vessel``; ``PUT`` means the same
    as ``PATCH``.
    """
    given = body.model_dump(exclude_unset=True)
    record = await run_write(request.app, service.update_vessel, case_id, given, actor=user.name)
    return _case_out(record)


@router.post(
    "/cases/{case_id}/decisions",
    response_model=CaseOut,
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
)
async def add_decision(
    case_id: str, body: DecisionIn, user: Coordinator, service: CaseServiceDep, request: Request
) -> Response:
    """Record a decision and its reason."""
    decision = Decision(body.time, body.summary, body.by or user.name)
    record = await run_write(
        request.app, service.record_decision, case_id, decision, actor=user.name
    )
    return _case_out(record, 201)


@router.post("/cases/{case_id}/status", response_model=CaseOut, responses=_ERRORS)
async def set_status(
    case_id: str, body: StatusIn, user: Coordinator, service: CaseServiceDep, request: Request
) -> Response:
    """Move the case: alert → active → located → closed.

    Rescued, intercepted, arrived and lost come from ``POST …/outcome``, which records
    who took the people and how many; asked for here they are refused with 409.
    """
    record = await run_write(
        request.app,
        service.change_status,
        case_id,
        body.to,
        actor=user.name,
        reason=body.reason,
    )
    return _case_out(record)


@router.post("/cases/{case_id}/outcome", response_model=CaseOut, responses=_ERRORS)
async def set_outcome(
    case_id: str, body: OutcomeIn, user: Coordinator, service: CaseServiceDep, request: Request
) -> Response:
    """Record the outcome; the case moves to rescued, intercepted, arrived or lost."""
    outcome = Outcome(
        body.time,
        body.kind,
        body.by,
        body.taken_to,
        body.survivors,
        body.dead,
        body.missing,
        body.note,
    )
    record = await run_write(request.app, service.record_outcome, case_id, outcome, actor=user.name)
    return _case_out(record)


#: Where each kind of record the server builds is asked for (the request, never the record).
_BUILT_BY_SERVER = {
    "assessment": "POST /api/cases/{id}/assessments with the position",
    "drift_run": "POST /api/drift with case_id",
    "search_plan": "POST /api/plan (or /api/plan/update) with case_id",
    "responders": "POST /api/cases/{id}/responders",
    "reconstruction": "POST /api/cases/{id}/reconstruction",
}


@router.post(
    "/cases/{case_id}/attachments",
    response_model=CaseOut,
    status_code=status.HTTP_201_CREATED,
    responses=_ERRORS,
)
async def add_attachment(
    case_id: str, body: AttachmentIn, user: Coordinator, service: CaseServiceDep, request: Request
) -> Response:
    """Attach a document record that only the client has to the case's ledger.

    Assessments, drift runs, search plans, responders rankings and reconstructions are
    built by the server from the inputs it verified (their own routes); a record of those
    kinds sent by a client would stand in the ledger beside them as if verified: 422.
    """
    if body.kind != "document":
        raise InputError(
            f"kind {body.kind!r}: the server builds this record itself from the inputs it "
            f"verifies: {_BUILT_BY_SERVER[body.kind]}; POST /api/cases/{{id}}/attachments "
            "takes documents only (kind 'document')"
        )
    record = await run_write(
        request.app, service.attach, case_id, body.kind, body.record, actor=user.name
    )
    return _case_out(record, 201)


@router.get(
    "/cases/{case_id}/bundle",
    response_class=FileResponse,
    responses={
        **_ERRORS,
        200: {"content": {"application/zip": {}}},
        403: {"description": "Not a coordinator: observers may not download bundles."},
    },
    openapi_extra={
        "x-coordinator-only": (
            "only coordinators may download a case's evidence bundle: it holds the live "
            "positions, contacts and notes of people who may still be at sea; observers read "
            "the case through GET /api/cases/{case_id}, and the public see closed or "
            "delayed cases, coarsened, at /api/public/cases"
        )
    },
)
def export_bundle(
    case_id: str,
    user: Coordinator,
    service: CaseServiceDep,
    settings: SettingsDep,
    media: Annotated[bool, Query(description="Carry media files (false: by hash only).")] = True,
) -> FileResponse:
    """The evidence bundle (zip): verify it offline with ``sarwatch bundle verify``.

    **Coordinators only.** A bundle is the whole record: exact positions, contacts,
    notes and attachments of people who may still be at sea, so observers get 403
    (they read the same case, live, through ``GET /api/cases/{case_id}``) and the
    public sees only the delayed, coarsened feed at ``/api/public/cases``.
    """
    from sarwatch.services.evidence import build_bundle

    tmp = Path(tempfile.mkdtemp(prefix="sarwatch-bundle-"))
    out = tmp / f"{case_id}.zip"
    try:
        media_root = Path(settings.home_dir) / "media" if media else None
        build_bundle(service, case_id, out, media_root=media_root)
    except BaseException:  # an unknown or tampered case: leave nothing behind
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    def _cleanup() -> None:
        out.unlink(missing_ok=True)
        tmp.rmdir()

    return FileResponse(
        out, media_type="application/zip", filename=out.name, background=BackgroundTask(_cleanup)
    )


def install(app: FastAPI) -> None:
    """Add the case API to the app."""
    app.include_router(router)
