"""The IOM Missing Migrants Project CSV: read (current and older exports) and written.

Columns are matched by name, case and spacing aside, with the aliases older exports
use (:data:`ALIASES`): "Reported Date"/"Website Date" for "Incident Date", "Number
Dead" for "Number of Dead", "Total Dead and Missing", "Location of death"...

How a row becomes a report (see also ``docs/design/016-incidents.md``):

- **Split incidents.** Rows that share a *Main ID* are parts of one incident (the IOM
  splits an incident whose dead and missing differ in origin or place; each part
  carries its own counts). They become **one** report, its counts the sums of the
  parts', its external ids those of every part (``mmp:<Incident ID>``): the incident
  is counted once, and its people once each. A row whose *Incident ID* was read
  before in the same file is a repeat and is skipped.
- **Counts.** Blank is unknown. Where dead plus missing falls short of "Total Number
  of Dead and Missing", the remainder is counted as missing (the IOM's total is the
  figure quoted); where it exceeds the total the row is refused.
- **Coordinates** ``"lat, lon"`` in one field (``"POINT (lon lat)"`` in some exports
  is read too). A row needs a position or a place ("Location of Incident").
- **Source.** The "Information Source" (or the IOM itself) graded by "Source
  Quality" 1–5, with the URL and ``MMP <Incident ID>`` as its reference. An export
  without that column needs a grade given for the whole file.
- **Type.** Every IOM record is a death or disappearance: ``shipwreck``.
- **Time.** The incident date at 00:00 UTC, known to the day (``time_precision``
  ``day``); with only year and month, the 1st of the month, known to the month.
- **sarwatch's own incidents.** :func:`write_mmp` gives an incident that did not come
  from the IOM its register id marked as sarwatch's, ``sarwatch:I-2018-00042`` (an IOM
  id never has that form; an incident read from such a row keeps the id it was read
  with). Read back, such a row is that incident: its id, and the marked id as its
  external id (``sarwatch:I-2018-00042``), so that an import into the register it came
  from finds it already recorded instead of recording it again and merging it by
  proximity, and an import into another register records it once.

The IOM data are licensed CC BY 4.0; credit "IOM's Missing Migrants Project".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any, TextIO

from sarwatch.adapters.incidents.common import (
    ParsedFile,
    from_spreadsheet_cell,
    parse_count,
    spreadsheet_cell,
)
from sarwatch.errors import DataError, InputError
from sarwatch.incidents import (
    DRAFT_ID,
    Incident,
    IncidentRecord,
    IncidentSource,
    IncidentType,
    People,
    check_incident_id,
)

__all__ = [
    "ALIASES",
    "COLUMNS",
    "MMP_NAMESPACE",
    "OWN_ID_PREFIX",
    "mmp_row",
    "read_mmp",
    "reads_as",
    "write_mmp",
]

#: External ids of IOM records: ``mmp:<Incident ID>``.
MMP_NAMESPACE = "mmp"
#: The mark of a sarwatch incident's own id in the "Main ID" and "Incident ID" columns.
OWN_ID_PREFIX = "sarwatch:"

#: The columns of the current export, in order (those sarwatch writes).
COLUMNS = (
    "Main ID",
    "Incident ID",
    "Incident Type",
    "Region of Incident",
    "Incident Date",
    "Incident Year",
    "Month",
    "Number of Dead",
    "Minimum Estimated Number of Missing",
    "Total Number of Dead and Missing",
    "Number of Survivors",
    "Number of Females",
    "Number of Males",
    "Number of Children",
    "Country of Origin",
    "Region of Origin",
    "Cause of Death",
    "Country of Incident",
    "Migration Route",
    "Location of Incident",
    "Coordinates",
    "UNSD Geographical Grouping",
    "Information Source",
    "URL",
    "Source Quality",
)

#: Each field sarwatch reads, and the column names (current first) that carry it.
ALIASES: dict[str, tuple[str, ...]] = {
    "main_id": ("main id",),
    "incident_id": ("incident id", "web id"),
    "incident_type": ("incident type",),
    "date": ("incident date", "reported date", "website date", "date"),
    "year": ("incident year", "reported year", "year"),
    "month": ("month", "reported month"),
    "dead": ("number of dead", "number dead", "dead"),
    "missing": (
        "minimum estimated number of missing",
        "minimum estimated number missing",
        "number missing",
    ),
    "total": ("total number of dead and missing", "total dead and missing"),
    "survivors": ("number of survivors", "number of survivors (if applicable)"),
    "females": ("number of females",),
    "males": ("number of males",),
    "children": ("number of children",),
    "cause": ("cause of death",),
    "country": ("country of incident",),
    "route": ("migration route",),
    "location": ("location of incident", "location of death", "location description"),
    "coordinates": ("coordinates", "location coordinates"),
    "info_source": ("information source", "source"),
    "url": ("url", "source url"),
    "quality": ("source quality",),
}

_MONTHS = {
    name: i
    for i, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for name in names
}  # fmt: skip
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%a, %m/%d/%Y - %H:%M",
    "%m/%d/%Y",
)
_WKT = re.compile(r"^\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*$", re.IGNORECASE)


def _norm(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").strip().lower().split())


def _columns(header: list[str]) -> dict[str, int]:
    """Field -> column index, by the aliases; refuses a file that is not an IOM export."""
    index = {_norm(h): i for i, h in enumerate(header)}
    found: dict[str, int] = {}
    for field_name, names in ALIASES.items():
        for name in names:
            if name in index:
                found[field_name] = index[name]
                break
    if "incident_id" not in found and "main_id" not in found:
        raise DataError(
            "this is not an IOM Missing Migrants Project CSV: no 'Main ID' or 'Incident ID' "
            f"column (columns: {', '.join(header[:8])}...); for sarwatch's own CSV use "
            "--format csv"
        )
    if "date" not in found and "year" not in found:
        raise DataError("the IOM CSV has no 'Incident Date' (or 'Reported Date') nor year column")
    return found


def parse_date(text: str, year: str = "", month: str = "") -> tuple[datetime, str]:
    """The incident time (UTC) and its precision, from the date or else year and month.

    Examples
    --------
    >>> parse_date("2018-06-19")
    (datetime.datetime(2018, 6, 19, 0, 0, tzinfo=datetime.timezone.utc), 'day')
    >>> parse_date("June 19, 2018")[0].day, parse_date("", "2018", "June")[1]
    (19, 'month')
    """
    cell = text.strip()
    if len(cell) == 10 and cell[4] == "-" and cell[7] == "-":  # ISO, the current exports
        try:
            return datetime(int(cell[:4]), int(cell[5:7]), int(cell[8:]), tzinfo=UTC), "day"
        except ValueError:
            pass
    if cell:
        head = cell.split("T")[0].split(" ")[0] if re.match(r"^\d{4}-", cell) else cell
        for fmt in _DATE_FORMATS:
            try:
                day = datetime.strptime(head, fmt)
            except ValueError:
                continue
            return day.replace(hour=0, minute=0, tzinfo=UTC), "day"
        raise InputError(f"date {text!r} is not a date (e.g. 2018-06-19 or June 19, 2018)")
    if year.strip():
        try:
            y = int(float(year))
        except ValueError:
            raise InputError(f"year {year!r} is not a year") from None
        m = _MONTHS.get(month.strip().lower()[:9], 0) or (
            int(month) if month.strip().isdigit() else 0
        )
        if not 1 <= m <= 12:
            raise InputError(f"no incident date, and month {month!r} is not a month")
        return datetime(y, m, 1, tzinfo=UTC), "month"
    raise InputError("no incident date (nor year and month)")


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """``(lon, lat)`` from ``"lat, lon"`` (or WKT ``"POINT (lon lat)"``); blank gives ``None``.

    Examples
    --------
    >>> parse_coordinates("35.4995, 12.6078")
    (12.6078, 35.4995)
    >>> parse_coordinates("POINT (12.6078 35.4995)")
    (12.6078, 35.4995)
    """
    cell = text.strip()
    if not cell:
        return None
    lat_text, comma, lon_text = cell.partition(",")
    if comma and "," not in lon_text:  # "lat, lon", the current exports: no regex
        try:
            lat, lon = float(lat_text), float(lon_text)
        except ValueError:
            pass  # e.g. a space inside a number: the general reading below says why
        else:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise InputError(
                    f"coordinates {text!r} are out of range (lat -90..90, lon -180..180)"
                )
            return lon, lat
    wkt = _WKT.match(cell)
    try:
        if wkt:
            lon, lat = float(wkt.group(1)), float(wkt.group(2))
        else:
            parts = [p for p in re.split(r"[,;]\s*|\s+", cell) if p]
            if len(parts) != 2:
                raise ValueError
            lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        raise InputError(
            f"coordinates {text!r} are not 'lat, lon' in decimal degrees (e.g. '35.4995, 12.6078')"
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"coordinates {text!r} are out of range (lat -90..90, lon -180..180)")
    return lon, lat


#: The fields the reader takes from a row, in order (keys of ALIASES).
_FIELDS = (
    "main_id", "incident_id", "date", "year", "month", "dead", "missing", "total",
    "survivors", "females", "males", "children", "cause", "country", "route", "location",
    "coordinates", "info_source", "url", "quality",
)  # fmt: skip
#: The column names of People's counts (in COUNT_FIELDS order), for refusals.
_COUNT_LABELS = (
    "Number of Survivors",
    "Number of Dead",
    "Minimum Estimated Number of Missing",
    "Number of Females",
    "Number of Males",
    "Number of Children",
)


class _RowReader:
    """Turns the rows of one file into reports: the cells of every field taken at once
    (a field the file lacks reads as blank), each date cell parsed once per file
    (100,000 incidents fall on ~4,000 days)."""

    def __init__(self, cols: dict[str, int], default_quality: int | None) -> None:
        self.cols = cols
        self.width = max(cols.values()) + 1
        # the cells of FIELDS in order; a field the file lacks takes the blank cell
        # appended to every row
        self.take = itemgetter(*(cols.get(name, -1) for name in _FIELDS))
        self.default_quality = default_quality
        self.dates: dict[tuple[str, str, str], tuple[datetime, str]] = {}
        self.grades = {str(g): g for g in range(1, 6)}

    def report(self, row: list[str]) -> tuple[str, str, Incident]:
        """``(main id, incident id, report)`` of one row; :class:`InputError` says why not.

        ``row`` is extended with blank cells (to the file's width, and one more).
        """
        if len(row) < self.width:
            row += [""] * (self.width - len(row))
        row.append("")
        (
            main_id, incident_id, date, year, month, dead, missing, total, survivors,
            females, males, children, cause, country, route, location, coordinates,
            info_source, url, grade_text,
        ) = map(str.strip, self.take(row))  # fmt: skip
        incident_id = incident_id or main_id
        main_id = main_id or incident_id
        if not incident_id:
            raise InputError("no Main ID or Incident ID")
        own_id = DRAFT_ID  # an IOM record: numbered when recorded
        if incident_id.startswith(OWN_ID_PREFIX):  # a sarwatch incident written by write_mmp
            own_id = incident_id.removeprefix(OWN_ID_PREFIX)
            try:
                check_incident_id(own_id)
            except InputError:
                raise InputError(
                    f"Incident ID {incident_id!r} is marked as a sarwatch incident's but "
                    f"{own_id!r} is not an incident id (I-2018-00042)"
                ) from None
        key = (date, year, month)
        known = self.dates.get(key)
        if known is None:
            known = self.dates[key] = parse_date(*key)
        when, precision = known
        # blank is unknown; plain digits need no call (100,000 rows)
        counts = [
            None if not cell else int(cell) if cell.isdigit() and cell.isascii()
            else parse_count(cell, label)
            for cell, label in zip(
                (survivors, dead, missing, females, males, children), _COUNT_LABELS, strict=True
            )
        ]  # fmt: skip
        total_n = parse_count(total, "Total Number of Dead and Missing")
        if total_n is not None:
            dead_missing = (counts[1] or 0) + (counts[2] or 0)
            if dead_missing > total_n:
                raise InputError(
                    f"Number of Dead + Missing ({dead_missing}) exceeds the Total Number of "
                    f"Dead and Missing ({total_n})"
                )
            if dead_missing < total_n:
                counts[2] = (counts[2] or 0) + total_n - dead_missing
        position = parse_coordinates(coordinates)
        if position is None and not location:
            raise InputError("no Coordinates and no Location of Incident")
        grade = self.grades.get(grade_text)
        if grade is None:
            grade = self._grade(grade_text)
        source = IncidentSource(
            name=info_source or "IOM Missing Migrants Project",
            quality=grade,
            url=url or None,
            reference=f"MMP {incident_id}",
        )
        # every value checked above, as Incident would: made without checking again
        # (tests: equal to Incident(**values))
        report = Incident.from_checked(
            {
                "incident_id": own_id,
                "kind": IncidentType.SHIPWRECK,
                "time": when,
                "sources": (source,),
                "lon": position[0] if position else None,
                "lat": position[1] if position else None,
                "place": location,
                "people": People(*counts),
                "actors": (),
                "time_precision": precision,
                "case_id": None,
                "country": country,
                "route": route,
                "cause": cause,
                "note": "",
                "external_ids": (
                    (f"{MMP_NAMESPACE}:{incident_id}",) if own_id == DRAFT_ID else (incident_id,)
                ),
            }
        )
        return main_id, incident_id, report

    def _grade(self, grade_text: str) -> int:
        """The Source Quality of a cell that is not plainly 1-5 (or of a file without one)."""
        if grade_text:
            grade = parse_count(grade_text, "Source Quality")
        elif "quality" not in self.cols and self.default_quality is not None:
            grade = self.default_quality
        elif "quality" not in self.cols:
            raise DataError(
                "this IOM export has no 'Source Quality' column: give the grade (1-5) for the "
                "whole file (sarwatch incidents import FILE --quality N)"
            )
        else:
            raise InputError("no Source Quality (1-5)")
        if grade not in range(1, 6):
            raise InputError(f"Source Quality must be 1-5, got {grade_text!r}")
        return grade  # type: ignore[return-value]  # checked above


def _add_counts(a: People, b: People) -> People:
    def plus(x: int | None, y: int | None) -> int | None:
        return None if x is None and y is None else (x or 0) + (y or 0)

    return People(
        *(
            plus(getattr(a, n), getattr(b, n))
            for n in ("survivors", "dead", "missing", "females", "males", "children")
        )
    )


def read_mmp(stream: TextIO, *, default_quality: int | None = None) -> ParsedFile:
    """Read an IOM Missing Migrants Project CSV export.

    Parameters
    ----------
    stream
        The CSV text (UTF-8, a byte-order mark allowed).
    default_quality
        The Source Quality grade for an export that has no such column.

    Raises
    ------
    DataError
        The file is not an IOM export, or lacks a grade that must be given.
    """
    if default_quality is not None and default_quality not in range(1, 6):
        raise InputError(
            f"--quality must be an IOM grade 1-5 (1 a single media source ... 5 official), "
            f"got {default_quality}"
        )
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        raise DataError("the IOM CSV is empty (no header row)") from None
    except csv.Error as exc:
        raise DataError(f"the IOM CSV cannot be read: {exc}") from None
    rows = _RowReader(_columns(header), default_quality)
    parsed = ParsedFile(format="mmp")
    by_main: dict[str, int] = {}  # main id -> index in parsed.reports
    seen: dict[str, int] = {}  # incident id -> row
    reports, rows_of = parsed.reports, parsed.rows_of
    number = 1  # as a spreadsheet shows it: the header is row 1
    try:
        for row in reader:
            number += 1
            row = [from_spreadsheet_cell(cell) for cell in row]
            if not "".join(row).strip():  # every cell blank
                parsed.refused.append((number, "empty row"))
                continue
            try:
                main_id, incident_id, report = rows.report(row)
            except InputError as exc:
                parsed.refused.append((number, str(exc)))
                continue
            if incident_id in seen:
                parsed.duplicates.append(
                    (number, f"Incident ID {incident_id} repeats row {seen[incident_id]}")
                )
                continue
            seen[incident_id] = number
            at = by_main.get(main_id)
            if at is None:
                by_main[main_id] = len(reports)
                reports.append(report)
                rows_of.append((number,))
                continue
            # a part of an incident read before: one incident, its people counted once each
            whole = parsed.reports[at]
            parsed.reports[at] = replace(
                whole,
                people=_add_counts(whole.people, report.people),
                sources=whole.sources + tuple(s for s in report.sources if s not in whole.sources),
                external_ids=whole.external_ids + report.external_ids,
                lon=whole.lon if whole.lon is not None else report.lon,
                lat=whole.lat if whole.lat is not None else report.lat,
            )
            parsed.rows_of[at] = (*parsed.rows_of[at], number)
            parsed.parts_joined += 1
    except csv.Error as exc:  # from the reader only: the loop raises no csv.Error
        raise DataError(f"the IOM CSV is malformed after row {number}: {exc}") from None
    parsed.rows_read = number - 1
    return parsed


def _fmt(value: int | None) -> str:
    return "" if value is None else str(value)


def write_mmp(records: Iterable[IncidentRecord], stream: TextIO) -> int:
    """Write group heads as IOM rows (current column names); returns the rows written.

    Each event is one row with its combined counts; a report merged into another is
    part of that one's row, not a row of its own. An incident read from the IOM keeps
    its IOM ids, and any other its register id marked as sarwatch's
    (``sarwatch:I-2018-00042``), so that importing the file again recognises both.
    """
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(COLUMNS)
    n = 0
    for record in records:
        if record.merged_into is not None:
            continue
        writer.writerow(mmp_row(record))
        n += 1
    return n


def mmp_row(record: IncidentRecord) -> list[Any]:
    """The IOM row of an incident and the reports merged into it (:data:`COLUMNS`)."""
    r, people = record.report, record.people
    # the IOM's id, or the sarwatch id it was read with, or its own marked as sarwatch's
    ids = [x.split(":", 1)[1] for x in r.external_ids if x.startswith(MMP_NAMESPACE + ":")]
    ids += [x for x in r.external_ids if x.startswith(OWN_ID_PREFIX)]
    incident_id = ids[0] if ids else OWN_ID_PREFIX + r.incident_id
    best = max(record.sources, key=lambda s: s.quality)
    coordinates = "" if r.lon is None else f"{r.lat!r}, {r.lon!r}"
    # known only to the month: no date, the year and month say it (as the IOM does)
    date = "" if r.time_precision == "month" else r.time.date().isoformat()
    values: dict[str, Any] = {
        "Main ID": incident_id,
        "Incident ID": incident_id,
        "Incident Type": "Incident",
        "Region of Incident": "Mediterranean",
        "Incident Date": date,
        "Incident Year": r.time.year,
        "Month": r.time.strftime("%B"),
        "Number of Dead": _fmt(people.dead),
        "Minimum Estimated Number of Missing": _fmt(people.missing),
        "Total Number of Dead and Missing": _fmt(people.dead_and_missing),
        "Number of Survivors": _fmt(people.survivors),
        "Number of Females": _fmt(people.females),
        "Number of Males": _fmt(people.males),
        "Number of Children": _fmt(people.children),
        "Cause of Death": r.cause,
        "Country of Incident": r.country,
        "Migration Route": r.route,
        "Location of Incident": r.place,
        "Coordinates": coordinates,
        "Information Source": ", ".join(dict.fromkeys(s.name for s in record.sources)),
        "URL": best.url or "",
        "Source Quality": best.quality,
    }
    # text from outside (places, sources, ids) as a spreadsheet shows text, never as a
    # formula; the coordinates are numbers sarwatch wrote
    return [
        spreadsheet_cell(v) if isinstance(v, str) and c != "Coordinates" else v
        for c in COLUMNS
        for v in (values.get(c, ""),)
    ]


def reads_as(record: IncidentRecord, report: Incident) -> bool:
    """Whether ``record``'s row (:func:`mmp_row`) reads back as ``report``: the register
    holds the very incident a row of an export of it gives."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerows([COLUMNS, mmp_row(record)])
    return read_mmp_text(text.getvalue()).reports == [report]


def read_mmp_text(text: str, **kwargs: Any) -> ParsedFile:
    """:func:`read_mmp` of a string (tests)."""
    return read_mmp(io.StringIO(text), **kwargs)
