"""Importing and exporting incident files: exact counts, no double counting, round trips."""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _incidents import T0, incidents, report
from sarwatch.adapters.incidents.flat import to_flat
from sarwatch.adapters.incidents.mmp import parse_coordinates, read_mmp_text
from sarwatch.adapters.store import MemoryStore
from sarwatch.errors import DataError, InputError
from sarwatch.incidents import Incident, IncidentQuery
from sarwatch.ledger import Signer
from sarwatch.services.incident_files import export_file, import_file
from sarwatch.services.incidents import IncidentService

DATA = Path(__file__).parent / "data_incidents"


def _service() -> IncidentService:
    return IncidentService(store=MemoryStore(), signer=Signer.generate())


def _everything(svc: IncidentService) -> list[dict]:
    return sorted(
        (to_flat(r) for r in svc.iter_all(IncidentQuery(heads_only=False))),
        key=lambda row: row["incident_id"],
    )


def test_current_iom_export_exact_counts() -> None:
    svc = _service()
    got = import_file(svc, DATA / "mmp_current.csv", actor="t")
    assert (got.format, got.rows_read, got.recorded, got.parts_joined) == ("mmp", 13, 4, 2)
    assert [row for row, _ in got.duplicates] == [13]
    assert [row for row, _ in got.refused] == [7, 8, 9, 10, 11, 12]
    reasons = dict(got.refused)
    assert "got 'two'" in reasons[7]
    assert "'33.8; 12.x' are not 'lat, lon'" in reasons[8]
    assert "'not a date'" in reasons[9]
    assert "(9) exceeds the Total Number of Dead and Missing (4)" in reasons[10]
    assert "no Coordinates and no Location" in reasons[11]
    assert "Source Quality must be 1-5, got '9'" in reasons[12]
    # the split incident (Main ID 2018.MMP00102, three parts) is one incident, its
    # people counted once each: dead 5+2, missing 40+10
    split = svc.get("I-2018-00002")
    assert split.report.external_ids == (
        "mmp:2018.MMP00102",
        "mmp:2018.MMP00103",
        "mmp:2018.MMP00104",
    )
    assert (split.people.dead, split.people.missing, split.people.females) == (7, 50, 1)
    # "lat, lon" in one field: lon first inside sarwatch
    first = svc.get("I-2018-00001").report
    assert (first.lon, first.lat, first.time_precision) == (12.08, 32.95, "day")
    assert first.sources[0].quality == 4 and first.sources[0].reference == "MMP 2018.MMP00101"
    (year,) = svc.totals(by="year")
    assert (year.incidents, year.dead, year.missing, year.survivors) == (4, 11, 117, 53)
    # the same file again: nothing is counted twice
    again = import_file(svc, DATA / "mmp_current.csv", actor="t")
    assert (again.recorded, again.already_recorded, len(again.refused)) == (0, 6, 6)
    assert svc.count() == 4 and svc.verify().ok


_ROW = (
    "Main ID,Incident ID,Incident Date,Number of Dead,Minimum Estimated Number of Missing,"
    "Number of Survivors,Location of Incident,Coordinates,Information Source,URL,Source Quality"
)


@given(
    st.lists(
        st.tuples(
            st.dates(),
            st.none() | st.integers(0, 300),
            st.none() | st.integers(0, 300),
            st.text(alphabet="abcé ,-", max_size=12),
            st.none() | st.tuples(st.floats(-90, 90), st.floats(-180, 180)),
            st.integers(1, 5),
        ),
        min_size=1,
        max_size=8,
    )
)
@settings(max_examples=60, deadline=None)
def test_iom_reports_made_without_checks_equal_the_checked_ones(rows: list) -> None:
    # the reader makes its reports with Incident.from_checked: each must be exactly
    # what the checked constructor makes of the same values
    lines = [_ROW]
    for i, (day, dead, missing, place, lat_lon, grade) in enumerate(rows):
        coordinates = "" if lat_lon is None else f"{lat_lon[0]!r}, {lat_lon[1]!r}"
        cells = [f"M{i}", f"M{i}", day.isoformat(), dead, missing, 3, place, coordinates]
        lines.append(",".join(json.dumps("" if c is None else str(c)) for c in cells))
        lines[-1] += f",IOM,,{grade}"
    for parsed in (read_mmp_text("\n".join(lines)), *_fixtures()):
        for made in parsed.reports:
            checked = Incident(**{name: getattr(made, name) for name in made.field_names()})
            assert repr(checked) == repr(made) and checked.__dict__ == made.__dict__


