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


# --- review20b: the cases that could break the bound, each against every step tested ---

MALTA_W = (14.05, 35.88)  # 25 km west of Malta's west coast


def _scenario(lon, lat, *, kind="point", radius_m=4000.0, obj="PIW-1", **kw):
    return Scenario(
        weight=1.0, kind=kind, lon=lon, lat=lat, obj=resolve_object(obj), radius_m=radius_m, **kw
    )


def _seeded(land_mask, scenarios, n, seed=1):
    return lambda: seed_at_sea(scenarios, n, np.random.default_rng(seed), land_mask)


def _params(**kw):
    base = {"dt_s": 900, "output_every_s": 3600, "duration_s": 12 * 3600}
    return DriftParams(**{**base, **kw})


def _resumed_calls(calls, n):
    return [c for c in calls if 0 < c[2] < n]


def _onshore():
    # a current and a wind that push a cloud west of Malta onto it
    return Forcing(
        current=VectorField.constant(0.35, 0.05), wind=VectorField.constant(8.0, 1.0, sigma_ms=1.5)
    )


@pytest.mark.parametrize(
    ("kind", "extra"),
    [
        ("cone", {"lon2": 14.25, "lat2": 35.95, "radius2_m": 1500.0, "t2_s": 8 * 3600.0}),
        ("line", {"lon2": 14.0, "lat2": 35.75, "t_s": 2 * 3600.0, "t2_s": 9 * 3600.0}),
    ],
)
@pytest.mark.parametrize("backward", [False, True])
def test_sparing_with_releases_later_in_the_run(land_mask, kind, extra, backward):
    # particles released hours into the run (a cone or line seeded over time) sit at their
    # release point until then: they are in the crop and looked up there, call after call
    lon, lat = MALTA_W if not backward else (14.72, 35.9)
    if backward:
        extra = {**extra, "lon2": 14.7, "lat2": 35.8, "t_s": -extra.get("t_s", 0.0)}
        extra["t2_s"] = -extra["t2_s"]
    forcing = _onshore() if not backward else Forcing(current=VectorField.constant(0.3, 0.0))
    params = _params(backward=backward, diffusivity_m2_s=2.0, duration_s=20 * 3600)
    make = _seeded(land_mask, [_scenario(lon, lat, kind=kind, radius_m=2000.0, **extra)], 1500)
    state0 = make()
    assert (state0.release_s != 0).mean() > 0.5  # most are released during the run
    spared, _, calls = _same_runs(land_mask, make, forcing, params)
    assert (spared.status == STRANDED).sum() > 20
    assert any(has_land and tested < n for has_land, tested, n in calls)


@pytest.mark.parametrize("backward", [False, True])
def test_sparing_with_capsizing(land_mask, backward):
    # a low capsizing threshold: objects capsize (forward) or recover (backward, found
    # capsized) during the run, their leeway changing by the factor 0.4 mid-call
    forcing = Forcing(
        current=VectorField.constant(0.1, 0.0), wind=VectorField.constant(16.0, 3.0, sigma_ms=2.0)
    )
    params = _params(
        backward=backward, capsizing=True, capsize_wind_ms=12.0, capsize_wind_sigma_ms=3.0
    )
    lon, lat = MALTA_W if not backward else (14.7, 35.9)

    def make():
        state = _seeded(land_mask, [_scenario(lon, lat, obj="migrant-rubber-boat")], 2000)()
        if backward:
            state.capsized[::2] = 1
        return state

    spared, _, calls = _same_runs(land_mask, make, forcing, params)
    assert 0 < spared.capsized.mean() < 1
    assert (spared.status == STRANDED).sum() > 50
    assert _resumed_calls(calls, 2000)  # the coast was tested exactly, particles resumed


