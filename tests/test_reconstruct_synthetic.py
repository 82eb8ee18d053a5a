"""A synthetic case with contacts, a drift run and a responders-style AIS attachment:
the reconstruction lists the vessels that could have arrived before the outcome, with
the ETAs of the responders computation, times each answer, and is attached to the case
(so its record is in the evidence bundle)."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from _cli import open_case, run_cli

T0 = datetime(2026, 11, 20, 4, 10, tzinfo=UTC)


def _iso(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


#: As issue 12's contract gives it (the answer itself), ETAs from the ranking time.
RESPONDERS = {
    "tool": "sarwatch responders 0.1.0",
    "request": {"case_id": None},
    "result": {
        "case_id": None,
        "computed_at": _iso(60),
        "cloud": {"run_id": None, "particles": 300, "time": _iso(60)},
        "vessels": [
            {
                "mmsi": "247123456",
                "name": "ALPHA",
                "type": "cargo",
                "sar": False,
                "last_report": _iso(55),
                "report_age_min": 5.0,
                "lat": 33.5,
                "lon": 12.7,
                "sog_kn": 12.0,
                "eta_p50_h": 1.5,
                "eta_p90_h": 2.25,
                "distance_nm": 18.0,
                "reachable_fraction": 1.0,
                "cpa_nm": 3.0,
                "tcpa_h": 1.0,
            },
            {
                "mmsi": "215987654",
                "name": "BRAVO",
                "type": "tanker",
                "sar": False,
                "last_report": _iso(50),
                "report_age_min": 10.0,
                "lat": 34.6,
                "lon": 13.6,
                "sog_kn": 10.0,
                "eta_p50_h": 6.0,
                "eta_p90_h": 7.5,
                "distance_nm": 80.0,
                "reachable_fraction": 1.0,
                "cpa_nm": 40.0,
                "tcpa_h": 3.0,
            },
            {
                "mmsi": "636000111",
                "name": "CHARLIE",
                "type": "fishing",
                "sar": False,
                "last_report": _iso(40),
                "report_age_min": 20.0,
                "lat": 33.0,
                "lon": 11.9,
                "sog_kn": 4.0,
                "eta_p50_h": 3.5,
                "eta_p90_h": None,
                "distance_nm": 30.0,
                "reachable_fraction": 0.7,
                "cpa_nm": None,
                "tcpa_h": None,
            },
            {
                "mmsi": "255000222",
                "name": "DELTA",
                "type": "sailing",
                "sar": False,
                "last_report": _iso(30),
                "report_age_min": 30.0,
                "lat": 32.9,
                "lon": 11.5,
                "sog_kn": 3.0,
                "eta_p50_h": None,
                "eta_p90_h": None,
                "distance_nm": 60.0,
                "reachable_fraction": 0.0,
                "cpa_nm": None,
                "tcpa_h": None,
            },
        ],
    },
    "seed": None,
    "forcing": None,
    "output_files": {},
    "run_id": None,
}


@pytest.fixture
def case_id(home: Path, tmp_path: Path, capsys) -> str:
    cid = open_case(capsys, time=_iso(0))
    steps = [
        [
            "case",
            "contact",
            cid,
            "--counterpart",
            "RCC Malta",
            "--summary",
            "distress: 80 people",
            "--channel",
            "email",
            "--time",
            _iso(10),
        ],
        [
            "case",
            "contact",
            cid,
            "--counterpart",
            "MRCC Rome",
            "--summary",
            "same alert, cc",
            "--channel",
            "email",
            "--time",
            _iso(12),
        ],
        [
            "case",
            "contact",
            cid,
            "--counterpart",
            "RCC Malta",
            "--summary",
            "noted",
            "--direction",
            "incoming",
            "--time",
            _iso(55),
        ],
        [
            "drift",
            "--lat",
            "33.2",
            "--lon",
            "12.5",
            "--time",
            _iso(0),
            "--hours",
            "6",
            "--particles",
            "300",
            "--wind-kn",
            "10",
            "--wind-from",
            "0",
            "--current-kn",
            "0.5",
            "--current-to",
            "90",
            "--seed",
            "7",
            "--out",
            str(tmp_path / "run"),
            "--no-png",
            "--quiet",
            "--case",
            cid,
        ],
    ]
    for args in steps:
        code, _, err = run_cli(capsys, *args)
        assert code == 0, (args, err)
    record = json.loads(json.dumps(RESPONDERS))
    record["result"]["case_id"] = cid
    path = tmp_path / "responders.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    code, _, err = run_cli(capsys, "case", "attach", cid, str(path), "--kind", "responders")
    assert code == 0, err
    for args in (
        ["case", "status", cid, "active"],
        ["case", "status", cid, "located"],
        [
            "case",
            "outcome",
            cid,
            "rescued",
            "--by",
            "ALPHA",
            "--survivors",
            "80",
            "--time",
            _iso(300),
        ],
    ):
        code, _, err = run_cli(capsys, *args)
        assert code == 0, (args, err)
    return cid


def test_vessels_that_could_arrive_first_with_the_responders_etas(
    case_id: str, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "rec"
    code, text, err = run_cli(capsys, "case", "reconstruct", case_id, "--out", str(out))
    assert code == 0, err
    assert f"attached to case {case_id} (reconstruction)" in text
    rec = json.loads((out / f"reconstruction-{case_id}.json").read_text("utf-8"))
    by_name = {v["name"]: v for v in rec["vessels"]}
    # the ETAs are the responders computation's, unchanged
    for v in RESPONDERS["result"]["vessels"]:
        assert (by_name[v["name"]]["eta_p50_h"], by_name[v["name"]]["eta_p90_h"]) == (
            v["eta_p50_h"],
            v["eta_p90_h"],
        )
    # cloud at +60 min; outcome at +300 min
    assert by_name["ALPHA"]["arrival_p50"] == _iso(60 + 90)
    assert by_name["ALPHA"]["arrival_p90"] == _iso(60 + 135)
    assert by_name["ALPHA"]["before_outcome"] == "yes (90 %)"
    assert by_name["CHARLIE"]["before_outcome"] == "yes (50 %)"  # P50 +270 min, no P90
    assert by_name["BRAVO"]["before_outcome"] == "no"  # P50 at +420 min
    assert by_name["DELTA"]["before_outcome"] == "unreachable"
    assert [v["name"] for v in rec["vessels"]] == ["ALPHA", "CHARLIE", "BRAVO", "DELTA"]

    answers = {a["counterpart"]: a for a in rec["answers"]}
    assert answers["RCC Malta"]["delay_min"] == 45.0
    assert answers["MRCC Rome"]["answered_at"] is None
    rccs = {r["srr_id"]: r for r in rec["rccs"]}
    assert rccs["MT"]["first_known"] == _iso(10) and rccs["MT"]["answer_delay_min"] == 45.0
    assert rccs["IT"]["first_known"] == _iso(12) and rccs["IT"]["answered_at"] is None
    assert rccs["LY"]["responsible"] and rccs["LY"]["first_known"] is None  # never contacted

    assert rec["drift"], "the drift run's cloud over time"
    last = rec["drift"][-1]
    assert last["hours"] == 6 and abs(sum(last["srr_share"].values()) - 1.0) < 0.01
    assert any(it["kind"] == "drift" for it in rec["timeline"])

    page = (out / f"reconstruction-{case_id}.html").read_text("utf-8")
    assert "ALPHA" in page and "yes (90 %)" in page and "no answer recorded" in page


def test_the_reconstruction_is_attached_and_in_the_bundle(
    case_id: str, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "rec"
    code, _, err = run_cli(capsys, "case", "reconstruct", case_id, "--out", str(out))
    assert code == 0, err
    code, text, err = run_cli(capsys, "case", "show", case_id, "--json")
    attachment = json.loads(text)["attachments"][-1]
    assert attachment["kind"] == "reconstruction"
    record = attachment["record"]
    for kind in ("html", "pdf", "json"):
        meta = record["output_files"][kind]
        assert meta["sha256"] == hashlib.sha256((out / meta["file"]).read_bytes()).hexdigest()
    assert record["result"]["vessels"][0]["name"] == "ALPHA"
    bundle = tmp_path / "case.zip"
    code, _, err = run_cli(capsys, "case", "export", case_id, "--out", str(bundle))
    assert code == 0, err
    with zipfile.ZipFile(bundle) as zf:
        names = [n for n in zf.namelist() if n.endswith("-reconstruction.json")]
        assert len(names) == 1
        stored = json.loads(zf.read(names[0]))
    assert stored["record"]["request"]["head_seq"] == record["result"]["head_seq"]
    code, text, _ = run_cli(capsys, "bundle", "verify", str(bundle))
    assert code == 0, text


def test_api_attaches_the_same_reconstruction(
    case_id: str, home: Path, tmp_path: Path, capsys
) -> None:
    from fastapi.testclient import TestClient

    from sarwatch.services.users import add_user
    from sarwatch.settings import load_settings
    from sarwatch.web.app import create_app
    from sarwatch.web.station import station_of

    out = tmp_path / "cli"
    code, _, err = run_cli(capsys, "case", "reconstruct", case_id, "--out", str(out), "--no-attach")
    assert code == 0, err
    app = create_app(load_settings(home_dir=home))
    with TestClient(app) as client:
        _, coord = add_user(station_of(app).store, "ana", "coordinator")
        r = client.post(
            f"/api/cases/{case_id}/reconstruction", headers={"Authorization": f"Bearer {coord}"}
        )
        assert r.status_code == 201, r.text
        record = r.json()["record"]
    # built from the same ledger head as the CLI's files: the same bytes
    for kind in ("html", "pdf", "json"):
        meta = record["output_files"][kind]
        assert meta["sha256"] == hashlib.sha256((out / meta["file"]).read_bytes()).hexdigest()
