"""Signed checkpoints over every case's head, checked by a witness station on loopback.

The witness is a real sarwatch app served by uvicorn on a free 127.0.0.1 port in a
thread; the submitting station is a case service on its own SQLite store.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from _cases_helpers import contact, make_service, open_case, run_sql
from _cli import open_case as cli_open_case
from _cli import run_cli
from _live import served_in_thread
from sarwatch.adapters.store import SqlStore
from sarwatch.errors import IntegrityError
from sarwatch.ledger import Signer, public_key_pem
from sarwatch.ledger.checkpoint import Checkpoint
from sarwatch.services import checkpoints
from sarwatch.services.cases import CaseService
from sarwatch.services.checkpoints import (
    fetch_witnessed,
    publish_checkpoint,
    published_checkpoints,
    submit_checkpoint,
    verify_against_witness,
)
from sarwatch.settings import Settings
from sarwatch.web.app import create_app


@pytest.fixture(scope="module")
def witness_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second station, serving its API (the witness routes) on loopback.

    It trusts any station's key on first use (``witness_trust: first-use``): these tests
    are about consistency across checkpoints; the allow-list, the default, is tested in
    ``test_security_witness_trust.py``.
    """
    home = tmp_path_factory.mktemp("witness-home")
    settings = Settings.model_validate(
        {
            "home_dir": home,
            "database_url": f"sqlite:///{home / 'w.db'}",
            "witness_trust": "first-use",
        }
    )
    with served_in_thread(create_app(settings)) as url:
        yield url


def _station(path: Path, signer: Signer | None = None) -> CaseService:
    return make_service(SqlStore(f"sqlite:///{path}"), signer)


def _checkpoint(service: CaseService, home: Path, url: str) -> None:
    made = publish_checkpoint(service.store, service.signer, home)
    submit_checkpoint(url, made, service.signer, service.store)


def test_witness_cosigns_consistent_checkpoints(tmp_path: Path, witness_url: str) -> None:
    service = _station(tmp_path / "a.db")
    a, b = open_case(service), open_case(service)
    _checkpoint(service, tmp_path, witness_url)
    service.log_contact(a, contact(1), actor="ana")
    open_case(service)
    _checkpoint(service, tmp_path, witness_url)  # a moved on, b unchanged, a new case
    held = fetch_witnessed(witness_url, service.signer.key_id)
    assert held is not None and held.size == 3
    assert held.head_of(a) is not None and held.head_of(a).seq == 3  # type: ignore[union-attr]
    assert held.head_of(b).seq == 2  # type: ignore[union-attr]
    assert held.verify(service.signer.public_key)
    assert len(held.cosignatures) == 1 and held.cosignatures[0].key_id != service.signer.key_id
    assert [c.size for c in published_checkpoints(tmp_path)] == [2, 3]
    check = verify_against_witness(witness_url, service.signer, service.store)
    assert check.ok, check.summary()
    assert "consistent with its checkpoint" in check.summary()


def test_one_case_rolled_back_is_detected(tmp_path: Path, witness_url: str) -> None:
    service = _station(tmp_path / "a.db")
    a, b = open_case(service), open_case(service)
    for i in range(3):
        service.log_contact(a, contact(i), actor="ana")
    _checkpoint(service, tmp_path, witness_url)
    held = fetch_witnessed(witness_url, service.signer.key_id)
    assert held is not None
    head = held.head_of(a)
    assert head is not None and head.seq == 5
    # Someone with the database rolls case a back to its event #3 (a consistent, signed state).
    assert isinstance(service.store, SqlStore)
    run_sql(service.store, "DELETE FROM events WHERE case_id = :c AND seq > 3", c=a)
    check = verify_against_witness(witness_url, service.signer, service.store)
    assert list(check.problems) == [
        f"case {a} was rolled back: the store's head is #3, but the witness {witness_url} "
        f"holds #5 {head.hash[:12]}… (checkpoint of {held.time})"
    ]
    # The witness refuses a checkpoint over the rolled-back state, with the reason.
    with pytest.raises(IntegrityError, match=rf"case {a} was rolled back: head #3, but"):
        _checkpoint(service, tmp_path, witness_url)
    assert fetch_witnessed(witness_url, service.signer.key_id) == held
    del b


