"""The plane of many points from a table (planning/plane.py ``_plane_by_grid``): the
same coordinates as the geodesic to each point, within 1e-8 nm; the drifting particles
in a route's plane from three positions per output interval (planning/motion.py
``_plane_at``), within 1e-7 nm; and a drifting route's POD unchanged by them."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.planning import motion, plane
from sarwatch.planning.cloud import from_local_nm
from sarwatch.planning.motion import CloudTracks, route_pod
from sarwatch.planning.patterns import parallel_track
from sarwatch.planning.pod import LateralRange
from sarwatch.planning.types import SearchArea


@settings(max_examples=15, deadline=None)
@given(
    origin_lon=st.floats(-179.0, 179.0),
    origin_lat=st.floats(-70.0, 70.0),
    span_deg=st.floats(0.01, 6.0),
    off_lon=st.floats(-2.0, 2.0),
    off_lat=st.floats(-2.0, 2.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_table_matches_the_geodesic(
    origin_lon: float, origin_lat: float, span_deg: float, off_lon: float, off_lat: float,
    seed: int,
) -> None:  # fmt: skip
    rng = np.random.default_rng(seed)
    n = plane.GRID_MIN_POINTS
    lon = origin_lon + off_lon + rng.uniform(-span_deg / 2, span_deg / 2, n)
    lat = origin_lat + off_lat + rng.uniform(-span_deg / 2, span_deg / 2, n)
    lat = np.clip(lat, -79.9, 79.9)
    got = plane._plane_by_grid(origin_lon, origin_lat, lon, lat)
    if got is None:  # a wide box of few points: the table would cost more
        assert 4 * (span_deg / plane.GRID_STEP_DEG) ** 2 > n / 2
        return
    x, y = got
    ex, ey = plane._plane_exact(origin_lon, origin_lat, lon, lat)
    assert float(np.max(np.hypot(x - ex, y - ey))) < 1e-8


def test_many_points_go_through_the_table_keeping_shape_and_nan() -> None:
    rng = np.random.default_rng(3)
    lon = 12.4 + rng.uniform(-0.5, 0.5, (3, 20_000))
    lat = 34.6 + rng.uniform(-0.5, 0.5, (3, 20_000))
    lon[1, 7] = np.nan
    x, y = plane.lonlat_to_plane(12.5, 34.5, lon, lat)
    ex, ey = plane._plane_exact(12.5, 34.5, lon, lat)
    assert x.shape == lon.shape and np.isnan(x[1, 7]) and np.isnan(y[1, 7])
    ok = np.isfinite(lon)
    assert np.max(np.abs(x[ok] - ex[ok])) < 1e-8 and np.max(np.abs(y[ok] - ey[ok])) < 1e-8
    # an origin 25° from the points: not tabulated, the geodesic to each point
    x, _ = plane.lonlat_to_plane(12.4, 60.0, lon, lat)
    assert np.max(np.abs(x[ok] - plane._plane_exact(12.4, 60.0, lon, lat)[0][ok])) < 1e-8


def test_a_box_too_wide_or_too_far_is_not_tabulated() -> None:
    lon = np.linspace(0.0, 11.0, 50_000)
    lat = np.full(50_000, 30.0)
    assert plane._plane_by_grid(5.0, 30.0, lon, lat) is None  # 11° wide
    assert plane._plane_by_grid(30.0, 30.0, lon[:100] / 100, lat[:100]) is None  # 30° away
    assert plane._plane_by_grid(5.0, 85.0, lon / 10, lat + 55.0) is None  # polar


def test_route_pod_is_the_same_with_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 3 h route over 30,000 drifting particles: each piece's POD as with the geodesic
    to each particle (route POS within 1e-9, each particle's POD within 1e-6; measured
    1e-15 and 1e-9)."""
    rng = np.random.default_rng(5)
    n = 30_000
    x, y = rng.normal(0, 4, n), rng.normal(0, 4, n)
    vx, vy = rng.normal(1.5, 0.4, n), rng.normal(0.3, 0.4, n)
    h = np.arange(7.0)
    lon, lat = from_local_nm(x[:, None] + vx[:, None] * h, y[:, None] + vy[:, None] * h,
                             12.4, 34.6)  # fmt: skip
    lon[::97, 4:] = np.nan  # particles that end (stranded) part of the way through
    lat[::97, 4:] = np.nan
    t0 = np.datetime64("2026-12-06T00:00:00", "s")
    tracks = CloudTracks.from_arrays(t0 + np.arange(7) * np.timedelta64(3600, "s"), lon, lat)
    c_lon, c_lat = from_local_nm([4.0], [1.0], 12.4, 34.6)
    area = SearchArea(lon=float(c_lon[0]), lat=float(c_lat[0]), length_nm=12, width_nm=6)
    (route,) = parallel_track(area, spacing_nm=0.8, speed_kn=40,
                              start=datetime(2026, 12, 6, 1, tzinfo=UTC), name="u")  # fmt: skip
    curve = LateralRange("inverse_cube", 0.8)
    fast = route_pod(tracks, route, curve)
    monkeypatch.setattr(plane, "GRID_MIN_POINTS", 10**12)
    exact = route_pod(tracks, route, curve)
    assert 0.05 < float(tracks.weight @ exact) < 0.95  # a route that finds some, not all
    assert abs(float(tracks.weight @ (fast - exact))) < 1e-9
    assert float(np.max(np.abs(fast - exact))) < 1e-6


def test_particles_between_output_times_in_the_plane() -> None:
    """``motion._plane_at`` (three transformed positions per output interval, quadratic
    between) against each time's positions (linear in degrees) carried into the plane
    by the geodesic: within 1e-7 nm for particles drifting up to 4 kn between hourly
    outputs; NaN where a particle has no position at an end of the interval."""
    rng = np.random.default_rng(8)
    n = 5_000
    x, y = rng.normal(0, 10, n), rng.normal(0, 10, n)
    vx, vy = rng.uniform(-2.8, 2.8, n), rng.uniform(-2.8, 2.8, n)
    h = np.arange(9.0)
    lon, lat = from_local_nm(x[:, None] + vx[:, None] * h, y[:, None] + vy[:, None] * h,
                             12.4, 34.6)  # fmt: skip
    lon[::50, 5:] = np.nan
    lat[::50, 5:] = np.nan
    t0 = np.datetime64("2026-12-06T00:00:00", "s")
    tracks = CloudTracks.from_arrays(t0 + np.arange(9) * np.timedelta64(3600, "s"), lon, lat)
    s = np.sort(rng.uniform(1800.0, 7.5 * 3600.0, 25))
    s[0] = 3600.0  # exactly an output time
    ts = np.arange(9) * 3600.0
    xs, ys = motion._plane_at(tracks, ts, s, 12.5, 34.7)
    lo, la = tracks.positions_at_times(s)
    ex, ey = plane._plane_exact(12.5, 34.7, lo, la)
    assert np.array_equal(np.isnan(xs), np.isnan(ex)) and np.isnan(ex).any()
    ok = np.isfinite(ex)
    assert float(np.max(np.hypot(xs[ok] - ex[ok], ys[ok] - ey[ok]))) < 1e-7
