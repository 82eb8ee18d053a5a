"""Physics of the drift engine against analytic results."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from sarwatch.drift.engine import DriftParams, simulate
from sarwatch.drift.forcing import Forcing, VectorField
from sarwatch.drift.leeway import draw_coefficients, resolve_object
from sarwatch.drift.seeding import build_state
from sarwatch.drift.state import ACTIVE, NO_FORCING, OUT_OF_DOMAIN, ParticleState

GEOD = Geod(ellps="WGS84")
A, E2 = 6378137.0, 6.69437999014e-3
T0 = np.datetime64("2026-11-20T04:00:00", "s")


def _radii(lat_deg: float) -> tuple[float, float]:
    s = np.sin(np.radians(lat_deg))
    d = 1 - E2 * s * s
    return A * (1 - E2) / d**1.5, A / np.sqrt(d)  # M, N


def _run(state, forcing, hours, dt_s=900.0, **kw):
    params = DriftParams(dt_s=dt_s, output_every_s=hours * 3600, duration_s=hours * 3600, **kw)
    return simulate(state, forcing, T0, params, np.random.default_rng(0))


def _grid_field(fn, lon0, lat0, nx, ny, step, times=None, name="grid"):
    """A gridded field from fn(lon, lat, t_s) -> (u, v); times in hours from T0."""
    times_h = np.array([0.0]) if times is None else np.asarray(times, float)
    lon = lon0 + step * np.arange(nx)
    lat = lat0 + step * np.arange(ny)
    lo, la = np.meshgrid(lon, lat)
    u = np.empty((times_h.size, ny, nx), np.float32)
    v = np.empty_like(u)
    for k, th in enumerate(times_h):
        u[k], v[k] = fn(lo, la, th * 3600.0)
    t = T0 + (times_h * 3600).astype("timedelta64[s]")
    return VectorField(u=u, v=v, times=t, lon0=lon0, dlon=step, lat0=lat0, dlat=step, name=name)


def test_uniform_northward_current_moves_particles_u_t_along_the_meridian():
    state = ParticleState.passive([12.5, 20.0], [33.2, 30.0])
    _run(state, Forcing(current=VectorField.constant(0.0, 0.7)), hours=24)
    _, lat_exp, _ = GEOD.fwd([12.5, 20.0], [33.2, 30.0], [0.0, 0.0], [0.7 * 86400] * 2)
    np.testing.assert_allclose(state.lon, [12.5, 20.0], atol=1e-12)
    # geodesic distance along the meridian equals u*t to a few centimetres over 60 km
    np.testing.assert_allclose(state.lat, lat_exp, atol=5e-7)


def test_uniform_eastward_current_follows_the_parallel_at_speed_u():
    state = ParticleState.passive([12.5], [33.2])
    _run(state, Forcing(current=VectorField.constant(0.5, 0.0)), hours=48)
    _, n_rad = _radii(33.2)
    arc = n_rad * np.cos(np.radians(33.2)) * np.radians(state.lon[0] - 12.5)
    assert state.lat[0] == pytest.approx(33.2, abs=1e-12)
    assert arc == pytest.approx(0.5 * 48 * 3600, rel=1e-9)


def test_zero_forcing_without_diffusion_keeps_particles_still():
    rng = np.random.default_rng(3)
    obj = resolve_object("LIFE-RAFT-NB-2")
    lon = 12.5 + rng.normal(0, 0.01, 200)
    lat = 33.2 + rng.normal(0, 0.01, 200)
    state = build_state(lon.copy(), lat.copy(), np.zeros(200), obj, rng)
    forcing = Forcing(current=VectorField.constant(0, 0), wind=VectorField.constant(0, 0))
    _run(state, forcing, hours=12)
    np.testing.assert_array_equal(state.lon, lon)
    np.testing.assert_array_equal(state.lat, lat)


@pytest.mark.parametrize("wind_ms", [2.0, 8.0, 15.0])
def test_leeway_is_linear_in_wind_with_each_particles_coefficients(wind_ms):
    """Downwind and crosswind displacement equal (slope*U10 + offset)*t per particle."""
    rng = np.random.default_rng(1)
    obj = resolve_object("LIFE-RAFT-NB-2")
    n = 400
    state = build_state(np.full(n, 12.5), np.full(n, 33.2), np.zeros(n), obj, rng)
    # wind towards the north: downwind = +north; positive crosswind is to the left of
    # downwind (the operational convention), i.e. -east
    forcing = Forcing(wind=VectorField.constant(0.0, wind_ms))
    hours = 6
    _run(state, forcing, hours=hours, jibe_per_h=0.0)
    _, n_rad = _radii(33.2)
    # the meridian arc (a geodesic) from the start latitude, signed
    north = (
        np.sign(state.lat - 33.2) * GEOD.inv(state.lon, np.full(n, 33.2), state.lon, state.lat)[2]
    )
    t = hours * 3600.0
    down = state.dwl_slope * wind_ms + state.dwl_offset
    cross = (
        state.cwl_slope[np.arange(n), state.side] * wind_ms
        + state.cwl_offset[np.arange(n), state.side]
    )
    np.testing.assert_allclose(north / t, down, rtol=1e-6)
    east = n_rad * np.cos(np.radians(state.lat)) * np.radians(state.lon - 12.5)
    np.testing.assert_allclose(-east / t, cross, rtol=2e-3, atol=1e-6)


def test_mean_leeway_speed_has_the_tables_slope():
    """Across particles the mean downwind leeway grows with U10 at the table's slope."""
    obj = resolve_object("LIFE-RAFT-NB-2")
    speeds = []
    winds = np.array([4.0, 10.0, 16.0])
    for w in winds:
        rng = np.random.default_rng(7)
        n = 20_000
        state = build_state(np.full(n, 12.5), np.full(n, 33.2), np.zeros(n), obj, rng)
        _run(state, Forcing(wind=VectorField.constant(w, 0.0)), hours=1, jibe_per_h=0.0)
        _, n_rad = _radii(33.2)
        east = n_rad * np.cos(np.radians(33.2)) * np.radians(state.lon - 12.5)
        speeds.append(east.mean() / 3600.0)
    slope, offset = np.polyfit(winds, speeds, 1)
    assert slope == pytest.approx(0.0534, abs=0.0008)  # 5.34 % of U10
    assert offset == pytest.approx(0.0991, abs=0.006)  # 9.91 cm/s
    resid = np.asarray(speeds) - (slope * winds + offset)
    assert np.max(np.abs(resid)) < 1e-3  # linear


