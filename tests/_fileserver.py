"""A static file server on loopback for the provider clients (HEAD, GET, single byte ranges)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Handler(BaseHTTPRequestHandler):
    root: Path
    log: list[tuple[str, str, str | None]]

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _file(self) -> Path | None:
        path = (self.root / self.path.split("?")[0].lstrip("/")).resolve()
        if self.root not in path.parents or not path.is_file():
            return None
        return path

    def do_HEAD(self) -> None:
        path = self._file()
        self.log.append(("HEAD", self.path, None))
        if path is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(path.stat().st_size))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()

    def do_GET(self) -> None:
        path = self._file()
        rng = self.headers.get("Range")
        self.log.append(("GET", self.path, rng))
        if path is None:
            self.send_error(404)
            return
        data = path.read_bytes()
        m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng or "")
        if rng and m is None:
            self.send_error(416, "one range only")
            return
        if m is not None:
            start = int(m.group(1))
            end = int(m.group(2)) if m.group(2) else len(data) - 1
            body = data[start : end + 1]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{start + len(body) - 1}/{len(data)}")
        else:
            body = data
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serve_files(root: Path) -> Iterator[tuple[str, list[tuple[str, str, str | None]]]]:
    """Serve ``root`` on 127.0.0.1 (a free port): the base URL and the request log."""
    log: list[tuple[str, str, str | None]] = []
    handler = type("Handler", (_Handler,), {"root": Path(root).resolve(), "log": log})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()
