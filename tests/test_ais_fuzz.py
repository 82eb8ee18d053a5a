"""Fuzzing the NMEA ingest: random and mutated lines never raise and never cost a valid line.

Each example feeds a few hundred lines: valid type 1 sentences (made with pyais's
encoder from random MMSIs and positions), valid two-part type 5 messages, random
text and bytes, and mutations of valid lines (cut, a character replaced, deleted or
inserted, junk appended, whole-line repeats), shuffled together. 150 examples feed
over 10,000 random and mutated lines in all. Every valid message must come out, and
every line must be accounted for (used, ignored or skipped with a reason).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pyais
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sarwatch.adapters.ais.nmea import NmeaDecoder

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
EXAMPLES = 150
MIN_NOISE = 70  # per example: 150 x 70 = 10,500 random and mutated lines at least

_ALPHABET = "GHJKLMNOPQRSTUVWXYZghjk!$,*\\#@:;`0123456789abcdef \t"


def _type1(mmsi: int, lon: float, lat: float, seq: int) -> str:
    data = {"type": 1, "mmsi": mmsi, "lon": lon, "lat": lat, "speed": 5.0, "second": seq % 60}
    (sentence,) = pyais.encode_dict(
        data, talker_id="AI", sentence_type="VDM", radio_channel="AB"[seq % 2]
    )
    return sentence


def _type5(mmsi: int, seq_id: int) -> list[str]:
    data = {"type": 5, "mmsi": mmsi, "shipname": f"SHIP {mmsi % 1000}", "ship_type": 70}
    return pyais.encode_dict(data, talker_id="AI", sentence_type="VDM", seq_id=seq_id)


def _mutate(line: str, rnd: random.Random) -> str:
    op = rnd.randrange(6)
    i = rnd.randrange(len(line))
    if op == 0:  # cut short
        return line[:i]
    if op == 1:  # one character replaced by a different one
        choices = [c for c in _ALPHABET if c.upper() != line[i].upper()]
        return line[:i] + rnd.choice(choices) + line[i + 1 :]
    if op == 2:  # one character lost
        return line[:i] + line[i + 1 :]
    if op == 3:  # one character inserted inside the sentence
        j = rnd.randrange(1, line.index("*"))
        return line[:j] + rnd.choice(_ALPHABET) + line[j:]
    if op == 4:  # checksum digits wrong
        return line[:-2] + f"{(int(line[-2:], 16) + rnd.randrange(1, 256)) % 256:02X}"
    return line  # an exact repeat: a duplicate


positions = st.tuples(
    st.integers(200_000_000, 775_999_999),
    st.floats(-180, 180, allow_nan=False),
    st.floats(-90, 90, allow_nan=False),
)
noise = st.one_of(
    st.text(max_size=120),
    st.binary(max_size=120),
    st.sampled_from(["!AIVDM,1,1,,A,,0*25", "$GPGGA,1*00", "# comment", ""]),
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    valid=st.lists(positions, min_size=5, max_size=40, unique_by=lambda p: p[0]),
    statics=st.lists(st.integers(200_000_000, 775_999_999), max_size=4, unique=True),
    random_lines=st.lists(noise, min_size=MIN_NOISE // 2, max_size=120),
    n_mutants=st.integers(MIN_NOISE // 2, 150),
    seed=st.integers(0, 2**32 - 1),
)
def test_fuzzed_feed_never_raises_and_keeps_every_valid_line(
    valid, statics, random_lines, n_mutants, seed
):
    rnd = random.Random(seed)
    good = [_type1(m, lon, lat, k) for k, (m, lon, lat) in enumerate(valid)]
    groups = [_type5(m, k % 10) for k, m in enumerate(statics)]
    mutants = [_mutate(rnd.choice(good), rnd) for _ in range(n_mutants)]
    units: list[list[str | bytes]] = [[g] for g in good]
    units += [list(g) for g in groups]  # a multi-part message stays in order
    units += [[x] for x in random_lines + mutants]
    rnd.shuffle(units)
    lines = [line for unit in units for line in unit]

    dec = NmeaDecoder(clock=lambda: NOW)
    reports, got_static = [], []
    for start in range(0, len(lines), 64):  # fed in batches, as a stream is
        r, s = dec.decode(lines[start : start + 64])
        reports += r
        got_static += s
    summary = dec.finish()

    assert summary.lines == len(lines)
    assert summary.lines == summary.ignored + summary.used + summary.n_skipped
    by_mmsi: dict[int, list[tuple[float, float]]] = {}
    for r in reports:
        by_mmsi.setdefault(r.mmsi, []).append((r.lon, r.lat))
    for mmsi, lon, lat in valid:
        # AIS carries 1/10000 minute: the decoded position is within 1e-6 degree
        got = by_mmsi.get(mmsi, [])
        assert any(abs(x - lon) < 2e-6 and abs(y - lat) < 2e-6 for x, y in got), mmsi
    assert {s.mmsi for s in got_static} >= set(statics)