def _eddy(lon, lat, t):
    """A smooth, time-varying current: an eddy plus a drifting jet (m/s)."""
    u = 0.3 * np.sin(np.radians(lat - 33) * 40) + 0.1 * np.cos(t / 40000.0)
    v = 0.3 * np.cos(np.radians(lon - 12) * 40) * np.cos(t / 60000.0)
    return u, v


def test_backward_then_forward_returns_to_the_start():
    cur = _grid_field(_eddy, 10.0, 31.0, 121, 81, 0.05, times=np.arange(-30, 31, 1.0))
    wind = _grid_field(
        lambda lo, la, t: (6 + 0 * lo, -4 + 0 * la), 10.0, 31.0, 121, 81, 0.05, times=[-30, 30]
    )
    rng = np.random.default_rng(2)
    n = 300
    lon0 = 12.5 + rng.normal(0, 0.1, n)
    lat0 = 33.2 + rng.normal(0, 0.1, n)
    state = build_state(
        lon0.copy(), lat0.copy(), np.zeros(n), resolve_object("migrant-rubber-boat"), rng
    )
    forcing = Forcing(current=cur, wind=wind)
    hours = 24
    params = dict(dt_s=600.0, output_every_s=hours * 3600, duration_s=hours * 3600, jibe_per_h=0.0)
    simulate(state, forcing, T0, DriftParams(backward=True, **params), np.random.default_rng(0))
    moved = GEOD.inv(lon0, lat0, state.lon, state.lat)[2]
    assert moved.min() > 5_000 and np.median(moved) > 15_000  # it really went somewhere
    simulate(
        state,
        forcing,
        T0 - np.timedelta64(hours, "h"),
        DriftParams(**params),
        np.random.default_rng(0),
    )
    back = GEOD.inv(lon0, lat0, state.lon, state.lat)[2]
    assert back.max() < 25.0  # metres after ~2 x 50 km


