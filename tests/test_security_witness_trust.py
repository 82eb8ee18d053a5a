"""A witness accepts checkpoints only from the station keys its operator trusts (the
allow-list, by default); trust on first use only when set so. Every trust decision is
kept in ``witness/trust.jsonl`` with how and when."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from _cases_helpers import make_service, open_case
from _cli import run_cli
from sarwatch.adapters.store import MemoryStore
from sarwatch.ledger import Signer, public_key_pem
from sarwatch.ledger.keys import key_fingerprint
from sarwatch.services.cases import CaseService
from sarwatch.services.checkpoints import publish_checkpoint
from sarwatch.services.witness_trust import TrustList
from sarwatch.settings import Settings
from sarwatch.web.app import create_app


def _witness(home: Path, **settings: Any) -> TestClient:
    url = f"sqlite:///{home / 'w.db'}"
    return TestClient(create_app(Settings(home_dir=home, database_url=url, **settings)))


@pytest.fixture
def witness_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The witness's home, also the home of the ``sarwatch`` commands run in a test."""
    home = tmp_path / "witness"
    home.mkdir()
    monkeypatch.setenv("SARWATCH_HOME_DIR", str(home))
    monkeypatch.setenv("SARWATCH_DATABASE_URL", f"sqlite:///{home / 'w.db'}")
    return home


@pytest.fixture
def station() -> CaseService:
    service = make_service(MemoryStore())
    open_case(service)
    return service


def _body(station: CaseService, tmp_path: Path) -> dict[str, Any]:
    made = publish_checkpoint(station.store, station.signer, tmp_path / "station")
    return {
        "checkpoint": made.to_json(),
        "public_key_pem": public_key_pem(station.signer.public_key),
        "proofs": {},
    }


def _trust_log(home: Path) -> list[dict[str, Any]]:
    path = home / "witness" / "trust.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_an_unknown_key_is_refused_with_its_fingerprint_and_how_to_trust_it(
    witness_home: Path, station: CaseService, tmp_path: Path
) -> None:
    fingerprint = key_fingerprint(station.signer.public_key)
    with _witness(witness_home) as client:
        r = client.post("/api/witness/checkpoints", json=_body(station, tmp_path))
    assert r.status_code == 403, r.text
    detail = r.json()["detail"]
    assert f"station key {station.signer.key_id} (SHA-256 fingerprint {fingerprint})" in detail
    assert "it witnesses only the stations its operator has trusted" in detail
    assert detail.endswith(f"runs on the witness: sarwatch witness trust {fingerprint}")
    kept = witness_home / "witness"
    assert not kept.exists() or not any(kept.iterdir())  # nothing kept for an unknown key


