"""Allocation on the moving cloud (planning/ontime.py): each unit's rectangle is placed
on the particles where they are while it searches (issue 11, "POC ... at the time the
unit is there").

The analytic case: a circular normal cloud (σ 1.5 nm) drifting due east at a steady
2 kn. A unit searching from t0 + a to t0 + b over the ground meets the particles at
five times through its search, centred on t0 + (a + b)/2, 2·(a + b)/2 nm east of the
datum: its rectangle is centred there and stretched along the drift; with the middle
time alone (``window_times=1``) it is the datum-time rectangle shifted by exactly
speed × time. Either way its POC on the datum-time cloud (where the frozen plan
thinks the object is) is far lower than while it searches.

Figures (6,000 particles, seed 3, measured 2026-12-06): five times: an 8.0 × 3.5 nm
rectangle east-west, 5.90 nm east, POC 0.65 while searching, 0.09 on the datum-time
cloud, POS 0.52 (a parallel track flown over it against the moving particles: 0.47);
middle time only: 4.76 × 4.72 nm moved 6.000 nm east, POC 0.78, POS 0.70 (flown:
0.65); the datum-time rectangle flown when the unit is there: POS 0.07 over the
window.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sarwatch.errors import InputError
from sarwatch.planning.allocation import SearchUnit, allocate, score_plan
from sarwatch.planning.cloud import Cloud, from_local_nm, poc, to_local_nm
from sarwatch.planning.motion import CloudTracks
from sarwatch.planning.ontime import (
    allocate_on_scene,
    cloud_at,
    held_tracks,
    on_scene,
    window_of,
)
from sarwatch.planning.plane import plane_to_lonlat
from sarwatch.planning.types import SearchArea
from sarwatch.planning.window import CloudWindow

LON0, LAT0 = 12.4, 33.6
T0 = np.datetime64("2026-12-06T12:00:00", "s")
SPEED_KN = 2.0  # the cloud's drift, due east
SPAN_H = 12


def _tracks(n: int = 6000, sigma_nm: float = 1.5, seed: int = 3) -> CloudTracks:
    """A circular normal cloud about (LON0, LAT0) at T0 moving east at SPEED_KN."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(0, sigma_nm, n), rng.normal(0, sigma_nm, n)
    hours = np.arange(SPAN_H + 1)
    lon = np.empty((n, hours.size))
    lat = np.empty((n, hours.size))
    for k, h in enumerate(hours):
        lon[:, k], lat[:, k] = from_local_nm(x + SPEED_KN * h, y, LON0, LAT0)
    return CloudTracks.from_arrays(T0 + hours * np.timedelta64(3600, "s"), lon, lat)


TRACKS = _tracks()


def _east_north_nm(area: SearchArea) -> tuple[float, float]:
    x, y = to_local_nm([area.lon], [area.lat], LON0, LAT0)
    return float(x[0]), float(y[0])


def _hours(a: np.datetime64, b: np.datetime64) -> float:
    return float((b - a) / np.timedelta64(1, "s")) / 3600.0


