"""Rows of the SQL tables to the store's values and back, refusing rows sarwatch
cannot have written (changed by hand in SQL) with an :class:`IntegrityError`."""

from __future__ import annotations

import json
from typing import Any

from sarwatch.errors import IntegrityError
from sarwatch.ledger import LedgerEntry, SignedHead
from sarwatch.ledger.canonical import LEGACY_FORMAT, RECORD_FORMATS
from sarwatch.ledger.chain import read_payload
from sarwatch.records import CaseRecord, projection_json

__all__ = ["case_from_row", "case_values", "entry_from_row", "is_int", "parse_state", "tampered"]


def tampered(what: str) -> IntegrityError:
    """The error for a row that sarwatch cannot have written (changed by hand in SQL)."""
    return IntegrityError(
        f"{what}: the database was changed outside sarwatch. Run 'sarwatch ledger verify' "
        "and restore the database from a backup"
    )


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (SQLite keeps whatever type was stored)."""
    return isinstance(value, int) and not isinstance(value, bool)


def case_from_row(row: Any, state: dict[str, Any], state_json: str) -> CaseRecord:
    """A case record from a ``cases`` row and its parsed projection."""
    head = None
    if row.head_seq is not None:
        if not is_int(row.head_seq):
            raise tampered(f"case {row.case_id}'s head_seq is {row.head_seq!r}, not a number")
        head = SignedHead(
            row.case_id, row.head_seq, row.head_hash, row.head_key_id, row.head_signature
        )
    return CaseRecord(
        case_id=row.case_id,
        title=row.title,
        status=row.status,
        region=row.region,
        opened_at=row.opened_at,
        updated_at=row.updated_at,
        state=state,
        head=head,
        state_json=state_json,
    )


def case_values(record: CaseRecord) -> dict[str, Any]:
    """The ``cases`` row of a record."""
    head = record.head
    return {
        **record.listing(),
        "state": record.state_json or projection_json(record.state),
        "head_seq": head.seq if head else None,
        "head_hash": head.hash if head else None,
        "head_key_id": head.key_id if head else None,
        "head_signature": head.signature if head else None,
    }


def entry_from_row(row: Any) -> LedgerEntry:
    """A ledger entry from an ``events`` row."""
    try:
        payload = json.loads(row.payload)
    except (TypeError, ValueError):
        payload = None
    if not isinstance(payload, dict) or not is_int(row.seq):
        raise tampered(
            f"event #{row.seq!r} of case {row.case_id} is unreadable (its payload is not a "
            "JSON object, or its number is not an integer)"
        )
    form = row.format if is_int(row.format) and row.format in RECORD_FORMATS else LEGACY_FORMAT
    # str(): a hash or signature stored as a number or blob reads as forged, not as a crash
    return LedgerEntry(
        case_id=str(row.case_id),
        seq=row.seq,
        recorded_at=str(row.recorded_at),
        kind=str(row.kind),
        actor=str(row.actor),
        payload=read_payload(payload, form),  # as signed: 3.0 is 3 in format 2
        prev_hash=str(row.prev_hash),
        key_id=str(row.key_id),
        hash=str(row.hash),
        signature=str(row.signature),
        # a format sarwatch never writes hashes as format 1: found as edited, not a crash
        format=form,
    )


def parse_state(case_id: str, text_: Any) -> dict[str, Any]:
    """A stored projection's text as a JSON object."""
    try:
        state = json.loads(text_)
    except (TypeError, ValueError):
        state = None
    if not isinstance(state, dict):
        raise tampered(f"case {case_id}'s stored projection (cases.state) is not a JSON object")
    return state
