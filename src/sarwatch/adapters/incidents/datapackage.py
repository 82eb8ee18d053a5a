"""Frictionless data packages (Data Package v1, tabular): a ``datapackage.json`` with each
table's schema (Table Schema) and licence, and the tables as UTF-8 CSV beside it.

:func:`write_package` writes any set of tables (the register, or the public open-data
tables); :data:`INCIDENT_FIELDS` is the register table's schema, and
:func:`read_package` reads a package's incident table back (same columns as
sarwatch's CSV, so without loss).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sarwatch.adapters.incidents.common import ParsedFile
from sarwatch.adapters.incidents.table import read_table
from sarwatch.errors import DataError
from sarwatch.incidents import COUNT_FIELDS, IncidentType

__all__ = [
    "CC_BY_4",
    "INCIDENT_FIELDS",
    "IOM_SOURCE",
    "Table",
    "read_package",
    "write_package",
]

#: The licence of open data sarwatch publishes, and of the IOM's data.
CC_BY_4 = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0",
}
#: The credit the IOM asks for, as a package source.
IOM_SOURCE = {
    "title": "IOM's Missing Migrants Project",
    "path": "https://missingmigrants.iom.int/",
}

_COUNT = {"type": "integer", "constraints": {"minimum": 0}}

#: The Table Schema fields of the register table (same columns as sarwatch's CSV).
INCIDENT_FIELDS: list[dict[str, Any]] = [
    {
        "name": "incident_id",
        "type": "string",
        "constraints": {"required": True, "unique": True, "pattern": r"I-\d{4}-\d{5,}"},
    },
    {
        "name": "kind",
        "type": "string",
        "constraints": {"required": True, "enum": [t.value for t in IncidentType]},
    },
    {"name": "time", "type": "datetime", "description": "UTC, ISO 8601"},
    {
        "name": "time_precision",
        "type": "string",
        "constraints": {"enum": ["minute", "day", "month"]},
    },
    {"name": "lon", "type": "number", "description": "WGS84 degrees east"},
    {"name": "lat", "type": "number", "description": "WGS84 degrees north"},
    {"name": "place", "type": "string"},
    {"name": "country", "type": "string"},
    {"name": "route", "type": "string"},
    *({"name": name, **_COUNT, "description": "minimum estimate"} for name in COUNT_FIELDS),
    {"name": "actors", "type": "array", "description": "JSON list of names"},
    {
        "name": "sources",
        "type": "array",
        "description": "JSON list of {name, quality 1-5 (IOM scale), url, reference}",
    },
    {"name": "case_id", "type": "string"},
    {"name": "cause", "type": "string"},
    {"name": "note", "type": "string"},
    {"name": "external_ids", "type": "array"},
    {"name": "merged_into", "type": "string", "description": "the report this one joins"},
]


@dataclass(frozen=True)
class Table:
    """One table of a package: name, Table Schema fields, rows, description, primary key."""

    name: str
    fields: Sequence[dict[str, Any]]
    rows: Iterable[dict[str, Any]]
    description: str = ""
    primary_key: str | None = None


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def write_package(
    directory: Path,
    tables: Sequence[Table],
    *,
    name: str,
    title: str,
    created: datetime,
    licences: Sequence[dict[str, str]] = (CC_BY_4,),
    sources: Sequence[dict[str, str]] = (),
    description: str = "",
) -> dict[str, int]:
    """Write ``datapackage.json`` and one CSV per table into ``directory``.

    Returns
    -------
    dict
        Rows written per table.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    resources, counts = [], {}
    for table in tables:
        names = [f["name"] for f in table.fields]
        path = directory / f"{table.name}.csv"
        n = 0
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(names)
            for row in table.rows:
                writer.writerow([_cell(row.get(k)) for k in names])
                n += 1
        counts[table.name] = n
        schema: dict[str, Any] = {"fields": list(table.fields), "missingValues": [""]}
        if table.primary_key:
            schema["primaryKey"] = table.primary_key
        resources.append(
            {
                "name": table.name,
                "path": path.name,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "description": table.description,
                "schema": schema,
            }
        )
    package = {
        "profile": "tabular-data-package",
        "name": name,
        "title": title,
        "description": description,
        "created": created.isoformat().replace("+00:00", "Z"),
        "licenses": list(licences),
        "sources": list(sources),
        "resources": resources,
    }
    (directory / "datapackage.json").write_text(
        json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return counts


def read_package(path: Path) -> ParsedFile:
    """Read the ``incidents`` table of a package (its ``datapackage.json``, or its folder)."""
    path = Path(path)
    descriptor = path / "datapackage.json" if path.is_dir() else path
    try:
        package = json.loads(descriptor.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read the data package {descriptor}: {exc}") from None
    resources = [r for r in package.get("resources", []) if r.get("name") == "incidents"]
    if not resources or not isinstance(resources[0].get("path"), str):
        raise DataError(f"the data package {descriptor} has no 'incidents' table")
    table = descriptor.parent / resources[0]["path"]
    if table.resolve().parent != descriptor.parent.resolve():
        raise DataError("the incidents table must lie beside datapackage.json")
    with table.open(encoding="utf-8", newline="") as fh:
        parsed = read_table(fh)
    parsed.format = "datapackage"
    return parsed
