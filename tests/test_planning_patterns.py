"""Search pattern geometry (IAMSAR; search_planning.md section 9), measured geodesically."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _planning import DATUM, T0, courses_deg, turns_deg
from sarwatch.errors import InputError
from sarwatch.geo.geodesy import geod, geodesic_distance_nm
from sarwatch.planning.patterns import (
    creeping_line,
    expanding_square,
    expanding_square_legs,
    leg_lengths_nm,
    lonlat_to_plane,
    parallel_track,
    pattern_for_area,
    sector,
    track_line,
)
from sarwatch.planning.types import Route, SearchArea

# ---------------------------------------------------------------- expanding square


def test_expanding_square_legs_are_s_s_2s_2s_3s_3s() -> None:
    s = 1.5
    r = expanding_square(
        *DATUM, spacing_nm=s, n_legs=8, first_leg_deg=250.0, speed_kn=10.0, start=T0, name="Aurora"
    )
    assert leg_lengths_nm(r) == pytest.approx(
        [s, s, 2 * s, 2 * s, 3 * s, 3 * s, 4 * s, 4 * s], rel=1e-4
    )
    assert turns_deg(r) == pytest.approx([90.0] * 7, abs=0.05)
    assert courses_deg(r)[0] == pytest.approx(250.0, abs=1e-6)
    assert (r.waypoints[0].lon, r.waypoints[0].lat) == pytest.approx(DATUM)
    assert r.waypoints[0].name == "CSP" and r.pattern == "expanding_square"


def test_expanding_square_turns_left_and_rotates_45_for_a_repeat() -> None:
    r = expanding_square(
        *DATUM,
        spacing_nm=1.0,
        n_legs=4,
        first_leg_deg=0.0,
        speed_kn=8.0,
        start=T0,
        name="x",
        turn="left",
        repeat=True,
    )
    assert turns_deg(r) == pytest.approx([-90.0] * 3, abs=0.05)
    assert courses_deg(r)[0] == pytest.approx(45.0, abs=1e-6)


def test_expanding_square_etas_follow_the_speed() -> None:
    # 1+1+2+2+3 = 9 nm at 12 kn = 45 min
    r = expanding_square(
        *DATUM, spacing_nm=1.0, n_legs=5, first_leg_deg=90.0, speed_kn=12.0, start=T0, name="x"
    )
    assert r.waypoints[0].eta == T0
    assert r.waypoints[-1].eta == T0 + timedelta(minutes=45)
    assert r.waypoints[2].eta == T0 + timedelta(minutes=10)


def test_expanding_square_legs_sweep_the_square_of_the_side() -> None:
    # a 5 S square: 9 legs; north-south tracks at 0, ±S, ±2S; the ninth leg ends 3 S north
    s = 2.0
    n = expanding_square_legs(5 * s, s)
    r = expanding_square(
        *DATUM, spacing_nm=s, n_legs=n, first_leg_deg=0.0, speed_kn=10.0, start=T0, name="x"
    )
    e, nn = lonlat_to_plane(*DATUM, [w.lon for w in r.waypoints], [w.lat for w in r.waypoints])
    assert float(np.max(np.abs(e))) == pytest.approx(2 * s, rel=1e-6)
    assert sorted({round(float(x) / s) for x in e}) == [-2, -1, 0, 1, 2]
    assert float(np.max(nn)) == pytest.approx(3 * s, rel=1e-6)
    assert float(np.min(nn)) == pytest.approx(-2 * s, rel=1e-6)


# ---------------------------------------------------------------- sector


@pytest.mark.parametrize("first", [0.0, 137.0])
def test_sector_turns_120_and_legs_pass_through_the_datum(first: float) -> None:
    radius = 3.0
    r = sector(*DATUM, radius_nm=radius, first_leg_deg=first, speed_kn=10.0, start=T0, name="V")
    assert len(r.waypoints) == 10
    assert leg_lengths_nm(r) == pytest.approx([radius] * 9, rel=1e-4)
    turns = turns_deg(r)
    # 120° to starboard at every outer vertex; straight on (0°) through the datum
    assert turns == pytest.approx([120, 120, 0, 120, 120, 0, 120, 120], abs=0.05)
    for k in (3, 6, 9):
        w = r.waypoints[k]
        assert w.name == "DATUM"
        assert float(geodesic_distance_nm(w.lon, w.lat, *DATUM)) < 1e-9
    # radial legs lie 60° apart: the six outer vertices sit at bearings first + 0, 60, ... 300
    lo = [r.waypoints[k].lon for k in (1, 2, 4, 5, 7, 8)]
    la = [r.waypoints[k].lat for k in (1, 2, 4, 5, 7, 8)]
    az, _, _ = geod().inv([DATUM[0]] * 6, [DATUM[1]] * 6, lo, la)
    bearings = sorted(round((float(a) - first) % 360.0, 6) % 360.0 for a in az)
    assert bearings == pytest.approx([0, 60, 120, 180, 240, 300], abs=0.01)


def test_sector_second_cycle_is_rotated_30_degrees() -> None:
    r = sector(
        *DATUM, radius_nm=2.0, first_leg_deg=20.0, speed_kn=10.0, start=T0, name="V", cycles=2
    )
    assert len(r.waypoints) == 19 and r.waypoints[9].name == "DATUM"
    c = courses_deg(r)
    assert c[0] == pytest.approx(20.0, abs=1e-6)
    assert c[9] == pytest.approx(50.0, abs=1e-6)
    # second-cycle radials bisect the first's: every outer vertex 30° off a first-cycle one
    az, _, _ = geod().inv(
        [DATUM[0]] * 12,
        [DATUM[1]] * 12,
        [r.waypoints[k].lon for k in (1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17)],
        [r.waypoints[k].lat for k in (1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17)],
    )
    bearings = sorted(round((float(a) - 20.0) % 360.0, 6) % 360.0 for a in az)
    assert bearings == pytest.approx(
        [0, 30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 330], abs=0.01
    )


# ---------------------------------------------------------------- parallel, creeping line


def _area_plane(area: SearchArea, route: Route) -> tuple[np.ndarray, np.ndarray]:
    """Waypoints in the area's own axes (u along the orientation, v to its right), nm."""
    e, n = lonlat_to_plane(
        area.lon, area.lat, [w.lon for w in route.waypoints], [w.lat for w in route.waypoints]
    )
    th = math.radians(area.orientation_deg)
    return e * math.sin(th) + n * math.cos(th), e * math.cos(th) - n * math.sin(th)


