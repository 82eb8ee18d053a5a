"""The public feed as static files: rendered when a public record may change, served as bytes.

The public list (:func:`sarwatch.services.feeds.public_cases`, the redaction of
:mod:`sarwatch.services.public_feed` unchanged) and the policy are written under
``<home_dir>/public/`` as ``cases.json`` and ``policy.json``, each replaced atomically
(written to a temporary file in the same directory, then renamed). Any web server or CDN
can serve that directory; ``sarwatch serve`` serves it too, from the files, with a strong
``ETag`` (the SHA-256 of the bytes) and ``Cache-Control``, and asks no database.

When it is rendered: after every committed case write (the case service's
``after_commit`` hook, set by :class:`~sarwatch.services.container.Station`), and by
``sarwatch public render`` (from cron, since a case also becomes public by ageing
``delay_h`` hours without news, or after a restore).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sarwatch.services.feeds import public_cases
from sarwatch.services.ports import Store
from sarwatch.services.public_feed import PublicPolicy

__all__ = [
    "CACHE_CONTROL",
    "FEED_FILES",
    "PublicFile",
    "PublicFiles",
    "Rendered",
    "matches_etag",
    "public_dir",
    "render_public",
    "render_quietly",
]

_log = logging.getLogger(__name__)

#: The files rendered, by the name the route serves.
FEED_FILES = ("cases.json", "policy.json")

#: How long a client or CDN may reuse a copy without asking again (s); then it revalidates
#: with ``If-None-Match`` and gets ``304 Not Modified`` while nothing changed.
CACHE_CONTROL = "public, max-age=30, stale-while-revalidate=60"

#: How many cases the static list holds (the route's default page).
FEED_LIMIT = 200


def public_dir(home_dir: Path | str) -> Path:
    """Where the public files live: ``<home_dir>/public``."""
    return Path(home_dir) / "public"


def etag_of(data: bytes) -> str:
    """The strong ETag of a file's bytes: the quoted SHA-256 hex digest."""
    return '"' + hashlib.sha256(data).hexdigest() + '"'


def matches_etag(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (RFC 9110, 13.1.2).

    The header may list several tags, weak (``W/"…"``) or strong, or be ``*``; the
    comparison is weak (a client's or proxy's ``W/`` copy of the tag matches).

    Examples
    --------
    >>> matches_etag('"a", W/"b"', '"b"'), matches_etag("*", '"b"'), matches_etag('"a"', '"b"')
    (True, True, False)
    >>> matches_etag(None, '"b"')
    False
    """
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    tags = (t.strip() for t in if_none_match.split(","))
    return any((t[2:] if t.startswith("W/") else t) == etag for t in tags)


#: Mode of the rendered files: they are the public record, readable by any user (a web
#: server serving the directory runs as another user); the directory is made 0755.
PUBLIC_FILE_MODE = 0o644


def _atomic_write(path: Path, data: bytes) -> None:
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o755)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, PUBLIC_FILE_MODE)  # mkstemp makes it 0600: unreadable to nginx
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


_render_lock = threading.Lock()


@dataclass(frozen=True)
class Rendered:
    """What a render wrote: each file's ETag by name, and the case ids in the feed."""

    etags: dict[str, str]
    case_ids: frozenset[str]


def render_public(store: Store, policy: PublicPolicy, now: datetime, out_dir: Path) -> Rendered:
    """Render the public files into ``out_dir``.

    A file whose bytes did not change is left alone (its ETag stays valid).
    """
    views = public_cases(store, policy, now, limit=FEED_LIMIT)
    contents = {
        "cases.json": _dumps(views),
        "policy.json": _dumps(
            {"delay_h": policy.delay_h, "round_deg": policy.round_deg,
             "description": policy.describe()}
        ),
    }  # fmt: skip
    tags: dict[str, str] = {}
    with _render_lock:
        for name, data in contents.items():
            path = out_dir / name
            try:
                unchanged = path.read_bytes() == data
            except FileNotFoundError:
                unchanged = False
            if not unchanged:
                _atomic_write(path, data)
            elif path.stat().st_mode & 0o777 != PUBLIC_FILE_MODE:  # earlier versions: 0600
                path.chmod(PUBLIC_FILE_MODE)
            tags[name] = etag_of(data)
    return Rendered(tags, frozenset(str(v["case_id"]) for v in views))


@dataclass(frozen=True)
class PublicFile:
    """One rendered file in memory: its bytes, ETag and the stat it was read at."""

    data: bytes
    etag: str
    stamp: tuple[int, int, int]


class PublicFiles:
    """Serves the rendered files: re-reads one only when its inode, size or mtime changed.

    Parameters
    ----------
    directory
        ``<home_dir>/public``.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._cache: dict[str, PublicFile] = {}

    def get(self, name: str) -> PublicFile | None:
        """The file ``name`` (one of :data:`FEED_FILES`), or ``None`` if not rendered yet."""
        if name not in FEED_FILES:
            raise KeyError(name)
        path = self.directory / name
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        cached = self._cache.get(name)
        if cached is not None and cached.stamp == stamp:
            return cached
        data = path.read_bytes()
        found = PublicFile(data, etag_of(data), stamp)
        self._cache[name] = found
        return found


def render_quietly(render: Callable[[], object]) -> None:
    """Run ``render`` (:meth:`Station.render_public`) for the write hook: a failure is
    logged, never raised.

    The case write has committed; the public files then lag until the next write or
    ``sarwatch public render``.
    """
    try:
        render()
    except Exception:  # the write already committed: say so in the log, do not fail it
        _log.exception("could not render the public feed")
