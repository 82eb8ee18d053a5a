"""What a case store keeps, as values: case records and users.

The value types shared by the service layer's storage interfaces
(:mod:`sarwatch.services.ports`) and the adapters that implement them
(:mod:`sarwatch.adapters.store`): both import them from here, so that no adapter
imports the service layer. A *case record* is the projection of a case's ledger (its
current state as JSON, for fast reads and listing) plus the signed head of its
chain; the events themselves are :class:`~sarwatch.ledger.LedgerEntry` values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sarwatch.ledger import SignedHead

__all__ = ["CaseRecord", "UserRecord", "projection_json"]


@dataclass(frozen=True)
class CaseRecord:
    """A case's projection and chain head.

    Attributes
    ----------
    case_id, title, status, region
        As in :class:`~sarwatch.domain.Case`.
    opened_at, updated_at
        ISO 8601 UTC text.
    state
        The whole case as JSON (:func:`~sarwatch.domain.case_to_json`).
    head
        Signed head of the case's chain (``None`` only while the case is being opened).
    state_json
        ``state`` as :func:`projection_json` writes it, when the store already has the
        text (it spares serialising a large case twice); ``None`` if not known.
    """

    case_id: str
    title: str
    status: str
    region: str
    opened_at: str
    updated_at: str
    state: dict[str, Any]
    head: SignedHead | None
    state_json: str | None = field(default=None, compare=False, repr=False)

    def listing(self) -> dict[str, str]:
        """The fields a case is listed by: id, title, status, region, opened and updated.

        The plain columns of the ``cases`` table, and the head of a case summary.
        """
        return {
            "case_id": self.case_id,
            "title": self.title,
            "status": self.status,
            "region": self.region,
            "opened_at": self.opened_at,
            "updated_at": self.updated_at,
        }


def projection_json(state: dict[str, Any]) -> str:
    """The stored text of a case's projection: compact JSON, UTF-8 kept as is.

    Examples
    --------
    >>> projection_json({"title": "Barca, 80 persone", "people": {"total": 80}})
    '{"title":"Barca, 80 persone","people":{"total":80}}'
    """
    return json.dumps(state, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class UserRecord:
    """A user of the API; the token is kept only as its SHA-256.

    ``created_at`` is when the token was issued and ``expires_at`` when it stops
    working (ISO 8601 UTC; ``None``: never, as asked for explicitly).
    """

    name: str
    role: str
    token_hash: str
    created_at: str
    expires_at: str | None = None