@pytest.mark.parametrize("kdiff", [5.0, 300.0])
def test_sparing_with_stokes_drift_and_diffusion(land_mask, kdiff):
    # Stokes drift adds to the current; K = 300 m²/s kicks a particle ~1 km a step (its
    # worst-case kicks, 8.6 sigma a step, reach some 50 km a call: nothing near Malta is
    # spared then, but the run must still be the same)
    forcing = Forcing(
        current=VectorField.constant(0.15, 0.0),
        wind=VectorField.constant(5.0, 0.0),
        stokes=VectorField.constant(0.2, 0.05),
    )
    params = _params(diffusivity_m2_s=kdiff, jibe_per_h=0.3)
    make = _seeded(land_mask, [_scenario(*MALTA_W, radius_m=8000.0)], 3000)
    spared, info, calls = _same_runs(land_mask, make, forcing, params)
    assert (spared.status == STRANDED).sum() > 50
    assert info.exact_land_tests > 0
    if kdiff < 10.0:
        assert any(has_land and 0 < tested < n for has_land, tested, n in calls)


def test_sparing_with_hour_steps_and_a_gale(land_mask):
    # dt 60 min, a 25 m/s wind: each call reaches some 100 km, the near raster is coarse
    # next to the reach and almost every particle near Malta is tested
    forcing = Forcing(
        current=VectorField.constant(0.5, 0.1), wind=VectorField.constant(25.0, 5.0, sigma_ms=3.0)
    )
    params = _params(dt_s=3600, output_every_s=3 * 3600, duration_s=24 * 3600)
    make = _seeded(
        land_mask, [_scenario(13.2, 35.9, radius_m=20_000.0, obj="migrant-rubber-boat")], 2000
    )
    spared, _, _ = _same_runs(land_mask, make, forcing, params)
    assert (spared.status == STRANDED).sum() > 100


def _gridded(lon0, lat0, nx, ny, dd, u, v, *, nan_box=None, name="current"):
    # a field on a grid, varying in space and in time (6-hourly over a day), NaN in a box
    lon = lon0 + dd * np.arange(nx)
    lat = lat0 + dd * np.arange(ny)
    times = T0 + np.arange(0, 25, 6).astype("timedelta64[h]")
    shape = (times.size, ny, nx)
    tt = np.arange(times.size)[:, None, None]
    uu = u + 0.05 * np.sin(lat[None, :, None] * 7.0) + 0.02 * tt + np.zeros(shape)
    vv = v + 0.05 * np.cos(lon[None, None, :] * 5.0) + np.zeros(shape)
    if nan_box is not None:
        x0, y0, x1, y1 = nan_box
        lon_in = (lon >= x0) & (lon <= x1)
        lat_in = (lat >= y0) & (lat <= y1)
        uu[:, lat_in[:, None] & lon_in[None, :]] = np.nan
        vv[:, lat_in[:, None] & lon_in[None, :]] = np.nan
    return VectorField(
        u=uu.astype(np.float32), v=vv.astype(np.float32), times=times,
        lon0=lon0, dlon=dd, lat0=lat0, dlat=dd, name=name,
    )  # fmt: skip


@pytest.mark.parametrize("backward", [False, True])
def test_sparing_with_gridded_fields_with_nan_cells(land_mask, backward):
    # a gridded current NaN over Malta (as an ocean model's land mask) and a gridded wind
    # that varies in time: the crop is a sub-grid, particles meet the NaN cells
    malta = (14.3, 35.78, 14.6, 36.1)
    u = 0.3 if not backward else -0.3
    current = _gridded(13.5, 35.5, 60, 40, 1 / 40, u, 0.05, nan_box=malta)
    wind = _gridded(13.0, 35.0, 25, 20, 0.125, 7.0, 1.0, name="wind")
    forcing = Forcing(current=current, wind=wind)
    lon, lat = (14.1, 35.9) if not backward else (14.15, 35.92)
    params = _params(backward=backward, diffusivity_m2_s=10.0)
    make = _seeded(land_mask, [_scenario(lon, lat, radius_m=6000.0)], 2000)
    spared, _, calls = _same_runs(land_mask, make, forcing, params)
    assert (spared.status == STRANDED).sum() > 20
    assert any(has_land and 0 < tested < n for has_land, tested, n in calls)