def _fixtures() -> list:
    return [
        read_mmp_text((DATA / n).read_text("utf-8")) for n in ("mmp_current.csv", "mmp_older.csv")
    ]


def test_from_checked_needs_every_field() -> None:
    with pytest.raises(TypeError, match=r"missing: .*'incident_id'"):
        Incident.from_checked({"kind": "shipwreck"})


def test_older_iom_export_with_other_column_names() -> None:
    svc = _service()
    got = import_file(svc, DATA / "mmp_older.csv", actor="t")
    assert (got.rows_read, got.recorded, [r for r, _ in got.refused]) == (5, 3, [4, 5])
    march, april, may = svc.find(IncidentQuery())
    assert (march.people.dead, march.people.missing, march.people.survivors) == (4, 20, 100)
    assert (april.report.time, april.report.time_precision) == (
        T0.replace(year=2016, month=4, day=1, hour=0),
        "month",
    )
    # blank dead and missing with a total of 3: the total counts, as missing
    assert (may.people.dead, may.people.missing) == (None, 3)
    assert (may.report.lon, may.report.lat) == (15.2, 32.5)  # WKT POINT (lon lat)


def test_an_export_without_grades_needs_one() -> None:
    text = "Main ID,Incident Date,Number of Dead,Location of Incident\n1,2018-06-19,2,off Zuwara\n"
    with pytest.raises(DataError, match="--quality N"):
        read_mmp_text(text)
    parsed = read_mmp_text(text, default_quality=2)
    assert parsed.reports[0].sources[0].quality == 2
    with pytest.raises(DataError, match="not an IOM Missing Migrants Project CSV"):
        read_mmp_text("kind,time\nshipwreck,2018-06-19T00:00:00Z\n")
    # a grade off the scale is refused once, not as a refusal of every row
    with pytest.raises(InputError, match=r"--quality must be an IOM grade 1-5 .*got 7"):
        read_mmp_text(text, default_quality=7)


@pytest.mark.parametrize(
    ("cell", "lonlat"),
    [("35.4995, 12.6078", (12.6078, 35.4995)), ("35.4995,12.6078", (12.6078, 35.4995)),
     ("-33.1 151.2", (151.2, -33.1)), ("POINT (12.6 35.5)", (12.6, 35.5)), ("", None)],
)  # fmt: skip
def test_coordinates_field(cell: str, lonlat: tuple | None) -> None:
    assert parse_coordinates(cell) == lonlat


def test_coordinates_out_of_range_are_refused() -> None:
    with pytest.raises(InputError, match="out of range"):
        parse_coordinates("12.6, 235.5")


def test_iom_records_merge_with_reports_from_other_sources() -> None:
    svc = _service()
    import_file(svc, DATA / "mmp_current.csv", actor="t")
    sighting = report(
        kind="sighting", hours=2, lon=12.1, lat=32.96, source="Alarm Phone", quality=4, survivors=45
    )
    recorded = svc.record(sighting, actor="t")
    assert [(m.into, m.merged) for m in recorded.merges] == [("I-2018-00001", "I-2018-00005")]
    head = svc.get("I-2018-00001")
    assert head.people.survivors == 45 and svc.count() == 4
    # exported as IOM rows: one row per event, combined counts
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "mmp.csv"
        assert export_file(svc, out, fmt="mmp") == 4
        fresh = _service()
        back = import_file(fresh, out, actor="t")
        assert (back.recorded, back.refused) == (4, ())
        assert [t.__dict__ for t in fresh.totals(by="month")] == [
            t.__dict__ for t in svc.totals(by="month")
        ]


