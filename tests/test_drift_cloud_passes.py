"""The numba passes behind the per-output statistics agree with plain numpy and pyproj."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from sarwatch.drift import _cloud
from sarwatch.drift.analysis import _grid_frame, cloud_stats, density_grid

_GEOD = Geod(ellps="WGS84")


def _numpy_stats(lon: np.ndarray, lat: np.ndarray) -> tuple[float, float, float]:
    """Centroid (mean unit vector) and RMS geodesic distance, with numpy and pyproj."""
    ok = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = lon[ok], lat[ok]
    lam, phi = np.radians(lon), np.radians(lat)
    x = np.mean(np.cos(phi) * np.cos(lam))
    y = np.mean(np.cos(phi) * np.sin(lam))
    z = np.mean(np.sin(phi))
    clon = float(np.degrees(np.arctan2(y, x)))
    clat = float(np.degrees(np.arctan2(z, np.hypot(x, y))))
    d = _GEOD.inv(np.full(lon.size, clon), np.full(lon.size, clat), lon, lat)[2]
    return clon, clat, float(np.sqrt(np.mean(np.square(d)))) / 1000.0


@settings(max_examples=30, deadline=None)
@given(
    lon0=st.floats(-179.0, 179.0),
    lat0=st.floats(-70.0, 70.0),
    spread_deg=st.floats(1e-4, 2.0),
    n=st.integers(1, 3000),
    seed=st.integers(0, 2**32 - 1),
)
def test_centroid_and_spread_match_numpy_and_pyproj(lon0, lat0, spread_deg, n, seed) -> None:
    rng = np.random.default_rng(seed)
    lon = lon0 + spread_deg * rng.standard_normal(n)
    lat = np.clip(lat0 + spread_deg * rng.standard_normal(n), -89.0, 89.0)
    if n > 2:
        lon[1] = np.nan  # ignored, as the numpy version did
    s = cloud_stats(lon, lat)
    clon, clat, std_km = _numpy_stats(lon, lat)
    assert s.n == int(np.isfinite(lon).sum())
    assert s.centroid_lat == pytest.approx(clat, abs=1e-9)
    assert ((s.centroid_lon - clon + 180.0) % 360.0) - 180.0 == pytest.approx(0.0, abs=1e-9)
    # the chord-and-arc distance is within 1e-6 of the geodesic below a few hundred km
    assert s.std_km == pytest.approx(std_km, rel=2e-6, abs=1e-9)


def test_far_flung_particles_take_the_trigonometric_path_and_stay_exact() -> None:
    # particles more than 0.25 rad (14 degrees) from the reference use sin/cos directly
    lon = np.array([10.0, 40.0, -20.0, 10.5])
    lat = np.array([30.0, 35.0, 50.0, -5.0])
    s = cloud_stats(lon, lat)
    clon, clat, _ = _numpy_stats(lon, lat)
    assert (s.centroid_lon, s.centroid_lat) == pytest.approx((clon, clat), abs=1e-12)


def test_the_statistics_do_not_depend_on_the_number_of_threads() -> None:
    rng = np.random.default_rng(7)
    lon = 13.0 + 0.4 * rng.standard_normal(200_000)
    lat = 34.0 + 0.3 * rng.standard_normal(200_000)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = cloud_stats(lon, lat)
        numba.set_num_threads(before)
        many = cloud_stats(lon, lat)
    finally:
        numba.set_num_threads(before)
    assert one == many  # bit for bit: block sums are added in a fixed order


def test_the_histogram_is_numpys_bincount() -> None:
    rng = np.random.default_rng(3)
    lon = 12.0 + rng.standard_normal(50_000)
    lat = 33.0 + rng.standard_normal(50_000)
    lon[::97] = np.nan
    grid = density_grid(lon, lat, smooth_cells=0.0)
    ok = np.isfinite(lon) & np.isfinite(lat)
    # the grid's exact cells (its edges pass through the lowest particles: a corner rebuilt
    # from the cell centres could put them in the next cell)
    extent = (lon[ok].min(), lon[ok].max(), lat[ok].min(), lat[ok].max())
    frame = _grid_frame(cloud_stats(lon, lat), extent, None, 0.0, 300)
    lon_min, lat_min, pad, dlon, dlat, nx, ny = frame
    assert (nx, ny) == (grid.lon.size, grid.lat.size)
    lon0 = lon_min - pad * dlon
    np.testing.assert_allclose(grid.lon, lon0 + (np.arange(nx) + 0.5) * dlon, rtol=0, atol=1e-12)
    ix = np.clip(((lon[ok] - lon_min) / dlon + pad).astype(np.intp), 0, nx - 1)
    iy = np.clip(((lat[ok] - lat_min) / dlat + pad).astype(np.intp), 0, ny - 1)
    # the lowest particles in cell ``pad``, whatever the last bits of the cell size
    assert ix.min() == iy.min() == pad
    counts = np.bincount(iy * nx + ix, minlength=nx * ny).reshape(ny, nx)
    np.testing.assert_allclose(grid.probability, counts / counts.sum(), rtol=0, atol=1e-15)


def test_cell_counts_are_numpys_unique_counts() -> None:
    rng = np.random.default_rng(5)
    # across the prime meridian: negative cells (which np.unique of iy * 1e6 + ix, the old
    # key, put some 8,000 degrees east)
    lon = -0.3 + 0.2 * rng.standard_normal(30_000)
    lat = 36.0 + 0.2 * rng.standard_normal(30_000)
    cell = 1.0 / 120.0
    x0, y0, counts = _cloud.cell_counts(lon, lat, cell, 4_000_000)
    ix = np.floor(lon / cell).astype(np.int64)
    iy = np.floor(lat / cell).astype(np.int64)
    cells, n = np.unique(np.stack([iy, ix], axis=1), axis=0, return_counts=True)
    cy, cx = cells[:, 0], cells[:, 1]
    assert (x0, y0) == (ix.min(), iy.min())
    assert counts.sum() == lon.size
    np.testing.assert_array_equal(counts[cy - y0, cx - x0], n)
    _, _, none = _cloud.cell_counts(lon, lat, cell, 10)  # a box over the limit: no counts
    assert none.size == 0
