"""Storing AIS batches in a process of its own, so that decoding and storing use two cores.

Decoding is Python work that holds the GIL; so is much of storing (binding SQLite
parameters, building Arrow arrays). On a thread the two take turns; in a second
process they run at the same time. The ingest sends each batch (an Arrow table of
reports and the static records) through a pipe and decodes the next one while the
worker writes the live-picture file and the Parquet archive. At most one batch is
in flight: the next send waits for the worker's answer about the previous one, so
a slow disk slows the feed instead of filling the memory.

The worker opens its own :class:`~sarwatch.adapters.ais.live_store.LiveStore` and
:class:`~sarwatch.adapters.ais.archive.ParquetArchive` from a :class:`StoreSpec`
(SQLite connections do not cross processes). It ignores Ctrl-C (the ingest closes
it in order, flushing the archive) and exits when the ingest goes away.
"""

from __future__ import annotations

import gc
import multiprocessing
import signal
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyarrow as pa

from sarwatch.adapters.ais.archive import ParquetArchive
from sarwatch.adapters.ais.live_store import LiveStore
from sarwatch.errors import InputError
from sarwatch.vessels.types import VesselStatic

__all__ = ["StoreSpec", "StoreWorker", "store_batch"]


@dataclass(frozen=True)
class StoreSpec:
    """Where and how a worker stores: enough to open the same stores in another process.

    Attributes
    ----------
    live_path
        The live-picture SQLite file, or ``None`` for no live picture.
    track_hours, track_step_s
        The live file's track span (hours) and thinning (seconds).
    archive_root
        The Parquet archive directory, or ``None`` for no archive.
    flush_rows
        Rows the archive buffers before writing.
    """

    live_path: Path | None
    track_hours: float
    track_step_s: float
    archive_root: Path | None
    flush_rows: int

    @classmethod
    def of(cls, live: LiveStore | None, archive: ParquetArchive | None) -> StoreSpec:
        """The spec that reopens ``live`` and ``archive`` (opened here, e.g. to check them)."""
        return cls(
            live_path=None if live is None else live.path,
            track_hours=6.0 if live is None else live.track_span.total_seconds() / 3600.0,
            track_step_s=60.0 if live is None else live.track_step_s,
            archive_root=None if archive is None else archive.root,
            flush_rows=0 if archive is None else archive.flush_rows,
        )

    def open(self) -> tuple[LiveStore | None, ParquetArchive | None]:
        """Open the stores this spec names."""
        live = (
            None
            if self.live_path is None
            else LiveStore(
                self.live_path, track_hours=self.track_hours, track_step_s=self.track_step_s
            )
        )
        archive = (
            None
            if self.archive_root is None
            else ParquetArchive(self.archive_root, flush_rows=self.flush_rows)
        )
        return live, archive


def store_batch(
    live: LiveStore | None,
    archive: ParquetArchive | None,
    table: pa.Table,
    statics: Sequence[VesselStatic],
) -> None:
    """Write one batch to the live file and the archive (either may be ``None``)."""
    if live is not None:
        live.write(table, statics)
    if archive is not None:
        when = None if table.num_rows else datetime.now(UTC)
        archive.append(table, statics, static_time=when)


class StoreWorker:
    """A child process that stores the batches it is sent.

    Parameters
    ----------
    spec
        The stores to open in the child.

    Notes
    -----
    The child is forked where that is safe (Linux, and this process runs a single
    thread: no start-up cost, no re-import); otherwise it comes from a fork server
    (a clean process, where the platform has one) or is spawned. Errors in the
    child (a full disk) come back as the exception, raised by the next
    :meth:`submit` or by :meth:`close`.
    """

    def __init__(self, spec: StoreSpec) -> None:
        ctx: Any = multiprocessing.get_context(_start_method())
        self._conn, child = ctx.Pipe(duplex=True)
        self._process = ctx.Process(
            target=_serve, args=(child, self._conn, spec), name="sarwatch-ais-store", daemon=True
        )
        self._process.start()
        child.close()
        self._in_flight = False
        #: Parquet files the child wrote, known after :meth:`close`.
        self.files_written = 0
        #: CPU seconds the child used, known after :meth:`close` (for benchmarks).
        self.cpu_s = 0.0

    def submit(self, table: pa.Table, statics: Sequence[VesselStatic]) -> None:
        """Send a batch; waits first until the previous one is stored."""
        self.wait()
        self._send(("write", table, list(statics)))
        self._in_flight = True

    def wait(self) -> None:
        """Wait until the batch in flight is stored; raise its error if it failed."""
        if not self._in_flight:
            return
        self._in_flight = False
        self._answer()

    def close(self) -> None:
        """Store what is in flight, flush the archive, stop the child."""
        try:
            self.wait()
            self._send(("close",))
            self.files_written, self.cpu_s = self._answer()
        finally:
            self._conn.close()
            self._process.join(timeout=60)
            if self._process.is_alive():  # pragma: no cover - a hung disk
                self._process.kill()
                self._process.join()

    def _send(self, message: tuple[Any, ...]) -> None:
        try:
            self._conn.send(message)
        except (OSError, EOFError) as exc:
            raise InputError(f"the AIS storing process has stopped: {exc}") from exc

    def _answer(self) -> Any:
        try:
            kind, value = self._conn.recv()
        except (OSError, EOFError) as exc:
            code = self._process.exitcode
            raise InputError(
                f"the AIS storing process has stopped (exit code {code}); "
                "the live picture and archive hold what was stored until then"
            ) from exc
        if kind == "error":
            raise value
        return value


def _start_method() -> str:
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


def _serve(conn: Connection, parent_end: Connection, spec: StoreSpec) -> None:
    """The child: open the stores, store what comes, answer each message."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent closes us in order
    # A forked child shares the parent's memory until it writes to it; the garbage
    # collector walking the inherited objects would write to (copy) all of them.
    gc.freeze()
    parent_end.close()  # a forked child holds a copy: it would hide the parent's exit
    try:
        live, archive = spec.open()
    except Exception as exc:
        _reply(conn, "error", exc)
        conn.close()
        return
    try:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):  # the parent went away
                return
            try:
                if message[0] == "write":
                    store_batch(live, archive, message[1], message[2])
                    _reply(conn, "ok", None)
                    continue
                if archive is not None:
                    archive.close()
                files = 0 if archive is None else archive.files_written
                _reply(conn, "closed", (files, time.process_time()))
            except Exception as exc:
                _reply(conn, "error", exc)
                if message[0] == "write":
                    continue
            return
    finally:
        if live is not None:
            live.close()
        conn.close()


def _reply(conn: Connection, kind: str, value: Any) -> None:
    try:
        conn.send((kind, value))
    except Exception:
        conn.send((kind, InputError(str(value)) if kind == "error" else None))
