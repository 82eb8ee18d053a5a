"""``sarwatch key rotate`` beside a running server: the server's case service loads the new
key before its next write or check. It kept signing with the key it had loaded, retired
by the rotation, and every event it recorded after it failed verification for good
("inserted: event #8 is signed by key ..., retired at ...")."""

from __future__ import annotations

from pathlib import Path

from _cases_helpers import contact, open_case
from sarwatch.adapters.store import SqlStore
from sarwatch.ledger.keys import load_or_create_signer
from sarwatch.services.cases import CaseService
from sarwatch.services.keys import rotate_station_key


def _service(store: SqlStore, home: Path) -> CaseService:
    """A service as the composition root builds it: the key loaded from ``home``."""
    return CaseService(
        store=store, signer=load_or_create_signer(home), key_home=home,
        land_check=lambda lon, lat: False, region_of=lambda lon, lat: "LY",
    )  # fmt: skip


def test_a_running_service_signs_with_the_key_rotated_beside_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = SqlStore(f"sqlite:///{tmp_path / 'a.db'}")
    server = _service(store, home)
    case_id = open_case(server)
    server.log_contact(case_id, contact(1), actor="ana")
    old, new, _ = rotate_station_key(home)  # `sarwatch key rotate`, another process
    server.log_contact(case_id, contact(2), actor="ana")  # the server, after it
    assert [e.key_id for e in server.events(case_id)][-1] == new.key_id != old.key_id
    for service in (server, _service(store, home)):  # the server and a later CLI
        report = service.verify(case_id)
        assert report.ok, report.summary()
        assert service.verify_register().ok
    # a service without a key home (tests, throw-away stations) keeps its signer
    fixed = CaseService(store=store, signer=new)
    assert fixed.refresh_signer() is new


def test_a_key_read_once_is_not_read_again_while_unchanged(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = SqlStore(f"sqlite:///{tmp_path / 'a.db'}")
    server = _service(store, home)
    signer = server.signer
    open_case(server)
    assert server.refresh_signer() is signer  # same files: the same object, no reload
