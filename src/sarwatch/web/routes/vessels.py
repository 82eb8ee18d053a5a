"""The live AIS picture and a case's responders over HTTP.

``GET /api/vessels?bbox=lon_min,lat_min,lon_max,lat_max&since=ISO&track_min=N``: the
vessels whose last report lies in the box and is not older than ``since``, with their
kind, whether they are SAR units, and optionally their track of the last ``N`` minutes.

``GET /api/cases/{id}/responders``: the ranking of ``sarwatch responders --json``
(:mod:`sarwatch.services.responders`); ``POST`` computes it and attaches it, with the
AIS picture used and its SHA-256, to the case's ledger.

Reads need the ``observer`` role, like the case reads (a case's responders show no more
of the case than ``GET /api/cases/{id}`` does: its drift cloud's centre); the attachment
is a write, for coordinators.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from sarwatch.domain.events import format_time, parse_time
from sarwatch.geo.bbox import parse_bbox
from sarwatch.vessels.types import VesselState
from sarwatch.web.auth import Coordinator, Observer
from sarwatch.web.station import StationDep

if TYPE_CHECKING:
    from sarwatch.vessels.picture import LivePicture

__all__ = ["install", "router"]

router = APIRouter(prefix="/api", tags=["vessels"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or unknown token"},
    403: {"description": "The role may not do this"},
    404: {"description": "No such case"},
    409: {"description": "The case is closed (attaching)"},
    422: {"description": "Malformed bbox, since or parameters; a case without a position"},
}
#: The longest track a vessel listing returns, minutes (the live picture keeps 6 h).
MAX_TRACK_MIN = 360


def _vessel(state: VesselState, track: list[list[Any]] | None) -> dict[str, Any]:
    r, st = state.report, state.static
    out: dict[str, Any] = {
        "mmsi": r.mmsi,
        "name": None if st is None else st.name,
        "callsign": None if st is None else st.callsign,
        "type": str(state.kind),
        "ship_type": None if st is None else st.ship_type,
        "sar": state.kind.sar_capable,
        "time": format_time(r.time),
        "lon": r.lon,
        "lat": r.lat,
        "sog_kn": r.sog_kn,
        "cog_deg": r.cog_deg,
        "heading_deg": r.heading_deg,
        "nav_status": r.nav_status,
    }
    if track is not None:
        out["track"] = track
    return out


class _RowCache:
    """Each vessel's JSON row, kept until its last report or static data change.

    A listing serialises only the vessels that reported since the last one (the live
    feed changes a small share of 5,000 vessels between two polls of the map); the rest
    are the bytes of before. Keyed by MMSI and track length asked; a row is reused while
    the vessel's last report and static record are the same objects (the picture
    replaces them on change, it never mutates them). Rows of vessels no longer listed
    are dropped when the cache has twice as many rows as the picture has vessels.
    """

    def __init__(self) -> None:
        self._rows: dict[tuple[int, int], tuple[object, object, bytes]] = {}
        self._lock = threading.Lock()

    def rows(self, picture: LivePicture, states: list[VesselState], track_min: int) -> list[bytes]:
        out = []
        with self._lock:
            rows = self._rows
            for s in states:
                key = (s.mmsi, track_min)
                hit = rows.get(key)
                if hit is not None and hit[0] is s.report and hit[1] is s.static:
                    out.append(hit[2])
                    continue
                track = None
                if track_min:
                    first = s.report.time - timedelta(minutes=track_min)
                    track = [
                        [p.lon, p.lat, format_time(p.time)]
                        for p in picture.track(s.mmsi)
                        if p.time >= first
                    ]
                data = json.dumps(_vessel(s, track), ensure_ascii=False, separators=(",", ":"))
                row = data.encode("utf-8")
                rows[key] = (s.report, s.static, row)
                out.append(row)
            if len(rows) > 2 * max(len(picture), 1000):
                rows.clear()
        return out


def _row_cache(request: Request) -> _RowCache:
    cache = getattr(request.app.state, "vessel_rows", None)
    if cache is None:
        cache = request.app.state.vessel_rows = _RowCache()
    return cache


def _json(data: Any) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(content=body, media_type="application/json")


@router.get("/vessels", responses=_ERRORS)
async def list_vessels(
    request: Request,
    user: Observer,
    station: StationDep,
    bbox: Annotated[str | None, Query(description="lon_min,lat_min,lon_max,lat_max")] = None,
    since: Annotated[str | None, Query(description="ISO 8601 UTC; default 6 h ago")] = None,
    track_min: Annotated[int, Query(ge=0, le=MAX_TRACK_MIN)] = 0,
) -> Response:
    """The live picture: ``{"as_of", "count", "vessels": [...]}``, each vessel with its
    last report, kind and SAR mark, and with ``track_min`` its track as
    ``[[lon, lat, "time"], ...]`` oldest first."""
    box = parse_bbox(bbox)
    now = datetime.now(UTC)
    after = parse_time(since, "since") if since else now - timedelta(hours=6)
    picture = station.vessels
    states = picture.vessels(bbox=box, since=after)
    rows = _row_cache(request).rows(picture, states, track_min)
    head = f'{{"as_of":"{format_time(now.replace(microsecond=0))}","count":{len(rows)},"vessels":['
    body = b"".join((head.encode("ascii"), b",".join(rows), b"]}"))
    return Response(content=body, media_type="application/json")


def _responders(
    station: Any, case_id: str, options: dict[str, Any], actor: str | None
) -> dict[str, Any]:
    from sarwatch.services.responders import responders
    from sarwatch.services.responders_land import land_options

    return responders(
        station.cases,
        station.vessels,
        Path(station.settings.home_dir),
        case_id,
        attach_as=actor,
        **land_options(station.settings.cache_dir),
        **options,
    )


_MaxAge = Annotated[float, Query(gt=0, le=48, description="leave out older reports, hours")]
_MinSpeed = Annotated[float, Query(gt=0, le=60, description="speed assumed when less, knots")]


@router.get("/cases/{case_id}/responders", responses=_ERRORS)
async def case_responders(
    case_id: str,
    user: Observer,
    station: StationDep,
    max_age_h: _MaxAge = 6.0,
    min_speed_kn: _MinSpeed = 8.0,
) -> Response:
    """Every vessel of the live picture ranked by its time to reach the case's target
    (its latest drift run, or its last position: ``cloud.source`` and ``cloud.note``)."""
    options = {"max_age_h": max_age_h, "min_speed_kn": min_speed_kn}
    answer = await run_in_threadpool(_responders, station, case_id, options, None)
    return _json(answer)


@router.post("/cases/{case_id}/responders", responses=_ERRORS)
async def attach_responders(
    case_id: str,
    user: Coordinator,
    station: StationDep,
    max_age_h: _MaxAge = 6.0,
    min_speed_kn: _MinSpeed = 8.0,
) -> Response:
    """Rank as the GET does and attach the ranking and the AIS picture used (with its
    SHA-256) to the case; the answer's ``attachment`` names the hash."""
    options = {"max_age_h": max_age_h, "min_speed_kn": min_speed_kn}
    answer = await run_in_threadpool(_responders, station, case_id, options, user.name)
    return _json(answer)


def install(app: FastAPI) -> None:
    """Attach the vessel and responder routes."""
    app.include_router(router)
