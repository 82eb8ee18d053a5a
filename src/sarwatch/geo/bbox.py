"""A box in degrees given as text: ``lon_min,lat_min,lon_max,lat_max``.

The one reader of the boxes users type on the command line (``--bbox``, ``--area``) and in
query strings (``?bbox=``), so every command and route accepts the same text and refuses
a bad one with the same words.
"""

from __future__ import annotations

import math

from sarwatch.errors import InputError

__all__ = ["BBOX_FORM", "parse_bbox"]

#: How a box is written, for help texts and error messages
BBOX_FORM = "lon_min,lat_min,lon_max,lat_max"


def parse_bbox(text: str | None, *, name: str = "bbox") -> tuple[float, float, float, float] | None:
    """The box ``(lon_min, lat_min, lon_max, lat_max)`` in degrees, read from its text.

    Parameters
    ----------
    text
        The box as text; ``None`` or ``""`` means no box.
    name
        What the user called it (``"bbox"``, ``"--area"``), for the error message.

    Returns
    -------
    tuple of float or None
        The box, or ``None`` for no text.

    Raises
    ------
    InputError
        Not four finite numbers, a coordinate out of range, or a minimum not below its
        maximum (a box across the antimeridian is not supported).

    Examples
    --------
    >>> parse_bbox("11.5,33,15.25,36.5")
    (11.5, 33.0, 15.25, 36.5)
    >>> parse_bbox("") is None
    True
    """
    if text is None or text.strip() == "":
        return None
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InputError(
            f"{name} must be four numbers {BBOX_FORM} in degrees (e.g. 10,30,20,38.5), got {text!r}"
        )
    lon_min, lat_min, lon_max, lat_max = values
    if not (-180 <= lon_min < lon_max <= 180 and -90 <= lat_min < lat_max <= 90):
        raise InputError(
            f"{name} {text!r}: need -180 <= lon_min < lon_max <= 180 and "
            "-90 <= lat_min < lat_max <= 90 (degrees)"
        )
    return lon_min, lat_min, lon_max, lat_max
