"""The plan's sums over the particles (planning._reduce) and the tracks at several
times at once (CloudTracks.positions_at_times): the values of the expressions they
replaced."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.planning._reduce import weighted_columns, weighted_sum
from sarwatch.planning.motion import CloudTracks


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 50_000), scale=st.floats(1e-3, 1e3))
def test_weighted_sum_is_the_exact_sum_to_rounding(seed, n, scale):
    rng = np.random.default_rng(seed)
    w = rng.random(n)
    x = rng.normal(12.0, scale, n)
    exact = math.fsum((w * x).tolist())  # the products rounded once each, summed exactly
    # the bound of any order of summation: (n − 1)·ε·Σ|w·x| (Higham, Accuracy and
    # Stability of Numerical Algorithms, §4.2)
    bound = max(n - 1, 0) * np.finfo(float).eps * math.fsum(np.abs(w * x).tolist())
    assert abs(weighted_sum(w, x) - exact) <= bound
    assert weighted_sum(w, x) == weighted_sum(w.copy(), x.copy())  # same order every time


def test_weighted_columns_is_the_weighted_mean_per_column():
    w = np.array([0.25, 0.25, 0.5])
    v = np.array([[12.0, 1.0], [13.0, 2.0], [14.0, 6.0]])
    assert weighted_columns(w, v).tolist() == [13.25, 3.75]
    np.testing.assert_allclose(weighted_columns(w, v), w @ v, rtol=1e-15)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 200),
    t=st.integers(1, 8),
    times=st.lists(st.floats(-0.5, 1.5), min_size=1, max_size=9),
)
def test_positions_at_times_equals_the_interpolation_at_each_time(seed, n, t, times):
    """Row k is the linear interpolation at times[k], computed as positions_at always
    did (lon[:, k] + f·(lon[:, k+1] − lon[:, k])): exactly, out-of-span times
    extrapolated from the first or last interval as before."""
    rng = np.random.default_rng(seed)
    stamps = np.datetime64("2026-12-06T12:00:00", "s") + np.cumsum(
        rng.integers(60, 7200, t)
    ).astype("timedelta64[s]")
    lon = 12.0 + rng.normal(0, 0.1, (n, t))
    lat = 33.0 + rng.normal(0, 0.1, (n, t))
    tracks = CloudTracks.from_arrays(stamps, lon, lat)
    ts = ((stamps - stamps[0]) / np.timedelta64(1, "s")).astype(float)
    seconds = [float(s) * float(ts[-1]) for s in times]
    got_lon, got_lat = tracks.positions_at_times(seconds)
    assert got_lon.shape == got_lat.shape == (len(seconds), n)
    for row, s in enumerate(seconds):
        if t == 1:
            want_lon, want_lat = lon[:, 0], lat[:, 0]
        else:
            k = int(np.clip(np.searchsorted(ts, s) - 1, 0, t - 2))
            f = (s - ts[k]) / (ts[k + 1] - ts[k])
            want_lon = lon[:, k] + f * (lon[:, k + 1] - lon[:, k])
            want_lat = lat[:, k] + f * (lat[:, k + 1] - lat[:, k])
        np.testing.assert_array_equal(got_lon[row], want_lon)
        np.testing.assert_array_equal(got_lat[row], want_lat)
        one_lon, one_lat = tracks.positions_at(s)
        np.testing.assert_array_equal(one_lon, want_lon)
        np.testing.assert_array_equal(one_lat, want_lat)
