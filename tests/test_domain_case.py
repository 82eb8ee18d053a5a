"""The case status machine, value objects, ids and the fold of events."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.domain import (
    ALLOWED_TRANSITIONS,
    Case,
    CaseStatus,
    Contact,
    Decision,
    EventKind,
    OnLand,
    Outcome,
    OutcomeKind,
    PeopleOnBoard,
    PositionKind,
    PositionReport,
    Source,
    Vessel,
    apply,
    check_transition,
    fold,
    format_case_id,
    parse_case_id,
)
from sarwatch.domain.case import OUTCOME_STATUS
from sarwatch.domain.events import format_time, parse_time, to_json
from sarwatch.domain.projection import apply_to_json, case_from_json, case_to_json
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
        ({"verification": "maybe"}, "unknown verification 'maybe': use one of "),
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
    with pytest.raises(InputError, match="unknown position kind 'radar': use one of gps, "):
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


_minutes = st.integers(-600, 600)
_at = st.builds(lambda m: T0 + timedelta(minutes=m), _minutes)
_count = st.none() | st.integers(0, 400)
_text = st.text(alphabet="abc xyz", max_size=8)


@st.composite
def _people(draw: st.DrawFn) -> dict:
    total = draw(_count)
    part = st.none() | st.integers(0, 400 if total is None else total)
    return to_json(PeopleOnBoard(total, draw(part), draw(part), draw(part)))


#: One strategy per event kind, every kind (the opening again, too: it must be refused).
_EVENTS = {
    EventKind.CASE_OPENED: st.just(_opening()),
    EventKind.POSITION_REPORTED: st.builds(
        lambda t, lon, lat, kind, q, u, land: to_json(
            PositionReport(t, lon, lat, kind, Source("AIS", q), u, "n", land)
        ),
        _at,
        st.floats(10, 16),
        st.floats(32, 37),
        st.sampled_from(list(PositionKind)),
        st.integers(1, 5),
        st.floats(0, 500),
        st.none() | st.builds(OnLand, st.floats(10, 16), st.floats(32, 37)),
    ),
    EventKind.CONTACT_LOGGED: st.builds(
        lambda t, d, mmsi: to_json(Contact(t, "phone", "RCC Malta", "call", d, mmsi, ("a",))),
        _at,
        st.sampled_from(["outgoing", "incoming"]),
        st.none() | st.just("247123456"),
    ),
    EventKind.PEOPLE_UPDATED: _people(),
    EventKind.VESSEL_UPDATED: st.builds(
        lambda kind, cond, length: to_json(Vessel(kind, cond, None, None, "LY", length)),
        st.sampled_from(["rubber", "wooden", "unknown"]),
        _text,
        st.none() | st.floats(1, 399),
    ),
    EventKind.DECISION_RECORDED: st.builds(
        lambda t, by: to_json(Decision(t, "ask RCC Malta", by)), _at, _text
    ),
    EventKind.STATUS_CHANGED: st.builds(
        lambda to: {"to": to.value, "reason": ""}, st.sampled_from(STATUSES)
    ),
    EventKind.OUTCOME_RECORDED: st.builds(
        lambda t, kind, s, d, m: to_json(Outcome(t, kind, "MV Aquarius", "Pozzallo", s, d, m)),
        _at,
        st.sampled_from(list(OutcomeKind)),
        _count,
        _count,
        _count,
    ),
    EventKind.ATTACHMENT_ADDED: st.builds(
        lambda seed: {"kind": "drift_run", "record": {"seed": seed, "inputs": [{"a": 1.5}]}},
        st.integers(0, 2**31),
    ),
    EventKind.CORRECTION_RECORDED: st.builds(  # reopening: the correction the machine checks
        lambda back: {
            "corrects": {"seq": 3, "hash": "0" * 64, "kind": "status_changed"},
            "what": "reopen",
            "reason": "closed too early",
            "by": "ana",
            "status": back,
        },
        st.sampled_from(["rescued", "intercepted", "arrived", "lost", "located"]),
    ),
}
_event = st.sampled_from(list(EventKind)).flatmap(
    lambda kind: st.tuples(st.just(kind), _EVENTS[kind], st.integers(0, 100_000))
)


def _expected(case: Case, kind: EventKind, payload: dict) -> object:
    """What the status machine says of one event on ``case``: an error class or the status."""
    if kind is EventKind.CORRECTION_RECORDED:  # only a closed case reopens, to an outcome
        closed, back = case.status is CaseStatus.CLOSED, CaseStatus(payload["status"])
        return back if closed and back in OUTCOME_STATUS.values() else InputError
    if kind is EventKind.CASE_OPENED or case.status is CaseStatus.CLOSED:
        return ConflictError
    if kind is EventKind.STATUS_CHANGED:
        to = CaseStatus(payload["to"])
        return to if to in ALLOWED_TRANSITIONS[case.status] else IllegalTransitionError
    if kind is EventKind.OUTCOME_RECORDED:
        to = OUTCOME_STATUS[OutcomeKind(payload["kind"])]
        if case.outcome is None and case.status is to:
            return to  # set by a status change before: its outcome may follow, once
        return to if to in ALLOWED_TRANSITIONS[case.status] else IllegalTransitionError
    return case.status


@settings(max_examples=150, deadline=None)
@given(st.lists(_event, max_size=25))
def test_one_fold_for_every_event_kind(events: list) -> None:
    """The typed fold, the constant-time JSON fold and the status machine agree on every
    event kind: same refusals, same state, and the projection round-trips."""
    t_open = T0
    case = apply(None, EventKind.CASE_OPENED, _opening(), t_open)
    state = apply_to_json(None, EventKind.CASE_OPENED, _opening(), t_open)
    valid = [(EventKind.CASE_OPENED, _opening(), t_open)]
    for kind, payload, seconds in events:
        t = T0 + timedelta(seconds=seconds)
        expected = _expected(case, kind, payload)
        if isinstance(expected, type):
            with pytest.raises(expected):
                apply(case, kind, payload, t)
            with pytest.raises(expected):
                apply_to_json(state, kind, payload, t)
            continue
        before = case
        case = apply(case, kind, payload, t)
        state = apply_to_json(state, kind, payload, t)
        valid.append((kind, payload, t))
        assert case.status is expected
        assert case.updated_at == max(before.updated_at, t)
        assert state == case_to_json(case)
        assert case_from_json(state) == case
    assert fold(valid) == case
    if case.positions:
        latest = max(p.time for p in case.positions)
        assert case.last_position is not None and case.last_position.time == latest
        assert state["last_position"] == to_json(
            case.positions[[p.time for p in case.positions].index(latest)]
        )


def test_a_position_at_sea_encodes_as_before_the_land_flag() -> None:
    """Records made before ``on_land`` existed hash the same: the key is left out at sea."""
    at_sea = to_json(PositionReport(T0, 12.5, 33.2, "gps", Source("x")))
    assert "on_land" not in at_sea
    assert sorted(at_sea) == ["kind", "lat", "lon", "note", "source", "time", "uncertainty_nm"]
    on_land = PositionReport(T0, 12.603, 35.497, "gps", Source("x"), on_land=OnLand(12.6, 35.4956))
    data = to_json(on_land)
    assert data["on_land"] == {
        "sea_lon": 12.6, "sea_lat": 35.4956, "coastline": "GSHHG full resolution"
    }  # fmt: skip
    from sarwatch.domain.events import position_from_json

    assert position_from_json(data) == on_land


@pytest.mark.parametrize(
    "name", ["sarwatch.domain.status", "sarwatch.domain.projection", "sarwatch.domain.case"]
)
def test_the_domain_docstring_examples_hold(name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_encodings_are_those_of_the_records_already_signed() -> None:
    """Stores and bundles made before the one write model keep verifying: for a log with
    every event kind, the payloads, the projection (canonical, as verify compares it)
    and the stored projection text (key order included, as the API answers it) hash as
    they did with the code before the change (commit 09f5283, where these digests were
    computed)."""
    import hashlib
    import json

    from sarwatch.ledger import canonical_json

    def m(k: int) -> datetime:
        return T0 + timedelta(minutes=k)

    log = [
        (
            "case_opened",
            {
                "case_id": "2018-03-15-LY-001",
                "title": "rubber boat, 80 people",
                "alert_time": format_time(T0),
                "region": "LY",
                "people": to_json(PeopleOnBoard(total=80)),
                "vessel": to_json(Vessel("rubber", "engine broken")),
                "sources": [to_json(Source("Alarm Phone", 3))],
            },
            m(0),
        ),
        (
            "position_reported",
            to_json(
                PositionReport(m(0), 12.5, 33.2, "gps", Source("Alarm Phone", 3), 0.5, "first")
            ),
            m(1),
        ),
        (
            "contact_logged",
            to_json(
                Contact(
                    m(5), "phone", "MRCC Rome", "informed", mmsi=None, attachments=("a sha256:00",)
                )
            ),
            m(5),
        ),
        ("status_changed", {"from": "alert", "to": "active", "reason": "confirmed"}, m(6)),
        ("people_updated", to_json(PeopleOnBoard(82, 10, 9, 2)), m(7)),
        ("vessel_updated", to_json(Vessel("rubber", "taking water", None, None, None, 9.5)), m(8)),
        ("decision_recorded", to_json(Decision(m(9), "ask RCC Malta", "ana")), m(9)),
        (
            "position_reported",
            to_json(
                PositionReport(m(90), 12.6, 33.4, "aircraft", Source("Seabird", 5, "verified"), 1.0)
            ),
            m(91),
        ),
        ("status_changed", {"from": "active", "to": "located", "reason": ""}, m(92)),
        (
            "outcome_recorded",
            to_json(Outcome(m(120), "rescued", "Open Arms", "Pozzallo", 80, 1, 1, "n")),
            m(121),
        ),
        (
            "attachment_added",
            {"kind": "drift_run", "record": {"seed": 7, "inputs": [{"sha256": "ab", "x": 1.5}]}},
            m(122),
        ),
        ("status_changed", {"from": "rescued", "to": "closed", "reason": ""}, m(200)),
    ]
    full = case_to_json(fold(log))
    state = None
    for kind, payload, t in log:
        state = apply_to_json(state, kind, payload, t)
    text = json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode()
    # Records of format 1 (Python's json.dumps form) keep these digests; format 2 (RFC
    # 8785) is new and written beside them (docs/evidence-format.md).
    payloads = b"".join(canonical_json(p, form=1) for _, p, _ in log)
    assert hashlib.sha256(canonical_json(full, form=1)).hexdigest() == (
        "7eb7a41415c7ad413e7e65d4dfbc244ec3cda2e728240b1291a7175d5cbf7a22"
    )
    assert hashlib.sha256(text).hexdigest() == (
        "1dbb023aab8e4196bb2e067e2b30e7a2ea45f1965f6bc1e4fc1e80fb3f5897d4"
    )
    assert hashlib.sha256(payloads).hexdigest() == (
        "2069ddf67581ddfb90f9573c9d7a23db240d4a094a67b8574b1432c518dd745b"
    )
