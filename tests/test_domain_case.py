"""The case status machine, value objects, ids and the fold of events."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarwatch.domain import (
    ALLOWED_TRANSITIONS,
    CaseStatus,
    Contact,
    EventKind,
    Outcome,
    PeopleOnBoard,
    PositionReport,
    Source,
    apply,
    check_transition,
    fold,
    format_case_id,
    parse_case_id,
)
from sarwatch.domain.events import case_from_json, case_to_json, format_time, parse_time, to_json
from sarwatch.errors import ConflictError, IllegalTransitionError, InputError

T0 = datetime(2018, 3, 15, 4, 10, tzinfo=UTC)
STATUSES = list(CaseStatus)


def test_the_issue_path_is_allowed() -> None:
    path = ["alert", "active", "located", "rescued", "closed"]
    for a, b in itertools.pairwise(path):
        assert check_transition(a, b) is CaseStatus(b)
    for outcome in ("intercepted", "arrived", "lost"):
        assert check_transition("located", outcome).value == outcome
        assert check_transition(outcome, "closed") is CaseStatus.CLOSED


@given(st.sampled_from(STATUSES), st.sampled_from(STATUSES))
def test_transition_allowed_exactly_when_in_table(a: CaseStatus, b: CaseStatus) -> None:
    if b in ALLOWED_TRANSITIONS[a]:
        assert check_transition(a, b) is b
    else:
        with pytest.raises(IllegalTransitionError, match=f"cannot become '{b.value}'"):
            check_transition(a, b)


def test_closed_is_final_and_the_message_says_so() -> None:
    with pytest.raises(IllegalTransitionError, match="nothing"):
        check_transition("closed", "active")
    with pytest.raises(IllegalTransitionError, match="allowed: active"):
        check_transition("alert", "rescued")


def test_unknown_status_is_input_error() -> None:
    with pytest.raises(InputError, match="unknown case status 'sunk'"):
        check_transition("alert", "sunk")


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
    st.integers(min_value=1, max_value=99999),
)
def test_case_id_round_trip(day: date, region: str, number: int) -> None:
    text = format_case_id(day, region, number)
    parsed = parse_case_id(text)
    assert (parsed.day, parsed.region, parsed.number) == (day, region, number)
    assert str(parsed) == text


@pytest.mark.parametrize(
    "bad", ["2018-3-15-LY-1", "2018-02-30-LY-001", "LY-001", "2018-03-15-L-001"]
)
def test_bad_case_ids_refused(bad: str) -> None:
    with pytest.raises(InputError, match="case id"):
        parse_case_id(bad)


def test_naive_time_refused_with_a_hint() -> None:
    with pytest.raises(InputError, match="no time zone"):
        PositionReport(datetime(2018, 3, 15), 12.5, 33.2, "gps", Source("x"))


def test_other_zones_are_converted_to_utc() -> None:
    from datetime import timezone

    t = datetime(2018, 3, 15, 6, 10, tzinfo=timezone(timedelta(hours=2)))
    assert PositionReport(t, 12.5, 33.2, "gps", Source("x")).time == T0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"quality": 0}, "1–5"),
        ({"quality": 6}, "1–5"),
        ({"name": " "}, "needs a name"),
        ({"verification": "maybe"}, "unknown Verification"),
    ],
)
def test_source_validation(kwargs: dict, message: str) -> None:
    args = {"name": "Alarm Phone", **kwargs}
    with pytest.raises(InputError, match=message):
        Source(**args)


def test_position_validation() -> None:
    with pytest.raises(InputError, match="swapped"):
        PositionReport(T0, 33.2, 212.5, "gps", Source("x"))
    with pytest.raises(InputError, match="uncertainty_nm"):
        PositionReport(T0, 12.5, 33.2, "gps", Source("x"), -1.0)
    with pytest.raises(InputError, match="unknown PositionKind"):
        PositionReport(T0, 12.5, 33.2, "radar", Source("x"))


def test_people_and_outcome_validation() -> None:
    with pytest.raises(InputError, match="exceeds the total"):
        PeopleOnBoard(total=10, minors=11)
    with pytest.raises(InputError, match=">= 0"):
        PeopleOnBoard(total=-1)
    with pytest.raises(InputError, match="needs 'by'"):
        Outcome(T0, "rescued")
    with pytest.raises(InputError, match="9 digits"):
        Contact(T0, "vhf", "MV Example", "", mmsi="12345")
    assert Outcome(T0, "shipwreck").status is CaseStatus.LOST


def _opening() -> dict:
    return {
        "case_id": "2018-03-15-LY-001",
        "title": "t",
        "alert_time": format_time(T0),
        "region": "LY",
    }


def test_fold_replays_the_status_machine() -> None:
    events = [
        (EventKind.CASE_OPENED, _opening(), T0),
        (
            EventKind.POSITION_REPORTED,
            to_json(PositionReport(T0, 12.5, 33.2, "gps", Source("x"))),
            T0,
        ),
        (EventKind.STATUS_CHANGED, {"to": "active"}, T0),
        (EventKind.STATUS_CHANGED, {"to": "located"}, T0),
        (
            EventKind.OUTCOME_RECORDED,
            to_json(Outcome(T0, "intercepted", by="Libyan coast guard")),
            T0,
        ),
        (EventKind.STATUS_CHANGED, {"to": "closed"}, T0 + timedelta(hours=1)),
    ]
    case = fold(events)
    assert case.status is CaseStatus.CLOSED
    assert case.outcome is not None and case.outcome.by == "Libyan coast guard"
    assert case.updated_at == T0 + timedelta(hours=1)
    assert not case.is_open
    with pytest.raises(ConflictError, match="closed"):
        apply(case, EventKind.CONTACT_LOGGED, to_json(Contact(T0, "phone", "RCC Malta", "")), T0)


def test_outcome_from_alert_is_illegal() -> None:
    case = apply(None, EventKind.CASE_OPENED, _opening(), T0)
    with pytest.raises(IllegalTransitionError):
        apply(case, EventKind.OUTCOME_RECORDED, to_json(Outcome(T0, "arrived")), T0)


def test_case_json_round_trip() -> None:
    case = fold(
        [
            (EventKind.CASE_OPENED, _opening(), T0),
            (
                EventKind.POSITION_REPORTED,
                to_json(PositionReport(T0, 12.5, 33.2, "ais", Source("AIS", 5))),
                T0,
            ),
            (
                EventKind.CONTACT_LOGGED,
                to_json(Contact(T0, "email", "RCC Malta", "sent", mmsi=None)),
                T0,
            ),
            (EventKind.PEOPLE_UPDATED, {"total": 80, "women": 10, "minors": 5, "medical": 2}, T0),
        ]
    )
    assert case_from_json(case_to_json(case)) == case


def test_parse_time_refuses_naive_text() -> None:
    assert parse_time("2018-03-15T04:10:00Z") == T0
    with pytest.raises(InputError, match="no time zone"):
        parse_time("2018-03-15T04:10:00")
    with pytest.raises(InputError, match="ISO 8601"):
        parse_time("yesterday")


_event_strategy = st.one_of(
    st.builds(
        lambda m, lon, lat: (
            EventKind.POSITION_REPORTED,
            to_json(PositionReport(T0 + timedelta(minutes=m), lon, lat, "gps", Source("x"))),
        ),
        st.integers(-600, 600),
        st.floats(10, 16),
        st.floats(32, 37),
    ),
    st.builds(
        lambda m: (
            EventKind.CONTACT_LOGGED,
            to_json(Contact(T0 + timedelta(minutes=m), "phone", "RCC Malta", f"call {m}")),
        ),
        st.integers(0, 600),
    ),
    st.builds(
        lambda n: (EventKind.PEOPLE_UPDATED, {"total": n, "women": None, "minors": 0}),
        st.integers(0, 300),
    ),
    st.just((EventKind.STATUS_CHANGED, {"to": "active"})),
    st.just((EventKind.ATTACHMENT_ADDED, {"kind": "drift_run", "record": {"seed": 1}})),
)


@given(st.lists(st.tuples(_event_strategy, st.integers(0, 10_000)), max_size=12))
def test_incremental_json_equals_the_fold(events: list) -> None:
    from sarwatch.domain.events import apply_to_json

    log = [(EventKind.CASE_OPENED, _opening(), T0)]
    for (kind, payload), seconds in events:
        log.append((kind, payload, T0 + timedelta(seconds=seconds)))
    state = None
    valid = []
    for kind, payload, t in log:
        try:
            state = apply_to_json(state, kind, payload, t)
        except IllegalTransitionError:
            continue  # a second 'active' is refused by both; keep the log valid
        valid.append((kind, payload, t))
    assert state == case_to_json(fold(valid))
