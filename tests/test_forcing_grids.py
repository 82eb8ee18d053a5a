"""Projected and curvilinear forcing grids: AROME-like Lambert, polar stereographic, ROMS,
WRF and NEMO fixture files made here, read back against analytic fields.

Each file holds an analytic east/north field written in the file's own terms (grid-relative
components where the product writes them so, found by mapping a short displacement through
the projection, not by the reader's rotation formula). Reading it must give the analytic
east/north field on a regular lon/lat grid within the interpolation error, and a drift run
driven by it must give the cloud the same field gives on a regular grid.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from pyproj import CRS, Geod, Transformer

from _forcing import write_regular_current
from sarwatch.adapters.forcing import open_vector_field
from sarwatch.adapters.forcing.units import length_scale_m, speed_scale_ms
from sarwatch.errors import ForcingError

T0 = np.datetime64("2026-11-20T00:00:00", "s")
WINDOW = {"t_first": T0 + np.timedelta64(1, "h"), "t_last": T0 + np.timedelta64(7, "h")}
LON0, LAT0 = 12.5, 33.2
M_PER_DEG = 111_195.0


def east_north(lon, lat, hours=0.0):
    """The analytic field (m/s): smooth, varying in both directions and in time."""
    u = 0.3 + 0.2 * np.sin(np.pi * (lon - 12.0)) + 0.01 * hours
    v = 0.2 * np.cos(np.pi * (lat - 33.0)) - 0.1
    return u, v


def grid_components(to_xy, lon, lat, ue, vn, theta=0.0, geod=None):
    """East/north vectors as components along the grid's x/y axes.

    A 1 m geodesic step along the vector (on the grid's ellipsoid) is mapped through the
    projection; its direction on the grid (rotated by ``-theta`` for a grid turned by
    ``theta``) carries the speed.
    """
    geod = geod or Geod(ellps="WGS84")
    speed = np.hypot(ue, vn)
    az = np.degrees(np.arctan2(ue, vn))
    lon2, lat2, _ = geod.fwd(lon, lat, az, np.ones_like(lon))
    x1, y1 = to_xy(lon, lat)
    x2, y2 = to_xy(lon2, lat2)
    dx, dy = np.asarray(x2) - x1, np.asarray(y2) - y1
    gx = dx * np.cos(theta) + dy * np.sin(theta)
    gy = -dx * np.sin(theta) + dy * np.cos(theta)
    norm = np.hypot(gx, gy)
    return speed * gx / norm, speed * gy / norm


def _times(n=10):
    return pd.to_datetime(T0) + pd.to_timedelta(np.arange(n), "h")


def write_projected(
    path, gm_attrs, *, spacing_km, units="m s-1", xy_units="m", names=("x_wind", "y_wind"),
    std=("x_wind", "y_wind"), half_width_km=220,
):  # fmt: skip
    """A projected-grid file (CF grid_mapping), centred on the test position."""
    crs = CRS.from_cf(gm_attrs)
    to_xy = Transformer.from_crs(crs.geodetic_crs, crs, always_xy=True).transform
    to_geo = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True).transform
    xc, yc = to_xy(LON0, LAT0)
    half = half_width_km * 1000.0
    step = spacing_km * 1000.0
    x = xc + np.arange(-half, half + 1, step)
    y = yc + np.arange(-half, half + 1, step)
    xx, yy = np.meshgrid(x, y)
    lon, lat = to_geo(xx, yy)
    times = _times()
    hours = np.arange(times.size, dtype=float)
    comps = [east_north(lon, lat, h) for h in hours]
    if std[0].startswith(("x_", "sea_water_x")):
        comps = [grid_components(to_xy, lon, lat, *c, geod=crs.get_geod()) for c in comps]
    scale = speed_scale_ms(units, where="test")
    u = np.stack([c[0] for c in comps]) / scale
    v = np.stack([c[1] for c in comps]) / scale
    factor = length_scale_m(xy_units, where="test")
    ds = xr.Dataset(
        {
            names[0]: (("time", "y", "x"), u.astype("f4"),
                       {"standard_name": std[0], "units": units, "grid_mapping": "crs"}),
            names[1]: (("time", "y", "x"), v.astype("f4"),
                       {"standard_name": std[1], "units": units, "grid_mapping": "crs"}),
            "crs": ((), np.int32(0), gm_attrs),
        },
        coords={
            "time": times,
            "x": ("x", x / factor, {"standard_name": "projection_x_coordinate", "units": xy_units,
                                    "axis": "X"}),
            "y": ("y", y / factor, {"standard_name": "projection_y_coordinate", "units": xy_units,
                                    "axis": "Y"}),
        },
    )  # fmt: skip
    ds.to_netcdf(path)
    return path


AROME = {
    "grid_mapping_name": "lambert_conformal_conic",
    "standard_parallel": [30.0, 40.0],
    "longitude_of_central_meridian": 2.0,
    "latitude_of_projection_origin": 35.0,
    "earth_radius": 6371229.0,
}
POLAR = {
    "grid_mapping_name": "polar_stereographic",
    "straight_vertical_longitude_from_pole": -45.0,
    "latitude_of_projection_origin": 90.0,
    "standard_parallel": 60.0,
    "false_easting": 0.0,
    "false_northing": 0.0,
    "semi_major_axis": 6378137.0,
    "inverse_flattening": 298.257223563,
}


def _curvilinear(n_x=120, n_y=100, step_m=2500.0, theta_deg=30.0):
    """A grid turned by ``theta`` in an azimuthal equidistant plane around the test position."""
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={LAT0} +lon_0={LON0} +datum=WGS84")
    to_xy = Transformer.from_crs("EPSG:4326", aeqd, always_xy=True).transform
    to_geo = Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True).transform
    theta = np.radians(theta_deg)

    def lonlat(i, j):
        gx, gy = (i - n_x / 2) * step_m, (j - n_y / 2) * step_m
        return to_geo(
            gx * np.cos(theta) - gy * np.sin(theta), gx * np.sin(theta) + gy * np.cos(theta)
        )

    return to_xy, lonlat, theta


def _angle(lonlat, i, j):
    """The grid's x axis from east at (i, j), from the mapping (as a ROMS grid tool does)."""
    lo1, la1 = lonlat(i - 0.01, j)
    lo2, la2 = lonlat(i + 0.01, j)
    lat = np.radians((la1 + la2) / 2)
    e2 = 6.69437999014e-3  # WGS84: a degree of latitude is M, of longitude N cos(lat)
    return np.arctan2((la2 - la1) * (1 - e2) / (1 - e2 * np.sin(lat) ** 2),
                      (lo2 - lo1) * np.cos(lat))  # fmt: skip


def write_roms(path, *, land=None):
    n_x, n_y = 120, 100
    to_xy, lonlat, theta = _curvilinear(n_x, n_y)
    jr, ir = np.mgrid[0:n_y, 0:n_x].astype(float)
    lon_r, lat_r = lonlat(ir, jr)
    times = _times()
    hours = np.arange(times.size, dtype=float)

    def comps(i, j, which):
        lo, la = lonlat(i, j)
        out = []
        for h in hours:
            gx, gy = grid_components(to_xy, lo, la, *east_north(lo, la, h), theta)
            out.append(gx if which == "u" else gy)
        return np.stack(out)

    ju, iu = np.mgrid[0:n_y, 0 : n_x - 1].astype(float)
    jv, iv = np.mgrid[0 : n_y - 1, 0:n_x].astype(float)
    u = comps(iu + 0.5, ju, "u")
    v = comps(iv, jv + 0.5, "v")
    mask = np.ones((n_y, n_x))
    if land is not None:
        mask[land] = 0.0
        mask_u = mask[:, :-1] * mask[:, 1:]
        mask_v = mask[:-1, :] * mask[1:, :]
        u[:, mask_u == 0] = np.nan
        v[:, mask_v == 0] = np.nan
    ds = xr.Dataset(
        {
            "u": (("ocean_time", "s_rho", "eta_u", "xi_u"),
                  np.stack([u, u * 0 + 9.0], axis=1).astype("f4"),
                  {"long_name": "u-momentum component", "units": "meter second-1"}),
            "v": (("ocean_time", "s_rho", "eta_v", "xi_v"),
                  np.stack([v, v * 0 + 9.0], axis=1).astype("f4"),
                  {"long_name": "v-momentum component", "units": "meter second-1"}),
            "lon_rho": (("eta_rho", "xi_rho"), lon_r, {"units": "degree_east"}),
            "lat_rho": (("eta_rho", "xi_rho"), lat_r, {"units": "degree_north"}),
            "angle": (("eta_rho", "xi_rho"), _angle(lonlat, ir, jr), {"units": "radians"}),
            "mask_rho": (("eta_rho", "xi_rho"), mask),
        },
        coords={"ocean_time": times, "s_rho": ("s_rho", [-0.0125, -0.9875])},
    )  # fmt: skip
    ds.to_netcdf(path)
    return path


def write_wrf(path):
    n_x, n_y = 110, 90
    to_xy, lonlat, theta = _curvilinear(n_x, n_y, step_m=3000.0, theta_deg=-20.0)
    j, i = np.mgrid[0:n_y, 0:n_x].astype(float)
    lon, lat = lonlat(i, j)
    times = _times()
    u, v = zip(*(grid_components(to_xy, lon, lat, *east_north(lon, lat, h), theta)
                 for h in range(times.size)), strict=True)  # fmt: skip
    ang = _angle(lonlat, i, j)
    text = np.array([list(t.strftime("%Y-%m-%d_%H:%M:%S")) for t in times], dtype="S1")
    rep = (times.size, 1, 1)
    ds = xr.Dataset(
        {
            "U10": (("Time", "south_north", "west_east"), np.stack(u).astype("f4"),
                    {"units": "m s-1", "description": "U at 10 M"}),
            "V10": (("Time", "south_north", "west_east"), np.stack(v).astype("f4"),
                    {"units": "m s-1", "description": "V at 10 M"}),
            "XLONG": (("Time", "south_north", "west_east"), np.tile(lon, rep)),
            "XLAT": (("Time", "south_north", "west_east"), np.tile(lat, rep)),
            "COSALPHA": (("Time", "south_north", "west_east"), np.tile(np.cos(ang), rep)),
            "SINALPHA": (("Time", "south_north", "west_east"), np.tile(np.sin(ang), rep)),
            "Times": (("Time", "DateStrLen"), text),
        }
    )  # fmt: skip
    ds.to_netcdf(path)
    return path


def write_nemo(path):
    n_x, n_y = 100, 100
    to_xy, lonlat, theta = _curvilinear(n_x, n_y, step_m=4000.0, theta_deg=10.0)
    j, i = np.mgrid[0:n_y, 0:n_x].astype(float)
    lon, lat = lonlat(i, j)
    times = _times()
    u, v = zip(*(grid_components(to_xy, lon, lat, *east_north(lon, lat, h), theta)
                 for h in range(times.size)), strict=True)  # fmt: skip
    ds = xr.Dataset(
        {
            "uo": (("time_counter", "deptht", "y", "x"), np.stack(u)[:, None].astype("f4"),
                   {"standard_name": "sea_water_x_velocity", "units": "m/s"}),
            "vo": (("time_counter", "deptht", "y", "x"), np.stack(v)[:, None].astype("f4"),
                   {"standard_name": "sea_water_y_velocity", "units": "m/s"}),
            "nav_lon": (("y", "x"), lon, {"standard_name": "longitude", "units": "degrees_east"}),
            "nav_lat": (("y", "x"), lat, {"standard_name": "latitude", "units": "degrees_north"}),
        },
        coords={"time_counter": times, "deptht": ("deptht", [0.5])},
    )  # fmt: skip
    ds.to_netcdf(path)
    return path


def write_regular(path, step_deg=0.02, names=("uo", "vo")):
    lon = np.arange(10.5, 14.5 + 1e-9, step_deg)
    lat = np.arange(31.5, 35.0 + 1e-9, step_deg)
    lo, la = np.meshgrid(lon, lat)
    times = _times()
    comps = [east_north(lo, la, h) for h in range(times.size)]
    u = np.stack([c[0] for c in comps])
    v = np.stack([c[1] for c in comps])
    return write_regular_current(path, lon, lat, times, u, v, names=names)


def _compare(field, *, interpolations=1):
    """The field's grid values against the analytic east/north field at the same times.

    The bound is that of bilinear interpolation, ``(hx² |f_xx| + hy² |f_yy|) / 8`` per
    interpolation, with the native spacing (the target's) in degrees of longitude (the
    larger), plus float32 rounding.
    """
    h_lon = field.dlat / np.cos(np.radians(LAT0))
    second = 0.2 * np.pi**2  # the largest |second derivative| of the field, m/s per degree²
    tol_ms = interpolations * 2 * h_lon**2 / 8 * second + 1e-5
    ny, nx = field.u.shape[1:]
    lon = field.lon0 + field.dlon * np.arange(nx)
    lat = field.lat0 + field.dlat * np.arange(ny)
    lo, la = np.meshgrid(lon, lat)
    hours = (field.times - T0) / np.timedelta64(1, "h")
    worst = 0.0
    for k, h in enumerate(hours):
        ue, vn = east_north(lo, la, h)
        ok = np.isfinite(field.u[k])
        assert ok.mean() > 0.999, "the resampled grid has holes"
        worst = max(worst, float(np.max(np.abs(field.u[k][ok] - ue[ok]))),
                    float(np.max(np.abs(field.v[k][ok] - vn[ok]))))  # fmt: skip
    assert worst < tol_ms, f"largest error {worst:.2e} m/s"
    return worst


def test_arome_like_lambert_x_wind_is_rotated_to_east_north(tmp_path):
    path = write_projected(tmp_path / "arome.nc", AROME, spacing_km=2.5,
                           names=("x_wind_10m", "y_wind_10m"))  # fmt: skip
    f = open_vector_field([path], "wind", lon=LON0, lat=LAT0, margin_deg=1.0, **WINDOW)
    assert "lambert_conformal_conic" in f.name and "rotated" in f.name
    # The grid's x axis is turned by ~6° from east at 12.5°E: without rotation the
    # north component would be off by ~0.04 m/s.
    _compare(f)
    assert f.dlat == pytest.approx(2500.0 / M_PER_DEG, rel=0.02)
    assert f.extent[0] <= LON0 - 0.9 and f.extent[3] >= LAT0 + 0.9


def test_polar_stereographic_in_km_with_meter_second_1(tmp_path):
    path = write_projected(
        tmp_path / "polar.nc", POLAR, spacing_km=4.0, units="meter second-1", xy_units="km",
        names=("X_vel", "Y_vel"), std=("x_sea_water_velocity", "y_sea_water_velocity"),
    )  # fmt: skip
    f = open_vector_field([path], "current", lon=LON0, lat=LAT0, margin_deg=1.0, **WINDOW)
    assert "polar_stereographic" in f.name
    # Kilometres were read as kilometres, not as degrees: the grid lies around the start.
    assert f.extent[0] < LON0 < f.extent[2] and f.extent[1] < LAT0 < f.extent[3]
    _compare(f)


def test_projected_earth_relative_components_are_not_rotated(tmp_path):
    path = write_projected(tmp_path / "lcc-east.nc", AROME, spacing_km=2.5, units="cm/s",
                           names=("ue", "vn"), std=("eastward_wind", "northward_wind"))  # fmt: skip
    f = open_vector_field([path], "wind", lon=LON0, lat=LAT0, margin_deg=0.5, **WINDOW)
    assert "rotated" not in f.name
    _compare(f)


def test_roms_staggered_u_v_with_angle_and_land_mask(tmp_path):
    land = (slice(60, 75), slice(70, 90))  # a rectangular island
    path = write_roms(tmp_path / "roms.nc", land=land)
    f = open_vector_field([path], "current", lon=LON0, lat=LAT0, margin_deg=1.0, **WINDOW)
    assert "ROMS lon_rho/lat_rho" in f.name and "filled from the nearest sea cell" in f.name
    # Away from the island the analytic field comes back (averaging the C grid's faces to
    # the centres is one more linear interpolation).
    ny, nx = f.u.shape[1:]
    lon = f.lon0 + f.dlon * np.arange(nx)
    lat = f.lat0 + f.dlat * np.arange(ny)
    lo, la = np.meshgrid(lon, lat)
    ue, vn = east_north(lo, la, (f.times[0] - T0) / np.timedelta64(1, "h"))
    _, lonlat, _ = _curvilinear()
    centre = lonlat(80.0, 67.5)
    far = np.hypot((lo - centre[0]) * np.cos(np.radians(LAT0)), la - centre[1]) > 0.45
    bound = 2 * 2 * (f.dlat / np.cos(np.radians(LAT0))) ** 2 / 8 * 0.2 * np.pi**2 + 1e-5
    assert np.max(np.abs(f.u[0][far] - ue[far])) < bound
    assert np.max(np.abs(f.v[0][far] - vn[far])) < bound
    # On the island the values are those of the nearest sea: no NaN, no zeros, and no
    # farther from the analytic field than its gradient (0.2π m/s per degree of
    # longitude) times the island's half-diagonal (~0.3°).
    near = ~far
    assert near.any() and np.all(np.isfinite(f.u[0]))
    assert np.min(f.u[0][near]) > 0.09  # u >= 0.1 everywhere at sea
    assert np.max(np.abs(f.u[0][near] - ue[near])) < 0.2 * np.pi * 0.3


def test_roms_without_land_matches_the_analytic_field(tmp_path):
    path = write_roms(tmp_path / "roms.nc")
    f = open_vector_field([path], "current", lon=LON0, lat=LAT0, margin_deg=1.0, **WINDOW)
    _compare(f, interpolations=2)  # faces to centres, then to the target


def test_wrf_u10_v10_with_cosalpha_sinalpha_and_times(tmp_path):
    path = write_wrf(tmp_path / "wrfout.nc")
    f = open_vector_field([path], "wind", lon=LON0, lat=LAT0, margin_deg=1.0, **WINDOW)
    assert "XLONG/XLAT" in f.name and "rotated" in f.name
    assert f.times[0] == T0 + np.timedelta64(1, "h")
    _compare(f)


def test_nemo_nav_lon_nav_lat_sea_water_x_velocity(tmp_path):
    path = write_nemo(tmp_path / "nemo.nc")
    f = open_vector_field([path], "current", lon=LON0, lat=LAT0, margin_deg=1.5, **WINDOW)
    assert "nav_lon/nav_lat" in f.name
    _compare(f)


def test_uneven_lon_lat_axes_are_resampled(tmp_path):
    lon = np.concatenate([np.arange(10.0, 12.0, 0.05), np.arange(12.0, 15.0, 0.03)])
    lat = 31.0 + np.cumsum(np.full(120, 0.03) * np.linspace(0.8, 1.2, 120))
    lo, la = np.meshgrid(lon, lat)
    times = _times()
    comps = [east_north(lo, la, h) for h in range(times.size)]
    ds = xr.Dataset(
        {"uo": (("time", "latitude", "longitude"), np.stack([c[0] for c in comps]).astype("f4")),
         "vo": (("time", "latitude", "longitude"), np.stack([c[1] for c in comps]).astype("f4"))},
        coords={"time": times, "latitude": lat, "longitude": lon},
    )  # fmt: skip
    path = tmp_path / "uneven.nc"
    ds.to_netcdf(path)
    f = open_vector_field([path], "current", lon=LON0, lat=LAT0, margin_deg=1.0, **WINDOW)
    assert "uneven" in f.name
    _compare(f)


def test_unplaceable_grid_says_what_it_expected(tmp_path):
    ds = xr.Dataset(
        {"uo": (("time", "j", "i"), np.zeros((3, 4, 5), "f4")),
         "vo": (("time", "j", "i"), np.zeros((3, 4, 5), "f4"))},
        coords={"time": _times(3)},
    )  # fmt: skip
    path = tmp_path / "bare.nc"
    ds.to_netcdf(path)
    with pytest.raises(ForcingError, match=r"cannot place uo/vo.*grid_mapping.*cdo remapbil"):
        open_vector_field([path], "current", lon=LON0, lat=LAT0, **WINDOW)


def test_units_that_are_not_a_speed_are_refused_with_the_fix(tmp_path):
    path = write_projected(tmp_path / "bad.nc", AROME, spacing_km=10.0, units="m s-1",
                           names=("ue", "vn"), std=("eastward_wind", "northward_wind"))  # fmt: skip
    with xr.open_dataset(path) as ds:
        bad = ds.load()
    bad["ue"].attrs["units"] = "degC"
    path = tmp_path / "bad-units.nc"
    bad.to_netcdf(path)
    with pytest.raises(ForcingError, match=r"units 'degC' are not a speed.*ncatted"):
        open_vector_field([path], "wind", lon=LON0, lat=LAT0, **WINDOW)


def test_start_outside_a_curvilinear_grid(tmp_path):
    path = write_nemo(tmp_path / "nemo.nc")
    with pytest.raises(ForcingError, match=r"outside the curvilinear grid"):
        open_vector_field([path], "current", lon=18.0, lat=LAT0, **WINDOW)


@pytest.mark.parametrize(
    ("units", "factor"),
    [("meter second-1", 1.0), ("m s-1", 1.0), ("m/s", 1.0), ("cm/s", 0.01), ("cm s-1", 0.01),
     ("knots", 1852 / 3600), ("kt", 1852 / 3600), ("kn", 1852 / 3600), ("m s**-1", 1.0),
     ("km/h", 1 / 3.6), (None, 1.0)],
)  # fmt: skip
def test_udunits_speed_strings(units, factor):
    assert speed_scale_ms(units, where="u") == pytest.approx(factor, rel=1e-9)


def test_lengths_and_non_speeds():
    assert length_scale_m("km", where="x") == 1000.0
    assert length_scale_m("m", where="x") == 1.0
    with pytest.raises(ForcingError, match="not a length"):
        length_scale_m("m s-1", where="x")
    with pytest.raises(ForcingError, match="not a speed"):
        speed_scale_ms("hours since 2026-01-01", where="u")
    with pytest.raises(ForcingError, match="not a speed"):
        speed_scale_ms("banana", where="u")


# ----------------------------------------------------------------------------- runs


def _run(tmp_path, current_path, seed=7):
    from sarwatch.services.drift import DriftRequest, predict_drift

    req = DriftRequest(
        lon=LON0, lat=LAT0, time=datetime(2026, 11, 20, 1, 0, tzinfo=UTC), hours=6,
        particles=2000, currents=(current_path,), wind_kn=0.0, wind_from_deg=0.0,
        object_class="PIW-1", seed=seed, jibe_per_h=0.0,
    )  # fmt: skip
    return predict_drift(req, cache_dir=None)


@pytest.mark.parametrize("kind", ["lambert", "polar", "roms", "nemo"])
def test_a_run_on_each_grid_gives_the_cloud_of_the_regular_grid(tmp_path, kind):
    from sarwatch.geo.geodesy import geodesic_distance_m

    writers = {
        "lambert": lambda p: write_projected(
            p, AROME, spacing_km=2.5, names=("uc", "vc"),
            std=("x_sea_water_velocity", "y_sea_water_velocity")),
        "polar": lambda p: write_projected(
            p, POLAR, spacing_km=3.0, units="meter second-1", xy_units="km", names=("uc", "vc"),
            std=("x_sea_water_velocity", "y_sea_water_velocity")),
        "roms": write_roms,
        "nemo": write_nemo,
    }  # fmt: skip
    native = _run(tmp_path, writers[kind](tmp_path / f"{kind}.nc"))
    regular = _run(tmp_path, write_regular(tmp_path / "regular.nc"))
    a, b = native.snapshots[-1], regular.snapshots[-1]
    # Same seed, same particles: the clouds differ only by the forcing's interpolation
    # (a few 1e-4 m/s over 6 h: metres).
    assert a.std_km == pytest.approx(b.std_km, rel=0.01)
    moved = float(geodesic_distance_m(LON0, LAT0, b.centroid_lon, b.centroid_lat))
    assert moved > 5_000.0
    gap = float(geodesic_distance_m(a.centroid_lon, a.centroid_lat, b.centroid_lon, b.centroid_lat))
    assert gap < 30.0, f"centroids {gap:.1f} m apart after {moved / 1000:.1f} km of drift"
    each = np.hypot(
        (native.final_lon - regular.final_lon) * 111.2 * np.cos(np.radians(LAT0)),
        (native.final_lat - regular.final_lat) * 111.2,
    )
    assert np.percentile(each, 99) < 0.1  # km
