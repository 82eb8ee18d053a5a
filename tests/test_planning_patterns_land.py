"""Routes kept at sea: waypoints on land removed, legs clipped at the coast, with warnings."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from _planning import DATUM, T0
from sarwatch.errors import PositionOnLandError
from sarwatch.geo.geodesy import geodesic_distance_nm
from sarwatch.planning.landclip import clip_to_sea
from sarwatch.planning.patterns import (
    expanding_square,
    lonlat_to_plane,
    plane_to_lonlat,
    timed_route,
    track_line,
)

ORIGIN = DATUM


def island(east_nm: float, north_nm: float, radius_nm: float):
    """A round island in the plane around ORIGIN, as a vectorised land test."""
    disc = shapely.Point(east_nm, north_nm).buffer(radius_nm, quad_segs=64)

    def is_land(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> np.ndarray:
        e, n = lonlat_to_plane(*ORIGIN, lon, lat)
        return shapely.contains_xy(disc, e, n)

    return is_land, disc


def test_a_route_at_sea_is_unchanged() -> None:
    is_land, _ = island(50.0, 50.0, 1.0)
    r = expanding_square(
        *ORIGIN, spacing_nm=1.0, n_legs=6, first_leg_deg=0.0, speed_kn=10.0, start=T0, name="A"
    )
    assert clip_to_sea(r, is_land) is r


def test_a_leg_over_an_island_is_clipped_at_its_coast() -> None:
    # a leg due east from (-5, 0) to (5, 0) nm over an island of radius 2 at the origin
    is_land, disc = island(0.0, 0.0, 2.0)
    lon, lat = plane_to_lonlat(*ORIGIN, [-5.0, 5.0], [0.0, 0.0])
    r = timed_route(
        lon, lat, names=["CSP", "WP1"], speed_kn=10.0, start=T0, name="A", pattern="track_line"
    )
    c = clip_to_sea(r, is_land)
    assert [w.name for w in c.waypoints] == ["CSP", "COAST1", "COAST2", "WP1"]
    e, _ = lonlat_to_plane(*ORIGIN, [w.lon for w in c.waypoints], [w.lat for w in c.waypoints])
    np.testing.assert_allclose(e[1:3], [-2.0, 2.0], atol=0.01)  # on the coast, within 0.01 nm
    assert not any(is_land(np.array([w.lon]), np.array([w.lat]))[0] for w in c.waypoints)
    # clip points keep the plan's times: 3 nm and 7 nm along at 10 kn
    assert c.waypoints[1].eta is not None and c.waypoints[2].eta is not None
    assert abs((c.waypoints[1].eta - T0).total_seconds() - 1080) <= 5
    assert abs((c.waypoints[2].eta - T0).total_seconds() - 2520) <= 5
    assert len(c.warnings) == 1 and "crosses land between COAST1" in c.warnings[0]
    assert "navigate around" in c.warnings[0]
    assert disc.area > 0


def test_waypoints_on_land_are_removed_and_named_in_a_warning() -> None:
    # the expanding square's WP2 at (1, 1)·S... put an island on WP3 (1 S east, 1 S south)
    r = expanding_square(
        *ORIGIN, spacing_nm=2.0, n_legs=6, first_leg_deg=0.0, speed_kn=10.0, start=T0, name="A"
    )
    e, n = lonlat_to_plane(*ORIGIN, r.waypoints[3].lon, r.waypoints[3].lat)
    is_land, _ = island(float(e), float(n), 0.5)
    c = clip_to_sea(r, is_land)
    names = [w.name for w in c.waypoints]
    assert "WP3" not in names and names.count("COAST1") == 1 and "COAST2" in names
    assert names.index("COAST1") < names.index("COAST2")
    assert any(w.startswith("WP3 lies on land at ") and w.endswith(": removed") for w in c.warnings)
    lo = np.array([w.lon for w in c.waypoints])
    la = np.array([w.lat for w in c.waypoints])
    assert not is_land(lo, la).any()
    etas = [w.eta for w in c.waypoints if w.eta is not None]
    assert etas == sorted(etas) and len(etas) == len(c.waypoints)


def test_a_pattern_wholly_on_land_is_refused() -> None:
    r = expanding_square(
        *ORIGIN, spacing_nm=0.5, n_legs=4, first_leg_deg=0.0, speed_kn=10.0, start=T0, name="A"
    )
    with pytest.raises(PositionOnLandError, match="lies on land: move the search area"):
        clip_to_sea(r, lambda lon, lat: np.ones(np.shape(lon), dtype=bool))


def test_lampedusa_with_the_real_land_mask(land_mask) -> None:
    """A track line west to east across Lampedusa (35.50°N) is cut at both coasts."""
    r = track_line(
        [(12.45, 35.505), (12.75, 35.505)],
        spacing_nm=1.0,
        speed_kn=10.0,
        start=T0,
        name="T",
        returning=False,
    )
    assert land_mask.contains([12.60], [35.505])[0]  # the island is there
    c = clip_to_sea(r, land_mask.contains)
    names = [w.name for w in c.waypoints]
    assert names[0] == "CSP" and names[-1] == "WP1"
    lo = np.array([w.lon for w in c.waypoints])
    la = np.array([w.lat for w in c.waypoints])
    assert not land_mask.contains(lo, la).any()
    coast = [w for w in c.waypoints if w.name.startswith("COAST")]
    assert len(coast) >= 2
    # each clip point has land within 0.01 nm further along the leg (it is on the coast)
    for w in coast:
        probe = np.array([w.lon - 0.0002, w.lon + 0.0002])
        assert land_mask.contains(probe, np.full(2, w.lat)).any()
    assert float(geodesic_distance_nm(coast[0].lon, coast[0].lat, 12.45, 35.505)) < 10.0


@given(
    east=st.floats(-4.0, 4.0),
    north=st.floats(-4.0, 4.0),
    radius=st.floats(0.3, 2.5),
)
@settings(max_examples=25, deadline=None)
def test_clipped_routes_are_at_sea_in_order_with_clip_points_on_the_coast(
    east: float, north: float, radius: float
) -> None:
    r = expanding_square(
        *ORIGIN, spacing_nm=1.0, n_legs=9, first_leg_deg=20.0, speed_kn=10.0, start=T0, name="A"
    )
    is_land, disc = island(east, north, radius)
    lo = np.array([w.lon for w in r.waypoints])
    la = np.array([w.lat for w in r.waypoints])
    if is_land(lo, la).all():
        return
    try:
        c = clip_to_sea(r, is_land)
    except PositionOnLandError:
        return
    out_lo = np.array([w.lon for w in c.waypoints])
    out_la = np.array([w.lat for w in c.waypoints])
    assert not is_land(out_lo, out_la).any()
    kept = [w.name for w in c.waypoints if not w.name.startswith("COAST")]
    at_sea = [w.name for w, land in zip(r.waypoints, is_land(lo, la), strict=True) if not land]
    assert kept == at_sea  # every sea waypoint kept, in order
    etas = [w.eta for w in c.waypoints if w.eta is not None]
    assert len(etas) == len(c.waypoints) and etas == sorted(etas)
    coast = [w for w in c.waypoints if w.name.startswith("COAST")]
    if coast:
        e, n = lonlat_to_plane(*ORIGIN, [w.lon for w in coast], [w.lat for w in coast])
        gap = np.abs(np.hypot(e - east, n - north) - radius)
        assert float(gap.max()) <= 0.01  # on the coast (polygon of 256 sides, 0.005 nm bisection)
        assert len(c.warnings) >= 1
    removed = [w.name for w, land in zip(r.waypoints, is_land(lo, la), strict=True) if land]
    for name in removed:
        assert any(x.startswith(f"{name} lies on land at ") for x in c.warnings)
    assert disc.is_valid
