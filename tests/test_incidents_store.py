"""The incident register service on every store (memory, SQLite, PostgreSQL if set up)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _incidents import T0, incidents, report
from sarwatch.adapters.store import tables_incidents
from sarwatch.adapters.store.sql_incidents import _COLUMNS, _incident_row, incident_values
from sarwatch.errors import ConflictError, NotFoundError
from sarwatch.incidents import (
    Incident,
    IncidentQuery,
    IncidentRecord,
    IncidentSource,
    incident_text,
)
from sarwatch.ledger import Signer
from sarwatch.services.incidents import INLINE_MAX, IncidentService


@pytest.fixture
def svc(store) -> IncidentService:
    return IncidentService(
        store=store, signer=Signer.generate(), clock=lambda: T0 + timedelta(days=400)
    )


def test_record_numbers_by_year_and_merges_reports_of_one_event(svc: IncidentService) -> None:
    first = svc.record(report(dead=3, missing=60, external=("mmp:9",)), actor="ana")
    assert first.incident_ids == ("I-2018-00001",)
    second = svc.record(
        [
            report(
                kind="sighting", hours=3, lon=12.05, source="Alarm Phone", quality=4, survivors=40
            )
        ],
        actor="ana",
    )
    assert second.incident_ids == ("I-2018-00002",)
    assert [(m.into, m.merged) for m in second.merges] == [("I-2018-00001", "I-2018-00002")]
    head = svc.get("I-2018-00001")
    assert (head.people.dead, head.people.missing, head.people.survivors) == (3, 60, 40)
    assert [s.name for s in head.sources] == ["IOM", "Alarm Phone"]
    assert [r.incident_id for r in svc.group("I-2018-00002")] == ["I-2018-00001", "I-2018-00002"]
    # one event, counted once
    (totals,) = svc.totals(by="year")
    assert (totals.period, totals.incidents, totals.dead, totals.missing, totals.survivors) == (
        "2018", 1, 3, 60, 40,
    )  # fmt: skip
    svc.unmerge("I-2018-00002", actor="ana", reason="two boats")
    (totals,) = svc.totals(by="year")
    assert (totals.incidents, totals.dead, totals.survivors) == (2, 3, 40)
    assert svc.get("I-2018-00001").people.survivors is None
    assert svc.verify().ok, svc.verify().summary()
    assert [e.kind for e in svc.events()] == [
        "incidents_recorded",
        "incidents_recorded",
        "incidents_merged",
        "incident_merge_undone",
    ]


def test_queries_by_period_type_place_and_quality(svc: IncidentService) -> None:
    svc.record(
        [
            report(dead=2, external=("a:1",)),
            report(
                kind="arrival",
                hours=24 * 40,
                lon=None,
                lat=None,
                place="Lampedusa",
                external=("a:2",),
            ),
            report(
                kind="interception_return", hours=24 * 400, lon=13.0, quality=3, external=("a:3",)
            ),
        ],
        actor="ana",
    )
    q = IncidentQuery(start=T0 - timedelta(days=1), end=T0 + timedelta(days=100))
    assert [r.report.kind.value for r in svc.find(q)] == ["shipwreck", "arrival"]
    assert svc.count(IncidentQuery(kinds=("arrival",))) == 1
    assert svc.count(IncidentQuery(place="lampe")) == 1
    assert svc.count(IncidentQuery(bbox=(12.5, 32, 13.5, 34))) == 1
    assert svc.count(IncidentQuery(min_quality=4)) == 2
    by_month = svc.totals(by="month_kind")
    assert [(t.period, t.kind, t.incidents) for t in by_month] == [
        ("2018-06", "shipwreck", 1),
        ("2018-07", "arrival", 1),
        ("2019-07", "interception_return", 1),
    ]


def test_totals_tell_an_unknown_count_from_a_zero(svc: IncidentService) -> None:
    """Three sightings with no counts are three events with no figure, not "0 dead";
    a count one incident states is a figure, the others' unknowns add nothing."""
    svc.record(
        [report(kind="sighting", hours=h, lon=12.0 + h / 10) for h in (0, 30, 60)]
        + [report(hours=24 * 40, dead=3), report(hours=24 * 41, lon=14.0, survivors=0)],
        actor="ana",
        merge=False,
    )
    rows = {t.kind: t.to_json() for t in svc.totals(by="kind")}
    sightings, wrecks = rows["sighting"], rows["shipwreck"]
    assert sightings["incidents"] == 3
    assert [sightings[k] for k in ("survivors", "dead", "missing", "dead_and_missing")] == [
        None, None, None, None,
    ]  # fmt: skip
    assert wrecks["incidents"] == 2
    assert (wrecks["dead"], wrecks["missing"], wrecks["dead_and_missing"]) == (3, None, 3)
    assert wrecks["survivors"] == 0  # stated as zero by a source: a figure


