"""Synthetic CF-NetCDF forcing for the drift benchmark (CMEMS-like currents, ERA5-like winds).

The fields are smooth but vary in space and time (a meandering jet, an eddy, a
veering wind), so that interpolation and the time stepping matter. Both files use
the standard names OpenDrift's generic CF reader and sarwatch's reader look for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

__all__ = ["START", "write_forcing"]

START = pd.Timestamp("2026-11-20T04:00:00")


def _current(lon, lat, hours):
    jet = 0.25 * np.exp(-(((lat - 33.6) / 0.35) ** 2)) * (1 + 0.3 * np.sin(2 * np.pi * hours / 24))
    ex, ey = lon - 13.3, lat - 33.9
    r2 = (ex / 0.4) ** 2 + (ey / 0.4) ** 2
    eddy = 0.3 * np.exp(-r2)
    u = jet + 0.05 - eddy * ey / 0.4
    v = 0.06 * np.sin(np.radians(lon * 90)) + eddy * ex / 0.4
    return u, v


def _wind(lon, lat, hours):
    speed = 9.0 + 3.0 * np.sin(2 * np.pi * hours / 30) + 0.5 * (lat - 33)
    direction = np.radians(225.0 + 40.0 * np.sin(2 * np.pi * hours / 48) + 5 * (lon - 12))  # from
    return -speed * np.sin(direction), -speed * np.cos(direction)


def write_forcing(folder: Path, hours: int = 60) -> tuple[Path, Path]:
    """Write ``currents.nc`` (0.05°, hourly) and ``winds.nc`` (0.25°, hourly); return the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    times = START - pd.Timedelta(hours=2) + pd.to_timedelta(np.arange(hours + 4), "h")
    th = ((times - START) / pd.Timedelta(hours=1)).to_numpy(float)
    out = []
    for name, fn, step, var, std in (
        ("currents.nc", _current, 0.05, ("uo", "vo"),
         ("eastward_sea_water_velocity", "northward_sea_water_velocity")),
        ("winds.nc", _wind, 0.25, ("u10", "v10"), ("eastward_wind", "northward_wind")),
    ):  # fmt: skip
        lon = np.round(np.arange(9.0, 18.0 + 1e-9, step), 6)
        lat = np.round(np.arange(30.5, 37.0 + 1e-9, step), 6)
        lo, la = np.meshgrid(lon, lat)
        u = np.empty((th.size, lat.size, lon.size), np.float32)
        v = np.empty_like(u)
        for k, h in enumerate(th):
            u[k], v[k] = fn(lo, la, h)
        ds = xr.Dataset(
            {
                var[0]: (
                    ("time", "latitude", "longitude"),
                    u,
                    {"standard_name": std[0], "units": "m s-1"},
                ),
                var[1]: (
                    ("time", "latitude", "longitude"),
                    v,
                    {"standard_name": std[1], "units": "m s-1"},
                ),
            },
            coords={"time": times, "latitude": lat, "longitude": lon},
        )
        ds["latitude"].attrs = {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"}
        ds["longitude"].attrs = {"standard_name": "longitude", "units": "degrees_east", "axis": "X"}
        ds["time"].attrs = {"standard_name": "time", "axis": "T"}
        path = folder / name
        ds.to_netcdf(path)
        out.append(path)
    return out[0], out[1]
