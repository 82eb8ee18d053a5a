"""The checkpoint's Merkle tree (RFC 6962 test vectors) and its signed note body."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarwatch.errors import IntegrityError
from sarwatch.ledger import Signer
from sarwatch.ledger.checkpoint import CaseHead, Checkpoint, merkle_root, sign_checkpoint

#: The leaves and roots of the RFC 6962 reference test vectors (certificate-transparency).
LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
          "606162636465666768696a6b6c6d6e6f"]  # fmt: skip
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


@pytest.mark.parametrize("n", range(len(ROOTS)))
def test_merkle_root_matches_rfc6962_vectors(n: int) -> None:
    assert merkle_root([bytes.fromhex(x) for x in LEAVES[:n]]).hex() == ROOTS[n]


def test_note_body_and_signature() -> None:
    signer = Signer.generate()
    heads = [CaseHead("b", 2, "22" * 32), CaseHead("a", 5, "11" * 32)]
    made = sign_checkpoint(signer, "2026-12-06T19:00:00Z", heads)
    assert [h.case_id for h in made.heads] == ["a", "b"]
    root = base64.b64encode(made.root()).decode()
    assert (
        made.note_body()
        == (f"sarwatch-checkpoint/1\n{signer.key_id}\n2\n{root}\n2026-12-06T19:00:00Z\n").encode()
    )
    assert made.verify(signer.public_key)
    assert not made.verify(Signer.generate().public_key)
    assert Checkpoint.from_json(made.to_json()) == made


@given(st.lists(st.tuples(st.integers(1, 99), st.binary(min_size=32, max_size=32)), max_size=9))
def test_any_changed_head_changes_the_root(heads: list[tuple[int, bytes]]) -> None:
    leaves = [CaseHead(f"case-{i}", seq, h.hex()) for i, (seq, h) in enumerate(heads)]
    made = Checkpoint("k", "t", tuple(leaves))
    for i, leaf in enumerate(leaves):
        rolled = Checkpoint("k", "t", (*leaves[:i], CaseHead(leaf.case_id, leaf.seq + 1, leaf.hash),
                                       *leaves[i + 1:]))  # fmt: skip
        assert rolled.root() != made.root()


def test_unsorted_or_resized_checkpoints_are_malformed() -> None:
    made = sign_checkpoint(Signer.generate(), "t", [CaseHead("a", 1, "11" * 32)])
    data = made.to_json()
    with pytest.raises(IntegrityError, match="size 3 but 1 heads"):
        Checkpoint.from_json({**data, "size": 3})
    with pytest.raises(IntegrityError, match="sorted by case id"):
        Checkpoint.from_json({**data, "heads": data["heads"] * 2})


def test_documented_checkpoint_vector() -> None:
    """docs/evidence-format.md §14: the root recomputed with hashlib alone, and the signatures."""
    import hashlib

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    station = Signer(Ed25519PrivateKey.from_private_bytes(b"\x01" * 32))
    witness = Signer(Ed25519PrivateKey.from_private_bytes(b"\x02" * 32))
    heads = [
        CaseHead("2018-03-15-LY-002", 2, "22" * 32),
        CaseHead("2018-03-15-LY-001", 3, "11" * 32),
    ]
    made = sign_checkpoint(station, "2026-12-06T19:00:00Z", heads)
    leaves = [
        b'{"case_id":"2018-03-15-LY-001","hash":"' + b"1" * 64 + b'","seq":3}',
        b'{"case_id":"2018-03-15-LY-002","hash":"' + b"2" * 64 + b'","seq":2}',
    ]
    h = [hashlib.sha256(b"\x00" + leaf).digest() for leaf in leaves]
    root = hashlib.sha256(b"\x01" + h[0] + h[1]).digest()
    assert made.root() == root
    assert root.hex() == "afe28c68eadd63416b32b449cf017e51d3d699640020d83bc807fc8395b70c1c"
    assert made.note_body() == (
        b"sarwatch-checkpoint/1\n34750f98bd59fcfc\n2\n"
        b"r+KMaOrdY0FrMrRJzwF+UdPWmWQAINg7yAf8g5W3DBw=\n2026-12-06T19:00:00Z\n"
    )
    assert made.signature == (
        "a34ea26333d21943969c8fd38596a3f7da00d449db7b41fc738ae952df9467f5"
        "8760c72af2530c790983a6235ce52b8549f320d75c90f1fc06c6516f3139d402"
    )
    cosigned = made.cosign(witness, "2026-12-06T19:05:00Z")
    assert cosigned.cosignatures[0].signature == (
        "46cc0efab7b01c3a4580a7a75afcb1569a390a142267ef6dbd14cac96a7164e4"
        "b904cd9e46710024bc501692603c1bbf0f3964df4370c5cfede02d5f082a5900"
    )
