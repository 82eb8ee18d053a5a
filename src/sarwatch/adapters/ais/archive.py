"""The AIS archive: every report, in Parquet files partitioned by UTC day, read with DuckDB.

Layout (Hive partitioning, so DuckDB and pyarrow datasets prune by day)::

    <root>/positions/day=2026-12-06/part-<writer>-<n>.parquet
    <root>/static/day=2026-12-06/part-<writer>-<n>.parquet

Writers buffer rows and write a file per day when :data:`FLUSH_ROWS` rows are
waiting or when closed, so that a live feed does not leave thousands of tiny files.
Files are written under a temporary name and renamed, so a reader never sees half
a file. Several writers never collide (each has its own id in the file names).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sarwatch.adapters.ais.columns import (
    REPORT_SCHEMA,
    STATIC_SCHEMA,
    reports_from_table,
    reports_table,
    static_table,
)
from sarwatch.errors import InputError
from sarwatch.vessels.types import VesselReport, VesselStatic

__all__ = ["FLUSH_ROWS", "ParquetArchive", "query_track"]

#: Rows buffered before the archive writes its files.
FLUSH_ROWS = 500_000


class ParquetArchive:
    """Append-only writer of the day-partitioned Parquet archive.

    Parameters
    ----------
    root
        The archive directory (created on first write).
    flush_rows
        Buffered rows that trigger a write.
    """

    def __init__(self, root: str | Path, *, flush_rows: int = FLUSH_ROWS) -> None:
        self.root = Path(root)
        self._flush_rows = flush_rows
        self._writer = uuid.uuid4().hex[:12]
        self._n = 0
        self._positions: list[pa.Table] = []
        self._statics: list[pa.Table] = []
        self._buffered = 0
        self.files_written = 0

    @property
    def flush_rows(self) -> int:
        """Buffered rows that trigger a write."""
        return self._flush_rows

    def append(
        self,
        reports: Sequence[VesselReport] | pa.Table,
        statics: Sequence[VesselStatic] = (),
        *,
        static_time: datetime | None = None,
    ) -> None:
        """Buffer a batch (reports as values or a :data:`REPORT_SCHEMA` table).

        ``static_time`` stamps the static records (when they were heard); default:
        the newest report of the batch, else nothing is archived for them.
        """
        table = reports if isinstance(reports, pa.Table) else reports_table(reports)
        if table.num_rows:
            self._positions.append(table)
            self._buffered += table.num_rows
        if statics:
            when = static_time
            if when is None and table.num_rows:
                when = pc.max(table.column("time")).as_py()
            if when is not None:
                self._statics.append(static_table(statics, when))
                self._buffered += len(statics)
        if self._buffered >= self._flush_rows:
            self.flush()

    def flush(self) -> int:
        """Write what is buffered; returns the number of files written."""
        written = 0
        for kind, tables, schema in (
            ("positions", self._positions, REPORT_SCHEMA),
            ("static", self._statics, STATIC_SCHEMA),
        ):
            if not tables:
                continue
            table = pa.concat_tables(tables).cast(schema)
            tables.clear()
            written += self._write_days(kind, table)
        self._buffered = 0
        self.files_written += written
        return written

    def close(self) -> None:
        """Write what is buffered."""
        self.flush()

    def _write_days(self, kind: str, table: pa.Table) -> int:
        day = pc.cast(table.column("time"), pa.date32())
        days = pc.unique(day).to_pylist()
        written = 0
        for d in sorted(days):
            if len(days) == 1:  # the usual case: no copy to pick the day's rows
                part = table
            else:
                part = table.filter(pc.equal(day, pa.scalar(d, pa.date32())))
            part = part.sort_by([("mmsi", "ascending"), ("time", "ascending")])
            folder = self.root / kind / f"day={d.isoformat()}"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                self._n += 1
                final = folder / f"part-{self._writer}-{self._n:05d}.parquet"
                tmp = final.with_suffix(".parquet.tmp")
                pq.write_table(part, tmp, compression="zstd", row_group_size=256_000)
                os.replace(tmp, final)
            except OSError as exc:
                raise InputError(
                    f"cannot write the AIS archive under {self.root}: {exc.strerror or exc}"
                ) from exc
            written += 1
        return written


def _glob(root: Path, kind: str) -> str:
    return str(root / kind / "day=*" / "*.parquet")


def query_track(
    root: str | Path,
    mmsi: int,
    start: datetime,
    end: datetime,
) -> list[VesselReport]:
    """Every archived report of ``mmsi`` in [start, end), oldest first, via DuckDB.

    Only the day partitions that overlap the interval are opened.
    """
    import duckdb

    root = Path(root)
    if not any((root / "positions").glob("day=*/*.parquet")):
        return []
    sql = (
        f"SELECT {', '.join(REPORT_SCHEMA.names)} FROM read_parquet(?, hive_partitioning = true) "
        "WHERE day BETWEEN ?::DATE AND ?::DATE AND mmsi = ? AND time >= ? AND time < ? "
        "ORDER BY time"
    )
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        params = [_glob(root, "positions"), start.date(), end.date(), mmsi, start, end]
        table = con.sql(sql, params=params).to_arrow_table()
    return reports_from_table(table.cast(REPORT_SCHEMA))


def query(root: str | Path, sql: str, params: Sequence[object] = ()) -> pa.Table:
    """Run ``sql`` with the views ``positions`` and ``static`` over the archive."""
    import duckdb

    root = Path(root)
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        for kind in ("positions", "static"):
            if any((root / kind).glob("day=*/*.parquet")):
                where = _glob(root, kind).replace("'", "''")
                con.execute(
                    f"CREATE VIEW {kind} AS SELECT * FROM "
                    f"read_parquet('{where}', hive_partitioning = true)"
                )
        return con.sql(sql, params=list(params) or None).to_arrow_table()
