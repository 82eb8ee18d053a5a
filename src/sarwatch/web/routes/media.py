"""``POST /api/cases/{case_id}/media``: a streamed upload of a photo, audio, video or document.

The body is the file itself (not a form), read chunk by chunk from the request
stream into the station's media store while hashed: memory does not grow with the
file. The limit is the station's ``media_max_bytes`` (default 2 GiB), not the JSON
body limit (:class:`~sarwatch.web.limits.BodySizeLimit` lets this route through,
:data:`MEDIA_PATH`). ``Content-Type`` gives the media type; ``file_name`` (query)
the name. An upload cut off before its end leaves no file and no ledger event. The
answer carries the attachment record and, for a photo with EXIF GPS and time, a
``position_offer`` to confirm (never recorded by itself).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool

from sarwatch.web.auth import Coordinator
from sarwatch.web.station import CaseServiceDep, SettingsDep
from sarwatch.web.writer import run_write

__all__ = ["MEDIA_PATH", "install", "router"]

router = APIRouter(prefix="/api", tags=["cases"])

#: The upload route's path: the body-size middleware leaves it to its own limit.
MEDIA_PATH = re.compile(r"/api/cases/[^/]+/media")

#: Received bytes written to disk at a time (chunks from the server are smaller).
_FLUSH_BYTES = 1 << 20


@router.post("/cases/{case_id}/media", status_code=201)
async def upload_media(
    case_id: str,
    file_name: Annotated[str, Query(min_length=1, max_length=255)],
    request: Request,
    user: Coordinator,
    service: CaseServiceDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Stream a media file into the case (coordinators; 404 unknown case, 409 closed,
    413 over the station's media limit, 422 bad name or type)."""
    from sarwatch.services.media import TooLargeError, clean_media_type, media_service

    media = media_service(service, settings)
    clean_media_type(request.headers.get("content-type"), file_name)  # a form: refused first
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > media.max_bytes:
        raise TooLargeError(
            f"the file of {int(declared):,} bytes is larger than this station's media limit "
            f"of {media.max_bytes:,} bytes; raise SARWATCH_MEDIA_MAX_BYTES on the station"
        )
    reception = await run_in_threadpool(media.receive, case_id)
    try:
        pending: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            pending.append(chunk)
            size += len(chunk)
            if size >= _FLUSH_BYTES:
                await run_in_threadpool(reception.write, b"".join(pending))
                pending, size = [], 0
        if pending:
            await run_in_threadpool(reception.write, b"".join(pending))
    except BaseException:  # the client went away, or the limit: nothing is kept
        reception.discard()
        raise
    added = await run_write(
        request.app,
        media.add,
        case_id,
        reception,
        media_type=request.headers.get("content-type"),
        file_name=file_name,
        actor=user.name,
    )
    return added.to_json()


def install(app: FastAPI) -> None:
    """Attach the media upload route."""
    app.include_router(router)
