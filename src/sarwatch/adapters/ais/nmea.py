"""NMEA 0183 AIS sentences to position reports and static data, with pyais.

pyais parses each sentence (``!AIVDM``/``!AIVDO``, NMEA 4 tag blocks) and decodes
the payload bits; this module adds what a receiver feed needs around it:

- multi-part messages reassembled per (sequence id, channel, fragment count), so
  that interleaved messages do not mix;
- every line that cannot be used is counted by reason (:class:`SkipReason`) and
  skipped: a bad line costs only itself (and the message it was part of), never
  a good neighbour; nothing raises;
- duplicates (the same payload heard again, e.g. on both channels, from two
  receivers, or an AIS-SART's burst of eight) are dropped within a window;
- times come from the tag block ``c:`` field (UNIX seconds or milliseconds),
  else from the receiver's clock when the line was decoded.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import accumulate
from typing import Any, cast

import numpy as np
from pyais.bit_vector import bit_vector, int_bit_vector
from pyais.exceptions import UnknownMessageException
from pyais.messages import MSG_CLASS, AISSentence, NMEASentence, NMEASentenceFactory, TagBlock

from sarwatch.adapters.ais.bulk import UNTIMED, PositionCollector, bulk_supported
from sarwatch.adapters.ais.columns import DecodedBatch
from sarwatch.adapters.ais.convert import (
    POSITION_TYPES,
    STATIC_TYPES,
    position_row,
    position_row_from_bits,
    static_from,
)
from sarwatch.vessels.types import VesselReport, VesselStatic

__all__ = ["IngestSummary", "NmeaDecoder", "SkipReason", "split_tag_time"]

#: Fewest payload bits a message needs for the fields read here (ITU-R M.1371: up to
#: the heading of types 1-3 and 18, the course of 9 and 27, the dimensions of 19;
#: type 5 is 424 bits, some transmitters send 420; type 24 part A 160 or 168).
MIN_BITS = {1: 137, 2: 137, 3: 137, 9: 128, 18: 133, 19: 301, 27: 93, 5: 420, 24: 160}
#: Distinct payloads remembered to recognise a duplicate.
DEDUP_WINDOW = 4096
#: Lines after which an unfinished multi-part message is given up (orphan).
MAX_FRAGMENT_GAP = 20
#: Tag-block times outside [1990, now + 1 day] are not believed.
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

_BANG, _BACKSLASH, _DOLLAR, _HASH = ord("!"), ord("\\"), ord("$"), ord("#")
_produce = NMEASentenceFactory.produce
#: The sentence codes pyais's factory turns into an AISSentence as they are.
_AIS_CODES = (b"VDM", b"VDO")
_MISSING: Any = object()
#: Appended to a payload to key duplicates (same bits, same length).
_FILL = tuple(b"%%%d" % k for k in range(6))
#: Position types decoded inline (type 19 also carries static data: general path).
_SIMPLE_POSITION = frozenset({1, 2, 3, 9, 18, 27})


class SkipReason(StrEnum):
    """Why a line was not used."""

    MALFORMED = "malformed"  #: not a well-formed AIS sentence (fields, fragment numbers)
    BAD_CHECKSUM = "bad_checksum"  #: the NMEA checksum does not match
    TRUNCATED = "truncated"  #: cut short: no checksum field, or a payload too short
    ORPHAN_FRAGMENT = "orphan_fragment"  #: part of a multi-part message never completed
    OUT_OF_ORDER = "out_of_order"  #: a fragment whose number does not follow the last
    DUPLICATE = "duplicate"  #: the same payload seen within the window
    EMPTY_PAYLOAD = "empty_payload"  #: a valid sentence that carries no payload
    UNDECODABLE = "undecodable"  #: pyais cannot decode the payload (unknown type, bad bits)
    NOT_AIS = "not_ais"  #: other NMEA sentences and text that is not NMEA


@dataclass
class IngestSummary:
    """What an ingest read, used, and skipped (by reason).

    Attributes
    ----------
    lines
        Lines read, every kind.
    ignored
        Blank lines, ``#`` comments and ``$PGHP`` wrappers (not errors).
    used
        Lines that went into a decoded message. After :meth:`NmeaDecoder.finish`,
        ``lines == ignored + used + n_skipped``.
    messages
        AIS messages decoded (a multi-part message counts once).
    by_type
        Decoded messages per AIS message type.
    skipped
        Lines skipped, per :class:`SkipReason` value.
    reports, statics
        Position reports and static-data records produced.
    no_position
        Position messages whose position is "not available" (no report made).
    untimed
        Position reports stamped with the receiver clock (no usable tag-block time).
    """

    lines: int = 0
    ignored: int = 0
    used: int = 0
    messages: int = 0
    by_type: Counter[int] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    reports: int = 0
    statics: int = 0
    no_position: int = 0
    untimed: int = 0

    @property
    def n_skipped(self) -> int:
        """Lines skipped, all reasons."""
        return sum(self.skipped.values())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (types and reasons as string keys, sorted)."""
        return {
            "lines": self.lines,
            "ignored": self.ignored,
            "used": self.used,
            "messages": self.messages,
            "by_type": {str(k): self.by_type[k] for k in sorted(self.by_type)},
            "skipped": {k: self.skipped[k] for k in sorted(self.skipped)},
            "reports": self.reports,
            "statics": self.statics,
            "no_position": self.no_position,
            "untimed": self.untimed,
        }

    def text(self) -> str:
        """A short human summary, one fact per line."""
        types = ", ".join(f"{k}: {self.by_type[k]}" for k in sorted(self.by_type)) or "none"
        out = [
            f"{self.lines} lines, {self.messages} messages decoded "
            f"({self.reports} positions, {self.statics} static), {self.ignored} comments/blank",
            f"by type: {types}",
        ]
        if self.skipped:
            reasons = ", ".join(f"{k} {self.skipped[k]}" for k in sorted(self.skipped))
            out.append(f"skipped {self.n_skipped} lines: {reasons}")
            if self.skipped.get("bad_time"):  # the one a whole file can fail on: say how
                out.append(
                    "bad_time: a time that could not be read as UTC; a generic CSV's time is "
                    "ISO 8601 with its zone (2026-12-07T03:30:00Z or +00:00), a DMA one "
                    "dd/mm/yyyy HH:MM:SS"
                )
        else:
            out.append("skipped 0 lines")
        if self.no_position:
            out.append(f"{self.no_position} position messages without a position")
        if self.untimed:
            out.append(f"{self.untimed} positions without a tag-block time: stamped on receipt")
        return "\n".join(out)


