"""The station's Ed25519 signing key: generated on first use, kept with mode 0600.

The private key lives at ``<home_dir>/keys/station-ed25519.pem`` (PKCS#8 PEM,
unencrypted: the station signs unattended; protect the account and the disk).
The directory is created with mode 0700 and the file with 0600; a key file that
other users can read is refused. The public key travels in every evidence
bundle; its id is the first 16 hex characters of the SHA-256 of the raw key.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sarwatch._files import make_private_dirs
from sarwatch.errors import IntegrityError
from sarwatch.ledger.canonical import LEGACY_FORMAT, canonical_json, sha256_hex


class SignedRecord(Protocol):
    """What :meth:`KeyHistory.retired_use` reads of a ledger entry."""

    @property
    def seq(self) -> int: ...
    @property
    def key_id(self) -> str: ...
    @property
    def recorded_at(self) -> str: ...


__all__ = [
    "HANDOVER_DOMAIN",
    "HISTORY_FILE",
    "KEY_FILE",
    "Handover",
    "KeyHistory",
    "KeyRecord",
    "Signer",
    "key_fingerprint",
    "key_id",
    "load_history",
    "load_or_create_signer",
    "load_public_key",
    "public_key_pem",
    "rotate_key",
    "verify_signature",
]

KEY_FILE = Path("keys") / "station-ed25519.pem"
#: The station's key history (public keys, validity, hand-overs), written by a rotation.
HISTORY_FILE = Path("keys") / "history.json"
#: Marks a hand-over statement, so that it can never be read as another signed record.
HANDOVER_DOMAIN = "sarwatch-key-handover/1"


def key_fingerprint(public_key: Ed25519PublicKey) -> str:
    """Full fingerprint of a public key: the SHA-256 of its raw bytes, 64 hex characters.

    What an operator compares and pins (a witness's allow-list); :func:`key_id` is its
    first 16 characters.
    """
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return sha256_hex(raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """Short fingerprint of a public key: 16 hex characters of SHA-256 of its raw bytes."""
    return key_fingerprint(public_key)[:16]


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    """The public key as SubjectPublicKeyInfo PEM text."""
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    """Parse a PEM public key; raise :class:`IntegrityError` if it is not Ed25519."""
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise IntegrityError(f"public key is not valid PEM: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise IntegrityError(f"expected an Ed25519 public key, got {type(key).__name__}")
    return key


def verify_signature(public_key: Ed25519PublicKey, signature_hex: str, message: bytes) -> bool:
    """Whether ``signature_hex`` is ``public_key``'s signature of ``message``."""
    try:
        public_key.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


@dataclass(frozen=True)
class Signer:
    """Signs with the station's private key."""

    private_key: Ed25519PrivateKey
    history: KeyHistory | None = None

    @property
    def origin_id(self) -> str:
        """The id of the station's first key: what names the station to a witness."""
        return self.history.keys[0].key_id if self.history else self.key_id

    def trusted_keys(self) -> dict[str, Ed25519PublicKey]:
        """Every key of the station's history and the current one, by key id."""
        keys = self.history.public_keys() if self.history else {}
        return {**keys, self.key_id: self.public_key}

    def retired_use(self, entries: Sequence[SignedRecord]) -> list[tuple[int, str]]:
        """Events signed by a retired key after its retirement (see :class:`KeyHistory`):
        ``(seq, message)`` each."""
        return self.history.retired_use(entries) if self.history else []

    @cached_property
    def public_key(self) -> Ed25519PublicKey:
        """The matching public key (derived once: every event and head carries it)."""
        return self.private_key.public_key()

    @cached_property
    def key_id(self) -> str:
        """Fingerprint of the public key."""
        return key_id(self.public_key)

    def sign(self, message: bytes) -> str:
        """Signature of ``message`` as 128 hex characters."""
        return self.private_key.sign(message).hex()

    @classmethod
    def generate(cls) -> Signer:
        """A fresh key kept only in memory (tests, throw-away stations)."""
        return cls(Ed25519PrivateKey.generate())


def _parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise IntegrityError(f"time {text!r} is not ISO 8601") from None
    if value.tzinfo is None:
        raise IntegrityError(f"time {text!r} has no time zone")
    return value


@dataclass(frozen=True)
class KeyRecord:
    """One station key and when it was valid (``valid_until`` ``None``: still current)."""

    key_id: str
    public_key_pem: str
    valid_from: str | None
    valid_until: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "key_id": self.key_id,
            "public_key_pem": self.public_key_pem,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        }


