"""Time to intercept a drifting target: analytic cases, properties, a brute-force check,
the ellipsoidal frame against geodesics, and the ranking kernel against the reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.errors import InputError
from sarwatch.geo.geodesy import destination, geodesic_distance_nm
from sarwatch.vessels.intercept import (
    cpa,
    dead_reckon,
    frame_scales_nm_per_deg,
    intercept_time_h,
    rank_intercepts,
    weighted_quantile,
)

# to the thousandth (of a nautical mile, of a knot): sub-normal drifts are not physics
coord = st.floats(-50.0, 50.0).map(lambda x: round(x, 3))
drift = st.floats(-4.0, 4.0).map(lambda x: round(x, 3))
speed = st.floats(0.0, 30.0).map(lambda x: round(x, 3))


# analytic cases ----------------------------------------------------------------------
def test_stationary_target_takes_distance_over_speed() -> None:
    assert float(intercept_time_h(30.0, 40.0, 12.5, 0.0, 0.0)) == pytest.approx(50.0 / 12.5)


def test_head_on_takes_distance_over_closing_speed() -> None:
    # target 24 nm north, drifting south at 2 kn; ship makes 10 kn
    assert float(intercept_time_h(0.0, 24.0, 10.0, 0.0, -2.0)) == pytest.approx(24.0 / 12.0)


def test_target_drifting_away_is_caught_at_the_speed_difference() -> None:
    assert float(intercept_time_h(0.0, 24.0, 10.0, 0.0, 2.0)) == pytest.approx(24.0 / 8.0)


def test_target_drifting_away_faster_than_the_ship_is_unreachable() -> None:
    assert float(intercept_time_h(10.0, 0.0, 2.0, 3.0, 0.0)) == math.inf
    # and as fast: never closes the gap
    assert float(intercept_time_h(10.0, 0.0, 3.0, 3.0, 0.0)) == math.inf


def test_faster_target_coming_towards_a_slow_ship_is_met() -> None:
    # a stopped ship meets a target drifting onto it: distance / drift
    assert float(intercept_time_h(-6.0, 0.0, 0.0, 3.0, 0.0)) == pytest.approx(2.0)
    # a target crossing ahead faster than the ship: the ship reaches its path in time
    t = float(intercept_time_h(2.0, -10.0, 2.0, 0.0, 4.0))
    assert np.isfinite(t)
    assert math.hypot(2.0, -10.0 + 4.0 * t) == pytest.approx(2.0 * t)
    # ... but not one passing 10 nm off: it is gone before the ship gets near
    assert float(intercept_time_h(10.0, -10.0, 2.0, 0.0, 4.0)) == math.inf


def test_equal_speed_approaching_target_meets_half_way() -> None:
    # both at 5 kn, target 20 nm east coming west: meet after 2 h
    assert float(intercept_time_h(20.0, 0.0, 5.0, -5.0, 0.0)) == pytest.approx(2.0)


def test_ship_on_the_target_is_there_now() -> None:
    assert float(intercept_time_h(0.0, 0.0, 0.0, 2.0, 1.0)) == 0.0


def test_a_stopped_ship_never_reaches_a_target_passing_by() -> None:
    assert float(intercept_time_h(5.0, 5.0, 0.0, 1.0, 0.0)) == math.inf


# properties --------------------------------------------------------------------------
@settings(max_examples=400, deadline=None)
@given(coord, coord, speed, speed, drift, drift)
def test_a_faster_ship_never_arrives_later(
    rx: float, ry: float, v1: float, v2: float, du: float, dv: float
) -> None:
    slow, fast = sorted((v1, v2))
    t_slow = float(intercept_time_h(rx, ry, slow, du, dv))
    t_fast = float(intercept_time_h(rx, ry, fast, du, dv))
    assert t_fast <= t_slow * (1 + 1e-9) + 1e-12


@settings(max_examples=400, deadline=None)
@given(coord, coord, speed, drift, drift)
def test_an_intercept_is_where_the_target_is_then(
    rx: float, ry: float, v: float, du: float, dv: float
) -> None:
    t = float(intercept_time_h(rx, ry, v, du, dv))
    if np.isfinite(t):
        gap = math.hypot(rx + du * t, ry + dv * t)
        assert gap == pytest.approx(v * t, rel=1e-6, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0.0, 100.0), st.floats(0.001, 1.0)), min_size=1, max_size=40),
    st.floats(0.01, 1.0),
    st.floats(0.01, 1.0),
)
def test_weighted_quantiles_are_ordered_and_hold_their_weight(
    pairs: list[tuple[float, float]], q1: float, q2: float
) -> None:
    t = np.array([p[0] for p in pairs])
    w = np.array([p[1] for p in pairs])
    lo, hi = sorted((q1, q2))
    a, b = weighted_quantile(t, w, lo), weighted_quantile(t, w, hi)
    assert a <= b
    assert w[t <= b].sum() / w.sum() >= hi - 1e-9
    # and nothing smaller would do
    smaller = t[t < b]
    if smaller.size:
        assert w[t <= smaller.max()].sum() / w.sum() < hi - 1e-12


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_ranked_p90_is_never_before_p50(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    r = rank_intercepts(
        rng.uniform(11.0, 14.0, 5), rng.uniform(33.0, 35.0, 5), rng.uniform(0.0, 25.0, 5),
        12.5 + rng.normal(0, 0.1, n), 34.0 + rng.normal(0, 0.1, n),
        rng.normal(0, 1.5, n), rng.normal(0, 1.5, n), rng.random(n) + 1e-3,
    )  # fmt: skip
    p50, p90 = r.eta_h[:, 0], r.eta_h[:, 1]
    assert np.all(p90 >= p50)
    # an ETA quantile exists exactly when that much of the cloud can be reached
    assert np.array_equal(np.isfinite(p90), r.reachable_fraction >= 0.9 - 1e-9)


# brute force -------------------------------------------------------------------------
def test_brute_force_time_stepping_agrees_on_random_cases() -> None:
    """Step time in 0.0005 h: the first step where the ship's reach covers the target."""
    rng = np.random.default_rng(20261206)
    dt = 0.0005
    steps = np.arange(0.0, 40.0 + dt, dt)
    for _ in range(200):
        rx, ry = rng.uniform(-40, 40, 2)
        v = rng.uniform(0.0, 15.0)
        du, dv = rng.normal(0, 3.0, 2)
        t = float(intercept_time_h(rx, ry, v, du, dv))
        gap = np.hypot(rx + du * steps, ry + dv * steps) - v * steps
        hit = np.flatnonzero(gap <= 0.0)
        if hit.size == 0:
            assert t > 40.0 - dt, (rx, ry, v, du, dv, t)
        else:
            assert steps[hit[0]] - dt <= t <= steps[hit[0]] + 1e-9, (rx, ry, v, du, dv, t)


