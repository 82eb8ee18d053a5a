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


#: Raw bytes of one chunk of a float32 ``(trajectory, obs)`` variable (about 1 MiB):
#: a chunk holds whole tracks, so a reader of some tracks reads few chunks.
_CHUNK_BYTES = 1 << 20
#: ISA-L deflate level (0-3): as small a file as zlib level 1, at a tenth of its CPU time.
_ISAL_LEVEL = 2


def _chunk_rows(n_traj: int, n_obs: int) -> int:
    """Trajectories per chunk: whole tracks, at most :data:`_CHUNK_BYTES` of float32, the
    tracks shared evenly between the chunks (the last one barely padded)."""
    most = max(1, _CHUNK_BYTES // (4 * max(n_obs, 1)))
    n_chunks = max(1, -(-n_traj // most))
    return max(1, -(-n_traj // n_chunks))


def _shuffle_deflate(block: np.ndarray[Any, Any]) -> bytes:
    """One chunk as HDF5's shuffle + deflate filters store it.

    The shuffle filter stores byte ``k`` of every element, then byte ``k + 1``, ...;
    the deflate filter a zlib stream (RFC 1950), here made by ISA-L.
    """
    from isal import isal_zlib

    return bytes(isal_zlib.compress(_shuffled(block), _ISAL_LEVEL))


def _shuffled(block: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The bytes of a 2-D ``block`` in C order, shuffled: a 1-D ``uint8`` array.

    A block of time-major tracks (a transposed view, its tracks contiguous in each output
    time, as a run keeps them) is shuffled straight from its rows in one copy, which also
    transposes it; this runs in the writer's thread without the GIL, one chunk (about
    1 MiB, cache-sized) at a time, so the run never transposes its whole tracks.
    """
    size = block.dtype.itemsize
    if block.ndim == 2 and block.strides[0] == size and block.size:
        # time-major: (n_obs, rows) with contiguous rows; byte k of element (i, j) goes to
        # position (k, i, j) of the shuffled C-ordered chunk
        rows = block.T.view(np.uint8).reshape(block.shape[1], block.shape[0], size)
        return np.ascontiguousarray(rows.transpose(2, 1, 0)).reshape(-1)
    raw = np.ascontiguousarray(block).reshape(-1).view(np.uint8)
    return np.ascontiguousarray(raw.reshape(-1, size).T).reshape(-1)


def _deflated_chunks(arr: np.ndarray[Any, Any], rows: int, fill: float | int) -> list[bytes]:
    """The chunks of a 2-D variable, ``rows`` trajectories each (the last padded with ``fill``)."""
    n_traj = arr.shape[0]
    out: list[bytes] = []
    same_rows = arr.strides[0] == 0  # a broadcast row (time): every full chunk is the same
    for i in range(0, n_traj, rows):
        block = arr[i : i + rows]
        if block.shape[0] < rows:
            pad = np.full((rows - block.shape[0], *arr.shape[1:]), fill, dtype=arr.dtype)
            block = np.concatenate([block, pad])
        elif same_rows and out:
            out.append(out[0])
            continue
        out.append(_shuffle_deflate(block))
    return out


def _write(
    path: Path,
    variables: dict[str, tuple[tuple[str, ...], Any, dict[str, Any]]],
    attrs: dict[str, Any],
    dims: dict[str, int],
) -> None:
    """Write the file as xarray's ``to_netcdf`` would (netCDF4/HDF5, CF metadata).

    Floats get a NaN ``_FillValue`` (xarray's default); the 2-D variables are chunked by
    whole tracks and stored with HDF5's shuffle and deflate filters, which every netCDF
    and HDF5 reader decodes. netCDF4 lays out the file (dimensions, variables, filters,
    attributes, the 1-D data); the 2-D chunks are shuffled and deflated here with ISA-L
    (a tenth of zlib's time, the same size) and written as they are with HDF5's direct
    chunk write (h5py), before any reader opens the file.
    Not through xarray: its writer imports dask and distributed (seconds) when installed.
    HDF5 is not thread-safe: the file is written under xarray's process-wide HDF5 lock, the
    one xarray's readers and writers take, so a server's drift jobs writing at once, or one
    writing while another reads its forcing, never enter the library together (without
    it two concurrent runs crashed the server in libhdf5). The chunks are compressed
    before the lock is taken.
    """
    import h5py
    import netCDF4
    from xarray.backends.locks import HDF5_LOCK

    from sarwatch.adapters.netcdf_lock import NETCDF_LOCK

    n_traj, n_obs = dims["trajectory"], dims["obs"]
    rows = _chunk_rows(n_traj, n_obs)
    chunked: dict[str, list[bytes]] = {}
    for name, (vdims, data, _) in variables.items():
        arr = np.asarray(data)
        if len(vdims) == 2 and arr.size:
            fill = np.nan if np.issubdtype(arr.dtype, np.floating) else 0
            chunked[name] = _deflated_chunks(arr, rows, fill)
    with NETCDF_LOCK, HDF5_LOCK:  # in this order (see sarwatch.adapters.netcdf_lock)
        with netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
            for name, size in dims.items():
                nc.createDimension(name, size)
            for name, (vdims, data, vattrs) in variables.items():
                arr = np.asarray(data)
                floating = np.issubdtype(arr.dtype, np.floating)
                two_d = len(vdims) == 2
                var = nc.createVariable(
                    name,
                    arr.dtype,
                    vdims,
                    zlib=two_d,
                    complevel=1,
                    shuffle=two_d,
                    chunksizes=(rows, n_obs) if two_d and arr.size else None,
                    fill_value=np.nan if floating else False,
                )
                var.setncatts(vattrs)
                if name not in chunked:
                    var[...] = arr
            nc.setncatts(attrs)
        if chunked:
            with h5py.File(path, "r+") as h5:
                for name, chunks in chunked.items():
                    dsid = h5[name].id
                    for k, blob in enumerate(chunks):
                        dsid.write_direct_chunk((k * rows, 0), blob)