def test_whole_store_rolled_back_is_detected(tmp_path: Path, witness_url: str) -> None:
    signer = Signer.generate()
    service = _station(tmp_path / "a.db", signer)
    a, b = open_case(service), open_case(service)
    _checkpoint(service, tmp_path, witness_url)
    service.store.close()
    shutil.copy(tmp_path / "a.db", tmp_path / "backup.db")  # the backup kept aside
    service = _station(tmp_path / "a.db", signer)
    service.log_contact(a, contact(1), actor="ana")
    service.log_contact(b, contact(2), actor="bo")
    c = open_case(service)
    _checkpoint(service, tmp_path, witness_url)
    held = fetch_witnessed(witness_url, signer.key_id)
    assert held is not None
    service.store.close()
    restored = _station(tmp_path / "backup.db", signer)  # the whole store swapped for it
    check = verify_against_witness(witness_url, signer, restored.store)
    w = f"the witness {witness_url}"
    assert check.problems[0] == (
        f"the store was rolled back: 3 of the 3 case(s) in the checkpoint of {held.time} "
        f"held by {w} are missing or behind"
    )
    assert (
        check.problems[1:]
        == (
            f"case {a} was rolled back: the store's head is #2, but {w} holds "
            f"#3 {held.head_of(a).hash[:12]}… (checkpoint of {held.time})",  # type: ignore[union-attr]
            f"case {b} was rolled back: the store's head is #2, but {w} holds "
            f"#3 {held.head_of(b).hash[:12]}… (checkpoint of {held.time})",  # type: ignore[union-attr]
            f"case {c} is missing from the store, but {w} holds its head "
            f"#2 {held.head_of(c).hash[:12]}… (checkpoint of {held.time})",  # type: ignore[union-attr]
        )
    )
    restored.store.close()


def _post(url: str, service: CaseService, made: Checkpoint, proofs: dict) -> tuple[int, dict]:
    return checkpoints._request(
        url + "/api/witness/checkpoints",
        {
            "checkpoint": made.to_json(),
            "public_key_pem": public_key_pem(service.signer.public_key),
            "proofs": proofs,
        },
    )


def test_missing_or_forged_proofs_are_refused(tmp_path: Path, witness_url: str) -> None:
    service = _station(tmp_path / "a.db")
    a = open_case(service)
    _checkpoint(service, tmp_path, witness_url)
    service.log_contact(a, contact(1), actor="ana")
    made = publish_checkpoint(service.store, service.signer, tmp_path)
    status, payload = _post(witness_url, service, made, {})
    assert status == 409
    assert payload["detail"].endswith(
        f"case {a}: no proof that head #3 extends #2 (send its events #3–#3)"
    )
    event = service.events(a)[2].to_json()
    forged = {**event, "payload": {**event["payload"], "notes": "nothing happened"}}
    status, payload = _post(witness_url, service, made, {a: [forged]})
    assert status == 409
    assert payload["detail"].endswith(
        f"case {a}: event #3 of the proof is not signed by the station"
    )
    status, payload = _post(witness_url, service, made, {a: [event]})
    assert status == 200 and len(payload["checkpoint"]["cosignatures"]) == 1


def test_rewritten_case_is_refused(tmp_path: Path, witness_url: str) -> None:
    service = _station(tmp_path / "a.db")
    a = open_case(service)
    service.log_contact(a, contact(1), actor="ana")
    _checkpoint(service, tmp_path, witness_url)
    forked = _station(tmp_path / "b.db", service.signer)  # the same key, another history
    b = open_case(forked)
    forked.log_contact(b, contact(9), actor="ana")
    assert a == b and forked.events(b)[-1].hash != service.events(a)[-1].hash
    with pytest.raises(IntegrityError, match=rf"case {a} was rewritten: head #3 is not the one"):
        _checkpoint(forked, tmp_path, witness_url)
    forked.log_contact(b, contact(10), actor="ana")  # later than the witnessed head: no proof
    with pytest.raises(IntegrityError, match=rf"case {a}: event #4 does not extend the head #3"):
        _checkpoint(forked, tmp_path, witness_url)


