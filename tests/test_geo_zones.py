"""Distance to coast, the coastal State and the approximate 12/24 nm zones, checked
against an independent brute-force geodesic calculation and known geography."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

from sarwatch.errors import OutOfRegionError
from sarwatch.geo.coast import land_polygons
from sarwatch.geo.zones import assess_coast, nearest_sea_point

_GEOD = Geod(ellps="WGS84")


def _brute_force_nm(lon: float, lat: float, window_deg: float = 1.5) -> float:
    """Geodesic distance to the full-resolution coast, by brute force.

    Every boundary of the unsimplified GSHHG polygons within ``window_deg`` of the point,
    densified to 0.0005° (~50 m), measured with pyproj's geodesic to every vertex.
    """
    box = shapely.box(lon - window_deg, lat - window_deg, lon + window_deg, lat + window_deg)
    near = shapely.intersection(shapely.boundary(land_polygons()), box)
    coords = shapely.get_coordinates(shapely.segmentize(near, 0.0005))
    assert coords.size, "no coast in the window: widen it"
    n = coords.shape[0]
    _, _, dist = _GEOD.inv(np.full(n, lon), np.full(n, lat), coords[:, 0], coords[:, 1])
    return float(np.min(dist)) / 1852.0


def test_distance_to_coast_agrees_with_brute_force_within_a_fraction_of_a_mile() -> None:
    rng = np.random.default_rng(20261123)
    lon = rng.uniform(7.0, 25.0, 400)
    lat = rng.uniform(31.0, 41.0, 400)
    result = assess_coast(lon, lat)
    near = np.flatnonzero(~result.on_land & (result.distance_to_coast_nm < 50))[:40]
    assert near.size >= 20
    for i in near:
        expected = _brute_force_nm(lon[i], lat[i])
        assert abs(result.distance_to_coast_nm[i] - expected) < 0.2, (lon[i], lat[i])


@pytest.mark.parametrize(
    ("start", "heading_deg", "state"),
    [
        ((12.60, 35.49), 180.0, "IT"),  # south from Lampedusa
        ((12.10, 32.90), 0.0, "LY"),  # north from the coast off Zuwara
        ((14.57, 35.83), 120.0, "MT"),  # south-east from Malta
        ((11.15, 33.45), 90.0, "TN"),  # east from Zarzis
    ],
)
def test_zone_changes_at_twelve_nautical_miles(
    start: tuple[float, float], heading_deg: float, state: str
) -> None:
    """Find the point 12 nm from the coast by bisection on the brute-force distance, then
    check the zone just inside and just outside it."""
    lo, hi = 0.0, 40.0 * 1852.0
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        lon, lat, _ = _GEOD.fwd(*start, heading_deg, mid)
        if _brute_force_nm(lon, lat) < 12.0:
            lo = mid
        else:
            hi = mid
    inside = _GEOD.fwd(*start, heading_deg, lo - 0.3 * 1852.0)[:2]
    outside = _GEOD.fwd(*start, heading_deg, lo + 0.3 * 1852.0)[:2]
    assert _brute_force_nm(*inside) < 12.0 < _brute_force_nm(*outside)
    result = assess_coast([inside[0], outside[0]], [inside[1], outside[1]])
    assert result.zone.tolist() == ["territorial_sea", "contiguous_zone"]
    assert result.zone_state.tolist() == [state, state]


def test_zone_thresholds_follow_the_distance() -> None:
    rng = np.random.default_rng(5)
    result = assess_coast(rng.uniform(5, 27, 20000), rng.uniform(29, 43, 20000))
    d, z = result.distance_to_coast_nm, result.zone
    sea = ~result.on_land
    assert (z[~sea] == "internal_or_land").all()
    assert (z[sea & (d <= 12)] == "territorial_sea").all()
    assert (z[sea & (d > 12) & (d <= 24)] == "contiguous_zone").all()
    assert (z[sea & (d > 24)] == "high_seas").all()
    assert (result.zone_state[z == "high_seas"] == "").all()


@pytest.mark.parametrize(
    ("lon", "lat", "state"),
    [
        (11.25, 33.55, "TN"),  # off Zarzis
        (13.20, 33.00, "LY"),  # off Tripoli
        (12.60, 35.40, "IT"),  # off Lampedusa
        (14.60, 35.75, "MT"),  # off Malta
        (25.10, 35.45, "GR"),  # off Heraklion, Crete
        (15.60, 37.30, "IT"),  # off Sicily, Augusta
        (7.85, 37.05, "DZ"),  # off Annaba
        (26.00, 31.40, "EG"),  # off Sidi Barrani
    ],
)
def test_nearest_coast_state_at_known_positions(lon: float, lat: float, state: str) -> None:
    result = assess_coast(lon, lat)
    assert result.nearest_coast_state.tolist() == [state]


def test_open_sea_between_libya_and_malta_is_high_seas() -> None:
    result = assess_coast(14.0, 34.5)
    assert result.zone.tolist() == ["high_seas"]
    assert result.distance_to_coast_nm[0] > 24


def test_vectorised_answers_equal_one_by_one_answers() -> None:
    lon = [12.5, 14.9, 11.2, 20.0]
    lat = [33.2, 36.3, 33.4, 34.0]
    together = assess_coast(lon, lat)
    for i, (x, y) in enumerate(zip(lon, lat, strict=True)):
        alone = assess_coast(x, y)
        assert alone.distance_to_coast_nm[0] == together.distance_to_coast_nm[i]
        assert alone.zone[0] == together.zone[i]


def test_a_position_on_land_gets_a_nearby_sea_point() -> None:
    lon, lat = 14.44, 35.88  # inland Malta
    result = assess_coast(lon, lat)
    assert result.on_land.tolist() == [True]
    assert result.zone.tolist() == ["internal_or_land"]
    sea_lon, sea_lat = nearest_sea_point(lon, lat)
    assert not assess_coast(sea_lon, sea_lat).on_land[0]
    _, _, moved_m = _GEOD.inv(lon, lat, sea_lon, sea_lat)
    # Inland Malta is at most ~4 km from the sea; the sea point lies just beyond the coast.
    assert moved_m / 1852.0 < result.distance_to_coast_nm[0] + 1.0


def test_a_sea_position_is_its_own_nearest_sea_point() -> None:
    assert nearest_sea_point(12.5, 33.2) == (12.5, 33.2)


def test_positions_outside_the_region_are_refused_with_the_covered_area() -> None:
    with pytest.raises(OutOfRegionError, match="5°E–27°E, 29°N–43°N"):
        assess_coast([12.5, 2.0], [33.2, 41.0])
    with pytest.raises(OutOfRegionError, match="Central Mediterranean"):
        nearest_sea_point(30.0, 33.0)


def test_the_zone_note_does_not_overstate_the_zones() -> None:
    # Buffers from the coastline are not baselines, not every State has proclaimed a
    # contiguous zone (Libya had not by 2023), and beyond 24 nm an EEZ may lie.
    from sarwatch.geo.zones import ZONE_NOTE

    assert ZONE_NOTE.startswith("approximate")
    assert "baselines" in ZONE_NOTE and "GSHHG coastline" in ZONE_NOTE
    assert "only where the coastal State has proclaimed one" in ZONE_NOTE
    assert "exclusive economic" in ZONE_NOTE