def test_sources_links_and_revisions_are_signed(svc: IncidentService) -> None:
    (iid,) = svc.record(report(dead=1), actor="ana").incident_ids
    svc.add_source(iid, IncidentSource("Sea-Watch", 4, url="https://example.org/x"), actor="bo")
    svc.link_case(iid, "2018-06-19-LY-001", actor="bo")
    revised = replace(svc.get(iid).report, people=replace(svc.get(iid).report.people, dead=7))
    svc.revise(revised, actor="bo", reason="bodies recovered")
    record = svc.get(iid)
    assert record.report.case_id == "2018-06-19-LY-001"
    assert record.people.dead == 7 and record.quality == 5
    assert [s.name for s in record.sources] == ["IOM", "Sea-Watch"]
    assert svc.count(IncidentQuery(case_id="2018-06-19-LY-001")) == 1
    assert svc.verify().ok
    with pytest.raises(NotFoundError, match="I-2018-09999"):
        svc.add_source("I-2018-09999", IncidentSource("x", 1), actor="bo")


def test_a_failed_batch_writes_nothing(svc: IncidentService) -> None:
    svc.record(report(external=("mmp:1",)), actor="ana")
    n_events = len(svc.events())
    batch = [report(hours=i, external=(f"mmp:{i + 2}",)) for i in range(INLINE_MAX + 5)]
    batch.append(report(external=("mmp:1",)))  # already in the register
    with pytest.raises(ConflictError, match="mmp:1 is already incident I-2018-00001"):
        svc.record(batch, actor="ana")
    assert svc.count() == 1 and len(svc.events()) == n_events
    svc.record(batch[:-1], actor="ana")  # batched (named by hash), then verified
    assert svc.count() == INLINE_MAX + 6 and svc.verify().ok


def test_verify_finds_an_incident_changed_behind_the_chain(sql_store) -> None:
    from sqlalchemy import text

    svc = IncidentService(store=sql_store, signer=Signer.generate())
    svc.record([report(dead=3), report(hours=500, dead=1)], actor="ana")
    with sql_store.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE incidents SET dead = 0, state = replace(state, '\"dead\":3', '\"dead\":0')"
        )
    found = svc.verify()
    assert not found.ok and "I-2018-00001 differs from its chain" in found.summary()
    with sql_store.engine.begin() as conn:
        conn.execute(text("DELETE FROM incident_events WHERE seq = 1"))
    assert "deleted" in {f.problem for f in svc.verify().findings}


@given(incidents(), st.booleans())
@settings(max_examples=50, deadline=None)
def test_the_bulk_insert_row_is_the_incident_row(incident: Incident, several: bool) -> None:
    # the tuples a bulk insert writes are the rows single writes write, column by column
    if several:
        incident = replace(incident, sources=(*incident.sources, IncidentSource("UNHCR", 2)))
    record = IncidentRecord(
        report=incident,
        recorded_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-02T00:00:00Z",
        people=incident.people,
        sources=incident.sources,
    )
    assert tuple(tables_incidents.incidents.c.keys()) == _COLUMNS
    row = dict(zip(_COLUMNS, _incident_row(record, incident_text(incident)), strict=True))
    assert row == incident_values(record)
    assert row["quality"] == max(s.quality for s in incident.sources)
