"""One place where sarwatch errors become HTTP responses."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from sarwatch.errors import SarwatchError

__all__ = ["install_error_handlers"]


def install_error_handlers(app: FastAPI) -> None:
    """Map every :class:`~sarwatch.errors.SarwatchError` to its ``http_status``."""

    @app.exception_handler(SarwatchError)
    async def _sarwatch_error(_request: Request, exc: SarwatchError) -> JSONResponse:
        return JSONResponse(
            status_code=exc.http_status,
            content={"error": type(exc).__name__, "detail": str(exc)},
        )
