"""``GET /api/stats`` and ``GET /api/stats/chart``: published statistics with their sources.

The figures are public (published by IOM and UNHCR, each row with its source and
date), so these routes need no token: the Monitor tab draws them for anyone. With
``register=true`` (the default) the station's incident register is a second source,
monthly totals only, and only of months that ended more than the public feed's delay
ago (``public_delay_h``): aggregates, never an incident. The answer is that of
``sarwatch stats --json`` (:mod:`sarwatch.services.statistics`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sarwatch.services.cases import CaseService
from sarwatch.web.station import CaseServiceDep, SettingsDep

__all__ = ["install", "router"]

router = APIRouter(prefix="/api/stats", tags=["statistics"])

_MAX_AGE_S = 3600


def _table(
    year_from: int,
    year_to: int,
    series: list[str] | None,
    by: str,
    cases: CaseService | None = None,
    delay_h: float = 0.0,
) -> Any:
    from sarwatch.services.statistics import PackagedSeries, StatisticsSource, statistics

    period: Literal["year", "month"] = "month" if by == "month" else "year"
    sources: list[StatisticsSource] = [PackagedSeries()]
    if cases is not None:
        from sarwatch.services.incidents import IncidentService
        from sarwatch.services.statistics_register import RegisterSeries

        now = cases.clock()
        until = now - timedelta(hours=delay_h)
        sources.append(RegisterSeries(IncidentService.for_cases(cases), now=now, until=until))
    return statistics(year_from, year_to, series=series or None, by=period, sources=sources)


@router.get("")
def get_stats(
    year_from: Annotated[int, Query(alias="from", ge=1990, le=2100)],
    year_to: Annotated[int, Query(alias="to", ge=1990, le=2100)],
    service: CaseServiceDep,
    settings: SettingsDep,
    series: Annotated[list[str] | None, Query(description="Repeatable series key.")] = None,
    by: Literal["year", "month"] = "year",
    register: bool = True,
) -> dict[str, Any]:
    """Every series by period: the quoted value, its source and date, the status
    (``ok``, ``sources differ``, ``flagged``, ``preliminary``, ``no data``) and every
    source's figure; the sources cited."""
    cases = service if register else None
    table = _table(year_from, year_to, series, by, cases, settings.public_delay_h)
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
    register: bool = True,
    *,
    service: CaseServiceDep,
    settings: SettingsDep,
) -> Response:
    """The same statistics drawn by matplotlib (PNG or SVG; print or night palette)."""
    from sarwatch.services.statistics import chart

    cases = service if register else None
    table = await run_in_threadpool(
        _table, year_from, year_to, series, by, cases, settings.public_delay_h
    )
    data = await run_in_threadpool(chart, table, fmt=format, palette=palette)
    media = "image/svg+xml" if format == "svg" else "image/png"
    return Response(
        data, media_type=media, headers={"Cache-Control": f"public, max-age={_MAX_AGE_S}"}
    )


def install(app: FastAPI) -> None:
    """Attach the statistics routes."""
    app.include_router(router)
