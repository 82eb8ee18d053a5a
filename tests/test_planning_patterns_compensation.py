"""Drift compensation: each ground waypoint is the water-frame waypoint moved by drift × time."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _planning import DATUM, T0
from sarwatch.errors import InputError
from sarwatch.geo.geodesy import geod
from sarwatch.planning.compensation import drift_compensate, drift_displacement_nm, shifts_nm
from sarwatch.planning.patterns import expanding_square, sector
from sarwatch.planning.types import Route, Waypoint


def _hours(route: Route) -> list[float]:
    return [(w.eta - T0).total_seconds() / 3600.0 for w in route.waypoints if w.eta is not None]


@given(
    east=st.floats(-3.0, 3.0),
    north=st.floats(-3.0, 3.0),
    speed=st.floats(4.0, 20.0),
    spacing=st.floats(0.5, 3.0),
)
@settings(max_examples=40, deadline=None)
def test_each_waypoint_is_shifted_by_exactly_drift_times_elapsed_time(
    east: float, north: float, speed: float, spacing: float
) -> None:
    water = expanding_square(
        *DATUM, spacing_nm=spacing, n_legs=7, first_leg_deg=35.0, speed_kn=speed, start=T0, name="A"
    )
    ground = drift_compensate(water, (east, north))
    hours = _hours(water)
    assert _hours(ground) == hours  # ETAs unchanged
    expected = [math.hypot(east, north) * h for h in hours]
    np.testing.assert_allclose(shifts_nm(water, ground), expected, atol=1e-9)
    # ... and in the direction of the drift
    lo_w = [w.lon for w in water.waypoints][1:]
    la_w = [w.lat for w in water.waypoints][1:]
    lo_g = [g.lon for g in ground.waypoints][1:]
    la_g = [g.lat for g in ground.waypoints][1:]
    if math.hypot(east, north) > 1e-3:
        az, _, _ = geod().inv(lo_w, la_w, lo_g, la_g)
        to = math.degrees(math.atan2(east, north))
        diff = [((float(a) - to + 180.0) % 360.0) - 180.0 for a in az]
        np.testing.assert_allclose(diff, 0.0, atol=1e-6)


def test_constant_drift_example_worked_by_hand() -> None:
    # 10 kn, legs 2, 2, 4 nm: ETAs 0, 12, 24, 48 min; a 1.5 kn drift moves them 0, 0.3, 0.6, 1.2 nm
    water = expanding_square(
        *DATUM, spacing_nm=2.0, n_legs=3, first_leg_deg=0.0, speed_kn=10.0, start=T0, name="A"
    )
    ground = drift_compensate(water, (0.0, -1.5))  # towards the south
    assert [w.eta for w in ground.waypoints] == [T0 + timedelta(minutes=m) for m in (0, 12, 24, 48)]
    np.testing.assert_allclose(shifts_nm(water, ground), [0.0, 0.3, 0.6, 1.2], atol=1e-9)
    assert ground.warnings[-1].startswith("drift-compensated for a drift of 1.5 kn towards 180°")


def test_sector_datum_waypoints_follow_the_drifting_datum() -> None:
    """Every pass through the datum lands where the drifting object is at that time."""
    water = sector(*DATUM, radius_nm=2.0, first_leg_deg=0.0, speed_kn=10.0, start=T0, name="V")
    drift = (0.5, 0.5)
    ground = drift_compensate(water, drift)
    for w in ground.waypoints:
        if w.name != "DATUM" or w.eta is None:
            continue
        h = (w.eta - T0).total_seconds() / 3600.0
        az, _, dist = geod().inv(DATUM[0], DATUM[1], w.lon, w.lat)
        assert dist / 1852.0 == pytest.approx(math.hypot(*drift) * h, abs=1e-9)
        assert az == pytest.approx(45.0, abs=1e-6)


def test_time_varying_drift_is_integrated() -> None:
    # d(t) = (0.4 t, 1 - 0.2 t²) kn with t in hours: displacement (0.2 t², t - t³/15) nm
    def drift(t: datetime) -> tuple[float, float]:
        h = (t - T0).total_seconds() / 3600.0
        return 0.4 * h, 1.0 - 0.2 * h * h

    assert drift_displacement_nm(drift, T0, T0 + timedelta(hours=3)) == pytest.approx(
        (1.8, 3.0 - 27.0 / 15.0), abs=1e-12
    )
    water = Route(
        name="T",
        pattern="track_line",
        speed_kn=10.0,
        waypoints=(
            Waypoint(lon=12.5, lat=33.2, eta=T0),
            Waypoint(lon=12.5, lat=33.7, eta=T0 + timedelta(hours=2)),
        ),
    )
    ground = drift_compensate(water, drift)
    assert shifts_nm(water, ground) == pytest.approx(
        [0.0, math.hypot(0.8, 2.0 - 8.0 / 15.0)], abs=1e-9
    )
    assert "time-varying drift" in ground.warnings[-1]


def test_zero_drift_changes_nothing() -> None:
    water = sector(*DATUM, radius_nm=2.0, first_leg_deg=0.0, speed_kn=10.0, start=T0, name="V")
    ground = drift_compensate(water, (0.0, 0.0))
    assert [(w.lon, w.lat) for w in ground.waypoints] == [(w.lon, w.lat) for w in water.waypoints]


def test_bad_drift_and_untimed_routes_are_refused() -> None:
    water = sector(*DATUM, radius_nm=2.0, first_leg_deg=0.0, speed_kn=10.0, start=T0, name="V")
    with pytest.raises(InputError, match="east_kn, north_kn"):
        drift_compensate(water, (1.0,))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="finite"):
        drift_compensate(water, (float("nan"), 0.0))
    untimed = Route(
        name="U",
        pattern="track_line",
        speed_kn=5.0,
        waypoints=(Waypoint(lon=12.5, lat=33.2), Waypoint(lon=12.6, lat=33.2)),
    )
    with pytest.raises(InputError, match="ETA"):
        drift_compensate(untimed, (1.0, 0.0))
