"""sarwatch's own incident CSV (one report per row, :data:`~.flat.FLAT_COLUMNS`).

Written by ``sarwatch incidents export --format csv`` and read back without loss:
every field of every report, and which report is merged into which. Text cells that
start like a spreadsheet formula are written with a leading apostrophe
(:func:`~.common.spreadsheet_cell`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

from sarwatch.adapters.incidents.common import (
    ParsedFile,
    from_spreadsheet_cell,
    spreadsheet_cell,
)
from sarwatch.adapters.incidents.flat import FLAT_COLUMNS, from_flat, to_flat
from sarwatch.errors import DataError, InputError
from sarwatch.incidents import DRAFT_ID, IncidentRecord

__all__ = ["collect", "read_table", "write_table"]


def collect(parsed: ParsedFile, rows: Iterable[tuple[int, dict[str, Any]]]) -> ParsedFile:
    """Turn flat rows ``(row number, cells)`` into reports, refusals and stated merges."""
    seen_ids: dict[str, int] = {}
    seen_external: dict[str, int] = {}
    for number, row in rows:
        parsed.rows_read += 1
        try:
            report, merged_into = from_flat(row)
        except InputError as exc:
            parsed.refused.append((number, str(exc)))
            continue
        repeat = seen_ids.get(report.incident_id) if report.incident_id != DRAFT_ID else None
        repeat = repeat or next(
            (seen_external[x] for x in report.external_ids if x in seen_external), None
        )
        if repeat is not None:
            parsed.duplicates.append((number, f"repeats the incident of row {repeat}"))
            continue
        if report.incident_id != DRAFT_ID:
            seen_ids[report.incident_id] = number
        for x in report.external_ids:
            seen_external[x] = number
        parsed.add(report, (number,))
        if merged_into is not None:
            if report.incident_id == DRAFT_ID:
                parsed.refused.append((number, "merged_into needs the row's own incident_id"))
                parsed.reports.pop()
                parsed.rows_of.pop()
                continue
            parsed.merges.append((merged_into, report.incident_id))
    return parsed


def read_table(stream: TextIO) -> ParsedFile:
    """Read sarwatch's incident CSV (a header row naming at least kind, time, sources)."""
    reader = csv.DictReader(stream)
    if reader.fieldnames is None:
        raise DataError("the incident CSV is empty (no header row)")
    names = [n.replace("\ufeff", "").strip() for n in reader.fieldnames]
    reader.fieldnames = names
    missing = [c for c in ("kind", "time", "sources") if c not in names]
    if missing:
        raise DataError(
            f"the incident CSV lacks the column(s) {', '.join(missing)} (columns: "
            f"{', '.join(FLAT_COLUMNS)}); an IOM Missing Migrants export is --format mmp"
        )

    def rows() -> Iterable[tuple[int, dict[str, Any]]]:
        try:
            for number, row in enumerate(reader, start=2):
                yield (
                    number,
                    {
                        k: from_spreadsheet_cell(v) if isinstance(v, str) else v
                        for k, v in row.items()
                    },
                )
        except csv.Error as exc:
            raise DataError(f"the incident CSV is malformed: {exc}") from None

    return collect(ParsedFile(format="csv"), rows())


def write_table(records: Iterable[IncidentRecord], stream: TextIO) -> int:
    """Write every report, one row each; returns the rows written."""
    writer = csv.DictWriter(stream, fieldnames=FLAT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    n = 0
    for record in records:
        row = to_flat(record)
        writer.writerow(
            {
                k: "" if v is None else spreadsheet_cell(v) if isinstance(v, str) else v
                for k, v in row.items()
            }
        )
        n += 1
    return n
