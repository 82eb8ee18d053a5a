"""The reconstruction of the demo case (Open Arms, 15 March 2018): its sourced timeline,
when each RCC knew, rendered as HTML and PDF, the same bytes from the same ledger."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from _cases_helpers import make_service
from _cli import run_cli
from sarwatch.adapters.store import MemoryStore
from sarwatch.services.demo import load_demo
from sarwatch.services.reconstruction import rcc_of, reconstruct, write_reconstruction

ECRE = "https://ecre.org/ngo-rescue-boat-is-held-by-italian-authorities"


@pytest.fixture(scope="module")
def demo():
    service = make_service(MemoryStore())
    case = load_demo(service)
    assert case is not None
    return service, case.case_id


def test_each_rcc_and_when_it_knew(demo) -> None:
    service, case_id = demo
    rec = reconstruct(service, case_id)
    rccs = {r.srr_id: r for r in rec.rccs}
    # the positions (12.9-12.95°E, 33.9-33.95°N) lie in the Libyan SRR only
    assert rccs["LY"].responsible and not rccs["IT"].responsible
    # MRCC Rome's general call at 06:05, five minutes after the 06:00 alert
    assert (rccs["IT"].first_known, rccs["IT"].minutes_after_alert) == ("2018-03-15T06:05:00Z", 5.0)
    # the first Libyan contact: the patrol boat on VHF at 10:00, four hours after the alert
    assert (rccs["LY"].first_known, rccs["LY"].minutes_after_alert) == (
        "2018-03-15T10:00:00Z",
        240.0,
    )
    assert "Libyan coast guard patrol boat" in rccs["LY"].first_known_how
    assert rec.answers == ()  # no outgoing contact is recorded in the demo
    assert rec.vessels == () and rec.drift == ()
    assert rec.verified and rec.head_seq == len(service.events(case_id))


def test_the_timeline_is_in_time_order_with_its_sources(demo) -> None:
    service, case_id = demo
    rec = reconstruct(service, case_id)
    times = [it.time for it in rec.timeline]
    assert times == sorted(times)
    first = rec.timeline[0]
    assert (first.kind, first.time) == ("alert", "2018-03-15T06:00:00Z")
    assert first.source is not None and "ECRE" in first.source
    refusal = next(it for it in rec.timeline if "not a place of safety" in it.text)
    assert refusal.kind == "decision" and refusal.time == "2018-03-15T10:10:00Z"
    assert refusal.source is not None and refusal.source.startswith(ECRE)
    outcome = next(it for it in rec.timeline if it.kind == "outcome")
    assert outcome.time == "2018-03-15T11:00:00Z"
    assert "rescued by Open Arms" in outcome.text and "Pozzallo" in outcome.text
    positions = [it for it in rec.timeline if it.kind == "position"]
    assert len(positions) == 2 and all("in SAR region LY" in it.text for it in positions)
    # every line names its ledger event, whose hash it carries
    hashes = {e.seq: e.hash for e in service.events(case_id)}
    assert all(hashes[it.seq] == it.hash for it in rec.timeline)


def test_html_and_pdf_are_self_contained_and_reproducible(demo, tmp_path: Path) -> None:
    service, case_id = demo
    rec = reconstruct(service, case_id)
    files = write_reconstruction(rec, tmp_path / "a")
    assert set(files) == {"html", "pdf", "json"}
    page = files["html"].read_text("utf-8")
    for fact in (
        "1. When did each RCC know?",
        "2018-03-15 06:05",
        "5 min",
        "4.0 h (240 min)",
        "Libya is not a place of safety",
        "Pozzallo",
        rec.head_hash,
        "<svg",
    ):
        assert fact in page, fact
    assert "<script" not in page and "<link" not in page and 'src="http' not in page
    pdf = files["pdf"].read_bytes()
    assert pdf.startswith(b"%PDF") and b"Reconstruction of case 2018-03-15-LY-001" in pdf
    again = write_reconstruction(reconstruct(service, case_id), tmp_path / "b")
    for kind, path in files.items():
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert hashlib.sha256(again[kind].read_bytes()).hexdigest() == digest, kind


@pytest.mark.parametrize(
    ("counterpart", "srr"),
    [
        ("MRCC Rome", "IT"),
        ("IMRCC", "IT"),
        ("RCC Malta", "MT"),
        ("Armed Forces of Malta", "MT"),
        ("JRCC Tripoli", "LY"),
        ("MRCC Tunis", "TN"),
        ("Sea-Watch 3", None),
        ("Alarm Phone", None),
    ],
)
def test_rcc_names(counterpart: str, srr: str | None) -> None:
    assert rcc_of(counterpart) == srr


def test_cli_on_the_closed_demo_writes_and_attaches_after_closing(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sarwatch.services.container import Station
    from sarwatch.settings import load_settings

    station = Station(load_settings())
    load_demo(station.cases)
    station.close()
    out = tmp_path / "out"
    code, text, err = run_cli(capsys, "case", "reconstruct", "2018-03-15-LY-001", "--out", str(out))
    assert code == 0, err
    assert "knew 2018-03-15T06:05:00Z (5 min after the alert)" in text
    # a closed case takes a reconstruction (a record about it, changing none of its facts)
    assert "attached to case 2018-03-15-LY-001 (reconstruction)" in text
    assert (out / "reconstruction-2018-03-15-LY-001.html").is_file()
    station = Station(load_settings())
    case = station.cases.get("2018-03-15-LY-001")
    station.close()
    assert case.status.value == "closed"
    assert [a["kind"] for a in case.attachments][-1] == "reconstruction"
    code, _, err = run_cli(capsys, "case", "reconstruct", "2018-03-15-LY-009", "--out", str(out))
    assert code != 0 and "2018-03-15-LY-009" in err and "Traceback" not in err


def test_api_reconstruction_for_observers_and_attach_for_coordinators(home: Path) -> None:
    from fastapi.testclient import TestClient

    from sarwatch.services.users import add_user
    from sarwatch.settings import load_settings
    from sarwatch.web.app import create_app
    from sarwatch.web.station import station_of

    app = create_app(load_settings(home_dir=home))
    with TestClient(app) as client:
        station = station_of(app)
        load_demo(station.cases, only_if_empty=False)
        _, coord = add_user(station.store, "ana", "coordinator")
        _, obs = add_user(station.store, "olu", "observer")
        cid = "2018-03-15-LY-001"
        assert client.get(f"/api/cases/{cid}/reconstruction").status_code == 401
        r = client.get(
            f"/api/cases/{cid}/reconstruction", headers={"Authorization": f"Bearer {obs}"}
        )
        assert r.status_code == 200, r.text
        rccs = {x["srr_id"]: x for x in r.json()["rccs"]}
        assert rccs["IT"]["first_known"] == "2018-03-15T06:05:00Z"
        page = client.get(
            f"/api/cases/{cid}/reconstruction.html", headers={"Authorization": f"Bearer {obs}"}
        )
        assert page.status_code == 200 and "1. When did each RCC know?" in page.text
        # the demo case is closed, and still takes its reconstruction (nothing else)
        attached = client.post(
            f"/api/cases/{cid}/reconstruction", headers={"Authorization": f"Bearer {coord}"}
        )
        assert attached.status_code == 201, attached.text
        assert attached.json()["kind"] == "reconstruction"
        refused = client.post(
            f"/api/cases/{cid}/contacts",
            headers={"Authorization": f"Bearer {coord}"},
            json={"time": "2018-03-16T10:00:00Z", "counterpart": "IT MRCC", "channel": "phone",
                  "direction": "outgoing", "summary": "late call"},
        )  # fmt: skip
        assert refused.status_code == 409 and "closed" in refused.text
        forbidden = client.post(
            f"/api/cases/{cid}/reconstruction", headers={"Authorization": f"Bearer {obs}"}
        )
        assert forbidden.status_code == 403


def test_recorded_text_is_escaped_in_the_page(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from sarwatch.domain import Contact, PositionReport, Source

    t0 = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
    service = make_service(MemoryStore())
    evil = '<img src=x onerror="alert(1)">'
    pos = PositionReport(t0, 12.5, 33.2, "gps", Source(f"{evil} phone", 2))
    cid = service.open_case(title=f"{evil} boat", alert_time=t0, actor="a", position=pos).case_id
    service.log_contact(cid, Contact(t0, "phone", f"RCC Malta {evil}", f"</td>{evil}"), actor="a")
    page = write_reconstruction(reconstruct(service, cid), tmp_path, pdf=False)["html"]
    text = page.read_text("utf-8")
    assert evil not in text and "&lt;img src=x onerror=" in text


def test_a_closed_case_takes_a_reconstruction_and_no_other_attachment() -> None:
    from datetime import UTC, datetime

    from sarwatch.domain.events import apply
    from sarwatch.errors import ConflictError

    t = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
    case = apply(
        None,
        "case_opened",
        {"case_id": "2026-11-20-LY-001", "alert_time": "2026-11-20T04:00:00Z", "region": "LY"},
        t,
    )
    for to in ("active", "lost", "closed"):
        case = apply(case, "status_changed", {"from": case.status.value, "to": to}, t)
    assert case.status.value == "closed"
    later = apply(case, "attachment_added", {"kind": "reconstruction", "record": {"x": 1}}, t)
    assert later.status.value == "closed" and later.attachments[-1]["kind"] == "reconstruction"
    with pytest.raises(ConflictError, match="closed"):
        apply(case, "attachment_added", {"kind": "drift_run", "record": {"x": 1}}, t)
