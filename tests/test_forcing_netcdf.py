"""CF-NetCDF forcing readers: names, orders, longitudes, concatenation and errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from sarwatch.adapters.forcing import current_towards, open_vector_field, wind_from
from sarwatch.errors import ForcingError, InputError

T0 = np.datetime64("2026-11-20T00:00:00", "s")
WINDOW = {"t_first": T0 + np.timedelta64(2, "h"), "t_last": T0 + np.timedelta64(20, "h")}


def _u_of(lon, lat, hours):
    """A field that tells position and time apart: u = lon + lat/100 + hours/1000."""
    return lon + lat / 100.0 + hours / 1000.0


def _write(
    path,
    *,
    names=("uo", "vo"),
    std=("eastward_sea_water_velocity", "northward_sea_water_velocity"),
    lat_desc=False,
    lon360=False,
    hours=range(0, 25),
    depth=False,
    units="m s-1",
    lon=np.arange(10.0, 15.01, 0.25),
    lat=np.arange(31.0, 35.01, 0.25),
):
    hours = np.asarray(list(hours), float)
    lo, la = np.meshgrid(lon, lat)
    u = np.stack([_u_of(lo, la, h) for h in hours])
    v = -u
    lat_c = lat[::-1] if lat_desc else lat
    if lat_desc:
        u, v = u[:, ::-1], v[:, ::-1]
    lon_c = np.where(lon < 0, lon + 360.0, lon) if lon360 else lon
    if lon360:
        order = np.argsort(lon_c)
        lon_c, u, v = lon_c[order], u[:, :, order], v[:, :, order]
    dims = ("time", "latitude", "longitude")
    if depth:
        u = np.stack([u, u * 0 + 99.0], axis=1)
        v = np.stack([v, v * 0 + 99.0], axis=1)
        dims = ("time", "depth", "latitude", "longitude")
    times = pd.to_datetime(T0) + pd.to_timedelta(hours, "h")
    coords = {"time": times, "latitude": lat_c, "longitude": lon_c}
    if depth:
        coords["depth"] = [0.494, 10.0]
    attrs_u = {"units": units}
    attrs_v = {"units": units}
    if std:
        attrs_u["standard_name"], attrs_v["standard_name"] = std
    ds = xr.Dataset(
        {names[0]: (dims, u.astype("f4"), attrs_u), names[1]: (dims, v.astype("f4"), attrs_v)},
        coords=coords,
    )
    ds["latitude"].attrs = {"standard_name": "latitude", "units": "degrees_north"}
    ds["longitude"].attrs = {"standard_name": "longitude", "units": "degrees_east"}
    ds.to_netcdf(path)
    return path


def _check_values(field, hours_rel=2.0):
    """The loaded grid must reproduce u = lon + lat/100 + hours/1000 at its own coordinates."""
    ny, nx = field.u.shape[1:]
    lon = field.lon0 + field.dlon * np.arange(nx)
    lat = field.lat0 + field.dlat * np.arange(ny)
    hours = (field.times - T0) / np.timedelta64(1, "h")
    lo, la = np.meshgrid(lon, lat)
    for k, h in enumerate(hours):
        np.testing.assert_allclose(field.u[k], _u_of(lo, la, h), rtol=1e-5)
        np.testing.assert_allclose(field.v[k], -_u_of(lo, la, h), rtol=1e-5)
    assert field.dlon > 0 and field.dlat > 0


@pytest.mark.parametrize("lat_desc", [False, True])
def test_cmems_currents_in_either_latitude_order(tmp_path, lat_desc):
    path = _write(tmp_path / "cmems.nc", lat_desc=lat_desc)
    f = open_vector_field([path], "current", lon=12.5, lat=33.2, margin_deg=1.0, **WINDOW)
    _check_values(f)
    assert f.times[0] <= WINDOW["t_first"] and f.times[-1] >= WINDOW["t_last"]
    assert f.u.shape[0] == 19  # 2 h .. 20 h, hourly, nothing more
    assert f.extent[0] <= 11.5 and f.extent[2] >= 13.5


def test_longitudes_0_to_360_across_the_dateline_of_greenwich(tmp_path):
    lon = np.arange(-3.0, 3.01, 0.5)  # stored as 357..359.5, 0..3
    path = _write(tmp_path / "gfs.nc", lon360=True, lon=lon, lat=np.arange(30.0, 34.01, 0.5))
    f = open_vector_field([path], "current", lon=0.5, lat=32.0, margin_deg=10.0, **WINDOW)
    assert f.lon0 == pytest.approx(-3.0)
    assert f.extent[2] == pytest.approx(3.0)
    _check_values(f)


def test_era5_u10_v10_without_standard_name(tmp_path):
    path = _write(tmp_path / "era5.nc", names=("u10", "v10"), std=None)
    f = open_vector_field([path], "wind", lon=12.5, lat=33.2, **WINDOW)
    _check_values(f)
    assert "u10/v10" in f.name


def test_hycom_water_u_and_gfs_x_wind_names(tmp_path):
    hycom = _write(tmp_path / "hycom.nc", names=("water_u", "water_v"), std=None)
    gfs = _write(tmp_path / "gfs.nc", names=("x_wind", "y_wind"), std=("x_wind", "y_wind"))
    _check_values(open_vector_field([hycom], "current", lon=12.5, lat=33.2, **WINDOW))
    _check_values(open_vector_field([gfs], "wind", lon=12.5, lat=33.2, **WINDOW))


def test_surface_level_is_taken_from_a_depth_axis_and_cm_s_are_converted(tmp_path):
    path = _write(tmp_path / "depth.nc", depth=True)
    _check_values(open_vector_field([path], "current", lon=12.5, lat=33.2, **WINDOW))
    cms = _write(tmp_path / "cms.nc", units="cm/s")
    f = open_vector_field([cms], "current", lon=12.5, lat=33.2, **WINDOW)
    assert f.u[0, 0, 0] == pytest.approx(_u_of(f.lon0, f.lat0, 2.0) / 100.0, rel=1e-5)


def test_several_files_are_concatenated_in_time_in_any_order(tmp_path):
    a = _write(tmp_path / "a.nc", hours=range(0, 13))
    b = _write(tmp_path / "b.nc", hours=range(12, 25))  # 12 h appears twice
    f = open_vector_field([b, a], "current", lon=12.5, lat=33.2, **WINDOW)
    assert f.u.shape[0] == 19
    assert np.all(np.diff(f.times) == np.timedelta64(1, "h"))
    _check_values(f)


def test_missing_wind_lists_what_the_file_has(tmp_path):
    path = _write(tmp_path / "cur.nc")
    with pytest.raises(ForcingError) as err:
        open_vector_field([path], "wind", lon=12.5, lat=33.2, **WINDOW)
    msg = str(err.value)
    assert "no wind variables found" in msg
    assert "u10/v10" in msg and "eastward_wind/northward_wind" in msg
    assert "uo (standard_name=eastward_sea_water_velocity" in msg


def test_window_outside_the_time_coverage_says_what_is_covered(tmp_path):
    path = _write(tmp_path / "short.nc", hours=range(0, 10))
    with pytest.raises(
        ForcingError,
        match=r"needs 2026-11-20T02:00:00 to 2026-11-20T20:00:00 UTC but the files cover "
        r"2026-11-20T00:00:00 to 2026-11-20T09:00:00",
    ):
        open_vector_field([path], "current", lon=12.5, lat=33.2, **WINDOW)


def test_start_outside_the_grid_says_the_extent(tmp_path):
    path = _write(tmp_path / "small.nc")
    with pytest.raises(ForcingError, match=r"outside the grid \(10–15°E, 31–35°N\)"):
        open_vector_field([path], "current", lon=18.0, lat=33.2, **WINDOW)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        open_vector_field([tmp_path / "nope.nc"], "current", lon=12.5, lat=33.2, **WINDOW)


def test_on_scene_wind_from_and_current_towards_conventions():
    w = wind_from(20.0, 270.0, sigma_kn=2.0)  # a west wind blows towards the east
    assert w.u[0, 0, 0] == pytest.approx(20 * 1852 / 3600, rel=1e-6)
    assert w.v[0, 0, 0] == pytest.approx(0.0, abs=1e-6)
    assert w.sigma_ms == pytest.approx(2 * 1852 / 3600)
    c = current_towards(1.0, 180.0)
    assert c.v[0, 0, 0] == pytest.approx(-1852 / 3600, rel=1e-6)
    with pytest.raises(InputError, match="direction must be 0-360"):
        wind_from(10.0, 400.0)


def test_a_wind_file_of_missing_values_is_an_error_not_a_silent_run(tmp_path):
    """All-NaN winds stop every particle: the run says so instead of 'succeeding'."""
    from sarwatch.errors import ForcingError
    from sarwatch.services.drift import DriftRequest, predict_drift

    path = _write(tmp_path / "era5.nc", names=("u10", "v10"), std=None)
    with xr.open_dataset(path) as ds:
        blank = ds.load()
    blank["u10"][:] = np.nan
    blank["v10"][:] = np.nan
    nan_path = tmp_path / "era5-nan.nc"
    blank.to_netcdf(nan_path)
    req = DriftRequest(
        lon=12.5, lat=33.2, time=pd.Timestamp(T0).tz_localize("UTC").to_pydatetime(),
        hours=2, particles=200, winds=(nan_path,), seed=1,
    )  # fmt: skip
    with pytest.raises(ForcingError, match="lack of forcing data"):
        predict_drift(req)


def test_a_file_that_is_not_netcdf_or_a_directory_says_what_to_give(tmp_path) -> None:
    from sarwatch.adapters.forcing.netcdf import _open
    from sarwatch.errors import ForcingError, InputError

    text = tmp_path / "winds.nc"
    text.write_text("<html>503 Service Unavailable</html>")  # a failed download
    with pytest.raises(ForcingError) as info:
        _open(text)
    message = str(info.value)
    assert "not a readable NetCDF file; give a CF-NetCDF file" in message
    assert "check that the download finished" in message
    assert "engine" not in message and "xarray" not in message
    with pytest.raises(InputError, match=r"is a directory, not a forcing file: give the NetCDF"):
        _open(tmp_path)


def test_longitudes_inside_the_range_are_kept_bit_for_bit(tmp_path):
    """Re-wrapping 9.05 through ((x + 180) % 360) - 180 gives 9.050000000000011: a
    longitude already within [-180, 180) must reach the field as the file has it."""
    lon = np.round(np.arange(9.0, 14.0 + 1e-9, 0.05), 6)
    assert not np.array_equal(((lon + 180.0) % 360.0) - 180.0, lon)  # the trap is real
    path = _write(tmp_path / "cmems.nc", lon=lon, lat=np.arange(31.0, 35.01, 0.25))
    # the window starts at 9.05, one cell west of 11.0 - 1.92
    f = open_vector_field([path], "current", lon=11.0, lat=33.0, margin_deg=1.92, **WINDOW)
    assert f.lon0 == lon[1] == 9.05
    _check_values(f)
