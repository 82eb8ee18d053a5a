"""What every incident file reader returns, and the cells they share.

A reader turns a file into a :class:`ParsedFile`: the reports it holds (drafts, or
with the ids the file gives), the rows each came from, the rows it refused with the
row number and why, the rows it joined into another (sub-incidents) or skipped as
repeats, and the merges the file itself states. Readers never touch the register:
the service decides what is new, records it in one transaction, and reports.
Row numbers are those a spreadsheet shows: the header is row 1, the first record
row 2 (GeoJSON: the feature's index from 1).

The CSV files sarwatch writes are opened in spreadsheets, and their text comes from
outside (a report's place or note, a source's name, an imported file): a cell that
starts like a formula (``=``, ``+``, ``-``, ``@``, tab, CR: "CSV injection") is written
with a leading apostrophe, which a spreadsheet shows as text, and read back without it
(:func:`spreadsheet_cell`, :func:`from_spreadsheet_cell`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sarwatch.csv_cells import from_spreadsheet_cell, spreadsheet_cell
from sarwatch.errors import InputError
from sarwatch.incidents import Incident

__all__ = [
    "FORMATS",
    "ParsedFile",
    "from_spreadsheet_cell",
    "parse_count",
    "parse_json_cell",
    "spreadsheet_cell",
]

#: The formats sarwatch reads and writes (``datapackage`` is written, and read from
#: its ``datapackage.json``).
FORMATS = ("mmp", "csv", "geojson", "datapackage")


@dataclass
class ParsedFile:
    """A file read for import.

    Attributes
    ----------
    format
        One of :data:`FORMATS`.
    rows_read
        Data rows (or features) in the file.
    reports
        The reports found, each with the rows it came from in ``rows_of`` (same order).
    parts_joined
        Rows that were parts of another row's incident (IOM split incidents): folded
        into it, not counted again.
    duplicates
        ``(row, why)`` of rows repeating a record read earlier in the same file.
    refused
        ``(row, why)`` of rows that could not be read.
    merges
        ``(into, merged)`` ids of merges the file states (its ``merged_into`` column).
    """

    format: str
    rows_read: int = 0
    reports: list[Incident] = field(default_factory=list)
    rows_of: list[tuple[int, ...]] = field(default_factory=list)
    parts_joined: int = 0
    duplicates: list[tuple[int, str]] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    merges: list[tuple[str, str]] = field(default_factory=list)

    def add(self, report: Incident, rows: tuple[int, ...]) -> None:
        """One more report, from ``rows``."""
        self.reports.append(report)
        self.rows_of.append(rows)


def parse_count(text: Any, what: str) -> int | None:
    """A count cell: blank is unknown; ``"12"`` or ``"12.0"`` is 12; anything else refused.

    Examples
    --------
    >>> parse_count(" 12 ", "dead"), parse_count("", "dead"), parse_count("3.0", "dead")
    (12, None, 3)
    """
    if text is None:
        return None
    if isinstance(text, str) and text.isascii() and text.isdigit():  # the common case, fast
        return int(text)
    if isinstance(text, bool):
        raise InputError(f"{what} must be a whole number >= 0, got {text!r}")
    if isinstance(text, int):
        value = text
    else:
        cell = str(text).strip().replace(",", "") if not isinstance(text, float) else text
        if cell == "":
            return None
        try:
            number = float(cell)
        except ValueError:
            raise InputError(f"{what} must be a whole number >= 0, got {text!r}") from None
        if not number.is_integer():
            raise InputError(f"{what} must be a whole number >= 0, got {text!r}")
        value = int(number)
    if value < 0:
        raise InputError(f"{what} must be a whole number >= 0, got {text!r}")
    return value


def parse_json_cell(text: Any, what: str, default: Any) -> Any:
    """A cell holding JSON (a list of sources, of actors); blank gives ``default``."""
    if text is None or not str(text).strip():
        return default
    try:
        return json.loads(text)
    except ValueError:
        raise InputError(
            f"{what} must be JSON, e.g. {json.dumps(default or [])}; got {text!r:.80}"
        ) from None
