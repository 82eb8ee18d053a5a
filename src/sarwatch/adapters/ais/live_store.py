"""The live AIS picture on disk: one SQLite file in WAL mode, shared between processes.

``sarwatch ais ingest`` (the only writer: the ingest, or its storing process)
stores each batch: the last report per MMSI (an upsert that never lets an older
report replace a newer one), static data merged by MMSI, and track points thinned
to one per vessel per :data:`TRACK_STEP_S`-second bucket (the first report in it)
for the last :data:`TRACK_HOURS` hours.
Every batch gets a sequence number; ``sarwatch serve`` (any number of readers)
asks for the rows changed since the sequence it last saw, so a refresh costs what
changed, not the whole picture. WAL lets readers read while the writer writes.

Why a file of its own and not a table in the case store: see docs/design/013-ais.md
(a day of Mediterranean AIS would put tens of millions of writes through the case
store's single SQLite writer, or across the network to PostgreSQL; the picture is
derived data that can be rebuilt from the archive and needs no migration).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import repeat
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sarwatch.adapters.ais.columns import reports_from_rows, reports_table, statics_from_rows
from sarwatch.errors import InputError
from sarwatch.vessels.types import VesselReport, VesselStatic

__all__ = ["LIVE_FILE", "TRACK_HOURS", "TRACK_STEP_S", "LiveStore"]

#: The file name under ``<home_dir>/ais/``.
LIVE_FILE = "live.sqlite"
#: Hours of track kept in the live file (older points stay in the archive only).
TRACK_HOURS = 6.0
#: Track points are thinned to one per vessel per bucket of this many seconds.
TRACK_STEP_S = 60.0
_SCHEMA_VERSION = 1

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS last (
    mmsi INTEGER PRIMARY KEY, t_us INTEGER NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL,
    sog REAL, cog REAL, heading REAL, nav INTEGER, msg_type INTEGER NOT NULL,
    seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS static (
    mmsi INTEGER PRIMARY KEY, name TEXT, callsign TEXT, imo INTEGER, ship_type INTEGER,
    length_m REAL, destination TEXT, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS track (
    mmsi INTEGER NOT NULL, t_us INTEGER NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL,
    sog REAL, cog REAL, heading REAL, nav INTEGER, msg_type INTEGER NOT NULL,
    PRIMARY KEY (mmsi, t_us)) WITHOUT ROWID;
"""

_UPSERT_LAST = """
INSERT INTO last VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (mmsi) DO UPDATE SET
    t_us = excluded.t_us, lon = excluded.lon, lat = excluded.lat, sog = excluded.sog,
    cog = excluded.cog, heading = excluded.heading, nav = excluded.nav,
    msg_type = excluded.msg_type, seq = excluded.seq
WHERE excluded.t_us >= last.t_us
"""
_UPSERT_STATIC = """
INSERT INTO static VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (mmsi) DO UPDATE SET
    name = coalesce(excluded.name, static.name),
    callsign = coalesce(excluded.callsign, static.callsign),
    imo = coalesce(excluded.imo, static.imo),
    ship_type = coalesce(excluded.ship_type, static.ship_type),
    length_m = coalesce(excluded.length_m, static.length_m),
    destination = coalesce(excluded.destination, static.destination),
    seq = excluded.seq
"""
_COLS = "mmsi, t_us, lon, lat, sog, cog, heading, nav, msg_type"