def test_a_ground_pattern_is_placed_on_the_cloud_over_its_search() -> None:
    """Transit 12 nm at 12 kn (1 h), then 4 h of search: 13:00-17:00, the particles at
    13:24, 14:12, 15:00, 15:48 and 16:36, centred 3 h × 2 kn = 6 nm east of where the
    cloud was at 12:00; the rectangle stretches along the drift over the cloud's path."""
    ship = SearchUnit(name="ship", speed_kn=12, hours=5, sweep_width_nm=0.6, transit_nm=12)
    plan, (w,) = allocate_on_scene(TRACKS, [ship], T0)
    assert _hours(T0, w.arrival) == pytest.approx(1.0)
    assert _hours(T0, w.end) == pytest.approx(5.0)
    assert _hours(T0, w.cloud_time) == pytest.approx(3.0)
    assert [_hours(T0, t) for t in w.cloud_times] == pytest.approx([1.4, 2.2, 3.0, 3.8, 4.6])
    assert w.basis == "search window"
    assert w.effort_nm2 == pytest.approx(0.6 * 12 * 4)  # Z = W·V·(hours − transit)
    frozen = allocate(cloud_at(TRACKS, T0), [ship], efforts_nm2=[w.effort_nm2])
    a, f = plan.assignments[0].area, frozen.assignments[0].area
    (xa, ya), (xf, yf) = _east_north_nm(a), _east_north_nm(f)
    # centred 6 nm east (within a grid cell, ~0.4 nm), long side east-west and longer
    # than the datum-time rectangle's: the particles move 6.4 nm between the first and
    # last of the times
    assert xa - xf == pytest.approx(SPEED_KN * 3.0, abs=0.4)
    assert ya - yf == pytest.approx(0.0, abs=0.4)
    assert a.orientation_deg == pytest.approx(90.0, abs=5.0)
    assert a.length_nm > max(f.length_nm, f.width_nm) + 2.0
    # its POC is the mean of its POCs at those times (each on the exact positions)
    pocs = [poc(cloud_at(TRACKS, t), a) for t in w.cloud_times]
    assert plan.assignments[0].poc == pytest.approx(float(np.mean(pocs)), abs=1e-3)
    # on the datum-time cloud (where a frozen plan would look) it holds far less, and
    # the datum-time rectangle holds far less while the unit searches than its plan says
    assert poc(cloud_at(TRACKS, T0), a) < 0.2 * plan.assignments[0].poc
    window = window_of(TRACKS, w)
    assert window.poc(f) < 0.2 * frozen.assignments[0].poc
    flown = score_plan(
        cloud_at(TRACKS, T0), [ship], [f], clouds=[window], efforts_nm2=[w.effort_nm2]
    )
    assert flown.total_pos < 0.3 * plan.total_pos
    # one time only: the cloud at the middle of the search, the same rectangle as the
    # datum-time one shifted by speed × time
    mid, (wm,) = allocate_on_scene(TRACKS, [ship], T0, window_times=1)
    assert wm.cloud_times == (wm.cloud_time,)
    m = mid.assignments[0].area
    xm, ym = _east_north_nm(m)
    assert xm - xf == pytest.approx(SPEED_KN * 3.0, abs=0.3)
    assert ym - yf == pytest.approx(0.0, abs=0.3)
    assert (m.length_nm, m.width_nm) == pytest.approx((f.length_nm, f.width_nm), rel=0.1)
    assert mid.assignments[0].poc == pytest.approx(poc(cloud_at(TRACKS, wm.cloud_time), m))


def test_the_window_places_displaced_particles_within_a_hundredth_of_a_mile() -> None:
    """Particles 30 nm from the plane's origin, each displaced up to 10 nm along a
    geodesic: the window's plane positions (exact for the middle time, the others by
    displacement) are within 0.01 nm of the exact transform."""
    rng = np.random.default_rng(1)
    ang = rng.uniform(0, 2 * np.pi, 500)
    lon, lat = from_local_nm(30 * np.sin(ang), 30 * np.cos(ang), LON0, LAT0)
    dx, dy = rng.uniform(-7, 7, 500), rng.uniform(-7, 7, 500)
    moved = [plane_to_lonlat(lo, la, x, y) for lo, la, x, y in zip(lon, lat, dx, dy, strict=True)]
    lon2 = np.array([float(p[0]) for p in moved])
    lat2 = np.array([float(p[1]) for p in moved])
    window = CloudWindow.of([Cloud.from_arrays(lon2, lat2), Cloud.from_arrays(lon, lat)])
    x, y = window.plane_nm(LON0, LAT0)
    ex, ey = to_local_nm(lon2, lat2, LON0, LAT0)
    assert float(np.max(np.hypot(x[0] - ex, y[0] - ey))) < 0.01
    mx, my = to_local_nm(lon, lat, LON0, LAT0)
    assert np.array_equal(x[1], mx) and np.array_equal(y[1], my)  # the middle: exact


