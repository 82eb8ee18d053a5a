"""A crash in the middle of an append leaves the witness's files readable: the torn last
line (never acknowledged) is left out, and the next append does not run on from it."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from _cases_helpers import make_service, open_case
from sarwatch.adapters.store import MemoryStore
from sarwatch.ledger import Signer, public_key_pem
from sarwatch.ledger.keys import key_fingerprint
from sarwatch.services.checkpoints import publish_checkpoint
from sarwatch.services.witness import WitnessLog
from sarwatch.services.witness_files import append_line, complete_lines
from sarwatch.services.witness_trust import TrustList

A, B, C = "ab" * 32, "cd" * 32, "ef" * 32


def _torn(path: Path, line: str, keep: int) -> None:
    """What a crash leaves of an append of ``line``: its first ``keep`` bytes."""
    with path.open("a", encoding="utf-8") as fh:
        fh.write(line[:keep])


def test_a_trust_decision_cut_short_is_left_out_and_the_next_one_kept(tmp_path: Path) -> None:
    trust = TrustList(tmp_path)
    trust.trust(A, at="2026-12-07T09:00:00Z")
    torn = json.dumps({"at": "2026-12-07T09:01:00Z", "event": "untrusted", "fingerprint": A})
    _torn(trust.path, torn, 40)
    # read: the torn untrust never happened (the command did not return)
    assert list(trust.by_operator()) == [A]
    trust.trust(B, at="2026-12-07T09:02:00Z")
    assert list(trust.by_operator()) == [A, B]
    lines = trust.path.read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(line)["event"] == "trusted" for line in lines)
    assert stat.S_IMODE(trust.path.stat().st_mode) == 0o600


def test_a_whole_last_line_without_its_newline_is_kept(tmp_path: Path) -> None:
    """An operator's hand edit that left out the final newline is a decision, not a tear."""
    trust = TrustList(tmp_path)
    trust.trust(A, at="2026-12-07T09:00:00Z")
    record = {"at": "2026-12-07T09:01:00Z", "event": "untrusted", "fingerprint": A}
    _torn(trust.path, json.dumps({**record, "how": "operator"}), 10_000)
    assert trust.by_operator() == {} and trust.withdrawn([A])
    trust.trust(B, at="2026-12-07T09:02:00Z")
    assert list(trust.by_operator()) == [B] and trust.withdrawn([A])
    assert len(trust.path.read_text().splitlines()) == 3


def test_a_checkpoint_log_cut_short_goes_on_from_the_last_whole_checkpoint(
    tmp_path: Path,
) -> None:
    station = make_service(MemoryStore())
    open_case(station)
    witness = WitnessLog(tmp_path / "witness", Signer.generate(), trust=TrustList(tmp_path))
    witness.trust.trust(key_fingerprint(station.signer.public_key), at="2026-12-07T09:00:00Z")
    pem = public_key_pem(station.signer.public_key)
    first = publish_checkpoint(station.store, station.signer, tmp_path / "station")
    kept = witness.receive(first.to_json(), pem, {})
    log = tmp_path / "witness" / "witness" / f"{station.signer.key_id}.jsonl"
    _torn(log, json.dumps(kept.to_json(), sort_keys=True), 100)
    assert witness.latest(station.signer.key_id) == kept
    assert witness.held()[0][1] == 1
    open_case(station)
    second = publish_checkpoint(station.store, station.signer, tmp_path / "station")
    assert witness.receive(second.to_json(), pem, {}).size == 2  # a new case: no proof
    assert witness.held()[0][1] == 2
    assert [json.loads(line)["size"] for line in log.read_text().splitlines()] == [1, 2]


@given(
    st.lists(st.dictionaries(st.sampled_from("abc"), st.integers(), min_size=1), min_size=1),
    st.integers(min_value=1, max_value=200),
)
def test_every_tear_of_an_append_loses_that_line_only(
    records: list[dict[str, int]], cut: int
) -> None:
    """Whatever byte a crash stops the last append at, the lines before it are read back
    and the next append follows them on a line of its own."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.jsonl"
        for record in records[:-1]:
            append_line(path, json.dumps(record))
        last = json.dumps(records[-1])
        _torn(path, last, min(cut, len(last) - 1))
        read = [json.loads(line) for line in complete_lines(path.read_text()) if line]
        assert read == records[:-1]
        append_line(path, json.dumps({"next": 1}))
        assert [json.loads(line) for line in path.read_text().splitlines()] == [
            *records[:-1],
            {"next": 1},
        ]


def test_a_record_of_two_lines_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must be one line"):
        append_line(tmp_path / "log.jsonl", '{"a": 1}\n{"b": 2}')


def test_a_checkpoint_is_checked_and_kept_under_a_lock_every_process_honours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``serve --workers N`` two workers could check two checkpoints against the same
    last one and keep both (a fork, what a witness is there to refuse): the check and
    the append hold an exclusive file lock, not only a lock of one process."""
    import fcntl
    import os

    from sarwatch.services import witness as witness_module

    station = make_service(MemoryStore())
    open_case(station)
    witness = WitnessLog(tmp_path / "witness", Signer.generate(), trust=TrustList(tmp_path))
    witness.trust.trust(key_fingerprint(station.signer.public_key), at="2026-12-07T09:00:00Z")
    pem = public_key_pem(station.signer.public_key)
    witness.receive(publish_checkpoint(station.store, station.signer, tmp_path).to_json(), pem, {})
    held: list[bool] = []
    check = witness_module.check_consistency

    def probing(*args: object, **kwargs: object) -> list[str]:
        fd = os.open(witness.dir / ".receive.lock", os.O_RDWR | os.O_CREAT)
        try:  # what another worker would find, in the middle of the check
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held.append(False)
        except BlockingIOError:
            held.append(True)
        finally:
            os.close(fd)
        return check(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(witness_module, "check_consistency", probing)
    open_case(station)
    second = publish_checkpoint(station.store, station.signer, tmp_path)
    assert witness.receive(second.to_json(), pem, {}).size == 2
    assert held == [True]


def test_a_kept_key_history_edited_into_nonsense_is_named_with_what_to_do(
    tmp_path: Path,
) -> None:
    from sarwatch.errors import DataError
    from sarwatch.services.keys import rotate_station_key

    _, new, history = rotate_station_key(tmp_path / "station")
    station = make_service(MemoryStore(), new)
    open_case(station)
    witness = WitnessLog(tmp_path / "witness", Signer.generate(), trust=TrustList(tmp_path))
    witness.trust.trust(key_fingerprint(new.public_key), at="2026-12-07T09:00:00Z")
    made = publish_checkpoint(station.store, station.signer, tmp_path)
    witness.receive(made.to_json(), public_key_pem(new.public_key), {}, history.to_json())
    (kept,) = (tmp_path / "witness" / "witness").glob("*.keys.json")
    assert witness.held()[0][3][-1] == key_fingerprint(new.public_key)
    kept.write_text('{"keys": [')
    with pytest.raises(DataError, match=r"is not a station key history .*; remove it: the"):
        witness.held()
