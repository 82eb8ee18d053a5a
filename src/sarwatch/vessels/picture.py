"""The live AIS picture in memory: the last state of every vessel and its recent track.

Pure and single-threaded by design: the adapter that feeds it (a listener, a file
ingest, a store poller) serialises access. Reports older than the vessel's last one
update its track but not its current position.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from sarwatch.vessels.types import VesselKind, VesselReport, VesselState, VesselStatic

__all__ = ["LivePicture", "kind_of"]

#: How long a track is kept in the live picture (older points go to the archive only).
TRACK_HOURS = 6.0


def kind_of(mmsi: int, static: VesselStatic | None, msg_type: int) -> VesselKind:
    """Classify a station from its MMSI, message type and AIS ship type.

    Parameters
    ----------
    mmsi
        The station's MMSI; 970xxxxxx is an AIS-SART (ITU-R M.585).
    static
        Its static data, if known (``ship_type`` per ITU-R M.1371 table 53).
    msg_type
        The AIS message type of its last report (9: SAR aircraft).
    """
    if 970_000_000 <= mmsi < 971_000_000:
        return VesselKind.SART
    if msg_type == 9 or 111_000_000 <= mmsi < 112_000_000:
        return VesselKind.SAR_AIRCRAFT
    code = static.ship_type if static is not None else None
    if code is None:
        return VesselKind.OTHER
    table = {
        30: VesselKind.FISHING,
        35: VesselKind.MILITARY,
        51: VesselKind.SAR_VESSEL,
        55: VesselKind.LAW_ENFORCEMENT,
    }
    if code in table:
        return table[code]
    if 60 <= code <= 69:
        return VesselKind.PASSENGER
    if 70 <= code <= 89:
        return VesselKind.MERCHANT
    return VesselKind.OTHER


class LivePicture:
    """Last state per MMSI and the last :data:`TRACK_HOURS` hours of each track."""

    def __init__(self, *, track_hours: float = TRACK_HOURS) -> None:
        self._track_span = timedelta(hours=track_hours)
        self._last: dict[int, VesselReport] = {}
        self._static: dict[int, VesselStatic] = {}
        self._tracks: dict[int, deque[VesselReport]] = {}

    def __len__(self) -> int:
        return len(self._last)

    def add_reports(self, reports: Iterable[VesselReport]) -> None:
        """Add position reports (any order); the newest per MMSI becomes its state."""
        for report in reports:
            last = self._last.get(report.mmsi)
            if last is None or report.time >= last.time:
                self._last[report.mmsi] = report
            track = self._tracks.setdefault(report.mmsi, deque())
            track.append(report)
            newest = self._last[report.mmsi].time
            while track and newest - track[0].time > self._track_span:
                track.popleft()

    def add_static(self, items: Iterable[VesselStatic]) -> None:
        """Merge static data by MMSI (fields not given keep their known values)."""
        for item in items:
            known = self._static.get(item.mmsi)
            if known is not None:
                given = {
                    k: getattr(item, k) for k in item.__slots__ if getattr(item, k) is not None
                }
                item = replace(known, **given)
            self._static[item.mmsi] = item

    def state(self, mmsi: int) -> VesselState | None:
        """The vessel's current state, or ``None`` if it has sent no position."""
        report = self._last.get(mmsi)
        if report is None:
            return None
        static = self._static.get(mmsi)
        return VesselState(report, static, kind_of(mmsi, static, report.msg_type))

    def vessels(
        self,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        since: datetime | None = None,
    ) -> list[VesselState]:
        """Vessels whose last report lies in ``bbox`` (lon_min, lat_min, lon_max, lat_max)
        and is not older than ``since``."""
        out = []
        for mmsi, report in self._last.items():
            if since is not None and report.time < since:
                continue
            if bbox is not None and not (
                bbox[0] <= report.lon <= bbox[2] and bbox[1] <= report.lat <= bbox[3]
            ):
                continue
            state = self.state(mmsi)
            assert state is not None
            out.append(state)
        return out

    def track(self, mmsi: int) -> list[VesselReport]:
        """The vessel's recent reports, oldest first."""
        return sorted(self._tracks.get(mmsi, ()), key=lambda r: r.time)
