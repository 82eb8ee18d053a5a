"""Reading recorded NMEA files: plain or gzip, in batches of lines, with their size.

A file that cannot be read raises one :class:`~sarwatch.errors.InputError` (or
:class:`~sarwatch.errors.NotFoundError`) naming it, never a bare ``OSError``.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from sarwatch.errors import InputError, NotFoundError

__all__ = ["BATCH_LINES", "is_gzip", "iter_batches", "open_nmea"]

#: Lines decoded and stored together: a batch writes each vessel once (its newest
#: report), so larger batches mean fewer upserts (100k lines: about a second of work).
BATCH_LINES = 100_000
_GZIP_MAGIC = b"\x1f\x8b"


def is_gzip(path: Path) -> bool:
    """Whether ``path`` starts with the gzip magic bytes (the name is not trusted)."""
    with open(path, "rb") as fh:
        return fh.read(2) == _GZIP_MAGIC


def open_nmea(path: str | Path) -> IO[bytes]:
    """Open a recorded NMEA file (plain text or gzip) for reading bytes.

    Raises
    ------
    NotFoundError
        The file does not exist.
    InputError
        It is a directory, unreadable, or not valid gzip although it says so.
    """
    path = Path(path)
    if not path.exists():
        raise NotFoundError(f"AIS file {path} does not exist: check the path")
    if path.is_dir():
        raise InputError(f"{path} is a directory: give an NMEA file (.txt, .nmea, .gz)")
    try:
        if is_gzip(path):
            return gzip.open(path, "rb")  # type: ignore[return-value]
        return open(path, "rb", buffering=1 << 20)
    except OSError as exc:
        raise InputError(f"cannot read AIS file {path}: {exc.strerror or exc}") from exc


def iter_batches(fh: IO[bytes], *, batch_lines: int = BATCH_LINES) -> Iterator[list[bytes]]:
    """Lines of ``fh`` in lists of ``batch_lines`` (the last one may be shorter).

    Raises
    ------
    InputError
        The file is damaged (a gzip stream cut short or corrupt).
    """
    try:
        while True:
            batch = fh.readlines(batch_lines * 80)
            if not batch:
                return
            yield batch
    except (OSError, EOFError, gzip.BadGzipFile, io.UnsupportedOperation) as exc:
        name = getattr(fh, "name", "the file")
        raise InputError(f"cannot read {name!s}: {exc}; is the file complete?") from exc
