"""``GET /api/position``: read a position as people write it, with the one parser.

The page sends what was typed and gets ``(lat, lon)`` back, or the parser's reason
as a 422: the map page, the CLI and the API read ``3312N 01230E`` or
``33-12.5N 012-30.1E`` the same way because only :func:`sarwatch.geo.position.
parse_position` reads them. No authentication (like ``/api/assess``): nothing is
stored or logged.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel, Field

from sarwatch.geo.units import LAT_MAX_DEG, LAT_MIN_DEG, LON_MAX_DEG, LON_MIN_DEG

__all__ = ["PositionOut", "install", "router"]

router = APIRouter(prefix="/api", tags=["position"])


class PositionOut(BaseModel):
    """A position read from text: decimal degrees and the position as sarwatch writes it."""

    lat: float = Field(ge=LAT_MIN_DEG, le=LAT_MAX_DEG, description="Degrees north (WGS84).")
    lon: float = Field(ge=LON_MIN_DEG, le=LON_MAX_DEG, description="Degrees east (WGS84).")
    text: str = Field(description="The position in degrees and minutes, e.g. 33°12.000'N ...")


@router.get(
    "/position",
    response_model=PositionOut,
    responses={422: {"description": "The text is not a position; the detail says why"}},
)
def read_position(
    text: Annotated[
        str,
        Query(
            max_length=100,
            description="As people write it: 33°12'N 012°30'E, 3312N 01230E, "
            "33-12.5N 012-30.1E, 33,2N 12,5E, 33.2, 12.5 ...",
        ),
    ],
) -> PositionOut:
    """The position ``text`` names, read by the same parser as the CLI's ``--position``."""
    from sarwatch.geo.position import format_position, parse_position

    lon, lat = parse_position(text)
    return PositionOut(lat=lat, lon=lon, text=format_position(lon, lat))


def install(app: FastAPI) -> None:
    """Attach the position route."""
    app.include_router(router)