@pytest.mark.parametrize(
    ("where", "lon", "lat", "u", "v"),
    [
        # Bejaia, Algeria: the raster's west edge (5 E) runs through the cloud
        ("west edge 5E", 5.02, 37.0, -0.3, -0.3),
        # Kalymnos and Kos: the east edge (27 E)
        ("east edge 27E", 26.85, 36.8, 0.4, 0.15),
        # Tuscany near Follonica: the north edge (43 N)
        ("north edge 43N", 10.6, 42.88, 0.2, 0.35),
    ],
)
def test_sparing_at_the_raster_edges(land_mask, where, lon, lat, u, v):
    # clouds that straddle an edge of the packaged raster: particles off it are tested
    # (and find nothing), the near raster is clipped there; the run is the same
    forcing = Forcing(current=VectorField.constant(u, v), wind=VectorField.constant(2 * u, 2 * v))
    params = _params(diffusivity_m2_s=5.0)
    make = _seeded(land_mask, [_scenario(lon, lat, radius_m=8000.0)], 1500)
    state0 = make()
    spared, _, _ = _same_runs(land_mask, make, forcing, params)
    off = (state0.lon < 5.0) | (state0.lon >= 27.0) | (state0.lat >= 43.0)
    assert off.any() and (~off).any(), where  # the cloud straddles the edge
    assert (spared.status == STRANDED).any(), where


def test_sparing_from_outside_the_raster_into_it(land_mask):
    # south of the raster's south edge (29 N) there is only the Libyan desert, so a
    # synthetic case: the cloud starts west of 5 E (off the raster) and drifts onto the
    # Algerian coast near Bejaia inside it
    forcing = Forcing(current=VectorField.constant(0.5, -0.2), wind=VectorField.constant(6.0, -3.0))
    params = _params(duration_s=24 * 3600)
    make = _seeded(land_mask, [_scenario(4.85, 36.95, radius_m=3000.0)], 1000)
    assert (make().lon < 5.0).all()
    spared, _, _ = _same_runs(land_mask, make, forcing, params)
    assert (spared.status == STRANDED).sum() > 50


def test_sparing_with_a_run_specific_mask():
    # a mask built for a run outside the packaged region (the Alboran Sea off Almeria,
    # as services.drift._land_mask builds one): another origin, the same cell size
    from sarwatch.geo.coast import Region, land_mask_for

    mask = land_mask_for(Region(-3.5, 36.0, -1.5, 37.5))
    assert mask.lon0 < 5.0
    forcing = Forcing(current=VectorField.constant(0.2, 0.3), wind=VectorField.constant(4.0, 6.0))
    params = _params(diffusivity_m2_s=2.0)
    make = _seeded(mask, [_scenario(-2.45, 36.7, radius_m=6000.0)], 1500)
    spared, info, calls = _same_runs(mask, make, forcing, params)
    assert (spared.status == STRANDED).sum() > 20
    assert info.exact_land_tests > 0
    assert any(has_land and 0 < tested < n for has_land, tested, n in calls)


class _FarDraws:
    """A generator whose forcing errors are all drawn at ``k`` sigma (each component)."""

    def __init__(self, k, seed):
        self.k, self.rng = k, np.random.default_rng(seed)

    def normal(self, loc, scale, size):
        return loc + self.k * scale * np.where(np.arange(size) % 2 == 0, 1.0, -1.0)

    def integers(self, *args, **kw):
        return self.rng.integers(*args, **kw)


