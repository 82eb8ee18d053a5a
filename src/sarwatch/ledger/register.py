"""The station register: a signed chain of every case the station opened.

A case's own chain (:mod:`sarwatch.ledger.chain`) shows any change to its events,
but not that the whole case, its events and its row, was deleted. The register
closes that gap: opening a case appends an entry to one station-wide chain, in
the same transaction. An entry's *body* is the canonical JSON of ``register,
seq, case_id, opened_at, first_hash, prev_hash, key_id`` (``first_hash`` is the
hash of the case's event #1); its hash is the SHA-256 of the body and its
signature the station's Ed25519 signature of that hash. The register's *head*
(last seq and hash) is signed too, so that entries cut from the end are seen.

:func:`verify_register` compares the register with the cases in the store and
names what it finds: a case **deleted** (registered, no longer in the store), a
case **inserted** (in the store, never registered), a case **replaced** (its first
event is not the one registered), and an entry of the register itself edited,
deleted, reordered or forged. What it cannot see, as for a case's chain: the
register rolled back to an earlier state together with its earlier signed head.
The head's hash is printed by ``sarwatch ledger verify``: publish it (or keep
it outside the station) to anchor the register.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sarwatch.errors import IntegrityError
from sarwatch.ledger.canonical import LEGACY_FORMAT, canonical_json, sha256_hex
from sarwatch.ledger.chain import GENESIS, Finding
from sarwatch.ledger.keys import Signer, verify_signature

__all__ = [
    "REGISTER_DOMAIN",
    "RegisterEntry",
    "RegisterHead",
    "RegisterReport",
    "check_anchor",
    "check_registration",
    "register_case",
    "verify_register",
]

#: Marks register bodies, so that they can never be read as a case's event or head.
#: Part of every entry's hashed body and of the head's message, not stored.
REGISTER_DOMAIN = "sarwatch-station-register/1"
_DOMAIN = REGISTER_DOMAIN


@dataclass(frozen=True)
class RegisterEntry:
    """One case in the station register.

    Attributes
    ----------
    seq
        Position in the register, from 1.
    case_id
        The case opened.
    opened_at
        When the station recorded the case's first event, ISO 8601 UTC text.
    first_hash
        SHA-256 hex of the case's event #1: the case this entry stands for.
    prev_hash, hash
        SHA-256 hex of the previous entry (:data:`~sarwatch.ledger.GENESIS` for the
        first), and of this entry's body.
    key_id, signature
        Which key signed, and the Ed25519 signature (hex) of ``hash``.
    """

    seq: int
    case_id: str
    opened_at: str
    first_hash: str
    prev_hash: str
    key_id: str
    hash: str = ""
    signature: str = ""

    def body(self) -> dict[str, Any]:
        """The hashed fields."""
        return {
            "register": _DOMAIN,
            "seq": self.seq,
            "case_id": self.case_id,
            "opened_at": self.opened_at,
            "first_hash": self.first_hash,
            "prev_hash": self.prev_hash,
            "key_id": self.key_id,
        }

    def computed_hash(self) -> str:
        """SHA-256 hex of the canonical body (ASCII text and small integers: the same
        bytes in both record formats)."""
        return sha256_hex(canonical_json(self.body(), form=LEGACY_FORMAT))

    def to_json(self) -> dict[str, Any]:
        """Body (without the domain tag) plus hash and signature."""
        body = self.body()
        del body["register"]
        return {**body, "hash": self.hash, "signature": self.signature}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RegisterEntry:
        """Inverse of :meth:`to_json`; raises :class:`IntegrityError` if fields are missing."""
        try:
            return cls(
                seq=int(data["seq"]),
                case_id=str(data["case_id"]),
                opened_at=str(data["opened_at"]),
                first_hash=str(data["first_hash"]),
                prev_hash=str(data["prev_hash"]),
                key_id=str(data["key_id"]),
                hash=str(data.get("hash", "")),
                signature=str(data.get("signature", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise IntegrityError(f"malformed register entry: {exc!r}") from None


@dataclass(frozen=True)
class RegisterHead:
    """The last entry of the register, signed."""

    seq: int
    hash: str
    key_id: str
    signature: str

    def message(self) -> bytes:
        """The signed bytes."""
        return canonical_json(
            {"register_head": _DOMAIN, "seq": self.seq, "hash": self.hash}, form=LEGACY_FORMAT
        )

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "seq": self.seq,
            "hash": self.hash,
            "key_id": self.key_id,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RegisterHead:
        """Inverse of :meth:`to_json`."""
        try:
            return cls(
                int(data["seq"]), str(data["hash"]), str(data["key_id"]), str(data["signature"])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise IntegrityError(f"malformed register head: {exc!r}") from None


def register_case(
    signer: Signer,
    head: RegisterHead | None,
    *,
    case_id: str,
    opened_at: str,
    first_hash: str,
) -> tuple[RegisterEntry, RegisterHead]:
    """The next register entry for a newly opened case, and the new signed head.

    Parameters
    ----------
    signer
        The station key.
    head
        The register's current head (``None`` while the register is empty).
    case_id, opened_at, first_hash
        The case, when its first event was recorded, and that event's hash.
    """
    entry = RegisterEntry(
        seq=(head.seq if head else 0) + 1,
        case_id=case_id,
        opened_at=opened_at,
        first_hash=first_hash,
        prev_hash=head.hash if head else GENESIS,
        key_id=signer.key_id,
    )
    digest = entry.computed_hash()
    entry = replace(entry, hash=digest, signature=signer.sign(bytes.fromhex(digest)))
    new_head = RegisterHead(entry.seq, entry.hash, signer.key_id, "")
    return entry, replace(new_head, signature=signer.sign(new_head.message()))


@dataclass(frozen=True)
class RegisterReport:
    """The result of :func:`verify_register`: ``seq`` in findings is the register's."""

    n_entries: int
    n_cases: int
    head: RegisterHead | None
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not self.findings

    def summary(self) -> str:
        """One line if intact (with the head to publish), else one line per finding."""
        if self.ok:
            if self.head is None:
                return "station register: empty"
            return (
                f"station register: {self.n_entries} case(s), intact; "
                f"head #{self.head.seq} {self.head.hash}"
            )
        lines = [f"station register: {len(self.findings)} problem(s) found"]
        lines += [f"  - {f.problem}: {f.message}" for f in self.findings]
        return "\n".join(lines)


