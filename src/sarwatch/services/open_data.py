"""Open data, safely: the register and closed cases under the public feed's rules.

What a public export holds (policy :class:`~sarwatch.services.public_feed.PublicPolicy`,
``SARWATCH_PUBLIC_DELAY_H`` and ``SARWATCH_PUBLIC_ROUND_DEG``):

- **Incidents** (each event once: group heads, combined counts) whose time is at least
  ``delay_h`` hours old (counted from the end of the day or month for a report known
  only to the day or month), and whose linked case, if any, is closed: type, time to the
  hour (the day or month when that is all that is known), position rounded to
  ``round_deg`` degrees and the SAR region(s) of that rounded point, the counts, how
  many sources and the best IOM grade. **Never**: actors, source names, URLs and
  references, place names, notes, causes, countries, routes: free text that may name
  people or carry a phone number. The link to a case only when that case is closed.
- **Closed cases**: exactly the public feed's view
  (:func:`~sarwatch.services.public_feed.public_view`): no title, contacts, decisions,
  names or free text; positions rounded, times to the hour.

Written as a Frictionless data package (a folder) or a GeoJSON file, always by
writing a new copy beside the old and moving it into place, so that whoever serves or
downloads it never sees half a file. Scheduled by cron (the station's server does
not run it): ``sarwatch incidents export --public --format datapackage --out DIR``
(docs/design/016-incidents.md gives the crontab line).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sarwatch.adapters.incidents.datapackage import CC_BY_4, IOM_SOURCE, Table, write_package
from sarwatch.adapters.incidents.geojson import feature
from sarwatch.domain.case import CaseStatus, require_utc
from sarwatch.domain.events import format_time
from sarwatch.errors import InputError
from sarwatch.incidents import COUNT_FIELDS, IncidentRecord
from sarwatch.services.feeds import public_cases
from sarwatch.services.incidents import IncidentService
from sarwatch.services.public_feed import PublicPolicy, coarsen

if TYPE_CHECKING:
    from sarwatch.services.cases import CaseService
    from sarwatch.settings import Settings

__all__ = [
    "PUBLIC_FORMATS",
    "PublicExport",
    "public_cases_closed",
    "public_incident",
    "public_incident_views",
    "public_version",
    "publish",
]

#: Formats of the public export.
PUBLIC_FORMATS = ("datapackage", "geojson")

_INCIDENT_FIELDS: list[dict[str, Any]] = [
    {"name": "incident_id", "type": "string"},
    {"name": "kind", "type": "string"},
    {"name": "time", "type": "datetime", "description": "UTC, to the hour (or day/month)"},
    {"name": "time_precision", "type": "string"},
    {"name": "lon", "type": "number", "description": "rounded, degrees east"},
    {"name": "lat", "type": "number", "description": "rounded, degrees north"},
    {"name": "sar_regions", "type": "array", "description": "of the rounded position"},
    *({"name": n, "type": "integer", "description": "minimum estimate"} for n in COUNT_FIELDS),
    {"name": "n_sources", "type": "integer"},
    {"name": "best_quality", "type": "integer", "description": "IOM grade 1-5"},
    {"name": "case_id", "type": "string", "description": "a closed case only"},
]
_CASE_FIELDS: list[dict[str, Any]] = [
    {"name": "case_id", "type": "string"},
    {"name": "status", "type": "string"},
    {"name": "region", "type": "string"},
    {"name": "opened", "type": "datetime"},
    {"name": "boat", "type": "string"},
    {"name": "people_total", "type": "integer"},
    {"name": "outcome", "type": "object"},
]
_POSITION_FIELDS: list[dict[str, Any]] = [
    {"name": "case_id", "type": "string"},
    {"name": "time", "type": "datetime"},
    {"name": "lon", "type": "number"},
    {"name": "lat", "type": "number"},
    {"name": "kind", "type": "string"},
]


def _region_of(lon: float, lat: float) -> list[str]:
    from sarwatch.geo.srr import srr_at

    return list(srr_at(lon, lat))


def _time(record: IncidentRecord) -> str:
    t = record.report.time
    if record.report.time_precision == "month":
        t = t.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    elif record.report.time_precision == "day":
        t = t.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        t = t.replace(minute=0, second=0, microsecond=0)
    return format_time(t)


def _known_until(record: IncidentRecord) -> datetime:
    """The latest time the event may have happened, given its precision (UTC).

    A report known to the day may be of any hour of that day, one known to the month of
    any day of that month: the public delay counts from the end of that window, so that
    "December" or "4 December" is not published as if it were the first hour of it.
    """
    report = record.report
    t = report.time
    if report.time_precision == "day":
        return t.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    if report.time_precision == "month":
        first = t.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return (first + timedelta(days=32)).replace(day=1)
    return t


def public_incident(
    record: IncidentRecord,
    now: datetime,
    policy: PublicPolicy,
    *,
    closed_cases: set[str],
    regions: dict[tuple[float, float], list[str]] | None = None,
) -> dict[str, Any] | None:
    """The public form of an incident, or ``None`` if it may not be shown (yet).

    Shown: group heads at least ``policy.delay_h`` old whose linked case (if any) is
    closed; the age of a report known only to the day or month counts from the end
    of that day or month. ``regions`` caches the SAR regions by rounded position.
    """
    report = record.report
    if record.merged_into is not None:
        return None
    if require_utc(now) - _known_until(record) < timedelta(hours=policy.delay_h):
        return None
    if report.case_id is not None and report.case_id not in closed_cases:
        return None
    lon = lat = None
    sar: list[str] = []
    if report.lon is not None and report.lat is not None:
        lon, lat = coarsen(report.lon, policy.round_deg), coarsen(report.lat, policy.round_deg)
        cache = regions if regions is not None else {}
        if (lon, lat) not in cache:
            cache[(lon, lat)] = _region_of(lon, lat)
        sar = cache[(lon, lat)]
    return {
        "incident_id": report.incident_id,
        "kind": report.kind.value,
        "time": _time(record),
        "time_precision": "hour" if report.time_precision == "minute" else report.time_precision,
        "lon": lon,
        "lat": lat,
        "sar_regions": sar,
        **{n: getattr(record.people, n) for n in COUNT_FIELDS},
        "n_sources": len(record.sources),
        "best_quality": record.quality,
        "case_id": report.case_id,
    }


def public_incident_views(
    cases: CaseService, policy: PublicPolicy, now: datetime
) -> list[dict[str, Any]]:
    """Every incident the public may see now (:func:`public_incident`), register order."""
    closed = {v["case_id"] for v in public_cases_closed(cases, now, policy)}
    return _incident_views(cases, policy, now, closed)


def _incident_views(
    cases: CaseService, policy: PublicPolicy, now: datetime, closed: set[str]
) -> list[dict[str, Any]]:
    """:func:`public_incident` of every incident shown, ``closed`` the public cases."""
    regions: dict[tuple[float, float], list[str]] = {}
    return [
        view
        for record in IncidentService.for_cases(cases).iter_all()
        if (view := public_incident(record, now, policy, closed_cases=closed, regions=regions))
    ]


def public_version(cases: CaseService) -> tuple[str, int]:
    """What the public incidents depend on in the store, read cheaply: the register's
    head hash and the latest case event id (a case closed or reopened). Equal versions
    within the same minute give the same :func:`public_incident_views`."""
    from sarwatch.services.feeds import latest_event_id

    incidents = IncidentService.for_cases(cases)
    with incidents.store.unit_of_work() as uow:
        head = uow.incidents.head()
    return (head.hash if head is not None else "", latest_event_id(cases.store))


def public_cases_closed(
    cases: CaseService, now: datetime, policy: PublicPolicy
) -> list[dict[str, Any]]:
    """The public feed's views of the closed cases."""
    views = public_cases(cases.store, policy, now, limit=1_000_000)
    return [v for v in views if v["status"] == CaseStatus.CLOSED.value]


