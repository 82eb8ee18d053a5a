"""The CLI end to end: case open/report/contact/outcome/show/list/export, ledger verify,
user add, bundle verify, and the demo case."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from _cli import open_case, run_cli


def test_cli_case_lifecycle_export_and_verify(home: Path, tmp_path: Path, capsys) -> None:
    code, out, _ = run_cli(
        capsys,
        "case",
        "open",
        "--title",
        "rubber boat, 80 people",
        "--lon",
        "12.5",
        "--lat",
        "33.2",
        "--time",
        "2018-03-15T04:10:00Z",
        "--source",
        "Alarm Phone",
        "--quality",
        "3",
        "--people",
        "80",
    )
    assert code == 0 and out.startswith("2018-03-15-LY-001 (alert)")
    cid = "2018-03-15-LY-001"
    assert run_cli(capsys, "case", "status", cid, "active")[0] == 0
    code, _, err = run_cli(
        capsys,
        "case",
        "report",
        cid,
        "--lon",
        "12.5",
        "--lat",
        "95",
        "--time",
        "2018-03-15T05:00:00Z",
    )
    # (a position on land is recorded and flagged now: tests/test_cli_case.py; one outside
    # the packaged regions too: tests/test_cli_case_coordinates.py)
    assert code == 2 and "latitude must lie between -90 and 90" in err
    code, _, err = run_cli(capsys, "case", "status", cid, "closed")
    assert code == 2 and "cannot become 'closed'" in err
    assert (
        run_cli(
            capsys,
            "case",
            "report",
            cid,
            "--lon",
            "12.6",
            "--lat",
            "33.4",
            "--time",
            "2018-03-15T06:00:00Z",
            "--kind",
            "aircraft",
            "--source",
            "Seabird",
        )[0]
        == 0
    )
    assert (
        run_cli(
            capsys,
            "case",
            "contact",
            cid,
            "--counterpart",
            "MRCC Rome",
            "--summary",
            "informed",
            "--time",
            "2018-03-15T04:20:00Z",
        )[0]
        == 0
    )
    assert run_cli(capsys, "case", "status", cid, "located")[0] == 0
    code, out, _ = run_cli(
        capsys,
        "case",
        "outcome",
        cid,
        "rescued",
        "--by",
        "Open Arms",
        "--taken-to",
        "Pozzallo",
        "--survivors",
        "80",
        "--time",
        "2018-03-15T09:00:00Z",
    )
    assert code == 0 and "(rescued)" in out
    code, out, _ = run_cli(capsys, "case", "list")
    assert code == 0 and cid in out and "rescued" in out
    code, out, _ = run_cli(capsys, "case", "show", cid, "--json")
    assert code == 0 and '"survivors": 80' in out
    code, out, _ = run_cli(capsys, "case", "show", cid)
    # The timeline reads as sentences, positions as sailors write them.
    assert code == 0 and "33°12.00'N" in out and "012°30.00'E" in out
    code, out, _ = run_cli(capsys, "ledger", "verify")
    assert code == 0 and "ledger OK: 1 case(s), 7 events" in out
    bundle = tmp_path / "case.zip"
    assert run_cli(capsys, "case", "export", cid, "--out", str(bundle))[0] == 0
    code, out, _ = run_cli(capsys, "ledger", "key")
    key_id = out.split()[2]
    code, out, _ = run_cli(capsys, "bundle", "verify", str(bundle), "--key-id", key_id)
    assert code == 0 and "bundle intact" in out
    code, _, err = run_cli(capsys, "bundle", "verify", str(bundle), "--key-id", "0" * 16)
    assert code == 3 and "not the expected station key" in err
    # tamper with the store: ledger verify names it and exits 3
    import sqlite3

    with sqlite3.connect(home / "sarwatch.db") as db:
        db.execute("DELETE FROM events WHERE seq = 3")
    code, out, err = run_cli(capsys, "ledger", "verify", cid)
    assert code == 3 and "event #3 is missing: deleted" in out


def test_cli_bundle_verify_names_tampering(home: Path, tmp_path: Path, capsys) -> None:
    open_case(capsys)
    bundle = tmp_path / "case.zip"
    run_cli(capsys, "case", "export", "2018-03-15-LY-001", "--out", str(bundle))
    tampered = tmp_path / "t.zip"
    with zipfile.ZipFile(bundle) as zin, zipfile.ZipFile(tampered, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "ledger.jsonl":
                data = data.replace(b'"lat":33.2', b'"lat":34.2')
            zout.writestr(name, data)
    code, _, err = run_cli(capsys, "bundle", "verify", str(tampered))
    assert code == 3
    assert "edited: event #2" in err


def test_cli_user_add_prints_the_token_once(home: Path, capsys) -> None:
    code, out, _ = run_cli(capsys, "user", "add", "ana", "--role", "coordinator")
    token = out.strip().splitlines()[-1]
    assert code == 0 and token.startswith("sw_")
    code, out, _ = run_cli(capsys, "user", "list")
    assert "ana\tcoordinator" in out and token not in out
    assert token not in (home / "sarwatch.db").read_bytes().decode("latin-1")
    code, _, err = run_cli(capsys, "user", "add", "bob", "--role", "admin")
    assert code == 2 and "coordinator, observer" in err


def test_demo_case_is_the_open_arms_rescue_and_verifies(home: Path, tmp_path: Path) -> None:
    from sarwatch.services.container import Station
    from sarwatch.services.demo import demo_story, load_demo
    from sarwatch.services.evidence import build_bundle, verify_bundle
    from sarwatch.settings import load_settings

    service = Station(load_settings()).cases
    case = load_demo(service)
    assert case is not None and load_demo(service) is None  # only into an empty store
    assert case.case_id == "2018-03-15-LY-001" and case.status.value == "closed"
    assert case.outcome is not None and case.outcome.taken_to.startswith("Pozzallo")
    assert case.people.total == 218
    assert all("APPROXIMATE" in p.note and p.uncertainty_nm >= 10 for p in case.positions)
    story = demo_story()
    assert all(s["url"].startswith("http") for s in story["sources"].values())
    assert service.verify(case.case_id).ok
    report = verify_bundle(build_bundle(service, case.case_id, tmp_path / "demo.zip").path)
    assert report.ok, report.summary()


def test_a_lost_station_key_is_refused_not_silently_replaced(home: Path, capsys) -> None:
    """A new key over signed records would make every old signature look forged."""
    cid = open_case(capsys)
    key = next((home / "keys").glob("*.pem"))
    key.rename(home / "elsewhere.pem")
    code, _, err = run_cli(capsys, "case", "contact", cid, "--counterpart", "x", "--summary", "y")
    assert code == 3 and "is missing" in err and "Restore the key" in err
    assert not key.exists()  # nothing was created behind the user's back
    (home / "elsewhere.pem").rename(key)
    code, out, _ = run_cli(capsys, "ledger", "verify")
    assert code == 0 and "ledger OK: 1 case(s), 2 events" in out


def test_a_report_outside_the_covered_area_is_recorded_with_a_note(home: Path, capsys) -> None:
    """Was refused ("outside the area this station's ... data cover"): drift and assess
    work anywhere, so the position is recorded, with a note on what the station lacks."""
    cid = open_case(capsys)
    code, _, err = run_cli(
        capsys, "case", "report", cid, "--lon", "-30.5", "--lat", "40.5",
        "--time", "2018-03-15T05:00:00Z",
    )  # fmt: skip
    err = " ".join(err.split())
    assert code == 0, err
    assert "40°30.00'N 030°30.00'W lies outside the packaged regions" in err
    assert "no SAR-region, RCC or port data there" in err
    code, out, _ = run_cli(capsys, "ledger", "verify")
    assert code == 0 and "3 events" in out


def test_case_show_warns_when_the_ledger_was_altered(home: Path, capsys) -> None:
    import sqlite3

    cid = open_case(capsys)
    code, _, err = run_cli(capsys, "case", "show", cid)
    assert code == 0 and "warning" not in err
    with sqlite3.connect(home / "sarwatch.db") as conn:
        conn.execute("UPDATE events SET actor='mallory' WHERE seq=2")
    code, out, err = run_cli(capsys, "case", "show", cid)
    assert code == 0 and "mallory" in out  # the record is still shown...
    assert "does not verify" in err and "edited" in err  # ...but never silently


def test_drift_refuses_absurd_particle_counts(home: Path, capsys) -> None:
    code, _, err = run_cli(
        capsys, "drift", "--lat", "33.2", "--lon", "12.5", "--time", "2026-11-20T04:10Z",
        "--wind-kn", "10", "--wind-from", "0", "--particles", "100000000", "--quiet",
    )  # fmt: skip
    assert code == 2 and "more than this station runs at once" in err


def test_ledger_verify_names_a_whole_case_deleted_and_adopt_upgrades(home: Path, capsys) -> None:
    import sqlite3

    first, second = open_case(capsys), open_case(capsys)
    code, out, _ = run_cli(capsys, "ledger", "verify")
    assert code == 0 and "station register: 2 case(s), intact" in out
    with sqlite3.connect(home / "sarwatch.db") as conn:  # sqlite3's foreign keys are off
        conn.execute("DELETE FROM events WHERE case_id=?", (second,))
        conn.execute("DELETE FROM cases WHERE case_id=?", (second,))
    code, out, err = run_cli(capsys, "ledger", "verify")
    assert code == 3
    assert f"case {second}" in out and "whole case was deleted" in out
    assert "station register shows 1 problem" in err
    # Emptying the register to hide the deletion does not work: adopt refuses.
    with sqlite3.connect(home / "sarwatch.db") as conn:
        conn.execute("DELETE FROM register")
        conn.execute("DELETE FROM register_head")
    code, out, _ = run_cli(capsys, "ledger", "verify")
    assert code == 3 and f"case {first} is in the store but not in the station register" in out
    assert "ledger adopt" not in out
    code, _, err = run_cli(capsys, "ledger", "adopt")
    assert code == 3 and "opened after the station register began" in err
    # A store from before the register (here: the register began after the case).
    with sqlite3.connect(home / "sarwatch.db") as conn:
        conn.execute("UPDATE station_meta SET value='2999-01-01T00:00:00Z'")
    code, out, _ = run_cli(capsys, "ledger", "verify")
    assert code == 3 and "run 'sarwatch ledger adopt' once" in out
    code, out, _ = run_cli(capsys, "ledger", "adopt")
    assert code == 0 and f"registered 1 case(s): {first}" in out
    code, out, _ = run_cli(capsys, "ledger", "verify")
    assert code == 0 and "ledger OK: 1 case(s)" in out


def test_ledger_verify_with_an_anchor_finds_a_rollback(home: Path, tmp_path: Path, capsys) -> None:
    """A whole database put back to an earlier copy verifies on its own; an anchor catches it."""
    import sqlite3

    first = open_case(capsys)
    snapshot = tmp_path / "snapshot.db"
    with sqlite3.connect(home / "sarwatch.db") as live, sqlite3.connect(snapshot) as copy:
        live.backup(copy)  # the state someone keeps, to roll back to later
    code, _, err = run_cli(
        capsys, "case", "contact", first, "--counterpart", "MRCC Rome", "--channel", "phone",
        "--summary", "distress relayed", "--time", "2018-03-15T05:00:00Z",
    )  # fmt: skip
    assert code == 0, err
    open_case(capsys)
    bundle = tmp_path / "case.zip"
    assert run_cli(capsys, "case", "export", first, "--out", str(bundle))[0] == 0
    code, out, _ = run_cli(capsys, "ledger", "verify", "--anchor", str(bundle))
    assert code == 0 and "anchors: 1 held unchanged" in out
    head_line = next(line for line in out.splitlines() if "station register:" in line)
    printed = head_line.split("head #")[1].replace(" ", ":")  # "2:<hash>"
    with sqlite3.connect(snapshot) as copy, sqlite3.connect(home / "sarwatch.db") as live:
        copy.backup(live)  # the rollback: every signature in it is genuine
    code, out, _ = run_cli(capsys, "ledger", "verify")
    assert code == 0  # self-consistent: signatures alone cannot see it
    code, out, err = run_cli(capsys, "ledger", "verify", "--anchor", str(bundle))
    assert code == 3 and "2 anchored head(s) not found unchanged" in err
    assert "register entry #2, recorded in case.zip, is missing" in out
    assert f"event #3 of case {first}, recorded in case.zip, is missing" in out
    code, out, _ = run_cli(capsys, "ledger", "verify", "--anchor", printed)
    assert code == 3 and "register entry #2" in out
    code, _, err = run_cli(capsys, "ledger", "verify", "--anchor", "2:abc")
    assert code == 2 and "give SEQ:HASH" in err


def test_serve_warns_at_start_about_altered_events(home: Path, capsys) -> None:
    """The register is checked before serving, every chain by a thread just after."""
    import socket
    import sqlite3
    import subprocess
    import sys
    import time

    cid = open_case(capsys)
    with sqlite3.connect(home / "sarwatch.db") as conn:
        conn.execute("UPDATE events SET actor='mallory' WHERE seq=2")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sarwatch", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        lines = []
        while time.monotonic() < deadline:
            line = proc.stderr.readline() if proc.stderr else ""
            lines.append(line)
            if "fail verification" in line or (not line and proc.poll() is not None):
                break
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert any(f"1 case(s) fail verification: {cid}" in line for line in lines), lines


def test_a_mistyped_database_url_does_not_start_a_new_store(
    home: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    missing = tmp_path / "no-such-dir"
    monkeypatch.setenv("SARWATCH_DATABASE_URL", f"sqlite:///{missing}/sarwatch.db")
    for args in (("case", "list"), ("user", "list")):
        code, _, err = run_cli(capsys, *args)
        assert code == 2 and f"the directory {missing} of the case store" in err
    assert not missing.exists()  # nothing was created
    # the default store, under the home, is still created on first use
    monkeypatch.delenv("SARWATCH_DATABASE_URL")
    assert run_cli(capsys, "case", "list")[0] == 0 and (home / "sarwatch.db").exists()


def test_bundle_verify_of_a_path_that_is_not_a_bundle_says_what_to_give(
    home: Path, tmp_path: Path, capsys
) -> None:
    """Was "[Errno 2] No such file or directory: ..." (Python's words, no way out)."""
    code, _, err = run_cli(capsys, "bundle", "verify", str(tmp_path / "missing.zip"))
    err = " ".join(err.split())
    assert code == 2 and "Errno" not in err
    assert f"there is no file {tmp_path / 'missing.zip'}" in err
    assert "sarwatch case export CASE_ID --out case.zip" in err
    (tmp_path / "case.zip").write_bytes(b"PK")
    code, _, err = run_cli(capsys, "bundle", "verify", str(tmp_path))
    err = " ".join(err.split())
    assert code == 2 and "Errno" not in err
    assert f"{tmp_path} is a directory, not a bundle (zip files in it: case.zip)" in err
    text = tmp_path / "notes.txt"
    text.write_text("not a zip", encoding="utf-8")
    code, _, err = run_cli(capsys, "bundle", "verify", str(text))
    assert code == 2 and "is not a zip file, so not a bundle" in " ".join(err.split())
    if os.name == "posix" and os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.zip"
        locked.write_bytes(b"PK")
        locked.chmod(0)
        code, _, err = run_cli(capsys, "bundle", "verify", str(locked))
        err = " ".join(err.split())
        assert code == 2 and "cannot be read (permission denied)" in err and "Errno" not in err


def test_an_unreadable_bundle_says_so_without_errno(tmp_path: Path, monkeypatch) -> None:
    """The permission branch, also where the tests run as root (who reads any file)."""
    import pytest

    from sarwatch.errors import InputError
    from sarwatch.services import evidence

    locked = tmp_path / "locked.zip"
    locked.write_bytes(b"PK")

    def refuse(path: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(evidence.zipfile, "ZipFile", refuse)
    with pytest.raises(InputError) as info:
        evidence.verify_bundle(locked)
    assert "cannot be read (permission denied)" in str(info.value)
    assert "Errno" not in str(info.value)
