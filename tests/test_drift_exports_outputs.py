"""``write_outputs`` writes ``drift.nc`` on a second thread: the files are whole when it
returns, and a failure of either thread reaches the caller after the other has finished."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from sarwatch.adapters.exports import drift as drift_exports
from sarwatch.adapters.exports import drift_png
from sarwatch.adapters.exports.drift import write_outputs
from sarwatch.services.drift import DriftRequest, predict_drift

START = datetime(2026, 11, 20, 4, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def run():
    req = DriftRequest(
        lon=12.5, lat=33.6, time=START, hours=3, particles=800, wind_kn=15, wind_from_deg=200,
        seed=8,
    )  # fmt: skip
    return predict_drift(req, png=False)


def test_every_file_is_whole_when_write_outputs_returns(tmp_path: Path, run) -> None:
    files = write_outputs(run, tmp_path / "out")
    assert list(files) == ["netcdf", "geojson", "png"]
    assert [p.name for p in files.values()] == ["drift.nc", "drift.geojson", "drift.png"]
    with xr.open_dataset(files["netcdf"], decode_times=False) as ds:
        np.testing.assert_array_equal(ds["lon"].values, run.track_lon)
    assert files["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list(write_outputs(run, tmp_path / "no_png", png=False)) == ["netcdf", "geojson"]


def test_a_failing_png_is_raised_after_the_netcdf_is_written(
    tmp_path: Path, run, monkeypatch
) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("no PNG today")

    monkeypatch.setattr(drift_png, "write_png", broken)
    with pytest.raises(RuntimeError, match="no PNG today"):
        write_outputs(run, tmp_path)
    with xr.open_dataset(tmp_path / "drift.nc", decode_times=False) as ds:  # complete
        np.testing.assert_array_equal(ds["lat"].values, run.track_lat)
    assert not any(t.name.startswith("drift-netcdf") for t in threading.enumerate())


def test_a_failing_netcdf_reaches_the_caller(tmp_path: Path, run, monkeypatch) -> None:
    def broken(result, path):
        raise OSError(f"disk full writing {path.name}")

    monkeypatch.setattr(drift_exports, "write_trajectories", broken)
    with pytest.raises(OSError, match=r"disk full writing drift\.nc"):
        write_outputs(run, tmp_path)
    assert (tmp_path / "drift.geojson").exists()  # the other thread went on to the end
