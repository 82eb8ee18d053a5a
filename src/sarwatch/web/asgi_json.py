"""A JSON refusal sent straight from ASGI middleware, before any route runs.

The guard (bad host, bad header), the body limit (413) and the public work limit (503)
answer from below FastAPI, so its exception handlers do not apply: they send the
project's error body, ``{"error": ..., "detail": ...}``, themselves, through this one
function.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from starlette.types import Send

__all__ = ["send_json_error"]


async def send_json_error(
    send: Send,
    status: int,
    error: str,
    detail: str,
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    """Send ``{"error": error, "detail": detail}`` with ``status`` and extra ``headers``
    (content type and length are set here)."""
    body = json.dumps({"error": error, "detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
