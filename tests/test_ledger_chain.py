"""The hash-chained, signed ledger: canonical JSON, sealing, and naming every kind of tampering."""

from __future__ import annotations

import itertools
import json
import os
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarwatch.errors import InputError, IntegrityError
from sarwatch.ledger import (
    GENESIS,
    LedgerEntry,
    Signer,
    canonical_json,
    entry_hash,
    load_or_create_signer,
    seal,
    sign_head,
    verify_chain,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)  # what RFC 8785 carries
    # RFC 8785 writes floats from 2^53 to 1e21 as integers beyond the safe range: refused
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not 2**53 <= abs(x) < 1e21)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_canonical_json_is_stable_through_a_round_trip(value: object) -> None:
    once = canonical_json(value)
    assert canonical_json(json.loads(once)) == once


@given(
    st.dictionaries(
        st.text(max_size=5), st.integers(-(2**53) + 1, 2**53 - 1), min_size=2, max_size=6
    )
)
def test_canonical_json_ignores_key_order(d: dict) -> None:
    reversed_d = dict(reversed(list(d.items())))
    assert canonical_json(d) == canonical_json(reversed_d)


def test_canonical_json_refuses_what_it_cannot_carry() -> None:
    with pytest.raises(InputError, match="non-finite"):
        canonical_json({"x": float("nan")})
    with pytest.raises(InputError, match="string keys"):
        canonical_json({1: "a"})


def _chain(signer: Signer, n: int = 6, case_id: str = "2018-03-15-LY-001") -> list[LedgerEntry]:
    entries, prev = [], GENESIS
    for i in range(1, n + 1):
        e = seal(
            signer,
            case_id=case_id,
            seq=i,
            recorded_at=f"2018-03-15T04:{i:02d}:00Z",
            kind="contact_logged",
            actor="ana",
            payload={"summary": f"call {i}", "lat": 33.2 + i / 100},
            prev_hash=prev,
        )
        entries.append(e)
        prev = e.hash
    return entries


@pytest.fixture
def signer() -> Signer:
    return Signer.generate()


@pytest.fixture
def chain(signer: Signer) -> list[LedgerEntry]:
    return _chain(signer)


def _verify(signer: Signer, entries: list[LedgerEntry], head_of: list[LedgerEntry]):
    return verify_chain(
        entries, {signer.key_id: signer.public_key}, head=sign_head(signer, head_of[-1])
    )


def test_intact_chain_verifies(signer: Signer, chain: list[LedgerEntry]) -> None:
    report = _verify(signer, chain, chain)
    assert report.ok, report.summary()
    assert chain[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(chain))
    assert all(entry_hash(e) == e.hash for e in chain)


def test_edited_event_is_named(signer: Signer, chain: list[LedgerEntry]) -> None:
    tampered = list(chain)
    tampered[2] = replace(chain[2], payload={"summary": "no call was made"})
    report = _verify(signer, tampered, chain)
    assert [(f.problem, f.seq) for f in report.findings] == [("edited", 3)]
    with pytest.raises(IntegrityError, match=r"event #3 .* edited"):
        report.raise_for_problems()


def test_edit_with_recomputed_hash_fails_the_signature(
    signer: Signer, chain: list[LedgerEntry]
) -> None:
    edited = replace(chain[2], actor="someone else")
    edited = replace(edited, hash=entry_hash(edited))
    report = _verify(signer, [*chain[:2], edited, *chain[3:]], chain)
    assert ("inserted", 3) in {(f.problem, f.seq) for f in report.findings}
    assert "not signed by the station key" in report.summary()


def test_deleted_event_is_named(signer: Signer, chain: list[LedgerEntry]) -> None:
    report = _verify(signer, [e for e in chain if e.seq != 4], chain)
    assert [(f.problem, f.seq) for f in report.findings] == [("deleted", 4)]


def test_events_cut_from_the_end_are_named_by_the_signed_head(
    signer: Signer, chain: list[LedgerEntry]
) -> None:
    report = _verify(signer, chain[:4], chain)
    assert [(f.problem, f.seq) for f in report.findings] == [("deleted", 5)]
    assert "#5–#6" in report.summary()
    # Without the signed head the cut is invisible: the head is what makes it visible.
    assert verify_chain(chain[:4], {signer.key_id: signer.public_key}).ok


def test_renumbered_events_are_named_reordered(signer: Signer, chain: list[LedgerEntry]) -> None:
    swapped = list(chain)
    swapped[2], swapped[3] = replace(chain[3], seq=3), replace(chain[2], seq=4)
    report = _verify(signer, swapped, chain)
    assert report.problems() == {"reordered"}
    assert {f.seq for f in report.findings} == {3, 4}


def test_events_out_of_order_are_named_reordered(signer: Signer, chain: list[LedgerEntry]) -> None:
    shuffled = [chain[0], chain[1], chain[4], chain[2], chain[3], chain[5]]
    report = _verify(signer, shuffled, chain)
    assert report.problems() == {"reordered"}


def test_inserted_forged_event_is_named(signer: Signer, chain: list[LedgerEntry]) -> None:
    forger = Signer.generate()
    forged = seal(
        forger,
        case_id=chain[0].case_id,
        seq=7,
        recorded_at="2018-03-15T05:00:00Z",
        kind="decision_recorded",
        actor="ana",
        payload={"summary": "we never heard of them"},
        prev_hash=chain[-1].hash,
    )
    report = _verify(signer, [*chain, replace(forged, key_id=signer.key_id)], chain)
    assert ("inserted", 7) in {(f.problem, f.seq) for f in report.findings}


def test_inserted_in_the_middle_names_the_insertion(
    signer: Signer, chain: list[LedgerEntry]
) -> None:
    forged = replace(chain[2], payload={"summary": "forged"}, signature="00" * 64)
    shifted = [replace(e, seq=e.seq + 1) for e in chain[2:]]
    report = _verify(signer, [*chain[:2], replace(forged, seq=3), *shifted], chain)
    assert ("inserted", 3) in {(f.problem, f.seq) for f in report.findings}


def test_a_copy_of_an_event_is_an_insertion(signer: Signer, chain: list[LedgerEntry]) -> None:
    report = _verify(signer, [*chain[:3], chain[2], *chain[3:]], chain)
    assert report.problems() == {"inserted"}


def test_event_from_another_case_is_an_insertion(signer: Signer, chain: list[LedgerEntry]) -> None:
    other = _chain(signer, 1, case_id="2018-03-16-MT-001")[0]
    report = _verify(signer, [*chain, replace(other, seq=7)], chain)
    assert "belongs to case 2018-03-16-MT-001" in report.summary()


def test_head_signed_by_another_key_is_refused(signer: Signer, chain: list[LedgerEntry]) -> None:
    bad_head = sign_head(Signer.generate(), chain[-1])
    report = verify_chain(chain, {signer.key_id: signer.public_key}, head=bad_head)
    assert report.problems() == {"bad_head"}


def test_key_created_once_with_0600(tmp_path: Path) -> None:
    first = load_or_create_signer(tmp_path)
    path = tmp_path / "keys" / "station-ed25519.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = load_or_create_signer(tmp_path)
    assert again.key_id == first.key_id
    msg = b"message"
    assert again.public_key.verify(bytes.fromhex(first.sign(msg)), msg) is None


def test_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    load_or_create_signer(tmp_path)
    path = tmp_path / "keys" / "station-ed25519.pem"
    os.chmod(path, 0o644)
    with pytest.raises(IntegrityError, match="chmod 600"):
        load_or_create_signer(tmp_path)
