"""A live picture and a drift run on disk for the responders tests (no AIS decoding)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import xarray as xr

from sarwatch.geo.geodesy import destination
from sarwatch.geo.units import M_PER_NM as NM
from sarwatch.vessels.picture import LivePicture
from sarwatch.vessels.types import VesselReport, VesselStatic


def report(mmsi: int, t: datetime, lon: float, lat: float, **kw: object) -> VesselReport:
    return VesselReport(mmsi=mmsi, time=t, lon=lon, lat=lat, **kw)  # type: ignore[arg-type]


def at(lon: float, lat: float, bearing_deg: float, range_nm: float) -> tuple[float, float]:
    """The point ``range_nm`` from ``(lon, lat)`` on ``bearing_deg``."""
    x, y = destination(lon, lat, bearing_deg, range_nm * NM)
    return float(x), float(y)


def picture(reports: list[VesselReport], statics: tuple[VesselStatic, ...] = ()) -> LivePicture:
    p = LivePicture()
    p.add_reports(reports)
    p.add_static(statics)
    return p


def write_run(
    home: Path,
    run_id: str,
    lon0: np.ndarray,
    lat0: np.ndarray,
    t0: datetime,
    *,
    east_kn: float,
    hours: int = 6,
    object_class: str = "PIW-1",
) -> str:
    """A drift run's ``drift.nc`` under ``home/runs/run_id``: particles moving east at
    ``east_kn`` (hourly outputs). Returns the file's SHA-256."""
    n = lon0.size
    lat = np.repeat(lat0[:, None], hours + 1, axis=1)
    lon = np.empty((n, hours + 1))
    for k in range(hours + 1):
        for i in range(n):
            lon[i, k] = at(float(lon0[i]), float(lat0[i]), 90.0, east_kn * k)[0]
    base = np.datetime64(t0.replace(tzinfo=None), "s")
    secs = (base - np.datetime64("1970-01-01T00:00:00", "s")).astype(float)
    times = secs + 3600.0 * np.arange(hours + 1)
    ds = xr.Dataset(
        {
            "lon": (("trajectory", "obs"), lon),
            "lat": (("trajectory", "obs"), lat),
            "time": (("trajectory", "obs"), np.repeat(times[None, :], n, axis=0)),
        },
        attrs={"object_class": object_class},
    )
    run_dir = home / "runs" / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    ds.to_netcdf(run_dir / "drift.nc")
    return hashlib.sha256((run_dir / "drift.nc").read_bytes()).hexdigest()


def run_record(run_id: str, sha256: str) -> dict[str, object]:
    """A drift_run attachment record naming the run and its trajectories' hash."""
    return {
        "tool": "sarwatch drift test",
        "request": {"lat": 34.0, "lon": 12.5},
        "result": {},
        "seed": 1,
        "forcing": None,
        "output_files": {"netcdf": {"file": "drift.nc", "bytes": 0, "sha256": sha256}},
        "run_id": run_id,
    }


def minutes(t: datetime, m: float) -> datetime:
    return t + timedelta(minutes=m)
