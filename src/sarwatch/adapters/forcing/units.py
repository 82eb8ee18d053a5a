"""Unit strings of forcing files, parsed by UDUNITS-2 (through ``cf-units``).

CF files state units in UDUNITS syntax, which has more spellings than any list:
``m s-1``, ``meter second-1``, ``m/s``, ``m.s-1``, ``m s**-1``, ``cm/s``, ``knots``,
``1e-2 m s-1``, ``km`` for projection coordinates... ``cf-units`` wraps the UDUNITS-2
library (its wheels bundle it and its unit database), so every spelling UDUNITS accepts
is accepted here, and a unit that is not a speed (or a length) is refused with the
reason. A handful of spellings seen in the wild that UDUNITS does not know (``kn``,
``m/sec`` variants are known) are rewritten first.
"""

from __future__ import annotations

from functools import lru_cache

from sarwatch.errors import ForcingError

__all__ = ["length_scale_m", "speed_scale_ms"]

#: Spellings UDUNITS-2 does not parse, and what they mean.
_REWRITES = {"kn": "knot", "kns": "knot", "knts": "knot", "mps": "m/s", "m/s2": "m s-2"}


#: The usual spellings of the targets themselves: factor 1 without loading UDUNITS-2
#: (a test checks that UDUNITS-2 gives exactly 1 for each).
_IDENTITY = {
    "m s-1": frozenset(
        {"m s-1", "m/s", "m s**-1", "m s^-1", "m.s-1", "m*s-1", "meter second-1",
         "metre second-1", "meters second-1", "metres second-1", "meter/second",
         "metre/second", "meters/second", "metres/second"}
    ),
    "m": frozenset({"m", "meter", "metre", "meters", "metres"}),
}  # fmt: skip


@lru_cache(maxsize=64)
def _scale(units: str, target: str) -> float | None:
    text = _REWRITES.get(units.strip().lower(), units.strip())
    if text in _IDENTITY.get(target, ()):
        return 1.0
    import cf_units

    try:
        unit = cf_units.Unit(text)
    except ValueError:
        return None
    if unit.is_time_reference() or not unit.is_convertible(target):
        return None
    return float(unit.convert(1.0, target))


def speed_scale_ms(units: str | None, *, where: str) -> float:
    """The factor that turns values in ``units`` into m/s.

    Parameters
    ----------
    units
        A UDUNITS unit string (``None`` or empty: m/s is assumed, as CF readers do
        for velocity variables without units).
    where
        What the values are, for the error message (file and variable).

    Raises
    ------
    ForcingError
        The string is not a unit, or not a speed.

    Examples
    --------
    >>> speed_scale_ms("meter second-1", where="u"), speed_scale_ms("cm/s", where="u")
    (1.0, 0.01)
    >>> round(speed_scale_ms("knots", where="u"), 6)
    0.514444
    """
    return _factor(
        units,
        "m s-1",
        where=where,
        not_a="speed that UDUNITS-2 can read; expected a velocity such as 'm s-1', 'm/s', "
        "'cm/s' or 'knots'. Fix the variable's units attribute (e.g. `ncatted -a "
        "units,VAR,o,c,'m s-1' FILE`)",
    )


def length_scale_m(units: str | None, *, where: str) -> float:
    """The factor that turns values in ``units`` into metres (projection coordinates).

    ``None`` or empty means metres (the CF default for projection coordinates).

    Examples
    --------
    >>> length_scale_m("km", where="x"), length_scale_m("m", where="x")
    (1000.0, 1.0)
    """
    return _factor(
        units,
        "m",
        where=where,
        not_a="length; projection coordinates must be in metres or another length "
        "UDUNITS-2 reads ('m', 'km')",
    )


def _factor(units: str | None, target: str, *, where: str, not_a: str) -> float:
    """The factor from ``units`` to ``target``; 1 for no units; else refused as not a ..."""
    if units is None or not str(units).strip():
        return 1.0
    scale = _scale(str(units), target)
    if scale is None:
        raise ForcingError(f"{where}: units {units!r} are not a {not_a}")
    return scale
