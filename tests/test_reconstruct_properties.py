"""Properties of the reconstruction over random ledgers: answers pair each outgoing
contact with the earliest reply from the same counterpart, whatever order contacts were
logged in; each RCC knew at its earliest contact; arrivals are the responders' ETAs
added to the cloud time, and "before the outcome" agrees with them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _cases_helpers import make_service
from sarwatch.adapters.store import MemoryStore
from sarwatch.domain import Contact, Outcome, PositionReport, Source
from sarwatch.domain.events import format_time, parse_time
from sarwatch.services.reconstruction import rcc_of, reconstruct

T0 = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
PEOPLE = ["MRCC Rome", "RCC Malta", "JRCC Tripoli", "Sea-Watch 3"]

contacts_st = st.lists(
    st.tuples(
        st.integers(0, 600), st.sampled_from(PEOPLE), st.sampled_from(["outgoing", "incoming"])
    ),
    min_size=1,
    max_size=12,
)


def _open(service):
    pos = PositionReport(T0, 12.5, 33.2, "gps", Source("Alarm Phone", 3))
    return service.open_case(title="t", alert_time=T0, actor="a", position=pos).case_id


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contacts=contacts_st)
def test_answers_and_first_knowledge(contacts: list[tuple[int, str, str]]) -> None:
    service = make_service(MemoryStore())
    cid = _open(service)
    for minute, who, direction in contacts:  # logged in the drawn order, not in time order
        service.log_contact(
            cid, Contact(T0 + timedelta(minutes=minute), "phone", who, "x", direction), actor="a"
        )
    rec = reconstruct(service, cid)
    outgoing = [c for c in contacts if c[2] == "outgoing"]
    assert len(rec.answers) == len(outgoing)
    for a in rec.answers:
        asked = parse_time(a.asked_at)
        replies = [
            T0 + timedelta(minutes=m)
            for m, who, d in contacts
            if who == a.counterpart and d == "incoming" and T0 + timedelta(minutes=m) >= asked
        ]
        if replies:
            assert parse_time(a.answered_at) == min(replies)
            assert a.delay_min == (min(replies) - asked).total_seconds() / 60
        else:
            assert a.answered_at is None and a.delay_min is None
    for r in rec.rccs:
        mine = [m for m, who, _ in contacts if rcc_of(who) == r.srr_id]
        if mine:
            assert parse_time(r.first_known) == T0 + timedelta(minutes=min(mine))
            assert r.minutes_after_alert == min(mine)
        else:
            assert r.first_known is None and r.responsible  # LY holds the position
    times = [parse_time(it.time) for it in rec.timeline]
    assert times == sorted(times)


vessel_st = st.tuples(
    st.one_of(st.none(), st.floats(0, 48, allow_nan=False)),
    st.one_of(st.none(), st.floats(0, 24, allow_nan=False)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vessels=st.lists(vessel_st, min_size=1, max_size=6), outcome_min=st.integers(60, 3000))
def test_arrivals_are_the_responders_etas(
    vessels: list[tuple[float | None, float | None]], outcome_min: int
) -> None:
    service = make_service(MemoryStore())
    cid = _open(service)
    cloud = T0 + timedelta(minutes=30)
    rows = []
    for i, (p50, extra) in enumerate(vessels):
        p90 = None if p50 is None or extra is None else p50 + extra
        rows.append(
            {"mmsi": f"2470000{i:02d}", "name": f"V{i}", "eta_p50_h": p50, "eta_p90_h": p90}
        )
    record = {"result": {"computed_at": format_time(cloud), "cloud": {"time": format_time(cloud)},
                         "vessels": rows}}  # fmt: skip
    service.attach(cid, "responders", record, actor="a")
    outcome = T0 + timedelta(minutes=outcome_min)
    service.change_status(cid, "active", actor="a")
    service.change_status(cid, "located", actor="a")
    service.record_outcome(cid, Outcome(outcome, "rescued", by="V0"), actor="a")
    rec = reconstruct(service, cid)
    assert len(rec.vessels) == len(rows)
    for v in rec.vessels:
        row = next(r for r in rows if r["name"] == v.name)
        assert (v.eta_p50_h, v.eta_p90_h) == (row["eta_p50_h"], row["eta_p90_h"])
        if row["eta_p50_h"] is None:
            assert v.arrival_p50 is None and v.before_outcome == "unreachable"
            continue
        arrival = parse_time(v.arrival_p50)
        assert abs((arrival - cloud).total_seconds() - row["eta_p50_h"] * 3600) <= 0.5
        at90 = None if v.arrival_p90 is None else parse_time(v.arrival_p90)
        expected = (
            "yes (90 %)" if at90 is not None and at90 <= outcome
            else "yes (50 %)" if arrival <= outcome
            else "no"
        )  # fmt: skip
        assert v.before_outcome == expected
    reachable = [v.arrival_p50 for v in rec.vessels if v.arrival_p50 is not None]
    assert [parse_time(a) for a in reachable] == sorted(parse_time(a) for a in reachable)
