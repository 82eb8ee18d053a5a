"""The case status machine: where a case stands and where it may go from there.

Pure: no I/O. :func:`check_transition` is the rule every status change and every
outcome passes (:func:`sarwatch.domain.events.apply`); :func:`moves_before` tells a
person which status changes to record first.
"""

from __future__ import annotations

from enum import StrEnum

from sarwatch.errors import IllegalTransitionError, InputError

__all__ = [
    "ALLOWED_TRANSITIONS",
    "OPEN_STATUSES",
    "OUTCOME_STATUSES",
    "CaseStatus",
    "check_reopen",
    "check_transition",
    "moves_before",
]


class CaseStatus(StrEnum):
    """Where a case stands."""

    ALERT = "alert"
    ACTIVE = "active"
    LOCATED = "located"
    RESCUED = "rescued"
    INTERCEPTED = "intercepted"
    ARRIVED = "arrived"
    LOST = "lost"
    CLOSED = "closed"


#: The statuses an outcome sets.
OUTCOME_STATUSES = frozenset(
    {CaseStatus.RESCUED, CaseStatus.INTERCEPTED, CaseStatus.ARRIVED, CaseStatus.LOST}
)

#: The status machine: for each status, the statuses it may move to.
#: ``alert → active → located → rescued | intercepted | arrived | lost → closed``;
#: an active boat that was never located may still arrive alone or be lost, and a
#: located boat whose contact is lost goes back to active.
ALLOWED_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.ALERT: frozenset({CaseStatus.ACTIVE}),
    CaseStatus.ACTIVE: frozenset({CaseStatus.LOCATED, CaseStatus.ARRIVED, CaseStatus.LOST}),
    CaseStatus.LOCATED: OUTCOME_STATUSES | {CaseStatus.ACTIVE},
    CaseStatus.RESCUED: frozenset({CaseStatus.CLOSED}),
    CaseStatus.INTERCEPTED: frozenset({CaseStatus.CLOSED}),
    CaseStatus.ARRIVED: frozenset({CaseStatus.CLOSED}),
    CaseStatus.LOST: frozenset({CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset(),
}


def check_transition(current: CaseStatus | str, new: CaseStatus | str) -> CaseStatus:
    """Return ``new`` as a :class:`CaseStatus` if the machine allows ``current → new``.

    Raises
    ------
    InputError
        If ``new`` is not a known status.
    IllegalTransitionError
        If the move is not allowed; the message lists the allowed moves.

    Examples
    --------
    >>> check_transition("alert", "active")
    <CaseStatus.ACTIVE: 'active'>
    >>> check_transition("alert", "rescued")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sarwatch.errors.IllegalTransitionError: a case in status 'alert' cannot become ...
    """
    cur = _status(current)
    nxt = _status(new)
    allowed = ALLOWED_TRANSITIONS[cur]
    if nxt not in allowed:
        names = ", ".join(sorted(s.value for s in allowed)) or "nothing (the case is closed)"
        raise IllegalTransitionError(
            f"a case in status {cur.value!r} cannot become {nxt.value!r}; allowed: {names}"
        )
    return nxt


def check_reopen(current: CaseStatus | str, back_to: CaseStatus | str) -> CaseStatus:
    """The status a closed case returns to when a correction reopens it.

    Closed is final for every status change; only a correction (an event with a reason
    and an author, :mod:`sarwatch.domain.corrections`) reopens a case, and only to a
    status from which it could have been closed.

    Raises
    ------
    InputError
        If the case is not closed, or ``back_to`` is not a status that leads to closed.

    Examples
    --------
    >>> check_reopen("closed", "rescued")
    <CaseStatus.RESCUED: 'rescued'>
    >>> check_reopen("located", "rescued")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sarwatch.errors.InputError: only a closed case can be reopened; ...
    """
    cur, back = _status(current), _status(back_to)
    if cur is not CaseStatus.CLOSED:
        raise InputError(f"only a closed case can be reopened; this one is {cur.value!r}")
    before = sorted(s.value for s, nxt in ALLOWED_TRANSITIONS.items() if CaseStatus.CLOSED in nxt)
    if back.value not in before:
        raise InputError(
            f"a reopened case returns to one of {', '.join(before)}; got {back.value!r}"
        )
    return back


def moves_before(current: CaseStatus | str, target: CaseStatus | str) -> list[CaseStatus] | None:
    """The fewest status changes that make ``current → target`` allowed.

    Only open statuses are passed through (an outcome is never a step on the way).

    Returns
    -------
    list of CaseStatus or None
        The statuses to move to, in order (empty if the move is allowed now), or
        ``None`` if no path leads there (the case is closed, or already past it).

    Examples
    --------
    >>> [s.value for s in moves_before("alert", "rescued")]
    ['active', 'located']
    >>> moves_before("located", "rescued")
    []
    >>> moves_before("closed", "rescued") is None
    True
    """
    start, goal = _status(current), _status(target)
    paths: dict[CaseStatus, list[CaseStatus]] = {start: []}
    todo = [start]
    while todo:
        status = todo.pop(0)
        if goal in ALLOWED_TRANSITIONS[status]:
            return paths[status]
        for nxt in sorted(ALLOWED_TRANSITIONS[status] - OUTCOME_STATUSES - {CaseStatus.CLOSED}):
            if nxt not in paths:
                paths[nxt] = [*paths[status], nxt]
                todo.append(nxt)
    return None


def _status(value: CaseStatus | str) -> CaseStatus:
    try:
        return CaseStatus(value)
    except ValueError:
        names = ", ".join(s.value for s in CaseStatus)
        raise InputError(f"unknown case status {value!r}; expected one of: {names}") from None


#: The statuses in which people may still be in distress (no outcome yet).
OPEN_STATUSES = frozenset({CaseStatus.ALERT, CaseStatus.ACTIVE, CaseStatus.LOCATED})
