"""Parsed case projections, cached in process by case id *and* head hash.

The head hash names the whole chain and the projection is the fold of that chain,
so an entry is valid exactly as long as the row's ``head_hash`` is the one it was
cached under. A read asks the database for the row's head and gets the (possibly
large) state text only when the cached hash differs: any write, by this or any
other process, changes the head and so invalidates the entry. Records returned
share their ``state`` with the cache: treat it as read-only (the records are frozen).
"""

from __future__ import annotations

from typing import Any

__all__ = ["ProjectionCache"]


class ProjectionCache:
    """Parsed case projections by case id, each valid for one head hash.

    Holds ``(head_hash, state, state_json)`` for up to ``size`` cases (cleared when
    full: a case is re-read once). Safe across threads: entries are replaced whole.
    """

    def __init__(self, size: int = 2048) -> None:
        self._size = size
        self._entries: dict[str, tuple[str, dict[str, Any], str]] = {}

    def known_hash(self, case_id: str) -> str | None:
        entry = self._entries.get(case_id)
        return entry[0] if entry else None

    def get(self, case_id: str, head_hash: str | None) -> tuple[dict[str, Any], str] | None:
        entry = self._entries.get(case_id)
        if entry is None or head_hash is None or entry[0] != head_hash:
            return None
        return entry[1], entry[2]

    def put(self, case_id: str, head_hash: str | None, state: dict[str, Any], text: str) -> None:
        if head_hash is None:
            return
        if len(self._entries) >= self._size:
            self._entries = {}
        self._entries[case_id] = (head_hash, state, text)
