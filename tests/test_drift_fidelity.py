"""The Leeway method as the reference defines it: jibing, crosswind side, cone release, capsizing.

Single-element runs with constant forcing where the answer can be written down, and
statistical checks (fixed seeds, tolerances from the binomial standard deviation)
where the behaviour is random. The reference is OpenDrift 1.14 ``Leeway`` and its own
tests (``tests/models/test_leeway.py``); the conventions and their sources are in
``docs/design/004-drift.md`` ("Conventions").
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Geod

from sarwatch.drift.engine import DriftParams, simulate
from sarwatch.drift.forcing import Forcing, VectorField
from sarwatch.drift.leeway import leeway_categories, resolve_object
from sarwatch.drift.seeding import build_state
from sarwatch.drift.state import ACTIVE, NOT_RELEASED, STRANDED, ParticleState
from sarwatch.errors import InputError

GEOD = Geod(ellps="WGS84")
A, E2 = 6378137.0, 6.69437999014e-3
T0 = np.datetime64("2015-01-01T00:00:00", "s")
NORTH_10 = Forcing(wind=VectorField.constant(0.0, 10.0))  # wind blowing towards the north


def _east_north_m(state: ParticleState, lon0: float, lat0: float):  # type: ignore[no-untyped-def]
    """East and north displacement (m) on the local metric at the start latitude."""
    s = math.sin(math.radians(lat0))
    d = 1 - E2 * s * s
    m_rad, n_rad = A * (1 - E2) / d**1.5, A / math.sqrt(d)
    east = n_rad * math.cos(math.radians(lat0)) * np.radians(state.lon - lon0)
    north = m_rad * np.radians(state.lat - lat0)
    return east, north


def _run(state, forcing, hours, dt_s=3600.0, seed=0, **kw):  # type: ignore[no-untyped-def]
    params = DriftParams(
        dt_s=dt_s, output_every_s=dt_s, duration_s=hours * 3600.0, scheme="euler", **kw
    )
    return simulate(state, forcing, T0, params, np.random.default_rng(seed))


def _one(cw_slope: float, cw_offset: float, side: int = 0) -> ParticleState:
    """One element without downwind leeway and the given crosswind slope (1) and offset (m/s);
    column ``1 - side`` holds the jibed orientation (the slope's sign flipped)."""
    s = ParticleState.passive([4.0], [60.0])
    s.side[:] = side
    s.cwl_slope[0, side] = cw_slope
    s.cwl_slope[0, 1 - side] = -cw_slope
    s.cwl_offset[0, :] = cw_offset
    return s


# --- crosswind side ---------------------------------------------------------------------


def test_positive_crosswind_leeway_moves_the_object_to_the_left_of_downwind():
    # FISHING-VESSEL-1's "right" branch: slope +2.76 % of U10, no offset
    fv1 = leeway_categories()[49]
    assert (fv1.key, fv1.cwr_slope_pct, fv1.cwr_offset_cm_s) == ("FISHING-VESSEL-1", 2.76, 0.0)
    state = _one(fv1.cwr_slope_pct / 100, 0.0)
    _run(state, NORTH_10, hours=1, jibe_per_h=0.0)
    east, north = _east_north_m(state, 4.0, 60.0)
    # 0.276 m/s for an hour, to the west of a wind blowing towards the north
    assert east[0] == pytest.approx(-0.276 * 3600, rel=1e-3)
    assert north[0] == pytest.approx(0.0, abs=1e-6)


def test_an_asymmetric_class_drifts_to_the_side_the_reference_gives():
    """SKIFF-2: right branch 0.32 %·U + (−2.93) cm/s, left −0.62 %·U + 1.03 cm/s.

    At 10 m/s the mean crosswind over both branches is −2.45 cm/s, i.e. 2.45 cm/s to
    the right of downwind (east here), as in the reference."""
    n = 20_000
    rng = np.random.default_rng(3)
    state = build_state(
        np.full(n, 4.0), np.full(n, 60.0), np.zeros(n), resolve_object("SKIFF-2"), rng
    )
    _run(state, NORTH_10, hours=1, jibe_per_h=0.0)
    east, _ = _east_north_m(state, 4.0, 60.0)
    # per-element crosswind sd ~ 2.8 cm/s (e/20·U + e/2 = e·1.0): standard error 0.02 cm/s
    assert east.mean() / 3600 == pytest.approx(0.0245, abs=0.001)


# --- jibing -----------------------------------------------------------------------------


def test_a_jibe_flips_only_the_sign_of_the_crosswind_slope():
    a, b = 0.0042, -0.0193  # perturbed slope (1) and offset (m/s) of one element
    u = 10.0
    ways = {}
    for p in (0.0, 1 - 1e-12):  # never, or at the end of every step
        state = _one(a, b)
        _run(state, NORTH_10, hours=2, jibe_per_h=p)
        ways[p] = (state, _east_north_m(state, 4.0, 60.0)[0][0])
    never, always = ways[0.0][1], ways[1 - 1e-12][1]
    # step 1 with slope +a; step 2 (after the jibe) with -a and the SAME offset
    assert never == pytest.approx(-2 * (a * u + b) * 3600, rel=1e-6)
    assert always == pytest.approx(-((a * u + b) + (-a * u + b)) * 3600, rel=1e-6)
    assert ways[1 - 1e-12][0].side[0] == 0  # two jibes


@pytest.mark.parametrize(
    ("per_h", "dt_s", "hours"), [(0.3, 3600.0, 1), (0.04, 900.0, 24), (0.2, 600.0, 6)]
)
def test_jibing_happens_at_the_references_rate(per_h, dt_s, hours):
    """``jibe_per_h`` is a probability per hour: per step 1 - (1 - p)^(dt/1 h)."""
    n = 20_000
    state = ParticleState.passive(np.full(n, 4.0), np.full(n, 60.0))
    state.side[: n // 2] = 1
    before = state.side.copy()
    _run(state, Forcing(), hours=hours, dt_s=dt_s, seed=7, jibe_per_h=per_h)
    p = 1 - (1 - per_h) ** (dt_s / 3600)
    steps = round(hours * 3600 / dt_s)
    expected = (1 - (1 - 2 * p) ** steps) / 2  # an odd number of jibes
    sd = math.sqrt(expected * (1 - expected) / n)
    assert abs(np.mean(state.side != before) - expected) < 4 * sd
    if (per_h, hours) == (0.3, 1):  # one step of an hour: 0.3, not 1 - exp(-0.3) = 0.26
        assert abs(0.3 - (1 - math.exp(-0.3))) > 10 * sd


def test_jibing_probability_outside_0_1_is_refused():
    with pytest.raises(InputError, match="jibing probability per hour"):
        DriftParams(jibe_per_h=1.5).steps()


# --- cone release -----------------------------------------------------------------------


def _cone(n: int, t1_h: float, t2_h: float) -> ParticleState:
    state = ParticleState.passive(np.full(n, 4.0), np.full(n, 60.0))
    state.release_s[:] = np.linspace(t1_h, t2_h, n) * 3600.0
    state.status[:] = np.where(state.release_s == 0.0, ACTIVE, NOT_RELEASED)
    return state


@pytest.mark.parametrize("backward", [False, True])
def test_a_particle_is_released_at_the_start_of_the_step_containing_its_release_time(backward):
    n = 100
    sign = -1.0 if backward else 1.0
    state = _cone(n, 0.0, sign * 6.0)  # the reference's test_leewayrun: 0 to 6 h, 100 elements
    active = []

    def on_output(k, t, st):  # type: ignore[no-untyped-def]
        active.append(int((st.status == ACTIVE).sum()))

    params = DriftParams(
        dt_s=3600.0, output_every_s=3600.0, duration_s=8 * 3600.0, backward=backward
    )
    simulate(state, Forcing(current=VectorField.constant(0.0, 0.5)), T0, params,
             np.random.default_rng(0), on_output=on_output)  # fmt: skip
    release_h = np.abs(np.linspace(0.0, 6.0, n))
    # after k steps, every element whose release time lies before the end of step k-1
    expected = [int((release_h == 0).sum())] + [int((release_h < k).sum()) for k in range(1, 9)]
    assert active == expected
    assert active[1] == 17  # 01:00: the elements released during the first hour move


def test_a_released_particle_moves_a_whole_step_from_its_seed_position():
    state = ParticleState.passive([4.0], [60.0])
    state.release_s[:] = 1800.0  # half-way through the first one-hour step
    state.status[:] = NOT_RELEASED
    _run(state, Forcing(current=VectorField.constant(0.0, 0.5)), hours=1)
    _, north = _east_north_m(state, 4.0, 60.0)
    assert state.status[0] == ACTIVE
    assert north[0] == pytest.approx(0.5 * 3600, rel=1e-4)


# --- capsizing --------------------------------------------------------------------------

# The reference's test_capsize: wind 25 m/s, threshold 30 m/s, sigma 3 m/s, fraction 0.4,
# 15-minute steps for 6 h. Rate 0.5 + 0.5 tanh(-5/3) = 0.0344 per hour; the reference's
# own run capsizes 18 of 100 forward and leaves 82 of 100 capsized backward.
_CAPSIZE = {"capsizing": True, "capsize_wind_ms": 30.0, "capsize_wind_sigma_ms": 3.0,
            "capsize_leeway_fraction": 0.4, "jibe_per_h": 0.0}  # fmt: skip
_RATE = 0.5 + 0.5 * math.tanh((25.0 - 30.0) / 3.0)


def _capsize_run(n: int, backward: bool, capsized: int) -> ParticleState:
    rng = np.random.default_rng(11)
    state = build_state(
        np.full(n, 0.0), np.full(n, 60.0), np.zeros(n), resolve_object("PIW-1"), rng
    )
    state.capsized[:] = capsized
    params = DriftParams(dt_s=900.0, output_every_s=900.0, duration_s=6 * 3600.0,
                         backward=backward, **_CAPSIZE)  # type: ignore[arg-type]  # fmt: skip
    simulate(state, Forcing(wind=VectorField.constant(25.0, 0.0)), T0, params, rng)
    return state


def test_capsizing_forward_follows_the_tanh_ramp():
    n = 20_000
    expected = 1 - math.exp(-_RATE * 6)  # 0.187
    sd = math.sqrt(expected * (1 - expected) / n)
    frac = _capsize_run(n, backward=False, capsized=0).capsized.mean()
    assert abs(frac - expected) < 4 * sd
    # the reference's 18 of 100 lies within its own binomial noise of this fraction
    assert abs(18 - 100 * expected) < 2 * math.sqrt(100 * expected * (1 - expected))


def test_backward_runs_capsize_nothing_and_let_capsized_objects_recover():
    n = 20_000
    assert _capsize_run(n, backward=True, capsized=0).capsized.sum() == 0
    still = _capsize_run(n, backward=True, capsized=1).capsized.mean()
    expected = math.exp(-_RATE * 6)  # 0.813; the reference: 82 of 100
    assert abs(still - expected) < 4 * math.sqrt(expected * (1 - expected) / n)


def test_capsizing_probability_ramps_through_the_threshold():
    """Per-hour probability 0.5 at the threshold, ~0 far below, ~1 far above."""
    n = 20_000
    for wind, rate in ((30.0, 0.5), (10.0, 0.0), (50.0, 1.0)):
        rng = np.random.default_rng(5)
        state = ParticleState.passive(np.full(n, 0.0), np.full(n, 60.0))
        params = DriftParams(dt_s=3600.0, output_every_s=3600.0, duration_s=3600.0, **_CAPSIZE)  # type: ignore[arg-type]
        simulate(state, Forcing(wind=VectorField.constant(wind, 0.0)), T0, params, rng)
        expected = 1 - math.exp(-rate)
        sd = math.sqrt(max(expected * (1 - expected), 1e-9) / n)
        assert abs(state.capsized.mean() - expected) < 4 * sd + 1e-4


def test_capsizing_options_are_checked():
    with pytest.raises(InputError, match="ramp width"):
        DriftParams(capsizing=True, capsize_wind_sigma_ms=0.0).steps()


# --- single element, constant forcing ----------------------------------------------------


def test_single_element_position_under_constant_wind_and_current():
    """Current 0.2 m/s east, wind 10 m/s north, LIFE-RAFT-NB-2 unperturbed, 6 h."""
    c = leeway_categories()[26]
    state = ParticleState.passive([4.0], [60.0])
    state.dwl_slope[:] = c.dwl_slope_pct / 100
    state.dwl_offset[:] = c.dwl_offset_cm_s / 100
    state.cwl_slope[0] = [c.cwr_slope_pct / 100, -c.cwr_slope_pct / 100]
    state.cwl_offset[0] = c.cwr_offset_cm_s / 100
    forcing = Forcing(current=VectorField.constant(0.2, 0.0), wind=VectorField.constant(0.0, 10.0))
    _run(state, forcing, hours=6, dt_s=900.0, jibe_per_h=0.0)
    down = (5.34 * 10 + 9.91) / 100  # 0.6331 m/s north
    cross = (2.26 * 10 + 1.04) / 100  # 0.2364 m/s to the left (west)
    t = 6 * 3600.0
    _, lat_e, _ = GEOD.fwd(4.0, 60.0, 0.0, down * t)  # the meridian arc, a geodesic
    assert state.lat[0] == pytest.approx(lat_e, abs=2e-6)
    # eastward 0.2 - 0.2364 m/s: westward, each step on the metric of its start latitude
    lats = 60.0 + np.arange(24) * (state.lat[0] - 60.0) / 24
    sl = np.sin(np.radians(lats))
    per_step = (0.2 - cross) * 900.0 / (A / np.sqrt(1 - E2 * sl * sl) * np.cos(np.radians(lats)))
    assert state.lon[0] - 4.0 == pytest.approx(np.degrees(per_step.sum()), rel=1e-6)
    assert state.lon[0] < 4.0


# --- the reference's test_leewayrun ------------------------------------------------------


class _RoaringLand:
    """GSHHG land through roaring-landmask (the reference's land mask) as a LandModel: one
    coast cell over a small box so that every position in it is tested exactly."""

    def __init__(self, box: tuple[float, float, float, float]) -> None:
        from roaring_landmask import RoaringLandmask

        self._mask = RoaringLandmask.new()
        self.lon0, self.lat0, lon1, lat1 = box
        self.cell_deg = 0.01
        ny = round((lat1 - self.lat0) / self.cell_deg)
        nx = round((lon1 - self.lon0) / self.cell_deg)
        self.cells = np.full((ny, nx), 2, np.uint8)

    def contains(self, lon, lat):  # type: ignore[no-untyped-def]
        return np.asarray(self._mask.contains_many(np.asarray(lon, float), np.asarray(lat, float)))


@pytest.fixture(scope="module")
def norway_land() -> _RoaringLand:
    return _RoaringLand((3.5, 59.5, 6.5, 61.0))


# OpenDrift 1.14.12 on this scenario with Leeway(seed=s), s = 0..59 (its default seed 0 gives
# the test's 88 active / 12 stranded): stranded counts 7-20, mean 13.28, sd 2.88. Measured with
# benchmarks/bench_fidelity.py --leewayrun.
REF_STRANDED_MEAN, REF_STRANDED_SD, REF_SEEDS = 13.28, 2.88, 60


def _leewayrun(seed: int, land: _RoaringLand) -> ParticleState:
    """FISHING-VESSEL-1, a cone from 4.5E 60.1N (00:00) to 4.7E 60.0N (06:00), 100 elements,
    wind 10 m/s towards the north, no current, 24 steps of 1 h (the reference's test)."""
    n = 100
    pts = GEOD.npts(4.5, 60.1, 4.7, 60.0, n)  # between the ends, as the reference
    lon = np.array([p[0] for p in pts])
    lat = np.array([p[1] for p in pts])
    release = np.arange(n) * 6 * 3600.0 / (n - 1)
    rng = np.random.default_rng(seed)
    state = build_state(lon, lat, release, resolve_object("FISHING-VESSEL-1"), rng)
    params = DriftParams(dt_s=3600.0, output_every_s=3600.0, duration_s=24 * 3600.0, scheme="euler")
    simulate(state, NORTH_10, T0, params, rng, land=land)
    return state


def test_leewayrun_stranded_count_has_the_references_distribution(norway_land):
    counts = []
    for seed in range(30):
        state = _leewayrun(seed, norway_land)
        assert (state.status == NOT_RELEASED).sum() == 0
        counts.append(int((state.status == STRANDED).sum()))
        assert counts[-1] + int((state.status == ACTIVE).sum()) == 100
    mean = float(np.mean(counts))
    # the two means agree within 4 standard errors of their difference, the spreads within 2x
    se = math.sqrt(np.var(counts, ddof=1) / len(counts) + REF_STRANDED_SD**2 / REF_SEEDS)
    assert abs(mean - REF_STRANDED_MEAN) < 4 * se, counts
    assert 0.5 < np.std(counts, ddof=1) / REF_STRANDED_SD < 2.0, counts


def test_the_drift_configuration_carries_the_capsizing_ramp_to_the_engine():
    from sarwatch.drift.config import DriftConfig

    p = DriftConfig(
        capsizing=True, capsize_wind_ms=28.0, capsize_wind_sigma_ms=2.0, jibe_per_h=0.1
    ).params()
    assert (p.capsizing, p.capsize_wind_ms, p.capsize_wind_sigma_ms) == (True, 28.0, 2.0)
    assert (p.capsize_leeway_fraction, p.jibe_per_h) == (0.4, 0.1)
    assert DriftConfig().params().capsizing is False
    with pytest.raises(InputError, match="--capsize-wind-sigma-ms"):
        DriftConfig(capsizing=True, capsize_wind_sigma_ms=0.0).check()
    with pytest.raises(InputError, match="--jibe-per-h"):
        DriftConfig(jibe_per_h=1.0).check()