@dataclass(slots=True)
class _Pending:
    parts: list[AISSentence]
    line_no: int
    time_us: int | None


class NmeaDecoder:
    """Decode NMEA lines into :class:`VesselReport` and :class:`VesselStatic` values.

    Parameters
    ----------
    clock
        Returns the receiver's time (aware UTC), used for lines without a tag-block
        time; read once per :meth:`decode` call. Default: the system clock.
    dedup_window
        How many distinct recent payloads are remembered to drop duplicates.
    max_fragment_gap
        Lines after which an unfinished multi-part message is an orphan.

    Notes
    -----
    State (unfinished multi-part messages, the duplicate window) carries over
    between :meth:`decode` calls, so a stream can be fed in batches of any size;
    call :meth:`finish` at the end to count the fragments left over.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] | None = None,
        dedup_window: int = DEDUP_WINDOW,
        max_fragment_gap: int = MAX_FRAGMENT_GAP,
    ) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self.summary = IngestSummary()
        self._pending: dict[tuple[Any, ...], _Pending] = {}
        self._seen: set[bytes] = set()
        self._seen_order: deque[bytes] = deque()
        self._window = dedup_window
        self._max_gap = max_fragment_gap
        self._line_no = 0
        self._static_cache: dict[bytes, VesselStatic | None] = {}
        self._tag_times: dict[bytes, int | None] = {}  # tag block -> its time (us)
        self._in_bulk: dict[int, bool] = {}  # type << 20 | bits -> bulk_supported
        self._latest = datetime.now(UTC) + timedelta(days=1)

    # -- the loop -------------------------------------------------------------------

    def decode(self, lines: Iterable[bytes | str]) -> tuple[list[VesselReport], list[VesselStatic]]:
        """Decode a batch of lines (bytes or str, with or without line ends).

        Returns
        -------
        reports, statics
            Position reports and static data, in the order of the input.
        """
        batch = self.decode_batch(lines)
        return batch.reports(), batch.statics

    def decode_batch(self, lines: Iterable[bytes | str]) -> DecodedBatch:
        """Like :meth:`decode`, but positions kept as an Arrow table (the ingest's path).

        The common case (a single-sentence position report) is decoded inline;
        multi-part and static messages go through :meth:`_fragment` and
        :meth:`_message`. Both apply the same checks in the same order.

        Notes
        -----
        What costs per line here is pyais parsing the sentence (its ``AISSentence``,
        which also de-armours the payload into one integer). The rest is made cheap:
        NMEA checksums come from one running XOR over the whole batch (numpy), each
        the XOR of two bytes of it; tag blocks are parsed once per distinct block;
        times stay integers (microseconds); the position fields of all the batch's
        reports are cut from pyais's integers at once, with pyais's plan
        (:func:`~sarwatch.adapters.ais.bulk.positions_of`), straight into columns.
        """
        now = self._clock()
        self._latest = max(self._latest, now + timedelta(days=1))
        now_us = _micros(now)
        collected = PositionCollector()
        if not isinstance(lines, list):
            lines = list(lines)
        if any(type(raw) is not bytes for raw in lines):
            lines = [
                raw if type(raw) is bytes else str(raw).encode("utf-8", "surrogateescape")
                for raw in lines
            ]
        lines = cast(list[bytes], lines)
        # XOR of every byte up to each position: the XOR of bytes i+1 .. j-1 (an NMEA
        # checksum, "!" and "*" excluded) is xors[j - 1] ^ xors[i].
        buf = b"".join(lines)
        xors = np.bitwise_xor.accumulate(np.frombuffer(buf, dtype=np.uint8)).tobytes()
        keys_append, values_append = collected.keys.append, collected.values.append
        times_append = collected.times_us.append
        summary = self.summary
        skipped = summary.skipped
        seen, seen_order, window = self._seen, self._seen_order, self._window
        tag_times, in_bulk = self._tag_times, self._in_bulk
        produce, ais_sentence = _produce, AISSentence
        min_bits, from_bits = MIN_BITS, position_row_from_bits
        int_bits = bit_vector is int_bit_vector  # pyais keeps the payload as one int
        type_counts = [0] * 64
        line_no = self._line_no
        ignored = used = reports = untimed = no_position = 0
        for raw, off in zip(lines, accumulate(map(len, lines), initial=0), strict=False):
            line_no += 1
            try:
                stripped = raw.strip()
                if not stripped or stripped[0] == _HASH:
                    ignored += 1
                    continue
                if stripped[0] != raw[0]:  # leading blanks: where the text starts in buf
                    off += len(raw) - len(raw.lstrip())
                raw = stripped
                first = raw[0]
                tag = None
                if first == _BACKSLASH:
                    # An NMEA 4 tag block: cut off here, as pyais would, and looked up
                    # by its bytes (a receiver stamps every line of a second alike);
                    # pyais parses it only when it is new (see _tag_time).
                    start = raw.find(b"\\", 1) + 1
                    if start:
                        tag = raw[1 : start - 1]
                        raw = raw[start:]
                        off += start
                        if not raw or raw[0] not in (_BANG, _DOLLAR):
                            damaged = b"VDM," in raw or b"VDO," in raw
                            skipped[SkipReason.MALFORMED if damaged else SkipReason.NOT_AIS] += 1
                            continue
                elif first not in (_BANG, _DOLLAR):
                    # An AIS sentence that lost its leading "!" is damaged AIS.
                    damaged = b"VDM," in raw or b"VDO," in raw
                    skipped[SkipReason.MALFORMED if damaged else SkipReason.NOT_AIS] += 1
                    continue
                star = raw.find(b"*")
                end = star + 3
                if star < 0 or len(raw) < end or raw.find(b",") > star:
                    # The checksum field is missing or cut short: the line was cut off.
                    skipped[SkipReason.TRUNCATED] += 1
                    continue
                if len(raw) > end:
                    # Receivers append fields after the checksum (",s36310,d-081"):
                    # the sentence ends at "*hh".
                    raw = raw[:end]
                try:
                    fields = raw.split(b",")
                    sentence: NMEASentence
                    if fields[0][3:] in _AIS_CODES and raw[0] != _BACKSLASH:
                        # What pyais's factory does for !AIVDM/!AIVDO, minus its
                        # dispatch and second strip; anything else goes through it.
                        sentence = ais_sentence(raw, fields)
                    else:
                        sentence = produce(raw)
                except UnknownMessageException:
                    skipped[SkipReason.NOT_AIS] += 1
                    continue
                except Exception:  # pyais raises several kinds for malformed input
                    skipped[SkipReason.MALFORMED] += 1
                    continue
                if type(sentence) is not AISSentence:
                    ignored += 1  # a $PGHP wrapper: metadata only
                    continue
                # pyais's own test: the XOR of the bytes between "!" and "*".
                if xors[off + star - 1] ^ xors[off] != sentence.checksum:
                    skipped[SkipReason.BAD_CHECKSUM] += 1
                    continue
                payload = sentence.payload
                if not payload:
                    skipped[SkipReason.EMPTY_PAYLOAD] += 1
                    continue
                if tag is None:
                    time_us = None
                else:
                    time_us = tag_times.get(tag, _MISSING)
                    if time_us is _MISSING:
                        time_us = self._tag_time(TagBlock(tag))
                msg_type = sentence.ais_id
                if sentence.frag_cnt != 1:
                    self._line_no = line_no
                    self._fragment(sentence, time_us, now_us, collected)
                    continue
                if msg_type not in _SIMPLE_POSITION:
                    self._message(sentence, payload, time_us, now_us, 1, collected)
                    continue
                # The common case, inline: one sentence, one position report.
                fill = sentence.fill_bits
                key = payload + _FILL[fill] if fill else payload
                if key in seen:
                    skipped[SkipReason.DUPLICATE] += 1
                    continue
                seen.add(key)
                seen_order.append(key)
                if len(seen_order) > window:
                    seen.discard(seen_order.popleft())
                n_bits = len(payload) * 6 - fill  # the length of pyais's bit vector
                if n_bits < min_bits[msg_type]:
                    skipped[SkipReason.TRUNCATED] += 1
                    continue
                layout = msg_type << 20 | n_bits
                bulk = in_bulk.get(layout)
                if bulk is None:
                    bulk = in_bulk[layout] = int_bits and bulk_supported(msg_type, n_bits)
                if bulk:
                    # pyais's integer, cut with the batch's others (collected.finish)
                    keys_append(layout)
                    values_append(sentence.bv._value)
                    times_append(UNTIMED if time_us is None else time_us)
                    used += 1
                    type_counts[msg_type] += 1
                    continue
                try:  # a payload shorter than the plan: pyais's accessors, one by one
                    row = from_bits(msg_type, sentence.bv)
                except Exception:  # bits pyais cannot read
                    skipped[SkipReason.UNDECODABLE] += 1
                    continue
                used += 1
                type_counts[msg_type] += 1
                if row is None:
                    no_position += 1
                    continue
                if time_us is None:
                    untimed += 1
                reports += 1
                collected.add_row(now_us if time_us is None else time_us, row)
            except Exception:  # a line we did not foresee must not stop the feed
                skipped[SkipReason.MALFORMED] += 1
        self._line_no = line_no
        out, bulk_reports, bulk_without, bulk_untimed = collected.finish(now_us)
        summary.lines += len(lines)
        summary.ignored += ignored
        summary.used += used
        summary.messages += used
        summary.reports += reports + bulk_reports
        summary.untimed += untimed + bulk_untimed
        summary.no_position += no_position + bulk_without
        by_type = summary.by_type
        for t, count in enumerate(type_counts):
            if count:
                by_type[t] += count
        return out

    def finish(self) -> IngestSummary:
        """Count the fragments of unfinished multi-part messages; return the summary."""
        for pending in self._pending.values():
            self.summary.skipped[SkipReason.ORPHAN_FRAGMENT] += len(pending.parts)
        self._pending.clear()
        return self.summary

    def _fragment(
        self,
        sentence: AISSentence,
        time_us: int | None,
        now_us: int,
        out: PositionCollector,
    ) -> None:
        skipped = self.summary.skipped
        key = (sentence.seq_id, sentence.channel, sentence.frag_cnt)
        pending = self._pending.get(key)
        if sentence.frag_num == 1:
            if pending is not None:  # an earlier message with this id never completed
                skipped[SkipReason.ORPHAN_FRAGMENT] += len(pending.parts)
            self._pending[key] = _Pending([sentence], self._line_no, time_us)
            return
        if pending is None or self._line_no - pending.line_no > self._max_gap:
            if pending is not None:
                skipped[SkipReason.ORPHAN_FRAGMENT] += len(pending.parts)
                del self._pending[key]
            skipped[SkipReason.ORPHAN_FRAGMENT] += 1
            return
        if sentence.frag_num != len(pending.parts) + 1:
            skipped[SkipReason.OUT_OF_ORDER] += len(pending.parts) + 1
            del self._pending[key]
            return
        pending.parts.append(sentence)
        if len(pending.parts) < sentence.frag_cnt:
            return
        del self._pending[key]
        parts = pending.parts
        payload = b"".join(p.payload for p in parts)
        first_time = time_us if pending.time_us is None else pending.time_us
        self._message(parts[0], payload, first_time, now_us, len(parts), out, parts)

    def _message(
        self,
        sentence: AISSentence,
        payload: bytes,
        time_us: int | None,
        now_us: int,
        n_lines: int,
        out: PositionCollector,
        parts: list[AISSentence] | None = None,
    ) -> None:
        """One whole message: ``sentence``, or the first of its ``parts``, assembled
        (pyais's ``assemble_from_iterable``) only when it must be decoded."""
        summary = self.summary
        fill = sentence.fill_bits
        key = payload + _FILL[fill] if fill else payload
        if key in self._seen:
            summary.skipped[SkipReason.DUPLICATE] += n_lines
            return
        seen_order = self._seen_order
        self._seen.add(key)
        seen_order.append(key)
        if len(seen_order) > self._window:
            self._seen.discard(seen_order.popleft())
        msg_type = sentence.ais_id
        # pyais's assembled bit vector: the parts' payloads, the last part's fill bits
        bits = len(sentence.bv) if parts is None else len(payload) * 6 - parts[-1].fill_bits
        if bits < MIN_BITS.get(msg_type, 38):
            summary.skipped[SkipReason.TRUNCATED] += n_lines
            return
        is_static = msg_type in STATIC_TYPES and msg_type != 19
        if is_static and key in self._static_cache:
            static = self._static_cache[key]
            summary.used += n_lines
            summary.messages += 1
            summary.by_type[msg_type] += 1
            if static is not None:
                summary.statics += 1
                out.statics.append(static)
            return
        if parts is not None:
            sentence = AISSentence.assemble_from_iterable(parts)
        try:
            msg = MSG_CLASS[msg_type].from_vector(sentence.bv)
        except Exception:  # unknown type or bits pyais cannot read
            summary.skipped[SkipReason.UNDECODABLE] += n_lines
            return
        summary.used += n_lines
        summary.messages += 1
        summary.by_type[msg_type] += 1
        if msg_type in POSITION_TYPES:
            row = position_row(msg)
            if row is None:
                summary.no_position += 1
            else:
                summary.reports += 1
                if time_us is None:
                    summary.untimed += 1
                out.add_row(now_us if time_us is None else time_us, row)
        if msg_type in STATIC_TYPES:
            static = static_from(msg)
            if is_static:
                if len(self._static_cache) > 65_536:
                    self._static_cache.clear()
                self._static_cache[key] = static
            if static is not None:
                summary.statics += 1
                out.statics.append(static)

    def _tag_time(self, block: TagBlock) -> int | None:
        """The tag block's ``c:`` time (UNIX microseconds) if the block is valid and
        the time plausible; remembered by the block's bytes."""
        block.init()
        stamp = block.receiver_timestamp if block.is_valid else None
        when = self._parse_stamp(stamp) if stamp else None
        cache = self._tag_times
        if len(cache) > 4096:
            cache.clear()
        us = None if when is None else _micros(when)
        cache[block.raw] = us
        return us

    def _parse_stamp(self, stamp: str) -> datetime | None:
        return _parse_stamp(stamp, self._latest)


def split_tag_time(raw: bytes) -> tuple[bytes, datetime | None]:
    """A line without its NMEA 4 tag block, and the block's ``c:`` time if valid.

    For replays: the sentence goes out bare (the receiver stamps it on receipt) and
    the time says when to send it. Lines without a tag block come back unchanged.
    """
    raw = raw.strip()
    if not raw.startswith(b"\\"):
        return raw, None
    end = raw.find(b"\\", 1)
    if end < 0:
        return raw, None
    block = TagBlock(raw[1:end])
    try:
        block.init()
        stamp = block.receiver_timestamp if block.is_valid else None
    except Exception:  # a damaged block: no time, the sentence still goes
        stamp = None
    latest = datetime.now(UTC) + timedelta(days=1)
    when = _parse_stamp(stamp, latest) if stamp else None
    return raw[end + 1 :], when


def _micros(when: datetime) -> int:
    """An aware time as integer microseconds since 1970-01-01 UTC (exact)."""
    return (when - _EPOCH) // _MICROSECOND


def _parse_stamp(stamp: str, latest: datetime) -> datetime | None:
    """A tag-block ``c:`` value (UNIX seconds, or milliseconds) as a time, if plausible."""
    try:
        value = float(stamp)
    except ValueError:
        return None
    if value > 1e11:  # milliseconds (some receivers), not seconds
        value /= 1000.0
    try:
        when = datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    if not _EARLIEST <= when <= latest:
        return None
    return when
