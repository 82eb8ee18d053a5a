"""Signed checkpoints over every case's head, and their consistency (the CT model).

A *checkpoint* commits the station to the head (last seq and hash) of every case at
one time, so that rolling back one case, not only deleting it, is caught by whoever
kept an earlier checkpoint (a *witness*). It follows the C2SP signed-note checkpoint:

* leaves: one per case, sorted by ``case_id``; a leaf is the canonical JSON
  ``{"case_id":…,"hash":…,"seq":…}`` (RFC 8785; ASCII and small integers);
* the root is the RFC 6962/9162 Merkle tree hash over the leaves:
  ``MTH({}) = SHA-256("")``, ``leaf = SHA-256(0x00 || leaf bytes)``,
  ``node = SHA-256(0x01 || left || right)``, the split at the largest power of two
  smaller than the number of leaves;
* the signed *note body* is the text ``"sarwatch-checkpoint/1\\n" + key_id + "\\n" +
  size + "\\n" + base64(root) + "\\n" + time + "\\n"`` (UTF-8), signed with Ed25519
  by the station key; a witness's *cosignature* signs
  ``"cosignature/v1\\ntime " + cosigned_at + "\\n" + body``.

Consistency of a newer checkpoint with an older one: every case of the old one is
in the new one, with the same head or a later head whose chain extends the old one;
the events in between (the *proof*) must link from the old head's hash to the new
head's hash, each signed by the station key.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sarwatch.errors import IntegrityError
from sarwatch.ledger.canonical import LEGACY_FORMAT, canonical_json
from sarwatch.ledger.chain import LedgerEntry, entry_hash
from sarwatch.ledger.keys import Signer, verify_signature

__all__ = [
    "CHECKPOINT_DOMAIN",
    "COSIGNATURE_PREFIX",
    "CaseHead",
    "Checkpoint",
    "Cosignature",
    "check_consistency",
    "check_store_against",
    "leaf_bytes",
    "merkle_root",
    "sign_checkpoint",
]

CHECKPOINT_DOMAIN = "sarwatch-checkpoint/1"
COSIGNATURE_PREFIX = "cosignature/v1"


@dataclass(frozen=True)
class CaseHead:
    """One leaf: a case and its head (last event's seq and hash)."""

    case_id: str
    seq: int
    hash: str

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {"case_id": self.case_id, "seq": self.seq, "hash": self.hash}


def leaf_bytes(head: CaseHead) -> bytes:
    """The leaf's bytes: RFC 8785 canonical JSON of ``case_id, hash, seq``."""
    return canonical_json(head.to_json(), form=LEGACY_FORMAT)


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 section 2.1.1 Merkle tree hash of the leaves' bytes (32 bytes)."""
    n = len(leaves)
    if n == 0:
        return _sha(b"")
    if n == 1:
        return _sha(b"\x00" + leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return _sha(b"\x01" + merkle_root(leaves[:k]) + merkle_root(leaves[k:]))


@dataclass(frozen=True)
class Cosignature:
    """A witness's signature over a checkpoint it checked."""

    key_id: str
    cosigned_at: str
    signature: str

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {"key_id": self.key_id, "cosigned_at": self.cosigned_at, "signature": self.signature}


@dataclass(frozen=True)
class Checkpoint:
    """A signed commitment to every case's head.

    Attributes
    ----------
    key_id
        The station key that signed (the checkpoint's origin).
    time
        When it was made, ISO 8601 UTC text.
    heads
        Every case's head, sorted by case id.
    signature
        Ed25519 signature (hex) of :meth:`note_body`.
    cosignatures
        Witnesses' cosignatures.
    """

    key_id: str
    time: str
    heads: tuple[CaseHead, ...]
    signature: str = ""
    cosignatures: tuple[Cosignature, ...] = field(default_factory=tuple)

    @property
    def size(self) -> int:
        """Number of leaves (cases)."""
        return len(self.heads)

    def root(self) -> bytes:
        """Merkle root over the leaves."""
        return merkle_root([leaf_bytes(h) for h in self.heads])

    def note_body(self) -> bytes:
        """The signed text (C2SP signed-note body)."""
        root = base64.b64encode(self.root()).decode("ascii")
        return f"{CHECKPOINT_DOMAIN}\n{self.key_id}\n{self.size}\n{root}\n{self.time}\n".encode()

    def cosignature_message(self, cosigned_at: str) -> bytes:
        """What a witness signs."""
        return f"{COSIGNATURE_PREFIX}\ntime {cosigned_at}\n".encode() + self.note_body()

    def head_of(self, case_id: str) -> CaseHead | None:
        """The head of ``case_id`` in this checkpoint."""
        return next((h for h in self.heads if h.case_id == case_id), None)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (root and size included for readers; they are recomputed)."""
        return {
            "key_id": self.key_id,
            "time": self.time,
            "size": self.size,
            "root": self.root().hex(),
            "heads": [h.to_json() for h in self.heads],
            "signature": self.signature,
            "cosignatures": [c.to_json() for c in self.cosignatures],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Checkpoint:
        """Inverse of :meth:`to_json`; :class:`IntegrityError` if malformed."""
        try:
            heads = tuple(
                CaseHead(str(h["case_id"]), int(h["seq"]), str(h["hash"])) for h in data["heads"]
            )
            cosigs = tuple(
                Cosignature(str(c["key_id"]), str(c["cosigned_at"]), str(c["signature"]))
                for c in data.get("cosignatures", ())
            )
            checkpoint = cls(
                str(data["key_id"]), str(data["time"]), heads, str(data["signature"]), cosigs
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise IntegrityError(f"malformed checkpoint: {exc!r}") from None
        if list(heads) != sorted(heads, key=lambda h: h.case_id) or len(
            {h.case_id for h in heads}
        ) != len(heads):
            raise IntegrityError("malformed checkpoint: heads must be sorted by case id, once each")
        if "size" in data and data["size"] != checkpoint.size:
            raise IntegrityError(
                f"malformed checkpoint: size {data['size']} but {checkpoint.size} heads"
            )
        return checkpoint

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        """Whether the station key signed this checkpoint."""
        return verify_signature(public_key, self.signature, self.note_body())

    def cosign(self, witness: Signer, cosigned_at: str) -> Checkpoint:
        """This checkpoint with ``witness``'s cosignature added."""
        cosig = Cosignature(
            witness.key_id, cosigned_at, witness.sign(self.cosignature_message(cosigned_at))
        )
        return replace(self, cosignatures=(*self.cosignatures, cosig))


def sign_checkpoint(signer: Signer, time: str, heads: Sequence[CaseHead]) -> Checkpoint:
    """A checkpoint over ``heads`` (sorted here) signed by the station key."""
    checkpoint = Checkpoint(signer.key_id, time, tuple(sorted(heads, key=lambda h: h.case_id)))
    return replace(checkpoint, signature=signer.sign(checkpoint.note_body()))


def _short(digest: str) -> str:
    return f"{digest[:12]}…"


def check_consistency(
    old: Checkpoint,
    new: Checkpoint,
    proofs: Mapping[str, Sequence[LedgerEntry]],
    public_keys: Mapping[str, Ed25519PublicKey],
) -> list[str]:
    """Why ``new`` is not a consistent successor of ``old`` (empty list: it is).

    Parameters
    ----------
    old, new
        Two checkpoints of the same station, ``old`` already accepted.
    proofs
        For each case whose head moved: its events after the old head, up to the new
        head, by seq.
    public_keys
        The station's keys by id (its history after a rotation): the new checkpoint and
        every event of a proof are signed by one of them.
    """
    problems: list[str] = []
    key = public_keys.get(new.key_id)
    if key is None or not new.verify(key):
        return ["the new checkpoint is not signed by the station key"]
    if new.time < old.time:
        problems.append(f"the new checkpoint ({new.time}) is older than the last one ({old.time})")
    for before in old.heads:
        after = new.head_of(before.case_id)
        if after is None:
            problems.append(
                f"case {before.case_id} is missing: the last checkpoint held its head "
                f"#{before.seq} {_short(before.hash)}"
            )
        elif after.seq < before.seq:
            problems.append(
                f"case {before.case_id} was rolled back: head #{after.seq}, but the last "
                f"checkpoint held #{before.seq} {_short(before.hash)}"
            )
        elif after.seq == before.seq:
            if after.hash != before.hash:
                problems.append(
                    f"case {before.case_id} was rewritten: head #{after.seq} is not the one "
                    "the last checkpoint held"
                )
        else:
            problems += _check_proof(before, after, proofs.get(before.case_id, ()), public_keys)
    return problems


def _check_proof(
    before: CaseHead,
    after: CaseHead,
    events: Sequence[LedgerEntry],
    public_keys: Mapping[str, Ed25519PublicKey],
) -> list[str]:
    case = before.case_id
    wanted = list(range(before.seq + 1, after.seq + 1))
    if [e.seq for e in events] != wanted or any(e.case_id != case for e in events):
        return [
            f"case {case}: no proof that head #{after.seq} extends #{before.seq} "
            f"(send its events #{before.seq + 1}–#{after.seq})"
        ]
    previous = before.hash
    for entry in events:
        if entry.prev_hash != previous:
            return [
                f"case {case}: event #{entry.seq} does not extend the head #{before.seq} "
                "the last checkpoint held: the case was rewritten"
            ]
        digest = entry_hash(entry)
        key = public_keys.get(entry.key_id)
        if (
            key is None
            or digest != entry.hash
            or not verify_signature(key, entry.signature, bytes.fromhex(digest))
        ):
            return [f"case {case}: event #{entry.seq} of the proof is not signed by the station"]
        previous = digest
    if previous != after.hash:
        return [f"case {case}: the proof does not end at head #{after.seq}"]
    return []


def check_store_against(
    witnessed: Checkpoint, chains: Mapping[str, Sequence[LedgerEntry]], *, where: str
) -> list[str]:
    """Why the store's chains are not consistent with a checkpoint a witness holds.

    Parameters
    ----------
    witnessed
        The latest checkpoint of this station that the witness holds.
    chains
        Every case in the store, its events by seq.
    where
        The witness, for the messages.
    """
    problems: list[str] = []
    behind = 0
    for head in witnessed.heads:
        chain = chains.get(head.case_id)
        if chain is None:
            behind += 1
            problems.append(
                f"case {head.case_id} is missing from the store, but {where} holds its head "
                f"#{head.seq} {_short(head.hash)} (checkpoint of {witnessed.time})"
            )
        elif len(chain) < head.seq:
            behind += 1
            problems.append(
                f"case {head.case_id} was rolled back: the store's head is #{len(chain)}, but "
                f"{where} holds #{head.seq} {_short(head.hash)} (checkpoint of {witnessed.time})"
            )
        elif chain[head.seq - 1].hash != head.hash:
            problems.append(
                f"case {head.case_id} was rewritten: event #{head.seq} is not the head "
                f"{_short(head.hash)} that {where} holds (checkpoint of {witnessed.time})"
            )
    if behind > 1:
        problems.insert(
            0,
            f"the store was rolled back: {behind} of the {witnessed.size} case(s) in the "
            f"checkpoint of {witnessed.time} held by {where} are missing or behind",
        )
    return problems
