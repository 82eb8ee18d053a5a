"""Atomic file writes for caches and outputs shared between processes.

A reader never sees a half-written file: data goes to a temporary file in the
same directory, which then replaces the target in one ``os.replace``. On any
error the temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_writer", "write_bytes_atomic"]


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
