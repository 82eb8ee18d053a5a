"""Atomic file writes for caches and outputs shared between processes; private files.

A reader never sees a half-written file: data goes to a temporary file in the
same directory, which then replaces the target in one ``os.replace``. On any
error the temporary file is removed and the target is left as it was.

The station's state (the case store: live positions of people in distress, token
hashes) is created readable by its owner only: directories 0700, files 0600, as the
XDG base directory specification asks of the directories an application creates.
Existing files and directories are never changed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_writer", "create_private_file", "make_private_dirs", "write_bytes_atomic"]


@contextmanager
def atomic_writer(path: Path) -> Iterator[BinaryIO]:
    """Open a binary file that replaces ``path`` atomically when the block succeeds.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.npz"
    >>> with atomic_writer(target) as fh:
    ...     np.savez(fh, x=np.arange(3))
    >>> np.load(target)["x"].tolist()
    [0, 1, 2]
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_writer`)."""
    with atomic_writer(path) as fh:
        fh.write(data)


def make_private_dirs(path: Path) -> None:
    """Create ``path`` and any missing parents with mode 0700 (owner only).

    Directories that already exist keep their mode.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> new = pathlib.Path(tempfile.mkdtemp()) / "station" / "home"
    >>> make_private_dirs(new)
    >>> oct(new.stat().st_mode & 0o777), oct(new.parent.stat().st_mode & 0o777)
    ('0o700', '0o700')
    """
    path = Path(path)
    for directory in [*reversed(path.parents), path]:
        if not directory.exists():
            directory.mkdir(mode=0o700, exist_ok=True)


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 unless it exists; whether it was created.

    An existing file is left as it is (content and mode).
    """
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True