@given(
    orientation=st.floats(0.0, 179.0),
    legs=st.integers(1, 8),
    spacing=st.floats(0.5, 3.0),
    length_factor=st.floats(2.0, 6.0),
)
@settings(max_examples=30, deadline=None)
def test_parallel_legs_are_spaced_s_and_inside_the_area(
    orientation: float, legs: int, spacing: float, length_factor: float
) -> None:
    area = SearchArea(
        lon=12.5,
        lat=33.2,
        length_nm=length_factor * spacing * 2,
        width_nm=legs * spacing,
        orientation_deg=orientation,
    )
    (r,) = parallel_track(area, spacing_nm=spacing, speed_kn=10.0, start=T0, name="P")
    u, v = _area_plane(area, r)
    assert len(r.waypoints) == 2 * legs and r.warnings == ()
    # inside the area, half a spacing in from every edge
    assert np.all(np.abs(u) <= area.length_nm / 2 - spacing / 2 + 1e-6)
    assert np.all(np.abs(v) <= area.width_nm / 2 - spacing / 2 + 1e-6)
    # search legs along the long axis; consecutive legs S apart
    tracks = v[0::2]
    np.testing.assert_allclose(np.diff(tracks), spacing, atol=1e-5 * spacing + 1e-6)
    np.testing.assert_allclose(v[1::2], tracks, atol=1e-6)
    lengths = leg_lengths_nm(r)
    np.testing.assert_allclose(lengths[0::2], area.length_nm - spacing, rtol=1e-4)
    np.testing.assert_allclose(lengths[1::2], spacing, rtol=1e-4)


