"""This station as a witness of other stations' checkpoints.

A submitting station's key must be trusted first (:mod:`sarwatch.services.witness_trust`:
by default only the keys on the operator's allow-list; trust on first use only when
the station is set so); the key is then pinned: kept as
``<home_dir>/witness/<key_id>.pem``, its checkpoints as
``<home_dir>/witness/<key_id>.jsonl``, ``key_id`` the station's first key (after a
rotation the station sends its key history, whose hand-overs lead to its current key, kept
as ``<key_id>.keys.json``), one JSON line each, cosigned, oldest first.
A checkpoint is accepted only if the station key signed it and, from the second
on, it is consistent with the last one accepted (:func:`check_consistency`); it is
then countersigned with this station's key and kept. The last one sent again (by its
station, or replayed by anyone: checkpoints are public and the route needs no token)
is answered with the cosigned copy kept, and not written again.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sarwatch._files import make_private_dirs, write_bytes_atomic
from sarwatch.errors import (
    ConflictError,
    DataError,
    InputError,
    IntegrityError,
    PermissionDeniedError,
)
from sarwatch.ledger import LedgerEntry, Signer, key_id, load_public_key
from sarwatch.ledger.checkpoint import Checkpoint, check_consistency
from sarwatch.ledger.keys import KeyHistory, key_fingerprint
from sarwatch.services.witness_files import append_line, complete_lines, exclusive
from sarwatch.services.witness_trust import TrustList, TrustRecord

__all__ = ["MAX_HISTORY_KEYS", "RECEIVE_LOCK", "WitnessLog"]

_KEY_ID = re.compile(r"^[0-9a-f]{16}$")

#: The lock file (under ``witness/``) held while a checkpoint is checked and kept.
RECEIVE_LOCK = ".receive.lock"

#: The most keys a station's history may hold when it is sent to a witness (each costs
#: the witness two signature checks; a 1 MiB body holds some 1,600).
MAX_HISTORY_KEYS = 260
_lock = threading.Lock()


def _now() -> datetime:
    return datetime.now(UTC)


class WitnessLog:
    """Checkpoints received from other stations, checked, cosigned and kept.

    Parameters
    ----------
    home_dir
        This station's home (the log lives under ``witness/``).
    signer
        This station's key (it countersigns).
    trust
        The station keys accepted (default: the allow-list of ``home_dir``, from the
        operator's ``sarwatch witness trust`` only).
    clock
        Current UTC time (injectable for tests).
    """

    def __init__(
        self,
        home_dir: Path,
        signer: Signer,
        *,
        trust: TrustList | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.dir = Path(home_dir) / "witness"
        self.signer = signer
        self.trust = trust if trust is not None else TrustList(home_dir)
        self.clock = clock

    def _time(self) -> str:
        return self.clock().astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

    def _paths(self, station_key_id: str) -> tuple[Path, Path]:
        if not _KEY_ID.match(station_key_id):
            raise InputError(f"station key id {station_key_id!r}: give 16 lowercase hex digits")
        return self.dir / f"{station_key_id}.pem", self.dir / f"{station_key_id}.jsonl"

    def held(self) -> list[tuple[str, int, str | None, list[str]]]:
        """The stations this witness holds checkpoints of: (fingerprint of the first key,
        how many, the time of the latest, the fingerprints of every key of the station's
        history as it last sent it, first to current), by key id."""
        held = []
        for pem in sorted(self.dir.glob("*.pem")) if self.dir.is_dir() else []:
            if not _KEY_ID.match(pem.stem):
                continue
            fingerprint = key_fingerprint(load_public_key(pem.read_text(encoding="ascii")))
            latest = self.latest(pem.stem)
            log = pem.with_suffix(".jsonl")
            lines = complete_lines(log.read_text(encoding="utf-8")) if log.exists() else []
            count = sum(1 for line in lines if line.strip())
            held.append((fingerprint, count, latest.time if latest else None, self._keys(pem)))
        return held

    def _keys(self, pem: Path) -> list[str]:
        """The fingerprints of a held station's keys, first to current (its history as
        last accepted; only its first key if it never sent one)."""
        first = key_fingerprint(load_public_key(pem.read_text(encoding="ascii")))
        path = pem.with_suffix(".keys.json")
        if not path.exists():
            return [first]
        try:
            history = KeyHistory.from_json(json.loads(path.read_text(encoding="utf-8")))
            return [key_fingerprint(load_public_key(k.public_key_pem)) for k in history.keys]
        except (ValueError, IntegrityError) as exc:
            raise DataError(
                f"{path} is not a station key history ({exc}); remove it: the station's "
                "next checkpoint brings it again"
            ) from None

    def latest(self, station_key_id: str) -> Checkpoint | None:
        """The last checkpoint accepted from ``station_key_id``."""
        _, log = self._paths(station_key_id)
        if not log.exists():
            return None
        text = log.read_text(encoding="utf-8")
        lines = [line for line in complete_lines(text) if line.strip()]  # less a torn tail
        return Checkpoint.from_json(json.loads(lines[-1])) if lines else None

    def receive(
        self,
        checkpoint_json: Mapping[str, Any],
        public_key_pem: str,
        proofs_json: Mapping[str, Any],
        keys_json: Mapping[str, Any] | None = None,
    ) -> Checkpoint:
        """Check a submitted checkpoint, cosign and keep it.

        A station that rotated its key sends its key history (``keys.json``): its log
        stays the one of its first key, and the hand-overs must hold.

        Raises
        ------
        PermissionDeniedError
            The station's key is not trusted by this witness (the message gives its
            fingerprint and how its operator trusts it).
        IntegrityError
            The key is not the one pinned, the signature does not hold, or the
            checkpoint is inconsistent with the last one (the message lists why).
        """
        checkpoint = Checkpoint.from_json(checkpoint_json)
        public_key = load_public_key(public_key_pem)
        if key_id(public_key) != checkpoint.key_id:
            raise IntegrityError(
                f"the checkpoint names key {checkpoint.key_id} but the key sent is "
                f"{key_id(public_key)}"
            )
        trusted = {checkpoint.key_id: public_key}
        origin_pem = public_key_pem
        history = None
        if keys_json:
            history = KeyHistory.from_json(keys_json)
            if len(history.keys) > MAX_HISTORY_KEYS:
                raise InputError(
                    f"the key history sent holds {len(history.keys)} keys; a witness takes "
                    f"at most {MAX_HISTORY_KEYS} (a key a week for five years)"
                )
            trusted = history.public_keys()
            origin_pem = history.keys[0].public_key_pem
        origin_fingerprint = key_fingerprint(load_public_key(origin_pem))
        origin = origin_fingerprint[:16]
        # whom it claims to be is judged first, so that a stranger's history costs no
        # signature checks; the hand-overs of a station trusted are checked next
        fingerprints = [key_fingerprint(k) for k in trusted.values()]
        how = self.trust.how_trusted([origin_fingerprint, *fingerprints])
        if how is None:
            withdrawn = self.trust.withdrawn_keys(fingerprints)
            raise PermissionDeniedError(_not_trusted(key_fingerprint(public_key), withdrawn))
        if history is not None:
            problems = history.problems()
            if history.current().key_id != checkpoint.key_id:
                problems.append(f"its current key is not {checkpoint.key_id}")
            if problems:
                raise IntegrityError("the key history sent does not hold: " + "; ".join(problems))
        pem_path, log = self._paths(origin)
        proofs: dict[str, list[LedgerEntry]] = {}
        try:
            for case_id, events in proofs_json.items():
                proofs[str(case_id)] = [LedgerEntry.from_json(e) for e in events]
        except (AttributeError, TypeError) as exc:
            raise InputError(f"proofs: give {{case_id: [event, ...]}} ({exc})") from None
        make_private_dirs(self.dir)
        # one check-and-append at a time in every process (serve --workers N): two
        # checkpoints checked against the same last one would both be kept, a fork
        with _lock, exclusive(self.dir / RECEIVE_LOCK):
            if pem_path.exists():
                pinned = load_public_key(pem_path.read_text(encoding="ascii"))
                if key_fingerprint(pinned) != origin_fingerprint:
                    raise IntegrityError(f"station key {origin} is not the one pinned")
            if not checkpoint.verify(public_key):
                raise IntegrityError("the checkpoint is not signed by the key sent")
            last = self.latest(origin)
            if last is not None and last.note_body() == checkpoint.note_body():
                return last  # sent again: already witnessed, nothing more to keep
            if last is not None:
                problems = check_consistency(last, checkpoint, proofs, trusted)
                if problems:
                    raise ConflictError(
                        "the checkpoint is not consistent with the last one witnessed "
                        f"({last.time}): " + "; ".join(problems)
                    )
            at = self._time()
            if not pem_path.exists():  # whole or not at all: a crash leaves no cut key
                write_bytes_atomic(pem_path, origin_pem.encode("ascii"))
                self.trust.append(TrustRecord("pinned", origin_fingerprint, at, how))
            # only this witness's own word is kept: cosignatures a submitter attached
            # (another witness's key id, any bytes) are nothing this witness checked
            cosigned = replace(checkpoint, cosignatures=()).cosign(self.signer, at)
            append_line(log, json.dumps(cosigned.to_json(), sort_keys=True))
            if history is not None:  # whom 'witness list' finds trusted: any key of it
                kept = json.dumps(history.to_json(), sort_keys=True).encode("utf-8")
                keys_path = pem_path.with_suffix(".keys.json")
                if not keys_path.exists() or keys_path.read_bytes() != kept:
                    write_bytes_atomic(keys_path, kept)
            return cosigned


def _not_trusted(fingerprint: str, withdrawn: list[str]) -> str:
    """What a witness says to a station whose key it does not trust.

    ``fingerprint`` is the key that signed the checkpoint, the one ``sarwatch ledger key``
    prints on the station today (a rotated station's first key is not); ``withdrawn``
    the keys of its history whose trust the operator withdrew.
    """
    head = (
        f"this witness does not accept checkpoints from station key {fingerprint[:16]} "
        f"(SHA-256 fingerprint {fingerprint}): "
    )
    if withdrawn:
        keys = ", ".join(withdrawn)
        return head + (
            f"its operator has withdrawn trust in this station's key {keys} (a key of its "
            "history, say one that leaked), and a station is refused while any key of its "
            "history is; the witness's operator sees why with: sarwatch witness list"
        )
    return head + (
        "it witnesses only the stations its operator has trusted. The station's operator "
        "reads the fingerprint with 'sarwatch ledger key' and gives it to the witness's "
        "operator (by a channel they already trust), who checks it and runs on the witness: "
        f"sarwatch witness trust {fingerprint}"
    )