# the frame on the ellipsoid ----------------------------------------------------------
@pytest.mark.parametrize("azimuth", [0.0, 45.0, 90.0, 135.0, 200.0, 290.0])
@pytest.mark.parametrize("range_nm", [5.0, 60.0, 200.0])
def test_stationary_particle_eta_matches_the_geodesic(azimuth: float, range_nm: float) -> None:
    lon, lat = destination(12.6, 34.2, azimuth, range_nm * 1852.0)
    r = rank_intercepts([12.6], [34.2], [10.0], [float(lon)], [float(lat)], 0.0, 0.0)
    geodesic = float(geodesic_distance_nm(12.6, 34.2, float(lon), float(lat)))
    assert r.eta_h[0, 0] * 10.0 == pytest.approx(geodesic, rel=1e-3)


def test_frame_scales_are_the_ellipsoid_arc_lengths() -> None:
    kx, ky = frame_scales_nm_per_deg([34.0])
    # a hundredth of a degree either way, measured along the geodesic
    north = float(geodesic_distance_nm(12.0, 33.995, 12.0, 34.005)) * 100.0
    east = float(geodesic_distance_nm(11.995, 34.0, 12.005, 34.0)) * 100.0
    assert float(ky[0]) == pytest.approx(north, rel=1e-6)
    assert float(kx[0]) == pytest.approx(east, rel=1e-6)


def test_dead_reckoning_holds_the_course_over_three_hours() -> None:
    lon, lat = dead_reckon(12.0, 34.0, 14.0, 60.0, 3.0)
    # the rhumb line (constant course) as 1,000 short geodesic legs at 060°
    ref_lon, ref_lat = 12.0, 34.0
    for _ in range(1000):
        ref_lon, ref_lat = (float(x) for x in destination(ref_lon, ref_lat, 60.0, 42.0 * 1.852))
    assert float(geodesic_distance_nm(float(lon), float(lat), ref_lon, ref_lat)) < 0.01
    # no speed or course: stays put
    lon, lat = dead_reckon(12.0, 34.0, np.nan, 60.0, 3.0)
    assert (float(lon), float(lat)) == (12.0, 34.0)


# closest point of approach -----------------------------------------------------------
def test_cpa_of_a_crossing_and_an_opening() -> None:
    d, t = cpa([0.0, 10.0], [10.0, 0.0], [0.0, 1.0], [-5.0, 0.0])
    assert d.tolist() == pytest.approx([0.0, 10.0])  # head-on in 2 h; opening now
    assert t.tolist() == pytest.approx([2.0, 0.0])
    d, t = cpa(3.0, 4.0, 0.0, 0.0)  # same velocity: the range holds
    assert (float(d), float(t)) == (5.0, 0.0)


