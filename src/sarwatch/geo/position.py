"""Positions as sailors write them: parsing and formatting.

Accepted forms (latitude first unless hemisphere letters say otherwise):

- degrees, minutes, seconds with symbols: ``33°12'N 012°30'E``, ``33°12'30"N 12°30'15"E``
- degrees and decimal minutes: ``33 12.0N 12 30.0E``, ``N33 12.0 E012 30.0``, ``33-12.0N 012-30.0E``
- decimal degrees with hemisphere letters: ``33.2N 12.5E``, ``33.2 S, 12.5 W``
- signed decimal degrees ``lat, lon``: ``33.2, 12.5``, ``-33.2 -12.5``
- any of these with a decimal comma, as written in Italy, Malta or Tunisia:
  ``33,2N 12,5E``, ``33°12,5'N 012°30,0'E``, ``33,2 12,5``, ``33,2; 12,5``, ``33,2, 12,5``

A comma between two digits is a decimal comma when nothing else can be meant: with
hemisphere letters, or when latitude and longitude are separated otherwise (a space,
``;``, ``/`` or a comma followed by a space). A single comma between digits that could
be either (``33,2 12``: 33.2° and 12°, or 33° and 2°12'?) is refused, as is a run of
bare commas (``33,2,12,5``); a single comma that only one reading makes a position of
keeps its old meaning (``33,12`` and ``33.2,12.5`` are latitude, longitude).

Everything returns ``(lon, lat)`` in decimal degrees (the order used in the code),
and every refusal is an :class:`~sarwatch.errors.InputError` that shows what came
and an example of what is expected.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from sarwatch.errors import InputError

__all__ = ["format_coordinate", "format_position", "parse_coordinate", "parse_position"]

_EXAMPLES = "e.g. 33°12'N 012°30'E, 33 12.0N 12 30.0E, 33.2N 12.5E, 33,2N 12,5E or 33.2, 12.5"

Axis = Literal["lat", "lon"]

_SYMBOLS = {
    "°": " ",
    "º": " ",
    "˚": " ",
    "′": "' ",
    "’": "' ",
    "‘": "' ",
    "″": '" ',
    "”": '" ',
    "“": '" ',
    "''": '" ',
}
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_BARE_COMMAS = re.compile(r"\d,\d+,\d")
# A separator between latitude and longitude that is not a comma between two digits.
_OTHER_SEPARATOR = re.compile(r"[;/]|,(?!\d)|(?<!\d),")
_COMMA_HOWTO = (
    "with decimal commas, separate latitude and longitude by a space or a semicolon "
    "(33,2 12,5 or 33,2; 12,5), add hemisphere letters (33,2N 12,5E) or use decimal "
    "points (33.2, 12.5)"
)
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d*)?|[-+]?\.\d+")
#: A run of two or more letters: a word ("north", "Lampedusa", "lat"), never part of a
#: coordinate, whose only letters are one hemisphere letter (N, S, E, W) each.
_WORD = re.compile(r"[^\W\d_]{2,}")
#: The accepted forms, named, for a refusal of words.
_FORMS = (
    "degrees, minutes and seconds (33°12'30\"N 012°30'15\"E), degrees and decimal minutes "
    "(33 12.0N 12 30.0E), decimal degrees with hemisphere letters (33.2N 12.5E) or signed "
    "decimal degrees, latitude first (33.2, 12.5)"
)
_COORDINATE_FORMS = {
    "lat": "33°12'N, 33 12.0N, 33.2N or 33.2 (south negative)",
    "lon": "012°30'E, 12 30.0E, 12.5E or 12.5 (west negative)",
}

_ALLOWED_PART = re.compile(r"^[\s\d.+\-'\"]*$")


def _normalise(text: str) -> str:
    out = text.strip().upper()
    for old, new in _SYMBOLS.items():
        out = out.replace(old, new)
    out = re.sub(r"(?<=\d)\s*(?:DEG|D)(?![A-Z])", " ", out)
    # "33-12.5N": a dash between digits separates degrees from minutes.
    out = re.sub(r"(?<=\d)-(?=\d)", " ", out)
    return out


def _refuse_words(text: str, norm: str, what: str, forms: str) -> None:
    """Refuse words in a position (``what``: "position", "latitude"), saying a place name
    or a description is not one, and the forms accepted."""
    upper = set(_WORD.findall(norm))  # "12.5 deg": the unit is gone from ``norm``
    if not upper:
        return
    words = [w for w in _WORD.findall(text) if w.upper() in upper]
    if not any(c.isdigit() for c in text):
        raise InputError(
            f"{text!r} is not a {what}: a place name or a description cannot be located; "
            f"give the {what} in numbers, as {forms}"
        )
    shown = ", ".join(repr(w) for w in dict.fromkeys(words))
    are = "is a word" if len(words) == 1 else "are words"
    raise InputError(
        f"cannot read {text!r} as a {what}: {shown} {are}, not part of a coordinate (a "
        f"place name or a description is not a {what}); give only the numbers and "
        f"hemisphere letters, as {forms}"
    )


def _parse_part(part: str, axis: Axis, original: str) -> float:
    """Parse the numbers of one coordinate (no hemisphere letter) to signed degrees."""
    if not _ALLOWED_PART.match(part):
        bad = sorted({c for c in part if not (c.isspace() or c.isdigit() or c in ".+-'\"")})
        raise InputError(
            f"cannot read {original!r} as a position: unexpected {''.join(bad)!r}; "
            f"write it like {_EXAMPLES}"
        )
    numbers = _NUMBER.findall(part)
    leftover = _NUMBER.sub(" ", part).replace("'", " ").replace('"', " ").strip()
    if leftover or not numbers or len(numbers) > 3:
        raise InputError(
            f"cannot read the {_axis_name(axis)} in {original!r}: expected degrees, "
            f"degrees and minutes, or degrees, minutes and seconds; write it like {_EXAMPLES}"
        )
    negative = numbers[0].startswith("-")
    nmea = _nmea_degrees(numbers, axis)
    if nmea is not None:
        return -nmea if negative else nmea
    if any(n.startswith(("-", "+")) for n in numbers[1:]):
        raise InputError(f"only the degrees may carry a sign in {original!r}; {_EXAMPLES}")
    values = [abs(float(n)) for n in numbers]
    for i, (text, value) in enumerate(zip(numbers[:-1], values[:-1], strict=True)):
        if "." in text or value != math.floor(value):
            unit = "degrees" if i == 0 else "minutes"
            raise InputError(
                f"in {original!r} the {unit} have a decimal part but are followed by more "
                f"numbers; use either 33.2 or 33 12.0 or 33 12 00, {_EXAMPLES}"
            )
    for value, unit in zip(values[1:], ("minutes", "seconds"), strict=False):
        if value >= 60.0:
            raise InputError(f"{unit} must be below 60 in {original!r}, got {value:g}; {_EXAMPLES}")
    degrees = values[0] + sum(v / 60.0**k for k, v in enumerate(values[1:], start=1))
    return -degrees if negative else degrees


def _nmea_degrees(numbers: list[str], axis: Axis) -> float | None:
    """``3312.05`` / ``01230.5``: degrees and minutes run together as GPS and satellite
    phones (NMEA 0183) print them. Only a single number with 4 (latitude) or 4-5
    (longitude) integer digits qualifies; as plain degrees it would be out of range
    anyway, so no valid decimal-degree input is read differently."""
    if len(numbers) != 1:
        return None
    whole, _, fraction = numbers[0].lstrip("+-").partition(".")
    allowed = (4,) if axis == "lat" else (4, 5)
    if not whole.isdigit() or len(whole) not in allowed:
        return None
    minutes = float(f"{whole[-2:]}.{fraction or 0}")
    if minutes >= 60.0:
        return None
    return int(whole[:-2]) + minutes / 60.0


def _axis_name(axis: Axis) -> str:
    return "latitude" if axis == "lat" else "longitude"


#: Words that Python's ``float`` reads as NaN or infinity: not a position, whatever the case.
_NOT_FINITE = re.compile(r"(?<![A-Z])[+-]?(?:NAN|INF(?:INITY)?)(?![A-Z])", re.IGNORECASE)


def _not_a_number(axis: Axis, given: object) -> InputError:
    """The error for NaN or infinity given as a coordinate."""
    limit = 90 if axis == "lat" else 180
    like = "33.2, 33.2N or 33 12.0N" if axis == "lat" else "12.5, 12.5E or 012 30.0E"
    return InputError(
        f"a {_axis_name(axis)} must be a number between -{limit} and {limit} degrees, "
        f"got {given!r}; write it like {like}"
    )


def _check_range(value: float, axis: Axis, original: str) -> float:
    limit = 90.0 if axis == "lat" else 180.0
    if not math.isfinite(value):
        raise _not_a_number(axis, original)
    if abs(value) > limit:
        raise InputError(
            f"{_axis_name(axis)} must lie between -{limit:g} and {limit:g} degrees, "
            f"got {value:g} (from {original!r})"
        )
    return value


def _split_hemispheres(text: str, original: str) -> list[tuple[str, str]]:
    """Split ``text`` into ``(numbers, letter)`` pairs at hemisphere letters N/S/E/W."""
    tokens = [t for t in re.split(r"([NSEW])", text) if t.strip(" ,;/")]
    if not tokens:
        return []
    prefix = tokens[0] in "NSEW"
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(tokens):
        first, second = tokens[i], tokens[i + 1] if i + 1 < len(tokens) else None
        if prefix and first in "NSEW" and second is not None and second not in "NSEW":
            pairs.append((second.strip(" ,;/"), first))
        elif not prefix and first not in "NSEW" and second is not None and second in "NSEW":
            pairs.append((first.strip(" ,;/"), second))
        else:
            raise InputError(
                f"cannot read {original!r} as a position: put one hemisphere letter "
                f"(N/S, E/W) with each coordinate, {_EXAMPLES}"
            )
        i += 2
    return pairs


def parse_coordinate(text: str | float | int, axis: Axis) -> float:
    """Parse one latitude or longitude.

    Parameters
    ----------
    text
        ``"33°12'N"``, ``"33 12.0N"``, ``"N33 12.0"``, ``"33.2N"``, ``"-33.2"`` or a number.
    axis
        ``"lat"`` or ``"lon"``; the hemisphere letter, if any, must match it.

    Returns
    -------
    float
        Signed decimal degrees (south and west negative).

    Raises
    ------
    InputError
        Garbled text, a wrong hemisphere letter, minutes or seconds of 60 or more, or a
        value out of range (latitude beyond ±90°, longitude beyond ±180°).

    Examples
    --------
    >>> parse_coordinate("33°12'N", "lat")
    33.2
    >>> parse_coordinate("012 30.0W", "lon")
    -12.5
    >>> parse_coordinate("nan", "lat")
    Traceback (most recent call last):
    ...
    sarwatch.errors.InputError: a latitude must be a number between -90 and 90 degrees, ...
    """
    if isinstance(text, int | float):
        return _check_range(float(text), axis, str(text))
    original = text
    if _NOT_FINITE.search(text):
        raise _not_a_number(axis, original)
    norm = _normalise(text)
    _refuse_words(original, norm, _axis_name(axis), _COORDINATE_FORMS[axis])
    if _BARE_COMMAS.search(norm):
        raise InputError(
            f"cannot read {original!r} as one coordinate: a number has two decimal commas; "
            "write it like 33,2N or 33.2N"
        )
    norm = _DECIMAL_COMMA.sub(".", norm)
    letters = re.findall(r"[NSEW]", norm)
    if len(letters) > 1:
        raise InputError(
            f"one coordinate expected in {original!r}, found several hemisphere letters"
        )
    sign = 1.0
    if letters:
        letter = letters[0]
        wanted = "NS" if axis == "lat" else "EW"
        if letter not in wanted:
            raise InputError(
                f"a {_axis_name(axis)} takes {wanted[0]} or {wanted[1]}, got {letter!r} in "
                f"{original!r}"
            )
        pairs = _split_hemispheres(norm, original)
        numbers = pairs[0][0]
        if numbers.lstrip().startswith(("-", "+")):
            raise InputError(f"use either a sign or a hemisphere letter, not both, in {original!r}")
        sign = -1.0 if letter in "SW" else 1.0
    else:
        numbers = norm
    return _check_range(sign * _parse_part(numbers, axis, original), axis, original)


def parse_position(text: str) -> tuple[float, float]:
    """Parse a position written by a person into ``(lon, lat)`` decimal degrees.

    Parameters
    ----------
    text
        Latitude and longitude in one string; see the module docstring for the forms.
        Without hemisphere letters the order is latitude, longitude.

    Returns
    -------
    tuple of float
        ``(lon, lat)`` in decimal degrees, south and west negative.

    Raises
    ------
    InputError
        If the text is empty, garbled, ambiguous or out of range; the message shows
        accepted forms.

    Examples
    --------
    >>> parse_position("33°12'N 012°30'E")
    (12.5, 33.2)
    >>> parse_position("33 12.0N 12 30.0E")
    (12.5, 33.2)
    >>> parse_position("12.5E 33.2N")
    (12.5, 33.2)
    >>> parse_position("33.2, 12.5")
    (12.5, 33.2)
    >>> parse_position("33,2N 12,5E")
    (12.5, 33.2)
    >>> parse_position("33,2 12,5")
    (12.5, 33.2)
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"no position given; write it like {_EXAMPLES}")
    if _NOT_FINITE.search(text):
        raise InputError(
            f"a position needs numbers: a latitude between -90 and 90 degrees and a "
            f"longitude between -180 and 180, got {text!r}; write it like {_EXAMPLES}"
        )
    norm = _normalise(text)
    _refuse_words(text, norm, "position", _FORMS)
    bare = len(_DECIMAL_COMMA.findall(norm))
    if not bare:
        return _parse_normalised(norm, text)
    if _BARE_COMMAS.search(norm):
        raise InputError(
            f"cannot read {text!r} as a position: commas between digits could be decimal "
            f"commas or the separator between latitude and longitude; {_COMMA_HOWTO}"
        )
    decimal = _DECIMAL_COMMA.sub(".", norm)
    if bare > 1 or re.search(r"[NSEW]", norm) or _OTHER_SEPARATOR.search(norm):
        return _parse_normalised(decimal, text)
    # One comma between digits and nothing else between the numbers: it is either the
    # separator ("33,12", "33.2,12.5") or a decimal comma ("33,2 12"). Accept the only
    # reading that makes a position; refuse when both do.
    readings: list[tuple[float, float]] = []
    first_error: InputError | None = None
    for candidate in (norm, decimal):
        try:
            readings.append(_parse_normalised(candidate, text))
        except InputError as exc:
            first_error = first_error or exc
    if len(readings) == 2 and readings[0] != readings[1]:
        (lon_s, lat_s), (lon_d, lat_d) = readings
        raise InputError(
            f"{text!r} reads two ways: {_decimal(lon_s, lat_s)} (the comma between latitude "
            f"and longitude) or {_decimal(lon_d, lat_d)} (a decimal comma); {_COMMA_HOWTO}"
        )
    if readings:
        return readings[0]
    assert first_error is not None
    raise first_error


