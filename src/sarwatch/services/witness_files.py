"""The witness's append-only JSON-lines files, safe against a crash in the middle of a write.

A witness keeps its trust decisions (``witness/trust.jsonl``) and each station's
cosigned checkpoints (``witness/<key_id>.jsonl``) one JSON line each, appended and
fsynced. A crash (power cut, killed process) in the middle of an append can leave the
last line cut short, without its newline: that write was never acknowledged (the
command or the request that made it did not return), so it never happened. Read, such
a torn last line is left out (:func:`complete_lines`); the next append removes it
first (:func:`append_line`), so that the new line does not run on from the torn one
and leave the file unreadable. Appends by several processes (server workers, the
command line) take an exclusive lock on the file, so that none of them removes a line
another has just written.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["append_line", "complete_lines", "exclusive"]


def complete_lines(text: str) -> list[str]:
    """The lines of an append-only file's ``text``, less a torn last line.

    A last line without its newline is kept when it is whole (a JSON value: someone
    edited the file and left the newline out) and left out when it is not (a crash cut
    an append short: a strict start of a JSON object is never JSON). Blank lines are
    kept, so that a line's number is its place in the file.

    Examples
    --------
    >>> complete_lines('{"a": 1}\\n{"b": 2}\\n')
    ['{"a": 1}', '{"b": 2}']
    >>> complete_lines('{"a": 1}\\n{"b": ')  # a crash cut the second append short
    ['{"a": 1}']
    >>> complete_lines('{"a": 1}\\n{"b": 2}')  # edited by hand, no newline at the end
    ['{"a": 1}', '{"b": 2}']
    >>> complete_lines("")
    []
    """
    *lines, tail = text.split("\n")
    if tail.strip() and _whole(tail):
        lines.append(tail)
    return lines


def _whole(line: str | bytes) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def append_line(path: Path, line: str) -> None:
    """Append ``line`` and a newline to ``path``, fsynced, under an exclusive lock.

    A torn last line (no newline: a crash in an earlier append) is removed first.
    The file is created readable by its owner only (0600).

    Raises
    ------
    ValueError
        If ``line`` holds a newline (it would be read as two records).
    """
    if "\n" in line or "\r" in line:
        raise ValueError("a record of an append-only file must be one line")
    data = (line + "\n").encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            start = _start_of_last_line(fd, size)
            if _whole(os.pread(fd, size - start, start)):
                data = b"\n" + data  # a whole line left without its newline (an edit)
            else:
                os.ftruncate(fd, start)  # torn by a crash: never acknowledged
        view = memoryview(data)
        while view:  # a regular file takes it all at once, unless the disk is full
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)  # releases the lock


def _start_of_last_line(fd: int, size: int) -> int:
    """Offset just after the last newline of the file (0: none)."""
    end = size
    while end > 0:
        start = max(0, end - 65_536)
        cut = os.pread(fd, end - start, start).rfind(b"\n")
        if cut >= 0:
            return start + cut + 1
        end = start
    return 0


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (created 0600, empty) for the block:
    one process at a time, among the server's workers and the command line."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
