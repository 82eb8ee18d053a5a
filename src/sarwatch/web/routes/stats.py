"""``GET /api/stats`` and ``GET /api/stats/chart``: published statistics with their sources.

The figures are public (published by IOM and UNHCR, each row with its source and
date), so these routes need no token: the Monitor tab draws them for anyone. With
``register=true`` (the default) the station's incident register is a second source,
monthly totals only, and only of months that ended more than the public feed's delay
ago (``public_delay_h``): aggregates, never an incident. The answer is that of
``sarwatch stats --json`` (:mod:`sarwatch.services.statistics`).

Both answers are built once per change of what they depend on (the request, the
register's head, the day), not per request: the table takes 0.36 s of CPU per
100,000 incidents of the register, a drawing a second or more, and neither route needs
a token. ``GET /api/stats`` carries an ``ETag`` and answers ``If-None-Match`` with
``304``, as ``GET /api/public/incidents`` does.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sarwatch.services.cases import CaseService
from sarwatch.services.public_static import CACHE_CONTROL, etag_of, matches_etag
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


T = TypeVar("T")


class _Built(Generic[T]):
    """Answers built once per key, the oldest dropped beyond ``kept``; one build at a
    time (a crowd waits for the one answer instead of each building its own)."""

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self.answers: OrderedDict[tuple[Any, ...], T] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...], build: Callable[[], T]) -> T:
        """The answer of ``key``, built by ``build`` if not held (an error is not kept)."""
        with self.lock:
            if key in self.answers:
                self.answers.move_to_end(key)
                return self.answers[key]
            answer = self.answers[key] = build()
            while len(self.answers) > self.kept:
                self.answers.popitem(last=False)
            return answer


#: Tables answered, as JSON bytes and their ETag, by everything they depend on.
_tables: _Built[tuple[bytes, str]] = _Built(64)
#: Charts drawn, by everything they depend on.
_charts: _Built[bytes] = _Built(32)


@router.get(
    "",
    response_class=Response,
    responses={
        200: {"content": {"application/json": {}}, "description": "the table, with an ETag"},
        304: {"description": "the client holds this table already (If-None-Match)"},
    },
)
async def get_stats(
    request: Request,
    year_from: Annotated[int, Query(alias="from", ge=1990, le=2100)],
    year_to: Annotated[int, Query(alias="to", ge=1990, le=2100)],
    service: CaseServiceDep,
    settings: SettingsDep,
    series: Annotated[list[str] | None, Query(description="Repeatable series key.")] = None,
    by: Literal["year", "month"] = "year",
    register: bool = True,
) -> Response:
    """Every series by period: the quoted value, its source and date, the status
    (``ok``, ``sources differ``, ``flagged``, ``preliminary``, ``no data``) and every
    source's figure; the sources cited. Built once per change of the register (or
    of the day), with an ``ETag``."""
    cases = service if register else None
    delay_h = settings.public_delay_h

    def build() -> tuple[bytes, str]:
        table = _table(year_from, year_to, series, by, cases, delay_h)
        data = json.dumps(
            table.to_json(), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode("utf-8")
        return data, etag_of(data)

    def answer() -> tuple[bytes, str]:
        version = _register_version(cases, delay_h)
        where = f"{settings.home_dir}|{settings.database_url}"
        key = (where, year_from, year_to, tuple(series or ()), by, version)
        return _tables.get(key, build)

    data, etag = await run_in_threadpool(answer)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if matches_etag(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="application/json", headers=headers)


def _register_version(cases: CaseService | None, delay_h: float) -> tuple[Any, ...]:
    """What the register's figures depend on: its head, the day they are dated and the
    last whole month they may show (``()`` without the register)."""
    if cases is None:
        return ()
    from sarwatch.services.open_data import public_version

    now = cases.clock()
    until = now - timedelta(hours=delay_h)
    return (public_version(cases)[0], now.date(), until.year, until.month)


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
        return _charts.get(key, draw)

    data = await run_in_threadpool(drawn)
    media = "image/svg+xml" if format == "svg" else "image/png"
    return Response(
        data, media_type=media, headers={"Cache-Control": f"public, max-age={_MAX_AGE_S}"}
    )


def install(app: FastAPI) -> None:
    """Attach the statistics routes."""
    app.include_router(router)