@dataclass(frozen=True)
class Handover:
    """A rotation: ``old_key_id`` hands over to ``new_key_id`` at ``time``, signed by both."""

    old_key_id: str
    new_key_id: str
    time: str
    old_signature: str = ""
    new_signature: str = ""

    def message(self) -> bytes:
        """The signed bytes: canonical JSON of the domain tag, both key ids and the time."""
        return canonical_json(
            {
                "handover": HANDOVER_DOMAIN,
                "old_key_id": self.old_key_id,
                "new_key_id": self.new_key_id,
                "time": self.time,
            },
            form=LEGACY_FORMAT,
        )

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "old_key_id": self.old_key_id,
            "new_key_id": self.new_key_id,
            "time": self.time,
            "old_signature": self.old_signature,
            "new_signature": self.new_signature,
        }


@dataclass(frozen=True)
class KeyHistory:
    """Every key the station has used, and the hand-overs between them (``keys.json``)."""

    keys: tuple[KeyRecord, ...]
    handovers: tuple[Handover, ...] = field(default_factory=tuple)

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        """Every key by id."""
        return {k.key_id: load_public_key(k.public_key_pem) for k in self.keys}

    def current(self) -> KeyRecord:
        """The key not retired."""
        return self.keys[-1]

    def problems(self) -> list[str]:
        """Why this history cannot be trusted (empty: every hand-over holds)."""
        problems: list[str] = []
        keys = {}
        for record in self.keys:
            try:
                keys[record.key_id] = load_public_key(record.public_key_pem)
            except IntegrityError as exc:
                problems.append(f"key {record.key_id}: {exc}")
                continue
            if key_id(keys[record.key_id]) != record.key_id:
                problems.append(f"key {record.key_id} is not the id of its public key")
        if len(self.handovers) != len(self.keys) - 1:
            problems.append(
                f"{len(self.keys)} key(s) need {len(self.keys) - 1} hand-over(s), "
                f"found {len(self.handovers)}"
            )
        for i, (old, new, handover) in enumerate(
            zip(self.keys, self.keys[1:], self.handovers, strict=False)
        ):
            n = i + 1
            if (handover.old_key_id, handover.new_key_id) != (old.key_id, new.key_id):
                problems.append(f"hand-over #{n} is not from key {old.key_id} to {new.key_id}")
                continue
            message = handover.message()
            for role, kid, sig in (
                ("old", old.key_id, handover.old_signature),
                ("new", new.key_id, handover.new_signature),
            ):
                if kid not in keys or not verify_signature(keys[kid], sig, message):
                    problems.append(f"hand-over #{n} is not signed by the {role} key {kid}")
            if old.valid_until != handover.time or new.valid_from != handover.time:
                problems.append(
                    f"hand-over #{n} at {handover.time} does not match the keys' validity"
                )
        if self.keys and self.keys[-1].valid_until is not None:
            problems.append("the last key of the history is retired: no key is current")
        return problems

    def retired_use(self, entries: Sequence[SignedRecord]) -> list[tuple[int, str]]:
        """Events signed by a key outside its validity, refused as forged: ``(seq, message)``."""
        by_id = {k.key_id: k for k in self.keys}
        handed = {h.old_key_id: h.new_key_id for h in self.handovers}
        findings: list[tuple[int, str]] = []
        for entry in entries:
            record = by_id.get(entry.key_id)
            if record is None:
                continue
            try:
                at = _parse_time(entry.recorded_at)
                late = record.valid_until is not None and at > _parse_time(record.valid_until)
                early = record.valid_from is not None and at < _parse_time(record.valid_from)
            except IntegrityError:
                late = early = False
            if late:
                findings.append(
                    (
                        entry.seq,
                        f"event #{entry.seq} is signed by key {entry.key_id}, retired at "
                        f"{record.valid_until} (handed over to {handed.get(entry.key_id)}), but "
                        f"says it was recorded at {entry.recorded_at}: refused",
                    )
                )
            elif early:
                findings.append(
                    (
                        entry.seq,
                        f"event #{entry.seq} is signed by key {entry.key_id} before it was valid "
                        f"({record.valid_from}): refused",
                    )
                )
        return findings

    def to_json(self) -> dict[str, Any]:
        """``keys.json``: every key with its validity interval, and the hand-overs."""
        return {
            "keys": [k.to_json() for k in self.keys],
            "handovers": [h.to_json() for h in self.handovers],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KeyHistory:
        """Inverse of :meth:`to_json` (:class:`IntegrityError` if malformed)."""
        try:
            keys = tuple(
                KeyRecord(
                    str(k["key_id"]),
                    str(k["public_key_pem"]),
                    None if k["valid_from"] is None else str(k["valid_from"]),
                    None if k["valid_until"] is None else str(k["valid_until"]),
                )
                for k in data["keys"]
            )
            handovers = tuple(
                Handover(
                    str(h["old_key_id"]),
                    str(h["new_key_id"]),
                    str(h["time"]),
                    str(h["old_signature"]),
                    str(h["new_signature"]),
                )
                for h in data["handovers"]
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise IntegrityError(f"malformed key history: {exc!r}") from None
        if not keys:
            raise IntegrityError("malformed key history: no key")
        return cls(keys, handovers)


def rotate_key(old: Signer, new: Signer, time: str) -> KeyHistory:
    """The history after ``old`` hands over to ``new`` at ``time`` (ISO 8601 UTC)."""
    _parse_time(time)
    history = old.history or KeyHistory(
        (KeyRecord(old.key_id, public_key_pem(old.public_key), None),)
    )
    if history.current().key_id != old.key_id:
        raise IntegrityError(f"key {old.key_id} is not the current key of the history")
    handover = Handover(old.key_id, new.key_id, time)
    message = handover.message()
    handover = replace(handover, old_signature=old.sign(message), new_signature=new.sign(message))
    keys = (
        *history.keys[:-1],
        replace(history.current(), valid_until=time),
        KeyRecord(new.key_id, public_key_pem(new.public_key), time),
    )
    return KeyHistory(keys, (*history.handovers, handover))


def load_history(home_dir: Path) -> KeyHistory | None:
    """The key history under ``home_dir`` (``None`` before the first rotation)."""
    path = Path(home_dir) / HISTORY_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise IntegrityError(f"the key history {path} is not JSON: {exc}") from None
    return KeyHistory.from_json(data)


def load_or_create_signer(home_dir: Path) -> Signer:
    """Load the station key under ``home_dir``, creating it (0600) on first use.

    Raises
    ------
    IntegrityError
        If the key file is readable by group or others, or is not an Ed25519 key.
    """
    path = Path(home_dir) / KEY_FILE
    make_private_dirs(path.parent)  # the home and its keys/ directory: owner only
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # atomic; fails if another process won the race
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise IntegrityError(
            f"the station key {path} has mode {mode:o}: other users may read it. "
            f"Run: chmod 600 {path}"
        )
    try:
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except ValueError as exc:
        raise IntegrityError(f"the station key {path} is unreadable: {exc}") from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise IntegrityError(f"the station key {path} is not an Ed25519 key")
    signer = Signer(loaded)
    history = load_history(home_dir)
    if history is not None and history.current().key_id != signer.key_id:
        raise IntegrityError(
            f"the station key {path} (id {signer.key_id}) is not the current key of the "
            f"history {Path(home_dir) / HISTORY_FILE} ({history.current().key_id}): a rotation "
            "was interrupted or a file restored from an older backup. Restore the matching pair."
        )
    return replace(signer, history=history)
