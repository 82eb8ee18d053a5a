"""Canonical JSON: one byte string per value, so that hashes are reproducible.

Two forms, named by the *record format* that uses them (docs/evidence-format.md):

Format 2 (:data:`CURRENT_FORMAT`, every record written since 2026-12-06)
    RFC 8785, the JSON Canonicalization Scheme (JCS), by the ``rfc8785`` package:
    keys sorted by UTF-16 code units, no white space, UTF-8, numbers as ECMAScript
    writes them (``10.0`` is ``10``, ``1e21`` is ``1e+21``). Numbers are limited to
    what JCS round-trips: integers within ±(2^53 − 1) and finite floats, less those
    from 2^53 up to 10^21, which JCS writes as (unsafe) integers. Any
    JavaScript, Go or jq verifier can reproduce these bytes.
Format 1 (:data:`LEGACY_FORMAT`, records written before)
    Python's ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    allow_nan=False)`` encoded as UTF-8: keys sorted by code point, floats in
    Python's shortest round-trip ``repr`` (``10.0``, ``1e-05``, ``1e+16``), integers
    unbounded. Kept so that records and bundles written before still verify.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import rfc8785

from sarwatch.errors import InputError

__all__ = [
    "CURRENT_FORMAT",
    "LEGACY_FORMAT",
    "MAX_SAFE_INTEGER",
    "RECORD_FORMATS",
    "canonical_json",
    "same_json",
    "sha256_hex",
]

#: The record format of records written before RFC 8785 (Python ``json.dumps`` form).
LEGACY_FORMAT = 1
#: The record format of new records (RFC 8785 canonical JSON).
CURRENT_FORMAT = 2
#: Every record format this version of sarwatch reads.
RECORD_FORMATS = (LEGACY_FORMAT, CURRENT_FORMAT)
#: The largest integer JCS carries exactly (2^53 − 1; its negative is the smallest).
MAX_SAFE_INTEGER = 2**53 - 1


def canonical_json(value: Any, form: int = CURRENT_FORMAT) -> bytes:
    """Serialise ``value`` canonically in record format ``form``.

    Raises
    ------
    InputError
        If ``value`` holds something the form cannot carry exactly: NaN or
        infinity, non-string keys, bytes or datetimes (convert those first), text
        that is not valid Unicode (a lone surrogate), and in format 2 an integer
        beyond ±(2^53 − 1) (write it as text).

    Examples
    --------
    >>> canonical_json({"b": 1, "a": [1.5, "é", 10.0]})
    b'{"a":[1.5,"\\xc3\\xa9",10],"b":1}'
    >>> canonical_json({"b": 1, "a": [1.5, "é", 10.0]}, form=1)
    b'{"a":[1.5,"\\xc3\\xa9",10.0],"b":1}'
    """
    if form == CURRENT_FORMAT:
        return _jcs(value)
    if form == LEGACY_FORMAT:
        return _legacy(value)
    raise InputError(
        f"unknown record format {form!r}: this sarwatch reads formats "
        f"{', '.join(map(str, RECORD_FORMATS))}; upgrade sarwatch to read newer records"
    )


def same_json(a: Any, b: Any) -> bool:
    """Whether two plain-JSON values are the same value (``10.0`` is ``10``, ``true`` is not ``1``).

    Compares their RFC 8785 forms; values beyond what JCS carries (integers past
    2^53, from records of format 1) are compared in the format 1 form.
    """
    try:
        return _jcs(a) == _jcs(b)
    except InputError:
        try:
            return _legacy(a) == _legacy(b)
        except InputError:
            return False


def sha256_hex(data: bytes) -> str:
    """SHA-256 digest as 64 lowercase hex characters."""
    return hashlib.sha256(data).hexdigest()


def _jcs(value: Any) -> bytes:
    try:
        _check(value, jcs=True)
        return rfc8785.dumps(value)
    except InputError:
        raise
    except rfc8785.IntegerDomainError as exc:
        raise InputError(
            f"canonical JSON (RFC 8785) carries integers within ±{MAX_SAFE_INTEGER:,} "
            f"(2^53 − 1) only: {exc}. Give a smaller number, or write it as text"
        ) from None
    except rfc8785.FloatDomainError as exc:
        raise InputError(f"canonical JSON refuses non-finite numbers: {exc}") from None
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as exc:
        raise InputError(f"value cannot be written as canonical JSON: {exc}") from None


def _legacy(value: Any) -> bytes:
    try:
        _check(value)
        text = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        return text.encode("utf-8")
    except InputError:
        raise
    except (TypeError, ValueError, RecursionError) as exc:  # UnicodeEncodeError too
        raise InputError(f"value cannot be written as canonical JSON: {exc}") from None


def _check(value: Any, *, jcs: bool = False) -> None:
    """Refuse what the form cannot carry exactly.

    In RFC 8785 a float from 2^53 up to 10^21 is written as an integer (``1e20`` as
    ``100000000000000000000``) that reads back as an integer outside the safe range:
    refused as well, so that every format 2 record reads back as it was hashed.
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"canonical JSON refuses non-finite numbers, got {value!r}")
        if jcs and MAX_SAFE_INTEGER < abs(value) < 1e21:
            raise InputError(
                f"canonical JSON (RFC 8785) writes {value!r} as an integer beyond "
                f"±{MAX_SAFE_INTEGER:,} (2^53 − 1), which does not read back exactly. "
                "Give a smaller number, or write it as text"
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputError(f"canonical JSON needs string keys, got {key!r}")
            _check(item, jcs=jcs)
    elif isinstance(value, list | tuple):
        for item in value:
            _check(item, jcs=jcs)
