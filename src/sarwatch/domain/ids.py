"""Human-readable case ids: date + region + number, e.g. ``2018-03-15-LY-001``.

The date is the UTC day the case was opened, the region a two-letter code (the
SAR region the first position falls in, ``XX`` when unknown), the number counts
cases opened that day in that region, from 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sarwatch.errors import InputError

__all__ = ["CaseId", "format_case_id", "parse_case_id"]

_PATTERN = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-([A-Z]{2})-(\d{3,})$")


@dataclass(frozen=True, order=True)
class CaseId:
    """The parts of a case id."""

    day: date
    region: str
    number: int

    def __str__(self) -> str:
        return format_case_id(self.day, self.region, self.number)

    @property
    def prefix(self) -> str:
        """The id without its number, e.g. ``2018-03-15-LY-``."""
        return f"{self.day.isoformat()}-{self.region}-"


def format_case_id(day: date, region: str, number: int) -> str:
    """Build an id.

    Examples
    --------
    >>> format_case_id(date(2018, 3, 15), "LY", 1)
    '2018-03-15-LY-001'
    """
    region = region.upper()
    if not re.fullmatch(r"[A-Z]{2}", region):
        raise InputError(f"a case region is two letters (e.g. 'LY', 'MT', 'XX'), got {region!r}")
    if number < 1:
        raise InputError(f"a case number starts at 1, got {number}")
    return f"{day.isoformat()}-{region}-{number:03d}"


def parse_case_id(text: str) -> CaseId:
    """Split an id into its parts.

    Raises
    ------
    InputError
        If ``text`` is not of the form ``YYYY-MM-DD-RR-NNN``.

    Examples
    --------
    >>> parse_case_id("2018-03-15-LY-001")
    CaseId(day=datetime.date(2018, 3, 15), region='LY', number=1)
    """
    match = _PATTERN.match(text.strip())
    if not match:
        raise InputError(
            f"a case id looks like 2018-03-15-LY-001 (date-region-number), got {text!r}"
        )
    y, m, d, region, number = match.groups()
    try:
        day = date(int(y), int(m), int(d))
    except ValueError as exc:
        raise InputError(f"case id {text!r} has an impossible date: {exc}") from None
    return CaseId(day=day, region=region, number=int(number))
