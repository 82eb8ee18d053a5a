"""The witness answers anyone (the signature authenticates the station): a checkpoint sent
again, by the station or by anyone who saw it, is answered and not kept again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _cases_helpers import make_service, open_case
from sarwatch.adapters.store import MemoryStore
from sarwatch.ledger import public_key_pem
from sarwatch.ledger.keys import key_fingerprint
from sarwatch.services.checkpoints import publish_checkpoint
from sarwatch.services.witness_trust import TrustList
from sarwatch.settings import Settings
from sarwatch.web.app import create_app


@pytest.fixture
def witness(tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    home = tmp_path / "witness"
    home.mkdir()
    app = create_app(Settings(home_dir=home, database_url=f"sqlite:///{home / 'w.db'}"))
    with TestClient(app) as client:
        yield client, home


def test_a_checkpoint_sent_again_is_kept_once(witness, tmp_path: Path) -> None:
    client, home = witness
    station = make_service(MemoryStore())
    open_case(station)
    made = publish_checkpoint(station.store, station.signer, tmp_path / "station")
    fingerprint = key_fingerprint(station.signer.public_key)
    TrustList(home).trust(fingerprint, at="2026-12-07T09:00:00Z")  # sarwatch witness trust
    body = {
        "checkpoint": made.to_json(),
        "public_key_pem": public_key_pem(station.signer.public_key),
        "proofs": {},
    }
    first = client.post("/api/witness/checkpoints", json=body)
    assert first.status_code == 200, first.text
    log = home / "witness" / f"{station.signer.key_id}.jsonl"
    size = log.stat().st_size
    for _ in range(3):  # a replay, by anyone: the checkpoints are public
        again = client.post("/api/witness/checkpoints", json=body)
        assert again.status_code == 200
        assert again.json() == first.json()  # the cosignature already given
    assert log.stat().st_size == size
    assert len(log.read_text().splitlines()) == 1

    # a newer checkpoint of the same station is still kept (a new case: no proof needed)
    open_case(station)
    newer = publish_checkpoint(station.store, station.signer, tmp_path / "station")
    r = client.post("/api/witness/checkpoints", json={**body, "checkpoint": newer.to_json()})
    assert r.status_code == 200, r.text
    assert len(log.read_text().splitlines()) == 2
