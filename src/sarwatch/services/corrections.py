"""Recording a correction: a new ledger event that corrects an earlier one.

The event to correct is named by its number in the case's ledger (``seq``); the
correction carries that event's hash and kind, the corrected value, a reason and
its author (:mod:`sarwatch.domain.corrections`). Nothing recorded is rewritten: the
original event stays in the chain and the bundle, the case shows the corrected value
with the correction beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sarwatch.domain import EventKind, Outcome, PositionReport
from sarwatch.domain.corrections import CORRECTED_KIND, CorrectionWhat
from sarwatch.domain.events import outcome_from_json, position_from_json, to_json
from sarwatch.domain.intake import check_count, check_text
from sarwatch.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from sarwatch.ledger import LedgerEntry
    from sarwatch.services.cases import CaseService
    from sarwatch.services.ports import CaseRecord

__all__ = ["Corrections"]


@dataclass
class Corrections:
    """Corrections of a station's cases.

    Parameters
    ----------
    cases
        The station's case service (reads the ledger, appends the event).
    """

    cases: CaseService

    def correct(
        self,
        case_id: str,
        seq: int,
        *,
        reason: str,
        actor: str,
        position: PositionReport | None = None,
        outcome: Outcome | None = None,
        reopen: bool = False,
    ) -> CaseRecord:
        """Correct event ``seq`` of ``case_id``: its position, its outcome, or reopen.

        Give exactly one of ``position`` (the event is a position report), ``outcome``
        (an outcome) or ``reopen=True`` (the status change that closed the case).

        Raises
        ------
        NotFoundError
            If the case is unknown or has no event ``seq``.
        InputError
            If the event is not of the kind the correction needs, or the reason is empty.
        """
        given = [w for w, v in (("position", position), ("outcome", outcome)) if v is not None]
        given += ["reopen"] if reopen else []
        if len(given) != 1:
            raise InputError(
                "give exactly one correction: the corrected position, the corrected outcome, "
                f"or reopen; got {', '.join(given) or 'none'}"
            )
        what = CorrectionWhat(given[0])
        if not reason.strip():
            raise InputError("a correction needs a reason: why the recorded value was wrong")
        check_text(reason, "correction reason")
        entries = self.cases.events(case_id)
        target = _event(entries, case_id, seq)
        if target.kind == EventKind.CORRECTION_RECORDED:
            raise InputError(
                f"event #{seq} of {case_id} is itself a correction; correct the event it "
                f"corrects (#{target.payload.get('corrects', {}).get('seq')}) instead"
            )
        if target.kind != CORRECTED_KIND[what]:
            raise InputError(
                f"event #{seq} of {case_id} is {target.kind!r}; a {what.value} correction "
                f"corrects a {CORRECTED_KIND[what]} event"
            )
        payload: dict[str, Any] = {
            "corrects": {"seq": target.seq, "hash": target.hash, "kind": target.kind},
            "what": what.value,
            "reason": reason.strip(),
            "by": actor,
        }
        if position is not None:
            payload["index"] = sum(
                1 for e in entries if e.seq < seq and e.kind == EventKind.POSITION_REPORTED
            )
            payload["position"] = to_json(self.cases._check_position(position))
        elif outcome is not None:
            self.cases._check_time(outcome.time, "outcome time")
            for name in ("survivors", "dead", "missing"):
                check_count(getattr(outcome, name), f"outcome: {name}")
            payload["outcome"] = to_json(outcome)
        else:
            if target.payload.get("to") != "closed":
                raise InputError(
                    f"event #{seq} of {case_id} moved the case to "
                    f"{target.payload.get('to')!r}, not closed: only the closing can be undone"
                )
            payload["status"] = str(target.payload.get("from", ""))
        return self.cases._write(case_id, [(EventKind.CORRECTION_RECORDED, payload)], actor)

    def amended_position(self, case_id: str, seq: int, **changes: Any) -> PositionReport:
        """The position of event ``seq`` with ``changes`` (``lon``, ``lat``, ``time``...).

        For a mistyped position: what is not given keeps its recorded value.
        """
        target = _event(self.cases.events(case_id), case_id, seq)
        if target.kind != EventKind.POSITION_REPORTED:
            raise InputError(f"event #{seq} of {case_id} is {target.kind!r}, not a position")
        given = {k: v for k, v in changes.items() if v is not None}
        return replace(position_from_json(target.payload), on_land=None, **given)

    def amended_outcome(self, case_id: str, seq: int, **changes: Any) -> Outcome:
        """The outcome of event ``seq`` with ``changes`` (``kind``, ``by``, counts...)."""
        target = _event(self.cases.events(case_id), case_id, seq)
        if target.kind != EventKind.OUTCOME_RECORDED:
            raise InputError(f"event #{seq} of {case_id} is {target.kind!r}, not an outcome")
        given = {k: v for k, v in changes.items() if v is not None}
        return replace(outcome_from_json(target.payload), **given)


def _event(entries: list[LedgerEntry], case_id: str, seq: int) -> LedgerEntry:
    """Event ``seq`` of the case, or an error naming the events there are."""
    for entry in entries:
        if entry.seq == seq:
            return entry
    raise NotFoundError(
        f"case {case_id} has no event #{seq}; its events are #1–#{len(entries)} "
        f"(list them: sarwatch case show {case_id})"
    )
