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

__all__ = [
    "atomic_writer",
    "check_writable",
    "create_private_file",
    "make_private_dirs",
    "write_bytes_atomic",
]


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


def check_writable(path: Path, what: str = "output") -> None:
    """Refuse, before any work, an output file that cannot be written.

    The file itself need not exist; its nearest existing directory must accept a new
    file (tried with a temporary file, so a read-only mount, ``/proc`` or a missing
    permission is found even for root), and an existing file must not be a directory.

    Raises
    ------
    sarwatch.errors.InputError
        Naming the path, why it cannot be written and what to do.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> check_writable(pathlib.Path(tempfile.mkdtemp()) / "new" / "s.json")
    >>> check_writable(pathlib.Path("/proc/s.json"))
    Traceback (most recent call last):
    ...
    sarwatch.errors.InputError: cannot write the output /proc/s.json: ...
    """
    from sarwatch.errors import InputError

    path = Path(path)
    fix = "give a path in a directory you can write to"
    if path.is_dir():
        raise InputError(f"the {what} {path} is a directory; {fix} (a file name)")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"cannot write the {what} {path}: it is read-only; {fix}")
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(f"cannot write the {what} {path}: {ancestor} is not a directory; {fix}")
    try:
        fd, tmp = tempfile.mkstemp(dir=ancestor, prefix=".sarwatch-write-test-")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(
            f"cannot write the {what} {path}: {ancestor} does not take new files ({reason}); {fix}"
        ) from None
    os.close(fd)
    Path(tmp).unlink(missing_ok=True)