def test_another_key_cannot_speak_for_a_station(tmp_path: Path, witness_url: str) -> None:
    service = _station(tmp_path / "a.db")
    open_case(service)
    made = publish_checkpoint(service.store, service.signer, tmp_path)
    impostor = make_service(service.store)
    status, payload = _post(witness_url, impostor, made, {})
    assert status == 409
    assert payload["detail"] == (
        f"the checkpoint names key {service.signer.key_id} but the key sent is "
        f"{impostor.signer.key_id}"
    )


def test_cli_checkpoint_and_verify_against_the_witness(
    home: Path, capsys: pytest.CaptureFixture[str], witness_url: str
) -> None:
    cid = cli_open_case(capsys)
    code, out, err = run_cli(capsys, "ledger", "checkpoint", "--witness", witness_url)
    assert code == 0, err
    assert out.startswith("checkpoint ") and ": 1 case(s), root " in out
    assert f"witness {witness_url}: cosigned by " in out
    shutil.copy(home / "sarwatch.db", home.parent / "backup.db")  # a backup kept aside
    assert run_cli(capsys, "case", "status", cid, "active")[0] == 0
    assert run_cli(capsys, "ledger", "checkpoint", "--witness", witness_url)[0] == 0
    code, out, _ = run_cli(capsys, "ledger", "verify", "--witness", witness_url)
    assert code == 0 and f"witness {witness_url}: consistent with its checkpoint of" in out
    shutil.copy(home.parent / "backup.db", home / "sarwatch.db")  # the store restored from it
    code, out, _ = run_cli(capsys, "ledger", "verify")
    assert code == 0  # every chain and the register are intact: only a witness sees it
    code, out, err = run_cli(capsys, "ledger", "verify", "--witness", witness_url)
    assert code != 0
    assert f"witness {witness_url}: 1 problem(s)\n  - case {cid} was rolled back: " in out
    assert "the store's head is #2, but the witness" in out
    assert f"the store is not consistent with the witness {witness_url}" in err


def test_a_rollback_across_a_key_rotation_is_detected(tmp_path: Path, witness_url: str) -> None:
    from sarwatch.ledger.keys import load_or_create_signer
    from sarwatch.services.keys import rotate_station_key

    home = tmp_path / "home"
    service = _station(tmp_path / "a.db", load_or_create_signer(home))
    a = open_case(service)
    _checkpoint(service, home, witness_url)
    origin = service.signer.key_id
    service.store.close()
    shutil.copy(tmp_path / "a.db", tmp_path / "backup.db")
    _, new, _ = rotate_station_key(home)
    service = _station(tmp_path / "a.db", new)
    service.log_contact(a, contact(1), actor="ana")  # signed by the new key
    _checkpoint(service, home, witness_url)  # the same log: the hand-over leads to the new key
    held = fetch_witnessed(witness_url, origin)
    assert held is not None and held.key_id == new.key_id and held.head_of(a).seq == 3  # type: ignore[union-attr]
    assert fetch_witnessed(witness_url, new.key_id) is None
    service.store.close()
    restored = _station(tmp_path / "backup.db", new)
    check = verify_against_witness(witness_url, new, restored.store)
    assert check.problems == (
        f"case {a} was rolled back: the store's head is #2, but the witness {witness_url} "
        f"holds #3 {held.head_of(a).hash[:12]}… (checkpoint of {held.time})",  # type: ignore[union-attr]
    )
    # A rolled-back checkpoint under the new key, as the continuation, is refused.
    with pytest.raises(IntegrityError, match=rf"case {a} was rolled back: head #2, but"):
        _checkpoint(restored, home, witness_url)
    restored.store.close()
