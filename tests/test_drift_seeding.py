"""Seeding geometry and the analysis of clouds (centroid, spread, containment)."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod

from sarwatch.drift.analysis import cloud_stats, containment, density_grid
from sarwatch.drift.leeway import resolve_object
from sarwatch.drift.seeding import (
    Scenario,
    metres_to_degrees,
    seed_circle,
    seed_cone,
    seed_line,
    seed_point,
    seed_scenarios,
)
from sarwatch.drift.state import NOT_RELEASED
from sarwatch.errors import InputError

GEOD = Geod(ellps="WGS84")


def _offsets_m(lon, lat, lon0, lat0):
    dlon, dlat = metres_to_degrees(lat0)
    return (lon - lon0) / dlon, (lat - lat0) / dlat


def test_point_radius_is_a_gaussian_sigma_per_axis_in_metres():
    lon, lat, t = seed_point(12.5, 33.2, 1000.0, 50_000, np.random.default_rng(0))
    e, n = _offsets_m(lon, lat, 12.5, 33.2)
    assert e.std() == pytest.approx(1000.0, rel=0.02)
    assert n.std() == pytest.approx(1000.0, rel=0.02)
    assert (t == 0).all()
    # so about 39 % lie within one radius (a 2-D Gaussian), not all of them
    assert np.mean(np.hypot(e, n) < 1000.0) == pytest.approx(1 - np.exp(-0.5), abs=0.01)


def test_circle_is_uniform_over_the_disk():
    lon, lat, _ = seed_circle(12.5, 33.2, 2000.0, 50_000, np.random.default_rng(1))
    d = GEOD.inv(np.full(lon.size, 12.5), np.full(lon.size, 33.2), lon, lat)[2]
    assert d.max() <= 2000.0 * 1.001
    assert np.mean(d**2) == pytest.approx(2000.0**2 / 2, rel=0.02)  # uniform disk


def test_line_points_lie_on_the_geodesic_between_the_ends():
    lon, lat, _ = seed_line(12.0, 33.0, 13.0, 34.0, 500, np.random.default_rng(2))
    total = GEOD.inv(12.0, 33.0, 13.0, 34.0)[2]
    d1 = GEOD.inv(np.full(500, 12.0), np.full(500, 33.0), lon, lat)[2]
    d2 = GEOD.inv(lon, lat, np.full(500, 13.0), np.full(500, 34.0))[2]
    np.testing.assert_allclose(d1 + d2, total, atol=0.01)


def test_cone_release_time_and_radius_grow_along_the_line():
    lon, lat, t = seed_cone(
        12.0,
        33.0,
        0.0,
        12.0,
        34.0,
        7200.0,
        20_000,
        np.random.default_rng(3),
        radius1_m=0.0,
        radius2_m=5000.0,
    )
    frac = t / 7200.0
    assert frac.min() >= 0 and frac.max() <= 1
    # particles released at time f*T sit (on average) at fraction f of the way north
    slope = np.polyfit(frac, lat, 1)[0]
    assert slope == pytest.approx(1.0, abs=0.01)
    early = frac < 0.1
    late = frac > 0.9
    assert np.std(lon[early]) < 0.2 * np.std(lon[late])


def test_weighted_scenarios_split_particles_and_record_release_times():
    obj = resolve_object("LIFE-RAFT-NB-2")
    scenarios = [
        Scenario(1.0, "point", 12.5, 33.2, obj, radius_m=100.0),
        Scenario(
            3.0,
            "cone",
            12.0,
            33.0,
            resolve_object("SKIFF-1"),
            lon2=12.2,
            lat2=33.1,
            t_s=3600.0,
            t2_s=7200.0,
        ),
    ]
    s = seed_scenarios(scenarios, 1000, np.random.default_rng(4))
    assert s.n == 1000
    assert int((s.lon > 12.4).sum()) == 250
    assert (s.status[s.lon < 12.4] == NOT_RELEASED).all()
    with pytest.raises(InputError, match="weights must be positive"):
        seed_scenarios([Scenario(0.0, "point", 12.5, 33.2, obj)], 10, np.random.default_rng(0))


def test_cloud_stats_centroid_and_rms_distance():
    s = cloud_stats([12.0, 13.0, np.nan], [33.0, 33.0, 1.0])
    assert s.n == 2
    assert s.centroid_lon == pytest.approx(12.5)
    half = GEOD.inv(12.5, s.centroid_lat, 13.0, 33.0)[2] / 1000
    assert s.std_km == pytest.approx(half, rel=1e-6)


@pytest.mark.parametrize("p", [0.5, 0.9, 0.95])
def test_containment_area_of_a_gaussian_cloud_matches_the_analytic_ellipse(p):
    rng = np.random.default_rng(5)
    sx, sy = 8000.0, 12000.0  # metres
    e, n = rng.normal(0, sx, 200_000), rng.normal(0, sy, 200_000)
    dlon, dlat = metres_to_degrees(33.2)
    grid = density_grid(12.5 + e * dlon, 33.2 + n * dlat)
    geom, area = containment(grid, (p,))[p]
    expected = 2 * np.pi * sx * sy * np.log(1 / (1 - p)) / 1e6  # km²
    assert area == pytest.approx(expected, rel=0.04)
    assert geom.contains(__import__("shapely").Point(12.5, 33.2))
    assert abs(grid.probability.sum() - 1.0) < 1e-12
