"""Where AIS comes from: network feeds (UDP, TCP, aisstream.io), CSV exports, replays.

Each source hands its lines (or values) to an
:class:`~sarwatch.services.ais_ingest.AisIngest`, which decodes and stores them in
batches. Network sources run an asyncio loop until Ctrl-C or ``max_seconds``.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import time as _time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from sarwatch.adapters.ais.aisstream import CENTRAL_MED, stream_aisstream
from sarwatch.adapters.ais.csv_exports import read_csv_export
from sarwatch.adapters.ais.files import iter_batches, open_nmea
from sarwatch.adapters.ais.net import read_tcp, read_udp
from sarwatch.adapters.ais.nmea import split_tag_time
from sarwatch.errors import InputError
from sarwatch.geo.bbox import parse_bbox as read_bbox
from sarwatch.services.ais_ingest import AisIngest
from sarwatch.settings import Settings
from sarwatch.vessels.types import VesselReport, VesselStatic

__all__ = ["ingest_csv", "ingest_network", "parse_bbox", "parse_source", "replay_file"]


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


def parse_bbox(text: str | None) -> tuple[float, float, float, float]:
    """The ``--bbox`` of a feed (:func:`sarwatch.geo.bbox.parse_bbox`), default the
    Central Mediterranean."""
    return read_bbox(text, name="--bbox") or CENTRAL_MED


def _host_port(target: str) -> tuple[str, int]:
    host, _, port = target.rpartition(":")
    return host, int(port)


def ingest_csv(ingest: AisIngest, path: Path, fmt: str) -> None:
    """Feed a CSV export (``dma``, ``noaa`` or ``generic``) to ``ingest``.

    Rows are counted as lines in the ingest's summary, unusable ones skipped by reason.
    """
    summary = ingest.summary
    for batch in read_csv_export(path, fmt):
        summary.lines += batch.rows
        used = len(batch.reports)
        summary.used += used
        summary.messages += used
        for reason, n in batch.skipped.items():
            summary.skipped[reason] += n
        summary.reports += used
        summary.statics += len(batch.statics)
        ingest.add(batch.reports, batch.statics)


def ingest_network(
    ingest: AisIngest,
    kind: str,
    target: str,
    *,
    settings: Settings,
    bbox: str | None = None,
    max_seconds: float | None = None,
    announce: Callable[[str], object] = lambda s: None,
) -> None:
    """Run a UDP listener, a TCP client or the aisstream.io client into ``ingest``.

    Stops after ``max_seconds`` (if given), on SIGTERM, or on Ctrl-C (``KeyboardInterrupt``).

    Raises
    ------
    InputError
        The port is in use, the receiver unreachable, no API key, a bad bounding box.
    """
    key: str | None = None
    box: tuple[float, float, float, float] | None = None
    if kind == "wss":
        secret = settings.aisstream_api_key
        key = secret.get_secret_value().strip() if secret is not None else None
        if not key:
            raise InputError(
                "aisstream.io needs your API key: set SARWATCH_AISSTREAM_API_KEY "
                "(free at https://aisstream.io)"
            )
        box = parse_bbox(bbox)
    asyncio.run(_run(ingest, kind, target, key, box, max_seconds, announce))


async def _run(
    ingest: AisIngest,
    kind: str,
    target: str,
    key: str | None,
    box: Sequence[float] | None,
    max_seconds: float | None,
    announce: Callable[[str], object],
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if max_seconds is not None:
        loop.call_later(max_seconds, stop.set)
    # a service manager stops a listener with SIGTERM: stop as on Ctrl-C, so that the
    # caller closes the ingest (the archive's last reports written, the summary printed)
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    if kind == "udp":
        host, port = _host_port(target)
        await read_udp(
            host,
            port,
            ingest.feed,
            stop=stop,
            ready=lambda addr: announce(f"listening on udp://{addr[0]}:{addr[1]} (Ctrl-C stops)"),
        )
    elif kind == "tcp":
        host, port = _host_port(target)
        announce(f"reading tcp://{host}:{port} (Ctrl-C stops)")
        await read_tcp(host, port, ingest.feed, stop=stop, announce=announce)
    else:
        summary = ingest.summary

        def sink(reports: list[VesselReport], statics: list[VesselStatic]) -> None:
            summary.lines += len(reports) + len(statics)
            summary.used += len(reports) + len(statics)
            summary.messages += len(reports) + len(statics)
            summary.reports += len(reports)
            summary.statics += len(statics)
            ingest.add(reports, statics)

        announce(f"streaming {target} for {box} (lon_min, lat_min, lon_max, lat_max)")
        assert box is not None and key is not None
        await stream_aisstream(
            key,
            box,
            sink,
            stop=stop,
            url=target,
            announce=announce,
        )


def replay_file(
    path: str | Path,
    *,
    speed: float,
    to: str,
    settings: Settings,
    announce: Callable[[str], object] = lambda s: None,
    sleep: Callable[[float], object] = _time.sleep,
    clock: Callable[[], float] = _time.monotonic,
) -> str:
    """Replay a recording at ``speed`` x real time into a UDP port or this station's store.

    Sentences go out without their tag blocks, so the receiving side stamps them
    when they arrive (an exercise looks live). The gaps come from the tag-block
    ``c:`` times, divided by ``speed``; lines without a time go out with the line
    before; a file without any time is sent at ``speed`` lines per second.

    Returns
    -------
    str
        One line: what was sent, where, and how long it took.

    Raises
    ------
    InputError
        A speed that is not positive, a destination that is neither ``store`` nor
        ``udp://HOST:PORT``, or an unreadable file.
    """
    if not speed > 0:
        raise InputError(f"--speed {speed}: give a positive factor, e.g. 60")
    if to == "store":
        ingest: AisIngest | None = AisIngest.for_station(settings)
        sock = None
        address = None
    else:
        kind, target = parse_source(to)
        if kind != "udp":
            raise InputError(f"--to {to}: give 'store' or udp://HOST:PORT")
        ingest = None
        host, port = _host_port(target)
        try:  # resolved once, before the replay: a wrong host is said as one
            address = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_DGRAM)[0][4]
        except (socket.gaierror, UnicodeError) as exc:
            raise InputError(
                f"--to {to}: cannot resolve the host {host!r} ({exc}); give the receiver's "
                "address, e.g. udp://127.0.0.1:10110"
            ) from None
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sent = 0
    start = clock()
    first_time: datetime | None = None
    last_time: datetime | None = None
    pending: list[bytes] = []

    def flush() -> None:
        nonlocal sent
        if not pending:
            return
        if sock is not None and address is not None:
            for line in pending:
                sock.sendto(line + b"\r\n", address)
        elif ingest is not None:
            ingest.feed(pending)
        sent += len(pending)
        pending.clear()

    try:
        with open_nmea(path) as fh:
            for batch in iter_batches(fh, batch_lines=2_000):
                for raw in batch:
                    line, when = split_tag_time(raw)
                    if not line:
                        continue
                    when = when or last_time
                    if when is None:
                        due = (sent + len(pending)) / speed
                    else:
                        first_time = first_time or when
                        last_time = when
                        due = (when - first_time).total_seconds() / speed
                    wait = start + due - clock()
                    if wait > 0:
                        flush()
                        sleep(wait)
                    pending.append(line)
                    if len(pending) >= 500:
                        flush()
                flush()
    finally:
        with contextlib.suppress(Exception):
            flush()
        if sock is not None:
            sock.close()
        if ingest is not None:
            ingest.close()
    where = "the store" if ingest is not None else to
    took = clock() - start
    return f"replayed {sent} sentences into {where} at {speed:g}x in {took:.1f} s"
