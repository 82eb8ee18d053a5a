"""``GET /api/assess``: the assessment of one position as JSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query

from sarwatch.errors import InputError
from sarwatch.geo.units import LAT_MAX_DEG, LAT_MIN_DEG, LON_MAX_DEG, LON_MIN_DEG
from sarwatch.rules.catalogue import Situation, Vessel
from sarwatch.web.station import SettingsDep

__all__ = ["install", "router"]

router = APIRouter(prefix="/api", tags=["assess"])


@router.get("/assess")
def get_assess(
    settings: SettingsDep,
    lat: Annotated[
        float | None,
        Query(
            ge=LAT_MIN_DEG,
            le=LAT_MAX_DEG,
            allow_inf_nan=False,
            description="Latitude, decimal degrees (north +).",
        ),
    ] = None,
    lon: Annotated[
        float | None,
        Query(
            ge=LON_MIN_DEG,
            le=LON_MAX_DEG,
            allow_inf_nan=False,
            description="Longitude, decimal degrees (east +).",
        ),
    ] = None,
    position: Annotated[
        str | None,
        Query(max_length=100, description="Instead of lat/lon: \"33°12'N 012°30'E\" etc."),
    ] = None,
    speed_kn: Annotated[
        float, Query(gt=0, le=60, allow_inf_nan=False, description="Ship's speed, knots.")
    ] = 10.0,
    situation: Situation = "distress_alert",
    vessel: Vessel = "ngo",
    routes: Annotated[bool, Query(description="Route to places of safety.")] = True,
) -> dict[str, Any]:
    """Zone, distance to coast, SAR regions and RCCs, places of safety by sea, and rules."""
    from sarwatch.geo.position import parse_position
    from sarwatch.services.assess import assess_position

    if position is not None:
        if lat is not None or lon is not None:
            raise InputError("give either position or lat and lon, not both")
        x, y = parse_position(position)
    elif lat is None or lon is None:
        raise InputError("give lat and lon (decimal degrees), e.g. /api/assess?lat=33.2&lon=12.5")
    else:
        x, y = lon, lat
    result = assess_position(
        x,
        y,
        speed_kn=speed_kn,
        settings=settings,
        situation=situation,
        vessel=vessel,
        route=routes,
    )
    return result.to_dict()


def install(app: FastAPI) -> None:
    """Attach the assess routes to the application."""
    app.include_router(router)
