"""JSON shapes of the case API (pydantic v2): ``XIn`` for requests, ``XOut`` for answers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from sarwatch.domain import CaseStatus, OutcomeKind, PositionKind, Verification
from sarwatch.domain.intake import MAX_PEOPLE
from sarwatch.geo.units import LAT_MAX_DEG, LAT_MIN_DEG, LON_MAX_DEG, LON_MIN_DEG
from sarwatch.services.time_fields import UtcTime

__all__ = [
    "AttachmentIn",
    "CaseOpenIn",
    "CaseOut",
    "CaseSummaryOut",
    "ContactIn",
    "DecisionIn",
    "FeedEventOut",
    "FindingOut",
    "LedgerEntryOut",
    "OutcomeIn",
    "PeopleIn",
    "PositionIn",
    "PublicCaseOut",
    "PublicPolicyOut",
    "RegisterHeadOut",
    "RegisterOut",
    "SourceIn",
    "StatusIn",
    "UserOut",
    "VerificationOut",
    "VesselIn",
]

_STRICT = ConfigDict(extra="forbid")

Lon = Field(ge=LON_MIN_DEG, le=LON_MAX_DEG, description="Longitude, degrees east (WGS84).")
Lat = Field(ge=LAT_MIN_DEG, le=LAT_MAX_DEG, description="Latitude, degrees north (WGS84).")

#: A count of people: a JSON integer (``true`` is not 1), 0 to 100,000.
Count = Annotated[StrictInt, Field(ge=0, le=MAX_PEOPLE)]


class SourceIn(BaseModel):
    """Who reported something."""

    model_config = _STRICT
    name: str = Field(min_length=1, max_length=200, examples=["Alarm Phone"])
    quality: StrictInt = Field(1, ge=1, le=5, description="IOM Missing Migrants grading 1–5.")
    verification: Verification = Verification.UNVERIFIED
    url: str | None = None


class PositionIn(BaseModel):
    """A reported position of the boat."""

    model_config = _STRICT
    time: UtcTime = Field(description="When the boat was there (with a zone, UTC).")
    lon: float = Lon
    lat: float = Lat
    kind: PositionKind = PositionKind.GPS
    source: SourceIn
    uncertainty_nm: float = Field(0.0, ge=0, le=500, description="1-sigma radius, nm.")
    note: str = Field("", max_length=2000)


class PeopleIn(BaseModel):
    """People on board (``null`` = unknown). In an update, counts left out keep their value."""

    model_config = _STRICT
    total: Count | None = None
    women: Count | None = None
    minors: Count | None = None
    medical: Count | None = Field(None, description="People needing medical care.")


class VesselIn(BaseModel):
    """The boat. In an update, fields left out keep their recorded value."""

    model_config = _STRICT
    kind: str = Field("unknown", max_length=60, examples=["rubber"])
    condition: str = Field("", max_length=500, examples=["engine broken, taking water"])
    name: str | None = None
    mmsi: str | None = Field(None, pattern=r"^\d{9}$")
    flag: str | None = None
    length_m: float | None = Field(None, gt=0, lt=400)


class CaseOpenIn(BaseModel):
    """Open a case from an alert."""

    model_config = _STRICT
    title: str = Field(min_length=1, max_length=300, examples=["rubber boat, 80 people"])
    alert_time: UtcTime
    position: PositionIn | None = None
    people: PeopleIn | None = None
    vessel: VesselIn | None = None
    sources: list[SourceIn] = Field(default_factory=list)
    region: str | None = Field(None, pattern=r"^[A-Za-z]{2}$", description="Default: the SRR.")


class ContactIn(BaseModel):
    """A call, e-mail or radio exchange."""

    model_config = _STRICT
    time: UtcTime
    channel: str = Field(min_length=1, max_length=40, examples=["phone"])
    counterpart: str = Field(min_length=1, max_length=200, examples=["MRCC Rome"])
    summary: str = Field("", max_length=10000)
    direction: Literal["outgoing", "incoming"] = "outgoing"
    mmsi: str | None = Field(None, pattern=r"^\d{9}$")
    attachments: list[str] = Field(default_factory=list)


class DecisionIn(BaseModel):
    """A decision and its reason."""

    model_config = _STRICT
    time: UtcTime
    summary: str = Field(min_length=1, max_length=10000)
    by: str = ""


class StatusIn(BaseModel):
    """Move the case along the status machine."""

    model_config = _STRICT
    to: CaseStatus
    reason: str = Field("", max_length=2000)


class OutcomeIn(BaseModel):
    """How it ended."""

    model_config = _STRICT
    time: UtcTime
    kind: OutcomeKind
    by: str = Field("", max_length=200)
    taken_to: str = Field("", max_length=200)
    survivors: Count | None = None
    dead: Count | None = None
    missing: Count | None = None
    note: str = Field("", max_length=5000)


class AttachmentIn(BaseModel):
    """A document record that only the client has (``POST .../attachments`` refuses the
    other kinds: the server builds those from the inputs it verified)."""

    model_config = _STRICT
    kind: Literal[
        "assessment", "drift_run", "search_plan", "document", "reconstruction", "responders"
    ]
    record: dict[str, Any] = Field(
        description="Plain JSON. A drift run carries forcing file names, SHA-256, time "
        "windows, parameters, seed and outputs."
    )


class _Source(BaseModel):
    name: str
    quality: int
    verification: str
    url: str | None = None


class _OnLand(BaseModel):
    """The coastline puts the position on land: recorded as reported, to be confirmed."""

    sea_lon: float = Field(description="Longitude of the nearest sea point, degrees east.")
    sea_lat: float = Field(description="Latitude of the nearest sea point, degrees north.")
    coastline: str


class _Position(BaseModel):
    time: str
    lon: float
    lat: float
    kind: str
    source: _Source
    uncertainty_nm: float
    note: str
    on_land: _OnLand | None = Field(
        None, description="Present when the station's coastline puts the position on land."
    )


class _Contact(BaseModel):
    time: str
    channel: str
    counterpart: str
    summary: str
    direction: str
    mmsi: str | None = None
    attachments: list[str]


class _Decision(BaseModel):
    time: str
    summary: str
    by: str


class _Outcome(BaseModel):
    time: str
    kind: str
    by: str
    taken_to: str
    survivors: int | None = None
    dead: int | None = None
    missing: int | None = None
    note: str


class _People(BaseModel):
    total: int | None = None
    women: int | None = None
    minors: int | None = None
    medical: int | None = None


class _Vessel(BaseModel):
    kind: str
    condition: str
    name: str | None = None
    mmsi: str | None = None
    flag: str | None = None
    length_m: float | None = None


class CaseOut(BaseModel):
    """A case with everything recorded on it. Times are ISO 8601 UTC strings."""

    case_id: str = Field(examples=["2018-03-15-LY-001"])
    title: str
    status: str
    is_open: bool
    opened_at: str
    updated_at: str
    region: str
    positions: list[_Position]
    last_position: _Position | None
    contacts: list[_Contact]
    decisions: list[_Decision]
    people: _People
    vessel: _Vessel
    outcome: _Outcome | None
    attachments: list[dict[str, Any]]
    sources: list[_Source]
    head_seq: int | None = Field(None, description="Number of ledger events.")
    head_hash: str | None = Field(None, description="SHA-256 of the last ledger event.")


class CaseSummaryOut(BaseModel):
    """A case in a list (with its last position, for the map)."""

    case_id: str
    title: str
    status: str
    region: str
    opened_at: str
    updated_at: str
    last_position: _Position | None
    people_total: int | None


class LedgerEntryOut(BaseModel):
    """One signed ledger event."""

    case_id: str
    seq: int
    recorded_at: str
    kind: str
    actor: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str
    key_id: str
    signature: str


class FindingOut(BaseModel):
    """A problem found by verification."""

    problem: str
    seq: int | None
    message: str


class VerificationOut(BaseModel):
    """The result of verifying a case's chain."""

    case_id: str
    ok: bool
    n_events: int
    head_seq: int | None
    key_id: str
    findings: list[FindingOut]


