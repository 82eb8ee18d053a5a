"""The values of a case reconstruction (see :mod:`sarwatch.services.reconstruction`).

Plain frozen dataclasses; :meth:`Reconstruction.to_json` is the reconstruction's JSON
file and the ``result`` of its attachment.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "FORMAT",
    "Answer",
    "DriftFrame",
    "RccKnowledge",
    "Reconstruction",
    "TimelineItem",
    "VesselReach",
]

#: The format name written into every reconstruction's JSON.
FORMAT = "sarwatch-reconstruction/1"


@dataclass(frozen=True)
class TimelineItem:
    """One line of the timeline: what happened when, who, from which ledger event."""

    time: str
    kind: str
    who: str
    text: str
    seq: int
    recorded_at: str
    hash: str
    source: str | None = None
    rcc: str | None = None


@dataclass(frozen=True)
class RccKnowledge:
    """When one RCC knew, and how its answers went."""

    srr_id: str
    name: str
    responsible: bool
    first_known: str | None
    first_known_how: str
    first_contact_seq: int | None
    minutes_after_alert: float | None
    contacts: int
    informed_at: str | None
    answered_at: str | None
    answer_delay_min: float | None


@dataclass(frozen=True)
class Answer:
    """An outgoing contact and the next incoming one from the same counterpart."""

    counterpart: str
    rcc: str | None
    asked_at: str
    asked_seq: int
    answered_at: str | None
    answered_seq: int | None
    delay_min: float | None
    summary: str


@dataclass(frozen=True)
class VesselReach:
    """One vessel of a responders attachment, with the ETAs as computed there."""

    mmsi: str
    name: str
    type: str
    sar: bool
    eta_from: str
    eta_p50_h: float | None
    eta_p90_h: float | None
    arrival_p50: str | None
    arrival_p90: str | None
    distance_nm: float | None
    reachable_fraction: float | None
    lon: float | None
    lat: float | None
    before_outcome: str
    snapshot_seq: int


@dataclass(frozen=True)
class DriftFrame:
    """The drift cloud at one output time of an attached run."""

    run_seq: int
    time: str
    hours: float
    centroid_lon: float | None
    centroid_lat: float | None
    std_km: float | None
    area90_km2: float | None
    srr_share: dict[str, float]
    stranded_share: float | None


@dataclass(frozen=True)
class Reconstruction:
    """The whole reconstruction (see the module docstring); :meth:`to_json` is its file."""

    case_id: str
    title: str
    status: str
    region: str
    alert_time: str
    outcome: dict[str, Any] | None
    outcome_text: str
    people: str
    head_seq: int
    head_hash: str
    key_id: str
    verified: bool
    timeline: tuple[TimelineItem, ...]
    rccs: tuple[RccKnowledge, ...]
    answers: tuple[Answer, ...]
    vessels: tuple[VesselReach, ...]
    drift: tuple[DriftFrame, ...]
    positions: tuple[dict[str, Any], ...]
    plans: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (every key present)."""
        out = asdict(self)
        out["format"] = FORMAT
        for key in ("timeline", "rccs", "answers", "vessels", "drift", "positions", "plans"):
            out[key] = list(out[key])
        out["notes"] = list(self.notes)
        return out
