"""Drift trajectories as a CF discrete-sampling-geometry trajectory file.

CF 1.8 "orthogonal multidimensional array" representation of trajectories
(appendix H.4.1): dimensions ``trajectory`` and ``obs``, ``lon/lat/time/status``
per ``(trajectory, obs)``, a ``trajectory`` id variable with
``cf_role = trajectory_id`` and ``featureType = trajectory``. The random seed,
the object class and the forcing are global attributes, so the run can be
reproduced from the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sarwatch.drift.state import STATUS_NAMES

if TYPE_CHECKING:
    from sarwatch.services.drift import DriftResult

__all__ = ["write_trajectories"]


def write_trajectories(result: DriftResult, path: Path) -> Path:
    """Write the tracked particles to ``path`` (NetCDF4); returns the path."""
    import xarray as xr

    s = result.summary
    n_traj, n_obs = result.track_lon.shape
    epoch = np.datetime64("1970-01-01T00:00:00", "s")
    t_s = ((result.times - epoch) / np.timedelta64(1, "s")).astype(np.float64)
    from sarwatch.drift.leeway import leeway_categories

    cats = leeway_categories()
    cat_idx = result.category[:n_traj]
    codes = sorted(STATUS_NAMES)
    ds = xr.Dataset(
        {
            "trajectory": (
                ("trajectory",),
                np.arange(n_traj, dtype=np.int32),
                {"cf_role": "trajectory_id", "long_name": "particle number"},
            ),
            "time": (
                ("trajectory", "obs"),
                np.broadcast_to(t_s, (n_traj, n_obs)).copy(),
                {
                    "standard_name": "time",
                    "long_name": "time",
                    "units": "seconds since 1970-01-01 00:00:00",
                    "calendar": "standard",
                    "axis": "T",
                },
            ),
            "lon": (
                ("trajectory", "obs"),
                result.track_lon,
                {"standard_name": "longitude", "units": "degrees_east", "axis": "X"},
            ),
            "lat": (
                ("trajectory", "obs"),
                result.track_lat,
                {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"},
            ),
            "status": (
                ("trajectory", "obs"),
                result.track_status,
                {
                    "long_name": "particle status",
                    "flag_values": np.array(codes, dtype=np.int8),
                    "flag_meanings": " ".join(STATUS_NAMES[c] for c in codes),
                    "coordinates": "time lat lon",
                },
            ),
            "object_category": (
                ("trajectory",),
                np.array([cats[i].index if i >= 0 else 0 for i in cat_idx], dtype=np.int16),
                {"long_name": "Leeway category number (Allen 2010 table), 0 for none"},
            ),
        },
        attrs={
            "Conventions": "CF-1.8",
            "featureType": "trajectory",
            "title": "sarwatch Leeway drift prediction",
            "source": f"sarwatch {s['sarwatch_version']} Leeway Monte Carlo ({s['scheme']})",
            "seed": int(s["seed"]),
            "object_class": s["object"],
            "object_members": ", ".join(f"{k}:{v}" for k, v in s["object_members"].items()),
            "leeway_categories": "; ".join(
                f"{c.index}={c.key}" for c in {cats[i] for i in set(cat_idx.tolist()) if i >= 0}
            ),
            "start_time": s["start"]["time"],
            "start_lon": s["start"]["lon"],
            "start_lat": s["start"]["lat"],
            "backward": int(s["backward"]),
            "time_step_minutes": s["dt_min"],
            "forcing_current": s["forcing"]["current"],
            "forcing_wind": s["forcing"]["wind"],
            "forcing_stokes": s["forcing"]["stokes"],
            "particles_total": int(s["n"]),
            "particles_in_file": int(n_traj),
        },
    )
    for name in ("lon", "lat"):
        ds[name].attrs["coordinates"] = "time lat lon"
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.to_netcdf(
        path,
        encoding={
            "lon": {"zlib": True, "complevel": 1},
            "lat": {"zlib": True, "complevel": 1},
            "status": {"zlib": True, "complevel": 1},
            "time": {"zlib": True, "complevel": 1},
        },
    )
    return path