@dataclass(frozen=True)
class PublicExport:
    """What a public export wrote."""

    path: Path
    format: str
    incidents: int
    cases: int
    positions: int
    policy: str

    def summary(self) -> str:
        """One line."""
        return (
            f"{self.incidents} incident(s), {self.cases} closed case(s) with "
            f"{self.positions} position(s) written to {self.path} ({self.format}); "
            f"{self.policy}"
        )


#: The files of a public data package: all that may be replaced in a folder.
_PACKAGE_FILES = frozenset({"datapackage.json", "incidents.csv", "cases.csv", "case_positions.csv"})
_PACKAGE_NAME = "sarwatch-open-data"


def _earlier_export(out: Path, fmt: str) -> bool:
    """Whether ``out`` holds an earlier public export of ``fmt`` (which may be replaced)."""
    try:
        if fmt == "datapackage":
            if not out.is_dir() or not {p.name for p in out.iterdir()} <= _PACKAGE_FILES:
                return False
            descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
            return isinstance(descriptor, dict) and descriptor.get("name") == _PACKAGE_NAME
        if not out.is_file():
            return False
        data = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get("type") == "FeatureCollection" and "policy" in data


def _check_target(out: Path, fmt: str) -> None:
    """Refuse to replace anything at ``out`` but an earlier public export of ``fmt``.

    The export replaces its target whole (a folder by two renames): pointed at a web
    root, a home directory or the full register's export by mistake, it would delete it.
    """
    if out.exists() and not _earlier_export(out, fmt):
        what = "a folder" if out.is_dir() else "a file"
        raise InputError(
            f"--out {out} is {what} that is not an earlier public {fmt} export of sarwatch; "
            "the export replaces its target whole, so give a path of its own (e.g. "
            f"/srv/opendata/sarwatch{'' if fmt == 'datapackage' else '.geojson'}) that does "
            "not exist yet or holds the previous public export"
        )