def _decimal(lon: float, lat: float) -> str:
    return format_position(lon, lat, style="decimal", decimals=3)


def _parse_normalised(norm: str, text: str) -> tuple[float, float]:
    """:func:`parse_position` of normalised text (decimal points only); ``text`` for messages."""
    if re.search(r"[NSEW]", norm):
        pairs = _split_hemispheres(norm, text)
        if len(pairs) != 2:
            raise InputError(
                f"expected a latitude and a longitude in {text!r}, found {len(pairs)} "
                f"coordinate(s); {_EXAMPLES}"
            )
        found: dict[str, float] = {}
        for numbers, letter in pairs:
            axis: Axis = "lat" if letter in "NS" else "lon"
            if axis in found:
                raise InputError(
                    f"two {_axis_name(axis)}s in {text!r}: give one N/S and one E/W coordinate"
                )
            if numbers.lstrip().startswith(("-", "+")):
                raise InputError(f"use either a sign or a hemisphere letter, not both, in {text!r}")
            sign = -1.0 if letter in "SW" else 1.0
            found[axis] = _check_range(sign * _parse_part(numbers, axis, text), axis, text)
        return found["lon"], found["lat"]
    parts = [p for p in re.split(r"[,;/]", norm) if p.strip()]
    if len(parts) != 2:
        words = norm.split()
        if len(words) == 2 and all(_NUMBER.fullmatch(n) for n in words):
            parts = words
        else:
            raise InputError(
                f"cannot tell latitude from longitude in {text!r}: separate them with a comma "
                f"or add hemisphere letters, {_EXAMPLES}"
            )
    lat = _check_range(_parse_part(parts[0], "lat", text), "lat", text)
    lon = _check_range(_parse_part(parts[1], "lon", text), "lon", text)
    return lon, lat


