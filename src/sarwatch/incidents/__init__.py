"""The incident register of monitors (core: no I/O).

Incidents at sea (shipwrecks, interceptions and returns, arrivals, non-assistance,
push-backs, sightings) with graded sources, kept apart from live cases and linked to
them. Reports of the same event are merged by proximity in time and space, recorded
and reversible; every change is an event of one signed chain. See
``docs/design/016-incidents.md``.
"""

from sarwatch.incidents.codec import incident_from_json, incident_text, incident_to_json
from sarwatch.incidents.merge import (
    MatchPolicy,
    MergeMatch,
    Proximity,
    combine,
    distance_km,
    find_matches,
    match,
)
from sarwatch.incidents.query import GROUPINGS, Grouping, IncidentQuery, Totals, selects
from sarwatch.incidents.register import (
    CHAIN_ID,
    IncidentEvent,
    IncidentRecord,
    apply,
    batch_body,
    batch_reports,
    compact_json,
    fold,
    record_from_json,
    record_text,
    record_to_json,
)
from sarwatch.incidents.types import (
    COUNT_FIELDS,
    DRAFT_ID,
    QUALITY_SCALE,
    Incident,
    IncidentSource,
    IncidentType,
    People,
    check_incident_id,
)

__all__ = [
    "CHAIN_ID",
    "COUNT_FIELDS",
    "DRAFT_ID",
    "GROUPINGS",
    "QUALITY_SCALE",
    "Grouping",
    "Incident",
    "IncidentEvent",
    "IncidentQuery",
    "IncidentRecord",
    "IncidentSource",
    "IncidentType",
    "MatchPolicy",
    "MergeMatch",
    "People",
    "Proximity",
    "Totals",
    "apply",
    "batch_body",
    "batch_reports",
    "check_incident_id",
    "combine",
    "compact_json",
    "distance_km",
    "find_matches",
    "fold",
    "incident_from_json",
    "incident_text",
    "incident_to_json",
    "match",
    "record_from_json",
    "record_text",
    "record_to_json",
    "selects",
]
