"""Open data, safely: no exact position, name or phone number in any public output."""

from __future__ import annotations

import csv
import json
import re
import tempfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _cases_helpers import make_service
from _incidents import T0
from sarwatch.adapters.store import MemoryStore
from sarwatch.domain import Contact, Outcome, PositionReport, Source, Vessel
from sarwatch.incidents import DRAFT_ID, Incident, IncidentSource, IncidentType, People
from sarwatch.services.incidents import IncidentService
from sarwatch.services.open_data import publish
from sarwatch.services.public_feed import PublicPolicy, coarsen

NAMES = ("Ahmed Benali", "Mariam Tesfaye", "Capt. Jonas Weber")
PHONES = ("+218 91 555 0142", "+39 06 5908 4527", "00216 98 123 456")
NOW = T0 + timedelta(days=30)


def _secret(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(NAMES + PHONES))


@st.composite
def sensitive_reports(draw: st.DrawFn) -> Incident:
    """A report with a name or phone number in every free-text field and an exact position."""
    hours = draw(st.floats(-24 * 40, 24 * 29, allow_nan=False))
    lon = draw(st.floats(10.0, 16.0, allow_nan=False))
    lat = draw(st.floats(31.0, 37.5, allow_nan=False))
    secret = _secret(draw)
    return Incident(
        DRAFT_ID,
        draw(st.sampled_from(list(IncidentType))),
        T0 + timedelta(hours=hours),
        (
            IncidentSource(
                f"call from {secret}",
                draw(st.integers(1, 5)),
                url=f"https://example.org/{secret.replace(' ', '')}",
                reference=secret,
            ),
        ),
        lon=lon,
        lat=lat,
        place=f"off Zuwara, {_secret(draw)}",
        people=People(dead=draw(st.none() | st.integers(0, 90))),
        actors=(_secret(draw), "fishing boat"),
        country=_secret(draw),
        route=_secret(draw),
        cause=_secret(draw),
        note=f"ring {_secret(draw)}",
        time_precision=draw(st.sampled_from(["minute", "day"])),
    )


def _closed_case(service, lon: float, lat: float) -> str:
    who = Source(f"Alarm Phone / {NAMES[0]}", 3)
    record = service.open_case(
        title=f"boat of {NAMES[1]}, call {PHONES[0]}",
        alert_time=T0,
        actor="ana",
        position=PositionReport(T0, lon, lat, "gps", who, 0.5, note=PHONES[1]),
        vessel=Vessel(name=NAMES[2]),
    )
    cid = record.case_id
    service.log_contact(cid, Contact(T0, "phone", NAMES[0], f"called {PHONES[2]}"), actor="ana")
    for to in ("active", "located"):
        service.change_status(cid, to, actor="ana")
    outcome = Outcome(T0 + timedelta(hours=5), "rescued", by=f"MV of {NAMES[2]}", survivors=40)
    service.record_outcome(cid, outcome, actor="ana")
    service.change_status(cid, "closed", actor="ana")
    return cid


def _open_case(service, lon: float, lat: float) -> str:
    return service.open_case(
        title="live", alert_time=NOW - timedelta(hours=1), actor="ana",
        position=PositionReport(NOW - timedelta(hours=1), lon, lat, "gps", Source("x", 3), 0.5),
    ).case_id  # fmt: skip


def _outputs(cases, policy: PublicPolicy) -> tuple[str, list[float]]:
    """Every public file's text, and every coordinate they publish."""
    coords: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        text = ""
        for fmt in ("datapackage", "geojson"):
            out = Path(tmp) / f"public-{fmt}"
            publish(cases, out, fmt=fmt, policy=policy, now=NOW)
            files = sorted(out.iterdir()) if out.is_dir() else [out]
            text += "\n".join(f.read_text(encoding="utf-8") for f in files)
            if fmt == "geojson":
                for feature in json.loads(out.read_text())["features"]:
                    if feature["geometry"]:
                        coords += feature["geometry"]["coordinates"]
            else:
                for name in ("incidents.csv", "case_positions.csv"):
                    with (out / name).open(newline="") as fh:
                        for row in csv.DictReader(fh):
                            coords += [float(row[k]) for k in ("lon", "lat") if row[k]]
        return text, coords


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    reports=st.lists(sensitive_reports(), min_size=1, max_size=8),
    step=st.sampled_from([0.1, 0.25, 0.5]),
    case_lonlat=st.tuples(st.floats(11.0, 14.0), st.floats(32.0, 34.0)),
    link=st.booleans(),
)
def test_no_exact_position_name_or_phone_in_public_outputs(
    reports, step, case_lonlat, link
) -> None:
    cases = make_service(MemoryStore())
    cases.clock = lambda: NOW
    closed = _closed_case(cases, *case_lonlat)
    live = _open_case(cases, case_lonlat[0] + 0.01234, case_lonlat[1] + 0.04321)
    if link:  # an incident linked to the live case must wait for that case to close
        reports = [replace(reports[0], case_id=live), *reports[1:]]
    service = IncidentService.for_cases(cases)
    service.record(reports, actor="t", merge=False)
    policy = PublicPolicy(delay_h=72.0, round_deg=step)
    text, coords = _outputs(cases, policy)
    for secret in NAMES + PHONES:
        assert secret not in text
        assert secret.replace(" ", "") not in text
    exact = [r.lon for r in reports] + [r.lat for r in reports] + list(case_lonlat)
    for value in exact:  # (a position on the grid already is its own rounding)
        # as a number of its own (not inside 32.25); a value within float noise of the
        # grid is published as itself rounded (32.2 at 0.1° may come out as 32.2)
        if abs(coarsen(value, step) - value) > 1e-9:
            assert not re.search(rf"(?<![\d.]){re.escape(repr(value))}(?![\d])", text), value
    # every coordinate published is a multiple of the rounding step
    assert coords
    for value in coords:
        assert abs(value / step - round(value / step)) < 1e-6, value
    shown = {r["incident_id"] for r in _public_incidents(cases, policy)}
    for record in service.find(limit=1000):
        # a report known to the day may be of its last hour: its age counts from then
        window = timedelta(days=1) if record.report.time_precision == "day" else timedelta(0)
        day = record.report.time.replace(hour=0, minute=0, second=0, microsecond=0)
        latest = day + window if window else record.report.time
        young = NOW - latest < timedelta(hours=72)
        linked_live = record.report.case_id == live
        assert (record.incident_id in shown) == (not young and not linked_live)
    assert closed in text and live not in text


