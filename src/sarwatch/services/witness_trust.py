"""Which station keys this station, as a witness, accepts checkpoints from.

A witness vouches for the stations it witnesses, so by default (``allow-list``) it
accepts a station's checkpoints only once its operator has trusted that station's key:
by its SHA-256 **fingerprint** (64 hex; ``sarwatch ledger key`` prints it on the
station, to be read out over a channel the two operators already trust), with
``sarwatch witness trust FINGERPRINT`` or in ``SARWATCH_WITNESS_KEYS``. Any other key
is refused (403) with its fingerprint and how to trust it. ``first-use``
(``SARWATCH_WITNESS_TRUST=first-use``) is trust on first use: any station key is
accepted the first time it is seen and pinned from then on, so anyone may make the
witness keep checkpoints; it is an explicit choice, for a witness open to all.

Every decision is kept, one JSON line each, oldest first, in
``<home_dir>/witness/trust.jsonl`` (fsynced, never rewritten; a last line a crash
cut short, never acknowledged, is left out and dropped by the next decision): ``trusted`` and
``untrusted`` by the operator, and ``pinned`` when a key is first accepted, with how
it was trusted (``operator``, ``setting`` or ``first-use``) and when.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sarwatch._files import make_private_dirs
from sarwatch.errors import DataError, InputError
from sarwatch.services.witness_files import append_line, complete_lines

if TYPE_CHECKING:
    from sarwatch.settings import Settings

__all__ = [
    "TRUST_FILE",
    "TRUST_MODES",
    "TrustList",
    "TrustMode",
    "TrustRecord",
    "fingerprint_to_trust",
    "parse_fingerprint",
    "station_trust",
]

TrustMode = Literal["allow-list", "first-use"]
TRUST_MODES: tuple[str, ...] = ("allow-list", "first-use")

#: The record of trust decisions, under the station's home.
TRUST_FILE = Path("witness") / "trust.jsonl"

_FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")

# The record as last parsed, by path, with the (inode, size, mtime) it was read at: each
# checkpoint received asks it, and it only grows (trust on first use: a line per key).
_parsed: dict[Path, tuple[tuple[int, int, int], tuple[TrustRecord, ...]]] = {}
_parsed_lock = threading.Lock()
_EVENTS = ("trusted", "untrusted", "pinned")


def parse_fingerprint(text: str, what: str = "station key fingerprint") -> str:
    """A station key's fingerprint as an operator gives it: 64 hex, any case, an optional
    ``sha256:`` and spaces or colons between groups.

    Raises
    ------
    InputError
        For anything else (a 16-hex key id included: too short to pin), with what to give.

    Examples
    --------
    >>> parse_fingerprint("SHA256:" + "AB" * 32) == "ab" * 32
    True
    >>> parse_fingerprint("34750f98bd59fcfc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sarwatch.errors.InputError: station key fingerprint '34750f98bd59fcfc' is a key id ...
    """
    value = re.sub(r"[\s:]", "", text.strip().lower().removeprefix("sha256:"))
    if _FINGERPRINT.fullmatch(value):
        return value
    fix = (
        "give the 64 hex characters of the station key's SHA-256 fingerprint, which "
        "'sarwatch ledger key' prints on the station"
    )
    if re.fullmatch(r"[0-9a-f]{16}", value):
        raise InputError(f"{what} {text!r} is a key id (16 hex), too short to pin: {fix}")
    raise InputError(f"{what} {text[:80]!r}: {fix}")


def fingerprint_to_trust(text: str) -> str:
    """The fingerprint an operator means: given as such, or read from the station's
    public key file (``public_key.pem``, as in its bundles) or key history
    (``keys.json``: its current key, the one ``sarwatch ledger key`` prints; never its
    first, which may be the very key that leaked and made the station rotate).

    Raises
    ------
    InputError
        For a file that holds neither, or text that is no fingerprint.
    IntegrityError
        For a key history whose hand-overs do not hold.
    """
    from sarwatch.ledger import load_public_key
    from sarwatch.ledger.keys import KeyHistory, key_fingerprint

    path = Path(text)
    if len(text) < 4096 and path.is_file():
        data = path.read_bytes()[:1_000_000]
        if data.lstrip().startswith(b"{"):
            try:
                history = KeyHistory.from_json(json.loads(data))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise InputError(f"{path} is not a station key history ({exc})") from None
            problems = history.problems()
            if problems:
                from sarwatch.errors import IntegrityError

                raise IntegrityError(f"the key history {path} does not hold: {'; '.join(problems)}")
            data = history.current().public_key_pem.encode("ascii")
        if b"-----BEGIN PUBLIC KEY-----" not in data:
            raise InputError(
                f"{path} holds no public key: give the station's public_key.pem, its "
                "keys.json, or the key's fingerprint"
            )
        return key_fingerprint(load_public_key(data))
    return parse_fingerprint(text)


@dataclass(frozen=True)
class TrustRecord:
    """One trust decision: ``event`` on the key with ``fingerprint`` at ``at`` (UTC)."""

    event: str
    fingerprint: str
    at: str
    how: str
    note: str = ""

    @property
    def key_id(self) -> str:
        """The key's id (the fingerprint's first 16 hex)."""
        return self.fingerprint[:16]

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "key_id": self.key_id,
            "fingerprint": self.fingerprint,
            "at": self.at,
            "how": self.how,
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TrustRecord:
        event = data.get("event")
        if event not in _EVENTS:
            raise ValueError(f"event {event!r} is not one of {', '.join(_EVENTS)}")
        fingerprint = parse_fingerprint(str(data.get("fingerprint", "")))
        return cls(event, fingerprint, str(data["at"]), str(data["how"]), str(data.get("note", "")))


class TrustList:
    """The station keys a witness accepts, and the record of how it came to trust them.

    Parameters
    ----------
    home_dir
        The witness station's home (the record is ``witness/trust.jsonl`` there).
    mode
        ``allow-list`` (default: only keys trusted by the operator or the setting) or
        ``first-use`` (any key, pinned on first use).
    allowed
        Fingerprints trusted by the station's setting (``SARWATCH_WITNESS_KEYS``).

    Raises
    ------
    InputError
        For an unknown mode or a setting's entry that is not a fingerprint.
    """

    def __init__(
        self, home_dir: Path, *, mode: str = "allow-list", allowed: Iterable[str] = ()
    ) -> None:
        if mode not in TRUST_MODES:
            raise InputError(
                f"witness trust {mode!r}: give one of {', '.join(TRUST_MODES)} "
                "(SARWATCH_WITNESS_TRUST)"
            )
        self.path = Path(home_dir) / TRUST_FILE
        self.mode = mode
        self.by_setting = frozenset(
            parse_fingerprint(entry, "SARWATCH_WITNESS_KEYS entry")
            for entry in allowed
            if entry.strip()
        )

    def records(self) -> list[TrustRecord]:
        """Every decision kept, oldest first.

        Raises
        ------
        DataError
            If a line is not a trust record (the file was edited): which line, and why.
        """
        try:
            stat = os.stat(self.path)  # before the read: an append after it is read next time
        except FileNotFoundError:
            return []
        version = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        with _parsed_lock:
            kept = _parsed.get(self.path)
        if kept is not None and kept[0] == version:
            return list(kept[1])
        records = self._parse(complete_lines(self.path.read_text(encoding="utf-8")))
        with _parsed_lock:
            _parsed[self.path] = (version, tuple(records))
        return records

    def _parse(self, lines: list[str]) -> list[TrustRecord]:
        records = []
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                records.append(TrustRecord.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError, AttributeError, InputError) as exc:
                raise DataError(
                    f"line {number} of the witness trust record {self.path} is not a trust "
                    f"decision ({exc}); restore the file from a backup or remove that line"
                ) from None
        return records

    def _decisions(self) -> dict[str, TrustRecord]:
        """The operator's last decision (``trusted`` or ``untrusted``) on each key."""
        return {r.fingerprint: r for r in self.records() if r.event != "pinned"}

    def decision(self, fingerprint: str) -> TrustRecord | None:
        """The operator's last decision on a key (``trusted`` or ``untrusted``), if any."""
        return self._decisions().get(fingerprint)

    def by_operator(self) -> dict[str, TrustRecord]:
        """Keys the operator trusts now (the last decision on each is ``trusted``)."""
        return {f: r for f, r in self._decisions().items() if r.event == "trusted"}

    def withdrawn(self, fingerprints: Iterable[str]) -> bool:
        """Whether the operator's last decision on any of ``fingerprints`` is ``untrusted``."""
        return bool(self.withdrawn_keys(fingerprints))

    def withdrawn_keys(self, fingerprints: Iterable[str]) -> list[str]:
        """Those of ``fingerprints`` on which the operator's last decision is ``untrusted``."""
        decisions = self._decisions()
        return [f for f in fingerprints if f in decisions and decisions[f].event == "untrusted"]

    def how_trusted(self, fingerprints: Iterable[str]) -> str | None:
        """How this witness trusts a station whose keys are ``fingerprints`` (its first,
        and those of its verified key history): ``operator``, ``setting`` or, in
        ``first-use`` mode, ``first-use``; ``None``: not at all. Trust withdrawn from any
        of them (``sarwatch witness untrust``, say a leaked key) wins."""
        fingerprints = list(fingerprints)
        decisions = self._decisions()  # the record read once, whatever the keys' number
        if any(f in decisions and decisions[f].event == "untrusted" for f in fingerprints):
            return None
        if any(f in decisions and decisions[f].event == "trusted" for f in fingerprints):
            return "operator"
        if any(f in self.by_setting for f in fingerprints):
            return "setting"
        return "first-use" if self.mode == "first-use" else None

    def trust(self, fingerprint: str, *, at: str, note: str = "") -> TrustRecord:
        """The operator trusts a key (kept); a key trusted already keeps its record."""
        fingerprint = parse_fingerprint(fingerprint)
        kept = self.by_operator().get(fingerprint)
        if kept is not None:
            return kept
        return self.append(TrustRecord("trusted", fingerprint, at, "operator", note))

    def untrust(self, fingerprint: str, *, at: str, note: str = "") -> TrustRecord:
        """The operator withdraws trust in a key: the next checkpoints of any station
        whose key history holds it are refused (those kept stay).

        Any key may be withdrawn, one never named here included: trust reaches along a
        station's key history to keys its operator never trusted by name (a later key
        of a station trusted by its first, not yet seen when it leaked), and withdrawing
        such a key is how it is kept out. A key withdrawn already keeps its record.

        Raises
        ------
        InputError
            If the key is trusted by the setting (remove it there).
        """
        fingerprint = parse_fingerprint(fingerprint)
        if fingerprint in self.by_setting:
            raise InputError(
                f"station key {fingerprint[:16]} is trusted by SARWATCH_WITNESS_KEYS: "
                "remove it from there (and restart the server)"
            )
        kept = self._decisions().get(fingerprint)
        if kept is not None and kept.event == "untrusted":
            return kept
        return self.append(TrustRecord("untrusted", fingerprint, at, "operator", note))

    def known(self, fingerprint: str) -> bool:
        """Whether ``fingerprint`` was ever trusted, withdrawn or pinned here."""
        return any(r.fingerprint == fingerprint for r in self.records())

    def append(self, record: TrustRecord) -> TrustRecord:
        """Keep one decision (appended, fsynced; a line torn by a crash is dropped first:
        :func:`~sarwatch.services.witness_files.append_line`)."""
        make_private_dirs(self.path.parent)
        append_line(self.path, json.dumps(record.to_json(), sort_keys=True))
        return record


def station_trust(settings: Settings) -> TrustList:
    """The trust list of the station configured by ``settings`` (its home, its
    ``witness_trust`` mode and its ``witness_keys``)."""
    return TrustList(
        settings.home_dir, mode=settings.witness_trust, allowed=settings.witness_keys.split(",")
    )
