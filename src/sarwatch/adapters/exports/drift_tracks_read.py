"""Read the particle positions back from a drift run's trajectory file (``drift.nc``).

The search planner takes the cloud of a finished run (the probability map) at one
output time; the file is the CF trajectory file :mod:`drift_netcdf` writes
(``lon``/``lat``/``time`` per ``(trajectory, obs)``, time in seconds since 1970).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from sarwatch.errors import DataError

__all__ = ["RunTracks", "read_run_tracks"]


@dataclass(frozen=True, eq=False)
class RunTracks:
    """The tracked particles of a run, times increasing.

    Attributes
    ----------
    times
        Output times, ``datetime64[s]`` UTC, increasing, shape ``(n_obs,)``.
    lon, lat
        Positions, degrees, shape ``(n_particles, n_obs)``.
    object_class
        The run's object class (the file's ``object_class`` attribute).
    """

    times: npt.NDArray[np.datetime64]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    object_class: str


def read_run_tracks(path: Path) -> RunTracks:
    """Read ``drift.nc``.

    Raises
    ------
    DataError
        The file is missing or not a sarwatch trajectory file.
    """
    import xarray as xr

    from sarwatch.adapters.netcdf_lock import NETCDF_LOCK

    try:
        with NETCDF_LOCK, xr.open_dataset(path, decode_times=False) as ds:
            t_s = np.asarray(ds["time"].values, dtype=np.float64)
            lon = np.asarray(ds["lon"].values, dtype=np.float64)
            lat = np.asarray(ds["lat"].values, dtype=np.float64)
            obj = str(ds.attrs.get("object_class", ""))
    except (OSError, KeyError, ValueError) as exc:
        raise DataError(f"cannot read the drift run's trajectories {path}: {exc}") from None
    if lon.ndim != 2 or lon.shape != lat.shape or lon.shape[1] == 0:
        raise DataError(f"{path} is not a sarwatch trajectory file (lon/lat not 2-D)")
    times_s = t_s[0] if t_s.ndim == 2 else t_s
    times = (np.datetime64("1970-01-01T00:00:00", "s") + times_s.round().astype("int64")).astype(
        "datetime64[s]"
    )
    return RunTracks(times=times, lon=lon, lat=lat, object_class=obj)
