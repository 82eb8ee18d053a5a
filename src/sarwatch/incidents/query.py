"""Questions to the register: which incidents (by period, type, place), and totals.

:class:`IncidentQuery` is the one filter every store answers the same way (the
memory store with :func:`selects`, the SQL store with a ``WHERE`` built from the
same fields); :class:`Totals` one row of an aggregate by period and type.
By default only group heads count (a report merged into another is part of that
one's combined view), so an event reported three times counts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sarwatch.domain.case import require_utc
from sarwatch.domain.events import format_time, parse_time
from sarwatch.errors import InputError
from sarwatch.geo.bbox import parse_bbox
from sarwatch.incidents.register import IncidentRecord
from sarwatch.incidents.types import IncidentType

__all__ = [
    "GROUPINGS",
    "Grouping",
    "IncidentQuery",
    "Totals",
    "period_bound",
    "period_of",
    "query_from_text",
    "selects",
]

#: How totals are grouped: by calendar year or month of the incident (UTC), and
#: optionally by type.
Grouping = Literal["year", "month", "year_kind", "month_kind", "kind"]
GROUPINGS: tuple[str, ...] = ("year", "month", "year_kind", "month_kind", "kind")


@dataclass(frozen=True)
class IncidentQuery:
    """Which incidents.

    Attributes
    ----------
    start, end
        Incident time in ``[start, end)`` (UTC), either open.
    kinds
        Incident types (empty: all).
    bbox
        ``(lon_min, lat_min, lon_max, lat_max)`` degrees: only incidents with a position
        inside (edges included).
    place
        Text the place name or the country contains (case-insensitive).
    case_id
        Only incidents linked to this case.
    min_quality
        Only incidents whose best source grade is at least this.
    heads_only
        Leave out reports merged into another (default): each event counts once.
    """

    start: datetime | None = None
    end: datetime | None = None
    kinds: tuple[IncidentType, ...] = ()
    bbox: tuple[float, float, float, float] | None = None
    place: str = ""
    case_id: str | None = None
    min_quality: int | None = None
    heads_only: bool = True

    def __post_init__(self) -> None:
        if self.start is not None:
            object.__setattr__(self, "start", require_utc(self.start, "start"))
        if self.end is not None:
            object.__setattr__(self, "end", require_utc(self.end, "end"))
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise InputError(f"the period ends ({self.end}) before it starts ({self.start})")
        object.__setattr__(self, "kinds", tuple(IncidentType.parse(k) for k in self.kinds))
        if self.bbox is not None:
            lon0, lat0, lon1, lat1 = (float(v) for v in self.bbox)
            if not (-180 <= lon0 <= lon1 <= 180 and -90 <= lat0 <= lat1 <= 90):
                raise InputError(
                    "bbox is lon_min,lat_min,lon_max,lat_max in degrees with min <= max, "
                    f"got {self.bbox}"
                )
            object.__setattr__(self, "bbox", (lon0, lat0, lon1, lat1))
        if self.min_quality is not None and self.min_quality not in range(1, 6):
            raise InputError(f"min_quality is an IOM grade 1-5, got {self.min_quality}")

    @property
    def start_text(self) -> str | None:
        """``start`` as stored (ISO 8601 UTC ``Z``)."""
        return None if self.start is None else format_time(self.start)

    @property
    def end_text(self) -> str | None:
        """``end`` as stored."""
        return None if self.end is None else format_time(self.end)


def period_bound(text: str, *, end: bool = False) -> datetime:
    """A period's start (or, ``end=True``, its exclusive end) from ``2018``, ``2018-06``,
    ``2018-06-19`` or an ISO 8601 time with a zone.

    Examples
    --------
    >>> period_bound("2018").isoformat(), period_bound("2018", end=True).isoformat()
    ('2018-01-01T00:00:00+00:00', '2019-01-01T00:00:00+00:00')
    >>> period_bound("2018-12", end=True).isoformat()
    '2019-01-01T00:00:00+00:00'
    >>> period_bound("2018-06-19", end=True).isoformat()
    '2018-06-20T00:00:00+00:00'
    """
    cell = str(text).strip()
    try:
        if len(cell) == 4 and cell.isdigit():
            year = int(cell)
            return datetime(year + end, 1, 1, tzinfo=UTC)
        if len(cell) == 7 and cell[4] == "-":
            year, month = int(cell[:4]), int(cell[5:])
            if end:
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            return datetime(year, month, 1, tzinfo=UTC)
        if len(cell) == 10:
            day = datetime.strptime(cell, "%Y-%m-%d").replace(tzinfo=UTC)
            return day + timedelta(days=1) if end else day
    except ValueError:
        pass
    else:
        if "T" in cell:
            return parse_time(cell, "period bound")
    raise InputError(
        f"a period bound is a year (2018), a month (2018-06), a day (2018-06-19) or an ISO "
        f"time with a zone; got {text!r}"
    )


def selects(query: IncidentQuery, record: IncidentRecord) -> bool:
    """Whether ``query`` selects ``record``."""
    report = record.report
    if query.heads_only and record.merged_into is not None:
        return False
    if query.start is not None and report.time < query.start:
        return False
    if query.end is not None and report.time >= query.end:
        return False
    if query.kinds and report.kind not in query.kinds:
        return False
    if query.bbox is not None:
        if report.lon is None or report.lat is None:
            return False
        lon0, lat0, lon1, lat1 = query.bbox
        if not (lon0 <= report.lon <= lon1 and lat0 <= report.lat <= lat1):
            return False
    if query.place:
        needle = query.place.casefold()
        if needle not in report.place.casefold() and needle not in report.country.casefold():
            return False
    if query.case_id is not None and report.case_id != query.case_id:
        return False
    return query.min_quality is None or record.quality >= query.min_quality


def period_of(record: IncidentRecord, grouping: str) -> str:
    """The period key of a record: ``"2018"`` by year, ``"2018-06"`` by month, ``""`` by type."""
    t = record.report.time
    if grouping.startswith("year"):
        return f"{t.year:04d}"
    if grouping.startswith("month"):
        return f"{t.year:04d}-{t.month:02d}"
    return ""


@dataclass(frozen=True)
class Totals:
    """Totals of the incidents of one period (and type).

    Attributes
    ----------
    period
        ``"2018"``, ``"2018-06"``, or ``""`` when grouped by type only.
    kind
        The type, or ``""`` when not grouped by type.
    incidents
        Number of events (group heads).
    survivors, dead, missing
        Sums of the combined counts (unknown counts add nothing).
    with_counts
        Incidents that know at least one of dead or missing.
    with_survivors, with_dead, with_missing
        Incidents that know that count: where it is 0, the sum is no figure (unknown),
        not a zero (:meth:`to_json` gives ``None`` then).
    """

    period: str
    kind: str
    incidents: int
    survivors: int
    dead: int
    missing: int
    with_counts: int
    with_survivors: int = 0
    with_dead: int = 0
    with_missing: int = 0

    @property
    def dead_and_missing(self) -> int:
        """Dead plus missing."""
        return self.dead + self.missing

    def to_json(self) -> dict[str, Any]:
        """The totals as JSON: a count no incident of the group knows is ``None``.

        Examples
        --------
        >>> t = Totals("2026", "sighting", 3, 0, 0, 0, 0)
        >>> t.to_json()["dead"], t.to_json()["dead_and_missing"], t.to_json()["incidents"]
        (None, None, 3)
        >>> Totals("2018", "", 2, 41, 3, 0, 2, 1, 1, 0).to_json()["missing"] is None
        True
        >>> Totals("2018", "", 2, 41, 3, 0, 2, 1, 1, 0).to_json()["dead_and_missing"]
        3
        """
        return {
            "period": self.period,
            "kind": self.kind,
            "incidents": self.incidents,
            "survivors": self.survivors if self.with_survivors else None,
            "dead": self.dead if self.with_dead else None,
            "missing": self.missing if self.with_missing else None,
            "dead_and_missing": self.dead_and_missing if self.with_counts else None,
            "with_counts": self.with_counts,
            "with_survivors": self.with_survivors,
            "with_dead": self.with_dead,
            "with_missing": self.with_missing,
        }


def query_from_text(
    start: str | None,
    end: str | None,
    kinds: list[str] | None,
    place: str | None,
    bbox: str | None,
    *,
    reports: bool = False,
    bbox_name: str = "bbox",
) -> IncidentQuery:
    """An :class:`IncidentQuery` from the text a user gives (the CLI's options, the API's
    query string): periods as :func:`period_bound` reads them, type names, and a box
    ``lon_min,lat_min,lon_max,lat_max`` in degrees (:func:`sarwatch.geo.bbox.parse_bbox`;
    ``bbox_name`` is what the user called it, for the error).
    """
    box = parse_bbox(bbox, name=bbox_name)
    first = period_bound(start) if start else None
    last = period_bound(end, end=True) if end else None
    if first is not None and last is not None and last <= first:
        raise InputError(
            f"the period is empty: 'to' {end} ends before 'from' {start} begins; "
            "give the earlier bound as 'from' (both are inclusive: from 2018 to 2018 is the year)"
        )
    return IncidentQuery(
        start=first,
        end=last,
        kinds=tuple(IncidentType.parse(k) for k in kinds or ()),
        place=place or "",
        bbox=box,
        heads_only=not reports,
    )
