"""Corrections: an event that corrects an earlier one, without rewriting it.

A ledger is append-only: a mistyped position, a wrong outcome or a case closed too
early is not edited away, it is corrected by a new ``correction_recorded`` event that
names the event it corrects (its ``seq``, ``hash`` and ``kind``), says why and who,
and carries the corrected value. The original stays in the chain; the case shows the
corrected value, and the correction beside it in ``corrections``.

The payload (plain JSON)::

    {"corrects": {"seq": 5, "hash": "<64 hex>", "kind": "position_reported"},
     "what": "position" | "outcome" | "reopen",
     "reason": "mistyped minutes: 33°21' not 33°12'", "by": "ana",
     "index": 1,            # what == "position": the index in positions of the one corrected
     "position": {...},     # what == "position": the corrected position
     "outcome": {...},      # what == "outcome": the corrected outcome
     "status": "rescued"}   # what == "reopen": the status the case returns to

Pure: no I/O. :func:`correction_changes` is called by
:func:`sarwatch.domain.events.apply` with the values already parsed.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sarwatch.domain.case import Case, Outcome, PositionReport
from sarwatch.domain.status import OUTCOME_STATUSES, check_reopen
from sarwatch.errors import InputError

__all__ = ["CORRECTED_KIND", "CorrectionWhat", "check_correction_payload", "correction_changes"]


class CorrectionWhat(StrEnum):
    """What a correction changes."""

    POSITION = "position"
    OUTCOME = "outcome"
    REOPEN = "reopen"


#: The event kind each correction may name.
CORRECTED_KIND: dict[CorrectionWhat, str] = {
    CorrectionWhat.POSITION: "position_reported",
    CorrectionWhat.OUTCOME: "outcome_recorded",
    CorrectionWhat.REOPEN: "status_changed",
}


def check_correction_payload(payload: dict[str, Any]) -> CorrectionWhat:
    """The payload's :class:`CorrectionWhat`, after checking its common fields.

    Raises
    ------
    InputError
        If the target, the reason or the author is missing or malformed.
    """
    target = payload.get("corrects")
    if not isinstance(target, dict):
        raise InputError("a correction names the event it corrects: corrects = {seq, hash, kind}")
    seq = target.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise InputError(f"a correction names an event number (seq >= 1), got {seq!r}")
    try:
        what = CorrectionWhat(str(payload.get("what")))
    except ValueError:
        names = ", ".join(w.value for w in CorrectionWhat)
        raise InputError(
            f"a correction corrects one of {names}; got {payload.get('what')!r}"
        ) from None
    if target.get("kind") != CORRECTED_KIND[what]:
        raise InputError(
            f"a {what.value} correction corrects a {CORRECTED_KIND[what]} event, "
            f"not {target.get('kind')!r} (event #{seq})"
        )
    if not str(payload.get("reason", "")).strip():
        raise InputError("a correction needs a reason (why the recorded value was wrong)")
    if not str(payload.get("by", "")).strip():
        raise InputError("a correction needs its author (by)")
    return what


def correction_changes(
    case: Case,
    payload: dict[str, Any],
    *,
    position: PositionReport | None,
    outcome: Outcome | None,
) -> dict[str, Any]:
    """The fields a correction sets on ``case`` (by name), as ``dataclasses.replace`` takes.

    Parameters
    ----------
    case
        The case before the correction (it may be closed: a correction is the one event
        a closed case takes).
    payload
        The correction's payload (see the module's docstring).
    position, outcome
        ``payload["position"]`` and ``payload["outcome"]`` parsed, where given.

    Raises
    ------
    InputError
        If the payload does not fit the case (no position at that index, no outcome
        yet, a reopening of a case that is not closed).
    """
    what = check_correction_payload(payload)
    noted = (*(case.corrections or ()), dict(payload))
    changes: dict[str, Any] = {"corrections": noted}
    if what is CorrectionWhat.POSITION:
        index = payload.get("index")
        if (
            isinstance(index, bool)
            or not isinstance(index, int)
            or not 0 <= index < len(case.positions)
        ):
            raise InputError(
                f"the case has {len(case.positions)} positions; a position correction "
                f"names one by its index, got {index!r}"
            )
        if position is None:
            raise InputError("a position correction carries the corrected position")
        positions = list(case.positions)
        positions[index] = position
        changes["positions"] = tuple(positions)
    elif what is CorrectionWhat.OUTCOME:
        if case.outcome is None:
            raise InputError("the case has no outcome to correct; record its outcome instead")
        if outcome is None:
            raise InputError("an outcome correction carries the corrected outcome")
        changes["outcome"] = outcome
        if case.status in OUTCOME_STATUSES:  # a closed case stays closed
            changes["status"] = outcome.status
    else:
        changes["status"] = check_reopen(case.status, payload.get("status", ""))
    return changes
