"""The kernel spares the land-raster test to particles that cannot reach land in a call.

The spared tests are the ones that cannot find land, so a run gives the same bits as one
that tests every particle at every step: these tests compare the two, near a coast (some
particles spared, some not) and far from one (the whole call spared), with diffusion,
jibing and leeway, forward and backward; and the coarse raster against a brute force.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.drift import _kernel, engine
from sarwatch.drift.engine import DriftParams, simulate
from sarwatch.drift.forcing import Forcing, VectorField
from sarwatch.drift.leeway import resolve_object
from sarwatch.drift.seeding import Scenario, seed_at_sea
from sarwatch.drift.state import STRANDED, ParticleState

T0 = np.datetime64("2026-11-20T04:00:00", "s")


def _brute_near(cells, i0, i1, j0, j1, block, ry, rx):
    sub = cells[i0:i1, j0:j1] != 0
    nyc, nxc = -(-sub.shape[0] // block), -(-sub.shape[1] // block)
    coarse = np.zeros((nyc, nxc), bool)
    for ci in range(nyc):
        for cj in range(nxc):
            coarse[ci, cj] = sub[ci * block : (ci + 1) * block, cj * block : (cj + 1) * block].any()
    out = np.zeros_like(coarse)
    for ci in range(nyc):
        for cj in range(nxc):
            out[ci, cj] = coarse[max(ci - ry, 0) : ci + ry + 1, max(cj - rx, 0) : cj + rx + 1].any()
    return out.astype(np.uint8)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.tuples(st.integers(1, 40), st.integers(1, 40)),
    land_share=st.floats(0.0, 0.05),
    block=st.integers(1, 9),
    ry=st.integers(0, 3),
    rx=st.integers(0, 3),
    data=st.data(),
)
def test_near_land_matches_a_brute_force(seed, shape, land_share, block, ry, rx, data):
    rng = np.random.default_rng(seed)
    cells = np.where(rng.random(shape) < land_share, rng.integers(1, 3, shape), 0).astype(np.uint8)
    i0 = data.draw(st.integers(0, shape[0] - 1))
    i1 = data.draw(st.integers(i0 + 1, shape[0]))
    j0 = data.draw(st.integers(0, shape[1] - 1))
    j1 = data.draw(st.integers(j0 + 1, shape[1]))
    got = _kernel.near_land(cells, i0, i1, j0, j1, block, ry, rx)
    np.testing.assert_array_equal(got, _brute_near(cells, i0, i1, j0, j1, block, ry, rx))


def _state(land_mask, lon, lat, n, radius_m, seed):
    scenario = Scenario(
        weight=1.0, kind="point", lon=lon, lat=lat, obj=resolve_object("PIW-1"), radius_m=radius_m
    )
    return seed_at_sea([scenario], n, np.random.default_rng(seed), land_mask)


def _run(land_mask, state, forcing, params, *, spare: bool, seed: int = 3):
    """The run, with the near-land sparing (as shipped) or with every step tested."""
    calls = []
    real_advance = _kernel.advance

    def advance(*args):
        out = real_advance(*args)
        idx, land, near, flags = args[0], args[29], args[30], args[31]
        tested = int(np.count_nonzero(flags[: idx.size])) if near.size else idx.size
        if idx.size:  # not the empty call that loads the compiled kernel
            calls.append((land.size > 0, tested if land.size else 0, idx.size))
        return out

    mp = pytest.MonkeyPatch()
    mp.setattr(_kernel, "advance", advance)
    if not spare:
        mp.setattr(engine, "_near_raster", lambda cells, *a: (cells, engine._NO_CELLS))
    try:
        info = simulate(state, forcing, T0, params, np.random.default_rng(seed), land=land_mask)
    finally:
        mp.undo()
    return state, info, calls


def _same_runs(land_mask, make_state, forcing, params):
    spared, info_s, calls = _run(land_mask, make_state(), forcing, params, spare=True)
    full, info_f, _ = _run(land_mask, make_state(), forcing, params, spare=False)
    np.testing.assert_array_equal(spared.lon, full.lon)
    np.testing.assert_array_equal(spared.lat, full.lat)
    np.testing.assert_array_equal(spared.status, full.status)
    np.testing.assert_array_equal(spared.side, full.side)
    assert info_s.exact_land_tests == info_f.exact_land_tests
    return spared, info_s, calls


@pytest.mark.parametrize("backward", [False, True])
def test_sparing_changes_no_bit_near_malta(land_mask, backward):
    # a cloud 25 km wide west of Malta pushed onto it (east of it, backward in time): the
    # particles near the coast are tested, those 20 km out are spared until they come near
    forcing = Forcing(
        current=VectorField.constant(0.35, 0.05),
        wind=VectorField.constant(6.0, 2.0, sigma_ms=1.0),
    )
    params = DriftParams(
        dt_s=900, output_every_s=3600, duration_s=18 * 3600, backward=backward,
        diffusivity_m2_s=5.0, jibe_per_h=0.2,
    )  # fmt: skip
    lon0 = 14.05 if not backward else 14.75

    spared, info, calls = _same_runs(
        land_mask, lambda: _state(land_mask, lon0, 35.88, 4000, 8000.0, 1), forcing, params
    )
    assert (spared.status == STRANDED).sum() > 100  # the coast was reached
    assert info.exact_land_tests > 0
    with_land = [c for c in calls if c[0]]
    assert with_land  # the raster was given ...
    assert any(tested < n for _, tested, n in with_land)  # ... and some particles spared
    assert any(tested > 0 for _, tested, _ in with_land)  # ... and some tested


def test_a_cloud_far_from_land_tests_nothing_and_drifts_the_same(land_mask):
    # the Ionian Sea at 35.5 N 18.5 E: 150 km from the nearest coast
    forcing = Forcing(current=VectorField.constant(0.2, -0.1), wind=VectorField.constant(5.0, 5.0))
    params = DriftParams(dt_s=900, output_every_s=3600, duration_s=12 * 3600, diffusivity_m2_s=1.0)
    spared, info, calls = _same_runs(
        land_mask, lambda: _state(land_mask, 18.5, 35.5, 2000, 3000.0, 2), forcing, params
    )
    assert calls and not any(has_land for has_land, _, _ in calls)
    assert info.exact_land_tests == 0
    assert (spared.status != STRANDED).all()


def test_passive_state_without_land_mask_is_unchanged():
    # no land model: nothing to spare, the kernel gets empty rasters
    state = ParticleState.passive([14.0, 14.1], [35.0, 35.1])
    info = simulate(
        state, Forcing(current=VectorField.constant(0.1, 0.0)), T0,
        DriftParams(dt_s=600, output_every_s=3600, duration_s=3600), np.random.default_rng(0),
    )  # fmt: skip
    assert info.exact_land_tests == 0
    assert np.all(state.lon > [14.0, 14.1])
