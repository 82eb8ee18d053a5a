"""Rotating the station key: a new Ed25519 key, a hand-over signed by the old and the new.

The retired private key is kept as ``<home_dir>/keys/retired/<key_id>.pem`` (mode 0600;
delete it once backups hold it: nothing signs with it again); the history of public
keys, their validity and the hand-overs is ``<home_dir>/keys/history.json``, carried
as ``keys.json`` by every evidence bundle made afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from sarwatch._files import make_private_dirs, write_bytes_atomic
from sarwatch.errors import IntegrityError
from sarwatch.ledger.keys import (
    HISTORY_FILE,
    KEY_FILE,
    KeyHistory,
    Signer,
    load_or_create_signer,
    rotate_key,
)

__all__ = ["bundle_keys", "rotate_station_key"]


def _now() -> datetime:
    return datetime.now(UTC)


def rotate_station_key(
    home_dir: Path, *, clock: Callable[[], datetime] = _now
) -> tuple[Signer, Signer, KeyHistory]:
    """Retire the station key under ``home_dir`` for a new one.

    Returns the old signer, the new one (with the new history) and the history.
    """
    home = Path(home_dir)
    old = load_or_create_signer(home)
    new = Signer.generate()
    time = clock().astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    history = rotate_key(old, new, time)
    key_path = home / KEY_FILE
    retired = key_path.parent / "retired" / f"{old.key_id}.pem"
    make_private_dirs(retired.parent)
    write_bytes_atomic(retired, key_path.read_bytes())
    pem = new.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_bytes_atomic(home / HISTORY_FILE, json.dumps(history.to_json(), indent=2).encode())
    write_bytes_atomic(key_path, pem)
    return old, load_or_create_signer(home), history


def bundle_keys(
    keys_json: bytes | None, public_key: Ed25519PublicKey, key_id: str
) -> tuple[dict[str, Ed25519PublicKey], KeyHistory | None, list[str]]:
    """The keys a bundle's events may be signed with: its ``public_key.pem`` alone, or
    every key of its ``keys.json`` (whose hand-overs must hold and whose current key
    must be ``public_key.pem``). Returns the keys, the history and the problems found."""
    if keys_json is None:
        return {key_id: public_key}, None, []
    try:
        history = KeyHistory.from_json(json.loads(keys_json))
    except (ValueError, IntegrityError) as exc:
        return {key_id: public_key}, None, [f"keys.json is unreadable: {exc}"]
    problems = [f"keys.json: {p}" for p in history.problems()]
    if history.current().key_id != key_id:
        problems.append(
            f"keys.json: its current key is {history.current().key_id}, but the bundle is "
            f"signed with {key_id}"
        )
    if problems:
        return {key_id: public_key}, None, problems
    return {**history.public_keys(), key_id: public_key}, history, []
