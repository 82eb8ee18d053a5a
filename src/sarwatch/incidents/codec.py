"""Incidents as plain JSON and back (ledger payloads, the store's projection, exports).

One serialiser, :func:`incident_to_json`, and its inverse :func:`incident_from_json`;
``incident_from_json(incident_to_json(x)) == x`` is a property test.
"""

from __future__ import annotations

from typing import Any

from sarwatch.domain.events import parse_time
from sarwatch.errors import InputError
from sarwatch.incidents.types import COUNT_FIELDS, Incident, IncidentSource, People

__all__ = [
    "incident_from_json",
    "incident_to_json",
    "people_from_json",
    "people_to_json",
    "source_from_json",
    "source_to_json",
]


def people_to_json(people: People) -> dict[str, int | None]:
    """The counts by name, in :data:`~sarwatch.incidents.types.COUNT_FIELDS` order
    (unknown as ``None``)."""
    return {
        "survivors": people.survivors,
        "dead": people.dead,
        "missing": people.missing,
        "females": people.females,
        "males": people.males,
        "children": people.children,
    }


def people_from_json(data: dict[str, Any] | None) -> People:
    """Inverse of :func:`people_to_json`; absent counts are unknown."""
    data = data or {}
    unknown = sorted(set(data) - set(COUNT_FIELDS))
    if unknown:
        raise InputError(
            f"unknown people count {', '.join(map(repr, unknown))}; counts are "
            f"{', '.join(COUNT_FIELDS)}"
        )
    return People(**{name: data.get(name) for name in COUNT_FIELDS})


def source_to_json(source: IncidentSource) -> dict[str, Any]:
    """A source as JSON (``url`` and ``reference`` left out while unknown)."""
    out: dict[str, Any] = {"name": source.name, "quality": source.quality}
    if source.url:
        out["url"] = source.url
    if source.reference:
        out["reference"] = source.reference
    return out


def source_from_json(data: dict[str, Any]) -> IncidentSource:
    """Inverse of :func:`source_to_json`."""
    if not isinstance(data, dict):
        raise InputError(f"a source is an object with name and quality, got {data!r:.80}")
    quality = data.get("quality")
    if isinstance(quality, str) and quality.strip().isdigit():
        quality = int(quality)
    return IncidentSource(
        name=str(data.get("name", "")),
        quality=quality,  # type: ignore[arg-type]  # checked by IncidentSource
        url=data.get("url") or None,
        reference=data.get("reference") or None,
    )


def incident_to_json(incident: Incident) -> dict[str, Any]:
    """An incident as plain JSON (time as ISO 8601 UTC ``Z``)."""
    return {
        "incident_id": incident.incident_id,
        "kind": incident.kind.value,
        # an Incident's time is UTC (checked when it was made): format_time without the check
        "time": incident.time.isoformat().replace("+00:00", "Z"),
        "time_precision": incident.time_precision,
        "lon": incident.lon,
        "lat": incident.lat,
        "place": incident.place,
        "country": incident.country,
        "route": incident.route,
        "people": people_to_json(incident.people),
        "actors": list(incident.actors),
        "sources": [source_to_json(s) for s in incident.sources],
        "case_id": incident.case_id,
        "cause": incident.cause,
        "note": incident.note,
        "external_ids": list(incident.external_ids),
    }


def incident_from_json(data: dict[str, Any]) -> Incident:
    """Inverse of :func:`incident_to_json`.

    Raises
    ------
    InputError
        If a field is missing or malformed (the message names it).
    """
    if not isinstance(data, dict):
        raise InputError(f"an incident is a JSON object, got {data!r:.80}")
    try:
        lon, lat = data.get("lon"), data.get("lat")
        return Incident(
            incident_id=str(data["incident_id"]),
            kind=data["kind"],
            time=parse_time(str(data["time"]), "incident time"),
            time_precision=data.get("time_precision", "minute"),
            lon=None if lon is None else float(lon),
            lat=None if lat is None else float(lat),
            place=str(data.get("place") or ""),
            country=str(data.get("country") or ""),
            route=str(data.get("route") or ""),
            people=people_from_json(data.get("people")),
            actors=tuple(str(a) for a in data.get("actors") or ()),
            sources=tuple(source_from_json(s) for s in data.get("sources") or ()),
            case_id=data.get("case_id") or None,
            cause=str(data.get("cause") or ""),
            note=str(data.get("note") or ""),
            external_ids=tuple(str(x) for x in data.get("external_ids") or ()),
        )
    except KeyError as exc:
        raise InputError(f"an incident needs the field {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"malformed incident: {exc}") from None
