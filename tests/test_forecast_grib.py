"""GRIB2 winds read directly by the drift reader (cfgrib/ecCodes), as NetCDF winds are."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from _forecast import smooth_winds, write_grib_winds, write_netcdf_winds
from sarwatch.adapters.forcing import open_vector_field
from sarwatch.adapters.forcing.grib import is_grib, open_grib
from sarwatch.errors import ForcingError
from sarwatch.services.drift import DriftRequest, predict_drift

RUN = datetime(2026, 11, 20, 0, tzinfo=UTC)
LON = np.arange(10.0, 16.01, 0.25)
LAT_DESC = np.arange(36.0, 31.99, -0.25)  # north to south, as ECMWF and NCEP write it
STEPS = np.arange(0, 25, 3)


def _pair(tmp_path, *, ieee=True):
    u, v = smooth_winds(LON, LAT_DESC, STEPS)
    grib = write_grib_winds(tmp_path / "ecmwf.grib2", LON, LAT_DESC, RUN, STEPS, u, v, ieee=ieee)
    times = pd.to_datetime(RUN.replace(tzinfo=None)) + pd.to_timedelta(STEPS, "h")
    nc = write_netcdf_winds(
        tmp_path / "same.nc", LON, LAT_DESC[::-1], times, u[:, ::-1], v[:, ::-1]
    )
    return grib, nc


def test_a_grib_file_is_known_by_its_first_bytes_whatever_its_name(tmp_path):
    grib, nc = _pair(tmp_path)
    renamed = tmp_path / "winds.dat"
    renamed.write_bytes(grib.read_bytes())
    assert is_grib(grib) and is_grib(renamed)
    assert not is_grib(nc)
    assert not list(tmp_path.glob("*.idx"))  # cfgrib leaves no index beside the data


def test_grib_steps_become_one_axis_of_valid_times_with_the_run_kept(tmp_path):
    grib, _ = _pair(tmp_path)
    (ds,) = open_grib(grib)
    times = ds["time"].values.astype("datetime64[h]")
    assert times[0] == np.datetime64("2026-11-20T00", "h")
    assert list(np.diff(times).astype(int)) == [3] * (STEPS.size - 1)
    assert ds.attrs["forecast_reference_time"] == "2026-11-20T00:00:00Z"
    assert ds["u10"].dims == ("time", "latitude", "longitude")


def test_grib_winds_give_the_same_field_as_the_same_winds_in_netcdf(tmp_path):
    grib, nc = _pair(tmp_path)
    window = {
        "t_first": np.datetime64("2026-11-20T02:00", "s"),
        "t_last": np.datetime64("2026-11-20T20:00", "s"),
        "lon": 12.5,
        "lat": 34.0,
        "margin_deg": 1.0,
    }
    a = open_vector_field([grib], "wind", **window)
    b = open_vector_field([nc], "wind", **window)
    assert (a.lon0, a.dlon, a.lat0, a.dlat) == (b.lon0, b.dlon, b.lat0, b.dlat)
    np.testing.assert_array_equal(a.times, b.times)
    np.testing.assert_array_equal(a.u, b.u)
    np.testing.assert_array_equal(a.v, b.v)
    assert "ecmwf.grib2:u10/v10" in a.name


def test_a_drift_on_grib2_winds_equals_the_same_drift_on_netcdf_winds(tmp_path):
    grib, nc = _pair(tmp_path)
    base = {
        "lon": 12.5,
        "lat": 34.0,
        "time": datetime(2026, 11, 20, 3, tzinfo=UTC),
        "hours": 12,
        "particles": 400,
        "seed": 11,
    }
    on_grib = predict_drift(DriftRequest(**base, winds=(grib,)))
    on_nc = predict_drift(DriftRequest(**base, winds=(nc,)))
    np.testing.assert_array_equal(on_grib.final_lon, on_nc.final_lon)
    np.testing.assert_array_equal(on_grib.final_lat, on_nc.final_lat)
    last_g, last_n = on_grib.summary.final, on_nc.summary.final
    assert (last_g.centroid_lon, last_g.centroid_lat) == (last_n.centroid_lon, last_n.centroid_lat)
    # the wind moved the cloud (downwind: east and south of the start)
    assert last_g.centroid_lon > 12.5 and last_g.centroid_lat < 34.0
    files = {f.file: f for f in on_grib.summary.forcing.files}
    assert files["ecmwf.grib2"].role == "wind" and len(files["ecmwf.grib2"].sha256) == 64


def test_packed_grib_values_stay_within_their_packing_precision(tmp_path):
    """16-bit simple packing (what NCEP and ECMWF send) rounds each value to its step."""
    grib, nc = _pair(tmp_path, ieee=False)
    window = {
        "t_first": np.datetime64("2026-11-20T00:00", "s"),
        "t_last": np.datetime64("2026-11-21T00:00", "s"),
        "lon": 13.0,
        "lat": 34.0,
    }
    a = open_vector_field([grib], "wind", **window)
    b = open_vector_field([nc], "wind", **window)
    u_range = float(b.u.max() - b.u.min())
    assert np.max(np.abs(a.u - b.u)) <= u_range / 2**16
    assert np.max(np.abs(a.u - b.u)) > 0  # really packed, not copied


def test_a_grib_file_with_several_runs_uses_the_latest_run_for_each_valid_time(tmp_path):
    u, v = smooth_winds(LON, LAT_DESC, STEPS)
    path = tmp_path / "two_runs.grib2"
    write_grib_winds(path, LON, LAT_DESC, RUN, STEPS, u, v)
    later = datetime(2026, 11, 20, 12, tzinfo=UTC)
    write_grib_winds(path, LON, LAT_DESC, later, STEPS, u + 10.0, v, mode="ab")
    (ds,) = open_grib(path)
    times = ds["time"].values.astype("datetime64[h]")
    assert times[0] == np.datetime64("2026-11-20T00", "h")
    assert times[-1] == np.datetime64("2026-11-21T12", "h")
    assert np.all(np.diff(times) > np.timedelta64(0, "h"))
    u_at = ds["u10"].isel(latitude=0, longitude=0).values
    i_before = int(np.searchsorted(times, np.datetime64("2026-11-20T09", "h")))
    i_after = int(np.searchsorted(times, np.datetime64("2026-11-20T15", "h")))
    assert u_at[i_before] < 10.0 < u_at[i_after]  # the 12 UTC run (+10 m/s) after 12 UTC
    assert ds.attrs["forecast_reference_time"] == "2026-11-20T12:00:00Z"


def test_a_truncated_grib_download_is_refused_with_what_to_do(tmp_path):
    grib, _ = _pair(tmp_path)
    cut = tmp_path / "cut.grib2"
    cut.write_bytes(grib.read_bytes()[:300])
    with pytest.raises(ForcingError, match=r"check that the download finished"):
        open_vector_field(
            [cut],
            "wind",
            t_first=np.datetime64("2026-11-20T02:00", "s"),
            t_last=np.datetime64("2026-11-20T05:00", "s"),
            lon=12.5,
            lat=34.0,
        )
