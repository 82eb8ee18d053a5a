"""Incidents as plain JSON and back (ledger payloads, the store's projection, exports).

One serialiser, :func:`incident_to_json`, and its inverse :func:`incident_from_json`;
``incident_from_json(incident_to_json(x)) == x`` is a property test.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any

from sarwatch.domain.events import parse_time
from sarwatch.errors import InputError
from sarwatch.incidents.types import COUNT_FIELDS, Incident, IncidentSource, People

__all__ = [
    "compact_json",
    "incident_from_json",
    "incident_text",
    "incident_to_json",
    "people_from_json",
    "people_to_json",
    "source_from_json",
    "source_to_json",
    "utc_text",
]


@lru_cache(maxsize=8192)
def utc_text(value: datetime) -> str:
    """An incident's time (UTC) as ISO 8601 with a ``Z``: ``2018-06-19T00:00:00Z``.

    :func:`~sarwatch.domain.events.format_time` without its check (an
    :class:`Incident`'s time was checked when it was made), remembered: the reports of
    an import fall on a few thousand days.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> utc_text(datetime(2018, 6, 19, 8, 30, tzinfo=UTC))
    '2018-06-19T08:30:00Z'
    """
    return value.isoformat().replace("+00:00", "Z")


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
        "time": utc_text(incident.time),
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


_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
# json.dumps builds an encoder per call; an import encodes 100,000 reports, so the C
# encoder is made once (the same one json.dumps would use; the pure-Python one if absent).
_make_c_encoder = getattr(json.encoder, "c_make_encoder", None)  # not in the type stubs
_C_COMPACT = (
    None
    if _make_c_encoder is None
    else _make_c_encoder(
        None, _COMPACT.default, json.encoder.encode_basestring, None, ":", ",", False, False, True
    )
)


def compact_json(value: Any) -> str:
    """Compact JSON text, UTF-8 kept as is (the store's texts): the text of
    ``json.dumps(value, separators=(",", ":"), ensure_ascii=False)``.

    Examples
    --------
    >>> compact_json({"place": "Lampedusa", "dead": None, "lon": 12.6})
    '{"place":"Lampedusa","dead":null,"lon":12.6}'
    """
    if _C_COMPACT is None or not isinstance(value, (dict, list)):
        return _COMPACT.encode(value)
    return "".join(_C_COMPACT(value, 0))


#: A string as JSON (UTF-8 kept as is), as ``json.dumps(..., ensure_ascii=False)`` writes it.
_str = json.encoder.encode_basestring


def _source_text(source: IncidentSource) -> str | None:
    """:func:`source_to_json` as compact JSON text; ``None`` for an unusual grade."""
    if type(source.quality) is not int:
        return None
    parts = ['{"name":', _str(source.name), ',"quality":', int.__repr__(source.quality)]
    if source.url:
        parts += [',"url":', _str(source.url)]
    if source.reference:
        parts += [',"reference":', _str(source.reference)]
    parts.append("}")
    return "".join(parts)


def incident_text(incident: Incident) -> str:
    """``compact_json(incident_to_json(incident))``, the same text, written directly.

    An import writes the text of every report it records (100,000 of them): this
    spares building the JSON object first. A value of an unusual type (an ``int``
    subclass as a count, a grade given as ``3.0``) takes the general way.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> text = incident_text(Incident("I-2018-00001", "shipwreck",
    ...     datetime(2018, 6, 19, tzinfo=UTC), (IncidentSource("IOM", 5),), place="Zuwara"))
    >>> text[:80]
    '{"incident_id":"I-2018-00001","kind":"shipwreck","time":"2018-06-19T00:00:00Z","'
    """
    people = incident.people
    counts = [
        "null" if n is None else int.__repr__(n) if type(n) is int else None
        for n in (
            people.survivors, people.dead, people.missing,
            people.females, people.males, people.children,
        )
    ]  # fmt: skip
    sources = [_source_text(s) for s in incident.sources]
    lon, lat = incident.lon, incident.lat
    if None in counts or None in sources or (lon is not None and type(lon) is not float):
        return compact_json(incident_to_json(incident))
    try:
        return _incident_text(incident, lon, lat, counts, sources)  # type: ignore[arg-type]
    except TypeError:  # a text field that is not a string: the general way
        return compact_json(incident_to_json(incident))


def _incident_text(
    incident: Incident, lon: float | None, lat: float | None, counts: list[str], sources: list[str]
) -> str:
    return "".join(
        [
            '{"incident_id":', _str(incident.incident_id),
            ',"kind":', _str(incident.kind),  # a StrEnum: its text is its value
            ',"time":"', utc_text(incident.time),
            '","time_precision":', _str(incident.time_precision),
            ',"lon":', "null" if lon is None else float.__repr__(lon),
            ',"lat":', "null" if lat is None else float.__repr__(lat),
            ',"place":', _str(incident.place),
            ',"country":', _str(incident.country),
            ',"route":', _str(incident.route),
            ',"people":{"survivors":', counts[0], ',"dead":', counts[1],
            ',"missing":', counts[2], ',"females":', counts[3], ',"males":', counts[4],
            ',"children":', counts[5],
            '},"actors":[', ",".join(map(_str, incident.actors)),
            '],"sources":[', ",".join(sources),
            '],"case_id":', "null" if incident.case_id is None else _str(incident.case_id),
            ',"cause":', _str(incident.cause),
            ',"note":', _str(incident.note),
            ',"external_ids":[', ",".join(map(_str, incident.external_ids)),
            "]}",
        ]
    )  # fmt: skip


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