def format_coordinate(
    value: float, axis: Axis, *, style: Literal["dm", "dms", "decimal"] = "dm", decimals: int = 3
) -> str:
    """Format one coordinate the way it is read out on the radio.

    Parameters
    ----------
    value
        Signed decimal degrees.
    axis
        ``"lat"`` (2-digit degrees, N/S) or ``"lon"`` (3-digit degrees, E/W).
    style
        ``"dm"`` degrees and decimal minutes, ``"dms"`` degrees, minutes, decimal seconds,
        ``"decimal"`` decimal degrees with a hemisphere letter.
    decimals
        Decimals of the last field.

    Examples
    --------
    >>> format_coordinate(33.2, "lat")
    "33°12.000'N"
    >>> format_coordinate(-12.5, "lon", style="dms", decimals=0)
    '012°30\\'00"W'
    >>> format_coordinate(12.5, "lon", style="decimal", decimals=2)
    '12.50°E'
    """
    letter = ("N" if value >= 0 else "S") if axis == "lat" else ("E" if value >= 0 else "W")
    width = 2 if axis == "lat" else 3
    magnitude = abs(value)
    if style == "decimal":
        return f"{magnitude:.{decimals}f}°{letter}"
    if style == "dm":
        minutes_total = round(magnitude * 60.0, decimals)
        degrees = int(minutes_total // 60)
        minutes = minutes_total - degrees * 60
        field = 3 + decimals if decimals else 2
        return f"{degrees:0{width}d}°{minutes:0{field}.{decimals}f}'{letter}"
    if style == "dms":
        seconds_total = round(magnitude * 3600.0, decimals)
        degrees = int(seconds_total // 3600)
        rest = seconds_total - degrees * 3600
        minutes = int(rest // 60)
        seconds = rest - minutes * 60
        field = 3 + decimals if decimals else 2
        return f"{degrees:0{width}d}°{minutes:02d}'{seconds:0{field}.{decimals}f}\"{letter}"
    raise InputError(f"style must be 'dm', 'dms' or 'decimal', got {style!r}")


def format_position(
    lon: float,
    lat: float,
    *,
    style: Literal["dm", "dms", "decimal"] = "dm",
    decimals: int = 3,
) -> str:
    """Format ``(lon, lat)`` as ``"33°12.000'N 012°30.000'E"`` (latitude first).

    Examples
    --------
    >>> format_position(12.5, 33.2)
    "33°12.000'N 012°30.000'E"
    >>> parse_position(format_position(12.5, 33.2))
    (12.5, 33.2)
    """
    return (
        f"{format_coordinate(lat, 'lat', style=style, decimals=decimals)} "
        f"{format_coordinate(lon, 'lon', style=style, decimals=decimals)}"
    )
