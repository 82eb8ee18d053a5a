"""Assess many positions at once, without routing: zone, SAR regions, distance to coast.

Vectorised over the packaged region; positions outside it are answered one by one from
the global GSHHG tiles (:func:`sarwatch.geo.zones.assess_coast_outside`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from sarwatch.errors import InputError
from sarwatch.geo.coast import REGION
from sarwatch.geo.srr import srr_membership
from sarwatch.geo.zones import assess_coast, assess_coast_outside

if TYPE_CHECKING:
    from sarwatch.settings import Settings

__all__ = ["BatchAssessment", "assess_positions"]


@dataclass(frozen=True)
class BatchAssessment:
    """Zone, SAR regions and distance to coast for many positions (arrays of length n)."""

    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    on_land: npt.NDArray[np.bool_]
    distance_to_coast_nm: npt.NDArray[np.float64]
    nearest_coast_state: npt.NDArray[np.str_]
    zone: npt.NDArray[np.str_]
    zone_state: npt.NDArray[np.str_]
    srr: dict[str, npt.NDArray[np.bool_]]
    #: True outside the packaged regions (no SAR region, RCC or port data there; distance
    #: NaN beyond 60 nm from the coast).
    outside: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def srr_lists(self) -> list[list[str]]:
        """Per position, the ids of the SAR regions containing it."""
        ids = list(self.srr)
        if not ids:
            return [[] for _ in range(self.lon.size)]
        table = np.column_stack([self.srr[i] for i in ids])
        return [[ids[j] for j in np.flatnonzero(row)] for row in table]


def assess_positions(
    lon: npt.ArrayLike, lat: npt.ArrayLike, *, settings: Settings | None = None
) -> BatchAssessment:
    """Assess many positions at once, without routing (vectorised).

    Positions outside the packaged regions are answered one by one from the global
    GSHHG tiles (``outside`` is True for them), as :func:`assess_position` does.

    Raises
    ------
    InputError
        Coordinates out of range or arrays of different length.
    """
    lon_a = np.atleast_1d(np.asarray(lon, dtype=float)).ravel()
    lat_a = np.atleast_1d(np.asarray(lat, dtype=float)).ravel()
    if lon_a.shape != lat_a.shape:
        raise InputError(f"got {lon_a.size} longitudes but {lat_a.size} latitudes")
    bad = ~np.isfinite(lat_a) | (np.abs(lat_a) > 90) | ~np.isfinite(lon_a) | (np.abs(lon_a) > 180)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"position {i + 1} is not a valid latitude/longitude: lat={lat_a[i]!r}, "
            f"lon={lon_a[i]!r} (latitude -90..90, longitude -180..180 degrees)"
        )
    cache_dir = settings.cache_dir if settings is not None else None
    inside = REGION.contains(lon_a, lat_a)
    n = lon_a.size
    on_land = np.zeros(n, dtype=bool)
    distance = np.full(n, np.nan)
    state = np.full(n, "", dtype="<U2")
    zone = np.full(n, "", dtype="<U16")
    zone_state = np.full(n, "", dtype="<U2")
    if inside.any():
        coast = assess_coast(lon_a[inside], lat_a[inside], cache_dir=cache_dir)
        on_land[inside], distance[inside] = coast.on_land, coast.distance_to_coast_nm
        state[inside], zone[inside] = coast.nearest_coast_state, coast.zone
        zone_state[inside] = coast.zone_state
    for j in np.flatnonzero(~inside):  # outside the packaged regions: one by one, from tiles
        c = assess_coast_outside(float(lon_a[j]), float(lat_a[j]), cache_dir=cache_dir)
        on_land[j], distance[j] = c.on_land[0], c.distance_to_coast_nm[0]
        state[j], zone[j], zone_state[j] = c.nearest_coast_state[0], c.zone[0], c.zone_state[0]
    return BatchAssessment(
        lon=lon_a,
        lat=lat_a,
        on_land=on_land,
        distance_to_coast_nm=distance,
        nearest_coast_state=state,
        zone=zone,
        zone_state=zone_state,
        srr=srr_membership(lon_a, lat_a),
        outside=~inside,
    )