def _moves_within_the_crop(land_mask, state, forcing, params, rng):
    """Every particle's move in each kernel call, against the crop it was given."""
    boxes, worst = [], []
    real_near, real_advance = engine._near_raster, _kernel.advance

    def near_raster(cells, land, box, nsub, pad_m, kparams, *rest):
        kick_m = nsub * 8.6 * np.sqrt(2.0 * kparams[_kernel.P_KDIFF] * abs(kparams[_kernel.P_DT]))
        boxes.append((box, pad_m, kick_m))
        return real_near(cells, land, box, nsub, pad_m, kparams, *rest)

    def advance(*args):
        idx, lon, lat = args[0], args[3], args[4]
        x0, y0 = lon[idx].copy(), lat[idx].copy()
        out = real_advance(*args)
        if idx.size:
            box, pad_m, kick_m = boxes[-1]
            x1, y1 = lon[idx], lat[idx]
            # the move in metres (a sphere of 6371 km is close enough next to the margins)
            ym = np.radians(0.5 * (y0 + y1))
            d_m = 6_371_000.0 * np.hypot(np.radians(x1 - x0) * np.cos(ym), np.radians(y1 - y0))
            inside = (x1 >= box[0]) & (x1 <= box[2]) & (y1 >= box[1]) & (y1 <= box[3])
            worst.append((float(d_m.max()) / (pad_m + kick_m), bool(inside.all()), kick_m))
        return out

    mp = pytest.MonkeyPatch()
    mp.setattr(engine, "_near_raster", near_raster)
    mp.setattr(_kernel, "advance", advance)
    try:
        simulate(state, forcing, T0, params, rng, land=land_mask)
    finally:
        mp.undo()
    return worst


@pytest.mark.parametrize(
    ("case", "forcing", "params", "obj"),
    [
        (
            "wind and current errors at 7 sigma, a mixture's leeway",
            Forcing(
                current=VectorField.constant(0.1, 0.0, sigma_ms=0.3),
                wind=VectorField.constant(3.0, 0.0, sigma_ms=4.0),
            ),
            DriftParams(dt_s=900, output_every_s=7200, duration_s=8 * 3600, jibe_per_h=0.5),
            "migrant-rubber-boat",
        ),
        (
            "Stokes drift and capsizing in a gale, hour steps",
            Forcing(
                current=VectorField.constant(0.3, 0.2),
                wind=VectorField.constant(28.0, 6.0, sigma_ms=2.0),
                stokes=VectorField.constant(0.25, 0.1),
            ),
            DriftParams(
                dt_s=3600,
                output_every_s=3 * 3600,
                duration_s=24 * 3600,
                capsizing=True,
                capsize_wind_ms=20.0,
            ),
            "migrant-wooden-boat",
        ),
        (
            "backward with K = 50 m²/s",
            Forcing(current=VectorField.constant(-0.4, 0.3), wind=VectorField.constant(9.0, -4.0)),
            DriftParams(
                dt_s=600,
                output_every_s=3600,
                duration_s=6 * 3600,
                backward=True,
                diffusivity_m2_s=50.0,
            ),
            "PIW-1",
        ),
    ],
)
def test_each_call_moves_particles_less_than_its_reach(land_mask, case, forcing, params, obj):
    # the forcing crop and the near-land raster both rest on simulate's pad_m: no particle
    # leaves the crop in a call (widened by the worst diffusion kicks), even with every
    # forcing error drawn at 7 sigma (the bound allows 5 sqrt(2) sigma, times 1.5)
    state = seed_at_sea([_scenario(18.5, 35.5, radius_m=3000.0, obj=obj)], 500, _rng(4), land_mask)
    rng = _FarDraws(7.0, 5) if "7 sigma" in case else _rng(5)
    worst = _moves_within_the_crop(land_mask, state, forcing, params, rng)
    assert worst
    assert max(share for share, _, _ in worst) < 1.0, case
    if params.diffusivity_m2_s == 0.0:
        assert all(inside for _, inside, _ in worst), case  # in the crop itself
    assert max(share for share, _, _ in worst) > 0.1, case  # and not loose by far


def _rng(seed):
    return np.random.default_rng(seed)


# --- two ways past simulate's reach, closed: a state's leftover errors, a fraction above one ---


