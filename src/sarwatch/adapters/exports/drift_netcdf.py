"""Drift trajectories as a CF discrete-sampling-geometry trajectory file.

CF 1.8 "orthogonal multidimensional array" representation of trajectories
(appendix H.4.1): dimensions ``trajectory`` and ``obs``, ``lon/lat/time/status``
per ``(trajectory, obs)``, a ``trajectory`` id variable with
``cf_role = trajectory_id`` and ``featureType = trajectory``. The random seed,
the object class and the forcing are global attributes, so the run can be
reproduced from the file.

Time increases along every track, as CF tools (trajan, the IOOS checker) expect: a
backward run is stored from its earliest time to its start, and says so in
``time_direction = "backward"``. The CF ``history`` attribute records when and by
what the file was made. When the run has more particles than the file keeps,
``particles_total`` and ``particles_in_file`` say how large the sample is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from sarwatch.drift.result import DriftResult, iso_utc
from sarwatch.drift.state import STATUS_NAMES

__all__ = ["write_trajectories"]


def write_trajectories(result: DriftResult, path: Path) -> Path:
    """Write the tracked particles to ``path`` (NetCDF4); returns the path."""
    s = result.summary
    n_traj, n_obs = result.track_lon.shape
    # time increasing along each track: a backward run's columns are reversed
    cols = slice(None, None, -1) if s.backward else slice(None)
    track_lon = result.track_lon[:, cols]
    track_lat = result.track_lat[:, cols]
    track_status = result.track_status[:, cols]
    times = result.times[cols]
    epoch = np.datetime64("1970-01-01T00:00:00", "s")
    t_s = ((times - epoch) / np.timedelta64(1, "s")).astype(np.float64)
    made = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    history = (
        f"{made} sarwatch {s.sarwatch_version} drift: {s.object} {s.time_direction} "
        f"{s.hours:g} h from {s.start.lat:.5f}N {s.start.lon:.5f}E {iso_utc(s.start.time)}, "
        f"{s.n} particles, seed {s.seed}, scheme {s.scheme}"
    )
    from sarwatch.drift.leeway import leeway_categories

    cats = leeway_categories()
    cat_idx = result.category[:n_traj]
    codes = sorted(STATUS_NAMES)
    variables: dict[str, tuple[tuple[str, ...], Any, dict[str, Any]]] = {
        "trajectory": (
            ("trajectory",),
            np.arange(n_traj, dtype=np.int32),
            {"cf_role": "trajectory_id", "long_name": "particle number"},
        ),
        "time": (
            ("trajectory", "obs"),
            np.broadcast_to(t_s, (n_traj, n_obs)),
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
            track_lon,
            {
                "standard_name": "longitude",
                "units": "degrees_east",
                "axis": "X",
                "coordinates": "time lat lon",
            },
        ),
        "lat": (
            ("trajectory", "obs"),
            track_lat,
            {
                "standard_name": "latitude",
                "units": "degrees_north",
                "axis": "Y",
                "coordinates": "time lat lon",
            },
        ),
        "status": (
            ("trajectory", "obs"),
            track_status,
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
    }
    attrs = {
        "Conventions": "CF-1.8",
        "featureType": "trajectory",
        "title": "sarwatch Leeway drift prediction",
        "source": f"sarwatch {s.sarwatch_version} Leeway Monte Carlo ({s.scheme})",
        "history": history,
        "seed": int(s.seed),
        "object_class": s.object,
        "object_members": ", ".join(f"{k}:{round(v, 4)}" for k, v in s.object_members.items()),
        "leeway_categories": "; ".join(
            f"{c.index}={c.key}" for c in {cats[i] for i in set(cat_idx.tolist()) if i >= 0}
        ),
        "start_time": iso_utc(s.start.time),
        "start_lon": s.start.lon,
        "start_lat": s.start.lat,
        "backward": int(s.backward),
        "time_direction": s.time_direction,
        "time_coverage_start": iso_utc(times[0]),
        "time_coverage_end": iso_utc(times[-1]),
        "time_step_minutes": s.dt_min,
        "forcing_current": s.forcing.current,
        "forcing_wind": s.forcing.wind,
        "forcing_stokes": s.forcing.stokes,
        "particles_total": int(s.n),
        "particles_in_file": int(n_traj),
        "particles_note": s.tracks_note(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, variables, attrs, {"trajectory": n_traj, "obs": n_obs})
    return path


def _write(
    path: Path,
    variables: dict[str, tuple[tuple[str, ...], Any, dict[str, Any]]],
    attrs: dict[str, Any],
    dims: dict[str, int],
) -> None:
    """Write the file with netCDF4 itself, as xarray's ``to_netcdf`` would.

    Floats get a NaN ``_FillValue`` (xarray's default) and 2-D variables zlib level 1.
    Not through xarray: its writer imports dask and distributed (seconds) when installed.
    HDF5 is not thread-safe: the file is written under xarray's process-wide HDF5 lock, the
    one xarray's readers and writers take, so a server's drift jobs writing at once, or one
    writing while another reads its forcing, never enter the library together (without
    it two concurrent runs crashed the server in libhdf5).
    """
    import netCDF4
    from xarray.backends.locks import HDF5_LOCK

    with HDF5_LOCK, netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
        for name, size in dims.items():
            nc.createDimension(name, size)
        for name, (vdims, data, vattrs) in variables.items():
            arr = np.asarray(data)
            floating = np.issubdtype(arr.dtype, np.floating)
            var = nc.createVariable(
                name,
                arr.dtype,
                vdims,
                zlib=len(vdims) == 2,
                complevel=1,
                fill_value=np.nan if floating else False,
            )
            var.setncatts(vattrs)
            var[...] = arr
        nc.setncatts(attrs)
