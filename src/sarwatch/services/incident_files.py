"""Importing incident files into the register, and exporting it, with an honest report.

An import reads the whole file first (:func:`sarwatch.adapters.incidents.read_incident_file`),
sorts its rows into *new*, *already recorded* (a source record or incident id the
register holds), *repeats* within the file, *parts* of an IOM split incident and
*refused* (row number and why), then records everything new in **one** transaction
(:meth:`~sarwatch.services.incidents.IncidentService.import_batch`): a failure
anywhere leaves the register as it was. The import's own report is the last event
of that transaction, signed like the rest.

``rows_read == rows of recorded incidents + rows already recorded + repeats + refused``.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sarwatch.adapters.incidents import FORMATS, ParsedFile, read_incident_file
from sarwatch.adapters.incidents.datapackage import (
    CC_BY_4,
    INCIDENT_FIELDS,
    IOM_SOURCE,
    Table,
    write_package,
)
from sarwatch.adapters.incidents.flat import to_flat
from sarwatch.adapters.incidents.geojson import write_geojson
from sarwatch.adapters.incidents.mmp import MMP_NAMESPACE, reads_as, write_mmp
from sarwatch.adapters.incidents.table import write_table
from sarwatch.errors import InputError
from sarwatch.incidents import DRAFT_ID, IncidentQuery, IncidentRecord
from sarwatch.services.incidents import IncidentService

__all__ = ["ImportReport", "export_file", "import_file"]

#: Refused rows kept in the signed import event (all are in the returned report).
_REFUSED_IN_EVENT = 1000


@dataclass(frozen=True)
class ImportReport:
    """What an import did.

    Attributes
    ----------
    format, file, sha256
        The file read (its name and the SHA-256 of its bytes).
    rows_read
        Data rows (features) in the file.
    recorded
        New incidents recorded (an IOM split incident is one).
    parts_joined
        Rows folded into another row's incident (IOM split incidents).
    already_recorded
        Rows whose record the register already held (not recorded again).
    duplicates
        ``(row, why)`` of rows repeating an earlier row of the file.
    merged
        New incidents merged, by proximity, with a report of the same event from
        another source (still recorded, and counted once).
    merges_stated
        Merges the file itself states (sarwatch's formats), recorded as such.
    refused
        ``(row, why)`` of rows not imported.
    incident_ids
        The ids of the incidents recorded.
    """

    format: str
    file: str
    sha256: str
    rows_read: int
    recorded: int
    parts_joined: int
    already_recorded: int
    duplicates: tuple[tuple[int, str], ...]
    merged: int
    merges_stated: int
    refused: tuple[tuple[int, str], ...]
    incident_ids: tuple[str, ...] = field(default=(), repr=False)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (the CLI's ``--json`` and the API's answer)."""
        return {
            "format": self.format,
            "file": self.file,
            "sha256": self.sha256,
            "rows_read": self.rows_read,
            "recorded": self.recorded,
            "parts_joined": self.parts_joined,
            "already_recorded": self.already_recorded,
            "duplicates": [{"row": r, "why": w} for r, w in self.duplicates],
            "merged": self.merged,
            "merges_stated": self.merges_stated,
            "refused": [{"row": r, "why": w} for r, w in self.refused],
            "incident_ids": list(self.incident_ids),
        }

    def summary(self) -> str:
        """A few lines for a person."""
        lines = [
            f"{self.file} ({self.format}): {self.rows_read} rows read; {self.recorded} "
            f"incident(s) recorded ({self.parts_joined} split-incident part(s) joined), "
            f"{self.merged} merged with a report of the same event, {self.already_recorded} "
            f"already recorded, {len(self.duplicates)} repeated, {len(self.refused)} refused",
        ]
        lines += [f"  row {row}: refused: {why}" for row, why in self.refused[:50]]
        if len(self.refused) > 50:
            lines.append(f"  ... and {len(self.refused) - 50} more refused (see --json)")
        return "\n".join(lines)


def _sha256(path: Path) -> str:
    if path.is_dir():
        path = path / "datapackage.json"
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sort(
    service: IncidentService, parsed: ParsedFile
) -> tuple[list[int], int, list[tuple[int, str]]]:
    """Indexes of the new reports, rows already recorded, and extra refusals."""
    known_external = service.known_external(x for r in parsed.reports for x in r.external_ids)
    given = [r.incident_id for r in parsed.reports if r.incident_id != DRAFT_ID]
    known_ids = service.known_ids(given) if given else {}
    new: list[int] = []
    refused: list[tuple[int, str]] = []
    already = 0
    for i, report in enumerate(parsed.reports):
        rows = parsed.rows_of[i]
        if known_external and any(x in known_external for x in report.external_ids):
            already += len(rows)
            continue
        held = known_ids.get(report.incident_id) if known_ids else None
        if held is not None and parsed.format == "mmp":
            # a row of an export of sarwatch's (its id marked): this register's incident
            # if it is written as this very row; else another register's, or one revised
            # since: a report of its own, numbered here (its marked id as external id,
            # so that the file imported again finds it)
            if reads_as(held, report):
                already += len(rows)
                continue
            report = parsed.reports[i] = replace(report, incident_id=DRAFT_ID)
        elif held is not None:
            if held.report == report:
                already += len(rows)
            else:
                why = (
                    f"incident id {report.incident_id} is taken by a different incident; "
                    "leave incident_id blank to record this one as new"
                )
                refused.extend((row, why) for row in rows)
            continue
        future = service.future_reason(report)
        if future is not None:
            refused.extend((row, future) for row in rows)
            continue
        new.append(i)
    return new, already, refused


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a while (back on after, if it was on).

    An import makes a few objects per row and frees none of them until it ends: with
    the collector on, its passes over the growing heap took a quarter of the CPU time
    of a 100,000-row import and freed nothing (the objects live until the import ends).
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def import_file(
    service: IncidentService,
    path: Path,
    *,
    fmt: str | None = None,
    actor: str,
    default_quality: int | None = None,
    merge: bool | None = None,
    strict: bool = False,
) -> ImportReport:
    """Import an incident file into the register (one transaction).

    Parameters
    ----------
    fmt
        ``mmp``, ``csv``, ``geojson`` or ``datapackage``; guessed when ``None``.
    default_quality
        IOM files without a Source Quality column: the grade for every row.
    merge
        Merge new reports with reports of the same event by proximity. Default: for an
        IOM file yes (with reports from other sources); for sarwatch's own formats no,
        as the file states its merges itself.
    strict
        Import nothing if any row is refused.
    """
    with _collector_paused():
        return _import(
            service,
            Path(path),
            fmt=fmt,
            actor=actor,
            default_quality=default_quality,
            merge=merge,
            strict=strict,
        )


def _import(
    service: IncidentService,
    path: Path,
    *,
    fmt: str | None,
    actor: str,
    default_quality: int | None,
    merge: bool | None,
    strict: bool,
) -> ImportReport:
    options = {"default_quality": default_quality} if default_quality is not None else {}
    if options and fmt not in (None, "mmp"):
        raise InputError("a default Source Quality applies to IOM (--format mmp) files only")
    parsed = read_incident_file(path, fmt, **options)
    new, already, refused_known = _sort(service, parsed)
    refused = sorted([*parsed.refused, *refused_known])
    if strict and refused:
        raise InputError(
            f"{len(refused)} row(s) of {path.name} refused, nothing imported (strict); first: "
            + "; ".join(f"row {r}: {w}" for r, w in refused[:5])
        )
    reports = [parsed.reports[i] for i in new]
    ids_after = {r.incident_id for r in reports} | set(
        service.known_ids({a for a, _ in parsed.merges} | {b for _, b in parsed.merges})
    )
    new_ids = {r.incident_id for r in reports}
    stated = [
        (a, b) for a, b in parsed.merges if b in new_ids and a in ids_after
    ]  # merges of reports already recorded are already in the register
    sha = _sha256(path)
    summary = {
        "format": parsed.format,
        "file": path.name,
        "sha256": sha,
        "rows_read": parsed.rows_read,
        "recorded": len(reports),
        "parts_joined": parsed.parts_joined,
        "already_recorded": already,
        "duplicates": len(parsed.duplicates),
        "refused": [{"row": r, "why": w} for r, w in refused[:_REFUSED_IN_EVENT]],
        "refused_count": len(refused),
    }
    recorded = service.import_batch(
        reports,
        actor=actor,
        summary=summary,
        file_merges=stated,
        merge=parsed.format == "mmp" if merge is None else merge,
        merge_among=parsed.format != "mmp",  # an IOM file's rows: each an event of its own
    )
    return ImportReport(
        format=parsed.format,
        file=path.name,
        sha256=sha,
        rows_read=parsed.rows_read,
        recorded=len(recorded.incident_ids),
        parts_joined=parsed.parts_joined,
        already_recorded=already,
        duplicates=tuple(parsed.duplicates),
        merged=len(recorded.merges),
        merges_stated=len(stated),
        refused=tuple(refused),
        incident_ids=recorded.incident_ids,
    )


def export_file(
    service: IncidentService,
    out: Path,
    *,
    fmt: str,
    query: IncidentQuery | None = None,
    now: datetime | None = None,
) -> int:
    """Write the register (or what ``query`` selects) to ``out``; returns the rows written.

    ``mmp`` writes one row per event (group heads, combined counts); ``csv``,
    ``geojson`` and ``datapackage`` (a folder) every report with its merges, so that
    they read back into the same register.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; formats are {', '.join(FORMATS)}")
    base = query or IncidentQuery()
    out = Path(out)
    if fmt == "mmp":
        with out.open("w", encoding="utf-8", newline="") as fh:
            return write_mmp(service.iter_all(base), fh)
    every = replace(base, heads_only=False)
    if fmt == "datapackage":
        records = list(service.iter_all(every))
        iom = any(x.startswith(MMP_NAMESPACE + ":") for r in records for x in r.report.external_ids)
        counts = write_package(
            out,
            [
                Table(
                    "incidents",
                    INCIDENT_FIELDS,
                    (to_flat(r, lists_as_text=False) for r in records),
                    "Incidents at sea, one report per row; merged_into names the report "
                    "of the same event it joins (count events by the rows where it is empty)",
                    primary_key="incident_id",
                )
            ],
            name="sarwatch-incidents",
            title="sarwatch incident register",
            created=now or service.clock(),
            licences=(CC_BY_4,),
            sources=(IOM_SOURCE,) if iom else (),
            description="Exported from a sarwatch station's signed incident register.",
        )
        return counts["incidents"]
    with out.open("w", encoding="utf-8", newline="") as fh:
        records_iter: Iterable[IncidentRecord] = service.iter_all(every)
        if fmt == "geojson":
            return write_geojson(records_iter, fh)
        return write_table(records_iter, fh)
