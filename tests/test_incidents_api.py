"""The incident API (roles like the case routes) and the ``sarwatch incidents`` commands."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _api import coordinator_and_observer
from sarwatch.settings import Settings
from sarwatch.web.station import station_of

DATA = Path(__file__).parent / "data_incidents"
REPORT = {
    "kind": "sighting",
    "time": "2018-06-19T10:00:00Z",
    "lon": 12.1,
    "lat": 32.96,
    "place": "off Zuwara",
    "people": {"survivors": 45},
    "actors": ["MV Example"],
    "sources": [{"name": "Alarm Phone", "quality": 4}],
}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict, dict]]:
    settings = Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.db'}")
    with coordinator_and_observer(settings) as api:
        yield api


def test_import_record_merge_and_query(api) -> None:
    client, coord, obs = api
    body = (DATA / "mmp_current.csv").read_bytes()
    denied = client.post("/api/incidents/import?format=mmp", content=body, headers=obs)
    assert denied.status_code == 403
    assert client.get("/api/incidents").status_code == 401
    got = client.post("/api/incidents/import?format=mmp", content=body, headers=coord)
    assert got.status_code == 200, got.text
    assert (got.json()["rows_read"], got.json()["recorded"], len(got.json()["refused"])) == (
        13,
        4,
        6,
    )
    made = client.post("/api/incidents", json=REPORT, headers=coord)
    assert made.status_code == 201, made.text
    assert made.json()["merges"] == [{"into": "I-2018-00001", "merged": "I-2018-00005"}]
    group = client.get("/api/incidents/I-2018-00005", headers=obs).json()
    assert [g["incident_id"] for g in group] == ["I-2018-00001", "I-2018-00005"]
    assert group[0]["people"]["survivors"] == 45
    listed = client.get("/api/incidents?from=2018-06&to=2018-06", headers=obs).json()
    assert listed["total"] == 2
    totals = client.get("/api/incidents/totals?by=year", headers=obs).json()
    assert [(t["period"], t["incidents"], t["dead_and_missing"]) for t in totals] == [
        ("2018", 4, 128)
    ]
    undone = client.post("/api/incidents/I-2018-00005/unmerge", json={"reason": "x"}, headers=coord)
    assert undone.status_code == 200 and undone.json()["merged_into"] is None
    again = client.post(
        "/api/incidents/I-2018-00005/merge",
        json={"into": "I-2018-00001", "reason": "same"},
        headers=coord,
    )
    assert again.status_code == 200
    twice = client.post(
        "/api/incidents/I-2018-00005/merge",
        json={"into": "I-2018-00001", "reason": "same"},
        headers=coord,
    )
    assert twice.status_code == 409 and "already merged" in twice.json()["detail"]
    bad = client.post("/api/incidents", json={**REPORT, "sources": []}, headers=coord)
    assert bad.status_code == 422
    unknown = client.post("/api/incidents", json={**REPORT, "name": "x"}, headers=coord)
    assert unknown.status_code == 422
    exported = client.get("/api/incidents/export?format=geojson", headers=obs)
    assert exported.status_code == 200 and len(exported.json()["features"]) == 5


def test_public_incidents_need_no_token_and_hide_free_text(api) -> None:
    client, coord, _ = api
    client.post("/api/incidents", json={**REPORT, "note": "call +218 91 555 0142"}, headers=coord)
    public = client.get("/api/public/incidents")
    assert public.status_code == 200
    (view,) = public.json()  # 2018: long past the delay
    assert (view["lon"], view["lat"], view["survivors"]) == (12.1, 33.0, 45)
    assert "+218" not in public.text and "Alarm Phone" not in public.text
    assert "MV Example" not in public.text and "Zuwara" not in public.text


def _sarwatch(home: Path, *args: str) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "SARWATCH_HOME_DIR": str(home)}
    env.pop("SARWATCH_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "sarwatch", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_cli_import_list_export_public(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = _sarwatch(home, "incidents", "import", str(DATA / "mmp_current.csv"))
    assert done.returncode == 0, done.stderr
    assert "13 rows read; 4 incident(s) recorded (2 split-incident part(s) joined)" in done.stdout
    assert "row 10: refused: Number of Dead + Missing (9) exceeds" in done.stdout
    listed = _sarwatch(home, "incidents", "list", "--from", "2018-07")
    assert listed.stdout.splitlines()[-1] == "2 of 2 incident(s)"
    out = tmp_path / "pub"
    public = _sarwatch(home, "incidents", "export", "--public", "--out", str(out))
    assert public.returncode == 0, public.stderr
    package = json.loads((out / "datapackage.json").read_text())
    assert [r["name"] for r in package["resources"]] == ["incidents", "cases", "case_positions"]
    assert "Zuwara" not in (out / "incidents.csv").read_text()
    wrong = _sarwatch(home, "incidents", "import", str(DATA / "mmp_current.csv"), "--format", "xml")
    assert wrong.returncode == 2 and "unknown format 'xml'" in wrong.stderr
    verify = _sarwatch(home, "incidents", "verify")
    assert verify.stdout.startswith("incident register: 2 events, chain intact")


def test_cli_list_shows_control_characters_from_a_file_as_escapes(tmp_path: Path) -> None:
    """A place name from an imported file that carries terminal escapes (clear screen,
    a right-to-left override) is listed with them shown, not obeyed."""
    rows = (DATA / "mmp_current.csv").read_text().splitlines()
    header, first = rows[0], rows[1]
    hostile = first.replace('"off Zuwara, Libya"', '"off Zuwara\x1b[2J\u202eaybiL"')
    assert hostile != first
    path = tmp_path / "hostile.csv"
    path.write_text(header + "\n" + hostile + "\n")
    home = tmp_path / "home"
    done = _sarwatch(home, "incidents", "import", str(path), "--format", "mmp")
    assert done.returncode == 0, done.stderr
    listed = _sarwatch(home, "incidents", "list")
    assert listed.returncode == 0, listed.stderr
    line = next(x for x in listed.stdout.splitlines() if "Zuwara" in x)
    assert "\x1b" not in line and "\u202e" not in line
    assert "off Zuwara\\x1b[2J\\u202eaybiL" in line


def test_cli_list_and_totals_show_what_is_not_known(tmp_path: Path) -> None:
    """An IOM record dated by year and month is listed as the month, and a count no
    incident of a period states is '-', not 0."""
    home = tmp_path / "home"
    done = _sarwatch(home, "incidents", "import", str(DATA / "mmp_older.csv"))
    assert done.returncode == 0, done.stderr
    listed = _sarwatch(home, "incidents", "list").stdout.splitlines()
    zuwara = next(x for x in listed if "off Zuwara" in x)
    assert zuwara.startswith("I-2016-00002  2016-04  ") and "2016-04-01" not in zuwara
    totals = _sarwatch(home, "incidents", "totals", "--by", "month").stdout.splitlines()
    april = next(x for x in totals if x.startswith("2016-04"))
    assert april.split() == ["2016-04", "1", "-", "2", "-"]
    assert "unknown, not zero" in totals[-1]
    data = json.loads(_sarwatch(home, "incidents", "totals", "--by", "month", "--json").stdout)
    april_json = next(r for r in data if r["period"] == "2016-04")
    assert (april_json["survivors"], april_json["dead"], april_json["missing"]) == (None, 2, None)


def test_cli_merge_of_reports_far_apart_says_so(tmp_path: Path) -> None:
    """Merging by hand is the monitor's call; two reports years and hundreds of km apart
    (a slip of the id) are merged but named as such, with how to undo it."""
    home = tmp_path / "home"
    assert _sarwatch(home, "incidents", "import", str(DATA / "mmp_older.csv")).returncode == 0
    assert _sarwatch(home, "incidents", "import", str(DATA / "mmp_current.csv")).returncode == 0
    far = _sarwatch(home, "incidents", "merge", "I-2016-00002", "I-2018-00002", "--reason", "x")
    assert far.returncode == 0, far.stderr
    note = " ".join(far.stderr.split())
    assert "note: I-2016-00002 and I-2018-00002 are" in note and "days apart" in note
    assert "km apart" in note and "sarwatch incidents unmerge I-2018-00002" in note
    near = _sarwatch(home, "incidents", "merge", "I-2018-00001", "I-2016-00002", "--reason", "x")
    assert near.returncode != 0  # a group's head is not merged into another (undo first)
    undo = _sarwatch(home, "incidents", "unmerge", "I-2018-00002")
    assert undo.returncode == 0, undo.stderr
    # "April 2016" and 3 May: the month's precision leaves the days open (no note of
    # days), but Zuwara and Misrata are some 300 km apart
    other = _sarwatch(home, "incidents", "merge", "I-2016-00002", "I-2016-00003", "--reason", "x")
    assert other.returncode == 0 and "days apart" not in other.stderr
    assert "km apart" in other.stderr


def test_public_incidents_are_built_once_per_change_and_revalidate(api, tmp_path) -> None:
    """Anyone may ask, so a crowd must not rebuild the whole open data per request: a
    repeated request reads only the versions (two small queries), answers with an ETag
    and 304; a new incident is in the very next answer."""
    from sqlalchemy import event

    client, coord, _ = api
    client.post("/api/incidents", json=REPORT, headers=coord)
    first = client.get("/api/public/incidents")
    assert first.status_code == 200 and len(first.json()) == 1
    assert first.headers["cache-control"].startswith("public, max-age=")
    etag = first.headers["etag"]
    engine = station_of(client.app).store.engine  # type: ignore[attr-defined]
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        again = client.get("/api/public/incidents")
        not_modified = client.get("/api/public/incidents", headers={"If-None-Match": etag})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert again.content == first.content and again.headers["etag"] == etag
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert len(statements) <= 8, statements  # two requests: the versions only
    other = {**REPORT, "time": "2018-07-19T10:00:00Z", "lon": 14.5, "lat": 35.5}
    assert client.post("/api/incidents", json=other, headers=coord).status_code == 201
    fresh = client.get("/api/public/incidents", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and len(fresh.json()) == 2
