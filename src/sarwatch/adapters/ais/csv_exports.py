"""The AIS CSV exports people actually have: DMA, NOAA Marine Cadastre, and a generic one.

Columns are found by header name (case and surrounding blanks ignored), never by
position: NOAA's 2025 files changed the order. A file that lacks a column a format
needs is refused at once with one message naming every missing column. Rows that
cannot be used (a garbled number or time, no position) are counted by reason and
skipped, like bad NMEA lines.

Formats (facts: ../shared/data/ais.md section 4):

``dma``
    Danish Maritime Authority daily ``aisdk_YYYY-MM-DD.csv``: ``# Timestamp``
    (``31/12/2015 23:59:59``, UTC), ``Type of mobile``, ``MMSI``, ``Latitude``,
    ``Longitude``, ``Navigational status`` (text), ``SOG``, ``COG``, ``Heading``,
    ``IMO``, ``Callsign``, ``Name``, ``Ship type`` (text), ``Length``, ``Destination``.
    A ``;`` separator with decimal commas is read too.
``noaa``
    Marine Cadastre, up to 2024 (``MMSI``, ``BaseDateTime``, ``LAT``, ``LON``, ``SOG``,
    ``COG``, ``Heading``, ``VesselName``, ``IMO``, ``CallSign``, ``VesselType``,
    ``Status``, ``Length``, ``TransceiverClass``) and from 2025 (``mmsi``,
    ``base_date_time``, ``latitude``, ``longitude``, ...); times are UTC.
``generic``
    ``mmsi,time,lat,lon,sog,cog`` (``sog``, ``cog`` may be empty); times ISO 8601
    with ``Z`` or an offset.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sarwatch.errors import InputError, NotFoundError
from sarwatch.vessels.types import VesselReport, VesselStatic

__all__ = ["CSV_FORMATS", "CsvBatch", "read_csv_export"]

CSV_FORMATS = ("dma", "noaa", "generic")
BATCH_ROWS = 20_000

#: DMA "Ship type" texts to ITU-R M.1371 codes (the class's first code).
_DMA_SHIP_TYPES = {
    "fishing": 30,
    "towing": 31,
    "dredging": 33,
    "diving": 34,
    "military": 35,
    "sailing": 36,
    "pleasure": 37,
    "hsc": 40,
    "pilot": 50,
    "sar": 51,
    "tug": 52,
    "port tender": 53,
    "anti-pollution": 54,
    "law enforcement": 55,
    "medical": 58,
    "passenger": 60,
    "cargo": 70,
    "tanker": 80,
}
_DMA_STATUS = {
    "under way using engine": 0,
    "at anchor": 1,
    "not under command": 2,
    "restricted manoeuverability": 3,
    "restricted maneuverability": 3,
    "constrained by her draught": 4,
    "moored": 5,
    "aground": 6,
    "engaged in fishing": 7,
    "under way sailing": 8,
    "ais-sart": 14,
}


@dataclass
class CsvBatch:
    """Rows of one batch: reports, static data, rows read and skips by reason."""

    reports: list[VesselReport]
    statics: list[VesselStatic]
    rows: int
    skipped: dict[str, int]


@dataclass(frozen=True)
class _Spec:
    time: tuple[str, ...]
    mmsi: tuple[str, ...]
    lat: tuple[str, ...]
    lon: tuple[str, ...]
    optional: dict[str, tuple[str, ...]]
    parse_time: Callable[[str], datetime]


def _iso_utc(text: str) -> datetime:
    t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise ValueError("no UTC offset")
    return t.astimezone(UTC)


def _naive_utc(text: str) -> datetime:
    t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _dma_time(text: str) -> datetime:
    return datetime.strptime(text.strip(), "%d/%m/%Y %H:%M:%S").replace(tzinfo=UTC)


_SPECS = {
    "dma": _Spec(
        time=("timestamp",),
        mmsi=("mmsi",),
        lat=("latitude",),
        lon=("longitude",),
        optional={
            "sog": ("sog",),
            "cog": ("cog",),
            "heading": ("heading",),
            "status": ("navigational status",),
            "mobile": ("type of mobile",),
            "name": ("name",),
            "callsign": ("callsign",),
            "imo": ("imo",),
            "ship_type": ("ship type",),
            "length": ("length",),
            "destination": ("destination",),
        },
        parse_time=_dma_time,
    ),
    "noaa": _Spec(
        time=("basedatetime", "base_date_time"),
        mmsi=("mmsi",),
        lat=("lat", "latitude"),
        lon=("lon", "longitude"),
        optional={
            "sog": ("sog",),
            "cog": ("cog",),
            "heading": ("heading",),
            "status": ("status",),
            "name": ("vesselname", "vessel_name"),
            "callsign": ("callsign", "call_sign"),
            "imo": ("imo",),
            "ship_type": ("vesseltype", "vessel_type"),
            "length": ("length",),
            "mobile": ("transceiverclass", "transceiver"),
        },
        parse_time=_naive_utc,  # documented as UTC without an offset
    ),
    "generic": _Spec(
        time=("time",),
        mmsi=("mmsi",),
        lat=("lat",),
        lon=("lon",),
        optional={"sog": ("sog",), "cog": ("cog",)},
        parse_time=_iso_utc,
    ),
}


def _key(name: str) -> str:
    return name.strip().lstrip("#").strip().lower()


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    keys = [_key(h) for h in header]
    for name in names:
        if name in keys:
            return keys.index(name)
    return None


def _open_text(path: Path) -> io.TextIOWrapper:
    import gzip

    if not path.exists():
        raise NotFoundError(f"CSV file {path} does not exist: check the path")
    if path.is_dir():
        raise InputError(f"{path} is a directory: give a CSV file")
    try:
        with open(path, "rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b"
        raw = gzip.open(path, "rb") if gz else open(path, "rb")  # noqa: SIM115
    except OSError as exc:
        raise InputError(f"cannot read CSV file {path}: {exc.strerror or exc}") from exc
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


def read_csv_export(
    path: str | Path, fmt: str, *, batch_rows: int = BATCH_ROWS
) -> Iterator[CsvBatch]:
    """Read a CSV export in batches.

    Raises
    ------
    InputError
        Unknown format, or the header lacks a required column (all missing ones named).
    """
    if fmt not in _SPECS:
        raise InputError(f"unknown CSV format {fmt!r}: choose one of {', '.join(CSV_FORMATS)}")
    spec = _SPECS[fmt]
    path = Path(path)
    with _open_text(path) as fh:
        first = fh.readline()
        delimiter = ";" if first.count(";") > first.count(",") else ","
        header = next(csv.reader([first], delimiter=delimiter), [])
        cols: dict[str, int | None] = {
            "time": _find(header, spec.time),
            "mmsi": _find(header, spec.mmsi),
            "lat": _find(header, spec.lat),
            "lon": _find(header, spec.lon),
        }
        missing = [
            "/".join(names)
            for field, names in (
                ("time", spec.time),
                ("mmsi", spec.mmsi),
                ("lat", spec.lat),
                ("lon", spec.lon),
            )
            if cols[field] is None
        ]
        if missing:
            raise InputError(
                f"{path} is not a {fmt} AIS CSV: missing column(s) {', '.join(missing)} "
                f"(header: {', '.join(h.strip() for h in header[:12]) or 'empty'})"
            )
        for field, names in spec.optional.items():
            cols[field] = _find(header, names)
        comma_decimal = delimiter == ";"
        reader = csv.reader(fh, delimiter=delimiter)
        batch = CsvBatch([], [], 0, {})
        for row in reader:
            _row(row, cols, spec, batch, comma_decimal=comma_decimal, fmt=fmt)
            if batch.rows >= batch_rows:
                yield batch
                batch = CsvBatch([], [], 0, {})
        if batch.rows:
            yield batch


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    value = row[index].strip()
    return "" if value.lower() in ("unknown", "undefined", "n/a", "na", "none") else value


def _float(text: str, comma: bool) -> float | None:
    if not text:
        return None
    return float(text.replace(",", ".") if comma else text)


def _row(
    row: list[str],
    cols: dict[str, int | None],
    spec: _Spec,
    batch: CsvBatch,
    *,
    comma_decimal: bool,
    fmt: str,
) -> None:
    if not row or not any(c.strip() for c in row):
        return
    batch.rows += 1
    skipped = batch.skipped
    try:
        mmsi = int(_cell(row, cols["mmsi"]))
    except ValueError:
        skipped["bad_mmsi"] = skipped.get("bad_mmsi", 0) + 1
        return
    try:
        time = spec.parse_time(_cell(row, cols["time"]))
    except ValueError:
        skipped["bad_time"] = skipped.get("bad_time", 0) + 1
        return
    try:
        lat = _float(_cell(row, cols["lat"]), comma_decimal)
        lon = _float(_cell(row, cols["lon"]), comma_decimal)
        sog = _float(_cell(row, cols.get("sog")), comma_decimal)
        cog = _float(_cell(row, cols.get("cog")), comma_decimal)
        heading = _float(_cell(row, cols.get("heading")), comma_decimal)
    except ValueError:
        skipped["bad_number"] = skipped.get("bad_number", 0) + 1
        return
    mobile = _cell(row, cols.get("mobile")).lower()
    if mobile in ("base station", "aton"):
        skipped["not_a_vessel"] = skipped.get("not_a_vessel", 0) + 1
        return
    msg_type = 9 if "sar" in mobile else 18 if mobile in ("class b", "b") else 1
    static = _static(row, cols, mmsi, fmt)
    if static is not None:
        batch.statics.append(static)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        skipped["no_position"] = skipped.get("no_position", 0) + 1
        return
    batch.reports.append(
        VesselReport(
            mmsi=mmsi,
            time=time,
            lon=lon,
            lat=lat,
            sog_kn=None if sog is None or sog >= 102.3 or sog < 0 else sog,
            cog_deg=None if cog is None or cog >= 360 or cog < 0 else cog,
            heading_deg=None if heading is None or heading >= 360 or heading < 0 else heading,
            nav_status=_status(_cell(row, cols.get("status")), fmt),
            msg_type=msg_type,
        )
    )


def _status(text: str, fmt: str) -> int | None:
    if not text:
        return None
    if fmt == "dma":
        return _DMA_STATUS.get(text.lower())
    try:
        code = int(float(text))
    except ValueError:
        return None
    return code if 0 <= code <= 15 else None


def _static(row: list[str], cols: dict[str, Any], mmsi: int, fmt: str) -> VesselStatic | None:
    name = _cell(row, cols.get("name")) or None
    callsign = _cell(row, cols.get("callsign")) or None
    imo_text = _cell(row, cols.get("imo")).upper().removeprefix("IMO")
    type_text = _cell(row, cols.get("ship_type"))
    length_text = _cell(row, cols.get("length"))
    destination = _cell(row, cols.get("destination")) or None
    if not (name or callsign or imo_text or type_text or length_text or destination):
        return None
    try:
        imo = int(imo_text) or None if imo_text else None
    except ValueError:
        imo = None
    ship_type: int | None
    if fmt == "dma":
        ship_type = _DMA_SHIP_TYPES.get(type_text.lower())
    else:
        try:
            ship_type = int(float(type_text)) or None if type_text else None
        except ValueError:
            ship_type = None
    try:
        length = float(length_text.replace(",", ".")) or None if length_text else None
    except ValueError:
        length = None
    return VesselStatic(
        mmsi,
        name=name,
        callsign=callsign,
        imo=imo,
        ship_type=ship_type,
        length_m=length,
        destination=destination,
    )
