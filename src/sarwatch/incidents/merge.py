"""Reports of the same event: found by proximity in time and space, combined without loss.

Two reports are taken for the same event (:func:`match`) when

- their kinds agree (equal, or one of them a ``sighting``, which may be the first
  report of any event);
- their times lie within ``within_h`` hours, widened by the precision of each
  (a report known to the day covers that whole day);
- their positions lie within ``within_km`` km (great circle on a sphere of radius
  6,371 km: at 20 km the difference to the ellipsoid is far below any report's
  uncertainty); a report without a position matches only on the same place name;
- they do not come from the same dataset (external ids with the same namespace,
  e.g. two IOM records: the IOM has already told its incidents apart).

A merge never edits a report. The merged report points to the one it joins; the
group's *combined* view (:func:`combine`) takes, for each count, the largest
reported (counts of one event from several sources are minimum estimates of the
same people, so they are not added up), and the union of the sources. Undoing a
merge removes the pointer and the view is recomputed: exactly what it was before.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sarwatch.errors import InputError
from sarwatch.incidents.types import COUNT_FIELDS, Incident, IncidentSource, IncidentType, People

__all__ = [
    "EARTH_RADIUS_KM",
    "MatchPolicy",
    "MergeMatch",
    "Proximity",
    "combine",
    "distance_km",
    "find_matches",
    "match",
]

#: Mean Earth radius used for the great-circle distance, km.
EARTH_RADIUS_KM = 6371.0088

_SPAN = {"minute": timedelta(0), "day": timedelta(days=1), "month": timedelta(days=31)}


@dataclass(frozen=True)
class MatchPolicy:
    """How close two reports must be to be taken for the same event.

    Attributes
    ----------
    within_km
        Largest distance between the positions, km.
    within_h
        Largest time between the reports, hours (widened by each report's precision).
    """

    within_km: float = 20.0
    within_h: float = 24.0

    def __post_init__(self) -> None:
        if not (0 <= self.within_km <= 500) or not (0 <= self.within_h <= 24 * 31):
            raise InputError(
                f"merge distance must be 0-500 km and time 0-744 h, got "
                f"{self.within_km} km, {self.within_h} h"
            )


@dataclass(frozen=True)
class Proximity:
    """How far apart two reports are: distance (km, ``None`` if one has no position)
    and time between them (hours)."""

    distance_km: float | None
    hours: float


@dataclass(frozen=True)
class MergeMatch:
    """A report found to be the same event as another: ``merged`` joins ``into``."""

    into: str
    merged: str
    proximity: Proximity


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance on the mean sphere, km.

    Examples
    --------
    >>> round(distance_km(12.0, 33.0, 12.0, 34.0), 1)  # one degree of latitude
    111.2
    >>> distance_km(12.0, 33.0, 12.0, 33.0)
    0.0
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _namespaces(incident: Incident) -> set[str]:
    return {x.split(":", 1)[0] for x in incident.external_ids if ":" in x}


def _kinds_agree(a: IncidentType, b: IncidentType) -> bool:
    return a is b or IncidentType.SIGHTING in (a, b)


def _hours_apart(a: Incident, b: Incident) -> float:
    """Hours between two reports' times, less what their precision leaves open."""
    first, second = (a, b) if a.time <= b.time else (b, a)
    gap = second.time - (first.time + _SPAN[first.time_precision])
    return max(0.0, gap.total_seconds() / 3600.0)


def match(a: Incident, b: Incident, policy: MatchPolicy = MatchPolicy()) -> Proximity | None:
    """How close ``a`` and ``b`` are, if they are taken for the same event, else ``None``.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> src = (IncidentSource("Alarm Phone", 4),)
    >>> t = datetime(2018, 6, 19, 8, tzinfo=UTC)
    >>> a = Incident("I-2018-00001", "shipwreck", t, src, lon=12.0, lat=33.0)
    >>> b = Incident("I-2018-00002", "sighting", t, src, lon=12.1, lat=33.0)
    >>> match(a, b).distance_km < 10
    True
    >>> match(a, Incident("I-2018-00003", "arrival", t, src, lon=12.0, lat=33.0)) is None
    True
    """
    if a.incident_id == b.incident_id or not _kinds_agree(a.kind, b.kind):
        return None
    if _namespaces(a) & _namespaces(b):
        return None
    hours = _hours_apart(a, b)
    if hours > policy.within_h:
        return None
    if a.lon is not None and a.lat is not None and b.lon is not None and b.lat is not None:
        dist = distance_km(a.lon, a.lat, b.lon, b.lat)
        return Proximity(dist, hours) if dist <= policy.within_km else None
    same_place = a.place.strip().casefold() == b.place.strip().casefold() != ""
    return Proximity(None, hours) if same_place else None


def find_matches(
    new: Sequence[Incident],
    existing: Sequence[Incident],
    policy: MatchPolicy = MatchPolicy(),
    *,
    among_new: bool = True,
) -> list[MergeMatch]:
    """For each new report, the closest earlier-known report of the same event, if any.

    ``existing`` are the register's reports that are not merged into another (group
    heads); a new report may also match a new report before it in ``new`` (then it
    joins that one's group), unless ``among_new`` is false (the rows of one export,
    each an event of its own). Candidates are bucketed by day, so the work grows with
    the number of reports, not its square.

    Returns
    -------
    list of MergeMatch
        ``merged`` is always a report of ``new``; ``into`` the head of its group.
    """
    if not existing and not among_new:
        return []
    spaces_of = [_namespaces(i) for i in new]
    if not existing and spaces_of and set.intersection(*spaces_of):
        return []  # one dataset only: its records never match one another
    # Buckets by UTC day and by the datasets a report comes from: reports of the same
    # dataset never match, so their buckets are skipped without a look.
    buckets: dict[int, dict[frozenset[str], list[Incident]]] = {}
    widest = max((_SPAN[i.time_precision].days for i in (*existing, *new)), default=0)
    reach = math.ceil(policy.within_h / 24.0) + widest + 1

    def add(incident: Incident) -> None:
        by_set = buckets.setdefault(incident.time.toordinal(), {})
        by_set.setdefault(frozenset(_namespaces(incident)), []).append(incident)

    for incident in existing:
        add(incident)
    head_of: dict[str, str] = {}
    out: list[MergeMatch] = []
    for incident in new:
        mine = _namespaces(incident)
        best: tuple[float, float, Incident, Proximity] | None = None
        d0 = incident.time.toordinal()
        for d in range(d0 - reach, d0 + reach + 1):
            for spaces, others in buckets.get(d, {}).items():
                if spaces & mine:
                    continue
                for other in others:
                    found = match(incident, other, policy)
                    if found is None:
                        continue
                    dist = found.distance_km if found.distance_km is not None else 0.0
                    if best is None or (found.hours, dist) < best[:2]:
                        best = (found.hours, dist, other, found)
        if best is None:
            if among_new:
                add(incident)  # a group head that later reports may join
            continue
        head = head_of.get(best[2].incident_id, best[2].incident_id)
        head_of[incident.incident_id] = head
        out.append(MergeMatch(into=head, merged=incident.incident_id, proximity=best[3]))
    return out


def combine(reports: Iterable[Incident]) -> tuple[People, tuple[IncidentSource, ...]]:
    """The combined counts and sources of reports of one event.

    Each count is the largest reported (unknown where no report knows it); the
    sources are the union, in order of first appearance.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> t = datetime(2018, 6, 19, 8, tzinfo=UTC)
    >>> a = Incident("I-2018-00001", "shipwreck", t, (IncidentSource("IOM", 5),),
    ...              place="off Zuwara", people=People(dead=3, missing=60))
    >>> b = Incident("I-2018-00002", "shipwreck", t, (IncidentSource("Sea-Watch", 4),),
    ...              place="off Zuwara", people=People(survivors=40, dead=5))
    >>> people, sources = combine([a, b])
    >>> people.dead, people.missing, people.survivors, [s.name for s in sources]
    (5, 60, 40, ['IOM', 'Sea-Watch'])
    """
    counts: dict[str, int | None] = dict.fromkeys(COUNT_FIELDS)
    sources: dict[tuple[str, int, str | None, str | None], IncidentSource] = {}
    for report in reports:
        for name in COUNT_FIELDS:
            value = getattr(report.people, name)
            if value is not None:
                current = counts[name]
                counts[name] = value if current is None else max(current, value)
        for source in report.sources:
            sources.setdefault((source.name, source.quality, source.url, source.reference), source)
    return People(**counts), tuple(sources.values())
