"""Where AIS comes from: files, UDP and TCP feeds, aisstream.io, CSV exports, replays."""

from __future__ import annotations

from urllib.parse import urlsplit

from sarwatch.errors import InputError

__all__ = ["parse_source"]


def parse_source(source: str) -> tuple[str, str]:
    """Split a source argument into (kind, target).

    ``udp://HOST:PORT`` and ``tcp://HOST:PORT`` give ``("udp" | "tcp", "HOST:PORT")``;
    ``wss://...`` gives ``("wss", url)``; anything else is a file path.

    Raises
    ------
    InputError
        A URL scheme sarwatch does not read, or a missing port.
    """
    if "://" not in source:
        return "file", source
    parts = urlsplit(source)
    scheme = parts.scheme.lower()
    if scheme in ("udp", "tcp"):
        try:
            port = parts.port
        except ValueError:
            port = None
        if not parts.hostname or port is None:
            raise InputError(
                f"{source}: give {scheme}://HOST:PORT, e.g. {scheme}://127.0.0.1:10110"
            )
        return scheme, f"{parts.hostname}:{port}"
    if scheme in ("wss", "ws"):
        return "wss", source
    if scheme == "file":
        return "file", parts.path
    raise InputError(
        f"{source}: unknown source; give a file, udp://HOST:PORT, tcp://HOST:PORT or wss://..."
    )
