"""Publishing checkpoints over every case's head, submitting them to witnesses, and
checking the store against what a witness holds.

Published checkpoints are kept, one JSON line each, in
``<home_dir>/checkpoints/published.jsonl``. A witness is another sarwatch station
(:mod:`sarwatch.services.witness`) reached over HTTP at ``/api/witness``.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sarwatch._files import make_private_dirs
from sarwatch.errors import (
    DataError,
    InputError,
    IntegrityError,
    PermissionDeniedError,
    SarwatchError,
)
from sarwatch.ledger import LedgerEntry, Signer, public_key_pem
from sarwatch.ledger.checkpoint import (
    CaseHead,
    Checkpoint,
    check_store_against,
    sign_checkpoint,
)
from sarwatch.services.ports import Store

__all__ = [
    "WitnessCheck",
    "fetch_witnessed",
    "publish_checkpoint",
    "published_checkpoints",
    "store_chains",
    "submit_checkpoint",
    "verify_against_witness",
]

_LOG = Path("checkpoints") / "published.jsonl"
_TIMEOUT_S = 30.0


def _now() -> datetime:
    return datetime.now(UTC)


def store_chains(store: Store) -> dict[str, list[LedgerEntry]]:
    """Every case in the store with its events by seq."""
    with store.unit_of_work() as uow:
        ids = sorted(uow.cases.first_event_hashes())
        return {case_id: uow.cases.events(case_id) for case_id in ids}


def _heads(chains: Mapping[str, Sequence[LedgerEntry]]) -> list[CaseHead]:
    return [
        CaseHead(case_id, events[-1].seq, events[-1].hash)
        for case_id, events in chains.items()
        if events
    ]


def publish_checkpoint(
    store: Store, signer: Signer, home_dir: Path, *, clock: Callable[[], datetime] = _now
) -> Checkpoint:
    """Sign a checkpoint over every case's head now and keep it under the home."""
    time = clock().astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    checkpoint = sign_checkpoint(signer, time, _heads(store_chains(store)))
    path = Path(home_dir) / _LOG
    make_private_dirs(path.parent)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(checkpoint.to_json(), sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return checkpoint


def published_checkpoints(home_dir: Path) -> list[Checkpoint]:
    """The checkpoints this station published, oldest first."""
    path = Path(home_dir) / _LOG
    if not path.exists():
        return []
    return [
        Checkpoint.from_json(json.loads(line))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _request(url: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    if not url.startswith(("http://", "https://")):
        raise InputError(f"witness URL {url!r}: give http://HOST:PORT or https://HOST:PORT")
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="GET" if body is None else "POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
            return int(response.status), json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            payload = json.loads(exc.read() or b"{}")
        except ValueError:
            payload = {}
        return int(exc.code), payload
    except (urllib.error.URLError, OSError) as exc:
        raise InputError(f"witness {url} cannot be reached: {exc}. Check the URL.") from None


def _base(url: str) -> str:
    return url.rstrip("/") + "/api/witness/checkpoints"


def fetch_witnessed(witness_url: str, key_id: str) -> Checkpoint | None:
    """The latest checkpoint the witness holds of the station whose first key is
    ``key_id`` (:attr:`Signer.origin_id`; ``None``: none yet)."""
    status, payload = _request(f"{_base(witness_url)}/{key_id}")
    if status == 404:
        return None
    if status != 200:
        raise _refusal(witness_url, status, payload, "answered")
    return Checkpoint.from_json(payload["checkpoint"])


def submit_checkpoint(
    witness_url: str, checkpoint: Checkpoint, signer: Signer, store: Store
) -> Checkpoint:
    """Send ``checkpoint`` to a witness with the proofs it needs; return it cosigned.

    Raises :class:`IntegrityError` with the witness's reasons if the checkpoint conflicts
    with the last one it witnessed, :class:`PermissionDeniedError` if it does not trust the
    station's key, :class:`DataError` for any other refusal.
    """
    last = fetch_witnessed(witness_url, signer.origin_id)
    proofs: dict[str, list[dict[str, Any]]] = {}
    if last is not None:
        chains = store_chains(store)
        for before in last.heads:
            after = checkpoint.head_of(before.case_id)
            if after is not None and after.seq > before.seq:
                events = chains.get(before.case_id, [])
                proofs[before.case_id] = [
                    e.to_json() for e in events if before.seq < e.seq <= after.seq
                ]
    status, payload = _request(
        _base(witness_url),
        {
            "checkpoint": checkpoint.to_json(),
            "public_key_pem": public_key_pem(signer.public_key),
            "proofs": proofs,
            "keys": signer.history.to_json() if signer.history else None,
        },
    )
    if status != 200:
        raise _refusal(witness_url, status, payload, "refused the checkpoint")
    return Checkpoint.from_json(payload["checkpoint"])


def _refusal(url: str, status: int, payload: dict[str, Any], what: str) -> SarwatchError:
    """The error for a witness's answer other than 200, by what the answer means.

    Only a conflict (409: the checkpoint does not follow the last one witnessed, or the
    station key is not the one pinned) says the record may have been altered: an
    :class:`IntegrityError` (exit 3). A key the witness does not trust yet (403) is a
    decision of its operator, a malformed request (422) or a witness out of service (5xx)
    is no evidence of tampering.
    """
    reasons = payload.get("problems") or [payload.get("detail", payload)]
    text = f"witness {url} {what} ({status}): " + "; ".join(str(r) for r in reasons)
    if status == 409:
        return IntegrityError(text)
    if status == 403:
        return PermissionDeniedError(text)
    if status in (400, 413, 422):
        return DataError(text + "; check that the station and the witness run the same release")
    return DataError(text + "; try again later, or ask the witness's operator")


@dataclass(frozen=True)
class WitnessCheck:
    """The store compared with the latest checkpoint a witness holds."""

    witness_url: str
    witnessed: Checkpoint | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when the store is consistent with the witness."""
        return not self.problems

    def summary(self) -> str:
        """One line when consistent, else one line per problem."""
        if self.witnessed is None:
            return f"witness {self.witness_url}: holds no checkpoint of this station yet"
        if self.ok:
            return (
                f"witness {self.witness_url}: consistent with its checkpoint of "
                f"{self.witnessed.time} ({self.witnessed.size} case(s), "
                f"{len(self.witnessed.cosignatures)} cosignature(s))"
            )
        lines = [f"witness {self.witness_url}: {len(self.problems)} problem(s)"]
        return "\n".join(lines + [f"  - {p}" for p in self.problems])


def verify_against_witness(witness_url: str, signer: Signer, store: Store) -> WitnessCheck:
    """Whether the store holds every head of the latest checkpoint the witness keeps."""
    witnessed = fetch_witnessed(witness_url, signer.origin_id)
    if witnessed is None:
        return WitnessCheck(witness_url, None, ())
    key = signer.trusted_keys().get(witnessed.key_id)
    if key is None or not witnessed.verify(key):
        return WitnessCheck(
            witness_url, witnessed, ("the witness's checkpoint is not signed by the station key",)
        )
    problems = check_store_against(
        witnessed, store_chains(store), where=f"the witness {witness_url}"
    )
    return WitnessCheck(witness_url, witnessed, tuple(problems))
