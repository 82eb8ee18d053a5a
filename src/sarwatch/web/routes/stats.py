"""``GET /api/stats`` and ``GET /api/stats/chart``: published statistics with their sources.

The figures are public (published by IOM and UNHCR, each row with its source and
date), so these routes need no token: the Monitor tab draws them for anyone. With
``register=true`` (the default) the station's incident register is a second source,
monthly totals only, and only of months that ended more than the public feed's delay
ago (``public_delay_h``): aggregates, never an incident. The answer is that of
``sarwatch stats --json`` (:mod:`sarwatch.services.statistics`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
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


#: Charts drawn, by everything they depend on (oldest dropped first beyond the bound):
#: drawing one takes a second or more of CPU, and the route needs no token.
_charts: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
_CHARTS_KEPT = 32
_chart_lock = threading.Lock()


def _register_version(cases: CaseService | None, delay_h: float) -> tuple[Any, ...]:
    """What the register's figures depend on: its head, the day they are dated and the
    last whole month they may show (``()`` without the register)."""
    if cases is None:
        return ()
    from sarwatch.services.open_data import public_version

    now = cases.clock()
    until = now - timedelta(hours=delay_h)
    return (public_version(cases)[0], now.date(), until.year, until.month)


def _chart_bytes(key: tuple[Any, ...], draw: Any) -> bytes:
    with _chart_lock:  # one drawing at a time: a crowd waits for it, not each its own
        data = _charts.get(key)
        if data is None:
            data = draw()
            _charts[key] = data
            while len(_charts) > _CHARTS_KEPT:
                _charts.popitem(last=False)
        else:
            _charts.move_to_end(key)
        return data


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
    delay_h = settings.public_delay_h

    def draw() -> bytes:
        table = _table(year_from, year_to, series, by, cases, delay_h)
        return chart(table, fmt=format, palette=palette)

    def drawn() -> bytes:
        version = _register_version(cases, delay_h)
        where = f"{settings.home_dir}|{settings.database_url}"
        key = (where, year_from, year_to, tuple(series or ()), by, format, palette, version)
        return _chart_bytes(key, draw)

    data = await run_in_threadpool(drawn)
    media = "image/svg+xml" if format == "svg" else "image/png"
    return Response(
        data, media_type=media, headers={"Cache-Control": f"public, max-age={_MAX_AGE_S}"}
    )


def install(app: FastAPI) -> None:
    """Attach the statistics routes."""
    app.include_router(router)
