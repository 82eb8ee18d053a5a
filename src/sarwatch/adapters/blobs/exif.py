"""The time and GPS position a photo's EXIF says it was taken at (read with Pillow).

Offered to the coordinator as a position report to confirm, never recorded by
itself: a camera clock may be wrong by hours, and a forwarded photo carries the
position of whoever took it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["PhotoFix", "read_photo_fix"]

_GPS_IFD = 0x8825
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_OFFSET_TIME_ORIGINAL = 0x9011
_DATETIME = 0x0132


@dataclass(frozen=True)
class PhotoFix:
    """What a photo's EXIF says.

    Attributes
    ----------
    lon, lat
        WGS84 degrees from the GPS block, or ``None``.
    time
        UTC time: the GPS time stamp where given, else the original time with its
        offset; ``None`` when neither is given (a time without a zone is not guessed).
    """

    lon: float | None
    lat: float | None
    time: datetime | None


def read_photo_fix(path: Path) -> PhotoFix | None:
    """The EXIF position and time of the image at ``path``; ``None`` if not an image
    Pillow reads, or one without EXIF position and time."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:  # pragma: no cover - Pillow comes with matplotlib
        return None
    try:
        with Image.open(path) as image:
            exif = image.getexif()
            gps = dict(exif.get_ifd(_GPS_IFD))
            sub = dict(exif.get_ifd(_EXIF_IFD))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    lon = _coordinate(gps.get(4), gps.get(3), "W")
    lat = _coordinate(gps.get(2), gps.get(1), "S")
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        lon = lat = None
    time = _gps_time(gps.get(29), gps.get(7)) or _local_time(
        sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME), sub.get(_OFFSET_TIME_ORIGINAL)
    )
    if lon is None and time is None:
        return None
    return PhotoFix(lon, lat, time)


def _coordinate(dms: Any, ref: Any, negative: str) -> float | None:
    try:
        d, m, s = (float(v) for v in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    return round(-value if str(ref).strip().upper() == negative else value, 7)


def _gps_time(date: Any, hms: Any) -> datetime | None:
    try:
        day = datetime.strptime(str(date), "%Y:%m:%d")
        h, m, s = (float(v) for v in hms)
        return day.replace(hour=int(h), minute=int(m), second=int(s), tzinfo=UTC)
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def _local_time(text: Any, offset: Any) -> datetime | None:
    if not text or not offset:
        return None
    try:
        local = datetime.strptime(f"{text} {offset}", "%Y:%m:%d %H:%M:%S %z")
    except ValueError:
        return None
    return local.astimezone(UTC)
