"""The sea router: routes never cross land, are near-shortest, and snap ports sensibly."""

from __future__ import annotations

import itertools
import json
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from sarwatch.errors import DataError, InputError, OutOfRegionError, PositionOnLandError
from sarwatch.geo import _navgraph, _seakernels
from sarwatch.geo.coast import REGION, Region, default_cache_dir
from sarwatch.geo.routing import SNAP_TOLERANCE_M, SeaRoute, SeaRouter, sea_router

GEOD = Geod(ellps="WGS84")
M_PER_NM = 1852.0

# World Port Index (NGA Pub 150) positions, (lon, lat): they often fall on land
# pixels or inside harbours, which is what snapping is for.
WPI_PORTS = {
    "Valletta": (14.5167, 35.9),
    "Lampedusa": (12.601, 35.494),
    "Trapani": (12.506, 38.012),
    "Catania": (15.1, 37.5),
    "Pozzallo": (14.85, 36.7167),
    "Zarzis": (11.1167, 33.5),
    "Sfax": (10.7667, 34.7333),
    "Tripoli": (13.1833, 32.9),
    "Messina": (15.5667, 38.2),
}

# Areas where land is in the way: (lon_min, lat_min, lon_max, lat_max).
AREAS = {
    "central_med": (10.0, 32.0, 19.0, 38.5),
    "around_sicily": (11.8, 36.3, 15.8, 38.6),
    "malta_gozo": (13.9, 35.6, 14.8, 36.2),
    "lampedusa_linosa": (12.2, 35.3, 13.0, 35.95),
    "djerba_kerkennah": (10.0, 33.2, 11.7, 35.0),
    "cap_bon": (10.2, 36.4, 11.5, 37.3),
    "messina_strait": (15.3, 37.9, 15.8, 38.4),
}


@pytest.fixture(scope="session")
def router() -> SeaRouter:
    return sea_router()


@pytest.fixture(scope="session")
def land() -> shapely.MultiPolygon:
    from sarwatch.geo.coast import land_polygons

    polys = land_polygons()
    shapely.prepare(polys)
    return polys


def _sea_points(land_mask, rng: np.random.Generator, n: int, box) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    while len(out) < n:
        lon = rng.uniform(box[0], box[2], 4 * n)
        lat = rng.uniform(box[1], box[3], 4 * n)
        sea = ~land_mask.contains(lon, lat)
        out.extend(zip(lon[sea].tolist(), lat[sea].tolist(), strict=True))
    return out[:n]


def _core(route: SeaRoute) -> np.ndarray:
    """The route without its snap legs."""
    start = 1 if route.origin_snap_nm > 0 else 0
    stop = len(route.coords) - (1 if route.destination_snap_nm > 0 else 0)
    return route.coords[start:stop]


def _geodesic_nm(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] / M_PER_NM


@pytest.mark.slow
@pytest.mark.parametrize("area", sorted(AREAS))
def test_routes_never_cross_land(router, land, land_mask, area: str) -> None:
    """Every segment of every route between random sea points misses the GSHHG land."""
    rng = np.random.default_rng(zlib.crc32(area.encode()))
    points = _sea_points(land_mask, rng, 60, AREAS[area])
    n_routes = 0
    for k in range(0, 60, 6):
        origin, destinations = points[k], points[k + 1 : k + 6]
        for dest, route in zip(destinations, router.routes_from(origin, destinations), strict=True):
            if route is None:  # enclosed water (a lagoon the clearance closes)
                continue
            n_routes += 1
            core = _core(route)
            segments = shapely.linestrings(np.stack([core[:-1], core[1:]], axis=1))
            hits = shapely.intersects(land, segments)
            assert not hits.any(), f"{origin} -> {dest} crosses land at segment {hits.argmax()}"
            assert route.distance_nm >= _geodesic_nm(origin, dest) * (1 - 1e-9)
    assert n_routes >= 40


