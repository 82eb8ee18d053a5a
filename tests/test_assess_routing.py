"""Assessment with the real sea router: places of safety by sea, policy, ETA."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from sarwatch.geo.coast import land_polygons
from sarwatch.geo.geodesy import geodesic_distance_nm
from sarwatch.geo.zones import assess_coast
from sarwatch.services.assess import assess_position


@pytest.fixture(scope="module")
def sea_positions() -> list[tuple[float, float]]:
    rng = np.random.default_rng(33)
    lon, lat = rng.uniform(10.8, 22.0, 80), rng.uniform(31.2, 36.8, 80)
    sea = ~assess_coast(lon, lat).on_land
    return list(zip(lon[sea][:25].tolist(), lat[sea][:25].tolist(), strict=True))


def test_libyan_ports_never_offered_and_five_eligible_ranked_by_sea(
    sea_positions: list[tuple[float, float]],
) -> None:
    assert len(sea_positions) >= 20
    for lon, lat in sea_positions:
        a = assess_position(lon, lat, speed_kn=12.0)
        assert all(p.port.country != "LY" for p in a.places_of_safety), (lon, lat)
        eligible = [p for p in a.places_of_safety if p.status.status == "eligible"]
        assert len(eligible) == 5, (lon, lat, a.unreachable_ports)
        dists = [p.sea_distance_nm for p in a.places_of_safety]
        assert dists == sorted(dists)
        for p in a.places_of_safety:
            # A route at sea is never shorter than the geodesic between its ends.
            gc = float(geodesic_distance_nm(lon, lat, p.port.lon, p.port.lat))
            assert p.sea_distance_nm >= gc - 0.01
            assert p.eta_h == pytest.approx(p.sea_distance_nm / 12.0)


def test_routes_in_the_answer_start_at_the_position_and_end_at_the_port() -> None:
    d = assess_position(14.0, 34.5).to_dict()
    for p in d["places_of_safety"]:
        coords = p["route"]["coordinates"]
        assert coords[0] == pytest.approx([14.0, 34.5])
        assert coords[-1] == pytest.approx([p["port_lon"], p["port_lat"]])


def test_route_interiors_do_not_cross_land() -> None:
    """Between the snap legs at either end, a route stays at sea."""
    land = land_polygons()
    shapely.prepare(land)
    a = assess_position(15.6, 36.4)  # south-east of Sicily: Sicily lies between it and some ports
    assert a.places_of_safety
    for p in a.places_of_safety:
        coords = p.route.coords  # type: ignore[attr-defined]
        inner = coords[1:-1]
        if inner.shape[0] >= 2:
            assert not land.intersects(shapely.LineString(inner)), p.port.name


def test_tunisian_ports_flagged_with_the_real_router() -> None:
    a = assess_position(11.6, 33.7)  # off Zarzis
    tunisian = [p for p in a.places_of_safety if p.port.country == "TN"]
    assert tunisian
    assert all(p.status.status == "contested" and p.status.reason for p in tunisian)


def test_north_of_sicily_palermo_comes_first() -> None:
    a = assess_position(13.40, 38.35)
    assert a.places_of_safety[0].port.name == "Palermo"


def test_on_land_positions_are_routed_from_the_nearest_sea_point() -> None:
    a = assess_position(14.44, 35.88)  # inland Malta
    assert a.on_land and a.nearest_sea_point is not None
    assert a.places_of_safety
    first = a.places_of_safety[0]
    assert first.port.country == "MT"
    coords = first.route.coords  # type: ignore[attr-defined]
    assert tuple(coords[0]) == pytest.approx(a.nearest_sea_point)
