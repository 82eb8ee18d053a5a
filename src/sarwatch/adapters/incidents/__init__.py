"""Incident files: the IOM Missing Migrants Project CSV, sarwatch's CSV, GeoJSON and
Frictionless data packages. Readers return a :class:`ParsedFile`; writers take the
register's records. Nothing here touches the store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sarwatch.adapters.incidents.common import FORMATS, ParsedFile
from sarwatch.adapters.incidents.datapackage import read_package
from sarwatch.adapters.incidents.geojson import read_geojson
from sarwatch.adapters.incidents.mmp import read_mmp
from sarwatch.adapters.incidents.table import read_table
from sarwatch.errors import InputError

__all__ = ["FORMATS", "ParsedFile", "guess_format", "read_incident_file"]


def guess_format(path: Path) -> str:
    """The format a file's name suggests: ``.geojson``/``.json`` GeoJSON, a folder or
    ``datapackage.json`` a data package, else CSV (IOM or sarwatch's, by its header)."""
    name = path.name.lower()
    if path.is_dir() or name == "datapackage.json":
        return "datapackage"
    if name.endswith((".geojson", ".json")):
        return "geojson"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        header = fh.readline().lower()
    iom = ("main id", "incident id", "web id", "number dead", "number of dead")
    return "mmp" if any(name in header for name in iom) else "csv"


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> InputError:
    return InputError(
        f"{path.name} is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8 "
        "(in a spreadsheet: 'CSV UTF-8'; or: iconv -f WINDOWS-1252 -t UTF-8 FILE > NEW) "
        "and import that copy"
    )


def read_incident_file(path: Path, fmt: str | None = None, **options: Any) -> ParsedFile:
    """Read ``path`` in ``fmt`` (guessed from the name and header when ``None``).

    Raises
    ------
    InputError
        An unknown format, or a file that is not UTF-8 (a spreadsheet's own encoding):
        nothing is read from it.
    """
    path = Path(path)
    try:
        return _read(path, fmt, **options)
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, exc) from None


def _read(path: Path, fmt: str | None, **options: Any) -> ParsedFile:
    fmt = fmt or guess_format(path)
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; formats are {', '.join(FORMATS)}")
    if fmt == "datapackage":
        return read_package(path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        if fmt == "mmp":
            return read_mmp(fh, **options)
        if fmt == "geojson":
            return read_geojson(fh)
        return read_table(fh)
