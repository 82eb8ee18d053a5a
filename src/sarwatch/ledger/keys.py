"""The station's Ed25519 signing key: generated on first use, kept with mode 0600.

The private key lives at ``<home_dir>/keys/station-ed25519.pem`` (PKCS#8 PEM,
unencrypted: the station signs unattended; protect the account and the disk).
The directory is created with mode 0700 and the file with 0600; a key file that
other users can read is refused. The public key travels in every evidence
bundle; its id is the first 16 hex characters of the SHA-256 of the raw key.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from sarwatch._files import make_private_dirs
from sarwatch.errors import IntegrityError
from sarwatch.ledger.canonical import sha256_hex

__all__ = [
    "KEY_FILE",
    "Signer",
    "key_id",
    "load_or_create_signer",
    "load_public_key",
    "public_key_pem",
    "verify_signature",
]

KEY_FILE = Path("keys") / "station-ed25519.pem"


def key_id(public_key: Ed25519PublicKey) -> str:
    """Short fingerprint of a public key: 16 hex characters of SHA-256 of its raw bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return sha256_hex(raw)[:16]


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
    return Signer(loaded)
