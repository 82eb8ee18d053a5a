"""The fused kernel's own contracts: what it returns to the time loop, its random draws."""

from __future__ import annotations

import numpy as np
import pytest

from sarwatch.drift import _kernel, engine
from sarwatch.drift.engine import DriftParams, simulate
from sarwatch.drift.forcing import Forcing, VectorField
from sarwatch.drift.state import NOT_RELEASED, STRANDED, ParticleState

T0 = np.datetime64("2026-11-20T04:00:00", "s")


def test_the_kernel_returns_the_bounding_box_of_the_particles_that_may_move(monkeypatch, land_mask):
    # a line of particles west of Malta, released over the first hours, pushed onto the coast
    lat = np.linspace(35.70, 36.10, 41)
    state = ParticleState.passive(np.full(lat.size, 14.05), lat)
    state.release_s[:] = np.linspace(0.0, 6 * 3600.0, lat.size)
    state.status[state.release_s > 0] = NOT_RELEASED
    seen = []
    real = engine._advance_chunk

    def spy(st, *args):  # type: ignore[no-untyped-def]
        exact, box = real(st, *args)
        if args[10].size:  # all_idx: not the empty call that loads the kernel
            truth = _kernel.moving_bbox(st.lon, st.lat, st.status)
            seen.append((exact, box, truth, int((st.status == NOT_RELEASED).sum())))
        return exact, box

    monkeypatch.setattr(engine, "_advance_chunk", spy)
    params = DriftParams(dt_s=600, output_every_s=3600, duration_s=12 * 3600)
    forcing = Forcing(current=VectorField.constant(0.6, 0.05))
    simulate(state, forcing, T0, params, np.random.default_rng(0), land=land_mask)
    assert (state.status == STRANDED).any() and not (state.status == STRANDED).all()
    assert any(e > 0 for e, *_ in seen), "no chunk met the coast"
    assert any(w > 0 for *_, w in seen), "no chunk had particles waiting for release"
    for exact, box, truth, _ in seen:
        # a superset always (stranded particles of a resumed call may remain in it) ...
        assert box[0] <= truth[0] and box[1] <= truth[1]
        assert box[2] >= truth[2] and box[3] >= truth[3]
        if exact == 0:  # ... and exactly the box when no particle met the coast
            assert box == truth


def _jibe_history(n: int, per_h: float, steps: int, seed: int) -> np.ndarray:
    """Sides of ``n`` particles at the start and after each of ``steps`` 15-minute steps."""
    state = ParticleState.passive(np.full(n, 12.5), np.full(n, 33.2))
    sides = []
    params = DriftParams(dt_s=900, output_every_s=900, duration_s=900 * steps, jibe_per_h=per_h)
    simulate(
        state,
        Forcing(),
        T0,
        params,
        np.random.default_rng(seed),
        on_output=lambda k, t, st: sides.append(st.side.copy()),
    )
    return np.array(sides)


def test_jibes_are_a_bernoulli_trial_per_step_independent_of_the_last_jibe():
    n, per_h, steps = 20_000, 0.2, 40
    p = 1 - (1 - per_h) ** 0.25  # per 15-minute step
    jibed = np.diff(_jibe_history(n, per_h, steps, seed=3), axis=0) != 0  # (steps, n)

    def within(observed: float, expected: float, trials: int) -> bool:
        return abs(observed - expected) <= 4.5 * np.sqrt(expected * (1 - expected) / trials)

    # the fraction that has jibed at least once after N steps: 1 - (1 - p)^N
    for n_steps in (1, 2, 5, 20, 40):
        frac = np.mean(jibed[:n_steps].any(axis=0))
        assert within(frac, 1 - (1 - p) ** n_steps, n), (n_steps, frac)
    # every step jibes with probability p, the step right after a jibe included
    per_step = jibed.mean(axis=1)
    assert all(within(f, p, n) for f in per_step)
    after = jibed[1:][jibed[:-1]]
    assert within(after.mean(), p, after.size)
    # the number of jibes in the run is binomial(steps, p): mean and variance
    count = jibed.sum(axis=0)
    assert abs(count.mean() - steps * p) < 4.5 * np.sqrt(steps * p * (1 - p) / n)
    assert count.var() == pytest.approx(steps * p * (1 - p), rel=0.06)
    # the mean wait from the start to the first jibe, where one happened, as the geometric law
    first = np.argmax(jibed, axis=0)[jibed.any(axis=0)] + 1
    q = 1 - p
    wait = sum(k * q ** (k - 1) * p for k in range(1, steps + 1)) / (1 - q**steps)
    assert first.mean() == pytest.approx(wait, rel=0.03)


def test_jibes_are_reproducible_for_a_seed_and_independent_of_the_thread_count():
    import numba

    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = _jibe_history(5000, 0.3, 12, seed=9)
    finally:
        numba.set_num_threads(threads)
    again = _jibe_history(5000, 0.3, 12, seed=9)
    other = _jibe_history(5000, 0.3, 12, seed=10)
    np.testing.assert_array_equal(one, again)
    assert not np.array_equal(one, other)


def test_time_slices_are_numpys_float32_interpolation_and_the_coefficients_its_corners():
    rng = np.random.default_rng(2)
    u = rng.normal(0, 1, (6, 9, 11)).astype(np.float32)
    v = rng.normal(0, 1, (6, 9, 11)).astype(np.float32)
    u[2, 4, 5] = np.nan
    it = np.array([0, 1, 1, 4])
    w = rng.uniform(0, 1, 4).astype(np.float32)
    buf, offset = _kernel.time_slices(u, v, it, it + 1, w, 2, 8, 3, 10)
    ww = w[:, None, None]
    ref = np.stack([a[it] + ww * (a[it + 1] - a[it]) for a in (u, v)], axis=-1)[:, 2:8, 3:10]
    raw = buf[: ref.size].reshape(ref.shape)
    np.testing.assert_array_equal(raw, ref)  # float32 arithmetic, no fused multiply-add
    assert (buf.ctypes.data + 8 * offset) % 64 == 0  # a cell's coefficients: one cache line
    a, b, c, d = np.moveaxis(buf[offset : offset + 4 * 6 * 5 * 8].reshape(4, 5, 6, 4, 2), 3, 0)
    corners = raw[:, :-1, :-1], raw[:, :-1, 1:], raw[:, 1:, :-1], raw[:, 1:, 1:]
    ok = np.logical_and.reduce([np.isfinite(x) for x in corners])
    assert ok.mean() > 0.9 and not ok.all()
    for got, want in zip((a, a + b, a + c, a + b + c + d), corners, strict=True):
        np.testing.assert_allclose(got[ok], want[ok], rtol=0, atol=1e-15)
    # a cell with a corner without data has NaN coefficients: the kernel falls back
    assert np.isnan(a + b + c + d)[~ok].all()


def test_the_largest_speed_ignores_missing_data_and_is_zero_without_data():
    u = np.array([[[3.0, np.nan], [0.0, -1.0]]], np.float32)
    v = np.array([[[4.0, 9.0], [np.nan, 0.5]]], np.float32)
    assert np.sqrt(np.float32(_kernel.max_speed_sq(u, v))) == np.float32(5.0)
    assert _kernel.max_speed_sq(np.full((1, 2, 2), np.nan), np.zeros((1, 2, 2))) == -1.0
