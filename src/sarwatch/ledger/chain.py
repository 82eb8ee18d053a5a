"""The hash-chained, signed event log of a case, and its verification.

Each case has its own chain. An entry's *body* is the canonical JSON of
``case_id, seq, recorded_at, kind, actor, payload, prev_hash, key_id`` and, from
record format 2 on, ``format``; its hash is the SHA-256 of the body, and its
signature is the station's Ed25519 signature of the hash's 32 raw bytes. The body
is canonical in the entry's own record format (:mod:`sarwatch.ledger.canonical`:
RFC 8785 for format 2, Python's ``json.dumps`` form for format 1, whose entries
carry no ``format`` field), so that entries written before RFC 8785 still verify.
``prev_hash`` of entry 1 is :data:`GENESIS`; of entry *n*, the hash of entry *n-1*.
The case's *head* (last seq and hash) is signed too, so that events cut from the
end are found.

:func:`verify_chain` names what was done to a chain: an event **edited** (its
content no longer matches its signed hash), **deleted** (an original sequence
number is missing), **reordered** (an event carries another number than the one
it was signed with, or appears out of order), **inserted** (an event not signed
by a trusted key, or a duplicate). What it cannot see: a whole chain rolled back
to an earlier, complete state together with its earlier signed head; compare the
head with one published or exported earlier (an evidence bundle) for that.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sarwatch.errors import InputError, IntegrityError
from sarwatch.ledger.canonical import (
    CURRENT_FORMAT,
    LEGACY_FORMAT,
    RECORD_FORMATS,
    canonical_json,
    sha256_hex,
)
from sarwatch.ledger.keys import Signer, verify_signature

__all__ = [
    "GENESIS",
    "Finding",
    "LedgerEntry",
    "Problem",
    "SignedHead",
    "VerificationReport",
    "entry_hash",
    "read_payload",
    "record_payload",
    "seal",
    "sign_head",
    "verify_chain",
    "verify_station_chain",
]

#: ``prev_hash`` of the first entry of every chain.
GENESIS = "0" * 64

#: What a finding reports; ``projection``: a case's stored state is not the fold of its chain.
Problem = Literal[
    "edited", "deleted", "reordered", "inserted", "broken_link", "bad_head", "projection"
]


@dataclass(frozen=True)
class LedgerEntry:
    """One sealed event.

    Attributes
    ----------
    case_id, seq
        The chain and the position in it (from 1).
    recorded_at
        When the station recorded it, ISO 8601 UTC text.
    kind, actor, payload
        What happened, who recorded it, the details (plain JSON).
    prev_hash, hash
        SHA-256 hex of the previous entry, and of this entry's body.
    key_id, signature
        Which key signed, and the Ed25519 signature (hex) of the 32 bytes of ``hash``.
    format
        The record format (1: before RFC 8785, no ``format`` field in the body; 2:
        RFC 8785 canonical JSON, ``"format": 2`` in the body).
    """

    case_id: str
    seq: int
    recorded_at: str
    kind: str
    actor: str
    payload: dict[str, Any]
    prev_hash: str
    key_id: str
    hash: str = ""
    signature: str = ""
    format: int = LEGACY_FORMAT

    def body(self) -> dict[str, Any]:
        """The hashed fields (``format`` among them from format 2 on)."""
        body = {
            "case_id": self.case_id,
            "seq": self.seq,
            "recorded_at": self.recorded_at,
            "kind": self.kind,
            "actor": self.actor,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "key_id": self.key_id,
        }
        if self.format != LEGACY_FORMAT:
            body["format"] = self.format
        return body

    def canonical_body(self) -> bytes:
        """The hashed bytes: the body's canonical JSON in the entry's record format.

        Raises :class:`~sarwatch.errors.InputError` if the body cannot be written so.
        """
        return canonical_json(self.body(), form=self.format)

    def to_json(self) -> dict[str, Any]:
        """Body plus hash and signature (one line of an exported ledger)."""
        return {**self.body(), "hash": self.hash, "signature": self.signature}

    def to_line(self) -> bytes:
        """One line of an exported ledger: :meth:`to_json` canonical in the entry's
        format, without the newline (Raises as :meth:`canonical_body`)."""
        return canonical_json(self.to_json(), form=self.format)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LedgerEntry:
        """Inverse of :meth:`to_json`; raises :class:`IntegrityError` if fields are missing.

        ``seq`` must be an integer and ``payload`` an object, as :meth:`to_json` writes
        them: nothing is coerced into something that could then hash as the original.
        ``format`` is absent (format 1) or one of the later formats this sarwatch reads.
        """
        try:
            if not isinstance(data["seq"], int) or isinstance(data["seq"], bool):
                raise TypeError(f"seq must be an integer, got {data['seq']!r}")
            if not isinstance(data["payload"], dict):
                raise TypeError(f"payload must be an object, got {data['payload']!r}")
            form = data.get("format", LEGACY_FORMAT)
            if "format" in data and (
                type(form) is not int or form == LEGACY_FORMAT or form not in RECORD_FORMATS
            ):
                raise ValueError(
                    f"record format {form!r} is not one this sarwatch reads (a record without "
                    f"'format' is format 1; later ones: "
                    f"{', '.join(str(f) for f in RECORD_FORMATS if f != LEGACY_FORMAT)}); "
                    "a newer sarwatch may read it"
                )
            return cls(
                case_id=str(data["case_id"]),
                seq=data["seq"],
                recorded_at=str(data["recorded_at"]),
                kind=str(data["kind"]),
                actor=str(data["actor"]),
                payload=read_payload(data["payload"], form),
                prev_hash=str(data["prev_hash"]),
                key_id=str(data["key_id"]),
                hash=str(data.get("hash", "")),
                signature=str(data.get("signature", "")),
                format=form,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise IntegrityError(f"malformed ledger entry: {exc!r} in {data!r:.300}") from None


def entry_hash(entry: LedgerEntry) -> str:
    """SHA-256 hex of the entry's canonical body (in the entry's record format)."""
    return sha256_hex(entry.canonical_body())


def read_payload(payload: dict[str, Any], form: int) -> dict[str, Any]:
    """A payload as read from a store or a file, as its record format reads it back.

    In format 2 a number is its value (``3.0`` in the stored text is ``3``, as RFC 8785
    writes it), so the domain sees what was signed. A payload the format cannot
    carry is returned as it is: its hash no longer matches, and it is found edited.
    """
    if form == LEGACY_FORMAT:
        return dict(payload)
    try:
        return record_payload(payload, form)
    except InputError:
        return dict(payload)


def record_payload(payload: dict[str, Any], form: int = CURRENT_FORMAT) -> dict[str, Any]:
    """``payload`` as a reader gets it back from a record of format ``form``.

    In format 2, ``10.0`` reads back as ``10``; the case's projection is built from
    this, so that it is exactly the fold of the signed events. Raises
    :class:`~sarwatch.errors.InputError` for what the format cannot carry (an
    integer beyond ±(2^53 − 1), NaN...).
    """
    result: dict[str, Any] = json.loads(canonical_json(payload, form=form))
    return result


def seal(
    signer: Signer,
    *,
    case_id: str,
    seq: int,
    recorded_at: str,
    kind: str,
    actor: str,
    payload: dict[str, Any],
    prev_hash: str,
    form: int = CURRENT_FORMAT,
) -> LedgerEntry:
    """Build, hash and sign the next entry of a chain (record format ``form``)."""
    # Round-trip the payload so that what is hashed is exactly what a reader gets back.
    payload = record_payload(payload, form)
    entry = LedgerEntry(
        case_id=case_id,
        seq=seq,
        recorded_at=recorded_at,
        kind=kind,
        actor=actor,
        payload=payload,
        prev_hash=prev_hash,
        key_id=signer.key_id,
        format=form,
    )
    digest = entry_hash(entry)
    return replace(entry, hash=digest, signature=signer.sign(bytes.fromhex(digest)))


@dataclass(frozen=True)
class SignedHead:
    """The last entry of a chain, signed: lets a verifier see events cut from the end."""

    case_id: str
    seq: int
    hash: str
    key_id: str
    signature: str

    def message(self) -> bytes:
        """The signed bytes: ``{"case_id":"…","hash":"…","seq":N}`` (the same bytes in
        both record formats for a case id, a hex hash and a sequence number)."""
        return canonical_json(
            {"case_id": self.case_id, "seq": self.seq, "hash": self.hash}, form=LEGACY_FORMAT
        )

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "case_id": self.case_id,
            "seq": self.seq,
            "hash": self.hash,
            "key_id": self.key_id,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SignedHead:
        """Inverse of :meth:`to_json`."""
        try:
            return cls(
                str(data["case_id"]),
                int(data["seq"]),
                str(data["hash"]),
                str(data["key_id"]),
                str(data["signature"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise IntegrityError(f"malformed signed head: {exc!r}") from None


def sign_head(signer: Signer, entry: LedgerEntry) -> SignedHead:
    """Sign ``entry`` as the head of its chain."""
    head = SignedHead(entry.case_id, entry.seq, entry.hash, signer.key_id, "")
    return replace(head, signature=signer.sign(head.message()))


@dataclass(frozen=True)
class Finding:
    """One problem found in a chain."""

    problem: Problem
    seq: int | None
    message: str


@dataclass(frozen=True)
class VerificationReport:
    """The result of :func:`verify_chain`."""

    case_id: str
    n_events: int
    head_seq: int | None
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when nothing was found."""
        return not self.findings

    def problems(self) -> set[str]:
        """The kinds of problems found."""
        return {f.problem for f in self.findings}

    def summary(self) -> str:
        """One line if intact, else one line per finding."""
        if self.ok:
            return f"case {self.case_id}: {self.n_events} events, chain intact, signatures valid"
        lines = [f"case {self.case_id}: {len(self.findings)} problem(s) found"]
        lines += [f"  - {f.problem}: {f.message}" for f in self.findings]
        return "\n".join(lines)

    def raise_for_problems(self) -> None:
        """Raise :class:`IntegrityError` with the summary if anything was found."""
        if not self.ok:
            raise IntegrityError(self.summary())


