"""The map's vector layers and page serving: geography that must hold, sizes, gzip, caching."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer

from sarwatch.errors import DataError, InputError
from sarwatch.geo.coast import default_cache_dir, land_polygons
from sarwatch.settings import load_settings
from sarwatch.web import layers
from sarwatch.web.app import create_app
from sarwatch.web.routes import map as map_routes

LAMPEDUSA = (12.58, 35.51)  # lon, lat: on the island
MALTA = (14.45, 35.88)
OPEN_SEA = (12.5, 33.2)  # the demo distress position, ~50 nm off Libya


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    settings = load_settings(
        home_dir=tmp_path_factory.mktemp("home"), cache_dir=default_cache_dir()
    )
    return TestClient(create_app(settings))


def _geojson(response):
    assert response.status_code == 200, response.text
    return response.json()


def _land_geometry(collection) -> shapely.Geometry:
    """The land of a coast answer; rounding may make it slightly invalid, so repair it."""
    parts = [shapely.geometry.shape(f["geometry"]) for f in collection["features"]]
    return shapely.make_valid(shapely.GeometryCollection(parts))


# ------------------------------------------------------------------ coastline


def test_zoom_levels_map_monotonically():
    indices = [layers.coast_level_for_zoom(z) for z in range(0, 19)]
    assert indices == sorted(indices)
    assert indices[0] == 0 and indices[-1] == len(layers.COAST_LEVELS) - 1
    tolerances = [level.tolerance_deg for level in layers.COAST_LEVELS]
    assert tolerances == sorted(tolerances, reverse=True)
    with pytest.raises(InputError, match="zoom must be 0 or more"):
        layers.coast_level_for_zoom(-1)


@pytest.mark.parametrize("zoom", [4, 6, 7])
def test_known_islands_are_land_and_the_open_sea_is_not(client, zoom):
    land = _land_geometry(_geojson(client.get(f"/api/layers/coast?zoom={zoom}")))
    assert shapely.contains_xy(land, *LAMPEDUSA)
    assert shapely.contains_xy(land, *MALTA)
    assert not shapely.contains_xy(land, *OPEN_SEA)


@pytest.mark.parametrize("zoom", [4, 6, 7])
def test_land_outside_the_packaged_box_is_land_not_sea(client, zoom):
    """Algeria west of 5°E and inland Libya south of 29°N are drawn as land; the sea north of
    Algeria stays sea (no rectangular edge at the packaged box)."""
    collection = _geojson(client.get(f"/api/layers/coast?zoom={zoom}"))
    land = _land_geometry(collection)
    assert shapely.contains_xy(land, 3.0, 35.5)  # Algeria, south of Algiers
    assert shapely.contains_xy(land, 15.0, 27.0)  # the Fezzan, inland Libya
    assert shapely.contains_xy(land, 4.9, 33.0) and shapely.contains_xy(land, 5.1, 33.0)
    assert not shapely.contains_xy(land, 3.0, 37.5)  # the sea north of Algeria
    assert not shapely.contains_xy(land, 4.9, 38.0)  # either side of the box's edge
    assert not shapely.contains_xy(land, 5.1, 38.0)
    assert "orientation" in collection["note"]


@pytest.mark.parametrize("zoom", [4, 6, 7])
def test_land_west_of_gibraltar_is_drawn(client, zoom):
    """The context land stopped at 6°W, so Portugal was drawn as sea: it now reaches the
    Atlantic approaches (Portugal, Morocco's Atlantic coast, Madeira, the Canaries)."""
    land = _land_geometry(_geojson(client.get(f"/api/layers/coast?zoom={zoom}")))
    assert shapely.contains_xy(land, -8.0, 39.5)  # central Portugal, inland
    assert shapely.contains_xy(land, -7.0, 32.0)  # Morocco, south of Casablanca
    assert shapely.contains_xy(land, -16.64, 28.27)  # Teide, Tenerife
    assert shapely.contains_xy(land, -16.95, 32.75)  # Madeira
    assert not shapely.contains_xy(land, -10.5, 38.7)  # the Atlantic off Lisbon
    assert not shapely.contains_xy(land, -15.0, 30.0)  # between Madeira and the Canaries


def test_land_beyond_the_context_box_is_drawn_when_asked_with_a_bbox(client):
    """A drift run anywhere the forcing covers: zoomed in (bbox), land comes from the GSHHG
    tiles the run's stranding uses: Pico and Faial in the Azores, 9° west of the box."""
    collection = _geojson(client.get("/api/layers/coast?zoom=10&bbox=-28.9,38.3,-28.0,38.8"))
    land = _land_geometry(collection)
    assert shapely.contains_xy(land, -28.399, 38.468)  # Pico's summit
    assert shapely.contains_xy(land, -28.71, 38.58)  # Faial's caldera
    assert not shapely.contains_xy(land, -28.8, 38.35)  # the sea south-west of Faial
    coords = shapely.get_coordinates(land)
    lon_min, lat_min, lon_max, lat_max = collection["bbox"]
    assert coords[:, 0].min() >= lon_min - 1e-9 and coords[:, 0].max() <= lon_max + 1e-9
    assert coords[:, 1].min() >= lat_min - 1e-9 and coords[:, 1].max() <= lat_max + 1e-9
    # a bbox across the context box's west edge: the islands inside it still drawn
    across = _land_geometry(
        _geojson(client.get("/api/layers/coast?zoom=9&bbox=-19.5,27.5,-17.5,29.0"))
    )
    assert shapely.contains_xy(across, -18.03, 27.73)  # Malpaso, El Hierro
    assert shapely.contains_xy(across, -17.86, 28.7)  # La Palma


def test_finer_zoom_has_more_detail_and_stays_close_to_full_resolution(client):
    full = land_polygons()
    counts = []
    for zoom in (5, 6, 7):
        collection = _geojson(client.get(f"/api/layers/coast?zoom={zoom}"))
        geom = _land_geometry(collection)
        counts.append(shapely.get_num_coordinates(geom))
        # Around Malta the simplified shore lies within a few tolerances of GSHHG's
        # (islets below the level's minimum area are dropped on purpose).
        level = layers.COAST_LEVELS[collection["level"]]
        box = shapely.box(14.1, 35.7, 14.7, 36.1)
        parts = shapely.get_parts(shapely.clip_by_rect(full, 14.1, 35.7, 14.7, 36.1))
        kept = parts[shapely.area(parts) >= level.min_area_deg2]
        exact = shapely.boundary(shapely.MultiPolygon(list(kept)))
        simple = shapely.boundary(shapely.intersection(geom, box))
        assert shapely.hausdorff_distance(simple, exact) < 2 * level.tolerance_deg
    assert counts == sorted(counts) and counts[0] < counts[-1]


def test_first_load_coast_is_small_and_gzipped(client):
    response = client.get("/api/layers/coast?zoom=6", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    transferred = int(response.headers["content-length"])
    assert transferred < 100_000, f"zoom 6 coastline is {transferred} bytes gzipped"
    # with the land to 19°W (was 6°W): 46.4 KB -> 49.7 KB at zoom 6 on 2026-12-06
    assert response.headers["content-type"].startswith("application/geo+json")


def test_client_without_gzip_gets_plain_json_with_the_same_content(client):
    zipped = client.get("/api/layers/coast?zoom=5", headers={"Accept-Encoding": "gzip"})
    plain = client.get("/api/layers/coast?zoom=5", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert json.loads(plain.content) == zipped.json()
    etag = plain.headers["etag"]
    again = client.get("/api/layers/coast?zoom=5", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_fine_zoom_needs_a_bbox_and_is_clipped_to_it(client):
    response = client.get("/api/layers/coast?zoom=11")
    assert response.status_code == 422
    assert "needs a bbox" in response.json()["detail"]
    collection = _geojson(client.get("/api/layers/coast?zoom=11&bbox=12.40,35.40,12.70,35.60"))
    assert collection["level"] == len(layers.COAST_LEVELS) - 1
    coords = shapely.get_coordinates(_land_geometry(collection))
    lon_min, lat_min, lon_max, lat_max = collection["bbox"]
    assert lon_min <= 12.40 and lat_max >= 35.60
    assert coords[:, 0].min() >= lon_min - 1e-9 and coords[:, 0].max() <= lon_max + 1e-9
    assert coords[:, 1].min() >= lat_min - 1e-9 and coords[:, 1].max() <= lat_max + 1e-9
    assert shapely.contains_xy(_land_geometry(collection), *LAMPEDUSA)


@pytest.mark.parametrize(
    ("bbox", "message"),
    [
        ("12,35,13", "four numbers"),
        ("a,b,c,d", "lon_min,lat_min,lon_max,lat_max"),
        ("13,35,12,36", "lon_min < lon_max"),
        ("5,29,27,43", "square degrees"),
    ],
)
def test_bad_bbox_is_refused_with_a_reason(client, bbox, message):
    response = client.get(f"/api/layers/coast?zoom=10&bbox={bbox}")
    assert response.status_code == 422
    assert message in response.json()["detail"]


# ------------------------------------------------------------------ SAR regions


def test_srr_layer_has_the_regions_and_their_published_overlaps(client):
    collection = _geojson(client.get("/api/layers/srr"))
    regions = {
        f["properties"]["srr_id"]: f
        for f in collection["features"]
        if f["properties"]["kind"] == "srr"
    }
    assert {"IT", "MT", "LY", "TN"} <= set(regions)
    assert all(f["properties"]["source"] for f in regions.values())
    overlaps = {
        tuple(sorted(f["properties"]["srr"])): f
        for f in collection["features"]
        if f["properties"]["kind"] == "overlap"
    }
    # Areas as reported in the shared facts: IT∩MT ~39,000 km², MT∩TN ~10,000, LY∩TN ~4,000.
    for pair, expected_km2 in (
        (("IT", "MT"), 39_000),
        (("MT", "TN"), 10_000),
        (("LY", "TN"), 4_000),
    ):
        assert pair in overlaps
        assert overlaps[pair]["properties"]["area_km2"] == pytest.approx(expected_km2, rel=0.1)
    south_of_lampedusa = (12.6, 35.4)
    it_mt = shapely.geometry.shape(overlaps[("IT", "MT")]["geometry"])
    assert shapely.contains_xy(it_mt, *south_of_lampedusa)
    assert not shapely.contains_xy(it_mt, *OPEN_SEA)
    assert "not borders" in collection["note"]


# ------------------------------------------------------------------ zones


@pytest.fixture(scope="module")
def zones(client):
    return _geojson(client.get("/api/layers/zones"))


def test_zone_lines_are_labelled_approximate(zones):
    by_distance = {f["properties"]["distance_nm"]: f for f in zones["features"]}
    assert set(by_distance) == {12.0, 24.0}
    for feature in by_distance.values():
        assert feature["properties"]["approximate"] is True
        assert "approximate" in feature["properties"]["label"]
    assert "baselines" in zones["note"]


@pytest.mark.parametrize("distance_nm", [12.0, 24.0])
def test_zone_line_vertices_lie_at_their_distance_from_the_shore(zones, distance_nm):
    """Check against an independent geodesic measure: an azimuthal equidistant projection
    centred on each sampled vertex, where distance from the origin is the geodesic distance."""
    feature = next(f for f in zones["features"] if f["properties"]["distance_nm"] == distance_nm)
    coords = shapely.get_coordinates(shapely.geometry.shape(feature["geometry"]))
    region = layers_region()
    margin = 0.6
    inside = (
        (coords[:, 0] > region[0] + margin)
        & (coords[:, 0] < region[2] - margin)
        & (coords[:, 1] > region[1] + margin)
        & (coords[:, 1] < region[3] - margin)
    )
    rng = np.random.default_rng(5)
    sample = coords[inside][rng.choice(int(inside.sum()), size=40, replace=False)]
    land = land_polygons()
    shapely.prepare(land)
    for lon, lat in sample:
        local = shapely.clip_by_rect(land, lon - 1.0, lat - 0.8, lon + 1.0, lat + 0.8)
        to_aeqd = Transformer.from_crs(
            "EPSG:4326",
            f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84 +units=m",
            always_xy=True,
        )
        projected = shapely.transform(
            local, lambda c, t=to_aeqd: np.column_stack(t.transform(c[:, 0], c[:, 1]))
        )
        distance_nm = shapely.distance(shapely.Point(0, 0), projected) / layers.NM_M
        assert distance_nm == pytest.approx(feature["properties"]["distance_nm"], abs=0.3), (
            lon,
            lat,
        )


@pytest.mark.parametrize(("distance_nm", "inner", "outer"), [
    (12.0, "territorial_sea", "contiguous_zone"), (24.0, "contiguous_zone", "high_seas"),
])  # fmt: skip
def test_the_maps_lines_and_assess_agree(zones, distance_nm, inner, outer):
    """One method: every vertex of the map's line is at its distance by assess's measure,
    and assess puts points 0.3 nm either side of it in the zones the line separates."""
    from sarwatch.geo.geodesy import geod
    from sarwatch.geo.zones import assess_coast

    feature = next(f for f in zones["features"] if f["properties"]["distance_nm"] == distance_nm)
    coords = shapely.get_coordinates(shapely.geometry.shape(feature["geometry"]))
    answer = assess_coast(coords[:, 0], coords[:, 1])
    error = np.abs(answer.distance_to_coast_nm - distance_nm)
    # Coordinates are sent to 4 decimals (11 m, 0.006 nm); corners where two coasts are
    # equidistant are cut by up to ~0.15 nm.
    assert np.percentile(error, 90) < 0.01
    assert error.max() < 0.2
    rng = np.random.default_rng(9)
    pick = rng.choice(coords.shape[0], size=300, replace=False)
    r = layers_region()
    away = (
        (coords[:, 0] > r[0] + 0.05) & (coords[:, 0] < r[2] - 0.05)
        & (coords[:, 1] > r[1] + 0.05) & (coords[:, 1] < r[3] - 0.05)
    )  # fmt: skip
    pick = pick[(error[pick] < 0.01) & away[pick]]
    az, _, _ = geod().inv(answer.coast_lon[pick], answer.coast_lat[pick], coords[pick, 0],
                          coords[pick, 1])  # fmt: skip
    for offset_nm, zone in ((-0.3, inner), (0.3, outer)):
        lon, lat, _ = geod().fwd(coords[pick, 0], coords[pick, 1], az,
                                 np.full(pick.size, offset_nm * 1852.0))  # fmt: skip
        assert (assess_coast(lon, lat).zone == zone).mean() > 0.97


def layers_region() -> tuple[float, float, float, float]:
    from sarwatch.geo.coast import REGION

    return REGION.lon_min, REGION.lat_min, REGION.lon_max, REGION.lat_max


def test_zone_layer_is_cached_on_disk(tmp_path, monkeypatch):
    land = shapely.MultiPolygon([shapely.box(14.0, 35.0, 14.5, 35.5)])
    calls = []

    def fake_land(cache_dir):
        calls.append(cache_dir)
        return land

    monkeypatch.setattr(layers, "_land", fake_land)
    first = layers.zones_layer(tmp_path)
    second = layers.zones_layer(tmp_path)
    assert first == second and len(calls) == 1
    assert list((tmp_path / "layers-v1").glob("zones-v2.geojson.gz"))
    # A 0.5° square island: its 12 nm line is ~12 nm outside each side.
    line = shapely.geometry.shape(json.loads(gzip.decompress(first))["features"][0]["geometry"])
    west = shapely.get_coordinates(line)[:, 0].min()
    expected_west = 14.0 - 12.0 / (60.0 * np.cos(np.radians(35.25)))
    assert west == pytest.approx(expected_west, abs=0.01)


def test_a_corrupt_cache_file_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setattr(
        layers, "_land", lambda _c: shapely.MultiPolygon([shapely.box(14, 35, 14.2, 35.2)])
    )
    path = tmp_path / "layers-v1" / "zones-v2.geojson.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not gzip")
    data = layers.zones_layer(tmp_path)
    assert json.loads(gzip.decompress(data))["type"] == "FeatureCollection"
    assert path.read_bytes() == data


# ------------------------------------------------------------------ ports


def _port(name, country, status, lon=14.85, lat=36.7167):
    return layers.PortStatus(
        port_id=name.upper(),
        name=name,
        country=country,
        role="pos",
        lon=lon,
        lat=lat,
        status=status,
        reason="" if status == "eligible" else f"{name} reason",
        source="NGA WPI",
    )


def test_ports_layer_carries_status_reason_and_policy():
    entries = [
        _port("Pozzallo", "IT", "eligible"),
        _port("Tripoli", "LY", "excluded", 13.183, 32.9),
        _port("Sfax", "TN", "contested", 10.767, 34.733),
    ]
    policy = {"policy_id": "test", "version": "2026-11-23", "origin": "packaged"}
    collection = json.loads(gzip.decompress(layers.ports_layer(entries, policy=policy)))
    status = {f["properties"]["name"]: f["properties"]["status"] for f in collection["features"]}
    assert status == {"Pozzallo": "eligible", "Tripoli": "excluded", "Sfax": "contested"}
    tripoli = next(f for f in collection["features"] if f["properties"]["name"] == "Tripoli")
    assert tripoli["geometry"]["coordinates"] == [13.183, 32.9]
    assert tripoli["properties"]["reason"] == "Tripoli reason"
    assert collection["policy"] == policy


@pytest.mark.parametrize(
    ("port", "message"),
    [
        (_port("X", "IT", "maybe"), "is not one of"),
        (_port("Y", "IT", "eligible", lon=float("nan")), "not finite"),
    ],
)
def test_ports_layer_refuses_bad_entries(port, message):
    with pytest.raises(DataError, match=message):
        layers.ports_layer([port], policy={})


def test_ports_endpoint_applies_the_place_of_safety_policy(client):
    response = client.get("/api/layers/ports")
    if response.status_code == 404:
        pytest.skip(f"ports data not in this build: {response.json()['detail']}")
    collection = _geojson(response)
    by_country: dict[str, set[str]] = {}
    for f in collection["features"]:
        by_country.setdefault(f["properties"]["country"], set()).add(f["properties"]["status"])
    # The default policy: Libya excluded (UNHCR 2020), Tunisia flagged, Italy and Malta offered.
    assert by_country["LY"] == {"excluded"}
    assert by_country["TN"] == {"contested"}
    assert by_country["IT"] == {"eligible"} and by_country["MT"] == {"eligible"}
    libyan = [f for f in collection["features"] if f["properties"]["country"] == "LY"]
    assert all("UNHCR" in f["properties"]["source"] for f in libyan)
    assert collection["policy"]["origin"] == "packaged"


# ------------------------------------------------------------------ page and assets


def test_page_explains_how_to_build_when_assets_are_missing(client, tmp_path, monkeypatch):
    monkeypatch.setattr(map_routes, "DIST_DIR", tmp_path / "dist")
    response = client.get("/")
    assert response.status_code == 503
    assert "make web" in response.text


def test_built_page_references_only_local_assets_served_gzipped(client):
    if not (map_routes.DIST_DIR / "index.html").is_file():
        pytest.skip("the map is not built (run `make web`)")
    for page in ("/", "/public"):
        html = client.get(page).text
        assert "http://" not in html and "https://" not in html, "no CDN, no remote assets"
        scripts = [s.split('"')[0] for s in html.split('src="')[1:]]
        styles = [s.split('"')[0] for s in html.split('href="')[1:]]
        assert scripts and styles
        for url in scripts + styles:
            if url == "data:,":  # the empty icon: no request at all (no /favicon.ico 404)
                continue
            assert url.startswith("/static/dist/")
            response = client.get(url, headers={"Accept-Encoding": "gzip"})
            assert response.status_code == 200
            assert response.headers["content-encoding"] == "gzip"


def test_static_route_refuses_paths_outside_the_static_folder(client):
    response = client.get("/static/..%2F..%2Fsettings.py")
    assert response.status_code == 404