def test_a_state_run_again_carries_no_forcing_errors_of_the_last_run(land_mask):
    # a first run with an uncertain current (sigma 1 m/s) draws each particle's error; a
    # second run of the same state in a current without uncertainty has none ("zeros
    # otherwise", ParticleState), so its moves stay within the reach and the land test
    # may be spared
    first = Forcing(current=VectorField.constant(0.0, 0.0, sigma_ms=1.0))
    second = Forcing(current=VectorField.constant(0.0, 0.0), wind=VectorField.constant(5.0, 0.0))
    params = _params(output_every_s=7200)

    def make():
        state = _seeded(land_mask, [_scenario(14.05, 35.88, radius_m=3000.0)], 3000)()
        once = DriftParams(dt_s=900, output_every_s=900, duration_s=900)
        simulate(state, first, T0, once, _rng(2))
        return state

    _same_runs(land_mask, make, second, params)
    state = make()
    simulate(state, second, T0, params, _rng(3), land=land_mask)
    assert not state.current_err_u.any() and not state.current_err_v.any()


def test_a_leeway_fraction_above_one_is_refused_or_drifts_the_same(land_mask):
    # an object found capsized (capsized = 1), capsizing itself off, a fraction of 4
    from sarwatch.errors import InputError

    forcing = Forcing(current=VectorField.constant(0.0, 0.0), wind=VectorField.constant(20.0, 0.0))
    params = _params(output_every_s=7200, capsize_leeway_fraction=4.0)
    try:
        params.steps()
    except InputError:
        return  # refused: the fix

    def make():
        state = _seeded(
            land_mask, [_scenario(13.8, 35.88, 3000.0, obj="migrant-rubber-boat")], 1000
        )()
        state.capsized[:] = 1
        return state

    _same_runs(land_mask, make, forcing, params)


@pytest.mark.parametrize("scheme", ["euler", "rk2"])
def test_sparing_with_the_other_schemes(land_mask, scheme):
    # Euler and the classical midpoint move by other velocities than the default scheme
    params = _params(scheme=scheme, diffusivity_m2_s=5.0, jibe_per_h=0.3)
    make = _seeded(land_mask, [_scenario(*MALTA_W, radius_m=8000.0)], 4000)
    spared, _, calls = _same_runs(land_mask, make, _onshore(), params)
    assert (spared.status == STRANDED).sum() > 50
    assert any(has_land and 0 < tested < n for has_land, tested, n in calls)


def test_sparing_with_land_on_the_rasters_edges():
    # a synthetic 1-degree mask whose land fills its south and west edges (no real
    # coast lies on the packaged raster's south edge, 29 N): the near raster is clipped at
    # both, particles start on and off the raster and drift south-west onto that land
    import shapely

    from sarwatch.geo.coast import LandMask, Region, _build_cells

    region = Region(14.0, 35.0, 15.0, 36.0)
    land = shapely.MultiPolygon(
        [shapely.box(13.5, 34.5, 14.06, 36.5), shapely.box(13.5, 34.5, 15.5, 35.05)]
    )
    cell = 1.0 / 240.0
    mask = LandMask(
        cells=_build_cells(land, region, cell), lon0=14.0, lat0=35.0, cell_deg=cell,
        polygons=land,
    )  # fmt: skip
    assert mask.cells[0].all() and mask.cells[:, 0].all() and not mask.cells[120, 120]
    forcing = Forcing(current=VectorField.constant(-0.3, -0.3), wind=VectorField.constant(-4, -4))
    params = _params(diffusivity_m2_s=5.0, duration_s=18 * 3600)
    make = _seeded(mask, [_scenario(14.2, 35.2, radius_m=10_000.0)], 2000)
    spared, _, calls = _same_runs(mask, make, forcing, params)
    assert (spared.status == STRANDED).sum() > 500
    assert any(has_land and 0 < tested < n for has_land, tested, n in calls)