def test_parallel_csp_is_the_corner_nearest_the_unit() -> None:
    area = SearchArea(lon=12.5, lat=33.2, length_nm=10.0, width_nm=4.0, orientation_deg=0.0)
    # a unit coming from the north-east starts at the north-east corner, ½S inside
    (r,) = parallel_track(
        area, spacing_nm=1.0, speed_kn=10.0, start=T0, name="P", start_near=(13.0, 34.0)
    )
    u, v = _area_plane(area, r)
    assert (u[0], v[0]) == pytest.approx((4.5, 1.5), abs=1e-6)


def test_two_unit_parallel_tracks_interleave_at_spacing_s() -> None:
    area = SearchArea(lon=12.5, lat=33.2, length_nm=12.0, width_nm=8.0, orientation_deg=60.0)
    a, b = parallel_track(area, spacing_nm=1.0, speed_kn=10.0, start=T0, name="PS", n_units=2)
    assert (a.name, b.name) == ("PS-1", "PS-2")
    va = _area_plane(area, a)[1][0::2]
    vb = _area_plane(area, b)[1][0::2]
    tracks = np.sort(np.concatenate([va, vb]))
    np.testing.assert_allclose(np.diff(tracks), 1.0, atol=1e-5)
    assert tracks[0] == pytest.approx(-3.5, abs=1e-6) and tracks[-1] == pytest.approx(3.5, abs=1e-6)
    assert a.waypoints[0].eta == b.waypoints[0].eta == T0


def test_parallel_warns_when_the_width_is_not_a_multiple_of_s() -> None:
    area = SearchArea(lon=12.5, lat=33.2, length_nm=10.0, width_nm=4.5, orientation_deg=0.0)
    (r,) = parallel_track(area, spacing_nm=1.0, speed_kn=10.0, start=T0, name="P")
    assert len(r.warnings) == 1 and "0.50 nm strip unswept" in r.warnings[0]


def test_creeping_line_legs_cross_the_short_side_and_advance_along_the_long() -> None:
    area = SearchArea(lon=12.5, lat=33.2, length_nm=10.0, width_nm=4.0, orientation_deg=90.0)
    r = creeping_line(area, spacing_nm=2.0, speed_kn=10.0, start=T0, name="C")
    u, v = _area_plane(area, r)
    assert len(r.waypoints) == 10  # 5 legs across, 2 nm apart along the 10 nm axis
    np.testing.assert_allclose(u[0::2], [-4, -2, 0, 2, 4], atol=1e-6)
    np.testing.assert_allclose(np.abs(v), 1.0, atol=1e-6)
    lengths = leg_lengths_nm(r)
    np.testing.assert_allclose(lengths[0::2], 2.0, rtol=1e-4)  # width - S
    np.testing.assert_allclose(lengths[1::2], 2.0, rtol=1e-4)  # advance S
    # the legs run across the axis (north-south for an east-west area)
    assert courses_deg(r)[0] % 180.0 == pytest.approx(0.0, abs=0.05) or courses_deg(r)[
        0
    ] % 180.0 == pytest.approx(180.0, abs=0.05)


def test_creeping_line_starts_at_the_end_nearest_the_unit() -> None:
    area = SearchArea(lon=12.5, lat=33.2, length_nm=10.0, width_nm=4.0, orientation_deg=90.0)
    r = creeping_line(
        area, spacing_nm=2.0, speed_kn=10.0, start=T0, name="C", start_near=(14.0, 33.2)
    )  # from the east: the +u end
    u, _ = _area_plane(area, r)
    assert u[0] == pytest.approx(4.0, abs=1e-6) and u[-1] == pytest.approx(-4.0, abs=1e-6)


# ---------------------------------------------------------------- track line


