"""Decoded pyais messages to the picture's values (:mod:`sarwatch.vessels.types`).

pyais turns the payload bits into numbers (degrees, knots) but keeps the
"not available" codes of ITU-R M.1371 as numbers (lon 181, lat 91, SOG 102.3,
COG 360, heading 511). Here they become ``None``; a position that is not available
or out of range yields no report at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sarwatch.vessels.types import VesselReport, VesselStatic

__all__ = ["POSITION_TYPES", "STATIC_TYPES", "report_from", "static_from"]

#: Message types that carry a position (Class A, SAR aircraft, Class B, long range).
POSITION_TYPES = frozenset({1, 2, 3, 9, 18, 19, 27})
#: Message types that carry static data (name, call sign, type, size).
STATIC_TYPES = frozenset({5, 19, 24})


def _position(msg: Any) -> tuple[float, float] | None:
    lon, lat = msg.lon, msg.lat
    if lon is None or lat is None:
        return None
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        return None  # 181 / 91 mean "not available"; anything else out of range is corrupt
    return float(lon), float(lat)


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
        ``None`` when the message has no usable position (not available, out of
        range, or cut short).
    """
    pos = _position(msg)
    if pos is None or msg.mmsi is None:
        return None
    t = msg.msg_type
    speed = msg.speed
    course = msg.course
    if t == 27:
        # 6-bit knots (63 = n/a) and 9-bit whole degrees (511 = n/a)
        sog = None if speed is None or speed >= 63 else float(speed)
        cog = None if course is None or course >= 360 else float(course)
        heading = None
    else:
        if t == 9:  # SAR aircraft: knots, 1023 = n/a (1022 = 1022 kn or more)
            sog = None if speed is None or speed >= 1023 else float(speed)
            heading = None
        else:  # 1/10 knot, 1023 (102.3) = n/a
            sog = None if speed is None or speed >= 102.3 else float(speed)
            h = msg.heading
            heading = None if h is None or h >= 360 else float(h)
        cog = None if course is None or course >= 360.0 else float(course)
    status = msg.status if t in (1, 2, 3, 27) else None
    return VesselReport(
        mmsi=int(msg.mmsi),
        time=time,
        lon=pos[0],
        lat=pos[1],
        sog_kn=sog,
        cog_deg=cog,
        heading_deg=heading,
        nav_status=None if status is None else int(status),
        msg_type=t,
    )


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
