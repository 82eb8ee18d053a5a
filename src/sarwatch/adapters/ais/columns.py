"""Reports and static data as Arrow tables: one conversion shared by the live file and
the Parquet archive (times become int64 microseconds in C, not per report in Python)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pyarrow as pa

from sarwatch.adapters.ais.convert import PositionRow
from sarwatch.vessels.types import VesselReport, VesselStatic

__all__ = [
    "REPORT_SCHEMA",
    "STATIC_SCHEMA",
    "DecodedBatch",
    "reports_from_table",
    "reports_table",
    "static_table",
    "statics_from_rows",
]

REPORT_SCHEMA = pa.schema(
    [
        ("mmsi", pa.int64()),
        ("time", pa.timestamp("us", tz="UTC")),
        ("lon", pa.float64()),
        ("lat", pa.float64()),
        ("sog_kn", pa.float64()),
        ("cog_deg", pa.float64()),
        ("heading_deg", pa.float64()),
        ("nav_status", pa.int8()),
        ("msg_type", pa.int8()),
    ]
)
STATIC_SCHEMA = pa.schema(
    [
        ("mmsi", pa.int64()),
        ("time", pa.timestamp("us", tz="UTC")),
        ("name", pa.string()),
        ("callsign", pa.string()),
        ("imo", pa.int64()),
        ("ship_type", pa.int16()),
        ("length_m", pa.float64()),
        ("destination", pa.string()),
    ]
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class DecodedBatch:
    """What one batch of lines decoded to: a table of position reports, static data.

    The decoder builds the table column by column (numpy, then Arrow), so the
    ingest goes from pyais to Arrow without a Python object per report.

    Attributes
    ----------
    positions
        The reports, a table of :data:`REPORT_SCHEMA`, in input order.
    statics
        Static data, in input order.
    """

    positions: pa.Table = field(default_factory=REPORT_SCHEMA.empty_table)
    statics: list[VesselStatic] = field(default_factory=list)

    @classmethod
    def from_rows(
        cls,
        times_us: Sequence[int],
        rows: Sequence[PositionRow],
        statics: Sequence[VesselStatic] = (),
    ) -> DecodedBatch:
        """A batch from position rows and their times (microseconds since 1970 UTC)."""
        if not rows:
            return cls(statics=list(statics))
        mmsi, lon, lat, sog, cog, hdg, nav, mt = zip(*rows, strict=True)
        cols = (mmsi, times_us, lon, lat, sog, cog, hdg, nav, mt)
        arrays = [pa.array(c, type=f.type) for c, f in zip(cols, REPORT_SCHEMA, strict=True)]
        return cls(pa.Table.from_arrays(arrays, schema=REPORT_SCHEMA), list(statics))

    def __len__(self) -> int:
        return int(self.positions.num_rows)

    def reports(self) -> list[VesselReport]:
        """The positions as :class:`VesselReport` values, in input order."""
        return reports_from_table(self.positions)

    def table(self) -> pa.Table:
        """The positions as a table of :data:`REPORT_SCHEMA`, in input order."""
        return self.positions


def reports_table(reports: Sequence[VesselReport]) -> pa.Table:
    """The reports as a table of :data:`REPORT_SCHEMA` (in input order)."""
    cols = (
        [r.mmsi for r in reports],
        [r.time for r in reports],
        [r.lon for r in reports],
        [r.lat for r in reports],
        [r.sog_kn for r in reports],
        [r.cog_deg for r in reports],
        [r.heading_deg for r in reports],
        [r.nav_status for r in reports],
        [r.msg_type for r in reports],
    )
    arrays = [pa.array(c, type=f.type) for c, f in zip(cols, REPORT_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=REPORT_SCHEMA)


def static_table(statics: Sequence[VesselStatic], time: datetime) -> pa.Table:
    """Static data as a table of :data:`STATIC_SCHEMA`, stamped ``time`` (when heard)."""
    cols = (
        [s.mmsi for s in statics],
        [time] * len(statics),
        [s.name for s in statics],
        [s.callsign for s in statics],
        [s.imo for s in statics],
        [s.ship_type for s in statics],
        [s.length_m for s in statics],
        [s.destination for s in statics],
    )
    arrays = [pa.array(c, type=f.type) for c, f in zip(cols, STATIC_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=STATIC_SCHEMA)


def _f(v: float | None) -> float | None:
    return None if v is None else float(v)


def reports_from_rows(rows: Sequence[Sequence[object]]) -> list[VesselReport]:
    """Rows ``(mmsi, t_us, lon, lat, sog, cog, heading, nav, msg_type)`` to reports."""
    out = []
    for mmsi, t_us, lon, lat, sog, cog, hdg, nav, mt in rows:
        out.append(
            VesselReport(
                mmsi=int(mmsi),  # type: ignore[call-overload]
                time=_EPOCH + timedelta(microseconds=int(t_us)),  # type: ignore[call-overload]
                lon=float(lon),  # type: ignore[arg-type]
                lat=float(lat),  # type: ignore[arg-type]
                sog_kn=_f(sog),  # type: ignore[arg-type]
                cog_deg=_f(cog),  # type: ignore[arg-type]
                heading_deg=_f(hdg),  # type: ignore[arg-type]
                nav_status=None if nav is None else int(nav),  # type: ignore[call-overload]
                msg_type=int(mt),  # type: ignore[call-overload]
            )
        )
    return out


def reports_from_table(table: pa.Table) -> list[VesselReport]:
    """The inverse of :func:`reports_table`."""
    t_us = table.column("time").cast(pa.int64()).to_pylist()
    cols = [table.column(n).to_pylist() for n in REPORT_SCHEMA.names]
    cols[1] = t_us
    return reports_from_rows(list(zip(*cols, strict=True)))


def statics_from_rows(rows: Sequence[Sequence[object]]) -> list[VesselStatic]:
    """Rows ``(mmsi, name, callsign, imo, ship_type, length_m, destination)`` to values."""
    return [
        VesselStatic(
            mmsi=int(m),  # type: ignore[call-overload]
            name=name,  # type: ignore[arg-type]
            callsign=cs,  # type: ignore[arg-type]
            imo=imo,  # type: ignore[arg-type]
            ship_type=st,  # type: ignore[arg-type]
            length_m=_f(ln),  # type: ignore[arg-type]
            destination=dest,  # type: ignore[arg-type]
        )
        for m, name, cs, imo, st, ln, dest in rows
    ]