@pytest.mark.parametrize("area", ["malta_gozo", "messina_strait", "djerba_kerkennah"])
def test_routes_keep_their_clearance_from_the_coast(router, land, land_mask, area: str) -> None:
    """Outside snap legs a route stays >= 500 - 100 - 250 m (less 10 % for the plane) off land."""
    box = AREAS[area]
    k = np.cos(np.radians((box[1] + box[3]) / 2))  # local metres: x = lon * cos(lat0) * 111.32 km

    def to_m(g):
        return shapely.transform(g, lambda c: c * np.array([k * 111_320.0, 111_320.0]))

    local_land = to_m(
        shapely.clip_by_rect(land, box[0] - 0.5, box[1] - 0.5, box[2] + 0.5, box[3] + 0.5)
    )
    shapely.prepare(local_land)
    rng = np.random.default_rng(zlib.crc32(area.encode()) + 1)
    points = _sea_points(land_mask, rng, 30, box)
    clearances = []
    for i in range(0, 30, 6):
        for route in router.routes_from(points[i], points[i + 1 : i + 6]):
            if route is not None and len(_core(route)) >= 2:
                clearances.append(
                    shapely.distance(local_land, to_m(shapely.LineString(_core(route))))
                )
    assert len(clearances) >= 15
    assert min(clearances) >= 0.9 * 150.0


def test_ports_are_reached_with_short_snap_legs(router, land) -> None:
    origin = (13.0, 34.5)
    routes = router.routes_from(origin, list(WPI_PORTS.values()))
    for (name, port), route in zip(WPI_PORTS.items(), routes, strict=True):
        assert route is not None, name
        assert tuple(route.coords[0]) == origin
        assert tuple(route.coords[-1]) == port
        assert route.destination_snap_nm <= SNAP_TOLERANCE_M / M_PER_NM
        if route.destination_snap_nm > 0:
            leg = _geodesic_nm(tuple(route.coords[-2]), tuple(route.coords[-1]))
            assert leg == pytest.approx(route.destination_snap_nm, rel=1e-9)
        core = _core(route)
        assert not shapely.intersects(land, shapely.LineString(core)), name


def test_open_sea_route_is_the_great_circle(router) -> None:
    a, b = (17.0, 35.0), (19.5, 36.5)  # the open Ionian Sea, no land between
    route = router.route(a, b)
    assert route is not None
    assert route.distance_nm == pytest.approx(_geodesic_nm(a, b), rel=0.01)
    assert len(route.coords) == 2


@pytest.mark.parametrize(
    ("name", "a", "b", "max_factor"),
    [
        ("Malta and Gozo", (14.35, 35.75), (14.35, 36.15), 1.6),
        ("Cap Bon", (10.55, 37.05), (10.8, 36.35), 3.0),
        ("Sicily, Palermo to Gela", (13.4, 38.3), (14.25, 36.95), 3.5),
        ("Djerba", (10.9, 33.95), (11.2, 33.55), 2.5),
        ("Kerkennah", (11.05, 34.9), (11.35, 34.5), 2.5),
    ],
)
def test_routes_around_islands_and_capes(router, land, name, a, b, max_factor) -> None:
    assert shapely.intersects(land, shapely.LineString([a, b])), "the straight line must hit land"
    route = router.route(a, b)
    assert route is not None
    great_circle = _geodesic_nm(a, b)
    assert great_circle < route.distance_nm < max_factor * great_circle
    assert not shapely.intersects(land, shapely.LineString(_core(route)))


def test_small_islets_are_kept(router, land) -> None:
    """Lampione, a ~300 m islet west of Lampedusa (35.559°N 12.334°E), is sailed around."""
    a, b = (12.25, 35.559), (12.42, 35.5595)
    assert shapely.intersects(land, shapely.LineString([a, b]))
    route = router.route(a, b)
    assert route is not None
    assert not shapely.intersects(land, shapely.LineString(route.coords))
    assert len(route.coords) >= 3
    assert route.distance_nm < 1.01 * _geodesic_nm(a, b)


