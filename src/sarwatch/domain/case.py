"""Cases and their parts: plain value objects (the status machine: :mod:`.status`).

A case is the record of one boat in distress, from the first alert to the
closing of the file. Everything here is pure: no I/O, no clock, no database.
Positions are ``(lon, lat)`` WGS84 degrees; times are timezone-aware UTC
:class:`datetime.datetime` (naive times are refused).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from sarwatch.domain.status import (
    ALLOWED_TRANSITIONS,
    OPEN_STATUSES,
    CaseStatus,
    check_transition,
    moves_before,
)
from sarwatch.errors import InputError

__all__ = [
    "ALLOWED_TRANSITIONS",
    "OUTCOME_STATUS",
    "Case",
    "CaseStatus",
    "Contact",
    "Decision",
    "OnLand",
    "Outcome",
    "OutcomeKind",
    "PeopleOnBoard",
    "PositionKind",
    "PositionReport",
    "Source",
    "Verification",
    "Vessel",
    "check_transition",
    "moves_before",
    "outcome_count_mismatch",
    "require_utc",
]


def require_utc(value: datetime, what: str = "time") -> datetime:
    """Refuse naive datetimes; return the time converted to UTC.

    Raises
    ------
    InputError
        If ``value`` has no time zone.
    """
    if not isinstance(value, datetime):
        raise InputError(f"{what} must be a datetime, got {type(value).__name__}")
    offset = value.utcoffset()
    if offset is None:
        raise InputError(
            f"{what} {value.isoformat()} has no time zone; give it in UTC, e.g. "
            f"{value.isoformat()}Z or {value.isoformat()}+00:00"
        )
    return (value - offset).replace(tzinfo=UTC)


class Verification(StrEnum):
    """How far a source has been checked."""

    UNVERIFIED = "unverified"
    CORROBORATED = "corroborated"
    VERIFIED = "verified"
    DISPUTED = "disputed"


@dataclass(frozen=True)
class Source:
    """Where a piece of information comes from.

    Attributes
    ----------
    name
        Who or what reported it (``"Alarm Phone"``, ``"Seabird aircraft"``, ``"AIS"``).
    quality
        1–5 as the IOM Missing Migrants Project grades sources: 1 a single media
        source … 5 official sources or several humanitarian actors.
    verification
        :class:`Verification` state.
    url
        Optional public reference.
    """

    name: str
    quality: int = 1
    verification: Verification | str = Verification.UNVERIFIED
    url: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InputError("a source needs a name (who reported it)")
        if isinstance(self.quality, bool) or not isinstance(self.quality, int):
            raise InputError(f"source quality must be an integer 1–5, got {self.quality!r}")
        if not 1 <= self.quality <= 5:
            raise InputError(
                f"source quality must be 1–5 (IOM Missing Migrants grading), got {self.quality}"
            )
        object.__setattr__(self, "verification", _enum(Verification, self.verification))


class PositionKind(StrEnum):
    """How a position was obtained."""

    GPS = "gps"  # satellite phone GPS read out by people on board
    AIRCRAFT = "aircraft"  # aircraft sighting
    VESSEL = "vessel"  # sighting by a ship
    AIS = "ais"
    ESTIMATE = "estimate"  # dead reckoning, drift prediction, hearsay


@dataclass(frozen=True)
class OnLand:
    """The coastline puts a reported position on land.

    The position is recorded as it was reported (the record holds what was said);
    this flag says so, with the nearest point at sea, so that the coordinator checks
    it with the source (a mistyped digit, a GPS fix taken ashore, a boat in a harbour).

    Attributes
    ----------
    sea_lon, sea_lat
        WGS84 degrees of the nearest point at sea (``geo.zones.nearest_sea_point``).
    coastline
        Which coastline said so.
    """

    sea_lon: float
    sea_lat: float
    coastline: str = "GSHHG full resolution"

    def __post_init__(self) -> None:
        _check_lonlat(self.sea_lon, self.sea_lat)


@dataclass(frozen=True)
class PositionReport:
    """One reported position of the boat.

    Attributes
    ----------
    time
        When the boat was at the position (UTC).
    lon, lat
        WGS84 degrees.
    kind
        :class:`PositionKind`.
    uncertainty_nm
        1-sigma radius of the position's uncertainty, nautical miles (``>= 0``).
    source
        Who reported it.
    note
        Free text.
    on_land
        Set by the station when its coastline puts the position on land
        (:class:`OnLand`); ``None`` at sea. Left out of the JSON form when ``None``,
        so positions recorded before the flag existed encode as they always did.
    """

    #: Fields left out of the JSON form while ``None`` (see ``domain.events.to_json``).
    _JSON_OMIT_NONE: ClassVar[tuple[str, ...]] = ("on_land",)

    time: datetime
    lon: float
    lat: float
    kind: PositionKind | str
    source: Source
    uncertainty_nm: float = 0.0
    note: str = ""
    on_land: OnLand | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", require_utc(self.time, "position time"))
        object.__setattr__(self, "kind", _enum(PositionKind, self.kind))
        _check_lonlat(self.lon, self.lat)
        if not (self.uncertainty_nm >= 0.0) or self.uncertainty_nm > 500.0:
            raise InputError(
                f"uncertainty_nm must be between 0 and 500 nm, got {self.uncertainty_nm}"
            )


@dataclass(frozen=True)
class Contact:
    """One communication logged on the case.

    Attributes
    ----------
    time
        When it happened (UTC).
    channel
        ``"phone"``, ``"satphone"``, ``"email"``, ``"vhf"``, ``"hf"``, ``"other"``...
    counterpart
        Who was on the other end (``"MRCC Rome"``, ``"RCC Malta"``, ``"JRCC Tripoli"``,
        a merchant ship).
    mmsi
        The counterpart's MMSI when it is a ship (9 digits).
    direction
        ``"outgoing"`` or ``"incoming"``.
    summary
        What was said or sent.
    attachments
        SHA-256 digests (hex) or names of attached files.
    """

    time: datetime
    channel: str
    counterpart: str
    summary: str
    direction: str = "outgoing"
    mmsi: str | None = None
    attachments: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", require_utc(self.time, "contact time"))
        if not self.counterpart.strip():
            raise InputError("a contact needs a counterpart (e.g. 'MRCC Rome')")
        if not self.channel.strip():
            raise InputError("a contact needs a channel (phone, email, vhf, ...)")
        if self.direction not in ("outgoing", "incoming"):
            raise InputError(
                f"contact direction must be 'outgoing' or 'incoming', got {self.direction!r}"
            )
        if self.mmsi is not None and not (len(self.mmsi) == 9 and self.mmsi.isdigit()):
            raise InputError(f"an MMSI has 9 digits, got {self.mmsi!r}")
        object.__setattr__(self, "attachments", tuple(self.attachments))


@dataclass(frozen=True)
class PeopleOnBoard:
    """Who is on the boat, as far as known. ``None`` means unknown."""

    total: int | None = None
    women: int | None = None
    minors: int | None = None
    medical: int | None = None

    def __post_init__(self) -> None:
        for name in ("total", "women", "minors", "medical"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or value < 0):
                raise InputError(f"people on board: {name} must be >= 0, got {value}")
        if self.total is not None:
            for name in ("women", "minors", "medical"):
                value = getattr(self, name)
                if value is not None and value > self.total:
                    raise InputError(
                        f"people on board: {name} ({value}) exceeds the total ({self.total})"
                    )


@dataclass(frozen=True)
class Vessel:
    """The boat in distress, or a ship involved."""

    kind: str = "unknown"  # rubber, wooden, fibreglass, iron, sailing, fishing...
    condition: str = ""  # "engine broken", "taking water", "deflating"...
    name: str | None = None
    mmsi: str | None = None
    flag: str | None = None
    length_m: float | None = None

    def __post_init__(self) -> None:
        if self.mmsi is not None and not (len(self.mmsi) == 9 and self.mmsi.isdigit()):
            raise InputError(f"an MMSI has 9 digits, got {self.mmsi!r}")
        if self.length_m is not None and not 0 < self.length_m < 400:
            raise InputError(f"vessel length_m must be in (0, 400), got {self.length_m}")


@dataclass(frozen=True)
class Decision:
    """A decision taken on the case, and why."""

    time: datetime
    summary: str
    by: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", require_utc(self.time, "decision time"))
        if not self.summary.strip():
            raise InputError("a decision needs a summary")


class OutcomeKind(StrEnum):
    """How it ended."""

    RESCUED = "rescued"
    INTERCEPTED = "intercepted"  # intercepted and returned
    ARRIVED = "arrived"  # arrived alone
    SHIPWRECK = "shipwreck"
    UNKNOWN = "unknown"


#: The status an outcome moves the case to.
OUTCOME_STATUS: dict[OutcomeKind, CaseStatus] = {
    OutcomeKind.RESCUED: CaseStatus.RESCUED,
    OutcomeKind.INTERCEPTED: CaseStatus.INTERCEPTED,
    OutcomeKind.ARRIVED: CaseStatus.ARRIVED,
    OutcomeKind.SHIPWRECK: CaseStatus.LOST,
    OutcomeKind.UNKNOWN: CaseStatus.LOST,
}


@dataclass(frozen=True)
class Outcome:
    """The end of the distress.

    Attributes
    ----------
    time
        When it happened (UTC).
    kind
        :class:`OutcomeKind`.
    by
        Rescued or intercepted by whom (a ship, a coast guard).
    taken_to
        Where survivors were taken (a port; for interceptions, the port of return).
    survivors, dead, missing
        Counts (``None`` = unknown).
    """

    time: datetime
    kind: OutcomeKind | str
    by: str = ""
    taken_to: str = ""
    survivors: int | None = None
    dead: int | None = None
    missing: int | None = None
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", require_utc(self.time, "outcome time"))
        object.__setattr__(self, "kind", _enum(OutcomeKind, self.kind))
        for name in ("survivors", "dead", "missing"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or value < 0):
                raise InputError(f"outcome: {name} must be >= 0, got {value}")
        if self.kind in (OutcomeKind.RESCUED, OutcomeKind.INTERCEPTED) and not self.by.strip():
            raise InputError(f"outcome {str(self.kind)!r} needs 'by' (which ship or authority)")

    @property
    def status(self) -> CaseStatus:
        """The case status this outcome leads to."""
        return OUTCOME_STATUS[OutcomeKind(self.kind)]


def outcome_count_mismatch(
    on_board: int | None,
    survivors: int | None,
    dead: int | None,
    missing: int | None,
) -> str | None:
    """Say so when an outcome's counts do not add up to the people reported on board.

    People-on-board figures are estimates (counted from a photograph, relayed by
    phone), so a difference is never refused: it is flagged for the record, where a
    missing person may hide. Negative counts are refused earlier, by
    :class:`PeopleOnBoard` and :class:`Outcome`.

    Parameters
    ----------
    on_board
        People reported on board (``PeopleOnBoard.total``); ``None`` if unknown.
    survivors, dead, missing
        The outcome's counts; ``None`` where unknown.

    Returns
    -------
    str or None
        A sentence naming both figures and the difference, or ``None`` when they agree
        or when either side is unknown (no total, or no count in the outcome).

    Examples
    --------
    >>> print(outcome_count_mismatch(218, 225, 3, 2))  # doctest: +NORMALIZE_WHITESPACE
    outcome accounts for 230 people (survivors 225, dead 3, missing 2); 218 were reported on
    board: 12 more than reported
    >>> print(outcome_count_mismatch(218, 200, None, None))  # doctest: +NORMALIZE_WHITESPACE
    outcome accounts for 200 people (survivors 200); 218 were reported on board: 18 not
    accounted for
    >>> outcome_count_mismatch(218, 218, 0, None) is None
    True
    >>> outcome_count_mismatch(None, 50, None, None) is None
    True
    """
    counts = {"survivors": survivors, "dead": dead, "missing": missing}
    known = {k: v for k, v in counts.items() if v is not None}
    if on_board is None or not known:
        return None
    accounted = sum(known.values())
    if accounted == on_board:
        return None
    parts = ", ".join(f"{k} {v}" for k, v in known.items())
    people = "person" if accounted == 1 else "people"
    were = "was" if on_board == 1 else "were"
    gap = (
        f"{accounted - on_board} more than reported"
        if accounted > on_board
        else f"{on_board - accounted} not accounted for"
    )
    return (
        f"outcome accounts for {accounted} {people} ({parts}); "
        f"{on_board} {were} reported on board: {gap}"
    )


@dataclass(frozen=True)
class Case:
    """The current state of a case: the fold of its ledger events.

    Attributes
    ----------
    case_id
        Human-readable id, see :mod:`sarwatch.domain.ids`.
    title
        Short description.
    status
        :class:`CaseStatus`.
    opened_at, updated_at
        UTC times of the first and latest event.
    region
        The region code in the id (an SRR code such as ``"LY"``, or ``"XX"``).
    corrections
        The payloads of the ``correction_recorded`` events, in order
        (:mod:`sarwatch.domain.corrections`); ``None`` (left out of the JSON) without any.
    """

    #: Fields left out of the JSON form while ``None`` (see ``domain.events.to_json``).
    _JSON_OMIT_NONE: ClassVar[tuple[str, ...]] = ("corrections",)

    case_id: str
    title: str
    status: CaseStatus
    opened_at: datetime
    updated_at: datetime
    region: str
    positions: tuple[PositionReport, ...] = ()
    contacts: tuple[Contact, ...] = ()
    decisions: tuple[Decision, ...] = ()
    people: PeopleOnBoard = field(default_factory=PeopleOnBoard)
    vessel: Vessel = field(default_factory=Vessel)
    outcome: Outcome | None = None
    attachments: tuple[dict[str, Any], ...] = ()
    sources: tuple[Source, ...] = ()
    corrections: tuple[dict[str, Any], ...] | None = None

    @property
    def is_open(self) -> bool:
        """Whether people may still be in distress (no outcome yet)."""
        return self.status in OPEN_STATUSES

    @property
    def outcome_count_mismatch(self) -> str | None:
        """See :func:`outcome_count_mismatch` (``None`` without an outcome)."""
        if self.outcome is None:
            return None
        o = self.outcome
        return outcome_count_mismatch(self.people.total, o.survivors, o.dead, o.missing)

    @property
    def last_position(self) -> PositionReport | None:
        """The most recent position by time, if any."""
        if not self.positions:
            return None
        return max(self.positions, key=lambda p: p.time)

    def with_status(self, new: CaseStatus | str) -> Case:
        """A copy in status ``new``; raises :class:`IllegalTransitionError` if not allowed."""
        return replace(self, status=check_transition(self.status, new))

    def age(self, now: datetime) -> timedelta:
        """Time since the last event."""
        return require_utc(now) - self.updated_at


def _words(name: str) -> str:
    """A class name in the user's words: ``OutcomeKind`` -> ``outcome kind``.

    Examples
    --------
    >>> _words("OutcomeKind"), _words("Verification")
    ('outcome kind', 'verification')
    """
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def _enum(cls: Any, value: Any) -> Any:
    """``value`` as a member of the enumeration ``cls``, or an error in the user's words.

    Examples
    --------
    >>> _enum(OutcomeKind, "saved")
    Traceback (most recent call last):
    ...
    sarwatch.errors.InputError: unknown outcome kind 'saved': use one of rescued, ...
    """
    try:
        return cls(value)
    except ValueError:
        names = ", ".join(m.value for m in cls)
        raise InputError(f"unknown {_words(cls.__name__)} {value!r}: use one of {names}") from None


def _check_lonlat(lon: float, lat: float) -> None:
    if isinstance(lon, bool) or isinstance(lat, bool):
        raise InputError("lon/lat must be numbers")
    if not (-180.0 <= float(lon) <= 180.0) or not (-90.0 <= float(lat) <= 90.0):
        raise InputError(
            f"position (lon={lon}, lat={lat}) is outside -180..180, -90..90 degrees; "
            "check that lon and lat are not swapped"
        )