class LiveStore:
    """The live-picture file: written by one ingest, read by any number of servers.

    Parameters
    ----------
    path
        The SQLite file (created with its directory on first use).
    track_hours, track_step_s
        Track kept (hours) and its thinning (seconds between kept points).

    Raises
    ------
    InputError
        The file cannot be opened or is not a live-picture file.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        track_hours: float = TRACK_HOURS,
        track_step_s: float = TRACK_STEP_S,
    ) -> None:
        self.path = Path(path)
        self._span_us = int(track_hours * 3600e6)
        self._step_us = int(track_step_s * 1e6)
        self._kept: dict[int, int] = {}  # mmsi -> the last track bucket written
        self._lock = threading.Lock()
        self._batches = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=10.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA cache_size=-65536")  # 64 MiB: the file stays in memory
            self._db.executescript(_DDL)
            self._db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema', ?), ('seq', 0), ('newest_us', 0)",
                (_SCHEMA_VERSION,),
            )
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise InputError(
                f"cannot open the live AIS picture {self.path}: {exc}. Check the directory "
                "is writable, or delete the file (it is rebuilt by the next ingest)."
            ) from exc

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

    # -- writing (one ingest process) ------------------------------------------------

    def write(
        self,
        reports: Sequence[VesselReport] | pa.Table,
        statics: Sequence[VesselStatic] = (),
    ) -> int:
        """Store a batch; returns its sequence number.

        ``reports`` may be given as an Arrow table of
        :data:`~sarwatch.adapters.ais.columns.REPORT_SCHEMA` (the ingest builds one
        for the archive anyway).
        """
        table = reports if isinstance(reports, pa.Table) else reports_table(reports)
        newest_idx, track_idx = self._select(table)
        last_cols = _columns(table, newest_idx)
        track_cols = _columns(table, track_idx)
        top = int(pc.max(table.column("time")).cast(pa.int64()).as_py() or 0) if len(table) else 0
        with self._lock:
            db = self._db
            (seq,) = db.execute("SELECT value + 1 FROM meta WHERE key = 'seq'").fetchone()
            # rows made one at a time as SQLite takes them (no list of tuples)
            db.executemany(_UPSERT_LAST, zip(*last_cols, repeat(seq, len(newest_idx)), strict=True))
            db.executemany(
                "INSERT OR IGNORE INTO track VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                zip(*track_cols, strict=True),
            )
            if statics:
                db.executemany(_UPSERT_STATIC, [_static_row(s, seq) for s in _merged(statics)])
            db.execute("UPDATE meta SET value = max(value, ?) WHERE key = 'newest_us'", (top,))
            db.execute("UPDATE meta SET value = ? WHERE key = 'seq'", (seq,))
            self._batches += 1
            if self._batches % 20 == 1:
                self._prune()
            db.commit()
        return int(seq)

    def _select(self, table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
        """Row indices of each vessel's newest report, and of the track points to keep.

        A track point is the first report of a vessel in each ``track_step_s``
        bucket of time (one a minute by default), unless an earlier batch already
        wrote that vessel's bucket.
        """
        if not len(table):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        m = table.column("mmsi").to_numpy()
        t = table.column("time").cast(pa.int64()).to_numpy()
        order = np.lexsort((t, m))
        ms, ts = m[order], t[order]
        new_vessel = np.empty(len(ms), dtype=bool)
        new_vessel[0] = True
        np.not_equal(ms[1:], ms[:-1], out=new_vessel[1:])
        last_of_vessel = np.empty(len(ms), dtype=bool)
        last_of_vessel[-1] = True
        last_of_vessel[:-1] = new_vessel[1:]
        newest = order[last_of_vessel]
        if self._step_us <= 0:
            return newest, order
        bucket = ts // self._step_us
        first = new_vessel.copy()
        first[1:] |= bucket[1:] != bucket[:-1]
        keep = order[first]
        kept_m, kept_b = ms[first], bucket[first]
        # Across batches: a vessel's first bucket here may be its last one written.
        starts = np.flatnonzero(new_vessel[first])
        drop = np.zeros(len(keep), dtype=bool)
        known = self._kept
        ends = np.r_[starts[1:], len(keep)] - 1
        for start, vessel, b0, b1 in zip(
            starts.tolist(),
            kept_m[starts].tolist(),
            kept_b[starts].tolist(),
            kept_b[ends].tolist(),
            strict=True,
        ):
            if known.get(vessel) == b0:
                drop[start] = True
            known[vessel] = max(b1, known.get(vessel, b1))
        return newest, keep[~drop]

    def _prune(self) -> None:
        (newest,) = self._db.execute("SELECT value FROM meta WHERE key = 'newest_us'").fetchone()
        self._db.execute("DELETE FROM track WHERE t_us < ?", (newest - self._span_us,))

    # -- reading (servers) -------------------------------------------------------------

    def changes(self, since_seq: int) -> tuple[list[VesselReport], list[VesselStatic], int]:
        """Last reports and static data changed after ``since_seq``, and the new sequence."""
        with self._lock:
            db = self._db
            db.execute("BEGIN")
            try:
                (seq,) = db.execute("SELECT value FROM meta WHERE key = 'seq'").fetchone()
                rows = db.execute(
                    f"SELECT {_COLS} FROM last WHERE seq > ?", (since_seq,)
                ).fetchall()
                srows = db.execute(
                    "SELECT mmsi, name, callsign, imo, ship_type, length_m, destination "
                    "FROM static WHERE seq > ?",
                    (since_seq,),
                ).fetchall()
            finally:
                db.execute("COMMIT")
        return reports_from_rows(rows), statics_from_rows(srows), int(seq)

    def track(self, mmsi: int, since: datetime | None = None) -> list[VesselReport]:
        """The vessel's stored track points, oldest first (from ``since`` if given)."""
        with self._lock:
            if since is None:
                (newest,) = self._db.execute(
                    "SELECT value FROM meta WHERE key = 'newest_us'"
                ).fetchone()
                start = newest - self._span_us
            else:
                start = int(since.timestamp() * 1e6)
            rows = self._db.execute(
                f"SELECT {_COLS} FROM track WHERE mmsi = ? AND t_us >= ? ORDER BY t_us",
                (mmsi, start),
            ).fetchall()
        return reports_from_rows(rows)

    def newest(self) -> datetime | None:
        """The time of the newest report stored, or ``None`` when empty."""
        with self._lock:
            (newest,) = self._db.execute(
                "SELECT value FROM meta WHERE key = 'newest_us'"
            ).fetchone()
        return datetime.fromtimestamp(newest / 1e6, UTC) if newest else None

    def counts(self) -> dict[str, int]:
        """Rows per table (vessels, static, track points)."""
        with self._lock:
            db = self._db
            return {
                name: int(db.execute(f"SELECT count(*) FROM {name}").fetchone()[0])
                for name in ("last", "static", "track")
            }

    @property
    def track_step_s(self) -> float:
        """Seconds between kept track points (0: every report kept)."""
        return self._step_us / 1e6

    @property
    def track_span(self) -> timedelta:
        """How much track is kept."""
        return timedelta(microseconds=self._span_us)