def test_track_line_non_return_follows_the_track() -> None:
    track = [(12.5, 33.2), (12.8, 33.4), (13.1, 33.3)]
    r = track_line(track, spacing_nm=1.0, speed_kn=10.0, start=T0, name="T", returning=False)
    np.testing.assert_allclose([(w.lon, w.lat) for w in r.waypoints], track, atol=1e-9)
    total = sum(leg_lengths_nm(r))
    assert r.waypoints[-1].eta == T0 + timedelta(seconds=round(total / 10.0 * 3600))


def test_track_line_return_runs_half_s_either_side_and_comes_back() -> None:
    start, end = (12.5, 33.2), (12.5, 33.7)  # due north, ~30 nm
    r = track_line([start, end], spacing_nm=2.0, speed_kn=10.0, start=T0, name="T", returning=True)
    assert len(r.waypoints) == 4
    e, n = lonlat_to_plane(*start, [w.lon for w in r.waypoints], [w.lat for w in r.waypoints])
    np.testing.assert_allclose(e, [1.0, 1.0, -1.0, -1.0], atol=1e-6)  # out on the right (east)
    assert n[0] == pytest.approx(0.0, abs=1e-6) and n[3] == pytest.approx(0.0, abs=1e-6)
    c = courses_deg(r)
    assert c[0] == pytest.approx(0.0, abs=0.05) and c[2] == pytest.approx(180.0, abs=0.05)


# ---------------------------------------------------------------- dispatch, bad input


@pytest.mark.parametrize(
    "kind", ["expanding_square", "sector", "parallel", "creeping_line", "track_line"]
)
def test_pattern_for_area_stays_near_the_area(kind: str) -> None:
    area = SearchArea(lon=12.5, lat=33.2, length_nm=8.0, width_nm=6.0, orientation_deg=30.0)
    r = pattern_for_area(kind, area, spacing_nm=2.0, speed_kn=10.0, start=T0, name="U")  # type: ignore[arg-type]
    assert r.pattern == kind and len(r.waypoints) >= 2
    d = geodesic_distance_nm(
        [w.lon for w in r.waypoints], [w.lat for w in r.waypoints], area.lon, area.lat
    )
    # the square's side is the longer side (8 nm, 5 tracks); its closing leg runs one S past
    reach = math.hypot(4.0, 6.0) if kind == "expanding_square" else math.hypot(8.0, 8.0) / 2
    assert float(np.max(d)) <= reach + 1e-6
    etas = [w.eta for w in r.waypoints if w.eta is not None]
    assert len(etas) == len(r.waypoints) and etas == sorted(etas) and etas[0] == T0


_BOX = SearchArea(lon=12.5, lat=33.2, length_nm=4, width_nm=4)
_UNIT = {"speed_kn": 10.0, "start": T0, "name": "x"}
_SECTOR = {"radius_nm": 2.0, "first_leg_deg": 0.0, **_UNIT}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(
            lambda: expanding_square(
                *DATUM, spacing_nm=1.0, n_legs=4, first_leg_deg=0.0, **{**_UNIT, "speed_kn": -3.0}
            ),
            "positive number of knots",
            id="negative speed",
        ),
        pytest.param(
            lambda: sector(*DATUM, **{**_SECTOR, "start": datetime(2026, 1, 1)}),
            "timezone-aware",
            id="naive start",
        ),
        pytest.param(
            lambda: parallel_track(_BOX, spacing_nm=0.0, **_UNIT),
            "track spacing must be a positive",
            id="zero spacing",
        ),
        pytest.param(
            lambda: sector(*DATUM, **_SECTOR, turn="starboard"),
            "turn must be 'right'",
            id="unknown turn",
        ),
        pytest.param(
            lambda: pattern_for_area("spiral", _BOX, spacing_nm=1.0, **_UNIT),
            "unknown search pattern",
            id="unknown pattern",
        ),
        pytest.param(
            lambda: track_line([(12.5, 33.2)], spacing_nm=1.0, returning=False, **_UNIT),
            "at least two points",
            id="one-point track",
        ),
    ],
)
def test_bad_input_says_what_to_do(make: Callable[[], object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        make()