def test_cap_bon_is_rounded(router) -> None:
    """From the Gulf of Tunis to the Gulf of Hammamet a ship passes east of Cap Bon (11.05°E)."""
    route = router.route((10.55, 37.05), (10.8, 36.35))
    assert route is not None
    assert route.coords[:, 0].max() > 11.0


def test_strait_of_messina_is_open(router) -> None:
    """North to south through the strait (3 km wide), not around Sicily (~250 nm)."""
    a, b = (15.62, 38.32), (15.55, 38.02)
    route = router.route(a, b)
    assert route is not None
    assert route.distance_nm < 1.3 * _geodesic_nm(a, b)


def test_route_lengths_are_symmetric(router, land_mask) -> None:
    rng = np.random.default_rng(3)
    points = _sea_points(land_mask, rng, 24, AREAS["around_sicily"])
    for a, b in zip(points[::2], points[1::2], strict=True):
        ab, ba = router.route(a, b), router.route(b, a)
        assert (ab is None) == (ba is None)
        if ab is not None and ba is not None:
            assert ab.distance_nm == pytest.approx(ba.distance_nm, rel=2e-3, abs=0.05)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_route_lengths_obey_the_triangle_inequality(router, land_mask, seed: int) -> None:
    """Shortest routes: going from a to b directly is never longer than via c."""
    rng = np.random.default_rng(seed)
    a, b, c = _sea_points(land_mask, rng, 3, AREAS["around_sicily"])
    ab, ac, cb = router.route(a, b), router.route(a, c), router.route(c, b)
    if ab is None or ac is None or cb is None:
        return
    assert ab.distance_nm <= (ac.distance_nm + cb.distance_nm) * (1 + 1e-3)


@settings(max_examples=50, deadline=None)
@given(st.floats(5.0, 27.0), st.floats(29.0, 43.0), st.floats(5.0, 27.0), st.floats(29.0, 43.0))
def test_search_distance_matches_pyproj(lon1, lat1, lon2, lat2) -> None:
    """The in-search geodesic (Andoyer-Lambert) is within 1e-5 + 5 m of WGS84 (pyproj)."""
    exact = GEOD.inv(lon1, lat1, lon2, lat2)[2]
    approx = _seakernels.geodesic_m(lon1, lat1, lon2, lat2)
    assert approx == pytest.approx(exact, rel=1e-5, abs=5.0)


def test_routes_from_equals_single_routes(router) -> None:
    origin = (12.5, 34.2)
    ports = list(WPI_PORTS.values())
    many = router.routes_from(origin, ports)
    for port, route in zip(ports, many, strict=True):
        single = router.route(origin, port)
        assert route is not None and single is not None
        assert route.distance_nm == pytest.approx(single.distance_nm, rel=1e-12)
        np.testing.assert_array_equal(route.coords, single.coords)


def test_concurrent_threads_get_the_same_routes(router, land_mask) -> None:
    rng = np.random.default_rng(11)
    origins = _sea_points(land_mask, rng, 16, AREAS["central_med"])
    ports = list(WPI_PORTS.values())[:5]

    def lengths(origin: tuple[float, float]) -> list[float | None]:
        return [r.distance_nm if r else None for r in router.routes_from(origin, ports)]

    sequential = [lengths(o) for o in origins]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lengths, origins))
    assert parallel == sequential


def test_distance_is_the_geodesic_length_of_the_polyline(router) -> None:
    route = router.route((12.5, 33.2), WPI_PORTS["Valletta"])
    assert route is not None
    legs = [
        _geodesic_nm(tuple(p), tuple(q))
        for p, q in zip(route.coords, route.coords[1:], strict=False)
    ]
    assert route.distance_nm == pytest.approx(sum(legs), rel=1e-9)
    assert not route.coords.flags.writeable


def test_geojson(router) -> None:
    route = router.route((12.5, 33.2), WPI_PORTS["Lampedusa"])
    assert route is not None
    gj = json.loads(json.dumps(route.to_geojson()))
    assert gj["type"] == "LineString"
    np.testing.assert_allclose(np.array(gj["coordinates"]), route.coords)


