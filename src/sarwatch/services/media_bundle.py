"""Media files in an evidence bundle: members ``media/<sha256>``, checked by hash.

A media file is recorded in the ledger by its SHA-256 (a ``media`` attachment), so
the signed chain already vouches for it: the member is named by that digest and not
listed in ``manifest.json``. :func:`write_media` streams each file into the zip
(stored, not compressed: photos and videos are compressed already);
:func:`media_problems` hashes each member in chunks and names any that is not the file
the ledger recorded. A bundle made without media (``--no-media``) lists them by hash
only: :func:`media_left_out` names them, which is not a problem. Rules for other
verifiers: docs/evidence-format.md, "Media members".
"""

from __future__ import annotations

import hashlib
import shutil
import zipfile
import zlib
from pathlib import Path
from typing import Any

from sarwatch.ledger import LedgerEntry

__all__ = ["MEDIA_PREFIX", "media_left_out", "media_problems", "recorded_media", "write_media"]

#: The folder of media members in a bundle.
MEDIA_PREFIX = "media/"

_CHUNK = 1 << 20


def recorded_media(entries: list[LedgerEntry]) -> dict[str, int]:
    """The media files the ledger records: SHA-256 → size in bytes."""
    found: dict[str, int] = {}
    for entry in entries:
        p = entry.payload
        if entry.kind != "attachment_added" or p.get("kind") != "media":
            continue
        result: Any = (p.get("record") or {}).get("result") or {}
        digest, size = result.get("sha256"), result.get("size_bytes")
        if isinstance(digest, str) and isinstance(size, int):
            found[digest] = size
    return found


def write_media(
    zf: zipfile.ZipFile, entries: list[LedgerEntry], media_root: Path, info_of: Any
) -> list[str]:
    """Stream every recorded media file from ``media_root`` into ``zf``; the names written.

    ``info_of(name)`` gives the member's zip header (``evidence.member_info``). A file
    the store lacks is left out: the bundle lists it by hash only, and its verification
    says so.
    """
    from sarwatch.adapters.blobs.store import BlobStore

    blobs = BlobStore(media_root)
    written = []
    for digest in sorted(recorded_media(entries)):
        name = MEDIA_PREFIX + digest
        if not blobs.path(digest).is_file():
            continue
        info = info_of(name)
        info.compress_type = zipfile.ZIP_STORED
        with blobs.existing(digest).open("rb") as src, zf.open(info, "w", force_zip64=True) as dst:
            shutil.copyfileobj(src, dst, _CHUNK)
        written.append(name)
    return written


def media_problems(zf: zipfile.ZipFile, entries: list[LedgerEntry]) -> list[str]:
    """What is wrong with the bundle's ``media/`` members against the ledger."""
    recorded = recorded_media(entries)
    problems = []
    for info in zf.infolist():
        if not info.filename.startswith(MEDIA_PREFIX):
            continue
        digest = info.filename[len(MEDIA_PREFIX) :]
        if digest not in recorded:
            problems.append(f"{info.filename} is not a media file the ledger records")
            continue
        if info.file_size != recorded[digest]:
            problems.append(
                f"{info.filename} holds {info.file_size:,} bytes; the ledger recorded "
                f"{recorded[digest]:,}: modified after export"
            )
            continue
        sha = hashlib.sha256()
        try:
            with zf.open(info) as fh:
                for chunk in iter(lambda: fh.read(_CHUNK), b""):
                    sha.update(chunk)
        except (
            zipfile.BadZipFile,
            OSError,
            EOFError,
            ValueError,
            NotImplementedError,
            zlib.error,
        ) as exc:
            problems.append(f"{info.filename} cannot be read from the zip ({exc})")
            continue
        if sha.hexdigest() != digest:
            problems.append(f"{info.filename} was modified after export (SHA-256 differs)")
    return problems


def media_left_out(names: set[str], entries: list[LedgerEntry]) -> list[str]:
    """The recorded media files the bundle does not carry (listed by hash only)."""
    return sorted(d for d in recorded_media(entries) if MEDIA_PREFIX + d not in names)
