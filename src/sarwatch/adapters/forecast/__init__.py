"""Forecast providers, each reached through its own maintained client.

- :class:`~sarwatch.adapters.forecast.cmems.CopernicusMarine`: currents, Stokes drift
  and waves (``copernicusmarine`` toolbox, server-side subset);
- :class:`~sarwatch.adapters.forecast.ecmwf.EcmwfOpenData`: 10 m winds (``ecmwf-opendata``);
- :class:`~sarwatch.adapters.forecast.gfs.Gfs`: 10 m winds, the fallback (``herbie-data``).

Every adapter has ``plan(FetchRequest) -> list[FetchItem]`` and
``fetch(FetchItem, staging) -> Download``; the clients are imported only when used.
"""

from sarwatch.adapters.forecast.base import (
    CENTRAL_MED_BOX,
    Download,
    FetchItem,
    FetchRequest,
    floor_run,
)
from sarwatch.adapters.forecast.cmems import CopernicusMarine
from sarwatch.adapters.forecast.ecmwf import EcmwfOpenData
from sarwatch.adapters.forecast.gfs import Gfs

__all__ = [
    "CENTRAL_MED_BOX",
    "CopernicusMarine",
    "Download",
    "EcmwfOpenData",
    "FetchItem",
    "FetchRequest",
    "Gfs",
    "floor_run",
]
