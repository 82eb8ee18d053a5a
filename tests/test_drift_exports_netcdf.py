"""``drift.nc`` as written by chunks: shuffled and deflated here (ISA-L), put into the file
with HDF5's direct chunk write. Every netCDF/HDF5 reader must read back exactly the
tracks of the run, whatever the number of tracks per chunk and the padding of the last."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from pathlib import Path

import netCDF4
import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sarwatch.adapters.exports import drift_netcdf
from sarwatch.adapters.exports.drift_netcdf import write_trajectories
from sarwatch.adapters.exports.drift_tracks_read import read_run_tracks
from sarwatch.services.drift import DriftRequest, predict_drift

START = datetime(2026, 11, 20, 4, 10, tzinfo=UTC)


def _unshuffle_inflate(blob: bytes, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
    """What HDF5's deflate then shuffle filters do when a reader reads a chunk."""
    raw = np.frombuffer(zlib.decompress(blob), dtype=np.uint8)
    return raw.reshape(dtype.itemsize, -1).T.copy().view(dtype).reshape(shape)


@settings(max_examples=80, deadline=None)
@given(
    arr=hnp.arrays(
        dtype=st.sampled_from([np.float32, np.float64, np.int8, np.int16]),
        shape=hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=40),
    ),
    rows=st.integers(1, 50),
    reversed_columns=st.booleans(),
    time_major=st.booleans(),
)
def test_chunks_decode_to_the_array_with_the_last_one_padded(
    arr, rows, reversed_columns, time_major
):
    if time_major:  # a run keeps its tracks time-major: the result holds transposed views
        arr = np.ascontiguousarray(arr.T).T
    if reversed_columns:  # a backward run's tracks are a reversed (non-contiguous) view
        arr = arr[:, ::-1]
    fill = np.nan if arr.dtype.kind == "f" else 0
    chunks = drift_netcdf._deflated_chunks(arr, rows, fill)
    assert len(chunks) == -(-arr.shape[0] // rows)
    decoded = [_unshuffle_inflate(b, arr.dtype, (rows, arr.shape[1])) for b in chunks]
    whole = np.concatenate(decoded)
    np.testing.assert_array_equal(whole[: arr.shape[0]], arr)
    pad = whole[arr.shape[0] :]
    if arr.dtype.kind == "f":
        assert np.isnan(pad).all()
    else:
        assert (pad == 0).all()


def test_a_broadcast_time_row_deflates_once_and_decodes_per_chunk():
    t = np.arange(7, dtype=np.float64) * 3600.0 + 1.8e9
    arr = np.broadcast_to(t, (23, 7))
    chunks = drift_netcdf._deflated_chunks(arr, 5, np.nan)
    assert len(chunks) == 5 and chunks[0] is chunks[1] is chunks[3]  # the full ones
    last = _unshuffle_inflate(chunks[-1], arr.dtype, (5, 7))
    np.testing.assert_array_equal(last[:3], arr[:3])
    assert np.isnan(last[3:]).all()


@pytest.mark.parametrize("n_obs", [1, 7, 49, 5000])
@pytest.mark.parametrize("n_traj", [1, 9, 100_000])
def test_chunks_hold_whole_tracks_of_at_most_a_mebibyte_shared_evenly(n_traj, n_obs):
    rows = drift_netcdf._chunk_rows(n_traj, n_obs)
    assert 1 <= rows <= n_traj
    assert rows == 1 or rows * n_obs * 4 <= drift_netcdf._CHUNK_BYTES
    n_chunks = -(-n_traj // rows)
    assert n_chunks * rows - n_traj < n_chunks  # padding: less than a track per chunk


@pytest.fixture(scope="module")
def small_run():
    req = DriftRequest(
        lon=12.5, lat=33.6, time=START, hours=6, particles=1500, wind_kn=20, wind_from_deg=30,
        seed=4, max_tracks=1003,
    )  # fmt: skip
    return predict_drift(req, png=False)


@pytest.mark.parametrize("chunk_bytes", [1 << 20, 7 * 4 * 100])  # one chunk; 11 (padded)
@pytest.mark.parametrize("engine", ["netcdf4", "h5netcdf"])
def test_drift_nc_reads_back_exactly_with_every_engine(
    tmp_path: Path, monkeypatch, small_run, chunk_bytes: int, engine: str
) -> None:
    monkeypatch.setattr(drift_netcdf, "_CHUNK_BYTES", chunk_bytes)
    path = write_trajectories(small_run, tmp_path / "drift.nc")
    n_traj, n_obs = small_run.track_lon.shape
    assert n_traj == 1003 and n_obs == 7
    with xr.open_dataset(path, engine=engine, decode_times=False) as ds:
        np.testing.assert_array_equal(ds["lon"].values, small_run.track_lon)
        np.testing.assert_array_equal(ds["lat"].values, small_run.track_lat)
        np.testing.assert_array_equal(ds["status"].values, small_run.track_status)
        assert ds["lon"].dtype == np.float32 and ds["status"].dtype == np.int8
        t = ds["time"].values
        assert t.shape == (n_traj, n_obs) and (t == t[0]).all()
        epoch = np.datetime64("1970-01-01T00:00:00", "s")
        want = (small_run.times - epoch) / np.timedelta64(1, "s")
        np.testing.assert_array_equal(t[0], want)
        np.testing.assert_array_equal(ds["trajectory"].values, np.arange(n_traj))
        # CF: the attributes survive the direct chunk writes
        assert ds.attrs["featureType"] == "trajectory"
        assert ds["trajectory"].attrs["cf_role"] == "trajectory_id"
        assert ds["lon"].attrs["standard_name"] == "longitude"
        assert ds["status"].attrs["flag_meanings"]
        assert ds.attrs["particles_in_file"] == 1003 and ds.attrs["seed"] == 4
    # the planner's reader
    tracks = read_run_tracks(path)
    np.testing.assert_array_equal(tracks.lat, small_run.track_lat.astype(np.float64))
    np.testing.assert_array_equal(tracks.times, small_run.times.astype("datetime64[s]"))


def test_the_tracks_kept_are_the_particles_at_every_output_time(small_run) -> None:
    """The run copies each output time's positions into one row of time-major buffers; the
    result's ``(n_tracks, n_times)`` views hold the first particles, the start first."""
    n_traj, n_obs = small_run.track_lon.shape
    assert small_run.track_lat.shape == small_run.track_status.shape == (n_traj, n_obs)
    assert small_run.track_lon.T.flags.c_contiguous  # each output time's row contiguous
    np.testing.assert_array_equal(
        small_run.track_lon[:, -1], small_run.final_lon[:n_traj].astype(np.float32)
    )
    np.testing.assert_array_equal(
        small_run.track_lat[:, -1], small_run.final_lat[:n_traj].astype(np.float32)
    )
    np.testing.assert_array_equal(small_run.track_status[:, -1], small_run.final_status[:n_traj])
    # every track starts within the seeding radius of the start and moves (20 kn of wind)
    assert np.abs(small_run.track_lon[:, 0] - 12.5).max() < 0.1
    assert np.abs(small_run.track_lat[:, 0] - 33.6).max() < 0.1
    assert (small_run.track_lat[:, -1] != small_run.track_lat[:, 0]).all()


@pytest.mark.parametrize("backward", [False, True])
def test_drift_nc_is_the_same_from_time_major_or_track_major_tracks(
    tmp_path: Path, monkeypatch, small_run, backward: bool
) -> None:
    """The chunks built straight from the run's time-major rows are the bytes the writer
    makes from C-ordered ``(n_tracks, n_times)`` copies (one chunk and 11 padded ones)."""
    import dataclasses

    import h5py

    small_run = dataclasses.replace(
        small_run, summary=dataclasses.replace(small_run.summary, backward=backward)
    )
    copies = dataclasses.replace(
        small_run,
        **{
            k: np.ascontiguousarray(getattr(small_run, k))
            for k in ("track_lon", "track_lat", "track_status")
        },
    )
    assert copies.track_lon.flags.c_contiguous and not small_run.track_lon.flags.c_contiguous
    for chunk_bytes in (1 << 20, 7 * 4 * 100):
        monkeypatch.setattr(drift_netcdf, "_CHUNK_BYTES", chunk_bytes)
        a = write_trajectories(small_run, tmp_path / f"a{chunk_bytes}.nc")
        b = write_trajectories(copies, tmp_path / f"b{chunk_bytes}.nc")
        with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
            for name in ("lon", "lat", "status", "time"):
                da, db = fa[name].id, fb[name].id
                assert da.get_num_chunks() == db.get_num_chunks() >= 1
                for i in range(da.get_num_chunks()):
                    offset = da.get_chunk_info(i).chunk_offset
                    assert da.read_direct_chunk(offset) == db.read_direct_chunk(offset)
                np.testing.assert_array_equal(fa[name][...], fb[name][...])


def test_drift_nc_says_its_filters_and_chunks_to_netcdf(tmp_path: Path, small_run) -> None:
    path = write_trajectories(small_run, tmp_path / "drift.nc")
    with netCDF4.Dataset(path) as nc:
        for name in ("time", "lon", "lat", "status"):
            filters = nc[name].filters()
            assert filters["zlib"] and filters["shuffle"], (name, filters)
            rows, obs = nc[name].chunking()
            assert obs == 7 and rows == 1003  # whole tracks, one chunk here
        assert nc["trajectory"].chunking() == "contiguous"
        assert np.isnan(nc["lon"]._FillValue)


def test_drift_nc_is_about_as_small_as_zlib_level_1(tmp_path: Path, small_run) -> None:
    """ISA-L level 2 against netCDF's own zlib level 1 on the same tracks."""
    path = write_trajectories(small_run, tmp_path / "drift.nc")
    ref = tmp_path / "zlib1.nc"
    n_traj, n_obs = small_run.track_lon.shape
    with netCDF4.Dataset(ref, "w") as nc:
        nc.createDimension("trajectory", n_traj)
        nc.createDimension("obs", n_obs)
        for name in ("lon", "lat", "status"):
            arr = getattr(small_run, f"track_{name}")
            var = nc.createVariable(
                name, arr.dtype, ("trajectory", "obs"), zlib=True, complevel=1, shuffle=True
            )
            var[...] = arr
    data_ours = sum(_stored_bytes(path, v) for v in ("lon", "lat", "status"))
    data_ref = sum(_stored_bytes(ref, v) for v in ("lon", "lat", "status"))
    assert data_ours <= 1.1 * data_ref, (data_ours, data_ref)


def _stored_bytes(path: Path, name: str) -> int:
    import h5py

    with h5py.File(path, "r") as h5:
        return int(h5[name].id.get_storage_size())


def test_backward_tracks_are_stored_time_increasing(tmp_path: Path) -> None:
    req = DriftRequest(
        lon=12.5, lat=33.6, time=START, hours=4, particles=400, wind_kn=15, wind_from_deg=0,
        seed=5, backward=True,
    )  # fmt: skip
    result = predict_drift(req, png=False)
    path = write_trajectories(result, tmp_path / "drift.nc")
    with xr.open_dataset(path, decode_times=False) as ds:
        np.testing.assert_array_equal(ds["lat"].values, result.track_lat[:, ::-1])
        assert (np.diff(ds["time"].values, axis=1) > 0).all()