def _signed(entry: RegisterEntry, keys: Mapping[str, Ed25519PublicKey]) -> bool:
    key = keys.get(entry.key_id)
    try:
        digest = bytes.fromhex(entry.hash)
    except ValueError:
        return False
    return key is not None and len(digest) == 32 and verify_signature(key, entry.signature, digest)


def _check_entries(
    entries: Sequence[RegisterEntry], keys: Mapping[str, Ed25519PublicKey]
) -> tuple[list[Finding], dict[int, RegisterEntry], set[int]]:
    """Authenticate entries and recover their signed numbers.

    Returns the findings, the intact entries by number, and the numbers of the
    entries found edited (present, so not to be named deleted as well).
    """
    findings: list[Finding] = []
    good: dict[int, RegisterEntry] = {}
    edited: set[int] = set()
    previous = 0
    for entry in entries:
        if not _signed(entry, keys):
            findings.append(
                Finding(
                    "inserted",
                    entry.seq,
                    f"register entry #{entry.seq} (case {entry.case_id}) is not signed by the "
                    "station key: inserted or forged",
                )
            )
            continue
        if entry.computed_hash() != entry.hash:
            moved = next(
                (
                    j
                    for j in range(1, len(entries) + 2)
                    if replace(entry, seq=j).computed_hash() == entry.hash
                ),
                None,
            )
            if moved is None:
                findings.append(
                    Finding(
                        "edited",
                        entry.seq,
                        f"register entry #{entry.seq} was edited after it was signed "
                        f"(it now names case {entry.case_id})",
                    )
                )
                edited.add(entry.seq)
                continue
            findings.append(
                Finding(
                    "reordered",
                    moved,
                    f"register entry #{moved} (case {entry.case_id}) now carries number "
                    f"#{entry.seq}",
                )
            )
            entry = replace(entry, seq=moved)
        if entry.seq in good:
            findings.append(
                Finding("inserted", entry.seq, f"register entry #{entry.seq} appears twice")
            )
            continue
        if entry.seq < previous:
            findings.append(
                Finding(
                    "reordered",
                    entry.seq,
                    f"register entry #{entry.seq} appears after #{previous}",
                )
            )
        previous = max(previous, entry.seq)
        good[entry.seq] = entry
    return findings, good, edited


def _check_head(
    head: RegisterHead | None,
    good: Mapping[int, RegisterEntry],
    keys: Mapping[str, Ed25519PublicKey],
    edited: set[int],
) -> tuple[list[Finding], int]:
    """Findings about the head, and the number of entries the register should have."""
    last = max(set(good) | edited, default=0)
    if head is None:
        if good:
            return [
                Finding(
                    "bad_head",
                    None,
                    "the register's signed head was removed: cases cut from the end of the "
                    "register cannot be ruled out",
                )
            ], last
        return [], last
    key = keys.get(head.key_id)
    if key is None or not verify_signature(key, head.signature, head.message()):
        return [
            Finding("bad_head", head.seq, "the register head is not signed by the station key")
        ], last
    if head.seq > last:
        cut = f"#{last + 1}" if head.seq == last + 1 else f"#{last + 1}–#{head.seq}"
        return [
            Finding(
                "deleted",
                last + 1,
                f"register entries {cut} cut from the end: the signed head says the station "
                f"opened {head.seq} case(s); the case(s) they named were deleted with them",
            )
        ], head.seq
    if head.seq in good and good[head.seq].hash != head.hash:
        return [
            Finding("bad_head", head.seq, f"register entry #{head.seq} is not the signed head")
        ], last
    return [], last