def test_a_key_trusted_by_the_operator_is_accepted_and_the_trust_recorded(
    witness_home: Path, station: CaseService, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fingerprint = key_fingerprint(station.signer.public_key)
    spaced = "SHA256:" + " ".join(fingerprint[i : i + 4].upper() for i in range(0, 64, 4))
    code, out, err = run_cli(capsys, "witness", "trust", spaced, "--note", "Sea-Watch, by phone")
    assert code == 0, err
    assert f"trusted station key {station.signer.key_id} (SHA-256 fingerprint {fingerprint})" in out
    with _witness(witness_home) as client:
        r = client.post("/api/witness/checkpoints", json=_body(station, tmp_path))
    assert r.status_code == 200, r.text
    trusted, pinned = _trust_log(witness_home)
    assert trusted["event"] == "trusted" and trusted["how"] == "operator"
    assert trusted["fingerprint"] == fingerprint and trusted["note"] == "Sea-Watch, by phone"
    assert pinned["event"] == "pinned" and pinned["how"] == "operator"
    assert pinned["key_id"] == station.signer.key_id
    assert pinned["at"] >= trusted["at"] and pinned["at"].endswith("Z")
    code, out, _ = run_cli(capsys, "witness", "list")
    assert code == 0
    assert "trust: allow-list" in out
    assert f"{fingerprint}  trusted {trusted['at']}  (Sea-Watch, by phone)" in out
    assert f"held: {station.signer.key_id}  1 checkpoint(s)" in out and "trusted (operator)" in out

    # trusting it again keeps the first decision; withdrawing it refuses what comes next
    assert run_cli(capsys, "witness", "trust", fingerprint)[0] == 0
    assert len(_trust_log(witness_home)) == 2
    code, out, err = run_cli(capsys, "witness", "untrust", fingerprint, "--note", "key leaked")
    assert code == 0, err
    open_case(station)
    with _witness(witness_home) as client:
        r = client.post("/api/witness/checkpoints", json=_body(station, tmp_path))
    assert r.status_code == 403
    log = witness_home / "witness" / f"{station.signer.key_id}.jsonl"
    assert len(log.read_text().splitlines()) == 1  # the one kept stays
    assert _trust_log(witness_home)[-1]["event"] == "untrusted"


def test_a_key_in_the_setting_is_accepted(
    witness_home: Path, station: CaseService, tmp_path: Path
) -> None:
    fingerprint = key_fingerprint(station.signer.public_key)
    other = "ab" * 32
    with _witness(witness_home, witness_keys=f"{other}, {fingerprint}") as client:
        r = client.post("/api/witness/checkpoints", json=_body(station, tmp_path))
    assert r.status_code == 200, r.text
    (pinned,) = _trust_log(witness_home)
    assert (pinned["event"], pinned["how"], pinned["fingerprint"]) == (
        "pinned",
        "setting",
        fingerprint,
    )


def test_a_bad_setting_says_which_entry_and_what_to_give_when_the_server_starts(
    witness_home: Path, station: CaseService, tmp_path: Path
) -> None:
    """The operator hears of it at start; a submitting station never sees the setting."""
    from sarwatch.errors import InputError

    with pytest.raises(InputError) as refused:
        _witness(witness_home, witness_keys="34750f98bd59fcfc")
    assert str(refused.value) == (
        "SARWATCH_WITNESS_KEYS entry '34750f98bd59fcfc' is a key id (16 hex), too short to "
        "pin: give the 64 hex characters of the station key's SHA-256 fingerprint, which "
        "'sarwatch ledger key' prints on the station"
    )


def test_trust_on_first_use_only_when_set_and_recorded(
    witness_home: Path, station: CaseService, tmp_path: Path
) -> None:
    with _witness(witness_home, witness_trust="first-use") as client:
        r = client.post("/api/witness/checkpoints", json=_body(station, tmp_path))
        assert r.status_code == 200, r.text
        open_case(station)
        again = client.post("/api/witness/checkpoints", json=_body(station, tmp_path))
        assert again.status_code == 200, again.text
    (pinned,) = _trust_log(witness_home)  # one decision: when the key was first seen
    assert (pinned["event"], pinned["how"]) == ("pinned", "first-use")
    assert pinned["fingerprint"] == key_fingerprint(station.signer.public_key)


def test_keys_pinned_before_the_allow_list_must_be_trusted(
    witness_home: Path, station: CaseService, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A witness upgraded from trust on first use holds stations it never chose: in
    allow-list mode their next checkpoints are refused until trusted, and ``witness
    list`` names them with the command."""
    with _witness(witness_home, witness_trust="first-use") as client:
        assert client.post("/api/witness/checkpoints", json=_body(station, tmp_path)).is_success
    (witness_home / "witness" / "trust.jsonl").unlink()  # as before this record existed
    fingerprint = key_fingerprint(station.signer.public_key)
    code, out, _ = run_cli(capsys, "witness", "list")
    assert code == 0
    assert f"held: {station.signer.key_id}  1 checkpoint(s)" in out
    assert (
        f"NOT trusted: its next checkpoints are refused (sarwatch witness trust {fingerprint})"
        in out
    )
    open_case(station)
    with _witness(witness_home) as client:
        assert (
            client.post("/api/witness/checkpoints", json=_body(station, tmp_path)).status_code
            == 403
        )
        assert run_cli(capsys, "witness", "trust", fingerprint)[0] == 0
        assert client.post("/api/witness/checkpoints", json=_body(station, tmp_path)).is_success


def test_the_station_prints_the_fingerprint_a_witness_pins(
    witness_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sarwatch.ledger.keys import load_or_create_signer

    code, out, err = run_cli(capsys, "ledger", "key")
    assert code == 0, err
    fingerprint = key_fingerprint(load_or_create_signer(witness_home).public_key)
    assert f"fingerprint (SHA-256): {fingerprint}\n" in out
    pem = witness_home / "station.pem"
    pem.write_text(out[out.index("-----BEGIN") :])
    code, out, err = run_cli(capsys, "witness", "trust", str(pem))  # the key file works too
    assert code == 0, err
    assert f"(SHA-256 fingerprint {fingerprint})" in out


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("34750f98bd59fcfc", "is a key id (16 hex), too short to pin: give the 64 hex"),
        ("not-a-key", "'not-a-key': give the 64 hex characters of the station key's SHA-256"),
        ("ab" * 31, "give the 64 hex characters"),
    ],
)
def test_a_bad_key_to_trust_says_what_to_give(
    witness_home: Path, capsys: pytest.CaptureFixture[str], key: str, message: str
) -> None:
    code, _, err = run_cli(capsys, "witness", "trust", key)
    assert code != 0
    assert message in " ".join(err.split())
    assert _trust_log(witness_home) == []


def test_a_file_without_a_key_and_an_edited_record_are_named(
    witness_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = witness_home / "notes.txt"
    notes.write_text("call Sea-Watch\n")
    code, _, err = run_cli(capsys, "witness", "trust", str(notes))
    assert code != 0 and "holds no public key: give the station's public_key.pem" in err
    assert run_cli(capsys, "witness", "trust", "ab" * 32)[0] == 0
    record = witness_home / "witness" / "trust.jsonl"
    record.write_text(record.read_text() + '{"event": "trusted"}\n')
    code, _, err = run_cli(capsys, "witness", "list")
    assert code != 0
    message = " ".join(err.split())
    assert f"line 2 of the witness trust record {record} is not a trust decision" in message
    assert "restore the file from a backup or remove that line" in message


def test_a_rotated_station_trusted_by_its_current_key_is_kept_under_its_first(
    witness_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The operator pinned the fingerprint the station reads out today (its current key);
    the signed hand-overs lead there from its first key, under which the log is kept."""
    from sarwatch.ledger import load_public_key
    from sarwatch.services.keys import rotate_station_key

    old, new, history = rotate_station_key(tmp_path / "station")
    station = make_service(MemoryStore(), new)
    open_case(station)
    body = {**_body(station, tmp_path), "keys": history.to_json()}
    origin = key_fingerprint(load_public_key(history.keys[0].public_key_pem))
    assert origin == key_fingerprint(old.public_key)
    with _witness(witness_home) as client:
        refused = client.post("/api/witness/checkpoints", json=body)
        assert refused.status_code == 403
        # the key its operator reads out with 'sarwatch ledger key' today: the current one
        current = key_fingerprint(new.public_key)
        assert refused.json()["detail"].endswith(f"sarwatch witness trust {current}")
        assert origin not in refused.json()["detail"]
        TrustList(witness_home).trust(key_fingerprint(new.public_key), at="2026-12-07T09:00:00Z")
        r = client.post("/api/witness/checkpoints", json=body)
    assert r.status_code == 200, r.text
    assert (witness_home / "witness" / f"{old.key_id}.jsonl").exists()
    pinned = _trust_log(witness_home)[-1]
    assert (pinned["event"], pinned["fingerprint"], pinned["how"]) == ("pinned", origin, "operator")
    code, out, _ = run_cli(capsys, "witness", "list")  # trusted as the witness trusts it
    assert code == 0
    latest = r.json()["checkpoint"]["time"]
    assert f"held: {old.key_id}  1 checkpoint(s), latest {latest}; trusted (operator)" in out

    # the first key leaked: withdrawing it refuses the station, though its current key
    # is still on the list
    TrustList(witness_home).untrust(origin, at="2026-12-07T10:00:00Z")
    open_case(station)
    body = {**_body(station, tmp_path), "keys": history.to_json()}
    with _witness(witness_home) as client:
        r = client.post("/api/witness/checkpoints", json=body)
    assert r.status_code == 403
    detail = r.json()["detail"]
    assert f"its operator has withdrawn trust in this station's key {origin}" in detail
    assert "witness trust" not in detail  # trusting the current key again would not help
    assert detail.endswith("sees why with: sarwatch witness list")
    code, out, _ = run_cli(capsys, "witness", "list")
    assert f"held: {old.key_id}  1 checkpoint(s)" in out
    assert f"NOT trusted: trust withdrawn from its key {origin}" in out


def _forged_history(station: CaseService, n_keys: int) -> dict[str, Any]:
    """A key history of ``n_keys`` keys ending in the station's, its hand-overs unsigned."""
    from sarwatch.ledger import Signer
    from sarwatch.ledger.keys import Handover, KeyHistory, KeyRecord

    signers = [*(Signer.generate() for _ in range(n_keys - 1)), station.signer]
    t = [f"2026-01-01T00:00:{i:02d}Z" for i in range(n_keys - 1)]
    keys = tuple(
        KeyRecord(
            s.key_id,
            public_key_pem(s.public_key),
            t[i - 1] if i else None,
            t[i] if i < n_keys - 1 else None,
        )
        for i, s in enumerate(signers)
    )
    handovers = tuple(
        Handover(a.key_id, b.key_id, t[i], "00" * 64, "00" * 64)
        for i, (a, b) in enumerate(pairwise(signers))
    )
    return KeyHistory(keys, handovers).to_json()


def test_a_strangers_key_history_is_refused_before_its_signatures_are_checked(
    witness_home: Path, station: CaseService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The route needs no token: a stranger's key history (up to 1 MiB, two signature
    checks a key) must cost the witness no signature check, only the 403."""
    from sarwatch.ledger.keys import KeyHistory

    checked: list[int] = []
    problems = KeyHistory.problems

    def counted(self: KeyHistory) -> list[str]:
        checked.append(len(self.keys))
        return problems(self)

    monkeypatch.setattr(KeyHistory, "problems", counted)
    body = {**_body(station, tmp_path), "keys": _forged_history(station, 40)}
    with _witness(witness_home) as client:
        r = client.post("/api/witness/checkpoints", json=body)
    assert r.status_code == 403, r.text
    assert "it witnesses only the stations its operator has trusted" in r.json()["detail"]
    assert checked == []
    # trusted, the same forged hand-overs are checked and refused
    TrustList(witness_home).trust(
        key_fingerprint(station.signer.public_key), at="2026-12-07T11:00:00Z"
    )
    with _witness(witness_home) as client:
        r = client.post("/api/witness/checkpoints", json=body)
    assert r.status_code == 409, r.text
    assert "hand-over #1 is not signed by the old key" in r.json()["detail"]
    assert checked == [40]


def test_a_key_history_too_long_is_refused_with_the_limit(
    witness_home: Path, station: CaseService, tmp_path: Path
) -> None:
    from sarwatch.services.witness import MAX_HISTORY_KEYS

    TrustList(witness_home).trust(
        key_fingerprint(station.signer.public_key), at="2026-12-07T11:00:00Z"
    )
    body = {**_body(station, tmp_path), "keys": _forged_history(station, MAX_HISTORY_KEYS + 1)}
    with _witness(witness_home) as client:
        r = client.post("/api/witness/checkpoints", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == (
        f"the key history sent holds {MAX_HISTORY_KEYS + 1} keys; a witness takes at most "
        f"{MAX_HISTORY_KEYS} (a key a week for five years)"
    )


def test_serve_with_workers_refuses_a_bad_setting_before_any_worker_starts(
    witness_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    monkeypatch.setenv("SARWATCH_WITNESS_KEYS", "zz")
    import socket

    with socket.socket() as probe:  # a port free now
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("SARWATCH_PORT", str(port))
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: pytest.fail("the workers started"))
    code, _, err = run_cli(capsys, "serve", "--workers", "2")
    assert code != 0
    assert "SARWATCH_WITNESS_KEYS entry 'zz': give the 64 hex characters" in " ".join(err.split())


def test_a_later_key_of_a_station_trusted_by_its_first_can_be_withdrawn(
    witness_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The witness trusts a station by its first key, and so every key its hand-overs
    lead to: when the current key leaks, withdrawing it must be possible and refuse the
    station (before, 'untrust' refused the key as 'not trusted by this witness')."""
    from sarwatch.services.keys import rotate_station_key

    old, new, history = rotate_station_key(tmp_path / "station")
    station = make_service(MemoryStore(), new)
    open_case(station)
    TrustList(witness_home).trust(key_fingerprint(old.public_key), at="2026-12-07T09:00:00Z")
    body = {**_body(station, tmp_path), "keys": history.to_json()}
    with _witness(witness_home) as client:
        assert client.post("/api/witness/checkpoints", json=body).status_code == 200
    leaked = key_fingerprint(new.public_key)
    code, out, err = run_cli(capsys, "witness", "untrust", leaked, "--note", "laptop stolen")
    assert code == 0, err
    assert f"station key {new.key_id} no longer trusted" in out and "not seen" not in out
    open_case(station)  # what the thief signs with the leaked key
    body = {**_body(station, tmp_path), "keys": history.to_json()}
    with _witness(witness_home) as client:
        r = client.post("/api/witness/checkpoints", json=body)
    assert r.status_code == 403, r.text
    assert f"withdrawn trust in this station's key {leaked}" in r.json()["detail"]
    code, out, _ = run_cli(capsys, "witness", "list")
    assert f"NOT trusted: trust withdrawn from its key {leaked}" in out


def test_a_key_never_seen_can_be_withdrawn_ahead_and_the_operator_is_told(
    witness_home: Path, station: CaseService, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unseen = key_fingerprint(station.signer.public_key)
    code, out, err = run_cli(capsys, "witness", "untrust", unseen)
    assert code == 0, err
    assert f"this witness has not seen key {unseen} yet (check the fingerprint" in out
    assert run_cli(capsys, "witness", "untrust", unseen)[0] == 0  # once is kept
    assert [r["event"] for r in _trust_log(witness_home)] == ["untrusted"]
    with _witness(witness_home, witness_trust="first-use") as client:
        r = client.post("/api/witness/checkpoints", json=_body(station, tmp_path))
    assert r.status_code == 403, r.text  # not even trust on first use takes it


def test_a_long_key_history_reads_the_trust_record_once(
    witness_home: Path, station: CaseService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Judging a stranger's 40 keys reads ``trust.jsonl`` once, not once a key."""
    trust = TrustList(witness_home)
    trust.trust("ab" * 32, at="2026-12-07T09:00:00Z")
    reads: list[int] = []
    records = TrustList.records

    def counted(self: TrustList) -> list[Any]:
        reads.append(1)
        return records(self)

    monkeypatch.setattr(TrustList, "records", counted)
    keys = [key_fingerprint(station.signer.public_key), *(f"{i:064x}" for i in range(40))]
    assert trust.how_trusted(keys) is None
    assert len(reads) == 1


def test_cosignatures_a_station_attaches_are_not_kept_or_served(
    witness_home: Path, station: CaseService, tmp_path: Path
) -> None:
    """Only the witness's own cosignature is kept: one the submitter made up (another
    witness's key id) would be served by the public GET as if someone had checked it."""
    from sarwatch.ledger import Signer

    TrustList(witness_home).trust(
        key_fingerprint(station.signer.public_key), at="2026-12-07T11:00:00Z"
    )
    body = _body(station, tmp_path)
    made_up = {"key_id": Signer.generate().key_id, "cosigned_at": "2026-12-07T11:00:00Z"}
    body["checkpoint"]["cosignatures"] = [{**made_up, "signature": "00" * 64}]
    with _witness(witness_home) as client:
        r = client.post("/api/witness/checkpoints", json=body)
        assert r.status_code == 200, r.text
        served = client.get(f"/api/witness/checkpoints/{station.signer.key_id}").json()
    witness_key = _witness_key_id(witness_home)
    for checkpoint in (r.json()["checkpoint"], served["checkpoint"]):
        assert [c["key_id"] for c in checkpoint["cosignatures"]] == [witness_key]


def _witness_key_id(home: Path) -> str:
    """The witness station's own key id."""
    from sarwatch.ledger.keys import load_or_create_signer

    return load_or_create_signer(home).key_id


def test_the_trust_record_is_parsed_again_only_when_it_changed(
    witness_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each checkpoint received asks the record (which grows by a line a key with trust
    on first use): parsed once while unchanged, and a decision appended by another
    process (the command line) is seen by the next check."""
    from sarwatch.services.witness_trust import TrustRecord

    server, command = TrustList(witness_home), TrustList(witness_home)
    command.trust(A := "ab" * 32, at="2026-12-07T09:00:00Z")
    parsed: list[str] = []
    from_json = TrustRecord.from_json.__func__  # type: ignore[attr-defined]

    def counted(cls: type[TrustRecord], data: dict[str, Any]) -> TrustRecord:
        parsed.append(data["event"])
        return from_json(cls, data)

    monkeypatch.setattr(TrustRecord, "from_json", classmethod(counted))
    for _ in range(5):
        assert server.how_trusted([A]) == "operator"
    assert parsed == ["trusted"]
    command.untrust(A, at="2026-12-07T09:01:00Z")
    assert server.how_trusted([A]) is None  # at once
    assert parsed == ["trusted", "trusted", "untrusted"]


def test_trusting_a_key_history_trusts_its_current_key_never_a_withdrawn_one(
    witness_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A station whose first key leaked rotates and sends its keys.json to the witness's
    operator: trusting that file must not trust the leaked first key again (which would
    let the thief's own history [leaked -> thief's key] in). It trusts the current key,
    the one 'sarwatch ledger key' prints; a key withdrawn before is trusted again only
    when named, and the command says it was withdrawn."""
    from sarwatch.services.keys import rotate_station_key

    old, new, history = rotate_station_key(tmp_path / "station")
    leaked = key_fingerprint(old.public_key)
    TrustList(witness_home).trust(leaked, at="2026-12-07T09:00:00Z")
    TrustList(witness_home).untrust(leaked, at="2026-12-07T10:00:00Z", note="laptop stolen")
    keys_json = tmp_path / "keys.json"
    keys_json.write_text(json.dumps(history.to_json()))
    code, out, err = run_cli(capsys, "witness", "trust", str(keys_json))
    assert code == 0, err
    assert f"(SHA-256 fingerprint {key_fingerprint(new.public_key)})" in out
    trust = TrustList(witness_home)
    assert leaked not in trust.by_operator() and trust.withdrawn([leaked])
    # the thief's history from the leaked key is refused
    thief = Signer.generate()
    from sarwatch.ledger.keys import rotate_key

    forked = rotate_key(old, thief, "2026-12-07T11:00:00Z")
    assert trust.how_trusted([leaked, key_fingerprint(thief.public_key)]) is None
    assert forked.current().key_id == thief.key_id
    # named on purpose, a withdrawn key is trusted again, and the command says so
    code, out, err = run_cli(capsys, "witness", "trust", leaked)
    assert code == 0, err
    assert "its trust was withdrawn on 2026-12-07T10:00:00Z (laptop stolen)" in " ".join(
        out.split()
    )
