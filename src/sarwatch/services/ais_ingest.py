"""AIS ingest: lines in, the live picture and the archive out.

One :class:`AisIngest` per feed. Each batch of lines is decoded
(:class:`~sarwatch.adapters.ais.nmea.NmeaDecoder`), turned into one Arrow table,
written to the live-picture file (:class:`~sarwatch.adapters.ais.live_store.LiveStore`,
which ``sarwatch serve`` polls) and buffered for the Parquet archive. Sources that
already give values (CSV exports, the aisstream.io websocket) enter through
:meth:`AisIngest.add`.

Where things live, under the station's home: ``ais/live.sqlite`` and
``ais/archive/`` (docs/design/013-ais.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from sarwatch.adapters.ais.archive import ParquetArchive
from sarwatch.adapters.ais.columns import reports_table
from sarwatch.adapters.ais.files import iter_batches, open_nmea
from sarwatch.adapters.ais.live_store import LIVE_FILE, LiveStore
from sarwatch.adapters.ais.nmea import IngestSummary, NmeaDecoder
from sarwatch.adapters.ais.store_worker import StoreSpec, StoreWorker, store_batch
from sarwatch.settings import Settings
from sarwatch.vessels.picture import LivePicture
from sarwatch.vessels.types import VesselReport, VesselStatic

__all__ = [
    "AisIngest",
    "IngestSummary",
    "archive_root",
    "archive_track",
    "ingest_file",
    "live_path",
    "open_live_picture",
    "worth_a_process",
]

#: Files at least this large are stored from a second process (about 100,000 lines).
PROCESS_MIN_BYTES = 8_000_000


def worth_a_process(path: str | Path) -> bool:
    """Whether a file is large enough to store from a second process (compressed size)."""
    try:
        return Path(path).stat().st_size >= PROCESS_MIN_BYTES
    except OSError:
        return False  # the ingest says what is wrong with it


def live_path(settings: Settings) -> Path:
    """The live-picture file of this station."""
    return Path(settings.home_dir) / "ais" / LIVE_FILE


def archive_root(settings: Settings) -> Path:
    """The Parquet archive directory of this station."""
    return Path(settings.home_dir) / "ais" / "archive"


def open_live_picture(settings: Settings, *, refresh_s: float = 1.0) -> LivePicture:
    """The picture a server reads: pulled from the live file that ingests write."""
    return LivePicture(source=LiveStore(live_path(settings)), refresh_s=refresh_s)


class AisIngest:
    """Decode and store one feed.

    Parameters
    ----------
    live
        The live-picture file to write (``None``: do not keep a live picture).
    archive
        The Parquet archive (``None``: do not archive).
    clock
        The receiver's clock, for sentences without a tag-block time.
    background
        Store on a thread of its own while the next batch is decoded (the default):
        SQLite and Parquet do some of their work without the GIL, and a network
        listener's event loop never waits on a disk write. At most one batch waits.
    process
        Store in a child process instead (:class:`~sarwatch.adapters.ais.store_worker.StoreWorker`):
        decoding and storing then run on two cores at once. Worth it for files of
        more than a few MB (:func:`worth_a_process`); ``live`` and ``archive``
        are still opened here first, so that a bad path fails at once and clearly.

    Notes
    -----
    A storing error (a full disk) is raised by the next :meth:`feed`, :meth:`add`
    or :meth:`close`.
    """

    def __init__(
        self,
        live: LiveStore | None,
        archive: ParquetArchive | None,
        *,
        clock: Callable[[], datetime] | None = None,
        background: bool = True,
        process: bool = False,
    ) -> None:
        self.live = live
        self.archive = archive
        self.decoder = NmeaDecoder(clock=clock)
        self._worker = (
            StoreWorker(StoreSpec.of(live, archive))
            if process and (live is not None or archive is not None)
            else None
        )
        self._pool = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="ais-store")
            if background and self._worker is None
            else None
        )
        self._pending: Future[None] | None = None
        #: CPU seconds of the storing process, known after :meth:`close` (0 without one).
        self.worker_cpu_s = 0.0

    @classmethod
    def for_station(
        cls, settings: Settings, *, archive: bool = True, process: bool = False
    ) -> AisIngest:
        """The ingest that feeds this station's live file (and archive)."""
        return cls(
            LiveStore(live_path(settings)),
            ParquetArchive(archive_root(settings)) if archive else None,
            process=process,
        )

    @property
    def summary(self) -> IngestSummary:
        """What has been read so far."""
        return self.decoder.summary

    def feed(self, lines: Iterable[bytes | str]) -> int:
        """Decode and store a batch of NMEA lines; returns the reports stored."""
        batch = self.decoder.decode_batch(lines)
        if len(batch) or batch.statics:
            self._submit(batch.table(), batch.statics)
        return len(batch)

    def add(self, reports: Sequence[VesselReport], statics: Sequence[VesselStatic] = ()) -> None:
        """Store values decoded elsewhere (CSV rows, websocket messages)."""
        if reports or statics:
            self._submit(reports_table(reports), statics)

    def _submit(self, table: pa.Table, statics: Sequence[VesselStatic]) -> None:
        """Store a batch: in the storing process, on the storing thread, or here."""
        if self._worker is not None:
            self._worker.submit(table, statics)
            return
        self._wait()
        if self._pool is None:
            self._store(table, statics)
        else:
            self._pending = self._pool.submit(self._store, table, statics)

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _store(self, table: pa.Table, statics: Sequence[VesselStatic]) -> None:
        store_batch(self.live, self.archive, table, statics)

    def close(self) -> IngestSummary:
        """Count unfinished multi-part messages, finish storing, flush the archive."""
        summary = self.decoder.finish()
        try:
            self._wait()
            if self._worker is not None:
                self._worker.close()
                self.worker_cpu_s = self._worker.cpu_s
                if self.archive is not None:
                    self.archive.files_written += self._worker.files_written
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
            if self.archive is not None:
                self.archive.close()
            if self.live is not None:
                self.live.close()
        return summary


def ingest_file(
    ingest: AisIngest,
    path: str | Path,
    *,
    progress: Callable[[int], None] | None = None,
) -> IngestSummary:
    """Feed a recorded NMEA file (plain or gzip) to ``ingest``; the summary so far.

    ``progress`` gets the bytes read so far (compressed bytes for gzip). The caller
    closes ``ingest`` (which counts the fragments left over).

    Raises
    ------
    NotFoundError, InputError
        The file does not exist or cannot be read (one clear message).
    """
    with open_nmea(path) as fh:
        raw = getattr(fh, "fileobj", None) or fh  # gzip: progress in compressed bytes
        for batch in iter_batches(fh):
            ingest.feed(batch)
            if progress is not None:
                progress(raw.tell())
    return ingest.summary


def archive_track(
    settings: Settings, mmsi: int, start: datetime, end: datetime
) -> list[VesselReport]:
    """A vessel's archived reports in [start, end) (DuckDB over the Parquet archive)."""
    from sarwatch.adapters.ais.archive import query_track

    return query_track(archive_root(settings), mmsi, start, end)