def verify_register(
    entries: Sequence[RegisterEntry],
    public_keys: Mapping[str, Ed25519PublicKey],
    *,
    head: RegisterHead | None,
    first_hashes: Mapping[str, str | None],
    adoptable: Collection[str] = (),
) -> RegisterReport:
    """Check the register and compare it with the cases in the store.

    Parameters
    ----------
    entries
        The register as stored, by ``seq``.
    public_keys
        Trusted keys by key id (the station's).
    head
        The register's signed head as stored.
    first_hashes
        Every case in the store by id, with the hash of its event #1 (``None`` if the
        case has no events left).
    adoptable
        Unregistered cases opened before the register began (a store upgraded from
        before it): ``sarwatch ledger adopt`` is suggested for those only.

    Returns
    -------
    RegisterReport
        ``ok`` when the register is intact and names exactly the cases in the store.
    """
    findings, good, edited = _check_entries(entries, public_keys)
    head_findings, last = _check_head(head, good, public_keys, edited)
    findings += head_findings
    for seq in range(1, last + 1):
        if seq not in good and seq not in edited and seq <= max(set(good) | edited, default=0):
            findings.append(
                Finding(
                    "deleted",
                    seq,
                    f"register entry #{seq} is missing: deleted, perhaps with the case it named",
                )
            )
    for seq in sorted(good):
        expected = GENESIS if seq == 1 else (good[seq - 1].hash if seq - 1 in good else None)
        if expected is not None and good[seq].prev_hash != expected:
            findings.append(
                Finding(
                    "broken_link",
                    seq,
                    f"register entry #{seq} does not point to entry #{seq - 1}: spliced",
                )
            )
    registered: dict[str, RegisterEntry] = {}
    for entry in good.values():
        registered.setdefault(entry.case_id, entry)
    for case_id, entry in sorted(registered.items(), key=lambda item: item[1].seq):
        if case_id not in first_hashes:
            findings.append(
                Finding(
                    "deleted",
                    entry.seq,
                    f"case {case_id} (register #{entry.seq}, opened {entry.opened_at}) is "
                    "missing from the store: the whole case was deleted",
                )
            )
        elif first_hashes[case_id] != entry.first_hash:
            findings.append(
                Finding(
                    "edited",
                    entry.seq,
                    f"case {case_id}'s first event is not the one registered at #{entry.seq}: "
                    "the case was replaced or its first event removed",
                )
            )
    for case_id in sorted(set(first_hashes) - set(registered)):
        why = (
            "it predates the register (run 'sarwatch ledger adopt' once)"
            if case_id in adoptable
            else "it was inserted behind the station's back, or its register entry was removed"
        )
        findings.append(
            Finding(
                "inserted",
                None,
                f"case {case_id} is in the store but not in the station register: {why}",
            )
        )
    findings.sort(key=lambda f: (f.seq if f.seq is not None else 0, f.problem))
    return RegisterReport(
        n_entries=len(entries), n_cases=len(first_hashes), head=head, findings=tuple(findings)
    )


def check_registration(
    entry: RegisterEntry,
    head: RegisterHead,
    public_keys: Mapping[str, Ed25519PublicKey],
    *,
    case_id: str,
    first_hash: str,
) -> list[str]:
    """Problems with one case's register entry as carried by an evidence bundle.

    Checks that the entry and the register head are signed by a trusted key, that
    the entry names ``case_id`` and its first event (``first_hash``), and that the
    head is not older than the entry. Returns an empty list when all holds.
    """
    problems = []
    if not _signed(entry, public_keys) or entry.computed_hash() != entry.hash:
        problems.append("the register entry is not signed by the station key, or was edited")
    if entry.case_id != case_id:
        problems.append(f"the register entry is for case {entry.case_id}, not {case_id}")
    if entry.first_hash != first_hash:
        problems.append("the register entry names another first event than the ledger's")
    key = public_keys.get(head.key_id)
    if key is None or not verify_signature(key, head.signature, head.message()):
        problems.append("the register head is not signed by the station key")
    elif head.seq < entry.seq:
        problems.append(f"the register head #{head.seq} is older than the entry #{entry.seq}")
    return problems


def check_anchor(
    entries: Sequence[RegisterEntry], *, seq: int, hash_: str, where: str = "the anchor"
) -> list[Finding]:
    """Whether the register still holds, unchanged, an entry kept outside the station.

    An *anchor* is a register head published or exported earlier (printed by
    ``sarwatch ledger verify``, carried by every evidence bundle). A register
    rolled back to before it, or rewritten since, no longer holds entry ``seq``
    with hash ``hash_``: that is what the signed head alone cannot show.
    """
    found = next((e for e in entries if e.seq == seq), None)
    if found is None:
        return [
            Finding(
                "deleted",
                seq,
                f"register entry #{seq}, recorded in {where}, is missing: the register was "
                "rolled back or cut after it was anchored",
            )
        ]
    if found.hash != hash_:
        return [
            Finding(
                "edited",
                seq,
                f"register entry #{seq} is not the one recorded in {where}: the register was "
                "rewritten after it was anchored",
            )
        ]
    return []