OMEGA = 2 * np.pi / 86400.0  # one turn per day


def _rotation(lon, lat, t):
    """Solid-body rotation about (0E, 0N), in m/s; linear in lon/lat so bilinear is exact."""
    m_rad, n_rad = _radii(0.0)
    x = np.radians(lon) * n_rad
    y = np.radians(lat) * m_rad
    return -OMEGA * y, OMEGA * x


def _rotation_error(dt_s: float, scheme: str) -> float:
    field = _grid_field(_rotation, -0.5, -0.5, 101, 101, 0.01)
    m_rad, _ = _radii(0.0)
    lat0 = np.degrees(20_000.0 / m_rad)  # 20 km north of the centre
    state = ParticleState.passive([0.0], [lat0])
    params = DriftParams(dt_s=dt_s, output_every_s=86400, duration_s=86400, scheme=scheme)
    simulate(state, Forcing(current=field), T0, params, np.random.default_rng(0))
    return float(GEOD.inv(0.0, lat0, state.lon[0], state.lat[0])[2])


def test_solid_body_rotation_closes_after_one_period():
    assert _rotation_error(300.0, "midpoint") < 30.0  # metres after a 126 km circle


@pytest.mark.parametrize(
    ("scheme", "order", "dts"),
    [
        ("midpoint", 2, (3600.0, 1800.0, 900.0)),
        ("rk2", 2, (3600.0, 1800.0, 900.0)),
        ("euler", 1, (450.0, 225.0, 112.5)),
    ],
)
def test_integrator_error_converges_at_its_order(scheme, order, dts):
    errors = [_rotation_error(dt, scheme) for dt in dts]
    ratios = [errors[i] / errors[i + 1] for i in range(2)]
    for r in ratios:
        assert r == pytest.approx(2**order, rel=0.15)


def test_diffusion_spreads_as_sqrt_2kt():
    n, k_diff, hours = 20_000, 10.0, 24
    state = ParticleState.passive(np.full(n, 12.5), np.full(n, 33.2))
    _run(state, Forcing(), hours=hours, diffusivity_m2_s=k_diff)
    m_rad, n_rad = _radii(33.2)
    east = n_rad * np.cos(np.radians(33.2)) * np.radians(state.lon - 12.5)
    north = m_rad * np.radians(state.lat - 33.2)
    expected = np.sqrt(2 * k_diff * hours * 3600)
    assert east.std() == pytest.approx(expected, rel=0.03)
    assert north.std() == pytest.approx(expected, rel=0.03)
    assert abs(east.mean()) < 3 * expected / np.sqrt(n)


def _seeded(seed: int, n: int = 500) -> ParticleState:
    rng = np.random.default_rng(seed)
    obj = resolve_object("migrant-wooden-boat")
    state = build_state(np.full(n, 12.5), np.full(n, 33.2), np.zeros(n), obj, rng)
    params = DriftParams(
        dt_s=900, output_every_s=3600 * 6, duration_s=3600 * 6, diffusivity_m2_s=5.0
    )
    forcing = Forcing(current=VectorField.constant(0.1, 0.2), wind=VectorField.constant(5, -3))
    simulate(state, forcing, T0, params, rng)
    return state


def test_same_seed_reproduces_the_run_exactly_and_another_seed_does_not():
    a, b, c = _seeded(11), _seeded(11), _seeded(12)
    np.testing.assert_array_equal(a.lon, b.lon)
    np.testing.assert_array_equal(a.lat, b.lat)
    np.testing.assert_array_equal(a.side, b.side)
    assert not np.array_equal(a.lon, c.lon)


