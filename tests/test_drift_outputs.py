"""Drift output files as CF tools read them: time increasing along every track (a
backward run says so), the CF ``history`` attribute, containment polygons valid as
written (rounded to 5 decimals)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import shapely
import shapely.geometry
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sarwatch.adapters.exports.drift_geojson import geometry_json
from sarwatch.services.drift import DriftRequest, containment_polygons, predict_drift

START = datetime(2026, 11, 20, 4, 10, tzinfo=UTC)


@pytest.mark.parametrize("backward", [False, True])
def test_time_increases_along_every_track_in_every_file(tmp_path: Path, backward: bool) -> None:
    req = DriftRequest(
        lon=12.5, lat=33.6, time=START, hours=6, particles=300, wind_kn=20, wind_from_deg=0,
        seed=2, backward=backward,
    )  # fmt: skip
    result = predict_drift(req, out_dir=tmp_path, png=False)
    ds = xr.open_dataset(tmp_path / "drift.nc")
    t = ds["time"].values
    assert t.shape == (300, 7)
    assert (np.diff(t, axis=1) > np.timedelta64(0, "s")).all()  # every track, every step
    direction = "backward" if backward else "forward"
    assert ds.attrs["time_direction"] == direction
    assert ds.attrs["backward"] == int(backward)
    start = np.datetime64("2026-11-20T04:10:00")
    # the start position sits at the start time: last for a backward run, first otherwise
    k_start = -1 if backward else 0
    assert t[0, k_start] == start
    np.testing.assert_allclose(ds["lat"].values[:, k_start], result.track_lat[:, 0])
    # a north wind: the boat came from the north (backward), goes south (forward)
    lat_mean = ds["lat"].values.mean(axis=0)
    assert (np.diff(lat_mean) < 0).all()
    assert ds.attrs["time_coverage_start"] < ds.attrs["time_coverage_end"]
    # the CF history attribute: when, by what, which run
    history = ds.attrs["history"]
    assert "sarwatch" in history and f"{direction} 6 h" in history and "seed 2" in history
    assert history[:4].isdigit() and history[10] == "T"
    geo = json.loads((tmp_path / "drift.geojson").read_text())
    assert geo["properties"]["time_direction"] == direction
    (track,) = [f for f in geo["features"] if f["properties"]["kind"] == "centroid_track"]
    times = track["properties"]["times"]
    assert times == sorted(times) and len(times) == 7
    centroids = [f["properties"]["time"] for f in geo["features"]
                 if f["properties"]["kind"] == "centroid"]  # fmt: skip
    assert centroids == sorted(centroids)
    # the summary keeps the run's order (hours from the start) and says the direction
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["time_direction"] == direction
    assert summary["outputs"][-1]["hours"] == (-6 if backward else 6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(3, 60),
    seed=st.integers(0, 2**32 - 1),
    spread_deg=st.sampled_from([1e-4, 1e-3, 0.01, 0.05]),
    aspect=st.floats(0.05, 1.0),
)
def test_containment_polygons_stay_valid_when_written_to_5_decimals(n, seed, spread_deg, aspect):
    rng = np.random.default_rng(seed)
    lon = 12.5 + spread_deg * rng.standard_normal(n)
    lat = 33.2 + aspect * spread_deg * rng.standard_normal(n)
    for polygon in containment_polygons(lon, lat):
        written = shapely.geometry.shape(geometry_json(polygon.geometry))
        assert written.is_valid, (polygon.level, shapely.is_valid_reason(written))
        assert polygon.area_km2 >= 0


def test_drift_files_written_by_threads_at_once_read_back_whole(tmp_path: Path) -> None:
    """A server runs drift jobs on threads, so their ``drift.nc`` files may be written at
    the same time. HDF5 is not thread-safe (two concurrent runs crashed the server in
    libhdf5); the writer takes xarray's HDF5 lock, so every file reads back whole."""
    from concurrent.futures import ThreadPoolExecutor

    from sarwatch.adapters.exports.drift_netcdf import write_trajectories

    req = DriftRequest(
        lon=12.5, lat=33.6, time=START, hours=6, particles=2000, wind_kn=20, wind_from_deg=0,
        seed=3,
    )  # fmt: skip
    result = predict_drift(req, png=False)
    paths = [tmp_path / f"drift_{k}.nc" for k in range(16)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda p: write_trajectories(result, p), paths))
    for path in paths:
        with xr.open_dataset(path) as ds:
            np.testing.assert_array_equal(ds["lat"].values, result.track_lat)
