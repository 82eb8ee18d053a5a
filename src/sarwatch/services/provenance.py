"""What went into a result, recorded so that a court or a colleague can redo it.

A drift run attached to a case carries its request (every parameter and the
seed), and for every forcing file its name, size, SHA-256 and the time window
that was read from it. Hashes of large NetCDF files are computed once per
process for a given (path, size, modification time).
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

import numpy as np

from sarwatch.drift.result import ForcingFile

__all__ = ["file_digest", "forcing_inputs", "request_record"]

_CHUNK = 1 << 20
_digests: dict[tuple[str, int, int], str] = {}
_digests_lock = threading.Lock()


def file_digest(path: Path) -> str:
    """SHA-256 hex of a file's content, read in 1 MiB chunks (cached per process)."""
    path = Path(path).resolve()
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _digests_lock:
        known = _digests.get(key)
    if known is not None:
        return known
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    with _digests_lock:
        _digests[key] = digest.hexdigest()
    return _digests[key]


def _window(times: Any) -> tuple[str, str] | None:
    values = np.asarray(times).astype("datetime64[s]")
    if values.size == 0:
        return None
    return (f"{values.min()}Z", f"{values.max()}Z")


def forcing_inputs(
    files: dict[str, tuple[Path, ...]],
    fields: dict[str, Any],
    products: dict[tuple[str, Path], dict[str, Any]] | None = None,
) -> tuple[ForcingFile, ...]:
    """One record per forcing file: role, name, bytes, SHA-256, time window read.

    Parameters
    ----------
    files
        Forcing files by role (``wind``, ``current``, ``stokes``).
    fields
        The vector fields built from them by role (a ``times`` array each), or ``None``.
    products
        For files of the forcing library, by ``(role, path)``: provider, product id,
        forecast run time and licence.

    Returns
    -------
    tuple of ForcingFile
        Role, file name, bytes, SHA-256 and window read; the window is the first and
        last time step read for the run (ISO 8601 UTC), the same for every file of a
        role (they are concatenated in time).
    """
    out = []
    for role, paths in files.items():
        field = fields.get(role)
        window = _window(field.times) if field is not None else None
        for path in paths:
            out.append(
                ForcingFile(
                    role=role,
                    file=Path(path).name,
                    bytes=Path(path).stat().st_size,
                    sha256=file_digest(Path(path)),
                    window_read=window,
                    product=(products or {}).get((role, Path(path))),
                )
            )
    return tuple(out)


def request_record(request: Any) -> dict[str, Any]:
    """A drift request as plain JSON, forcing files by name (their paths are local)."""
    from sarwatch.domain.events import to_json

    record: dict[str, Any] = to_json(request)
    for role in ("currents", "winds", "stokes"):
        record[role] = [Path(path).name for path in getattr(request, role)]
    sources = getattr(request, "forcing_sources", ())
    record.pop("forcing_sources", None)  # absent when empty: older records keep their form
    if sources:  # library files: by name and product, not local path
        record["forcing_sources"] = [
            {**s.product(), "role": s.role, "file": Path(s.path).name, "sha256": s.sha256}
            for s in sources
        ]
    return record