def test_jibing_fraction_follows_the_per_step_probability():
    n, per_h, hours, dt = 40_000, 0.2, 10, 900.0
    rng = np.random.default_rng(5)
    c = draw_coefficients(resolve_object("LIFE-RAFT-NB-2"), n, rng)
    state = ParticleState.passive(np.full(n, 12.5), np.full(n, 33.2))
    state.side[:] = c.side
    before = state.side.copy()
    _run(state, Forcing(), hours=hours, dt_s=dt, jibe_per_h=per_h)
    p = 1 - (1 - per_h) ** (dt / 3600)  # a probability per hour, as the reference
    steps = hours * 3600 / dt
    expected = (1 - (1 - 2 * p) ** steps) / 2  # odd number of flips
    assert np.mean(state.side != before) == pytest.approx(expected, abs=0.01)


def test_particles_leaving_the_grid_or_meeting_no_data_stop_with_a_status():
    field = _grid_field(lambda lo, la, t: (0.5 + 0 * lo, 0 * la), 12.0, 33.0, 11, 11, 0.02)
    a = ParticleState.passive([12.05], [33.1])
    _run(a, Forcing(current=field), hours=12)
    assert a.status.tolist() == [OUT_OF_DOMAIN]
    assert 12.2 - 0.02 <= a.lon[0] <= 12.2 + 0.02
    # no wind data east of 12.12E: the object stops there with NO_FORCING
    u = np.where(np.arange(11) >= 6, np.nan, 10.0).astype(np.float32) * np.ones(
        (1, 11, 11), np.float32
    )
    wind = VectorField(u=u, v=np.zeros_like(u), times=field.times, lon0=12.0, dlon=0.02,
                       lat0=33.0, dlat=0.02)  # fmt: skip
    rng = np.random.default_rng(0)
    b = build_state(np.array([12.03]), np.array([33.1]), np.zeros(1),
                    resolve_object("LIFE-RAFT-NB-2"), rng)  # fmt: skip
    _run(b, Forcing(wind=wind), hours=12)
    assert b.status.tolist() == [NO_FORCING]
    assert 12.10 < b.lon[0] < 12.14


def test_a_current_without_data_near_the_coast_counts_as_zero():
    """Model land masks reach past the coastline: the object drifts on by leeway alone."""
    field = _grid_field(lambda lo, la, t: (0.5 + 0 * lo, 0 * la), 12.0, 33.0, 11, 11, 0.02)
    u = field.u.copy()
    u[:, :, 6:] = np.nan
    v = field.v.copy()
    v[:, :, 6:] = np.nan
    holes = VectorField(u=u, v=v, times=field.times, lon0=12.0, dlon=0.02, lat0=33.0, dlat=0.02)
    state = ParticleState.passive([12.03], [33.1])
    _run(state, Forcing(current=holes), hours=12)
    assert state.status.tolist() == [ACTIVE]
    assert 12.10 < state.lon[0] < 12.14  # carried to the data's edge, then still


def test_release_times_hold_particles_until_they_are_seeded():
    state = ParticleState.passive([12.5, 12.5], [33.2, 33.2])
    state.release_s[:] = [0.0, 3 * 3600.0]
    state.status[:] = [ACTIVE, 4]
    _run(state, Forcing(current=VectorField.constant(0.0, 1.0)), hours=6)
    m_rad, _ = _radii(33.2)
    north = m_rad * np.radians(state.lat - 33.2)
    np.testing.assert_allclose(north, [6 * 3600.0, 3 * 3600.0], rtol=1e-4)


def test_stokes_drift_adds_to_the_current():
    a = ParticleState.passive([12.5], [33.2])
    b = ParticleState.passive([12.5], [33.2])
    _run(a, Forcing(current=VectorField.constant(0.2, 0.0)), hours=6)
    _run(
        b,
        Forcing(current=VectorField.constant(0.1, 0.0), stokes=VectorField.constant(0.1, 0.0)),
        hours=6,
    )
    assert b.lon[0] == pytest.approx(a.lon[0], abs=1e-12)


