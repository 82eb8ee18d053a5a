"""Cases, their parts and events: plain dataclasses and the status machine."""

from sarwatch.domain.case import (
    ALLOWED_TRANSITIONS,
    Case,
    CaseStatus,
    Contact,
    Decision,
    OnLand,
    Outcome,
    OutcomeKind,
    PeopleOnBoard,
    PositionKind,
    PositionReport,
    Source,
    Verification,
    Vessel,
    check_transition,
    outcome_count_mismatch,
    require_utc,
)
from sarwatch.domain.events import EventKind, apply, fold
from sarwatch.domain.ids import CaseId, format_case_id, parse_case_id
from sarwatch.domain.projection import CaseProjection, case_to_json

__all__ = [
    "ALLOWED_TRANSITIONS",
    "Case",
    "CaseId",
    "CaseProjection",
    "CaseStatus",
    "Contact",
    "Decision",
    "EventKind",
    "OnLand",
    "Outcome",
    "OutcomeKind",
    "PeopleOnBoard",
    "PositionKind",
    "PositionReport",
    "Source",
    "Verification",
    "Vessel",
    "apply",
    "case_to_json",
    "check_transition",
    "fold",
    "format_case_id",
    "outcome_count_mismatch",
    "parse_case_id",
    "require_utc",
]
