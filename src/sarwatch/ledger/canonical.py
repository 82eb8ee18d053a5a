"""Canonical JSON: one byte string per value, so that hashes are reproducible.

Keys sorted, no insignificant white space, UTF-8, no NaN or infinities. Floats
are written as Python's shortest round-trip representation, so a value read back
with :func:`json.loads` serialises to the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from sarwatch.errors import InputError

__all__ = ["canonical_json", "sha256_hex"]


def canonical_json(value: Any) -> bytes:
    """Serialise ``value`` canonically.

    Raises
    ------
    InputError
        If ``value`` holds something JSON cannot carry exactly (NaN, infinity,
        non-string keys, bytes, datetimes: convert those first).

    Examples
    --------
    >>> canonical_json({"b": 1, "a": [1.5, "é"]})
    b'{"a":[1.5,"\\xc3\\xa9"],"b":1}'
    """
    _check(value)
    try:
        text = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise InputError(f"value cannot be written as canonical JSON: {exc}") from None
    return text.encode("utf-8")


def sha256_hex(data: bytes) -> str:
    """SHA-256 digest as 64 lowercase hex characters."""
    return hashlib.sha256(data).hexdigest()


def _check(value: Any) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"canonical JSON refuses non-finite numbers, got {value!r}")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputError(f"canonical JSON needs string keys, got {key!r}")
            _check(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check(item)
