"""One place where errors become HTTP responses, all in one shape: ``{"error", "detail"}``."""

from __future__ import annotations

import math
import typing
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


def _model_at(model: Any, path: tuple[Any, ...]) -> Any:
    """The pydantic model that holds the field at ``path`` inside ``model`` (or None)."""
    from pydantic import BaseModel

    for name in path:
        if isinstance(name, int):  # an index into a list: same model
            continue
        fields = getattr(model, "model_fields", None)
        if not fields:
            return None
        by_alias = {(f.alias or n): f for n, f in fields.items()}
        field = by_alias.get(name)
        if field is None:
            return None
        candidates = [field.annotation, *typing.get_args(field.annotation)]
        for arg in list(candidates):
            candidates += typing.get_args(arg)
        model = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
    return model


def _unknown_field(err: dict[str, Any], body_model: Any) -> str | None:
    """An unknown field: name the ones the request takes, and the nearest to the one given."""
    import difflib

    loc = tuple(err.get("loc", ()))
    if err.get("type") != "extra_forbidden" or len(loc) < 2 or loc[0] != "body":
        return None
    model = _model_at(body_model, loc[1:-1])
    fields = getattr(model, "model_fields", None)
    if not fields:
        return None
    names = [f.alias or n for n, f in fields.items()]
    given = str(loc[-1])
    where = ".".join(str(p) for p in loc[1:-1])
    close = difflib.get_close_matches(given, names, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    inside = f" in {where}" if where else ""
    return f"unknown field '{given}'{inside}{hint}; the fields are: {', '.join(names)}"


def _unknown_choice(err: dict[str, Any], body_model: Any) -> str | None:
    """A value outside an enumeration, in the user's words: "unknown outcome kind 'saved':
    use one of rescued, ..." (the enumeration's name read from the field's annotation)."""
    import enum
    import re

    loc = tuple(err.get("loc", ()))
    if err.get("type") != "enum" or not loc:
        return None
    model = _model_at(body_model, loc[1:-1]) if loc[0] == "body" else None
    field = getattr(model, "model_fields", {}).get(str(loc[-1]))
    kinds = [field.annotation, *typing.get_args(field.annotation)] if field else []
    cls = next((k for k in kinds if isinstance(k, type) and issubclass(k, enum.Enum)), None)
    what = re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__).lower() if cls else "value"
    where = ".".join(str(p) for p in loc if p != "body")
    names = ", ".join(str(m.value) for m in cls) if cls else (err.get("ctx") or {}).get("expected")
    return f"{where}: unknown {what} {err.get('input')!r}: use one of {names}"


def _describe_one(err: dict[str, Any], body_model: Any = None) -> str:
    loc = tuple(err.get("loc", ()))
    unknown = _unknown_field(err, body_model) or _unknown_choice(err, body_model)
    if unknown:
        return unknown
    if err.get("type") == "json_invalid":
        at = f"at character {loc[-1]}: " if len(loc) > 1 else ""
        why = (err.get("ctx") or {}).get("error") or err.get("msg", "JSON decode error")
        return (
            f"the request body is not valid JSON ({at}{why}); send a JSON object, "
            f"e.g. {_JSON_EXAMPLE}"
        )
    where = ".".join(str(p) for p in loc if p != "body") or "request"
    return _not_finite(where, err) or f"{where}: {err.get('msg', 'invalid')}"


def _describe(errors: list[dict[str, Any]], body_model: Any = None) -> str:
    return "; ".join(_describe_one(err, body_model) for err in errors) or "invalid request"


def _body_model(request: Request) -> Any:
    """The pydantic model of the route's JSON body, if it has one."""
    body_field = getattr(request.scope.get("route"), "body_field", None)
    return getattr(getattr(body_field, "field_info", None), "annotation", None)


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

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # A bug, not the client's fault: JSON like every other answer (never a plain-text
        # 500); the traceback goes to the server's log, the message stays there. Sent by
        # Starlette's outermost middleware, outside the request guard: its headers here.
        from sarwatch.web.guard import SECURITY_HEADERS

        return JSONResponse(
            status_code=500,
            content={
                "error": "InternalError",
                "detail": "the station failed to answer this request (a fault in sarwatch, "
                "logged on the station); try again, and report it if it persists",
            },
            headers={**SECURITY_HEADERS, "Cache-Control": "no-store"},
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        return JSONResponse(
            status_code=422,
            content={
                "error": "InputError",
                "detail": _describe(errors, _body_model(request)),
                "errors": jsonable_encoder(errors, exclude={"input", "ctx", "url"}),
            },
        )
