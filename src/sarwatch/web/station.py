"""The web app's dependencies: the parts of its :class:`~sarwatch.services.container.Station`.

:func:`~sarwatch.web.app.create_app` builds one station from the settings and
keeps it on the app; :func:`station_of` is the one place that reads it there.
Routes declare what they need as ``Annotated`` dependencies (``CaseServiceDep``,
``SettingsDep``, ...) and never look anything up themselves.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from sarwatch.services.cases import CaseService
from sarwatch.services.container import Station
from sarwatch.services.drift_runs import DriftRuns
from sarwatch.services.ports import Store
from sarwatch.settings import Settings

__all__ = [
    "CaseServiceDep",
    "DriftPoolDep",
    "DriftRunsDep",
    "SettingsDep",
    "StationDep",
    "StoreDep",
    "get_case_service",
    "station_of",
    "station_service",
]


def station_of(app: FastAPI) -> Station:
    """The station of an app made by :func:`~sarwatch.web.app.create_app`."""
    station: Station = app.state.station
    return station


def station_service(app: FastAPI) -> CaseService:
    """The app's case service (built, and the demo loaded, on first call)."""
    return station_of(app).cases


async def get_station(request: Request) -> Station:
    """FastAPI dependency: the app's station."""
    return station_of(request.app)


StationDep = Annotated[Station, Depends(get_station)]


async def get_settings(station: StationDep) -> Settings:
    """FastAPI dependency: the settings the app was made with."""
    return station.settings


async def get_case_service(station: StationDep) -> CaseService:
    """FastAPI dependency: the station's case service."""
    return station.cases


async def get_store(station: StationDep) -> Store:
    """FastAPI dependency: the station's store (for the feeds and users)."""
    return station.store


async def get_drift_runs(station: StationDep) -> DriftRuns:
    """FastAPI dependency: the registry of drift runs."""
    return station.drift_runs


async def get_drift_pool(station: StationDep) -> ThreadPoolExecutor:
    """FastAPI dependency: the threads that compute drift runs."""
    return station.drift_pool


SettingsDep = Annotated[Settings, Depends(get_settings)]
CaseServiceDep = Annotated[CaseService, Depends(get_case_service)]
StoreDep = Annotated[Store, Depends(get_store)]
DriftRunsDep = Annotated[DriftRuns, Depends(get_drift_runs)]
DriftPoolDep = Annotated[ThreadPoolExecutor, Depends(get_drift_pool)]
