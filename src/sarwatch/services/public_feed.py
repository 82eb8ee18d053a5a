"""The public feed: what may be shown without authentication, by a stated policy.

Policy (configurable with ``SARWATCH_PUBLIC_DELAY_H`` and ``SARWATCH_PUBLIC_ROUND_DEG``):

1. A case appears only once it is **closed**, or when nothing has been recorded on
   it for ``delay_h`` hours (default 72).
2. Positions are rounded to ``round_deg`` degrees (default 0.1°, about 6 nm) and
   their times to the hour; positions younger than ``delay_h`` are withheld unless
   the case is closed. Uncertainties, sources and notes are left out.
3. Contacts, decisions, attachments, titles and free text never appear: they may
   name people or carry phone numbers. Of the outcome, only its kind, hour and counts
   appear (not who took the people nor where: both are free text). The boat's kind is
   typed by the coordinator: it appears only when it is one of :data:`PUBLIC_BOAT_KINDS`,
   else as ``other``.

So a live position of people in distress (an open case with recent news) is never shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sarwatch.domain.case import CaseStatus, require_utc
from sarwatch.domain.events import format_time
from sarwatch.domain.projection import CaseProjection
from sarwatch.errors import InputError

__all__ = ["PUBLIC_BOAT_KINDS", "PublicPolicy", "coarsen", "public_boat_kind", "public_view"]

#: Boat kinds the public feed shows as recorded (the map page's choices and the CLI's
#: examples); any other text recorded as the kind shows as ``other``.
PUBLIC_BOAT_KINDS = frozenset(
    {"rubber", "wooden", "fibreglass", "iron", "sailing", "fishing", "other", "unknown"}
)


@dataclass(frozen=True)
class PublicPolicy:
    """How the public feed delays and coarsens cases."""

    delay_h: float = 72.0
    round_deg: float = 0.1

    def __post_init__(self) -> None:
        if not self.delay_h >= 0:
            raise InputError(f"public delay must be >= 0 h, got {self.delay_h}")
        if not 0 < self.round_deg <= 10:
            raise InputError(f"public rounding must be in (0, 10] degrees, got {self.round_deg}")

    def describe(self) -> str:
        """The policy in one sentence."""
        return (
            f"Cases appear once closed or after {self.delay_h:g} h without news; positions "
            f"rounded to {self.round_deg:g}° and times to the hour; positions younger than "
            f"{self.delay_h:g} h withheld unless the case is closed; no contacts, names, "
            "sources or free text."
        )


def coarsen(value: float, step_deg: float) -> float:
    """Round a coordinate to the nearest multiple of ``step_deg`` (degrees).

    Examples
    --------
    >>> coarsen(12.4567, 0.1)
    12.5
    >>> coarsen(35.96, 0.25)
    36.0
    """
    decimals = max(0, -math.floor(math.log10(step_deg)) + 1)
    return round(round(value / step_deg) * step_deg, decimals)


def public_boat_kind(kind: str) -> str:
    """The boat's kind as the public may see it: a known kind, else ``other``.

    The kind is free text on the case (``case open --boat``, ``PATCH .../vessel``):
    "rubber, skipper's phone +218..." must not reach the public feed.

    Examples
    --------
    >>> public_boat_kind(" Rubber "), public_boat_kind("rubber, caller Ahmed +218 91 234 5678")
    ('rubber', 'other')
    """
    text = kind.strip().lower()
    return text if text in PUBLIC_BOAT_KINDS else "other"


def _hour(t: datetime) -> str:
    return format_time(t.replace(minute=0, second=0, microsecond=0))


def public_view(
    state: dict[str, Any] | CaseProjection, now: datetime, policy: PublicPolicy
) -> dict[str, Any] | None:
    """The public form of a case (its JSON projection), or ``None`` if it may not be shown yet."""
    case = state if isinstance(state, CaseProjection) else CaseProjection(state)
    now = require_utc(now)
    delay = timedelta(hours=policy.delay_h)
    closed = case.status is CaseStatus.CLOSED
    aged = now - case.updated_at >= delay
    if not (closed or aged):
        return None
    positions = [
        {
            "time": _hour(p.time),
            "lon": coarsen(p.lon, policy.round_deg),
            "lat": coarsen(p.lat, policy.round_deg),
            "kind": str(p.kind),
        }
        for p in sorted(case.positions, key=lambda p: p.time)
        if closed or now - p.time >= delay
    ]
    outcome = case.outcome
    return {
        "case_id": case.case_id,
        "status": case.status.value,
        "region": case.region,
        "opened": _hour(case.opened_at),
        "boat": public_boat_kind(case.vessel.kind),
        "people_total": case.people.total,
        "positions": positions,
        "outcome": None
        if outcome is None
        else {
            "kind": str(outcome.kind),
            "time": _hour(outcome.time),
            "survivors": outcome.survivors,
            "dead": outcome.dead,
            "missing": outcome.missing,
        },
    }
