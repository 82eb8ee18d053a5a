"""The particle cloud as probability map (planning/cloud.py): POC and the Bayesian update.

search_planning.md §7: w' = w·(1 − POD)/Σ w·(1 − POD); the mass that leaves the
searched area is the search's POS = Σ w·POD (prior mass × POD when the POD is
uniform over the area).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sarwatch.drift.result import DriftResult
from sarwatch.errors import InputError
from sarwatch.planning.cloud import (
    Cloud,
    area_mask,
    containment_radius_nm,
    from_local_nm,
    poc,
    resample,
    search_pod,
    to_local_nm,
    update_after_search,
)
from sarwatch.planning.pod import LateralRange
from sarwatch.planning.types import Route, SearchArea, Waypoint

LON0, LAT0 = 12.4, 33.6


def _grid_cloud(half: int = 10, step_nm: float = 1.0) -> Cloud:
    """Particles on a square grid, ``step_nm`` apart, centred on (LON0, LAT0)."""
    g = np.arange(-half, half + 1) * step_nm
    x, y = np.meshgrid(g, g)
    lon, lat = from_local_nm(x.ravel(), y.ravel(), LON0, LAT0)
    return Cloud.from_arrays(lon, lat)


def test_poc_counts_the_weight_inside_a_rotated_rectangle() -> None:
    c = _grid_cloud()  # 21 × 21 = 441 particles, 1 nm apart
    # length 10 (north-south), width 4: |y| <= 5 (11 rows) and |x| <= 2 (5 columns) = 55
    # (the half-sides 5 and 2 fall between grid nodes at 5.0 and 2.0: add 0.01 of margin)
    area = SearchArea(lon=LON0, lat=LAT0, length_nm=10.02, width_nm=4.02)
    assert poc(c, area) == pytest.approx(55 / 441)
    # turned 90°: the same count, the other way round; the mask differs
    turned = SearchArea(lon=LON0, lat=LAT0, length_nm=10.02, width_nm=4.02, orientation_deg=90)
    assert poc(c, turned) == pytest.approx(55 / 441)
    assert not np.array_equal(area_mask(c, area), area_mask(c, turned))
    # turned 45°, a 2.9 × 0.5 nm box holds the centre and the two nodes (1, 1) and
    # (−1, −1), 1.414 nm from the centre along its axis
    diag = SearchArea(lon=LON0, lat=LAT0, length_nm=2.9, width_nm=0.5, orientation_deg=45)
    assert poc(c, diag) == pytest.approx(3 / 441)


def test_weights_and_a_drift_result() -> None:
    c = Cloud.from_arrays([12.0, 12.0, 12.0], [33.0, 33.0, 33.0], [1.0, 1.0, 2.0])
    assert c.weight.tolist() == [0.25, 0.25, 0.5]
    times = np.array(["2026-12-06T00:00", "2026-12-06T06:00"], dtype="datetime64[s]")
    fake = SimpleNamespace(
        times=times,
        final_lon=np.array([12.1, 12.2, np.nan]),
        final_lat=np.array([33.1, 33.2, np.nan]),
        track_lon=np.array([[12.0, 12.1], [12.0, 12.2]], dtype=np.float32),
        track_lat=np.array([[33.0, 33.1], [33.0, 33.2]], dtype=np.float32),
    )
    end = Cloud.from_drift_result(cast(DriftResult, fake))
    assert end.n == 2 and end.time == times[-1]
    start = Cloud.from_drift_result(cast(DriftResult, fake), times[0])
    assert start.lon.tolist() == [12.0, 12.0]
    with pytest.raises(InputError, match="is not an output time of the drift run"):
        Cloud.from_drift_result(cast(DriftResult, fake), np.datetime64("2026-12-06T03:00"))


def _parallel_track(half_width_nm: float, half_length_nm: float, spacing_nm: float) -> Route:
    """Parallel north-south legs ``spacing_nm`` apart, the first ½S inside the west edge."""
    xs = np.arange(-half_width_nm + spacing_nm / 2, half_width_nm, spacing_nm)
    pts = []
    for i, x in enumerate(xs):
        ys = (-half_length_nm, half_length_nm) if i % 2 == 0 else (half_length_nm, -half_length_nm)
        pts += [(x, ys[0]), (x, ys[1])]
    lon, lat = from_local_nm([p[0] for p in pts], [p[1] for p in pts], LON0, LAT0)
    return Route(
        name="u1",
        pattern="parallel",
        speed_kn=10.0,
        waypoints=tuple(Waypoint(lon=a, lat=b) for a, b in zip(lon, lat, strict=True)),
    )


def test_the_update_moves_out_of_the_searched_area_the_predicted_mass() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(0.0, 6.0, 20_000)
    y = rng.normal(0.0, 6.0, 20_000)
    lon, lat = from_local_nm(x, y, LON0, LAT0)
    prior = Cloud.from_arrays(lon, lat, rng.uniform(0.5, 1.5, x.size))
    area = SearchArea(lon=LON0, lat=LAT0, length_nm=12.0, width_nm=8.0)
    inside = area_mask(prior, area)
    p_in = float(prior.weight[inside].sum())
    # (a) a uniform POD 0.6 over the area: the mass in it goes from P to P(1−0.6)/(1−0.6P)
    u = update_after_search(prior, np.where(inside, 0.6, 0.0))
    assert u.pos == pytest.approx(0.6 * p_in)  # prior mass × POD
    assert u.cloud.weight.sum() == pytest.approx(1.0)
    assert u.cloud.weight[inside].sum() == pytest.approx(p_in * 0.4 / (1 - 0.6 * p_in))
    # outside: every particle scaled by 1/(1 − POS)
    np.testing.assert_allclose(u.cloud.weight[~inside], prior.weight[~inside] / (1 - u.pos))
    # (b) a flown track (definite range W = 1, legs 2 nm apart inside the area):
    track = _parallel_track(4.0, 6.0, 2.0)
    pods = search_pod(prior, track, LateralRange("definite_range", 1.0))
    v = update_after_search(prior, pods)
    pos = float(prior.weight @ pods)
    assert v.pos == pytest.approx(pos)
    assert v.cloud.weight.sum() == pytest.approx(1.0)
    # the mass that left the area is the POS, renormalised: P' = (P − POS)/(1 − POS)
    # (the definite range reaches 0.5 nm beyond the legs' ends only: 4 × 1 nm half-discs
    # outside the 12 nm ends; count what the track found outside and put it in the check)
    found_out = float(prior.weight[~inside] @ pods[~inside])
    assert v.cloud.weight[inside].sum() == pytest.approx((p_in - (pos - found_out)) / (1 - pos))
    # and about W/S = 1/2 of the area's mass was searched away
    assert (pos - found_out) / p_in == pytest.approx(0.5, abs=0.03)


@given(
    arrays(np.float64, 50, elements=st.floats(0.01, 10.0)),
    arrays(np.float64, 50, elements=st.floats(0.0, 0.99)),
)
def test_the_update_conserves_probability(w: np.ndarray, pods: np.ndarray) -> None:
    prior = Cloud.from_arrays(np.linspace(12, 13, 50), np.full(50, 33.0), w)
    post = update_after_search(prior, pods).cloud
    assert post.weight.sum() == pytest.approx(1.0)
    assert np.all(post.weight >= 0)
    # Bayes: posterior/prior ∝ likelihood of a miss, (1 − POD)
    ratio = post.weight / prior.weight
    np.testing.assert_allclose(ratio * (1 - pods[0]), ratio[0] * (1 - pods), rtol=1e-9, atol=1e-15)


def test_local_plane_round_trip_and_distances() -> None:
    x, y = to_local_nm([LON0], [LAT0 + 0.5], LON0, LAT0)
    assert float(x[0]) == pytest.approx(0.0, abs=1e-9)
    assert float(y[0]) == pytest.approx(29.95, abs=0.02)  # 0.5° of latitude at 33.8° N


def test_bad_cloud_inputs() -> None:
    with pytest.raises(InputError, match="one length"):
        Cloud.from_arrays([1.0, 2.0], [1.0])
    with pytest.raises(InputError, match="non-negative"):
        Cloud.from_arrays([1.0], [1.0], [-1.0])
    with pytest.raises(InputError, match="no particle"):
        Cloud.from_arrays([np.nan], [1.0])
    c = Cloud.from_arrays([12.0], [33.0])
    with pytest.raises(InputError, match="certain to detect"):
        update_after_search(c, [1.0])
    with pytest.raises(InputError, match="one POD per particle"):
        update_after_search(c, [0.1, 0.2])
    with pytest.raises(InputError, match="at least two waypoints"):
        search_pod(c, [(12.0, 33.0)], LateralRange("inverse_cube", 1.0))


def test_containment_radius_of_a_circular_normal() -> None:
    # the distance of a circular normal from its centre is Rayleigh: median σ·sqrt(2 ln 2)
    # = 1.17741σ, 90 % at σ·sqrt(2 ln 10) = 2.14597σ (σ = 3 nm, 100k particles: ±1 %)
    rng = np.random.default_rng(3)
    c = Cloud.from_arrays(
        *from_local_nm(rng.normal(0, 3, 100_000), rng.normal(0, 3, 100_000), LON0, LAT0)
    )
    assert containment_radius_nm(c, 0.5) == pytest.approx(3 * 1.17741, rel=0.01)
    assert containment_radius_nm(c, 0.9) == pytest.approx(3 * 2.14597, rel=0.01)
    with pytest.raises(InputError, match="level must be in"):
        containment_radius_nm(c, 0.0)


def test_systematic_resampling_keeps_the_weights_as_counts() -> None:
    w = np.array([0.5, 0.3, 0.15, 0.05])
    c = Cloud.from_arrays([12.0, 12.1, 12.2, 12.3], [33.0] * 4, w)
    r = resample(c, np.random.default_rng(9), n=1000)
    counts = np.array([np.sum(r.lon == lo) for lo in c.lon])
    assert np.all(np.abs(counts - 1000 * w) < 1)  # systematic: within one of n·w
    assert r.weight.sum() == pytest.approx(1.0)
    assert r.effective_sample_size() == pytest.approx(1000)