def test_a_compensated_pattern_is_placed_on_the_cloud_at_its_arrival() -> None:
    """The compensated pattern follows the drift from its commence search point: its
    rectangle holds the cloud at the arrival (13:00, 2 nm east)."""
    ship = SearchUnit(name="ship", speed_kn=12, hours=5, sweep_width_nm=0.6, transit_nm=12)
    plan, (w,) = allocate_on_scene(TRACKS, [ship], T0, compensated=[True])
    assert w.basis == "arrival" and w.cloud_time == w.arrival
    frozen = allocate(cloud_at(TRACKS, T0), [ship], efforts_nm2=[w.effort_nm2])
    xa, _ = _east_north_nm(plan.assignments[0].area)
    xf, _ = _east_north_nm(frozen.assignments[0].area)
    assert xa - xf == pytest.approx(SPEED_KN * 1.0, abs=0.3)


def test_a_unit_from_its_start_goes_where_the_cloud_will_be() -> None:
    """Start 20 nm west of the datum at 10 kn, the cloud drifting east at 2 kn: the
    unit closes at 8 kn, arriving after 20/8 = 2.5 h, 25 nm from its start."""
    lon, lat = from_local_nm([-20.0], [0.0], LON0, LAT0)
    ship = SearchUnit(
        name="ship", speed_kn=10, hours=6, sweep_width_nm=0.5,
        start_lon=float(lon[0]), start_lat=float(lat[0]),
    )  # fmt: skip
    w = on_scene(TRACKS, ship, T0)
    assert _hours(T0, w.arrival) == pytest.approx(2.5, abs=20 / 3600)
    assert w.transit_nm == pytest.approx(25.0, abs=0.05)
    assert w.effort_nm2 == pytest.approx(0.5 * 10 * 3.5, rel=1e-3)
    with pytest.raises(InputError, match="no search time left"):
        on_scene(TRACKS, replace(ship, hours=2.4), T0)


def test_units_at_different_times_are_missed_independently_where_each_covered() -> None:
    """Two particles, one still, one moving 10 nm east in 2 h; unit a searches at
    12:00 over both starting positions, unit b at 14:00 over x = 10 only. The still
    particle is covered by a alone, the mover by both: its miss is (1−p_a)(1−p_b)."""
    times = T0 + np.array([0, 7200], dtype="timedelta64[s]")
    lon, lat = from_local_nm([0.0, 0.0, 0.0, 10.0], [0.0, 0.5, 0.0, 0.5], LON0, LAT0)
    tracks = CloudTracks.from_arrays(times, lon.reshape(2, 2), lat.reshape(2, 2))
    c0, c1 = cloud_at(tracks, times[0]), cloud_at(tracks, times[1])
    a_area = SearchArea(lon=LON0, lat=LAT0, length_nm=2, width_nm=2)
    blon, blat = from_local_nm([10.0], [0.0], LON0, LAT0)
    b_area = SearchArea(lon=float(blon[0]), lat=float(blat[0]), length_nm=2, width_nm=2)
    units = [SearchUnit(name=n, speed_kn=1, hours=1, sweep_width_nm=1) for n in "ab"]
    plan = score_plan(
        c0, units, [a_area, b_area], curve="exponential", clouds=[c0, c1], efforts_nm2=[4.0, 2.0]
    )
    pa, pb = 1 - math.exp(-1.0), 1 - math.exp(-0.5)  # C = 4/4 and 2/4
    assert plan.total_pos == pytest.approx(0.5 * pa + 0.5 * (1 - (1 - pa) * (1 - pb)))
    assert [a.poc for a in plan.assignments] == pytest.approx([1.0, 0.5])
    # frozen at 12:00, unit b's square would hold nothing
    frozen = score_plan(c0, units, [a_area, b_area], curve="exponential", efforts_nm2=[4.0, 2.0])
    assert frozen.assignments[1].poc == 0.0
    assert frozen.total_pos == pytest.approx(pa)


