"""Decoded pyais messages to the picture's values (:mod:`sarwatch.vessels.types`).

pyais turns the payload bits into numbers (degrees, knots) but keeps the
"not available" codes of ITU-R M.1371 as numbers (lon 181, lat 91, SOG 102.3,
COG 360, heading 511). Here they become ``None``; a position that is not available
or out of range yields no report at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pyais.messages import FLOAT as _FLOAT_KIND
from pyais.messages import MSG_CLASS

from sarwatch.vessels.types import VesselReport, VesselStatic

__all__ = [
    "POSITION_TYPES",
    "STATIC_TYPES",
    "PositionRow",
    "position_row",
    "position_row_from_bits",
    "report_from",
    "static_from",
]

#: Message types that carry a position (Class A, SAR aircraft, Class B, long range).
POSITION_TYPES = frozenset({1, 2, 3, 9, 18, 19, 27})
#: Message types that carry static data (name, call sign, type, size).
STATIC_TYPES = frozenset({5, 19, 24})


#: A position as a row: (mmsi, lon, lat, sog_kn, cog_deg, heading_deg, nav_status, msg_type).
PositionRow = tuple[int, float, float, float | None, float | None, float | None, int | None, int]


def position_row(msg: Any) -> PositionRow | None:
    """The position fields of a decoded pyais message of type 1-3, 9, 18, 19 or 27.

    Returns ``None`` when the message has no usable position (not available, out of
    range, or cut short). "Not available" speeds, courses and headings are ``None``.
    """
    return _row(
        msg.msg_type,
        msg.mmsi,
        msg.status if hasattr(msg, "status") else None,
        msg.speed,
        msg.lon,
        msg.lat,
        msg.course,
        getattr(msg, "heading", None),
    )


def _row(
    t: int,
    mmsi: int | None,
    status: int | None,
    speed: float | None,
    lon: float | None,
    lat: float | None,
    course: float | None,
    heading: int | None,
) -> PositionRow | None:
    if lon is None or lat is None or mmsi is None:
        return None
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        return None  # 181 / 91 mean "not available"; anything else out of range is corrupt
    if t == 27:
        # 6-bit knots (63 = n/a) and 9-bit whole degrees (511 = n/a)
        sog = None if speed is None or speed >= 63 else float(speed)
        cog = None if course is None or course >= 360 else float(course)
        hdg = None
    else:
        if t == 9:  # SAR aircraft: knots, 1023 = n/a (1022 = 1022 kn or more)
            sog = None if speed is None or speed >= 1023 else float(speed)
            hdg = None
        else:  # 1/10 knot, 1023 (102.3) = n/a
            sog = None if speed is None or speed >= 102.3 else float(speed)
            hdg = None if heading is None or heading >= 360 else float(heading)
        cog = None if course is None or course >= 360.0 else float(course)
    nav = None if status is None or not (t <= 3 or t == 27) else int(status)
    return (int(mmsi), float(lon), float(lat), sog, cog, hdg, nav, t)


#: The fields a position row needs, in the order :func:`_row` takes them.
_FIELDS = ("mmsi", "status", "speed", "lon", "lat", "course", "heading")
#: Fields kept as raw integers (pyais would make enums of some).
_RAW = frozenset({"mmsi", "status", "heading"})
_Slot = tuple[int, int, bool, bool, Any] | None


def _subset_plan(msg_type: int) -> tuple[_Slot, ...]:
    """pyais's own decoding plan for ``msg_type``, cut to :data:`_FIELDS`.

    Offsets, widths, signedness and unit conversions are pyais's (its
    ``Payload.decoder_plan``); only the fields a position needs are read.
    """
    by_name = {entry[0]: entry for entry in MSG_CLASS[msg_type].decoder_plan()}
    slots: list[_Slot] = []
    for name in _FIELDS:
        entry = by_name.get(name)
        if entry is None:
            slots.append(None)
            continue
        _, offset, width, signed, kind, converter = entry
        slots.append(
            (offset, width, signed, kind == _FLOAT_KIND, None if name in _RAW else converter)
        )
    return tuple(slots)


_PLANS: dict[int, tuple[_Slot, ...]] = {}  # built on first use, not at import


_Fixed = tuple[tuple[int, int, int, bool, Any], ...]


def _fixed_plan(msg_type: int, n_bits: int) -> _Fixed | None:
    """The subset plan as (shift, mask, sign bit, float?, converter) for ``n_bits``;
    ``None`` when a field runs past the end (then pyais's accessors read it)."""
    out = []
    for slot in _plan(msg_type):
        if slot is None:
            out.append((-1, 0, 0, False, None))
            continue
        offset, width, signed, is_float, converter = slot
        if offset + width > n_bits:
            return None
        sign = 1 << (width - 1) if signed else 0
        out.append((n_bits - offset - width, (1 << width) - 1, sign, is_float, converter))
    return tuple(out)


def _plan(msg_type: int) -> tuple[_Slot, ...]:
    plan = _PLANS.get(msg_type)
    if plan is None:
        plan = _PLANS[msg_type] = _subset_plan(msg_type)
    return plan


_FIXED: dict[tuple[int, int], _Fixed | None] = {}


def position_row_from_bits(msg_type: int, bv: Any) -> PositionRow | None:
    """:func:`position_row` of the message in ``bv``, reading only the fields it needs.

    Equivalent to ``position_row(MSG_CLASS[msg_type].from_vector(bv))`` for types
    1-3, 9, 18 and 27 (a property test checks it) at a fraction of the cost: the
    other fields (turn rate, radio state, flags) are never decoded. Offsets, widths
    and conversions are pyais's own plan; when pyais keeps the payload as one big
    integer (CPython), fields are cut from it with one shift and mask each, as
    pyais's own fast paths do.
    """
    n_bits = len(bv)
    whole = getattr(bv, "_value", None)
    key = (msg_type, n_bits)
    fixed = _FIXED[key] if key in _FIXED else _FIXED.setdefault(key, _fixed_plan(*key))
    values: list[Any] = []
    append = values.append
    if whole is None or fixed is None:  # another bit-vector kind, or a short payload
        for slot in _plan(msg_type):
            if slot is None or slot[0] >= n_bits:
                append(None)
                continue
            offset, width, signed, is_float, converter = slot
            x: Any = bv.get_signed(offset, width) if signed else bv.get(offset, width)
            x = float(x) if is_float else x
            append(x if converter is None else converter(x))
        return _row(msg_type, *values)
    for shift, mask, sign, is_float, converter in fixed:
        if shift < 0:
            append(None)
            continue
        x = (whole >> shift) & mask
        if sign and x & sign:
            x -= sign << 1
        # pyais's converters take the raw integer (as its own fast paths pass it)
        append(converter(x) if converter is not None else float(x) if is_float else x)
    return _row(msg_type, *values)


def report_from(msg: Any, time: datetime) -> VesselReport | None:
    """A position report from a decoded pyais message of type 1-3, 9, 18, 19 or 27.

    Parameters
    ----------
    msg
        The decoded message (``pyais`` ``MessageType1`` ... ``MessageType27``).
    time
        When it was received (aware UTC).

    Returns
    -------
    VesselReport or None
        ``None`` when the message has no usable position.
    """
    row = position_row(msg)
    if row is None:
        return None
    return VesselReport(row[0], time, *row[1:])


def _text(value: Any) -> str | None:
    if not value:
        return None
    text = str(value).replace("@", " ").strip()
    return text or None


def _length_m(msg: Any) -> float | None:
    bow, stern = getattr(msg, "to_bow", None), getattr(msg, "to_stern", None)
    if not bow and not stern:
        return None
    return float((bow or 0) + (stern or 0))


def static_from(msg: Any) -> VesselStatic | None:
    """Static data from a decoded message of type 5, 19 or 24 (part A or B).

    Zero or blank fields (AIS "not available") are ``None`` so that merging by MMSI
    keeps what an earlier message said (24A carries the name, 24B the rest).
    """
    if msg.mmsi is None:
        return None
    ship_type = getattr(msg, "ship_type", None)
    imo = getattr(msg, "imo", None)
    return VesselStatic(
        mmsi=int(msg.mmsi),
        name=_text(getattr(msg, "shipname", None)),
        callsign=_text(getattr(msg, "callsign", None)),
        imo=int(imo) if imo else None,
        ship_type=int(ship_type) if ship_type else None,
        length_m=_length_m(msg),
        destination=_text(getattr(msg, "destination", None)),
    )