def _public_incidents(cases, policy: PublicPolicy) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "p.geojson"
        publish(cases, out, fmt="geojson", policy=policy, now=NOW)
        data = json.loads(out.read_text())
    return [f["properties"] for f in data["features"] if f["properties"]["layer"] == "incident"]


def test_a_report_known_to_the_day_or_month_waits_for_the_end_of_it() -> None:
    """The public delay counts from the last moment the event may have happened.

    "Some time in December" read on 7 December could be yesterday's sighting, and
    "4 December" read 76 h after its first minute could be 53 h old: neither is shown.
    """
    cases = make_service(MemoryStore())
    now = NOW
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    day_start = (now - timedelta(hours=76)).replace(hour=0, minute=0, second=0, microsecond=0)
    old_day = (now - timedelta(days=5)).replace(hour=0, minute=0, second=0, microsecond=0)
    drafts = [
        replace(_draft(month_start), time_precision="month"),
        replace(_draft(day_start), time_precision="day"),
        replace(_draft(old_day), time_precision="day"),
        _draft(now - timedelta(hours=73)),
    ]
    service = IncidentService.for_cases(cases)
    ids = service.record(drafts, actor="t", merge=False).incident_ids
    assert (now - month_start) > timedelta(hours=72)  # the month began long enough ago
    shown = {r["incident_id"] for r in _public_incidents(cases, PublicPolicy(delay_h=72.0))}
    month_id, day_id, old_day_id, minute_id = ids
    assert month_id not in shown
    assert day_id not in shown
    assert old_day_id in shown and minute_id in shown
    # once the month has ended by the delay, it is shown
    later = (month_start + timedelta(days=32)).replace(day=1) + timedelta(hours=72)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "p.geojson"
        publish(cases, out, fmt="geojson", policy=PublicPolicy(delay_h=72.0), now=later)
        features = json.loads(out.read_text())["features"]
    ids_later = {f["properties"].get("incident_id") for f in features}
    assert month_id in ids_later


def _draft(time) -> Incident:
    return Incident(
        DRAFT_ID, IncidentType.SIGHTING, time, (IncidentSource("Alarm Phone", 3),),
        lon=12.345, lat=34.567,
    )  # fmt: skip


def test_the_public_export_replaces_only_an_earlier_public_export(tmp_path: Path) -> None:
    """Pointed by mistake at a folder of other files, or at the full register's export,
    the public export refuses (it replaces its target whole: it deleted the folder)."""
    from sarwatch.errors import InputError

    cases = make_service(MemoryStore())
    IncidentService.for_cases(cases).record([_draft(NOW - timedelta(days=9))], actor="t")
    web_root = tmp_path / "www"
    web_root.mkdir()
    (web_root / "index.html").write_text("<h1>our site</h1>")
    full = tmp_path / "register.csv"
    full.write_text("incident_id,kind\nI-2018-00001,sighting\n")
    for target, fmt in ((web_root, "datapackage"), (full, "datapackage"), (full, "geojson"),
                        (web_root, "geojson")):  # fmt: skip
        with pytest.raises(InputError, match="not an earlier public"):
            publish(cases, target, fmt=fmt, policy=PublicPolicy(), now=NOW)
    assert (web_root / "index.html").read_text() == "<h1>our site</h1>"
    assert full.read_text().startswith("incident_id,kind")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["register.csv", "www"]
    # the cron case: an earlier public export is replaced, again and again
    for fmt, out in (("datapackage", tmp_path / "open"), ("geojson", tmp_path / "open.geojson")):
        for _ in range(2):
            publish(cases, out, fmt=fmt, policy=PublicPolicy(), now=NOW)
        assert "I-2018" in (out / "incidents.csv" if out.is_dir() else out).read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
