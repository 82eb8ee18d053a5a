"""The live AIS picture in memory: the last state of every vessel and its recent track.

Fed directly (:meth:`LivePicture.add_reports`, :meth:`LivePicture.add_static`), it
is pure and single-threaded: the adapter that feeds it serialises access. Given a
:class:`PictureSource` (the live-picture file another process writes), it pulls
what changed since its last look, at most once per ``refresh_s`` seconds, when it is
read, under a lock (a server reads from several threads), and asks the source for
tracks. Reports older than the vessel's last one update its track but not its
current position.
"""

from __future__ import annotations

import threading
import time as _time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol

from sarwatch.vessels.types import VesselKind, VesselReport, VesselState, VesselStatic

__all__ = ["LivePicture", "PictureSource", "kind_of"]

#: How long a track is kept in the live picture (older points go to the archive only).
TRACK_HOURS = 6.0


_KIND_BY_TYPE = {
    30: VesselKind.FISHING,
    35: VesselKind.MILITARY,
    51: VesselKind.SAR_VESSEL,
    55: VesselKind.LAW_ENFORCEMENT,
}


#: MMSI prefixes (first three digits) of AIS distress devices: SART, MOB, EPIRB-AIS.
_DISTRESS_PREFIXES = frozenset({970, 972, 974})


def kind_of(mmsi: int, static: VesselStatic | None, msg_type: int) -> VesselKind:
    """Classify a station from its MMSI, message type and AIS ship type.

    Parameters
    ----------
    mmsi
        The station's MMSI; 970xxxxxx (AIS-SART), 972xxxxxx (man overboard) and
        974xxxxxx (EPIRB-AIS) are distress devices (ITU-R M.585), all :attr:`VesselKind.SART`.
    static
        Its static data, if known (``ship_type`` per ITU-R M.1371 table 53).
    msg_type
        The AIS message type of its last report (9: SAR aircraft).
    """
    if mmsi // 1_000_000 in _DISTRESS_PREFIXES:
        return VesselKind.SART
    if msg_type == 9 or 111_000_000 <= mmsi < 112_000_000:
        return VesselKind.SAR_AIRCRAFT
    code = static.ship_type if static is not None else None
    if code is None:
        return VesselKind.OTHER
    if code in _KIND_BY_TYPE:
        return _KIND_BY_TYPE[code]
    if 60 <= code <= 69:
        return VesselKind.PASSENGER
    if 70 <= code <= 89:
        return VesselKind.MERCHANT
    return VesselKind.OTHER


class PictureSource(Protocol):
    """Where a picture kept by another process is read from (the live-picture file)."""

    def changes(self, since_seq: int) -> tuple[list[VesselReport], list[VesselStatic], int]:
        """Last reports and static data changed after ``since_seq``; the new sequence."""
        ...

    def track(self, mmsi: int, since: datetime | None = None) -> list[VesselReport]:
        """The vessel's recent track points, oldest first."""
        ...


class LivePicture:
    """Last state per MMSI and the last :data:`TRACK_HOURS` hours of each track.

    Parameters
    ----------
    track_hours
        Hours of track kept in memory (when fed directly).
    source
        Read the picture from here instead (changes pulled on read, tracks on demand).
    refresh_s
        Least seconds between two pulls from ``source``.
    monotonic
        The clock for ``refresh_s`` (tests pass their own).
    """

    def __init__(
        self,
        *,
        track_hours: float = TRACK_HOURS,
        source: PictureSource | None = None,
        refresh_s: float = 1.0,
        monotonic: Callable[[], float] = _time.monotonic,
    ) -> None:
        self._track_span = timedelta(hours=track_hours)
        self._last: dict[int, VesselReport] = {}
        self._static: dict[int, VesselStatic] = {}
        self._tracks: dict[int, deque[VesselReport]] = {}
        self._states: dict[int, VesselState] = {}  # built on read, dropped on change
        self._source = source
        self._refresh_s = refresh_s
        self._monotonic = monotonic
        self._seq = 0
        self._pulled_at: float | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        self._maybe_refresh()
        return len(self._last)

    def refresh(self) -> int:
        """Pull what changed from the source now; returns the number of vessels updated."""
        if self._source is None:
            return 0
        with self._lock:
            reports, statics, seq = self._source.changes(self._seq)
            self._seq = seq
            self._pulled_at = self._monotonic()
            last, states = self._last, self._states
            for report in reports:
                known = last.get(report.mmsi)
                if known is None or report.time >= known.time:
                    last[report.mmsi] = report
                    states.pop(report.mmsi, None)
            for item in statics:
                self._static[item.mmsi] = item
                states.pop(item.mmsi, None)
        return len(reports)

    def _maybe_refresh(self) -> None:
        if self._source is None:
            return
        pulled = self._pulled_at
        if pulled is None or self._monotonic() - pulled >= self._refresh_s:
            self.refresh()

    def add_reports(self, reports: Iterable[VesselReport]) -> None:
        """Add position reports (any order); the newest per MMSI becomes its state."""
        for report in reports:
            last = self._last.get(report.mmsi)
            if last is None or report.time >= last.time:
                self._last[report.mmsi] = report
                self._states.pop(report.mmsi, None)
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
            self._states.pop(item.mmsi, None)

    def state(self, mmsi: int) -> VesselState | None:
        """The vessel's current state, or ``None`` if it has sent no position."""
        self._maybe_refresh()
        return self._state(mmsi)

    def _state(self, mmsi: int) -> VesselState | None:
        state = self._states.get(mmsi)
        if state is not None:
            return state
        report = self._last.get(mmsi)
        if report is None:
            return None
        static = self._static.get(mmsi)
        state = VesselState(report, static, kind_of(mmsi, static, report.msg_type))
        self._states[mmsi] = state
        return state

    def vessels(
        self,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        since: datetime | None = None,
    ) -> list[VesselState]:
        """Vessels whose last report lies in ``bbox`` (lon_min, lat_min, lon_max, lat_max)
        and is not older than ``since``."""
        self._maybe_refresh()
        out = []
        state_of = self._state
        for mmsi, report in list(self._last.items()):
            if since is not None and report.time < since:
                continue
            if bbox is not None and not (
                bbox[0] <= report.lon <= bbox[2] and bbox[1] <= report.lat <= bbox[3]
            ):
                continue
            state = state_of(mmsi)
            if state is not None:
                out.append(state)
        return out

    def track(self, mmsi: int) -> list[VesselReport]:
        """The vessel's recent reports, oldest first (ending with its current report)."""
        if self._source is None:
            return sorted(self._tracks.get(mmsi, ()), key=lambda r: r.time)
        self._maybe_refresh()
        points = {r.time: r for r in self._source.track(mmsi)}
        for report in self._tracks.get(mmsi, ()):  # reports added here directly
            points[report.time] = report
        last = self._last.get(mmsi)
        if last is not None:
            points.setdefault(last.time, last)
        return [points[t] for t in sorted(points)]
