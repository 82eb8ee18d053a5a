"""One place where errors become HTTP responses, all in one shape: ``{"error", "detail"}``."""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sarwatch.errors import SarwatchError

__all__ = ["install_error_handlers"]


#: What a JSON body should look like, for the message on a malformed one.
_JSON_EXAMPLE = '{"lat": 33.2, "lon": 12.5, "note": "names and strings in double quotes"}'

#: The ranges of coordinates, by the start of the field's name.
_COORDINATE_RANGES = {"lat": (-90, 90), "lon": (-180, 180)}

_BOUND_ERRORS = {"less_than_equal", "greater_than_equal", "less_than", "greater_than"}


def _not_finite(where: str, err: dict[str, Any]) -> str | None:
    """A NaN or infinity refused by a bound: say a number is expected, not a smaller one."""
    value = err.get("input")
    if err.get("type") not in _BOUND_ERRORS or not isinstance(value, float):
        return None
    if math.isfinite(value):
        return None
    got = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    name = str(err.get("loc", ("",))[-1])
    bounds = set((err.get("ctx") or {}).values())
    for prefix, (lo, hi) in _COORDINATE_RANGES.items():
        if name.startswith(prefix) and bounds <= {lo, hi}:
            return f"{where} must be a number between {lo} and {hi}, got {got}"
    return f"{where} must be a finite number, got {got}"


def _describe_one(err: dict[str, Any]) -> str:
    loc = tuple(err.get("loc", ()))
    if err.get("type") == "json_invalid":
        at = f"at character {loc[-1]}: " if len(loc) > 1 else ""
        why = (err.get("ctx") or {}).get("error") or err.get("msg", "JSON decode error")
        return (
            f"the request body is not valid JSON ({at}{why}); send a JSON object, "
            f"e.g. {_JSON_EXAMPLE}"
        )
    where = ".".join(str(p) for p in loc if p != "body") or "request"
    return _not_finite(where, err) or f"{where}: {err.get('msg', 'invalid')}"


def _describe(errors: list[dict[str, Any]]) -> str:
    return "; ".join(_describe_one(err) for err in errors) or "invalid request"


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
