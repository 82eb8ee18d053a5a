"""The incident register across a key rotation.

The register's chain is signed by the station key, like the cases'. Its check trusted
only the current key, so every event signed before a rotation failed it; and a server
kept signing incidents with the key it had loaded, retired by a ``sarwatch key rotate``
run beside it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from _incidents import report
from sarwatch.adapters.store import SqlStore
from sarwatch.ledger.keys import load_or_create_signer
from sarwatch.services.cases import CaseService
from sarwatch.services.incidents import IncidentService
from sarwatch.services.keys import rotate_station_key


def _register(store: SqlStore, home: Path) -> IncidentService:
    """The register as the composition root builds it: from the case service."""
    cases = CaseService(
        store=store, signer=load_or_create_signer(home), key_home=home,
        land_check=lambda lon, lat: False, region_of=lambda lon, lat: "LY",
    )  # fmt: skip
    return IncidentService.for_cases(cases)


def test_the_register_verifies_across_a_rotation_made_beside_a_running_server(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    store = SqlStore(f"sqlite:///{tmp_path / 'a.db'}")
    server = _register(store, home)
    server.record(report(), actor="ana")
    old, new, _ = rotate_station_key(home)  # `sarwatch key rotate`, another process
    server.record(replace(report(lon=15.0), place="off Lampedusa"), actor="ana", merge=False)
    assert [e.key_id for e in server.events()] == [old.key_id, new.key_id]
    for register in (server, _register(store, home)):  # the server and a later CLI
        result = register.verify()
        assert result.ok, result.summary()


def test_the_retired_key_is_refused_in_the_register(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = SqlStore(f"sqlite:///{tmp_path / 'a.db'}")
    first = _register(store, home)
    first.record(report(), actor="ana")
    old, _, _ = rotate_station_key(home)
    rogue = IncidentService(store=store, signer=old)  # someone who kept the retired key
    rogue.record(replace(report(lon=15.0), place="off Lampedusa"), actor="ana", merge=False)
    result = _register(store, home).verify()
    assert not result.ok
    assert "retired" in result.summary()
