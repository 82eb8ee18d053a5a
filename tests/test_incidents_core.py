"""The incident register's core: values, JSON, proximity, combination, events."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _incidents import T0, incidents, report
from sarwatch.errors import ConflictError, InputError, IntegrityError
from sarwatch.incidents import (
    Incident,
    IncidentEvent,
    IncidentSource,
    MatchPolicy,
    People,
    apply,
    batch_body,
    combine,
    compact_json,
    distance_km,
    find_matches,
    fold,
    incident_from_json,
    incident_text,
    incident_to_json,
    match,
    record_from_json,
    record_text,
    record_to_json,
)


def test_an_incident_needs_a_graded_source_and_a_place() -> None:
    src = (IncidentSource("IOM", 5),)
    with pytest.raises(InputError, match="at least one source"):
        Incident("I-2018-00001", "shipwreck", T0, (), lon=12.0, lat=33.0)
    with pytest.raises(InputError, match="IOM grade 1-5"):
        IncidentSource("a blog", 6)
    with pytest.raises(InputError, match=r"position .* or a place"):
        Incident("I-2018-00001", "shipwreck", T0, src)
    with pytest.raises(InputError, match="both lon and lat"):
        Incident("I-2018-00001", "shipwreck", T0, src, lon=12.0)
    with pytest.raises(InputError, match="swapped"):
        Incident("I-2018-00001", "shipwreck", T0, src, lon=33.0, lat=120.0)
    with pytest.raises(InputError, match="unknown incident type 'wreck'"):
        Incident("I-2018-00001", "wreck", T0, src, place="Lampedusa")
    with pytest.raises(InputError, match="no time zone"):
        Incident("I-2018-00001", "arrival", T0.replace(tzinfo=None), src, place="Lampedusa")
    with pytest.raises(InputError, match="whole number"):
        People(dead=-1)


@settings(max_examples=150, deadline=None)
@given(incidents())
def test_json_round_trip_is_exact(incident: Incident) -> None:
    assert incident_from_json(incident_to_json(incident)) == incident


def test_distance_on_the_sphere() -> None:
    # one degree of latitude on the mean sphere: 2*pi*6371.0088/360 km
    assert distance_km(12.0, 33.0, 12.0, 34.0) == pytest.approx(111.195, abs=1e-3)
    # one degree of longitude at 60 N is half of one at the equator
    assert distance_km(0, 60, 1, 60) == pytest.approx(distance_km(0, 0, 1, 0) / 2, rel=1e-3)


def test_match_by_kind_time_space_and_dataset() -> None:
    a = report(lon=12.0, lat=33.0)
    near = replace(
        report(kind="sighting", hours=5, lon=12.1, lat=33.05), incident_id="I-2018-00002"
    )
    found = match(a, near)
    assert found is not None and found.hours == 5
    assert found.distance_km == pytest.approx(distance_km(12.0, 33.0, 12.1, 33.05))
    far = replace(near, lon=13.0)  # ~93 km away
    assert match(a, far) is None
    late = replace(report(hours=30), incident_id="I-2018-00003")
    assert match(a, late) is None
    assert match(a, late, MatchPolicy(within_h=36)) is not None
    arrival = replace(report(kind="arrival"), incident_id="I-2018-00004")
    assert match(a, arrival) is None
    # two records of one dataset are never the same event: the dataset told them apart
    x = replace(report(external=("mmp:1",)), incident_id="I-2018-00005")
    y = replace(report(external=("mmp:2",)), incident_id="I-2018-00006")
    assert match(x, y) is None
    # without a position only the same place name matches
    p = replace(report(lon=None, lat=None, place="Lampedusa"), incident_id="I-2018-00007")
    q = replace(p, incident_id="I-2018-00008", place="lampedusa ")
    assert match(p, q) is not None
    assert match(p, replace(q, place="Pantelleria")) is None


def test_a_day_precision_report_covers_its_day() -> None:
    day = replace(
        report(hours=-8), incident_id="I-2018-00001", time_precision="day"
    )  # 00:00 that day
    evening = replace(report(hours=14), incident_id="I-2018-00002")  # 22:00 the same day
    assert match(day, evening, MatchPolicy(within_h=0)) is not None


def test_find_matches_joins_the_closest_group_head() -> None:
    head = replace(report(source="Sea-Watch"), incident_id="I-2018-00001")
    new = [
        replace(report(hours=1, lon=12.02, source="Alarm Phone"), incident_id="I-2018-00002"),
        replace(report(hours=2, lon=12.03, source="a newspaper"), incident_id="I-2018-00003"),
        replace(report(hours=400), incident_id="I-2018-00004"),
    ]
    found = find_matches(new, [head])
    assert [(m.into, m.merged) for m in found] == [
        ("I-2018-00001", "I-2018-00002"),
        ("I-2018-00001", "I-2018-00003"),
    ]


def test_combine_takes_the_largest_count_and_every_source() -> None:
    a = report(dead=3, missing=60, source="IOM")
    b = report(dead=5, survivors=40, source="Sea-Watch", quality=4)
    people, sources = combine([a, b, a])
    assert (people.dead, people.missing, people.survivors, people.children) == (5, 60, 40, None)
    assert [s.name for s in sources] == ["IOM", "Sea-Watch"]


def _recorded(*reports: Incident) -> dict:
    states: dict = {}
    payload = {"incidents": [incident_to_json(r) for r in reports]}
    apply(states, IncidentEvent.RECORDED, payload, T0)
    return states


def test_merge_and_undo_restore_the_views_exactly() -> None:
    a = replace(report(dead=3, missing=60), incident_id="I-2018-00001")
    b = replace(report(kind="sighting", survivors=40, source="AP"), incident_id="I-2018-00002")
    states = _recorded(a, b)
    before = {k: record_to_json(v) for k, v in states.items()}
    merge = {"merges": [{"into": a.incident_id, "merged": b.incident_id, "reason": "same boat"}]}
    apply(states, IncidentEvent.MERGED, merge, T0)
    head = states[a.incident_id]
    assert head.members == (b.incident_id,)
    assert (head.people.dead, head.people.missing, head.people.survivors) == (3, 60, 40)
    assert states[b.incident_id].merged_into == a.incident_id
    assert record_from_json(record_to_json(head)) == head
    with pytest.raises(ConflictError, match="already merged"):
        apply(states, IncidentEvent.MERGED, merge, T0)
    undo = {"into": a.incident_id, "merged": b.incident_id, "reason": "two boats after all"}
    apply(states, IncidentEvent.MERGE_UNDONE, undo, T0)
    assert {k: record_to_json(v) for k, v in states.items()} == before
    with pytest.raises(ConflictError, match="not merged"):
        apply(states, IncidentEvent.MERGE_UNDONE, undo, T0)


def test_recording_an_id_twice_is_refused() -> None:
    a = replace(report(), incident_id="I-2018-00001")
    states = _recorded(a)
    with pytest.raises(ConflictError, match="already in the register"):
        apply(states, IncidentEvent.RECORDED, {"incidents": [incident_to_json(a)]}, T0)


def test_a_batch_body_edited_after_signing_is_found() -> None:
    a = replace(report(dead=3), incident_id="I-2018-00001")
    text, sha = batch_body([compact_json(incident_to_json(a))])
    event = (IncidentEvent.RECORDED.value, {"batch": {"sha256": sha, "count": 1}}, T0)
    assert fold([event], {sha: text})["I-2018-00001"].people.dead == 3
    with pytest.raises(IntegrityError, match="missing or were changed"):
        fold([event], {sha: text.replace('"dead":3', '"dead":1')})
    with pytest.raises(IntegrityError):
        fold([event], {})


@settings(max_examples=40, deadline=None)
@given(st.lists(incidents(), min_size=2, max_size=6, unique_by=lambda i: i.incident_id))
def test_undoing_every_merge_gives_back_the_reports(reports: list[Incident]) -> None:
    states = _recorded(*reports)
    before = {k: record_to_json(v) for k, v in states.items()}
    head, *others = reports
    items = [{"into": head.incident_id, "merged": o.incident_id} for o in others]
    apply(states, IncidentEvent.MERGED, {"merges": items}, T0 + timedelta(hours=1))
    people, _ = combine(reports)
    assert states[head.incident_id].people == people
    for o in reversed(others):
        undo = {"into": head.incident_id, "merged": o.incident_id}
        apply(states, IncidentEvent.MERGE_UNDONE, undo, T0 + timedelta(hours=2))
    after = {k: record_to_json(v) for k, v in states.items()}
    for k in after:  # only the time of the last change moved
        after[k]["updated_at"] = before[k]["updated_at"]
    assert after == before


@given(incidents())
@settings(max_examples=200, deadline=None)
def test_incident_text_is_the_compact_json_of_the_incident(incident: Incident) -> None:
    # byte for byte: texts written directly and through json.dumps are interchangeable
    assert incident_text(incident) == compact_json(incident_to_json(incident))
    assert compact_json(incident_to_json(incident)) == json.dumps(
        incident_to_json(incident), separators=(",", ":"), ensure_ascii=False
    )


def test_incident_text_takes_the_general_way_for_unusual_values() -> None:
    class Count(int):
        def __repr__(self) -> str:
            return "Count()"

    odd = replace(
        report(dead=3),
        people=People(dead=Count(3)),
        sources=(IncidentSource("IOM", 4.0),),  # type: ignore[arg-type]  # 4.0 == 4
        place='Zuwara "port"\n\u00e9',
    )
    text = incident_text(odd)
    assert text == compact_json(incident_to_json(odd))
    assert '"dead":3' in text and '"quality":4.0' in text and '\\"port\\"\\n\u00e9' in text


def test_record_text_is_the_record_json() -> None:
    a = replace(report(dead=3), incident_id="I-2018-00001")
    b = replace(report(kind="sighting", survivors=4), incident_id="I-2018-00002")
    states = _recorded(a, b)
    for record in states.values():
        text = record_text(record, compact_json(incident_to_json(record.report)))
        assert json.loads(text) == record_to_json(record)
    merge = {"merges": [{"into": a.incident_id, "merged": b.incident_id}]}
    apply(states, IncidentEvent.MERGED, merge, T0)
    for record in states.values():
        text = record_text(record, compact_json(incident_to_json(record.report)))
        assert json.loads(text) == record_to_json(record) == json.loads(record_text(record))


def test_a_period_given_backwards_says_which_bound_is_which() -> None:
    """--from 2019 --to 2018 used to answer 'the period ends (2019-01-01 00:00:00+00:00)
    before it starts (2019-01-01 00:00:00+00:00)': two equal times, no way out."""
    from sarwatch.incidents.query import query_from_text

    with pytest.raises(InputError, match="'to' 2018 ends before 'from' 2019 begins"):
        query_from_text("2019", "2018", None, None, None)
    with pytest.raises(InputError, match="'to' 2018-05 ends before 'from' 2018-06-19"):
        query_from_text("2018-06-19", "2018-05", None, None, None)
    same = query_from_text("2018", "2018", None, None, None)  # inclusive: the year
    assert (same.start.year, same.end.year) == (2018, 2019)


def test_a_link_to_a_case_must_be_a_case_id() -> None:
    """'NOPE' as case_id was recorded, and hid the incident from the open data for good
    (an incident linked to a case waits for that case to close)."""
    with pytest.raises(InputError, match="a case id looks like 2018-03-15-LY-001"):
        replace(report(dead=1), case_id="NOPE")
    assert replace(report(dead=1), case_id="2018-06-19-LY-001").case_id == "2018-06-19-LY-001"
