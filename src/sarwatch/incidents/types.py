"""The values of the incident register: types, people, graded sources, incidents.

An :class:`Incident` is one *report* of an event at sea, as recorded: what kind of
event, when, where (a position, a place name, or both), how many people (survivors,
dead, missing; by sex and age where known), the actors involved, and one or more
sources, each graded on the IOM Missing Migrants Project scale (:data:`QUALITY_SCALE`).
Reports of the same event are merged in the register (:mod:`sarwatch.incidents.merge`),
never edited into one another, so that a merge can be undone exactly.

Times are timezone-aware UTC; positions ``(lon, lat)`` WGS84 degrees. Counts are
minimum estimates (as the IOM's): ``None`` means unknown, never zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from sarwatch.domain.case import require_utc
from sarwatch.domain.ids import parse_case_id
from sarwatch.errors import InputError

__all__ = [
    "COUNT_FIELDS",
    "DRAFT_ID",
    "QUALITY_SCALE",
    "Incident",
    "IncidentSource",
    "IncidentType",
    "People",
    "TimePrecision",
    "check_incident_id",
]

#: The IOM Missing Migrants Project's source-quality grades (1 lowest, 5 highest).
QUALITY_SCALE: dict[int, str] = {
    1: "single media source",
    2: "uncorroborated eyewitness or survey",
    3: "several media reports",
    4: "at least one NGO or IGO with direct knowledge",
    5: "official sources, or several humanitarian actors",
}

#: How precisely an incident's time is known (IOM records give a day).
TimePrecision = Literal["minute", "day", "month"]

_ID = re.compile(r"^I-\d{4}-\d{5,}$")

#: The id of a report not yet in the register: the register numbers it when it records it.
DRAFT_ID = "I-0000-00000"


def check_incident_id(text: str) -> str:
    """An incident id ``I-YYYY-NNNNN`` (the year of the event and a serial), checked.

    Examples
    --------
    >>> check_incident_id("I-2018-00042")
    'I-2018-00042'
    """
    if not isinstance(text, str) or not _ID.match(text):
        raise InputError(
            f"an incident id looks like I-2018-00042 (I-year-serial), got {text!r}; "
            "list incidents with: sarwatch incidents list"
        )
    return text


class IncidentType(StrEnum):
    """What happened."""

    SHIPWRECK = "shipwreck"
    INTERCEPTION_RETURN = "interception_return"
    ARRIVAL = "arrival"
    NON_ASSISTANCE = "non_assistance"
    PUSH_BACK = "push_back"
    SIGHTING = "sighting"

    @classmethod
    def parse(cls, text: str) -> IncidentType:
        """The type named by ``text`` (case and ``-``/space insensitive)."""
        if isinstance(text, IncidentType):
            return text
        key = str(text).strip().lower().replace("-", "_").replace(" ", "_")
        try:
            return cls(key)
        except ValueError:
            raise InputError(
                f"unknown incident type {text!r}; types are: {', '.join(t.value for t in cls)}"
            ) from None


#: The count fields of :class:`People`, in order.
COUNT_FIELDS = ("survivors", "dead", "missing", "females", "males", "children")


@dataclass(frozen=True)
class People:
    """Who was involved, as minimum counts (``None``: unknown).

    Attributes
    ----------
    survivors, dead, missing
        People who survived, bodies recovered, people missing and presumed dead.
    females, males, children
        Of the dead and missing, by sex and age, where known (the IOM's breakdown).
    """

    survivors: int | None = None
    dead: int | None = None
    missing: int | None = None
    females: int | None = None
    males: int | None = None
    children: int | None = None

    def __post_init__(self) -> None:
        for name, value in zip(COUNT_FIELDS, self.__dict__.values(), strict=True):
            if value is None or (type(value) is int and value >= 0):
                continue  # the usual counts, checked without calls
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InputError(f"{name} must be a whole number >= 0 or unknown, got {value!r}")

    @property
    def dead_and_missing(self) -> int | None:
        """Dead plus missing (``None`` when both are unknown)."""
        if self.dead is None and self.missing is None:
            return None
        return (self.dead or 0) + (self.missing or 0)

    def is_empty(self) -> bool:
        """Whether no count is known."""
        return all(getattr(self, name) is None for name in COUNT_FIELDS)


@dataclass(frozen=True)
class IncidentSource:
    """Where a report comes from, and how good it is.

    Attributes
    ----------
    name
        Who reported (an outlet, an NGO, an authority, a dataset).
    quality
        IOM grade 1–5 (:data:`QUALITY_SCALE`).
    url
        Where to read it, if public.
    reference
        The source's own id of the record (``"MMP 2018.MMP00123"``), if any.
    """

    name: str
    quality: int
    url: str | None = None
    reference: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError("a source needs a name (who reported it)")
        if isinstance(self.quality, bool) or self.quality not in QUALITY_SCALE:
            raise InputError(
                f"source quality is the IOM grade 1-5 (1 {QUALITY_SCALE[1]} ... 5 "
                f"{QUALITY_SCALE[5]}), got {self.quality!r}"
            )


@dataclass(frozen=True)
class Incident:
    """One report of an event at sea.

    Attributes
    ----------
    incident_id
        ``I-YYYY-NNNNN`` (:func:`check_incident_id`).
    kind
        What happened (:class:`IncidentType`).
    time
        When (UTC); ``time_precision`` says how much of it is known.
    lon, lat
        Position in degrees, if known (both or neither).
    place
        A place name (``"off Zuwara"``), if given.
    people
        The counts (:class:`People`).
    actors
        Who was involved: vessels, coast guards, authorities (free text each).
    sources
        One or more graded sources.
    case_id
        The live case this incident is linked to, if any.
    country, route, cause, note
        Country of the incident, migration route, cause of death (IOM's wording), a note.
    external_ids
        Ids of the records this report was made from, namespaced (``"mmp:2018.MMP00123"``):
        a re-import of the same record is recognised by them.
    """

    incident_id: str
    kind: IncidentType
    time: datetime
    sources: tuple[IncidentSource, ...]
    lon: float | None = None
    lat: float | None = None
    place: str = ""
    people: People = field(default_factory=People)
    actors: tuple[str, ...] = ()
    time_precision: TimePrecision = "minute"
    case_id: str | None = None
    country: str = ""
    route: str = ""
    cause: str = ""
    note: str = ""
    external_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Frozen: normalised values are written to the instance's __dict__, as
        # object.__setattr__ would. The usual values pass without calls (an import
        # builds 100,000 of these); anything else goes through the full checks.
        values = self.__dict__
        if self.incident_id != DRAFT_ID:
            check_incident_id(self.incident_id)
        if type(self.kind) is not IncidentType:
            values["kind"] = IncidentType.parse(self.kind)
        if not (type(self.time) is datetime and self.time.tzinfo is UTC):
            values["time"] = require_utc(self.time, "incident time")
        if self.time_precision not in ("minute", "day", "month"):
            raise InputError(f"time precision is minute, day or month, got {self.time_precision!r}")
        lon, lat = self.lon, self.lat
        if lon is None or lat is None:
            if lon is not lat:
                raise InputError("an incident position needs both lon and lat, or neither")
            if not self.place.strip():
                raise InputError("an incident needs a position (lon, lat) or a place name")
        else:
            if type(lon) is not float or type(lat) is not float:
                lon, lat = float(lon), float(lat)
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):  # NaN and infinity fail too
                raise InputError(
                    f"incident position lon={self.lon}, lat={self.lat} is not a position "
                    "(lon -180..180, lat -90..90 degrees); check lat and lon are not swapped"
                )
            values["lon"], values["lat"] = lon, lat
        if not self.sources:
            raise InputError("an incident needs at least one source, graded 1-5 on the IOM scale")
        if type(self.sources) is not tuple:
            values["sources"] = tuple(self.sources)
        if self.actors:
            values["actors"] = tuple(str(a) for a in self.actors if str(a).strip())
        elif type(self.actors) is not tuple:
            values["actors"] = ()
        if type(self.external_ids) is not tuple:
            values["external_ids"] = tuple(self.external_ids)
        if self.case_id is not None:  # a link the open data and reconstructions follow
            parse_case_id(self.case_id)

    @property
    def has_position(self) -> bool:
        """Whether the position is known."""
        return self.lon is not None

    @property
    def quality(self) -> int:
        """The best grade among the sources."""
        return max(s.quality for s in self.sources)

    def field_names(self) -> tuple[str, ...]:
        """The fields, in order."""
        return tuple(f.name for f in fields(self))

    @classmethod
    def from_checked(cls, values: dict[str, Any]) -> Incident:
        """An incident from ``values`` its maker has already checked, without checking again.

        For bulk readers only (an IOM import makes 100,000 reports; the checks of
        ``__post_init__`` and the frozen ``__init__`` are then a noticeable part of it).
        ``values`` holds every field, each as ``__post_init__`` leaves it: ``kind`` an
        :class:`IncidentType`, ``time`` UTC, ``lon``/``lat`` floats within range or both
        ``None`` (then a place), at least one source, tuples for the sequences. Its
        readers' tests check that the result equals the checked construction.
        """
        if len(values) != len(_INCIDENT_FIELDS):
            missing = sorted(set(_INCIDENT_FIELDS) - set(values))
            raise TypeError(f"Incident.from_checked needs every field (missing: {missing})")
        incident = object.__new__(cls)
        object.__setattr__(incident, "__dict__", values)
        return incident


#: The fields of an Incident, in order.
_INCIDENT_FIELDS = tuple(f.name for f in fields(Incident))