def _random_register(reports, merges) -> IncidentService:
    svc = _service()
    svc.record(reports, actor="t", merge=False)
    for into, merged in merges:
        svc.merge(into, merged, actor="t", reason="test")
    return svc


@st.composite
def registers(draw: st.DrawFn):
    reports = draw(st.lists(incidents(), min_size=1, max_size=8, unique_by=lambda i: i.incident_id))
    ids = [r.incident_id for r in reports]
    heads = draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))
    others = [i for i in ids if i not in heads]
    merges = [(draw(st.sampled_from(heads)), m) for m in others if heads and draw(st.booleans())]
    return reports, merges


@pytest.mark.parametrize("fmt", ["csv", "geojson", "datapackage"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(register=registers())
def test_export_then_import_gives_the_same_register(fmt: str, register) -> None:
    reports, merges = register
    # external ids must be unique across reports for a register
    reports = [
        replace(r, external_ids=tuple(f"{x}-{i}" for x in r.external_ids))
        for i, r in enumerate(reports)
    ]
    svc = _random_register(reports, merges)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"register.{fmt}"
        export_file(svc, out, fmt=fmt)
        fresh = _service()
        got = import_file(fresh, out, actor="t")
        assert got.refused == () and got.recorded == len(reports)
        assert got.merges_stated == len(merges)
        assert _everything(fresh) == _everything(svc)
        assert [t.__dict__ for t in fresh.totals(by="month_kind")] == [
            t.__dict__ for t in svc.totals(by="month_kind")
        ]
        # and into the same register: all already recorded
        again = import_file(svc, out, actor="t")
        assert (again.recorded, again.already_recorded) == (0, len(reports))


def _rows(path: Path) -> list[str]:
    header, *rows = path.read_text(encoding="utf-8").splitlines()
    return [header, *sorted(rows)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(register=registers(), from_iom=st.lists(st.booleans(), min_size=8, max_size=8))
def test_an_iom_export_reads_back_as_the_same_incidents(register, from_iom) -> None:
    """An IOM export of incidents of the IOM's and of sarwatch's own (their ids marked
    ``sarwatch:``) imports back exactly: into the register it came from, every row is
    already recorded (it was recorded again and merged by proximity); into an empty
    one, every row is one incident (none merged with another row), which exports as the
    same file and is found again by a second import."""
    reports, merges = register
    reports = [
        replace(r, external_ids=tuple(f"{x}-{i}" for x in r.external_ids)
                + ((f"mmp:2018.MMP{i:05d}",) if from_iom[i] else ()))
        for i, r in enumerate(reports)
    ]  # fmt: skip
    svc = _random_register(reports, merges)
    heads = [r for r in svc.iter_all() if r.merged_into is None]
    ours = {
        r.incident_id for r in heads if not any(x.startswith("mmp:") for x in r.report.external_ids)
    }
    with tempfile.TemporaryDirectory() as tmp:
        out, back = Path(tmp) / "iom.csv", Path(tmp) / "back.csv"
        assert export_file(svc, out, fmt="mmp") == len(heads)
        marked = {line.split(",")[0] for line in _rows(out)[1:] if line.startswith("sarwatch:")}
        assert marked == {f"sarwatch:{i}" for i in ours}
        events = len(svc.events())
        again = import_file(svc, out, actor="t")
        assert (again.recorded, again.already_recorded, again.merged) == (0, len(heads), 0)
        assert again.refused == () and svc.count() == len(heads)
        assert len(svc.events()) == events + 1  # the import's own report, nothing else
        fresh = _service()
        got = import_file(fresh, out, actor="t")
        assert (got.recorded, got.merged, got.refused) == (len(heads), 0, ())
        assert ours <= {r.incident_id for r in fresh.iter_all()}  # sarwatch's keep their ids
        export_file(fresh, back, fmt="mmp")
        assert _rows(back) == _rows(out)
        assert [t.__dict__ for t in fresh.totals(by="month")] == [
            t.__dict__ for t in svc.totals(by="month")
        ]
        twice = import_file(fresh, out, actor="t")
        assert (twice.recorded, twice.already_recorded) == (0, len(heads))
        home = import_file(svc, back, actor="t")  # the copy's export, back where it came from
        assert (home.recorded, home.already_recorded) == (0, len(heads))


def test_a_sarwatch_row_whose_id_is_taken_here_by_another_incident_is_recorded_once(
    tmp_path: Path,
) -> None:
    """Another station's export names its own I-2018-00001: here that id is a different
    incident, so the row is recorded as a new one (numbered here), once."""
    there = _random_register(
        [replace(report(dead=3, lon=12.1, lat=32.9), incident_id="I-2018-00001")], []
    )
    out = tmp_path / "there.csv"
    export_file(there, out, fmt="mmp")
    assert (
        out.read_text(encoding="utf-8")
        .splitlines()[1]
        .startswith("sarwatch:I-2018-00001,sarwatch:I-2018-00001,")
    )
    here = _random_register(
        [replace(report(dead=1, lon=14.0, lat=36.0, hours=500), incident_id="I-2018-00001")], []
    )
    got = import_file(here, out, actor="t")
    assert (got.recorded, got.already_recorded, got.incident_ids) == (1, 0, ("I-2018-00002",))
    copy = here.get("I-2018-00002")
    assert copy.report.external_ids == ("sarwatch:I-2018-00001",) and copy.people.dead == 3
    assert here.get("I-2018-00001").people.dead == 1  # its own incident untouched
    again = import_file(here, out, actor="t")
    assert (again.recorded, again.already_recorded) == (0, 1)
    text = "Main ID,Incident Date,Coordinates,Source Quality\nsarwatch:X-1,2018-01-01,,3\n"
    assert read_mmp_text(text).refused == [
        (2, "Incident ID 'sarwatch:X-1' is marked as a sarwatch incident's but 'X-1' is not "
            "an incident id (I-2018-00042)"),
    ]  # fmt: skip


def test_datapackage_has_schema_and_licence(tmp_path: Path) -> None:
    svc = _service()
    import_file(svc, DATA / "mmp_current.csv", actor="t")
    export_file(svc, tmp_path / "pkg", fmt="datapackage")
    package = json.loads((tmp_path / "pkg" / "datapackage.json").read_text())
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["sources"][0]["title"] == "IOM's Missing Migrants Project"
    (resource,) = package["resources"]
    names = [f["name"] for f in resource["schema"]["fields"]]
    header = (tmp_path / "pkg" / resource["path"]).read_text().splitlines()[0].split(",")
    assert names == header and resource["schema"]["primaryKey"] == "incident_id"


def test_a_failing_import_leaves_nothing(tmp_path: Path) -> None:
    svc = _service()
    good = tmp_path / "a.csv"
    svc2 = _random_register([replace(report(dead=1), incident_id="I-2018-00001")], [])
    export_file(svc2, good, fmt="csv")
    # strict: one refused row stops everything
    bad = tmp_path / "b.csv"
    bad.write_text(
        good.read_text() + "I-2018-00002,wreck,2018-06-19T00:00:00Z,,,,x,,,,,,,,,[],[],,,,[],\n"
    )
    with pytest.raises(InputError, match="row 3: unknown incident type 'wreck'"):
        import_file(svc, bad, actor="t", strict=True)
    assert svc.count() == 0 and svc.events() == []
    got = import_file(svc, bad, actor="t")
    assert (got.recorded, [r for r, _ in got.refused]) == (1, [3])
    assert svc.events()[-1].kind == "incidents_imported"
    assert svc.events()[-1].payload["refused"] == [{"row": 3, "why": dict(got.refused)[3]}]
    assert svc.get("I-2018-00001").report.time == T0 + timedelta(0)


def test_a_csv_error_names_the_last_row_read() -> None:
    text = (
        "Main ID,Incident Date,Coordinates,Source Quality\n"
        'A,2018-01-01,"32.9, 12.1",3\n'
        f'B,2018-01-01,"{"x" * 200_000}",3\n'
    )
    with pytest.raises(DataError, match="malformed after row 2: field larger"):
        read_mmp_text(text)


@pytest.mark.parametrize("fmt", [None, "mmp", "csv", "datapackage"])
def test_a_file_not_in_utf8_is_refused_with_what_to_do(tmp_path: Path, fmt: str | None) -> None:
    """A spreadsheet's own encoding (Windows-1252 here) is a clear error, not a traceback,
    and nothing is recorded."""
    text = (DATA / "mmp_current.csv").read_text(encoding="utf-8")
    text = text.replace("off Zuwara, Libya", "au large de Zouara, Libye (côte)")
    path = tmp_path / "mmp.csv"
    path.write_bytes(text.encode("cp1252"))
    if fmt == "datapackage":  # the package's table in the wrong encoding
        svc0 = _service()
        import_file(svc0, DATA / "mmp_current.csv", actor="t")
        export_file(svc0, tmp_path / "pkg", fmt="datapackage")
        table = tmp_path / "pkg" / "incidents.csv"
        table.write_bytes(table.read_text(encoding="utf-8").replace("Zuwara", "Zouara côte")
                          .encode("cp1252"))  # fmt: skip
        path = tmp_path / "pkg"
    svc = _service()
    with pytest.raises(InputError, match=r"is not UTF-8 text.*save it as UTF-8"):
        import_file(svc, path, fmt=fmt, actor="t")
    assert svc.count() == 0 and svc.events() == []


def test_the_iom_export_keeps_a_date_known_only_to_the_month(tmp_path: Path) -> None:
    """An incident the IOM dates by year and month is exported without a day, so that
    re-importing it does not make it known to the 1st of the month."""
    svc = _service()
    got = import_file(svc, DATA / "mmp_older.csv", actor="t")
    by_precision = {r.report.time_precision for r in svc.iter_all()}
    assert got.recorded == 3 and by_precision == {"day", "month"}
    out = tmp_path / "iom.csv"
    export_file(svc, out, fmt="mmp")
    fresh = _service()
    import_file(fresh, out, actor="t")
    before = sorted((r.report.time, r.report.time_precision) for r in svc.iter_all())
    after = sorted((r.report.time, r.report.time_precision) for r in fresh.iter_all())
    assert after == before


def test_a_row_dated_in_the_future_is_refused_not_recorded(tmp_path: Path) -> None:
    """A mistyped year (2081 for 2018) would put an incident into a year to come, and
    into every total of it; the row is refused with its reason, the others go in."""
    now = T0 + timedelta(days=60)  # after every incident of the file
    svc = IncidentService(store=MemoryStore(), signer=Signer.generate(), clock=lambda: now)
    text = (DATA / "mmp_current.csv").read_text(encoding="utf-8")
    path = tmp_path / "typo.csv"
    path.write_text(text.replace("2018-06-29,2018,June", "2081-06-29,2081,June"))
    got = import_file(svc, path, actor="t")
    future = [(row, why) for row, why in got.refused if "in the future" in why]
    assert [row for row, _ in future] == [3, 4, 5]  # the three parts of a split incident
    assert "mistyped year" in future[0][1]
    assert got.recorded == 3
    assert all(r.report.time.year == 2018 for r in svc.iter_all())
    with pytest.raises(InputError, match="in the future"):
        svc.record(replace(report(dead=1), time=now + timedelta(days=2)), actor="t")
    svc.record(replace(report(dead=1), time=now + timedelta(hours=20)), actor="t")  # skew