# the ranking kernel against the reference ---------------------------------------------
def _reference(ships: np.ndarray, cloud: tuple[np.ndarray, ...], q: float) -> np.ndarray:
    plon, plat, pu, pv, w = cloud
    c_lat = float((w / w.sum()) @ plat)
    out = []
    for slon, slat, v in ships:
        kx, ky = frame_scales_nm_per_deg((slat + c_lat) / 2.0)
        t = intercept_time_h((plon - slon) * kx, (plat - slat) * ky, v, pu, pv)
        out.append(weighted_quantile(t, w, q))
    return np.array(out)


def _case(rng: np.random.Generator, n: int, m: int) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    ships = np.column_stack(
        [rng.uniform(11.0, 14.5, m), rng.uniform(33.0, 35.5, m), rng.uniform(0.0, 20.0, m)]
    )
    cloud = (
        12.5 + rng.normal(0, 0.15, n), 34.0 + rng.normal(0, 0.1, n),
        rng.normal(0.4, 0.8, n), rng.normal(-0.2, 0.8, n), rng.random(n),
    )  # fmt: skip
    return ships, cloud


def test_small_clouds_rank_exactly_as_the_reference() -> None:
    ships, cloud = _case(np.random.default_rng(5), 1500, 40)
    r = rank_intercepts(ships[:, 0], ships[:, 1], ships[:, 2], *cloud)
    for k, q in enumerate((0.5, 0.9)):
        # the same particle (to the last bits: the kernel fuses multiply-adds)
        np.testing.assert_allclose(r.eta_h[:, k], _reference(ships, cloud, q), rtol=1e-12)


def test_large_clouds_rank_within_a_bin_above_the_reference() -> None:
    ships, cloud = _case(np.random.default_rng(6), 30_000, 30)
    r = rank_intercepts(ships[:, 0], ships[:, 1], ships[:, 2], *cloud)
    plon, plat, pu, pv, w = cloud
    for k, q in enumerate((0.5, 0.9)):
        exact = _reference(ships, cloud, q)
        assert np.array_equal(np.isfinite(r.eta_h[:, k]), np.isfinite(exact))
        fin = np.isfinite(exact)
        got, want = r.eta_h[fin, k], exact[fin]
        assert np.all(got >= want * (1 - 1e-12))  # conservative: at least q of the weight
        assert np.all(got - want <= 0.002 * want + 1e-9)  # within a bin (well under 0.2 %)
    # the reachable share is the weight of the particles with a finite ETA
    c_lat = float((w / w.sum()) @ plat)
    kx, ky = frame_scales_nm_per_deg((ships[0, 1] + c_lat) / 2.0)
    t = intercept_time_h((plon - ships[0, 0]) * kx, (plat - ships[0, 1]) * ky, ships[0, 2], pu, pv)
    assert r.reachable_fraction[0] == pytest.approx(w[np.isfinite(t)].sum() / w.sum())


def test_a_cloud_of_identical_particles_gives_one_eta() -> None:
    lon, lat = destination(12.0, 34.0, 90.0, 20.0 * 1852.0)
    r = rank_intercepts([12.0], [34.0], [10.0], np.full(5000, float(lon)),
                        np.full(5000, float(lat)), 0.0, 0.0)  # fmt: skip
    assert r.eta_h[0].tolist() == pytest.approx([2.0, 2.0], rel=1e-3)
    assert r.reachable_fraction.tolist() == pytest.approx([1.0])


def test_no_vessels_give_empty_rankings() -> None:
    r = rank_intercepts([], [], [], [12.0], [34.0], 0.0, 0.0)
    assert r.eta_h.shape == (0, 2)
    assert r.reachable_fraction.shape == (0,)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"speed_kn": [-1.0]}, "speeds must be >= 0"),
        ({"particle_lon": [np.nan]}, "must be finite"),
        ({"weight": [-1.0]}, "non-negative weight"),
        ({"particle_lat": [34.0, 34.1]}, "must pair up"),
        ({"quantiles": (0.5, 1.5)}, r"quantiles must lie in \(0, 1\]"),
    ],
)
def test_bad_inputs_are_refused_with_a_reason(kwargs: dict, match: str) -> None:
    args = {
        "ship_lon": [12.0], "ship_lat": [34.0], "speed_kn": [10.0],
        "particle_lon": [12.1], "particle_lat": [34.0],
        "drift_east_kn": 0.0, "drift_north_kn": 0.0,
    }  # fmt: skip
    args.update(kwargs)
    with pytest.raises(InputError, match=match):
        rank_intercepts(**args)
