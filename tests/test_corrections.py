"""Corrections without rewriting: a correction event names the event it corrects; the
corrected value wins in the case, the original stays in the chain, the bundle verifies."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _cases_helpers import T0, make_service, make_store, open_case, position
from _cli import open_case as cli_open_case
from _cli import run_cli
from sarwatch.domain import Outcome
from sarwatch.errors import ConflictError, InputError, NotFoundError
from sarwatch.ledger import Signer
from sarwatch.services.cases import CaseService
from sarwatch.services.corrections import Corrections
from sarwatch.services.evidence import build_bundle, verify_bundle
from sarwatch.services.users import add_user
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_of


@pytest.fixture
def service(tmp_path: Path, land_mask) -> CaseService:
    return make_service(make_store("sqlite", tmp_path), Signer.generate())


def _rescued(service: CaseService) -> str:
    """A case with a position (#2), rescued (#5); returns its id."""
    case_id = open_case(service)  # 1 opened, 2 position
    service.change_status(case_id, "active", actor="ana")  # 3
    service.change_status(case_id, "located", actor="ana")  # 4
    outcome = Outcome(T0.replace(hour=9), "rescued", "Open Arms", "Pozzallo", 80, 0, 0)
    service.record_outcome(case_id, outcome, actor="ana")  # 5
    return case_id


def test_a_mistyped_position_is_corrected_and_the_original_stays(
    service: CaseService, tmp_path: Path
) -> None:
    case_id = _rescued(service)
    corrections = Corrections(service)
    fixed = corrections.amended_position(case_id, 2, lat=33.35)
    record = corrections.correct(case_id, 2, reason="33°21' not 33°12'", actor="bo", position=fixed)
    state = record.state
    assert [p["lat"] for p in state["positions"]] == [33.35]  # the corrected value wins
    assert state["last_position"]["lat"] == 33.35
    (note,) = state["corrections"]
    assert note["corrects"]["seq"] == 2 and note["corrects"]["kind"] == "position_reported"
    assert note["by"] == "bo" and note["reason"] == "33°21' not 33°12'"
    events = service.events(case_id)
    assert events[1].payload["lat"] == 33.2  # the original, untouched, in the chain
    assert note["corrects"]["hash"] == events[1].hash
    assert events[-1].kind == "correction_recorded"
    assert service.verify(case_id).ok
    out = tmp_path / "case.zip"
    build_bundle(service, case_id, out)
    report = verify_bundle(out)
    assert report.ok, report.problems
    with zipfile.ZipFile(out) as zf:
        case_json = json.loads(zf.read("case.json"))
        html = zf.read("report.html").decode()
    assert case_json["positions"][0]["lat"] == 33.35
    assert "CORRECTION of #2 (position_reported) by bo" in html
    assert "[corrected by #6]" in html  # next to what it corrects


def test_a_wrong_outcome_is_corrected_and_the_status_follows(service: CaseService) -> None:
    case_id = _rescued(service)
    corrections = Corrections(service)
    fixed = corrections.amended_outcome(case_id, 5, kind="intercepted", by="Libyan coast guard")
    why = "returned to Tripoli"
    record = corrections.correct(case_id, 5, reason=why, actor="bo", outcome=fixed)
    assert record.state["outcome"]["kind"] == "intercepted"
    assert record.state["outcome"]["survivors"] == 80  # kept from the original
    assert record.status == "intercepted"
    assert service.events(case_id)[4].payload["kind"] == "rescued"
    assert service.verify(case_id).ok


def test_a_closed_case_reopens_only_through_a_correction(service: CaseService) -> None:
    case_id = _rescued(service)
    service.change_status(case_id, "closed", actor="ana")  # 6
    with pytest.raises(ConflictError, match="closed"):
        service.log_contact(case_id, _contact(), actor="ana")
    corrections = Corrections(service)
    with pytest.raises(InputError, match="needs a reason"):
        corrections.correct(case_id, 6, reason=" ", actor="bo", reopen=True)
    record = corrections.correct(case_id, 6, reason="closed too early", actor="bo", reopen=True)
    assert record.status == "rescued"  # back to where it was closed from
    service.log_contact(case_id, _contact(), actor="ana")  # open to events again
    with pytest.raises(InputError, match="only a closed case"):
        corrections.correct(case_id, 6, reason="again", actor="bo", reopen=True)
    assert service.verify(case_id).ok


def test_a_correction_of_an_event_that_does_not_exist_is_a_clear_error(
    service: CaseService,
) -> None:
    case_id = _rescued(service)
    corrections = Corrections(service)
    with pytest.raises(NotFoundError, match=r"has no event #99; its events are #1–#5"):
        corrections.correct(case_id, 99, reason="x", actor="bo", reopen=True)
    with pytest.raises(InputError, match=r"event #3 .* is 'status_changed'; a position"):
        corrections.correct(case_id, 3, reason="x", actor="bo", position=position())
    with pytest.raises(InputError, match="exactly one correction"):
        corrections.correct(case_id, 2, reason="x", actor="bo")
    with pytest.raises(InputError, match="moved the case to 'active', not closed"):
        corrections.correct(case_id, 3, reason="x", actor="bo", reopen=True)
    assert len(service.events(case_id)) == 5  # nothing written


def test_correction_payload_is_checked_by_the_fold() -> None:
    """An event log whose correction names no position cannot be folded."""
    from sarwatch.domain.events import apply, to_json

    case = apply(None, "case_opened", _opening(), T0)
    bad = {
        "corrects": {"seq": 2, "hash": "0" * 64, "kind": "position_reported"},
        "what": "position", "reason": "typo", "by": "bo", "index": 0,
        "position": to_json(position()),
    }  # fmt: skip
    with pytest.raises(InputError, match="the case has 0 positions"):
        apply(case, "correction_recorded", bad, T0)
    with pytest.raises(InputError, match="needs a reason"):
        apply(case, "correction_recorded", {**bad, "reason": ""}, T0)
    with pytest.raises(InputError, match="corrects a position_reported event"):
        apply(case, "correction_recorded", {**bad, "corrects": {"seq": 2, "kind": "x"}}, T0)
    moved = apply(case, "position_reported", to_json(position()), T0)
    fixed = apply(moved, "correction_recorded", bad | {"position": to_json(position(5))}, T0)
    assert fixed.positions == (replace(position(5)),)


def test_api_corrections(tmp_path: Path, land_mask) -> None:
    app = create_app(Settings(home_dir=tmp_path))
    with TestClient(app) as client:
        _, token = add_user(station_of(app).store, "ana", "coordinator")
        h = {"Authorization": f"Bearer {token}"}
        pos = {"time": "2018-03-15T04:10:00Z", "lon": 12.5, "lat": 33.2, "kind": "gps",
               "source": {"name": "Alarm Phone", "quality": 3}}  # fmt: skip
        r = client.post(
            "/api/cases", headers=h,
            json={"title": "boat", "alert_time": "2018-03-15T04:10:00Z", "position": pos},
        )  # fmt: skip
        case_id = r.json()["case_id"]
        body = {"event": 2, "reason": "typo", "position": {**pos, "lat": 33.35}}
        r = client.post(f"/api/cases/{case_id}/corrections", headers=h, json=body)
        assert r.status_code == 201, r.text
        assert r.json()["positions"][0]["lat"] == 33.35
        assert r.json()["corrections"][0]["corrects"]["seq"] == 2
        r = client.post(f"/api/cases/{case_id}/corrections", headers=h, json={**body, "event": 9})
        assert r.status_code == 404 and "no event #9" in r.json()["detail"]


def test_cli_case_correct(home: Path, capsys) -> None:
    cid = cli_open_case(capsys)  # at 33.2N 12.5E, 2018-03-15T04:10Z
    code, out, err = run_cli(
        capsys, "case", "correct", cid, "--event", "2", "--reason", "minutes mistyped",
        "--position", "33 21N 12 30E",
    )  # fmt: skip
    assert code == 0, err
    assert "33°21.00'N" in out and "recorded a correction of event #2" in out
    code, out, err = run_cli(capsys, "case", "correct", cid, "--event", "7", "--reason", "x",
                             "--reopen")  # fmt: skip
    assert code != 0 and "has no event #7" in err
    _, out, _ = run_cli(capsys, "case", "show", cid)
    assert "CORRECTION of #2" in out and "[corrected" in out, out  # the table wraps lines
    code, out, _ = run_cli(capsys, "ledger", "verify", cid)
    assert code == 0 and "chain intact" in out


def test_cli_a_correction_onto_land_warns_as_a_report_does(home: Path, capsys) -> None:
    """``case report`` warns when the coastline puts a position on land; a correction to a
    position on land (Tunis, 36°48'N 10°12'E) was recorded flagged but said nothing."""
    cid = cli_open_case(capsys)  # at 33.2N 12.5E, 2018-03-15T04:10Z
    code, out, err = run_cli(
        capsys, "case", "correct", cid, "--event", "2", "--reason", "degrees mistyped",
        "--position", "36 48N 10 12E",
    )  # fmt: skip
    assert code == 0, err
    assert "recorded a correction of event #2" in out
    assert "warning: position 36°48.00'N 010°12.00'E is on land" in err
    assert "Nearest sea point" in err
    code, out, err = run_cli(
        capsys, "case", "correct", cid, "--event", "2", "--reason", "now at sea",
        "--position", "33 21N 12 30E",
    )  # fmt: skip
    assert code == 0 and "on land" not in err, err


def _contact():  # type: ignore[no-untyped-def]
    from _cases_helpers import contact

    return contact(1)


def _opening() -> dict:
    return {
        "case_id": "2018-03-15-LY-001", "title": "t", "alert_time": "2018-03-15T04:10:00Z",
        "region": "LY",
    }  # fmt: skip