class RegisterHeadOut(BaseModel):
    """The station register's signed head: publish ``seq`` and ``hash`` to anchor it."""

    seq: int
    hash: str
    key_id: str
    signature: str


class RegisterOut(BaseModel):
    """The station register checked against the store now."""

    ok: bool
    n_entries: int
    n_cases: int
    head: RegisterHeadOut | None
    key_id: str
    public_key_pem: str
    findings: list[FindingOut]


class FeedEventOut(BaseModel):
    """The ``data`` of one server-sent event on ``/api/cases/feed`` (``event: <kind>``)."""

    event_id: int
    case_id: str
    seq: int
    kind: str
    recorded_at: str
    actor: str
    payload: dict[str, Any]


class UserOut(BaseModel):
    """The authenticated user."""

    name: str
    role: str


class _PublicPosition(BaseModel):
    time: str
    lon: float
    lat: float
    kind: str


class _PublicOutcome(BaseModel):
    """How it ended, without who or where (free text may name people)."""

    kind: str
    time: str
    survivors: int | None = None
    dead: int | None = None
    missing: int | None = None


class PublicCaseOut(BaseModel):
    """A case as the public may see it: delayed, coarsened, no names or contacts."""

    case_id: str
    status: str
    region: str
    opened: str
    boat: str
    people_total: int | None
    positions: list[_PublicPosition]
    outcome: _PublicOutcome | None


class PublicPolicyOut(BaseModel):
    """The redaction policy of the public feed."""

    delay_h: float
    round_deg: float
    description: str
