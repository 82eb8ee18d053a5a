"""Forcing files made in the tests, as the providers write them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

_STANDARD_NAMES = ("eastward_sea_water_velocity", "northward_sea_water_velocity")


def write_regular_current(
    path: Path,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    times: pd.DatetimeIndex,
    u_ms: npt.ArrayLike,
    v_ms: npt.ArrayLike,
    *,
    names: tuple[str, str] = ("uo", "vo"),
) -> Path:
    """A surface current on a regular lon/lat grid, as CMEMS writes it (CF names, m s-1).

    Parameters
    ----------
    path
        The NetCDF file to write.
    lon, lat
        The grid's axes, degrees.
    times
        The time axis.
    u_ms, v_ms
        Eastward and northward components, m/s, shape ``(time, lat, lon)``.
    names
        The variables' names.

    Returns
    -------
    Path
        ``path``.
    """
    dims = ("time", "lat", "lon")
    ds = xr.Dataset(
        {
            name: (dims, np.asarray(comp, "f4"), {"standard_name": std, "units": "m s-1"})
            for name, comp, std in zip(names, (u_ms, v_ms), _STANDARD_NAMES, strict=True)
        },
        coords={"time": times, "lat": ("lat", np.asarray(lat), {"standard_name": "latitude"}),
                "lon": ("lon", np.asarray(lon), {"standard_name": "longitude"})},
    )  # fmt: skip
    ds.to_netcdf(path)
    return path
