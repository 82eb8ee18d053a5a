"""Position fields of many AIS payloads at once (numpy), from pyais's integers and plan.

pyais turns each payload into one integer (its ``int_bit_vector``); the decoder
collects those of the position reports of a batch and hands them here, grouped by
message type and length. Each field is cut from all of them at once, at the offsets
and widths of pyais's own plan (:func:`sarwatch.adapters.ais.convert._fixed_plan`),
and converted with pyais's converters written over arrays. A converter not in
:data:`_ARRAY_CONVERTERS` is applied value by value (pyais's function itself). The
"not available" and range rules are those of :func:`sarwatch.adapters.ais.convert._row`.
A property test checks every column against pyais's full decoding of random payloads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
from pyais.messages import to_10th, to_lat_lon, to_lat_lon_600, to_speed

from sarwatch.adapters.ais.columns import REPORT_SCHEMA, DecodedBatch
from sarwatch.adapters.ais.convert import _FIELDS, PositionRow, _fixed_plan
from sarwatch.vessels.types import VesselStatic

__all__ = ["UNTIMED", "PositionCollector", "PositionColumns", "bulk_supported", "positions_of"]

#: A report's time before it is known to have none (then: the receiver's clock).
UNTIMED = -1


def _lat_lon(scale: int, limit: int) -> Callable[[np.ndarray], np.ndarray | None]:
    """pyais's ``to_lat_lon*``: ``((scale * v + 3) // 6) / 1e6`` for ``|v| < limit``."""

    def convert(v: np.ndarray) -> np.ndarray | None:
        if v.size and not (v.min() >= -limit and v.max() < limit):
            return None  # pyais takes another branch there: value by value
        return ((scale * v + 3) // 6) / 1e6

    return convert


def _tenth(v: np.ndarray) -> np.ndarray:
    return v / 10.0


#: pyais's converters (by identity) and the same arithmetic over int64 arrays.
_ARRAY_CONVERTERS: dict[Any, Callable[[np.ndarray], np.ndarray | None]] = {
    to_lat_lon: _lat_lon(10, 0x8000000),
    to_lat_lon_600: _lat_lon(10_000, 0x1000000),
    to_speed: _tenth,
    to_10th: _tenth,
}


@dataclass(frozen=True)
class PositionColumns:
    """Position fields of n payloads; ``valid`` marks those with a usable position.

    ``sog``, ``cog`` and ``heading`` are NaN where not available; ``nav`` is -1 where
    the message type has no navigational status.
    """

    mmsi: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    sog: np.ndarray
    cog: np.ndarray
    heading: np.ndarray
    nav: np.ndarray
    valid: np.ndarray


def bulk_supported(msg_type: int, n_bits: int) -> bool:
    """Whether :func:`positions_of` reads payloads of this type and length (every
    field of the plan lies inside ``n_bits``)."""
    return _fixed_plan(msg_type, n_bits) is not None


def positions_of(msg_type: int, n_bits: int, values: Sequence[int]) -> PositionColumns:
    """The position fields of payloads of one type and length.

    Parameters
    ----------
    msg_type
        AIS message type: 1, 2, 3, 9, 18 or 27.
    n_bits
        Payload length in bits (:func:`bulk_supported` must be true for it).
    values
        The payloads as integers (pyais's ``int_bit_vector._value``).
    """
    fixed = _fixed_plan(msg_type, n_bits)
    if fixed is None:
        raise ValueError(f"type {msg_type} with {n_bits} bits: a field runs past the end")
    n_bytes = (n_bits + 7) // 8
    raw = np.frombuffer(
        b"".join([v.to_bytes(n_bytes, "big") for v in values]), dtype=np.uint8
    ).reshape(len(values), n_bytes)
    got: dict[str, np.ndarray | None] = {}
    for name, (shift, mask, sign, is_float, converter) in zip(_FIELDS, fixed, strict=True):
        if shift < 0:
            got[name] = None
            continue
        x = _cut(raw, shift, mask)
        if sign:
            x = np.where(x & sign, x - (sign << 1), x)
        if converter is not None:
            x = _convert(converter, x)
        elif is_float:
            x = x.astype(np.float64)
        got[name] = x
    return _columns(msg_type, len(values), got)


def _cut(raw: np.ndarray, shift: int, mask: int) -> np.ndarray:
    """``(value >> shift) & mask`` of every row of big-endian payload bytes, as int64."""
    width = mask.bit_length()
    n_bytes = raw.shape[1]
    k0, k1 = shift // 8, (shift + width - 1) // 8  # bytes counted from the last one
    acc = np.zeros(raw.shape[0], dtype=np.uint64)
    for k in range(k1, k0 - 1, -1):
        acc = (acc << np.uint64(8)) | raw[:, n_bytes - 1 - k].astype(np.uint64)
    acc = (acc >> np.uint64(shift - 8 * k0)) & np.uint64(mask)
    return acc.astype(np.int64)


def _convert(converter: Any, x: np.ndarray) -> np.ndarray:
    over_array = _ARRAY_CONVERTERS.get(converter)
    out = None if over_array is None else over_array(x)
    if out is None:  # pyais's own function, value by value
        out = np.array([converter(int(v)) for v in x.tolist()], dtype=np.float64)
    return np.asarray(out, dtype=np.float64)


def _columns(t: int, n: int, got: dict[str, np.ndarray | None]) -> PositionColumns:
    """:func:`~sarwatch.adapters.ais.convert._row`'s rules, over arrays."""
    nan = np.full(n, np.nan)
    mmsi, lon, lat = got["mmsi"], got["lon"], got["lat"]
    if mmsi is None or lon is None or lat is None:
        zero = np.zeros(n, dtype=np.int64)
        return PositionColumns(zero, nan, nan, nan, nan, nan, zero - 1, np.zeros(n, dtype=bool))
    valid = (lon >= -180.0) & (lon <= 180.0) & (lat >= -90.0) & (lat <= 90.0)
    speed, course, heading, status = got["speed"], got["course"], got["heading"], got["status"]
    speed_na = 63 if t == 27 else 1023 if t == 9 else 102.3
    sog = nan if speed is None else np.where(speed >= speed_na, np.nan, speed)
    cog = nan if course is None else np.where(course >= 360.0, np.nan, course)
    if t in (9, 27) or heading is None:
        hdg = nan
    else:
        hdg = np.where(heading >= 360, np.nan, heading.astype(np.float64))
    with_status = t <= 3 or t == 27
    nav = status if status is not None and with_status else np.full(n, -1, dtype=np.int64)
    return PositionColumns(mmsi, lon, lat, sog, cog, hdg, nav, valid)


class PositionCollector:
    """A batch's position reports as the decoder meets them, and its static data.

    Most reports are kept as pyais's integer of the payload with their layout
    (type << 20 | bits) and cut all at once by :func:`finish`; the others (from
    multi-part messages, type 19, short payloads) come as rows (layout 0).
    """

    __slots__ = ("keys", "statics", "times_us", "values")

    def __init__(self) -> None:
        self.keys: list[int] = []
        self.values: list[Any] = []
        self.times_us: list[int] = []  # UNTIMED: stamp with the receiver clock
        self.statics: list[VesselStatic] = []

    def add_row(self, time_us: int, row: PositionRow) -> None:
        self.keys.append(0)
        self.values.append(row)
        self.times_us.append(time_us)

    def finish(self, now_us: int) -> tuple[DecodedBatch, int, int, int]:
        """The batch, and of the integers cut here: reports made, positions not
        available, reports stamped ``now_us`` (no tag-block time)."""
        n = len(self.keys)
        if not n:
            return DecodedBatch(statics=self.statics), 0, 0, 0
        keys = np.array(self.keys, dtype=np.int64)
        values = self.values
        mmsi = np.zeros(n, dtype=np.int64)
        lon, lat, sog, cog, hdg = (np.full(n, np.nan) for _ in range(5))
        nav = np.full(n, -1, dtype=np.int64)
        msg_type = np.zeros(n, dtype=np.int64)
        valid = np.ones(n, dtype=bool)
        bulk = keys != 0
        for layout in np.unique(keys[bulk]).tolist():
            idx = np.flatnonzero(keys == layout)
            t = layout >> 20
            cols = positions_of(t, layout & 0xFFFFF, [values[i] for i in idx.tolist()])
            mmsi[idx], lon[idx], lat[idx] = cols.mmsi, cols.lon, cols.lat
            sog[idx], cog[idx], hdg[idx] = cols.sog, cols.cog, cols.heading
            nav[idx], valid[idx], msg_type[idx] = cols.nav, cols.valid, t
        rows = np.flatnonzero(~bulk)
        if rows.size:
            m, lo, la, so, co, hd, nv, ty = zip(*[values[i] for i in rows.tolist()], strict=True)
            mmsi[rows], lon[rows], lat[rows], msg_type[rows] = m, lo, la, ty
            sog[rows] = np.array(so, dtype=np.float64)  # None: NaN
            cog[rows] = np.array(co, dtype=np.float64)
            hdg[rows] = np.array(hd, dtype=np.float64)
            nav[rows] = [-1 if v is None else v for v in nv]
        times = np.array(self.times_us, dtype=np.int64)
        untimed = times == UNTIMED
        times[untimed] = now_us
        n_bulk, n_reports = int(bulk.sum()), int((valid & bulk).sum())
        n_untimed = int((untimed & valid).sum())
        if n_reports < n_bulk:
            mmsi, times, lon, lat, sog, cog, hdg, nav, msg_type = (
                a[valid] for a in (mmsi, times, lon, lat, sog, cog, hdg, nav, msg_type)
            )
        f = REPORT_SCHEMA
        table = pa.Table.from_arrays(
            [
                pa.array(mmsi, type=f.field("mmsi").type),
                pa.array(times, type=pa.int64()).cast(f.field("time").type),
                pa.array(lon, type=pa.float64()),
                pa.array(lat, type=pa.float64()),
                *(pa.array(a, mask=np.isnan(a), type=pa.float64()) for a in (sog, cog, hdg)),
                pa.array(nav.astype(np.int8), mask=nav < 0, type=f.field("nav_status").type),
                pa.array(msg_type.astype(np.int8), type=f.field("msg_type").type),
            ],
            schema=REPORT_SCHEMA,
        )
        return DecodedBatch(table, self.statics), n_reports, n_bulk - n_reports, n_untimed
