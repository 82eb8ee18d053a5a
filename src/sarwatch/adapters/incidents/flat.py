"""The flat form of a report: one row of sarwatch's own CSV, one GeoJSON feature's properties.

Every field of a report, and the incident it is merged into, so that an export read
back gives the same register: counts as numbers, lists (actors, sources, external
ids) as JSON text in CSV cells. ``incident_id`` may be blank in a file made by hand:
the register then numbers the report.
"""

from __future__ import annotations

import json
from typing import Any

from sarwatch.adapters.incidents.common import parse_count, parse_json_cell
from sarwatch.domain.events import format_time, parse_time
from sarwatch.errors import InputError
from sarwatch.incidents import (
    COUNT_FIELDS,
    DRAFT_ID,
    Incident,
    IncidentRecord,
    IncidentType,
    People,
    check_incident_id,
)
from sarwatch.incidents.codec import source_from_json, source_to_json

__all__ = ["FLAT_COLUMNS", "LIST_COLUMNS", "from_flat", "to_flat"]

#: The columns of sarwatch's incident CSV, in order.
FLAT_COLUMNS = (
    "incident_id",
    "kind",
    "time",
    "time_precision",
    "lon",
    "lat",
    "place",
    "country",
    "route",
    *COUNT_FIELDS,
    "actors",
    "sources",
    "case_id",
    "cause",
    "note",
    "external_ids",
    "merged_into",
)

#: Columns that hold a list (JSON text in a CSV cell).
LIST_COLUMNS = ("actors", "sources", "external_ids")


def to_flat(record: IncidentRecord, *, lists_as_text: bool = True) -> dict[str, Any]:
    """A record's report as one flat row (its own counts; ``merged_into`` kept)."""
    r = record.report
    row: dict[str, Any] = {
        "incident_id": r.incident_id,
        "kind": r.kind.value,
        "time": format_time(r.time),
        "time_precision": r.time_precision,
        "lon": r.lon,
        "lat": r.lat,
        "place": r.place,
        "country": r.country,
        "route": r.route,
        **{name: getattr(r.people, name) for name in COUNT_FIELDS},
        "actors": list(r.actors),
        "sources": [source_to_json(s) for s in r.sources],
        "case_id": r.case_id,
        "cause": r.cause,
        "note": r.note,
        "external_ids": list(r.external_ids),
        "merged_into": record.merged_into,
    }
    if lists_as_text:
        for name in LIST_COLUMNS:
            row[name] = json.dumps(row[name], ensure_ascii=False, separators=(",", ":"))
    return row


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _float(value: Any, what: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be decimal degrees, got {value!r}") from None


def from_flat(row: dict[str, Any]) -> tuple[Incident, str | None]:
    """A report and the id it is merged into, from a flat row (cells as text or JSON values).

    Raises
    ------
    InputError
        A missing or malformed field (the message names it).
    """
    missing = [c for c in ("kind", "time", "sources") if c not in row]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}")
    lists = {}
    for name in LIST_COLUMNS:
        value = row.get(name)
        lists[name] = value if isinstance(value, list) else parse_json_cell(value, name, [])
        if not isinstance(lists[name], list):
            raise InputError(f"{name} must be a JSON list, got {value!r:.80}")
    incident_id = _text(row.get("incident_id")) or DRAFT_ID
    merged_into = _text(row.get("merged_into")) or None
    if merged_into is not None:
        check_incident_id(merged_into)
    report = Incident(
        incident_id=incident_id,
        kind=IncidentType.parse(_text(row.get("kind"))),
        time=parse_time(_text(row.get("time")), "time"),
        time_precision=_text(row.get("time_precision")) or "minute",  # type: ignore[arg-type]
        lon=_float(row.get("lon"), "lon"),
        lat=_float(row.get("lat"), "lat"),
        place=_text(row.get("place")),
        country=_text(row.get("country")),
        route=_text(row.get("route")),
        people=People(**{n: parse_count(row.get(n), n) for n in COUNT_FIELDS}),
        actors=tuple(str(a) for a in lists["actors"]),
        sources=tuple(source_from_json(s) for s in lists["sources"]),
        case_id=_text(row.get("case_id")) or None,
        cause=_text(row.get("cause")),
        note=_text(row.get("note")),
        external_ids=tuple(str(x) for x in lists["external_ids"]),
    )
    return report, merged_into
