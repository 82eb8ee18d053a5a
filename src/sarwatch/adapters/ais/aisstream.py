"""aisstream.io: a websocket client for the free terrestrial AIS feed (hotlines ashore).

Protocol (``aisstream/ais-message-models`` type-definition.yaml; the example client):
open ``wss://stream.aisstream.io/v0/stream``, send within ~3 s a subscription
``{"APIKey": ..., "BoundingBoxes": [[[lat1, lon1], [lat2, lon2]]]}`` (corners as
**[lat, lon]**), then receive JSON messages ``{"MessageType", "MetaData", "Message":
{<MessageType>: {...}}}`` whose values are already in degrees and knots (with
AIS's "not available" codes). A refused key answers ``{"error": "..."}``.

The user's API key is sent in the subscription only: never logged, printed or put
in an error message. A lost connection is retried with exponential back-off; a
refused key is not (retrying cannot help).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sarwatch.adapters.ais.convert import PositionRow
from sarwatch.errors import AuthError, InputError
from sarwatch.vessels.types import VesselReport, VesselStatic

__all__ = ["AISSTREAM_URL", "CENTRAL_MED", "convert_message", "stream_aisstream", "subscription"]

AISSTREAM_URL = "wss://stream.aisstream.io/v0/stream"
#: lon_min, lat_min, lon_max, lat_max: the Central Mediterranean SAR theatre.
CENTRAL_MED = (10.0, 30.0, 20.0, 38.5)
BACKOFF = (1.0, 2.0, 60.0)
FLUSH_S = 0.5

_POSITION = {
    "PositionReport": None,  # the type is in MessageID (1, 2 or 3)
    "StandardClassBPositionReport": 18,
    "ExtendedClassBPositionReport": 19,
    "StandardSearchAndRescueAircraftReport": 9,
    "LongRangeAisBroadcastMessage": 27,
}
_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,6})?")


def subscription(api_key: str, bbox: Sequence[float]) -> dict[str, Any]:
    """The subscription message for ``bbox`` = (lon_min, lat_min, lon_max, lat_max)."""
    lon_min, lat_min, lon_max, lat_max = bbox
    return {"APIKey": api_key, "BoundingBoxes": [[[lat_min, lon_min], [lat_max, lon_max]]]}


def _time(meta: dict[str, Any]) -> datetime | None:
    text = meta.get("time_utc")
    if not isinstance(text, str):
        return None
    m = _TIME.search(text)
    if m is None:
        return None
    frac = (m.group(3) or "")[1:]
    micro = int(frac.ljust(6, "0")) if frac else 0
    try:
        base = datetime.fromisoformat(f"{m.group(1)}T{m.group(2)}").replace(tzinfo=UTC)
    except ValueError:
        return None
    return base.replace(microsecond=micro)


def _num(body: dict[str, Any], key: str) -> float | None:
    value = body.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.replace("@", " ").strip()
    return text or None


def _position(kind: str, body: dict[str, Any]) -> PositionRow | None:
    mmsi = body.get("UserID")
    lon, lat = _num(body, "Longitude"), _num(body, "Latitude")
    if not isinstance(mmsi, int) or lon is None or lat is None:
        return None
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        return None
    t = _POSITION[kind] or int(body.get("MessageID") or 1)
    sog, cog, hdg = _num(body, "Sog"), _num(body, "Cog"), _num(body, "TrueHeading")
    sog_limit = 63 if t == 27 else 1023 if t == 9 else 102.3
    status = body.get("NavigationalStatus")
    return (
        mmsi,
        lon,
        lat,
        None if sog is None or sog >= sog_limit else sog,
        None if cog is None or cog >= 360 else cog,
        None if hdg is None or hdg >= 360 or t in (9, 27) else hdg,
        status if isinstance(status, int) and (t <= 3 or t == 27) else None,
        t,
    )


def _length(dim: Any) -> float | None:
    if not isinstance(dim, dict):
        return None
    a, b = dim.get("A") or 0, dim.get("B") or 0
    return float(a + b) if (a or b) else None


def _static(kind: str, body: dict[str, Any]) -> VesselStatic | None:
    mmsi = body.get("UserID")
    if not isinstance(mmsi, int):
        return None
    if kind == "ShipStaticData":
        imo = body.get("ImoNumber")
        ship_type = body.get("Type")
        return VesselStatic(
            mmsi,
            name=_text(body.get("Name")),
            callsign=_text(body.get("CallSign")),
            imo=imo if isinstance(imo, int) and imo else None,
            ship_type=ship_type if isinstance(ship_type, int) and ship_type else None,
            length_m=_length(body.get("Dimension")),
            destination=_text(body.get("Destination")),
        )
    if kind == "StaticDataReport":
        a = body.get("ReportA") or {}
        b = body.get("ReportB") or {}
        name = _text(a.get("Name")) if a.get("Valid") else None
        if b.get("Valid"):
            ship_type = b.get("ShipType")
            return VesselStatic(
                mmsi,
                name=name,
                callsign=_text(b.get("CallSign")),
                ship_type=ship_type if isinstance(ship_type, int) and ship_type else None,
                length_m=_length(b.get("Dimension")),
            )
        return VesselStatic(mmsi, name=name) if name else None
    return None


def convert_message(
    message: dict[str, Any], now: datetime
) -> tuple[VesselReport | None, VesselStatic | None]:
    """One aisstream.io message to a report and/or static data (``None`` where absent).

    The time is the message's ``MetaData.time_utc`` (parsed defensively), else ``now``.
    """
    kind = message.get("MessageType")
    body = (message.get("Message") or {}).get(kind) if isinstance(kind, str) else None
    if not isinstance(body, dict):
        return None, None
    report = None
    if kind in _POSITION:
        row = _position(kind, body)
        if row is not None:
            when = _time(message.get("MetaData") or {}) or now
            report = VesselReport(row[0], when, *row[1:])
    static = None
    if kind in ("ShipStaticData", "StaticDataReport"):
        static = _static(kind, body)
    elif kind == "ExtendedClassBPositionReport":
        static = _static("ShipStaticData", body)  # type 19 carries name, type, size
    return report, static


async def stream_aisstream(
    api_key: str,
    bbox: Sequence[float],
    sink: Callable[[list[VesselReport], list[VesselStatic]], object],
    *,
    stop: asyncio.Event,
    url: str = AISSTREAM_URL,
    announce: Callable[[str], object] = lambda s: None,
    backoff: tuple[float, float, float] = BACKOFF,
    counts: dict[str, int] | None = None,
) -> dict[str, int]:
    """Receive aisstream.io messages until ``stop`` is set; reconnect with back-off.

    Returns counts: ``messages``, ``reports``, ``statics``, ``ignored`` (other message
    kinds, undecodable JSON) and ``connections``.

    Raises
    ------
    AuthError
        The service refused the API key (not retried).
    """
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidHandshake, WebSocketException

    counts = counts if counts is not None else {}
    for key in ("messages", "reports", "statics", "ignored", "connections"):
        counts.setdefault(key, 0)
    first, factor, longest = backoff
    delay = first
    reports: list[VesselReport] = []
    statics: list[VesselStatic] = []

    def flush() -> None:
        nonlocal reports, statics
        if reports or statics:
            sink(reports, statics)
            reports, statics = [], []

    while not stop.is_set():
        try:
            async with connect(url, open_timeout=10, max_size=2**20) as ws:
                counts["connections"] += 1
                await ws.send(json.dumps(subscription(api_key, bbox)))
                last_flush = asyncio.get_running_loop().time()
                while not stop.is_set():
                    try:
                        raw = await asyncio.wait_for(ws.recv(), FLUSH_S)
                    except TimeoutError:
                        flush()
                        continue
                    try:
                        message = json.loads(raw)
                    except ValueError:
                        counts["ignored"] += 1
                        continue
                    if isinstance(message, dict) and "error" in message:
                        raise AuthError(
                            f"aisstream.io refused the subscription: {message['error']}. "
                            "Check the API key in SARWATCH_AISSTREAM_API_KEY (not shown here)."
                        )
                    counts["messages"] += 1
                    delay = first  # a working connection resets the back-off
                    if not isinstance(message, dict):
                        counts["ignored"] += 1
                        continue
                    report, static = convert_message(message, datetime.now(UTC))
                    if report is None and static is None:
                        counts["ignored"] += 1
                    if report is not None:
                        counts["reports"] += 1
                        reports.append(report)
                    if static is not None:
                        counts["statics"] += 1
                        statics.append(static)
                    now = asyncio.get_running_loop().time()
                    if now - last_flush >= FLUSH_S or len(reports) >= 2000:
                        flush()
                        last_flush = now
        except AuthError:
            raise
        except (OSError, TimeoutError, InvalidHandshake, WebSocketException) as exc:
            flush()
            if stop.is_set():
                break
            announce(
                f"{url}: connection lost ({type(exc).__name__}); reconnecting in {delay:.0f} s"
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * factor, longest)
        except ValueError as exc:
            raise InputError(f"{url}: not a websocket URL sarwatch can open ({exc})") from None
    flush()
    return counts