def test_origin_outside_region_is_refused(router) -> None:
    with pytest.raises(OutOfRegionError, match="outside the sea-routing region"):
        router.route((30.0, 33.0), WPI_PORTS["Valletta"])
    with pytest.raises(OutOfRegionError):
        router.routes_from((14.0, 35.0), [(2.0, 41.0)])


def test_origin_inland_is_refused(router) -> None:
    with pytest.raises(PositionOnLandError, match="on land"):
        router.route((14.2, 37.5), WPI_PORTS["Valletta"])  # the middle of Sicily


@pytest.mark.parametrize("bad", [(float("nan"), 35.0), ("x", 35.0), (14.0,)])
def test_garbled_positions_are_refused(router, bad) -> None:
    with pytest.raises(InputError):
        router.route(bad, WPI_PORTS["Valletta"])


def test_origin_on_a_harbour_land_pixel_is_snapped(router) -> None:
    route = router.route(WPI_PORTS["Valletta"], WPI_PORTS["Lampedusa"])
    assert route is not None
    assert 0 < route.origin_snap_nm <= SNAP_TOLERANCE_M / M_PER_NM
    assert tuple(route.coords[0]) == WPI_PORTS["Valletta"]


def test_origin_in_enclosed_water_has_no_routes(router, land_mask) -> None:
    """The El Bibane lagoon (Tunisia) is sea, but closed off by the clearance: no route."""
    lagoon = (11.2, 33.21)
    assert not land_mask.contains([lagoon[0]], [lagoon[1]])[0]
    assert router.routes_from(lagoon, [WPI_PORTS["Zarzis"], WPI_PORTS["Tripoli"]]) == [None, None]


def test_inland_destination_is_unreachable(router) -> None:
    routes = router.routes_from((14.0, 35.0), [(14.2, 37.5), WPI_PORTS["Valletta"]])
    assert routes[0] is None
    assert routes[1] is not None


def test_router_is_built_once_and_loaded_from_disk(router) -> None:
    assert sea_router() is router
    cache_dir = default_cache_dir()

    def _no_rebuild() -> shapely.MultiPolygon:
        raise AssertionError("the cached graph should have been loaded")

    loaded = _navgraph.load_or_build(cache_dir, _no_rebuild, REGION, _navgraph.NavParams())
    np.testing.assert_array_equal(loaded.indices, router.graph.indices)
    np.testing.assert_array_equal(loaded.weights, router.graph.weights)
    assert not loaded.weights.flags.writeable


def test_obstacles_contain_land_with_clearance(router, land) -> None:
    obstacles = router.graph.obstacles
    scaled_land = shapely.transform(land, lambda c: c * np.array([_navgraph.KX, 1.0]))
    assert obstacles.contains(scaled_land)


def test_tolerances_above_clearance_are_refused() -> None:
    square = shapely.MultiPolygon([shapely.box(14.0, 35.0, 15.0, 36.0)])
    params = _navgraph.NavParams(clearance_m=300.0, pre_tol_m=200.0, post_tol_m=200.0)
    with pytest.raises(DataError, match="below clearance_m"):
        _navgraph.build_navgraph(square, REGION, params)


def test_square_island_route_passes_its_corners(tmp_path: Path) -> None:
    """Around a lone square island the shortest route runs via two of its corners."""
    region = Region(12.0, 34.0, 17.0, 37.0)
    island = shapely.MultiPolygon([shapely.box(14.0, 35.0, 15.0, 36.0)])
    graph = _navgraph.build_navgraph(island, region, workers=1)
    router = SeaRouter(graph, cache_dir=tmp_path)
    a, b = (13.5, 35.6), (15.5, 35.6)
    route = router.route(a, b)
    assert route is not None
    assert not shapely.intersects(island, shapely.LineString(route.coords))
    # Via the northern corners (the shorter side); the clearance adds a little.
    via = [a, (14.0, 36.0), (15.0, 36.0), b]
    expected = sum(_geodesic_nm(p, q) for p, q in itertools.pairwise(via))
    assert expected < route.distance_nm < expected * 1.01
    assert route.coords[:, 1].max() > 36.0
