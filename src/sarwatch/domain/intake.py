"""What a new record may hold: free text without hidden controls, bounded numbers and times.

The ledger keeps what is written for good, and what it keeps is shown on terminals,
pages and in reports that people rely on. So a new record is refused when its
free text carries characters that change how text is *shown* rather than what it
says (ESC sequences, NUL, carriage returns, the bidirectional overrides that show
``gnp.exe`` reversed as ``exe.png``), or numbers no verifier in another language
reads the same (integers beyond ±(2**53 - 1), the IEEE double's safe range; NaN).

Records written before these checks are still read: the checks run on new writes
(:func:`check_new_event`, called by the case service for every event it appends;
the API's schemas refuse the same earlier, with 422), never when a case is rebuilt
from its events.

Examples
--------
>>> check_text("engine broken,\\ntaking water", "note")
'engine broken,\\ntaking water'
>>> check_text("photo\\u202egnp.exe", "note")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
sarwatch.errors.InputError: note contains ... U+202E (RIGHT-TO-LEFT OVERRIDE) at position 5; ...
>>> check_values({"record": {"n": 10**400}}, "attachment")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
sarwatch.errors.InputError: attachment: record.n is an integer beyond ±(2**53 - 1) ...
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

from sarwatch.errors import InputError

__all__ = [
    "EARLIEST_TIME",
    "MAX_DEPTH",
    "MAX_PEOPLE",
    "MAX_SAFE_INTEGER",
    "UNSAFE_CHARS",
    "check_count",
    "check_new_event",
    "check_text",
    "check_time_floor",
    "check_values",
]

#: Characters a terminal or a text renderer obeys instead of showing, as a regex
#: character class body: C0 controls (with ``\n`` and ``\t``), DEL, C1 controls, the
#: line and paragraph separators, and the bidirectional marks, embeddings, overrides
#: and isolates (U+061C, U+200E/F, U+202A–E, U+2066–9).
UNSAFE_CHARS = "\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"

#: Characters refused in new free text: :data:`UNSAFE_CHARS` except ``\n`` and ``\t``.
_REFUSED = re.compile(f"[{UNSAFE_CHARS}]".replace("\x00-\x1f", "\x00-\x08\x0b-\x1f"))

#: The largest integer an IEEE double (JavaScript, jq) holds with its neighbours: 2**53 - 1
#: (JavaScript's ``Number.MAX_SAFE_INTEGER``, the bound of RFC 8785 records).
MAX_SAFE_INTEGER = 2**53 - 1

#: How deep dicts and lists of a new record may nest. Every reader of the ledger walks
#: a record recursively (the JSON encoders of the API and of bundles, verifiers in
#: other languages): a record some 250 levels deep was accepted and then made every
#: later ``GET /api/cases/{id}/events`` fail, for good. Records sarwatch builds nest
#: fewer than 10 levels.
MAX_DEPTH = 64

#: The most people one case may count (on board, survivors, dead, missing): far above
#: any boat (the 2015 Libya wrecks: ~850), far below a typing slip of 10**30.
MAX_PEOPLE = 100_000

#: The earliest time a case record may carry (alert, position, contact, decision,
#: outcome): before it is a mistyped year (``0001-01-01``, ``1900``).
EARLIEST_TIME = datetime(1990, 1, 1, tzinfo=UTC)

#: The count fields of the events that carry people counts, by where they sit.
_COUNTS = {
    "case_opened": ("people", ("total", "women", "minors", "medical")),
    "people_updated": ("", ("total", "women", "minors", "medical")),
    "outcome_recorded": ("", ("survivors", "dead", "missing")),
}


#: What an error names for each event kind: "contact: summary contains ...", not
#: "contact logged: ..." (which read as if the refused contact had been logged).
_EVENT_NOUNS = {
    "case_opened": "alert",
    "position_reported": "position report",
    "contact_logged": "contact",
    "people_updated": "people on board",
    "vessel_updated": "boat",
    "decision_recorded": "decision",
    "status_changed": "status change",
    "outcome_recorded": "outcome",
    "attachment_added": "attachment",
    "correction_recorded": "correction",
}


def check_text(value: str, what: str) -> str:
    """``value`` if it has no hidden control character (``\\n`` and ``\\t`` are fine).

    Raises
    ------
    InputError
        Naming the first such character, its code point and where it is.
    """
    found = _REFUSED.search(value)
    if found is not None:
        char = found.group()
        name = unicodedata.name(char, "control character")
        raise InputError(
            f"{what} contains the control character U+{ord(char):04X} ({name}) at "
            f"position {found.start()}; remove it (it changes how the text is shown, not "
            "what it says)"
        )
    return value


def check_values(value: Any, what: str, *, _path: str = "", _depth: int = 0) -> None:
    """Check every string and number inside a JSON value (dicts, lists) for a new record.

    Strings (and keys) as :func:`check_text`; integers within ±(2**53 - 1); floats finite;
    dicts and lists nested at most :data:`MAX_DEPTH` deep.

    Raises
    ------
    InputError
        Naming the field (``record.inputs[2].name``) and what to do.
    """
    where = f"{what}: {_path}" if _path else what
    if isinstance(value, str):
        check_text(value, where)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise InputError(
                f"{where} is an integer beyond ±(2**53 - 1) ({MAX_SAFE_INTEGER:,}); give it "
                "as a string or in a smaller unit"
            )
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"{where} is {value}; give a finite number or null")
    elif isinstance(value, dict | list | tuple) and _depth >= MAX_DEPTH:
        raise InputError(
            f"{what} nests dicts and lists deeper than {MAX_DEPTH} levels (at "
            f"{_path[:80]}...); flatten the record, or keep it as a file and record its "
            "name and SHA-256"
        )
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(str(key), f"{where} (a key)")
            path = f"{_path}.{key}" if _path else str(key)
            check_values(item, what, _path=path, _depth=_depth + 1)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            check_values(item, what, _path=f"{_path}[{i}]", _depth=_depth + 1)


def check_count(value: Any, what: str) -> None:
    """A people count: ``None`` (unknown) or a whole number 0–:data:`MAX_PEOPLE`.

    ``True`` is not a count (JSON ``true`` read as 1).

    Raises
    ------
    InputError
        Saying what came and what is expected.
    """
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{what} must be a whole number of people or null, got {value!r}")
    if not 0 <= value <= MAX_PEOPLE:
        raise InputError(
            f"{what} must be between 0 and {MAX_PEOPLE:,} people, got {value}; check the number"
        )


def check_time_floor(value: datetime, what: str) -> datetime:
    """``value`` if not before :data:`EARLIEST_TIME` (1990-01-01, UTC).

    Raises
    ------
    InputError
        For an earlier time (a mistyped year).
    """
    if value < EARLIEST_TIME:
        raise InputError(
            f"{what} {value.isoformat()} is before {EARLIEST_TIME.date()}; check the year "
            "(times are ISO 8601 UTC, e.g. 2018-03-15T06:30:00Z)"
        )
    return value


def check_new_event(kind: str, payload: dict[str, Any], actor: str) -> None:
    """Check one event before it is appended to a case's ledger.

    Every string in the payload (and the actor) as :func:`check_text`, every number
    as :func:`check_values`, people counts as :func:`check_count`.

    Raises
    ------
    InputError
        Naming the event's field.
    """
    check_text(actor, "actor")
    what = _EVENT_NOUNS.get(kind, kind.replace("_", " "))
    check_values(payload, what)
    where, names = _COUNTS.get(kind, ("", ()))
    counts = payload.get(where) if where else payload
    if isinstance(counts, dict):
        for name in names:
            check_count(counts.get(name), f"{what}: {f'{where}.' if where else ''}{name}")
