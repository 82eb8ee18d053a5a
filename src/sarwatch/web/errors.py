"""One place where errors become HTTP responses, all in one shape: ``{"error", "detail"}``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sarwatch.errors import SarwatchError

__all__ = ["install_error_handlers"]


def _describe(errors: list[dict[str, Any]]) -> str:
    parts = []
    for err in errors:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "request"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Map every :class:`~sarwatch.errors.SarwatchError` to its ``http_status``, and
    FastAPI's own request validation failures to 422 in the same shape (with the
    field-level list under ``errors``)."""

    @app.exception_handler(SarwatchError)
    async def _sarwatch_error(_request: Request, exc: SarwatchError) -> JSONResponse:
        return JSONResponse(
            status_code=exc.http_status,
            content={"error": type(exc).__name__, "detail": str(exc)},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        names = {
            404: "NotFoundError",
            405: "MethodNotAllowed",
            401: "AuthError",
            413: "RequestTooLarge",
        }
        return JSONResponse(
            status_code=exc.status_code,
            content={"error": names.get(exc.status_code, "HTTPError"), "detail": exc.detail},
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        return JSONResponse(
            status_code=422,
            content={
                "error": "InputError",
                "detail": _describe(errors),
                "errors": jsonable_encoder(errors, exclude={"input", "ctx", "url"}),
            },
        )