def _replace(tmp: Path, final: Path) -> None:
    """Move ``tmp`` into place of ``final`` (a file atomically; a folder by two renames)."""
    if tmp.is_dir():
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        if old.exists():
            shutil.rmtree(old)
    else:
        os.replace(tmp, final)


def publish(
    cases: CaseService,
    out: Path,
    *,
    fmt: str = "datapackage",
    settings: Settings | None = None,
    policy: PublicPolicy | None = None,
    now: datetime | None = None,
) -> PublicExport:
    """Write the public export of the register and the closed cases to ``out``.

    ``policy`` defaults to the settings' (``public_delay_h``, ``public_round_deg``).
    """
    if fmt not in PUBLIC_FORMATS:
        raise InputError(f"a public export is {' or '.join(PUBLIC_FORMATS)}, got {fmt!r}")
    if policy is None:
        policy = (
            PublicPolicy(settings.public_delay_h, settings.public_round_deg)
            if settings is not None
            else PublicPolicy()
        )
    now = require_utc(now or cases.clock())
    case_views = public_cases_closed(cases, now, policy)
    incidents = _incident_views(cases, policy, now, {v["case_id"] for v in case_views})
    positions = [{"case_id": v["case_id"], **p} for v in case_views for p in v["positions"]]
    out = Path(out)
    _check_target(out, fmt)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp) if tmp.is_dir() else tmp.unlink()
    if fmt == "datapackage":
        case_rows = [{k: v for k, v in view.items() if k != "positions"} for view in case_views]
        write_package(
            tmp,
            [
                Table(
                    "incidents", _INCIDENT_FIELDS, incidents, "Incidents at sea, each event once"
                ),
                Table("cases", _CASE_FIELDS, case_rows, "Closed cases"),
                Table("case_positions", _POSITION_FIELDS, positions, "Positions of closed cases"),
            ],
            name=_PACKAGE_NAME,
            title="sarwatch open data: incidents at sea and closed cases",
            created=now,
            licences=(CC_BY_4,),
            sources=(IOM_SOURCE,),
            description="Redacted by the public feed's policy: " + policy.describe(),
        )
    else:
        _write_geojson(tmp, incidents, positions, policy)
    _replace(tmp, out)
    return PublicExport(
        out, fmt, len(incidents), len(case_views), len(positions), policy.describe()
    )


def _write_geojson(
    path: Path,
    incidents: Iterable[dict[str, Any]],
    positions: Iterable[dict[str, Any]],
    policy: PublicPolicy,
) -> None:
    features = []
    for view in incidents:
        props = {k: v for k, v in view.items() if k not in ("lon", "lat")}
        features.append(feature({"layer": "incident", **props}, view["lon"], view["lat"]))
    for p in positions:
        props = {
            "layer": "case_position",
            "case_id": p["case_id"],
            "time": p["time"],
            "kind": p["kind"],
        }
        features.append(feature(props, p["lon"], p["lat"]))
    data = {
        "type": "FeatureCollection",
        "policy": policy.describe(),
        "licence": "CC-BY-4.0",
        "features": features,
    }
    path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
