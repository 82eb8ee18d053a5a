"""The fused snapshot passes give the figures of the straightforward path.

``analysis.located_cloud`` (three numba passes over a whole particle state, the status as a
mask) against ``lon[located]`` copies fed to ``cloud_stats``, ``density_grid``, numpy's
``bincount``/``unique``; ``drift_stats.snapshot`` against ``snapshot_reference`` (the
path it replaced, one public function per figure).
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.drift import _cloud
from sarwatch.drift.analysis import cloud_stats, density_grid, located_cloud
from sarwatch.drift.result import Snapshot
from sarwatch.drift.state import (
    ACTIVE,
    NOT_RELEASED,
    OUT_OF_DOMAIN,
    STRANDED,
    ParticleState,
)
from sarwatch.services.drift_stats import snapshot, snapshot_reference, srr_shares

T = np.datetime64("2024-03-01T06:00")
CELL = 1.0 / 120.0


def _state(
    lon: np.ndarray, lat: np.ndarray, status: np.ndarray, *, nan_every: int = 0
) -> ParticleState:
    st_ = ParticleState.passive(lon, lat)
    st_.status[:] = status
    if nan_every:
        st_.lon[::nan_every] = np.nan  # a position lost: not located, whatever its status
    return st_


def _cloud_state(
    seed: int, n: int, lon0: float, lat0: float, spread_deg: float, *, nan_every: int = 0
) -> ParticleState:
    rng = np.random.default_rng(seed)
    lon = lon0 + spread_deg * rng.standard_normal(n)
    lat = np.clip(lat0 + 0.8 * spread_deg * rng.standard_normal(n), -89.0, 89.0)
    status = rng.choice(np.arange(5, dtype=np.int8), size=n, p=[0.9, 0.04, 0.03, 0.01, 0.02])
    return _state(lon, lat, status, nan_every=nan_every)


def _located(s: ParticleState) -> np.ndarray:
    return ((s.status == ACTIVE) | (s.status == STRANDED)) & np.isfinite(s.lon) & np.isfinite(s.lat)


def _same_snapshot(a: Snapshot, b: Snapshot) -> None:
    assert a.status == b.status
    assert a.stranded_share == b.stranded_share
    assert a.srr_share == b.srr_share  # identical shares, in the same order
    if np.isnan(b.centroid_lon):
        assert np.isnan(a.centroid_lon) and np.isnan(a.centroid_lat) and np.isnan(a.std_km)
    else:
        assert a.centroid_lon == pytest.approx(b.centroid_lon, rel=1e-12, abs=1e-9)
        assert a.centroid_lat == pytest.approx(b.centroid_lat, rel=1e-12, abs=1e-9)
        assert a.std_km == pytest.approx(b.std_km, rel=1e-9, abs=1e-12)
    assert len(a.containment) == len(b.containment)
    for ca, cb in zip(a.containment, b.containment, strict=True):
        assert ca.level == cb.level
        # the same cells (to the last bits of their size): the same snapped polygons
        assert ca.geometry.equals_exact(cb.geometry, 0.0)
        assert ca.area_km2 == pytest.approx(cb.area_km2, rel=1e-6, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(0, 3000),
    lon0=st.floats(-30.0, 40.0),
    lat0=st.floats(-60.0, 60.0),
    spread_deg=st.floats(1e-4, 1.5),
    nan_every=st.sampled_from([0, 0, 7, 101]),
    seed=st.integers(0, 2**32 - 1),
)
def test_located_cloud_equals_the_copies_path(n, lon0, lat0, spread_deg, nan_every, seed) -> None:
    s = _cloud_state(seed, n, lon0, lat0, spread_deg, nan_every=nan_every)
    c = located_cloud(s.lon, s.lat, s.status)
    m = _located(s)
    assert c.status_counts.tolist() == np.bincount(s.status, minlength=5).tolist()
    assert c.stats.n == int(m.sum())
    if not m.any():
        assert c.grid is None and c.cell_counts.size == 0
        assert np.isnan(c.stats.centroid_lon) and np.isnan(c.stats.std_km)
        return
    lon, lat = s.lon[m], s.lat[m]
    ref = cloud_stats(lon, lat)
    assert c.stats.centroid_lat == pytest.approx(ref.centroid_lat, rel=1e-12, abs=1e-9)
    assert c.stats.centroid_lon == pytest.approx(ref.centroid_lon, rel=1e-12, abs=1e-9)
    assert c.stats.std_km == pytest.approx(ref.std_km, rel=1e-9, abs=1e-12)
    # given the same statistics, the grid is density_grid's to the bit
    grid = density_grid(lon, lat, stats=c.stats)
    assert c.grid is not None
    np.testing.assert_array_equal(c.grid.lon, grid.lon)
    np.testing.assert_array_equal(c.grid.lat, grid.lat)
    np.testing.assert_array_equal(c.grid.probability, grid.probability)
    np.testing.assert_array_equal(c.grid.density_per_km2, grid.density_per_km2)
    # the cells: numpy's floor and unique over the located particles
    ix = np.floor(lon / CELL).astype(np.int64)
    iy = np.floor(lat / CELL).astype(np.int64)
    x0, y0 = c.cell_origin
    assert (x0, y0) == (ix.min(), iy.min())
    if c.cell_counts.size:
        cells, k = np.unique(np.stack([iy, ix], axis=1), axis=0, return_counts=True)
        np.testing.assert_array_equal(c.cell_counts[cells[:, 0] - y0, cells[:, 1] - x0], k)
        assert c.cell_counts.sum() == m.sum()
    else:  # only a box over the limit goes uncounted
        assert (ix.max() - x0 + 1) * (iy.max() - y0 + 1) > 262_144


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(0, 2000),
    lon0=st.floats(-3.0, 25.0),
    lat0=st.floats(31.0, 40.0),
    spread_deg=st.floats(1e-3, 0.8),
    nan_every=st.sampled_from([0, 13]),
    seed=st.integers(0, 2**32 - 1),
)
def test_snapshot_equals_the_reference_path(n, lon0, lat0, spread_deg, nan_every, seed) -> None:
    s = _cloud_state(seed, n, lon0, lat0, spread_deg, nan_every=nan_every)
    _same_snapshot(snapshot(T, 3.0, s), snapshot_reference(T, 3.0, s))


def test_a_large_cloud_takes_the_cells_and_equals_the_reference() -> None:
    # above 50,000 located particles the SAR shares come from the pass's 1/120-degree
    # cells; a cloud astride the Maltese/Italian/Libyan boundaries exercises overlaps
    s = _cloud_state(11, 120_000, 13.6, 34.3, 0.6, nan_every=997)
    fused, ref = snapshot(T, 1.0, s), snapshot_reference(T, 1.0, s)
    _same_snapshot(fused, ref)
    assert {r.region for r in fused.srr_share} >= {"LY", "MT", "IT"}
    assert fused.status.stranded > 0 and fused.status.out_of_domain > 0


def test_west_of_greenwich_cells_stay_in_place() -> None:
    # a cloud astride the prime meridian, off Algeria (negative cells), many particles
    s = _cloud_state(5, 80_000, -0.2, 36.5, 0.25)
    fused, ref = snapshot(T, 0.0, s), snapshot_reference(T, 0.0, s)
    _same_snapshot(fused, ref)
    assert fused.centroid_lon < 0.0
    assert dict((r.region, r.share) for r in fused.srr_share)["outside_packaged_regions"] > 0.9


def test_a_box_of_cells_over_the_limit_falls_back_to_the_copies() -> None:
    # two clumps 15 degrees apart: their box holds ~26 M cells, more than the pass counts
    rng = np.random.default_rng(2)
    n = 60_000
    lon = np.where(np.arange(n) % 2 == 0, 8.0, 23.0) + 0.01 * rng.standard_normal(n)
    lat = np.where(np.arange(n) % 2 == 0, 38.0, 32.0) + 0.01 * rng.standard_normal(n)
    s = _state(lon, lat, np.zeros(n, np.int8))
    assert located_cloud(s.lon, s.lat, s.status).cell_counts.size == 0
    fused = snapshot(T, 0.0, s)
    _same_snapshot(fused, snapshot_reference(T, 0.0, s))
    assert dict((r.region, r.share) for r in fused.srr_share) == srr_shares(lon, lat)


@pytest.mark.parametrize(
    ("statuses", "nan_all"),
    [
        ([OUT_OF_DOMAIN, NOT_RELEASED, OUT_OF_DOMAIN], False),  # nothing located
        ([ACTIVE, ACTIVE, STRANDED], True),  # located, but no position
        ([], False),  # no particle at all
    ],
)
def test_no_located_particle(statuses: list[int], nan_all: bool) -> None:
    n = len(statuses)
    s = _state(np.full(n, 12.5), np.full(n, 33.5), np.array(statuses, np.int8))
    if nan_all:
        s.lat[:] = np.nan
    snap = snapshot(T, 0.0, s)
    assert np.isnan(snap.centroid_lon) and np.isnan(snap.std_km)
    assert snap.srr_share == () and snap.containment == ()
    assert snap.status.total == n
    assert snap.status.out_of_domain == statuses.count(OUT_OF_DOMAIN)
    if not nan_all:  # the reference path refuses a located particle without a position
        _same_snapshot(snap, snapshot_reference(T, 0.0, s))


def test_one_particle() -> None:
    s = _state(np.array([12.3456]), np.array([33.25]), np.array([ACTIVE], np.int8))
    snap = snapshot(T, 0.0, s)
    _same_snapshot(snap, snapshot_reference(T, 0.0, s))
    assert (snap.centroid_lon, snap.centroid_lat, snap.std_km) == pytest.approx(
        (12.3456, 33.25, 0.0), abs=1e-12
    )
    assert dict((r.region, r.share) for r in snap.srr_share)["LY"] == 1.0
    # the 50 % region: about the particle's 100 m cell (the smallest cell), at its corner
    c50 = snap.containment[0]
    assert c50.area_km2 < 0.05
    assert shapely.Point(12.3456, 33.25).distance(c50.geometry) < 1e-3


def test_all_stranded() -> None:
    s = _cloud_state(8, 5000, 14.4, 35.95, 0.02)  # around Malta
    s.status[:] = STRANDED
    snap = snapshot(T, 48.0, s)
    _same_snapshot(snap, snapshot_reference(T, 48.0, s))
    assert snap.stranded_share == 1.0 and snap.status.stranded == 5000
    assert snap.std_km == pytest.approx(cloud_stats(s.lon, s.lat).std_km, rel=1e-12)


def test_far_flung_particles_are_added_exactly() -> None:
    # some located particles lie more than 0.25 rad (14 degrees) from the first one: the
    # exact second loop of both series passes (centroid and spread) takes them
    rng = np.random.default_rng(4)
    n = 40_000
    lon = 12.0 + 0.3 * rng.standard_normal(n)
    lat = 34.0 + 0.3 * rng.standard_normal(n)
    lon[::1000] += 20.0
    lat[5::1000] -= 17.0
    status = np.zeros(n, np.int8)
    status[::3] = STRANDED
    status[7::11] = OUT_OF_DOMAIN
    s = _state(lon, lat, status)
    c = located_cloud(s.lon, s.lat, s.status)
    assert _cloud.may_be_far(
        (lon.min(), lon.max(), lat.min(), lat.max()), c.stats.centroid_lon, c.stats.centroid_lat
    )
    m = _located(s)
    ref = cloud_stats(lon[m], lat[m])
    assert (c.stats.centroid_lon, c.stats.centroid_lat) == pytest.approx(
        (ref.centroid_lon, ref.centroid_lat), rel=1e-13
    )
    assert c.stats.std_km == pytest.approx(ref.std_km, rel=1e-12)
    _same_snapshot(snapshot(T, 0.0, s), snapshot_reference(T, 0.0, s))


def test_the_fused_figures_do_not_depend_on_the_number_of_threads() -> None:
    s = _cloud_state(9, 300_000, 12.5, 33.5, 0.15, nan_every=501)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = located_cloud(s.lon, s.lat, s.status)
        numba.set_num_threads(before)
        many = located_cloud(s.lon, s.lat, s.status)
    finally:
        numba.set_num_threads(before)
    assert one.stats == many.stats  # bit for bit: block sums are added in a fixed order
    np.testing.assert_array_equal(one.status_counts, many.status_counts)
    np.testing.assert_array_equal(one.cell_counts, many.cell_counts)
    assert one.grid is not None and many.grid is not None
    np.testing.assert_array_equal(one.grid.probability, many.grid.probability)


def test_the_extent_keys_order_negative_and_positive_floats() -> None:
    # the extent is taken on integer keys of the floats' bits: signs, zeros, tiny values
    lon = np.array([-0.0, 0.0, -1e-300, 1e-300, -179.9, 179.9, 5.0])
    lat = np.array([-89.0, 89.0, 0.0, -0.0, 1e-310, -1e-310, 3.0])
    status = np.array([ACTIVE] * 6 + [OUT_OF_DOMAIN], np.int8)
    _, sums, extent = _cloud.located_sums(
        lon, lat, status, lon.view(np.int64), lat.view(np.int64), lon[0], lat[0]
    )
    assert sums[0] == 6
    assert extent.tolist() == [-179.9, 179.9, -89.0, 89.0]


@settings(max_examples=30, deadline=None)
@given(
    lon0=st.floats(4.0, 28.0),
    lat0=st.floats(28.0, 44.0),
    size_deg=st.floats(1e-3, 3.0),
    n=st.integers(1, 500),
    seed=st.integers(0, 2**32 - 1),
)
def test_region_membership_by_box_equals_the_point_tests(lon0, lat0, size_deg, n, seed) -> None:
    # regions holding the points' box, apart from it, or crossing it
    from sarwatch.geo.srr import srr_membership
    from sarwatch.services.drift_stats import _membership

    rng = np.random.default_rng(seed)
    px = lon0 + size_deg * rng.random(n)
    py = lat0 + size_deg * rng.random(n)
    got, want = _membership(px, py), srr_membership(px, py)
    assert list(got) == list(want)
    for k in want:
        np.testing.assert_array_equal(got[k], want[k])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_containment_areas_are_pyprojs_geometry_areas(seed: int) -> None:
    # a ring-shaped cloud (polygons with holes) and a two-lobed one (several polygons)
    from pyproj import Geod

    from sarwatch.drift.analysis import containment

    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, 2 * np.pi, 20_000)
    radius = 0.3 + 0.03 * rng.standard_normal(20_000)
    lon = np.concatenate([12.0 + radius * np.cos(angle), 14.0 + 0.1 * rng.standard_normal(5000)])
    lat = np.concatenate([33.0 + radius * np.sin(angle), 33.0 + 0.1 * rng.standard_normal(5000)])
    geod = Geod(ellps="WGS84")
    polygons = containment(density_grid(lon, lat), (0.5, 0.9, 0.95))
    assert any(len(g.interiors) for geom, _ in polygons.values() for g in geom.geoms)
    for geom, area in polygons.values():
        assert area == abs(geod.geometry_area_perimeter(geom)[0]) / 1e6


@settings(max_examples=40, deadline=None)
@given(
    lon0=st.floats(2.0, 28.0),
    lat0=st.floats(27.0, 44.0),
    size_deg=st.floats(0.01, 2.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_shares_decided_by_the_box_are_the_cells_shares(lon0, lat0, size_deg, seed) -> None:
    # a box inside or apart from every region (and the packaged area) gives their shares
    # without counting; its shares are those of any weighted points spanning it
    from sarwatch.services.drift_stats import _box_shares, _shares

    rng = np.random.default_rng(seed)
    px = lon0 + size_deg * rng.random(300)
    py = lat0 + 0.7 * size_deg * rng.random(300)
    weights = rng.integers(1, 50, 300).astype(float)
    got = _box_shares((px.min(), py.min(), px.max(), py.max()))
    if got is not None:
        assert got == _shares(px, py, weights)


def test_a_cloud_inside_one_region_skips_the_cells() -> None:
    s = _cloud_state(3, 60_000, 12.5, 33.2, 0.05)  # well inside the Libyan region
    c = located_cloud(s.lon, s.lat, s.status, count_cells=lambda n, box: False)
    assert c.cell_counts.size == 0 and c.grid is not None
    fused = snapshot(T, 0.0, s)
    _same_snapshot(fused, snapshot_reference(T, 0.0, s))
    assert dict((r.region, r.share) for r in fused.srr_share) == {
        "IT": 0.0,
        "MT": 0.0,
        "LY": 1.0,
        "TN": 0.0,
        "GR": 0.0,
        "EG": 0.0,
        "none": 0.0,
    }


def test_the_box_decides_only_clear_cases() -> None:
    from sarwatch.services.drift_stats import _box_shares

    assert _box_shares((12.4, 33.1, 12.6, 33.3)) is not None  # Libyan region
    assert _box_shares((14.0, 34.0, 14.6, 34.6)) is None  # across the Libyan-Maltese line
    assert _box_shares((4.0, 36.0, 5.5, 36.5)) is None  # across the packaged area's edge
    assert _box_shares((-10.0, 36.0, -9.0, 37.0)) == {  # off Portugal: outside everything
        "IT": 0.0,
        "MT": 0.0,
        "LY": 0.0,
        "TN": 0.0,
        "GR": 0.0,
        "EG": 0.0,
        "none": 1.0,
        "outside_packaged_regions": 1.0,
    }


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_the_contour_generator_is_contourpys(seed: int) -> None:
    from contourpy import FillType, contour_generator

    from sarwatch.drift.analysis import _filled_contour_generator

    rng = np.random.default_rng(seed)
    n = int(rng.integers(10, 20_000))
    grid = density_grid(
        12.0 + rng.uniform(0.01, 1.0) * rng.standard_normal(n), 33.0 + 0.3 * rng.standard_normal(n)
    )
    z = grid.density_per_km2
    want = contour_generator(grid.lon, grid.lat, z, fill_type=FillType.OuterOffset)
    got = _filled_contour_generator(grid.lon, grid.lat, z)
    for level in np.quantile(z, [0.5, 0.9, 0.99]):
        a, b = want.filled(level, np.inf), got.filled(level, np.inf)
        for part_a, part_b in zip(a, b, strict=True):
            assert len(part_a) == len(part_b)
            for x, y in zip(part_a, part_b, strict=True):
                np.testing.assert_array_equal(x, y)


@settings(max_examples=40, deadline=None)
@given(
    ny=st.integers(1, 120),
    nx=st.integers(1, 120),
    sigma=st.one_of(
        st.sampled_from([0.5, 1.0, 1.5, 2.0]), st.floats(0.05, 6.0, allow_subnormal=False)
    ),
    seed=st.integers(0, 2**32 - 1),
    counts=st.booleans(),
)
def test_the_smoothing_is_scipys_gaussian_filter(ny, nx, sigma, seed, counts) -> None:
    """The numpy smoothing (no scipy.ndimage on the drift command) is scipy's to the bit,
    on particle counts and on arbitrary real grids."""
    from scipy.ndimage import gaussian_filter

    from sarwatch.drift.analysis import _gaussian_filter

    rng = np.random.default_rng(seed)
    if counts:
        grid = rng.poisson(3.0, size=(ny, nx)).astype(float)
    else:
        grid = rng.standard_normal((ny, nx)) * 10.0 ** rng.uniform(-3, 3)
    want = gaussian_filter(grid, sigma, mode="constant")
    got = _gaussian_filter(grid, sigma)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("sigma", [0.1, 0.5, 1.0, 1.3, 2.0, 3.7])
def test_the_smoothing_kernel_is_gaussian_filter1d_s(sigma) -> None:
    """The kernel is scipy's (truncated at int(4 sigma + 0.5) cells, sum 1): its response
    to an impulse, bit for bit."""
    from scipy.ndimage import gaussian_filter1d

    from sarwatch.drift.analysis import _gaussian_weights

    radius = int(4.0 * sigma + 0.5)
    impulse = np.zeros(2 * radius + 1)
    impulse[radius] = 1.0
    np.testing.assert_array_equal(
        _gaussian_weights(sigma), gaussian_filter1d(impulse, sigma, mode="constant")
    )
    assert _gaussian_weights(sigma).sum() == pytest.approx(1.0, rel=1e-15)
