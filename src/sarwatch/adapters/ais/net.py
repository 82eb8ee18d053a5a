"""NMEA over the network: a UDP listener and a TCP client (asyncio).

Aboard, the ship's AIS receiver sends NMEA sentences as UDP datagrams to a port
(often 10110) or serves them over TCP. Both readers hand lines to ``sink`` in
batches (every :data:`FLUSH_S` seconds or :data:`FLUSH_LINES` lines), so the
ingest stores in batches too. The TCP client reconnects with exponential back-off
when the receiver goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from collections.abc import Callable

from sarwatch.errors import InputError

__all__ = ["FLUSH_LINES", "FLUSH_S", "LineBatcher", "read_tcp", "read_udp"]

FLUSH_S = 0.5
#: UDP receive buffer asked of the kernel (it may grant less).
RCVBUF_BYTES = 4 << 20
FLUSH_LINES = 2_000
#: Back-off between reconnections: first wait, factor, longest wait (seconds).
BACKOFF = (1.0, 2.0, 60.0)


class LineBatcher:
    """Collect lines (from datagrams or a byte stream) and flush them in batches."""

    def __init__(self, sink: Callable[[list[bytes]], object]) -> None:
        self._sink = sink
        self._lines: list[bytes] = []
        self._partial = b""
        self.received = 0

    def add_bytes(self, data: bytes, *, datagram: bool = False) -> None:
        """Split ``data`` into lines; a datagram's last line is complete even without EOL."""
        data = self._partial + data
        parts = data.split(b"\n")
        self._partial = b"" if datagram else parts.pop()
        if datagram and parts and not parts[-1]:
            parts.pop()
        self._lines.extend(p.rstrip(b"\r") for p in parts)
        self.received += len(parts)
        if len(self._lines) >= FLUSH_LINES:
            self.flush()

    def flush(self) -> None:
        """Hand what is collected to the sink."""
        if self._lines:
            lines, self._lines = self._lines, []
            self._sink(lines)


async def _flusher(batcher: LineBatcher) -> None:
    while True:
        await asyncio.sleep(FLUSH_S)
        batcher.flush()


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, batcher: LineBatcher) -> None:
        self.batcher = batcher

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.batcher.add_bytes(data, datagram=True)


async def read_udp(
    host: str,
    port: int,
    sink: Callable[[list[bytes]], object],
    *,
    stop: asyncio.Event,
    ready: Callable[[tuple[str, int]], object] | None = None,
) -> int:
    """Listen for NMEA datagrams on ``host:port`` until ``stop`` is set; lines received.

    Raises
    ------
    InputError
        The port cannot be bound (in use, or not allowed).
    """
    loop = asyncio.get_running_loop()
    batcher = LineBatcher(sink)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        # A receiver sends a second's sentences in a burst: room for a few seconds.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF_BYTES)
        sock.bind((host, port))
        transport, _ = await loop.create_datagram_endpoint(lambda: _Udp(batcher), sock=sock)
    except OSError as exc:
        sock.close()
        if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
            why = (
                f"{host} is not an address of this machine: give udp://0.0.0.0:{port} (every "
                f"interface) or udp://127.0.0.1:{port} (this machine only)"
            )
        else:
            why = "another program may use the port: stop it or choose another port"
        raise InputError(
            f"cannot listen on udp://{host}:{port} ({exc.strerror or exc}); {why}"
        ) from None
    if ready is not None:
        ready(transport.get_extra_info("sockname")[:2])
    flusher = asyncio.create_task(_flusher(batcher))
    try:
        await stop.wait()
    finally:
        flusher.cancel()
        transport.close()
        batcher.flush()
    return batcher.received


async def read_tcp(
    host: str,
    port: int,
    sink: Callable[[list[bytes]], object],
    *,
    stop: asyncio.Event,
    announce: Callable[[str], object] = lambda s: None,
    backoff: tuple[float, float, float] = BACKOFF,
) -> int:
    """Read NMEA lines from a receiver serving TCP; reconnect with back-off; lines read.

    The first connection failing is an error (a wrong address should be said at
    once); later drops are retried after ``first * factor**n`` seconds, at most
    ``longest``, until ``stop`` is set.
    """
    batcher = LineBatcher(sink)
    first, factor, longest = backoff
    delay = first
    connected_once = False
    flusher = asyncio.create_task(_flusher(batcher))
    try:
        while not stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError as exc:
                if not connected_once:
                    raise InputError(
                        f"cannot connect to tcp://{host}:{port} ({exc.strerror or exc}); "
                        "check the receiver's address and port"
                    ) from None
                announce(f"tcp://{host}:{port} unreachable; retrying in {delay:.0f} s")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(delay * factor, longest)
                continue
            connected_once = True
            delay = first
            try:
                while not stop.is_set():
                    read = asyncio.ensure_future(reader.read(65536))
                    stopped = asyncio.ensure_future(stop.wait())
                    done, _ = await asyncio.wait(
                        {read, stopped}, return_when=asyncio.FIRST_COMPLETED
                    )
                    stopped.cancel()
                    if read not in done:
                        read.cancel()
                        break
                    data = read.result()
                    if not data:
                        announce(f"tcp://{host}:{port} closed the connection; reconnecting")
                        break
                    batcher.add_bytes(data)
            except OSError as exc:
                announce(f"tcp://{host}:{port}: {exc.strerror or exc}; reconnecting")
            finally:
                writer.close()
    finally:
        flusher.cancel()
        batcher.flush()
    return batcher.received