def test_capsized_objects_drift_with_the_reduced_leeway():
    obj = resolve_object("LIFE-RAFT-NB-2")
    n = 50
    runs = {}
    for cap in (0, 1):  # upright / found capsized
        rng = np.random.default_rng(4)
        state = build_state(np.full(n, 12.5), np.full(n, 33.2), np.zeros(n), obj, rng)
        state.capsized[:] = cap
        _run(
            state,
            Forcing(wind=VectorField.constant(0.0, 12.0)),
            hours=3,
            jibe_per_h=0.0,
            capsize_leeway_fraction=0.4,
        )
        runs[cap] = state
    moved = {k: (s.lat - 33.2, s.lon - 12.5) for k, s in runs.items()}
    # both leeway components scale by the fraction
    np.testing.assert_allclose(moved[1][0], 0.4 * moved[0][0], rtol=1e-4)
    np.testing.assert_allclose(moved[1][1], 0.4 * moved[0][1], rtol=1e-3)  # metric: lat differs


def test_on_scene_wind_uncertainty_spreads_the_cloud_as_stated():
    from sarwatch.adapters.forcing import KNOT_MS, wind_from

    obj = resolve_object("SLDMB")  # no windage: only the current error moves particles
    n = 20_000
    rng = np.random.default_rng(9)
    state = build_state(np.full(n, 12.5), np.full(n, 33.2), np.zeros(n), obj, rng)
    cur = VectorField.constant(0.0, 0.0, sigma_ms=0.1)
    _run(state, Forcing(current=cur, wind=wind_from(10.0, 0.0, sigma_kn=2.0)), hours=10)
    m_rad, _ = _radii(33.2)
    north = m_rad * np.radians(state.lat - 33.2)
    assert north.std() == pytest.approx(0.1 * 36_000, rel=0.03)  # sigma * t
    assert wind_from(10.0, 0.0, sigma_kn=2.0).sigma_ms == pytest.approx(2 * KNOT_MS)


def test_cropping_the_forcing_to_the_cloud_changes_nothing(monkeypatch):
    from sarwatch.drift import engine

    cur = _grid_field(_eddy, 10.0, 31.0, 121, 81, 0.05, times=np.arange(0, 13, 1.0))
    wind = _grid_field(lambda lo, la, t: (6 + lo - 12, -4 + 0 * la), 10.0, 31.0, 121, 81, 0.05,
                       times=[0, 12])  # fmt: skip

    def run() -> ParticleState:
        rng = np.random.default_rng(8)
        n = 300
        lon = 12.5 + rng.normal(0, 0.2, n)
        lat = 33.2 + rng.normal(0, 0.2, n)
        state = build_state(lon, lat, np.zeros(n), resolve_object("migrant-wooden-boat"), rng)
        _run(state, Forcing(current=cur, wind=wind), hours=12)
        return state

    cropped = run()
    monkeypatch.setattr(engine, "_drift_bound", lambda state, forcing: 1e4)  # crop = whole grid
    whole = run()
    # identical up to the rounding of the crop's origin (1e-12 degrees is 0.1 micrometre)
    np.testing.assert_allclose(cropped.lon, whole.lon, rtol=0, atol=1e-12)
    np.testing.assert_allclose(cropped.lat, whole.lat, rtol=0, atol=1e-12)
    assert np.ptp(whole.lon) > 0.2  # the cloud moved and spread


@settings(max_examples=25, deadline=None)
@given(
    u=st.floats(-1.5, 1.5),
    v=st.floats(-1.5, 1.5),
    lat=st.floats(30.0, 42.0),
    scheme=st.sampled_from(["midpoint", "rk2", "euler"]),
)
def test_a_uniform_current_run_forward_then_backward_returns_home(u, v, lat, scheme):
    state = ParticleState.passive([15.0], [lat])
    forcing = Forcing(current=VectorField.constant(u, v))
    params = {"dt_s": 1800.0, "output_every_s": 6 * 3600.0, "duration_s": 6 * 3600.0,
              "scheme": scheme, "jibe_per_h": 0.0}  # fmt: skip
    simulate(state, forcing, T0, DriftParams(**params), np.random.default_rng(0))
    end = T0 + np.timedelta64(6, "h")
    simulate(state, forcing, end, DriftParams(backward=True, **params), np.random.default_rng(0))
    dist = GEOD.inv(15.0, lat, state.lon[0], state.lat[0])[2]
    # the metric varies with latitude: the second-order schemes undo it to O(dt^2), Euler to O(dt)
    assert dist < (20.0 if scheme == "euler" else 0.01)  # metres after 2 x up to 46 km
