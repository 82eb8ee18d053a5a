"""What every provider adapter speaks: the request, the items of a fetch, a download.

A fetch is cut into items (one forecast step, or one subset), each fetched into the
library's staging folder and then added to the library under a name that says what it
is; an item already in the library is not fetched again, so an interrupted fetch
resumes where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = ["CENTRAL_MED_BOX", "Download", "FetchItem", "FetchRequest", "floor_run"]

#: The default area of a fetch: the Central Mediterranean crossing (lon/lat degrees).
CENTRAL_MED_BOX = (10.0, 31.0, 20.0, 38.5)


@dataclass(frozen=True)
class FetchRequest:
    """The area and period a fetch covers.

    Attributes
    ----------
    area
        ``(lon_min, lat_min, lon_max, lat_max)``, degrees.
    start, end
        Aware UTC times (default now − 24 h .. now + 72 h at the CLI).
    now
        The time the fetch is made (the newest run it may find).
    """

    area: tuple[float, float, float, float]
    start: datetime
    end: datetime
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class FetchItem:
    """One unit of a fetch (a forecast step, a subset): its library name and what it is."""

    provider: str
    product_id: str
    run_time: datetime | None
    name: str
    detail: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Download:
    """A finished download in the staging folder, and what the sender says it is."""

    item: FetchItem
    path: Path
    expected_bytes: int | None = None
    expected_sha256: str | None = None


def floor_run(t: datetime, every_h: int = 12) -> datetime:
    """The latest run time at or before ``t`` of a model run every ``every_h`` hours.

    Examples
    --------
    >>> floor_run(datetime(2026, 11, 20, 17, 40, tzinfo=UTC)).isoformat()
    '2026-11-20T12:00:00+00:00'
    """
    t = t.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return t - timedelta(hours=t.hour % every_h)
