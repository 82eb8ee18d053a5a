"""Forecast files made in the tests: GRIB2 winds written with ecCodes, CMEMS-like NetCDF."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

#: ECMWF paramIds of the 10 m wind components (GRIB2: discipline 0, category 2, 2/3).
PARAM_10U, PARAM_10V = 165, 166


def grib_message(
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    run: datetime,
    step_h: int,
    param_id: int,
    values: npt.ArrayLike,
    *,
    centre: str = "ecmf",
    ieee: bool = True,
) -> bytes:
    """One GRIB2 message on a regular lon/lat grid (ecCodes), as bytes."""
    import eccodes

    h = eccodes.codes_grib_new_from_samples("regular_ll_sfc_grib2")
    try:
        eccodes.codes_set(h, "centre", centre)
        eccodes.codes_set(h, "dataDate", int(run.strftime("%Y%m%d")))
        eccodes.codes_set(h, "dataTime", int(run.strftime("%H%M")))
        eccodes.codes_set(h, "paramId", param_id)
        eccodes.codes_set(h, "forecastTime", int(step_h))
        eccodes.codes_set(h, "Ni", lon.size)
        eccodes.codes_set(h, "Nj", lat.size)
        eccodes.codes_set(h, "jScansPositively", int(lat[-1] > lat[0]))
        eccodes.codes_set(h, "latitudeOfFirstGridPointInDegrees", lat[0])
        eccodes.codes_set(h, "latitudeOfLastGridPointInDegrees", lat[-1])
        eccodes.codes_set(h, "longitudeOfFirstGridPointInDegrees", lon[0])
        eccodes.codes_set(h, "longitudeOfLastGridPointInDegrees", lon[-1])
        eccodes.codes_set(h, "iDirectionIncrementInDegrees", abs(lon[1] - lon[0]))
        eccodes.codes_set(h, "jDirectionIncrementInDegrees", abs(lat[1] - lat[0]))
        if ieee:
            eccodes.codes_set(h, "packingType", "grid_ieee")
        else:
            eccodes.codes_set(h, "bitsPerValue", 16)
        eccodes.codes_set_values(h, np.asarray(values, float).ravel())
        return bytes(eccodes.codes_get_message(h))
    finally:
        eccodes.codes_release(h)


def write_grib_winds(
    path: Path,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    run: datetime,
    steps_h: npt.ArrayLike,
    u_ms: npt.ArrayLike,
    v_ms: npt.ArrayLike,
    *,
    centre: str = "ecmf",
    ieee: bool = True,
    mode: str = "wb",
) -> Path:
    """10 m winds as a GRIB2 file, one message per step and component (ecCodes).

    Parameters
    ----------
    path
        The file to write.
    lon, lat
        Regular axes, degrees; ``lat`` descending as ECMWF and NCEP write it (or
        ascending: the file then scans north).
    run
        The forecast's reference time (UTC).
    steps_h
        Forecast steps, hours.
    u_ms, v_ms
        Components, m/s, shape ``(step, lat, lon)``.
    ieee
        IEEE 32-bit packing (exact float32 values); otherwise simple packing at 16 bits.
    mode
        ``"ab"`` appends messages to an existing file.
    """
    lon = np.asarray(lon, float)
    lat = np.asarray(lat, float)
    u = np.asarray(u_ms, np.float32)
    v = np.asarray(v_ms, np.float32)
    with Path(path).open(mode) as fh:
        for k, step in enumerate(np.asarray(steps_h, int)):
            for pid, comp in ((PARAM_10U, u[k]), (PARAM_10V, v[k])):
                fh.write(grib_message(lon, lat, run, int(step), pid, comp, centre=centre,
                                      ieee=ieee))  # fmt: skip
    return Path(path)


def write_netcdf_winds(
    path: Path,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    times: pd.DatetimeIndex,
    u_ms: npt.ArrayLike,
    v_ms: npt.ArrayLike,
) -> Path:
    """The same winds as a CF-NetCDF file (``u10``/``v10``, ``eastward_wind``...)."""
    dims = ("time", "lat", "lon")
    ds = xr.Dataset(
        {
            "u10": (
                dims,
                np.asarray(u_ms, "f4"),
                {"standard_name": "eastward_wind", "units": "m s-1"},
            ),
            "v10": (
                dims,
                np.asarray(v_ms, "f4"),
                {"standard_name": "northward_wind", "units": "m s-1"},
            ),
        },
        coords={
            "time": times,
            "lat": ("lat", np.asarray(lat), {"standard_name": "latitude"}),
            "lon": ("lon", np.asarray(lon), {"standard_name": "longitude"}),
        },
    )
    ds.to_netcdf(path)
    return Path(path)


def smooth_winds(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], steps_h: npt.ArrayLike
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """A wind that varies in space and time (m/s), ``(step, lat, lon)``."""
    t = np.asarray(steps_h, float)[:, None, None]
    x = lon[None, None, :]
    y = lat[None, :, None]
    u = 6.0 + 2.0 * np.sin(np.radians(40 * (x - 12))) + 0.05 * t + 0 * y
    v = -3.0 + 1.5 * np.cos(np.radians(50 * (y - 34))) - 0.02 * t + 0 * x
    return u.astype(np.float32), v.astype(np.float32)


def write_cmems_currents(
    path: Path,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    times: pd.DatetimeIndex,
    u_ms: npt.ArrayLike,
    v_ms: npt.ArrayLike,
    *,
    units: str = "m s-1",
    stokes: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
) -> Path:
    """A CMEMS-like surface current subset (``uo``/``vo`` at one depth, CF names)."""
    dims = ("time", "depth", "latitude", "longitude")
    u = np.asarray(u_ms, "f4")[:, None]
    v = np.asarray(v_ms, "f4")[:, None]
    data = {
        "uo": (dims, u, {"standard_name": "eastward_sea_water_velocity", "units": units}),
        "vo": (dims, v, {"standard_name": "northward_sea_water_velocity", "units": units}),
    }
    if stokes is not None:
        sd = ("time", "latitude", "longitude")
        data["VSDX"] = (
            sd,
            np.asarray(stokes[0], "f4"),
            {"standard_name": "sea_surface_wave_stokes_drift_x_velocity", "units": "m s-1"},
        )
        data["VSDY"] = (
            sd,
            np.asarray(stokes[1], "f4"),
            {"standard_name": "sea_surface_wave_stokes_drift_y_velocity", "units": "m s-1"},
        )
    ds = xr.Dataset(
        data,
        coords={
            "time": times,
            "depth": ("depth", [1.0182366], {"standard_name": "depth", "units": "m"}),
            "latitude": (
                "latitude",
                np.asarray(lat),
                {"standard_name": "latitude", "units": "degrees_north"},
            ),
            "longitude": (
                "longitude",
                np.asarray(lon),
                {"standard_name": "longitude", "units": "degrees_east"},
            ),
        },
    )
    ds.to_netcdf(path)
    return Path(path)