def test_missing_positions_are_held_and_bad_windows_refused() -> None:
    t = T0 + np.array([0, 3600, 7200], dtype="timedelta64[s]")
    tr = CloudTracks.from_arrays(t, [[12.0, np.nan, 12.2], [np.nan, 12.1, 12.3]],
                                 [[33.0, np.nan, 33.2], [np.nan, 33.1, 33.3]])  # fmt: skip
    held = held_tracks(tr)
    assert held.lon.tolist() == [[12.0, 12.0, 12.2], [12.1, 12.1, 12.3]]
    with pytest.raises(InputError, match="particle 0 of the tracks has no position"):
        nan = [np.nan] * 3
        held_tracks(CloudTracks.from_arrays(t, [nan, [12.0] * 3], [nan, [33.0] * 3]))
    long = SearchUnit(name="long", speed_kn=10, hours=SPAN_H + 1, sweep_width_nm=1)
    with pytest.raises(InputError, match="outside the drift run's times"):
        allocate_on_scene(TRACKS, [long], T0)
    with pytest.raises(InputError, match="one cloud per unit"):
        allocate(cloud_at(TRACKS, T0), [long], clouds=[])


_unit = st.builds(
    SearchUnit,
    name=st.just("u"),
    speed_kn=st.floats(5, 150),
    hours=st.floats(0.5, 6),
    sweep_width_nm=st.floats(0.2, 2.0),
    transit_nm=st.floats(0, 2),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units=st.lists(_unit, min_size=1, max_size=3), extra=_unit,
       compensated=st.lists(st.booleans(), min_size=4, max_size=4))  # fmt: skip
def test_pos_on_the_moving_cloud_is_a_probability_and_grows_with_each_unit(
    units: list[SearchUnit], extra: SearchUnit, compensated: list[bool]
) -> None:
    """Any units at any times: total POS within [0, 1], each unit's share ≥ 0 and the
    shares add up; adding a unit (its rectangle and time) to a plan never lowers POS.
    Re-allocated from scratch with the extra unit, the plan is a local optimum of its own
    (greedy, then coordinate ascent on grid rectangles), not always at or above the old
    one: Hypothesis found a unit of 0.75 nm² whose re-allocation came out 0.0006 below
    (0.86014 against 0.86077). So the check there is that the local search stays close;
    the guarantee is the plan kept and the unit added, checked above."""
    tracks = _tracks(n=1500, seed=7)
    comp = compensated[: len(units)]
    plan, windows = allocate_on_scene(tracks, units, T0, compensated=comp, cells=20)
    assert 0.0 <= plan.total_pos <= 1.0
    assert all(a.pos >= -1e-12 for a in plan.assignments)
    assert sum(a.pos for a in plan.assignments) == pytest.approx(plan.total_pos)
    # the extra unit added to this plan, at its own time over any rectangle
    w = on_scene(tracks, extra, T0)
    cx, cy = cloud_at(tracks, w.cloud_time).centre()
    area = SearchArea(lon=cx, lat=cy, length_nm=3, width_nm=2)
    clouds = [window_of(tracks, x) for x in (*windows, w)]
    more = score_plan(
        cloud_at(tracks, T0), [*units, extra], [*(a.area for a in plan.assignments), area],
        clouds=clouds, efforts_nm2=[*(x.effort_nm2 for x in windows), w.effort_nm2],
    )  # fmt: skip
    # (to rounding: the allocator's shares come from each unit's grid, score_plan's from
    # the rectangles themselves; Hypothesis found them 2.4e-10 apart on a POS of 0.99995)
    assert plan.total_pos - 1e-6 <= more.total_pos <= 1.0 + 1e-12
    realloc, _ = allocate_on_scene(tracks, [*units, extra], T0, compensated=[*comp, False],
                                   cells=20)  # fmt: skip
    assert realloc.total_pos >= plan.total_pos - 0.02
