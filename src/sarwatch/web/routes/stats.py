"""``GET /api/stats`` and ``GET /api/stats/chart``: published statistics with their sources.

The figures are public (published by IOM and UNHCR, each row with its source and
date), so these routes need no token: the Monitor tab draws them for anyone. The
answer is that of ``sarwatch stats --json`` (:mod:`sarwatch.services.statistics`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

__all__ = ["install", "router"]

router = APIRouter(prefix="/api/stats", tags=["statistics"])

_MAX_AGE_S = 3600


def _table(year_from: int, year_to: int, series: list[str] | None, by: str) -> Any:
    from sarwatch.services.statistics import statistics

    period: Literal["year", "month"] = "month" if by == "month" else "year"
    return statistics(year_from, year_to, series=series or None, by=period)


@router.get("")
def get_stats(
    year_from: Annotated[int, Query(alias="from", ge=1990, le=2100)],
    year_to: Annotated[int, Query(alias="to", ge=1990, le=2100)],
    series: Annotated[list[str] | None, Query(description="Repeatable series key.")] = None,
    by: Literal["year", "month"] = "year",
) -> dict[str, Any]:
    """Every series by period: the quoted value, its source and date, the status
    (``ok``, ``sources differ``, ``flagged``, ``preliminary``, ``no data``) and every
    source's figure; the sources cited."""
    table = _table(year_from, year_to, series, by)
    out: dict[str, Any] = table.to_json()
    return out


@router.get("/chart", response_class=Response)
async def get_chart(
    year_from: Annotated[int, Query(alias="from", ge=1990, le=2100)],
    year_to: Annotated[int, Query(alias="to", ge=1990, le=2100)],
    series: Annotated[list[str] | None, Query()] = None,
    by: Literal["year", "month"] = "year",
    format: Literal["png", "svg"] = "svg",
    palette: Literal["print", "night"] = "print",
) -> Response:
    """The same statistics drawn by matplotlib (PNG or SVG; print or night palette)."""
    from sarwatch.services.statistics import chart

    table = await run_in_threadpool(_table, year_from, year_to, series, by)
    data = await run_in_threadpool(chart, table, fmt=format, palette=palette)
    media = "image/svg+xml" if format == "svg" else "image/png"
    return Response(
        data, media_type=media, headers={"Cache-Control": f"public, max-age={_MAX_AGE_S}"}
    )


def install(app: FastAPI) -> None:
    """Attach the statistics routes."""
    app.include_router(router)
