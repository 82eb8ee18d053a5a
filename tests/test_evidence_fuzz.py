"""Fuzzing bundle reading: a damaged bundle never raises a traceback, and a bundle called
intact always carries exactly the evidence of the genuine one (issue 13: >= 10,000 cases)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sarwatch.errors import SarwatchError
from sarwatch.services.evidence import verify_bundle

GENUINE = (Path(__file__).parent / "vectors" / "bundles" / "intact-v2.zip").read_bytes()


def _members(data: bytes) -> dict[str, bytes] | None:
    """Every member's name and content as a plain zip reader sees them (None: unreadable)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return {info.filename: zf.read(info) for info in zf.infolist()}
    except Exception:  # any failure means "not the genuine evidence"
        return None


EXPECTED = _members(GENUINE)

_position = st.integers(0, len(GENUINE) - 1)
_operation = st.one_of(
    st.tuples(st.just("flip"), _position, st.integers(1, 255)),
    st.tuples(st.just("insert"), _position, st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("delete"), _position, st.integers(1, 8)),
    st.tuples(st.just("truncate"), _position, st.just(0)),
)


def _damage(data: bytes, operations: list[tuple[str, int, object]]) -> bytes:
    buf = bytearray(data)
    for kind, at, arg in operations:
        at = min(at, max(len(buf) - 1, 0))
        if kind == "flip" and buf:
            buf[at] ^= int(arg)  # type: ignore[call-overload]
        elif kind == "insert":
            buf[at:at] = bytes(arg)  # type: ignore[arg-type]
        elif kind == "delete":
            del buf[at : at + int(arg)]  # type: ignore[call-overload]
        else:
            del buf[at:]
    return bytes(buf)


@settings(
    max_examples=10_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(operations=st.lists(_operation, min_size=1, max_size=3))
def test_a_damaged_bundle_is_never_a_traceback_nor_called_intact_with_other_evidence(
    operations: list[tuple[str, int, object]], tmp_path_factory
) -> None:
    data = _damage(GENUINE, operations)
    path = tmp_path_factory.getbasetemp() / "fuzzed.zip"
    path.write_bytes(data)
    try:
        report = verify_bundle(path)
    except SarwatchError as err:  # one clear line (not a zip, unreadable...), never a crash
        assert str(err) and "Traceback" not in str(err)
        return
    assert report.summary()
    if report.ok:
        # what a verifier calls intact is exactly the genuine evidence, member for member
        assert _members(data) == EXPECTED, operations


def test_the_genuine_bundle_is_intact() -> None:
    assert EXPECTED is not None
    path = Path(__file__).parent / "vectors" / "bundles" / "intact-v2.zip"
    assert verify_bundle(path).ok
