"""The ``/verify`` page: an evidence bundle checked in the visitor's browser, offline.

The page (``web/frontend/src/verify*.js``, built by ``make web``) reads a dropped bundle
with the File API and checks it in JavaScript (docs/evidence-format.md): no request
carries the bundle, so the station never sees it and the page works without the
station once loaded. It needs no token: anyone holding a bundle may check it.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from sarwatch.web.routes.map import page_response

__all__ = ["install", "router"]

router = APIRouter()


@router.get("/verify", include_in_schema=False)
def verify_page(request: Request) -> Response:
    """Check an evidence bundle in the browser (nothing is uploaded)."""
    return page_response(request, "verify.html")


def install(app: FastAPI) -> None:
    """Add the ``/verify`` page to the app."""
    app.include_router(router)
