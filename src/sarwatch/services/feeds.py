"""Reading the store for the two feeds: every ledger event in order, and the public list.

The event feed (``GET /api/cases/feed``) reads events by their store-wide id; the
public list (``GET /api/public/cases``) pages through the cases the store already
filtered by the policy's two rules (closed, or quiet for the delay), and
:func:`~sarwatch.services.public_feed.public_view` coarsens each.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sarwatch.domain.events import format_time
from sarwatch.services.ports import Store
from sarwatch.services.public_feed import PublicPolicy, public_view

__all__ = ["events_after", "latest_event_id", "public_cases"]


def events_after(
    store: Store, cursor: int, *, limit: int = 500
) -> list[tuple[int, dict[str, Any]]]:
    """Up to ``limit`` events of all cases with an id above ``cursor``, as the feed sends them."""
    with store.unit_of_work() as uow:
        found = uow.cases.events_after(cursor, limit=limit)
    return [
        (
            event_id,
            {
                "event_id": event_id,
                "case_id": e.case_id,
                "seq": e.seq,
                "kind": e.kind,
                "recorded_at": e.recorded_at,
                "actor": e.actor,
                "payload": e.payload,
            },
        )
        for event_id, e in found
    ]


def latest_event_id(store: Store) -> int:
    """The id of the latest event recorded (0 if none): where a live feed starts."""
    with store.unit_of_work() as uow:
        return uow.cases.latest_event_id()


def public_cases(
    store: Store, policy: PublicPolicy, now: datetime, *, limit: int = 200
) -> list[dict[str, Any]]:
    """The public views of up to ``limit`` cases, most recently updated first.

    The store selects closed cases and those not updated for ``policy.delay_h``
    (a cut-off rounded up to the second: a superset, as stored times may carry
    fractions); :func:`public_view` decides each exactly.
    """
    cutoff = now - timedelta(hours=policy.delay_h)
    updated_before = format_time(cutoff.replace(microsecond=0) + timedelta(seconds=1))
    out: list[dict[str, Any]] = []
    offset, batch_size = 0, max(limit, 100)
    while len(out) < limit:
        with store.unit_of_work() as uow:
            batch = uow.cases.page_public(
                updated_before=updated_before, limit=batch_size, offset=offset
            )
        for record in batch:
            view = public_view(record.state, now, policy)
            if view is not None:
                out.append(view)
        if len(batch) < batch_size:
            break
        offset += batch_size
    return out[:limit]