def _hash_with_seq(entry: LedgerEntry, seq: int) -> str | None:
    return _hash_or_none(replace(entry, seq=seq))


def _hash_or_none(entry: LedgerEntry) -> str | None:
    """The entry's hash, or ``None`` if its body is not canonical JSON (NaN, infinity...).

    The station never signs such a body: one read back from a store or a file was
    edited, and is reported so rather than stopping the verification.
    """
    try:
        return entry_hash(entry)
    except InputError:
        return None


def verify_chain(
    entries: Sequence[LedgerEntry],
    public_keys: Mapping[str, Ed25519PublicKey],
    *,
    case_id: str | None = None,
    head: SignedHead | None = None,
) -> VerificationReport:
    """Check a case's chain, in the order given, and name every problem.

    Parameters
    ----------
    entries
        The chain as stored (database order by ``seq``, or file order in a bundle).
    public_keys
        Trusted keys by key id (the station's).
    case_id
        The chain's case; default that of the first entry.
    head
        The signed head, if known; without it, events cut from the end go unseen.

    Returns
    -------
    VerificationReport
        ``ok`` when the chain is intact; otherwise findings that name the event(s).
    """
    case_id = case_id or (entries[0].case_id if entries else (head.case_id if head else "?"))
    findings: list[Finding] = []
    # 1. Authenticate each entry, and recover the number it was signed with.
    original: list[tuple[int, LedgerEntry]] = []  # (original seq, entry) of signed entries
    max_seq = max([e.seq for e in entries] + [head.seq if head else 0, len(entries)])
    for entry in entries:
        key = public_keys.get(entry.key_id)
        signed = key is not None and verify_signature(
            key, entry.signature, bytes.fromhex(entry.hash) if _is_hex(entry.hash) else b""
        )
        if not signed:
            why = (
                f"signed by unknown key {entry.key_id!r}"
                if key is None
                else "its signature does not match"
            )
            findings.append(
                Finding(
                    "inserted",
                    entry.seq,
                    f"event #{entry.seq} ({entry.kind}) is not signed by the station key "
                    f"({why}): inserted or forged",
                )
            )
            continue
        if entry.case_id != case_id:
            findings.append(
                Finding(
                    "inserted",
                    entry.seq,
                    f"event #{entry.seq} ({entry.kind}) belongs to case {entry.case_id}, "
                    f"not {case_id}: inserted",
                )
            )
            continue
        if _hash_or_none(entry) == entry.hash:
            original.append((entry.seq, entry))
            continue
        twin = next((e for e in entries if e is not entry and e.hash == entry.hash), None)
        if twin is not None and _hash_or_none(twin) == twin.hash:
            findings.append(
                Finding(
                    "inserted",
                    entry.seq,
                    f"event #{entry.seq} ({entry.kind}) carries the hash and signature of event "
                    f"#{twin.seq}: a forged copy was inserted",
                )
            )
            continue
        moved_from = next(
            (
                j
                for j in range(1, max_seq + 2)
                if j != entry.seq and _hash_with_seq(entry, j) == entry.hash
            ),
            None,
        )
        if moved_from is not None:
            findings.append(
                Finding(
                    "reordered",
                    moved_from,
                    f"event #{moved_from} ({entry.kind}) now carries number #{entry.seq}: "
                    "the events were reordered",
                )
            )
            original.append((moved_from, entry))
        else:
            findings.append(
                Finding(
                    "edited",
                    entry.seq,
                    f"event #{entry.seq} ({entry.kind}) was edited after it was signed: its "
                    "content no longer matches its signed hash",
                )
            )
            original.append((entry.seq, entry))
    # 2. Order as given, duplicates, gaps.
    flagged_moved = {f.seq for f in findings if f.problem == "reordered"}
    seen: dict[int, LedgerEntry] = {}
    previous = 0
    for seq, entry in original:
        if seq in seen:
            findings.append(
                Finding("inserted", entry.seq, f"event #{seq} appears twice: a copy was inserted")
            )
            continue
        if seq < previous and seq not in flagged_moved:
            findings.append(
                Finding(
                    "reordered",
                    seq,
                    f"event #{seq} ({entry.kind}) appears after event #{previous}: reordered",
                )
            )
        seen[seq] = entry
        previous = max(previous, seq)
    last = max(seen) if seen else 0
    if head is not None:
        head_key = public_keys.get(head.key_id)
        if (
            head_key is None
            or head.case_id != case_id
            or not verify_signature(head_key, head.signature, head.message())
        ):
            findings.append(
                Finding("bad_head", head.seq, "the head record is not signed by the station key")
            )
        else:
            if head.seq > last:
                cut = f"#{last + 1}" if head.seq == last + 1 else f"#{last + 1}–#{head.seq}"
                findings.append(
                    Finding(
                        "deleted",
                        last + 1,
                        f"event(s) {cut} cut from the end: the signed head says the chain "
                        f"has {head.seq} events",
                    )
                )
            elif head.seq in seen and seen[head.seq].hash != head.hash:
                findings.append(
                    Finding("bad_head", head.seq, f"event #{head.seq} is not the signed head")
                )
            last = max(last, head.seq)
    for seq in range(1, last + 1):
        if seq not in seen and not (head is not None and seq > max(seen, default=0)):
            findings.append(Finding("deleted", seq, f"event #{seq} is missing: deleted"))
    # 3. Links between consecutive surviving events.
    reported = {(f.problem, f.seq) for f in findings}
    for seq in sorted(seen):
        expected = GENESIS if seq == 1 else (seen[seq - 1].hash if seq - 1 in seen else None)
        if expected is None or seen[seq].prev_hash == expected:
            continue
        if ("edited", seq) in reported or ("edited", seq - 1) in reported:
            continue
        findings.append(
            Finding(
                "broken_link",
                seq,
                f"event #{seq} does not point to event #{seq - 1}: the chain was spliced",
            )
        )
    findings.sort(key=lambda f: (f.seq if f.seq is not None else 0, f.problem))
    return VerificationReport(
        case_id=case_id,
        n_events=len(entries),
        head_seq=head.seq if head else None,
        findings=tuple(findings),
    )


def _is_hex(text: object) -> bool:
    try:
        bytes.fromhex(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return isinstance(text, str) and len(text) == 64


def verify_station_chain(
    entries: Sequence[LedgerEntry],
    signer: Signer,
    *,
    case_id: str | None = None,
    head: SignedHead | None = None,
) -> VerificationReport:
    """:func:`verify_chain` against every key of the station's history (events signed
    before a rotation verify), with the events a retired key signed after its hand-over
    found as ``inserted`` (forged with a key kept after its retirement)."""
    report = verify_chain(entries, signer.trusted_keys(), case_id=case_id, head=head)
    retired = [Finding("inserted", seq, why) for seq, why in signer.retired_use(entries)]
    return replace(report, findings=(*report.findings, *retired)) if retired else report
