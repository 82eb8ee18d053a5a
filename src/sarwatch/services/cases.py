"""The case service: records cases in a store, signing every event.

:class:`CaseService` joins the write use cases (:mod:`sarwatch.services.case_writes`)
and the integrity checks (:mod:`sarwatch.services.case_integrity`) over one store and
one station key, and answers the queries. The station's is built by the composition root,
:class:`sarwatch.services.container.Station`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from sarwatch.domain import Case, CaseProjection, CaseStatus
from sarwatch.errors import ConflictError, InputError
from sarwatch.ledger import LedgerEntry, Signer
from sarwatch.services.case_integrity import Anchor, CaseIntegrity
from sarwatch.services.case_writes import ATTACHMENT_KINDS, CaseWrites
from sarwatch.services.ports import CaseRecord, Store

__all__ = [
    "ATTACHMENT_KINDS",
    "Anchor",
    "CaseService",
    "default_land_check",
    "default_region_of",
    "default_sea_point",
]

#: How far in the future a reported time may lie (clock skew between devices).
_MAX_FUTURE = timedelta(minutes=5)


def default_land_check(lon: float, lat: float, *, cache_dir: Path | None = None) -> bool:
    """Whether a point is on land (full-resolution GSHHG, :mod:`sarwatch.geo.coast`).

    ``cache_dir`` is the coastline cache (``Settings.cache_dir``); default
    :func:`sarwatch.geo.coast.default_cache_dir`.

    Outside the packaged region (:data:`~sarwatch.geo.coast.REGION`) the GSHHG tiles
    answer (:func:`~sarwatch.geo.coast.land_mask_for`, the ones drift runs strand on).
    """
    from sarwatch.geo.coast import REGION, Region, land_mask, land_mask_for

    if bool(REGION.contains(lon, lat)):
        return bool(land_mask(cache_dir).contains([lon], [lat])[0])
    box = Region(
        max(lon - 0.01, -180.0), max(lat - 0.01, -90.0),
        min(lon + 0.01, 180.0), min(lat + 0.01, 90.0),
    )  # fmt: skip
    return bool(land_mask_for(box, cache_dir).contains([lon], [lat])[0])


def default_sea_point(
    lon: float, lat: float, *, cache_dir: Path | None = None
) -> tuple[float, float]:
    """The nearest point at sea to a point on land, ``(lon, lat)`` degrees (``geo.zones``;
    outside the packaged region from the GSHHG tiles).

    Raises
    ------
    InputError
        A position outside the packaged region on land and farther than
        :data:`~sarwatch.geo.zones.OUTSIDE_SEARCH_NM` from any coast.
    """
    from sarwatch.geo.coast import REGION
    from sarwatch.geo.position import format_position
    from sarwatch.geo.zones import OUTSIDE_SEARCH_NM, nearest_sea_point, nearest_sea_point_outside

    if bool(REGION.contains(lon, lat)):
        return nearest_sea_point(lon, lat, cache_dir=cache_dir)
    found = nearest_sea_point_outside(lon, lat, cache_dir=cache_dir)
    if found is None:
        raise InputError(
            f"position {format_position(lon, lat, decimals=2)} is on land, more than "
            f"{OUTSIDE_SEARCH_NM:g} nm from any coast; check the coordinates and that "
            "lat and lon are not swapped"
        )
    return found


def default_region_of(lon: float, lat: float) -> str:
    """The first SAR region containing the point, or ``"XX"`` (none of the packaged SAR
    regions: a position outside the packaged regions, 5–27°E, 29–43°N, for one)."""
    from sarwatch.geo.srr import srr_at

    regions = srr_at(lon, lat)
    return regions[0] if regions else "XX"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class CaseService(CaseWrites, CaseIntegrity):
    """Records cases in a store, signing every event.

    Parameters
    ----------
    store
        Where cases live.
    signer
        The station key.
    clock
        Current UTC time (injectable for tests and for the demo case).
    land_check
        ``(lon, lat) -> bool``: whether a reported position is on land (it is then
        recorded and flagged, see :meth:`report_position`).
    region_of
        ``(lon, lat) -> str``: the region code of a new case's id.
    sea_point
        ``(lon, lat) -> (lon, lat)``: the nearest sea point of a position on land.
    max_future
        How far in the future a reported time may lie.
    cache_dir
        The coastline cache (``Settings.cache_dir``) that the default land check, sea
        point and the report's map read; ``None``: the default cache.
    key_home
        The station home whose key ``signer`` was loaded from; given, a key rotated
        there by another process (``sarwatch key rotate`` beside a running server) is
        loaded before the next write or check (:meth:`refresh_signer`).
    """

    store: Store
    signer: Signer
    clock: Callable[[], datetime] = _now
    land_check: Callable[[float, float], bool] = default_land_check
    region_of: Callable[[float, float], str] = default_region_of
    max_future: timedelta = field(default=_MAX_FUTURE)
    sea_point: Callable[[float, float], tuple[float, float]] = default_sea_point
    cache_dir: Path | None = None
    key_home: Path | None = None
    _key_stamp: tuple[tuple[int, int] | None, ...] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._key_stamp = self._key_files_stamp()
        # The default checks read the configured coastline cache, not the default one.
        if self.cache_dir is not None:
            if self.land_check is default_land_check:
                self.land_check = partial(default_land_check, cache_dir=self.cache_dir)
            if self.sea_point is default_sea_point:
                self.sea_point = partial(default_sea_point, cache_dir=self.cache_dir)

    def _key_files_stamp(self) -> tuple[tuple[int, int] | None, ...] | None:
        """``(inode, mtime_ns)`` of the key file and the key history (``None`` if absent)."""
        if self.key_home is None:
            return None
        from sarwatch.ledger.keys import HISTORY_FILE, KEY_FILE

        stamps: list[tuple[int, int] | None] = []
        for name in (KEY_FILE, HISTORY_FILE):
            try:
                st = (Path(self.key_home) / name).stat()
            except FileNotFoundError:
                stamps.append(None)
            else:
                stamps.append((st.st_ino, st.st_mtime_ns))
        return tuple(stamps)

    def refresh_signer(self) -> Signer:
        """The station key as it is on disk now.

        A server keeps its service for days: a ``sarwatch key rotate`` run beside it
        (another process) retired the key it held, and everything it signed after that
        failed verification as signed by a retired key. Two ``stat`` calls per write
        notice the rotation; the new key and its history are loaded then.

        Raises
        ------
        IntegrityError
            A key that does not match the history (a rotation half-written: the next
            call, after it, loads the pair).
        """
        stamp = self._key_files_stamp()
        if stamp is not None and stamp != self._key_stamp:
            from sarwatch.ledger import load_or_create_signer

            assert self.key_home is not None
            self.signer = load_or_create_signer(self.key_home)
            self._key_stamp = stamp
        return self.signer

    def get(self, case_id: str) -> Case:
        """The current state of a case (:class:`NotFoundError` if unknown)."""
        return CaseProjection(self.get_record(case_id).state).case()

    def get_record(self, case_id: str) -> CaseRecord:
        """The stored projection (state as JSON and signed head)."""
        with self.store.unit_of_work() as uow:
            return uow.cases.get(case_id)

    def list_cases(
        self, *, statuses: Sequence[str] | None = None, limit: int = 100, offset: int = 0
    ) -> list[CaseRecord]:
        """Cases, most recently updated first."""
        if not 1 <= limit <= 1000:
            raise InputError(f"limit must be 1–1000, got {limit}")
        if offset < 0:
            raise InputError(f"offset must be >= 0, got {offset}")
        known = {status.value for status in CaseStatus}
        unknown = sorted(set(statuses or ()) - known)
        if unknown:
            raise InputError(
                f"unknown status {', '.join(map(repr, unknown))}; "
                f"statuses are: {', '.join(s.value for s in CaseStatus)}"
            )
        with self.store.unit_of_work() as uow:
            return uow.cases.page(statuses=statuses, limit=limit, offset=offset)

    def require_writable(self, case_id: str) -> CaseRecord:
        """The case, if events may still be added to it (checked before long work)."""
        record = self.get_record(case_id)
        if CaseStatus(record.status) is CaseStatus.CLOSED:
            raise ConflictError(
                f"case {case_id} is closed; nothing can be added. Open a new case if needed."
            )
        return record

    def events(self, case_id: str) -> list[LedgerEntry]:
        """A case's ledger entries by sequence number."""
        with self.store.unit_of_work() as uow:
            uow.cases.get(case_id)
            return uow.cases.events(case_id)
