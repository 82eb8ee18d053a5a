"""A content-addressed store of media files: ``<root>/ab/cd/<sha256>``, mode 0600.

A file is received into a temporary file under ``<root>/tmp`` while its SHA-256 and
size are computed, chunk by chunk (memory does not grow with the file), then moved
into place under its digest with one rename. A reception that fails or is abandoned
(:meth:`Reception.discard`) leaves no file. The same content received twice is
stored once.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sarwatch._files import make_private_dirs
from sarwatch.errors import InputError, NotFoundError

__all__ = ["BlobStore", "Reception", "TooLargeError"]

_SHA256 = re.compile(r"[0-9a-f]{64}")


class TooLargeError(InputError):
    """A file passed the store's size limit while it was received (HTTP 413)."""

    http_status = 413


@dataclass
class Reception:
    """A file being received: written to a temporary file while hashed.

    Use :meth:`BlobStore.receive`; :meth:`write` each chunk, then
    :meth:`BlobStore.keep` or :meth:`discard`.
    """

    path: Path
    max_bytes: int
    size_bytes: int = 0
    _fh: Any = None
    _hash: Any = field(default_factory=hashlib.sha256)

    def write(self, chunk: bytes) -> None:
        """Append ``chunk``; :class:`TooLargeError` (and nothing kept) past the limit."""
        self.size_bytes += len(chunk)
        if self.size_bytes > self.max_bytes:
            self.discard()
            raise TooLargeError(
                f"the file is larger than this station's media limit of {self.max_bytes:,} "
                "bytes; raise SARWATCH_MEDIA_MAX_BYTES on the station, or keep the file "
                "outside the case and record its name and SHA-256"
            )
        self._hash.update(chunk)
        self._fh.write(chunk)

    @property
    def sha256(self) -> str:
        """The SHA-256 (lowercase hex) of what was written so far."""
        return str(self._hash.hexdigest())

    def discard(self) -> None:
        """Drop what was received (the temporary file is removed)."""
        if self._fh is not None and not self._fh.closed:
            self._fh.close()
        self.path.unlink(missing_ok=True)


class BlobStore:
    """Media files under ``root``, named by SHA-256.

    Parameters
    ----------
    root
        The directory (``<home_dir>/media``); created 0700 on first use.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def receive(self, max_bytes: int) -> Reception:
        """Start receiving a file of at most ``max_bytes`` bytes."""
        tmp_dir = self.root / "tmp"
        make_private_dirs(tmp_dir)  # media/ too (mkdir's mode is not given to parents)
        fd, name = tempfile.mkstemp(prefix="upload-", dir=tmp_dir)  # mode 0600
        return Reception(Path(name), max_bytes, _fh=os.fdopen(fd, "wb"))

    def keep(self, reception: Reception) -> tuple[str, bool]:
        """Move a finished reception into place; its SHA-256 and whether it is new.

        The file is flushed to disk before the rename, so that a ledger event that
        names it never outlives it in a power cut.
        """
        fh = reception._fh
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()
        digest = reception.sha256
        target = self.path(digest)
        if target.exists():
            reception.path.unlink(missing_ok=True)
            return digest, False
        make_private_dirs(target.parent)
        os.replace(reception.path, target)
        return digest, True

    def path(self, sha256: str) -> Path:
        """Where the file of ``sha256`` is (or would be) stored."""
        if not _SHA256.fullmatch(sha256):
            raise InputError(f"not a SHA-256 (64 lowercase hex digits): {sha256[:80]!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def existing(self, sha256: str) -> Path:
        """The stored file of ``sha256``; :class:`NotFoundError` if the store lacks it."""
        path = self.path(sha256)
        if not path.is_file():
            raise NotFoundError(f"media {sha256} is not in this station's media store {self.root}")
        return path

    def remove(self, sha256: str) -> None:
        """Remove a file kept by mistake (its ledger event was refused)."""
        self.path(sha256).unlink(missing_ok=True)
