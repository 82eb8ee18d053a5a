"""``/api/forcing``: the station's forecast library, and what would drive a run.

``GET /api/forcing`` lists the library (product, run, age, variables, time span, area,
hash); ``GET /api/forcing/choice`` says, for a run's start, time and length, which
library files would drive it, one line per role, or refuses with the reason (a stale
forecast). The map page's drift form shows these lines before a run is started;
``POST /api/drift`` makes the same choice (:mod:`sarwatch.services.forcing_choice`).

The library's folder on the server (an absolute path: the station's home, its user
name) is for coordinators, who run the ``sarwatch forcing`` commands that fix it:
observers see ``root`` as ``null`` and the folder as :data:`LIBRARY_REDACTED` in a
refusal's detail.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from pydantic import BaseModel, Field

from sarwatch.domain.case import require_utc
from sarwatch.drift.config import LIMITS
from sarwatch.errors import PermissionDeniedError, SarwatchError
from sarwatch.geo.units import LAT_MAX_DEG, LAT_MIN_DEG, LON_MAX_DEG, LON_MIN_DEG
from sarwatch.services.users import require_role
from sarwatch.web.auth import Observer
from sarwatch.web.station import SettingsDep

if TYPE_CHECKING:
    from sarwatch.records import UserRecord

__all__ = ["LIBRARY_REDACTED", "ForcingChoiceOut", "ForcingLibraryOut", "install", "router"]

router = APIRouter(prefix="/api/forcing", tags=["forcing"])

#: What an observer reads instead of the library's folder on the server.
LIBRARY_REDACTED = "<the station's forcing library>"


class ForcingLibraryOut(BaseModel):
    """The library's files, as the index holds them, with the age of each run (hours)."""

    root: str | None = Field(
        description="the library's folder on the server: coordinators only (null for others)"
    )
    files: list[dict[str, Any]]


class ForcingChoiceOut(BaseModel):
    """Per role (wind, current): the line that says what drives it, and the products."""

    roles: list[dict[str, Any]] = Field(description="role, line, warning, products")


def _library(settings: Any) -> Any:
    from sarwatch.services.forcing_library import ForcingLibrary, library_root

    return ForcingLibrary(library_root(Path(settings.home_dir)))


def _sees_paths(user: UserRecord) -> bool:
    """Whether ``user`` may see the server's paths (coordinators and above)."""
    try:
        require_role(user, "coordinator")
    except PermissionDeniedError:
        return False
    return True


@router.get("", response_model=ForcingLibraryOut)
def forcing_library(settings: SettingsDep, user: Observer) -> ForcingLibraryOut:
    """The forecast files of the station's library, oldest entry first (its folder on the
    server for coordinators only)."""
    library = _library(settings)
    now = datetime.now(UTC)
    files = [{**e.to_json(), "age_h": e.age_h(now)} for e in library.entries()]
    return ForcingLibraryOut(root=str(library.root) if _sees_paths(user) else None, files=files)


@router.get(
    "/choice",
    response_model=ForcingChoiceOut,
    responses={422: {"description": "a stale or changed forecast: the detail says why"}},
)
def forcing_choice(
    settings: SettingsDep,
    user: Observer,
    lat: Annotated[float, Query(ge=LAT_MIN_DEG, le=LAT_MAX_DEG)],
    lon: Annotated[float, Query(ge=LON_MIN_DEG, le=LON_MAX_DEG)],
    time: Annotated[datetime, Query(description="the run's start, ISO 8601 with a zone")],
    hours: Annotated[float, Query(gt=0, le=LIMITS["hours"].hi)] = 24.0,
    backward: bool = False,
    wind_on_scene: Annotated[bool, Query(description="an on-scene wind overrides")] = False,
    current_on_scene: bool = False,
    max_forecast_age_h: Annotated[float | None, Query(gt=0, le=24 * 30)] = None,
) -> ForcingChoiceOut:
    """Which library files would drive a run from ``lat, lon`` at ``time`` for ``hours``."""
    from sarwatch.services.drift import DriftRequest
    from sarwatch.services.forcing_choice import DEFAULT_MAX_AGE_H, library_forcing

    start = require_utc(time, "time")
    req = DriftRequest(
        lon=lon, lat=lat, time=start, hours=hours, backward=backward,
        wind_kn=0.0 if wind_on_scene else None, current_kn=0.0 if current_on_scene else None,
    )  # fmt: skip
    library = _library(settings)
    try:
        _, choice = library_forcing(req, library, max_age_h=max_forecast_age_h or DEFAULT_MAX_AGE_H)
    except SarwatchError as exc:  # a missing or changed file names the library's folder
        if _sees_paths(user) or str(library.root) not in str(exc):
            raise
        raise type(exc)(str(exc).replace(str(library.root), LIBRARY_REDACTED)) from None
    return ForcingChoiceOut(roles=choice.to_json())


def install(app: FastAPI) -> None:
    """Attach the forcing library routes."""
    app.include_router(router)