def _columns(table: pa.Table, idx: np.ndarray) -> list[list[object]]:
    """Columns ``mmsi, t_us, lon, lat, sog, cog, heading, nav, msg_type`` at ``idx``.

    Through numpy (``tolist`` makes plain Python numbers in C), with ``None`` where
    a value is null; ``to_pylist`` would build a pyarrow scalar per value first.
    """
    if not len(idx):
        return [[] for _ in table.column_names]
    part = table.take(pa.array(idx))
    cols = []
    for name in part.column_names:
        col = part.column(name)
        if name == "time":
            col = col.cast(pa.int64())
        values = col.to_numpy()
        if col.null_count:
            boxed = values.astype(object)
            boxed[col.is_null().to_numpy(zero_copy_only=False)] = None
            cols.append(boxed.tolist())
        else:
            cols.append(values.tolist())
    return cols


def _merged(statics: Sequence[VesselStatic]) -> list[VesselStatic]:
    """One record per MMSI, later non-empty fields over earlier ones."""
    out: dict[int, VesselStatic] = {}
    for s in statics:
        known = out.get(s.mmsi)
        if known is None:
            out[s.mmsi] = s
            continue
        out[s.mmsi] = VesselStatic(
            mmsi=s.mmsi,
            name=s.name or known.name,
            callsign=s.callsign or known.callsign,
            imo=s.imo or known.imo,
            ship_type=s.ship_type or known.ship_type,
            length_m=s.length_m or known.length_m,
            destination=s.destination or known.destination,
        )
    return list(out.values())


def _static_row(s: VesselStatic, seq: int) -> tuple[object, ...]:
    return (s.mmsi, s.name, s.callsign, s.imo, s.ship_type, s.length_m, s.destination, seq)
