"""The coastline in a responders ranking: sea routes of the first vessels, land tests.

The ranking itself is the straight-line one (:mod:`sarwatch.services.responders`,
docs/design/014-responders.md). Here: which of the first-ranked vessels have land between
them and the target (their sea route is longer than the straight line), and the land test
that keeps a dead-reckoned vessel off the land. :func:`land_options` gives both from the
station's coastline cache, or neither where it cannot be loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from sarwatch.errors import SarwatchError

if TYPE_CHECKING:
    from sarwatch.services.assess import RouterLike

__all__ = ["LAND_EXTRA_SHARE", "LAND_MIN_EXTRA_NM", "SEA_CHECK_N", "check_land", "land_options"]

#: How many of the first-ranked vessels get a sea route to the target (land check).
SEA_CHECK_N = 10
#: A sea route longer than the straight line by more than this share (and by
#: :data:`LAND_MIN_EXTRA_NM`) means land lies between the ship and the target.
LAND_EXTRA_SHARE = 0.03
LAND_MIN_EXTRA_NM = 0.3

#: ``on_land(lon, lat)`` -> bool array, degrees.
LandTest = Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], npt.ArrayLike]


def land_options(cache_dir: Path | None) -> dict[str, Any]:
    """``router`` and ``on_land`` for :func:`~sarwatch.services.responders.rank_responders`
    from the station's coastline cache; each ``None`` where the coastline cannot be loaded
    (the ranking then goes without it: ``sea_nm`` and ``land_between`` null)."""
    from sarwatch.geo.coast import land_mask
    from sarwatch.geo.routing import sea_router

    router: RouterLike | None
    on_land: LandTest | None
    try:
        router = sea_router(cache_dir)
    except (SarwatchError, OSError):
        router = None
    try:
        on_land = land_mask(cache_dir).contains
    except (SarwatchError, OSError):
        on_land = None
    return {"router": router, "on_land": on_land}


def check_land(rows: list[dict[str, Any]], router: RouterLike, centre: tuple[float, float]) -> None:
    """Give the first :data:`SEA_CHECK_N` reachable vessels their sea route's length from
    the target's centre (``sea_nm``) and flag those with land between (``land_between``,
    ``sea_extra_h``: what the detour adds at the vessel's speed, h). Vessels not checked
    (further down, outside the coastline's region, unreachable by sea) keep ``None``."""
    first = [r for r in rows if r["eta_p50_h"] is not None][:SEA_CHECK_N]
    if not first:
        return
    try:
        routes = router.routes_from(centre, [(r["lon_now"], r["lat_now"]) for r in first])
    except SarwatchError:  # a centre outside the coastline's region or on land
        return
    for r, route in zip(first, routes, strict=True):
        if route is None:
            continue
        sea = float(route.distance_nm)
        extra = sea - r["distance_nm"]
        land = extra > max(LAND_EXTRA_SHARE * r["distance_nm"], LAND_MIN_EXTRA_NM)
        r["sea_nm"] = round(sea, 2)
        r["land_between"] = bool(land)
        r["sea_extra_h"] = round(extra / r["speed_kn"], 3) if land else None
