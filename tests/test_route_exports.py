"""Route exports read back: GPX (gpxpy), RTZ 1.0/1.1 (element by element), KML, GeoJSON, text.

The geometry checks run on what a crew loads, the exported GPX parsed by gpxpy.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import gpxpy
import numpy as np
import pytest

from _planning import DATUM, T0, turns_deg
from sarwatch.adapters.exports.route_geojson import (
    routes_feature_collection,
    write_route_geojson,
)
from sarwatch.adapters.exports.route_gpx import read_planned_speed_kn, routes_to_gpx, write_gpx
from sarwatch.adapters.exports.route_kml import read_kml_routes, routes_to_kml, write_kml
from sarwatch.adapters.exports.route_rtz import route_to_rtz, write_rtz
from sarwatch.adapters.exports.route_text import GSM7_BASIC, route_text, sms_chunks, write_text
from sarwatch.errors import InputError
from sarwatch.geo.geodesy import geod, geodesic_distance_nm
from sarwatch.geo.position import parse_position
from sarwatch.planning.compensation import drift_compensate
from sarwatch.planning.patterns import (
    expanding_square,
    lonlat_to_plane,
    parallel_track,
    sector,
)
from sarwatch.planning.types import Route, SearchArea, Waypoint


def gpx_points(text: str, k: int = 0) -> list[gpxpy.gpx.GPXRoutePoint]:
    return gpxpy.parse(text).routes[k].points


def legs_nm(points: list[gpxpy.gpx.GPXRoutePoint]) -> list[float]:
    lo = [p.longitude for p in points]
    la = [p.latitude for p in points]
    return [float(d) for d in geodesic_distance_nm(lo[:-1], la[:-1], lo[1:], la[1:])]


# ---------------------------------------------------------------- GPX geometry


def test_gpx_expanding_square_legs_s_s_2s_2s_3s() -> None:
    s = 1.2
    r = expanding_square(
        *DATUM, spacing_nm=s, n_legs=5, first_leg_deg=300.0, speed_kn=9.0, start=T0, name="Aurora"
    )
    text = routes_to_gpx([r])
    points = gpx_points(text)
    assert legs_nm(points) == pytest.approx([s, s, 2 * s, 2 * s, 3 * s], rel=1e-4)
    assert turns_deg(points) == pytest.approx([90.0] * 4, abs=0.05)
    parsed = gpxpy.parse(text)
    assert parsed.routes[0].name == "Aurora"
    assert read_planned_speed_kn(parsed.routes[0]) == 9.0
    assert [p.name for p in points] == ["CSP", "WP1", "WP2", "WP3", "WP4", "WP5"]
    # times: 0, 1.2, 2.4, 4.8, 7.2, 10.8 nm at 9 kn
    expect = [T0 + timedelta(hours=d / 9.0) for d in (0, 1.2, 2.4, 4.8, 7.2, 10.8)]
    assert [p.time for p in points] == [t.replace(microsecond=0) for t in expect]


def test_gpx_sector_turns_120_and_legs_through_the_datum() -> None:
    r = sector(
        *DATUM, radius_nm=2.5, first_leg_deg=75.0, speed_kn=10.0, start=T0, name="V", cycles=2
    )
    points = gpx_points(routes_to_gpx([r]))
    assert len(points) == 19
    assert legs_nm(points) == pytest.approx([2.5] * 18, rel=1e-4)
    turns = turns_deg(points)
    one_cycle = [120, 120, 0, 120, 120, 0, 120, 120]
    # cycle 1, the 30° turn onto the rotated second cycle, cycle 2
    assert turns == pytest.approx([*one_cycle, 30, *one_cycle], abs=0.05)
    datum_passes = [p for p in points if p.name == "DATUM"]
    assert len(datum_passes) == 6
    for p in datum_passes:
        assert float(geodesic_distance_nm(p.longitude, p.latitude, *DATUM)) < 1e-4
    # legs through the datum: the leg into the datum and the leg out of it are collinear
    for k, p in enumerate(points[:-1]):
        if p.name == "DATUM" and k not in (9,):
            assert abs(turns[k - 1]) < 0.05


def test_gpx_parallel_legs_spaced_s_and_inside_the_area() -> None:
    area = SearchArea(lon=12.5, lat=33.2, length_nm=14.0, width_nm=6.0, orientation_deg=40.0)
    s = 1.5
    (r,) = parallel_track(area, spacing_nm=s, speed_kn=12.0, start=T0, name="P")
    points = gpx_points(routes_to_gpx([r]))
    e, n = lonlat_to_plane(
        area.lon, area.lat, [p.longitude for p in points], [p.latitude for p in points]
    )
    th = math.radians(area.orientation_deg)
    u = e * math.sin(th) + n * math.cos(th)
    v = e * math.cos(th) - n * math.sin(th)
    assert np.all(np.abs(u) <= area.length_nm / 2 - s / 2 + 1e-4)
    assert np.all(np.abs(v) <= area.width_nm / 2 - s / 2 + 1e-4)
    np.testing.assert_allclose(np.diff(v[0::2]), s, atol=1e-4)
    lengths = legs_nm(points)
    np.testing.assert_allclose(lengths[0::2], area.length_nm - s, rtol=1e-4)
    np.testing.assert_allclose(lengths[1::2], s, rtol=1e-4)
    # search legs run along the area's orientation (40° or 220°; the corner lies ~7 nm
    # from the centre, where the meridians converge by ~0.06°)
    fwd, _, _ = geod().inv(
        points[0].longitude, points[0].latitude, points[1].longitude, points[1].latitude
    )
    assert float(fwd) % 180.0 == pytest.approx(40.0, abs=0.1)


def test_gpx_drift_compensated_waypoints_shift_by_drift_times_time() -> None:
    water = expanding_square(
        *DATUM, spacing_nm=1.0, n_legs=6, first_leg_deg=0.0, speed_kn=8.0, start=T0, name="A"
    )
    drift = (0.9, -0.4)  # kn east, north
    ground_points = gpx_points(routes_to_gpx([drift_compensate(water, drift)]))
    water_points = gpx_points(routes_to_gpx([water]))
    for w, g in zip(water_points, ground_points, strict=True):
        assert g.time is not None and g.time == w.time
        h = (g.time - T0).total_seconds() / 3600.0
        az, _, dist = geod().inv(w.longitude, w.latitude, g.longitude, g.latitude)
        # 7 decimals in the file: ~1 cm, so the shift holds to 1e-5 nm
        assert dist / 1852.0 == pytest.approx(math.hypot(*drift) * h, abs=1e-5)
        if h > 0:
            assert float(az) == pytest.approx(math.degrees(math.atan2(0.9, -0.4)), abs=0.01)


def test_gpx_document_follows_gpx_1_1_and_opencpn() -> None:
    r = Route(
        name="Aurora",
        pattern="sector",
        speed_kn=6.5,
        warnings=("WP3 lies on land",),
        waypoints=(
            Waypoint(lon=12.5, lat=33.2, eta=T0, name="CSP"),
            Waypoint(lon=12.51, lat=33.21, eta=T0 + timedelta(minutes=6), name="WP1"),
        ),
    )
    root = ET.fromstring(routes_to_gpx([r], colour="Blue"))
    gpx = "{http://www.topografix.com/GPX/1/1}"
    ocpn = "{http://www.opencpn.org}"
    gpxx = "{http://www.garmin.com/xmlschemas/GpxExtensions/v3}"
    assert root.tag == f"{gpx}gpx" and root.get("version") == "1.1"
    assert "http://www.topografix.com/GPX/1/1/gpx.xsd" in (
        root.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation") or ""
    )
    rte = root.find(f"{gpx}rte")
    assert rte is not None
    children = [c.tag.split("}")[1] for c in rte]
    assert children == ["name", "desc", "type", "extensions", "rtept", "rtept"]  # schema order
    ext = rte.find(f"{gpx}extensions")
    assert ext is not None
    assert ext.findtext(f"{ocpn}planned_speed") == "6.5"
    assert ext.findtext(f"{gpxx}RouteExtension/{gpxx}DisplayColor") == "Blue"
    assert "WP3 lies on land" in (rte.findtext(f"{gpx}desc") or "")
    pt = rte.find(f"{gpx}rtept")
    assert pt is not None
    assert [c.tag.split("}")[1] for c in pt] == ["time", "name", "sym", "type", "extensions"]
    assert pt.findtext(f"{gpx}extensions/{ocpn}viz_name") == "1"


def test_write_gpx_names_the_file_after_the_unit(tmp_path: Path) -> None:
    r = sector(
        *DATUM, radius_nm=2.0, first_leg_deg=0.0, speed_kn=10.0, start=T0, name="Sea-Watch 5 / RHIB"
    )
    path = write_gpx([r], tmp_path)
    assert path.name == "Sea-Watch_5_RHIB.gpx"
    assert gpxpy.parse(path.read_text()).routes[0].name == "Sea-Watch 5 / RHIB"


# ---------------------------------------------------------------- RTZ


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_rtz_structure_element_by_element(tmp_path: Path, version: str) -> None:
    water = expanding_square(
        *DATUM,
        spacing_nm=1.0,
        n_legs=4,
        first_leg_deg=0.0,
        speed_kn=10.0,
        start=T0,
        name="Aurora 1",
    )
    path = write_rtz(water, tmp_path, version=version)  # type: ignore[arg-type]
    assert path.name == "Aurora_1.rtz"
    ns = f"{{http://www.cirm.org/RTZ/1/{version[-1]}}}"
    root = ET.parse(path).getroot()
    assert root.tag == f"{ns}route" and root.get("version") == version
    assert [c.tag for c in root] == [f"{ns}routeInfo", f"{ns}waypoints", f"{ns}schedules"]
    info = root.find(f"{ns}routeInfo")
    assert info is not None
    assert info.get("routeName") == path.stem  # route name equals the file name
    assert info.get("vesselName") == "Aurora 1"
    assert info.get("validityPeriodStart") == "2026-12-06T12:00:00Z"
    assert info.get("validityPeriodStop") == "2026-12-06T12:36:00Z"  # 6 nm at 10 kn
    wps = root.findall(f"{ns}waypoints/{ns}waypoint")
    assert len(wps) == 5 >= 2
    assert [w.get("id") for w in wps] == ["0", "1", "2", "3", "4"]
    assert [w.get("name") for w in wps] == ["CSP", "WP1", "WP2", "WP3", "WP4"]
    for w, planned in zip(wps, water.waypoints, strict=True):
        assert [c.tag for c in w] == [f"{ns}position"]
        pos = w.find(f"{ns}position")
        assert pos is not None
        assert float(pos.get("lat", "nan")) == pytest.approx(planned.lat, abs=1e-7)
        assert float(pos.get("lon", "nan")) == pytest.approx(planned.lon, abs=1e-7)
        assert -180.0 <= float(pos.get("lon", "nan")) < 180.0
    els = root.findall(f"{ns}schedules/{ns}schedule/{ns}calculated/{ns}scheduleElement")
    assert [e.get("waypointId") for e in els] == ["0", "1", "2", "3", "4"]
    assert els[0].get("etd") == "2026-12-06T12:00:00Z" and els[0].get("eta") is None
    assert [e.get("eta") for e in els[1:]] == [
        f"2026-12-06T12:{m:02d}:00Z" for m in (6, 12, 24, 36)
    ]
    assert {e.get("speed") for e in els} == {"10.00"}
    assert path.stat().st_size < 400_000


def test_rtz_drift_compensated_legs_carry_their_ground_speeds() -> None:
    water = expanding_square(
        *DATUM, spacing_nm=2.0, n_legs=2, first_leg_deg=0.0, speed_kn=10.0, start=T0, name="A"
    )
    ground = drift_compensate(water, (0.0, 2.0))  # 2 kn north: the first leg runs north 12 kn
    root = ET.fromstring(route_to_rtz(ground, route_name="A"))
    ns = "{http://www.cirm.org/RTZ/1/1}"
    speeds = [e.get("speed") for e in root.iter(f"{ns}scheduleElement")]
    assert speeds[1] == "12.00"
    assert float(speeds[2] or "nan") == pytest.approx(math.hypot(10.0, 2.0), abs=0.01)


def test_rtz_refuses_a_single_waypoint_and_an_unknown_version() -> None:
    one = Route(
        name="A",
        pattern="sector",
        speed_kn=5.0,
        waypoints=(Waypoint(lon=12.5, lat=33.2, eta=T0, name="CSP"),),
    )
    with pytest.raises(InputError, match="at least 2"):
        route_to_rtz(one, route_name="A")
    r = sector(*DATUM, radius_nm=2.0, first_leg_deg=0.0, speed_kn=10.0, start=T0, name="V")
    with pytest.raises(InputError, match="RTZ version must be"):
        route_to_rtz(r, route_name="V", version="1.2")  # type: ignore[arg-type]


# ---------------------------------------------------------------- KML, GeoJSON


def test_kml_round_trip(tmp_path: Path) -> None:
    a = sector(*DATUM, radius_nm=2.0, first_leg_deg=0.0, speed_kn=10.0, start=T0, name="V")
    b = expanding_square(
        12.7, 33.4, spacing_nm=1.0, n_legs=5, first_leg_deg=90.0, speed_kn=8.0, start=T0, name="S"
    )
    text = routes_to_kml([a, b])
    back = read_kml_routes(text)
    assert [k.name for k in back] == ["V", "S"]
    for k, r in zip(back, (a, b), strict=True):
        np.testing.assert_allclose(k.coordinates, [(w.lon, w.lat) for w in r.waypoints], atol=1e-7)
        assert [w.name for w in k.waypoints] == [w.name for w in r.waypoints]
        assert [w.eta for w in k.waypoints] == [w.eta for w in r.waypoints]
    root = ET.fromstring(text)
    assert root.tag == "{http://www.opengis.net/kml/2.2}kml"
    path = write_kml([a], tmp_path)
    assert path.name == "V.kml" and read_kml_routes(path.read_text())[0].name == "V"
    with pytest.raises(InputError, match="not a KML"):
        read_kml_routes("<gpx/>")


def test_geojson_lines_and_points(tmp_path: Path) -> None:
    r = expanding_square(
        *DATUM, spacing_nm=1.0, n_legs=3, first_leg_deg=0.0, speed_kn=10.0, start=T0, name="A"
    )
    fc = routes_feature_collection([r])
    line, *points = fc["features"]
    assert line["geometry"]["type"] == "LineString"
    assert line["properties"]["length_nm"] == pytest.approx(4.0, abs=1e-3)
    assert line["properties"]["pattern"] == "expanding_square"
    assert [p["properties"]["name"] for p in points] == ["CSP", "WP1", "WP2", "WP3"]
    assert points[-1]["properties"]["eta"] == "2026-12-06T12:24:00Z"
    assert points[0]["geometry"]["coordinates"] == [12.5, 33.2]
    path = write_route_geojson([r], tmp_path)
    assert json.loads(path.read_text()) == fc


# ---------------------------------------------------------------- text, SMS


def test_text_lists_degrees_decimal_minutes_with_etas(tmp_path: Path) -> None:
    r = expanding_square(
        *DATUM, spacing_nm=1.0, n_legs=2, first_leg_deg=0.0, speed_kn=10.0, start=T0, name="Aurora"
    )
    lines = route_text(r).splitlines()
    assert lines[0] == "SAR Aurora: expanding square, 10 kn, start 2026-12-06 12:00Z"
    assert lines[1] == "CSP 33°12.0'N 012°30.0'E 061200Z"
    assert lines[2].startswith("WP1 33°13.0'N 012°30.0'E 061206Z")  # 1 nm north = 1.0' of lat
    # every line reads back to its waypoint within 0.05' (half the printed precision)
    for line, w in zip(lines[1:], r.waypoints, strict=True):
        lon, lat = parse_position(" ".join(line.split()[1:3]))
        assert abs(lat - w.lat) * 60 <= 0.05 + 1e-9
        assert abs(lon - w.lon) * 60 <= 0.05 + 1e-9
    assert write_text(r, tmp_path).read_text().startswith("SAR Aurora")


def test_sms_chunks_fit_160_gsm_characters_and_keep_waypoints_whole() -> None:
    r = sector(
        *DATUM, radius_nm=2.0, first_leg_deg=0.0, speed_kn=10.0, start=T0, name="V", cycles=2
    )
    long_warning = "drift-compensated for a drift of 1.5 kn towards 180° " + "word " * 60
    r = Route(
        name=r.name,
        pattern=r.pattern,
        speed_kn=r.speed_kn,
        waypoints=r.waypoints,
        warnings=(long_warning,),
    )
    chunks = sms_chunks(r)
    n = len(chunks)
    assert n >= 3
    for k, c in enumerate(chunks, start=1):
        assert len(c) <= 160
        assert set(c) <= GSM7_BASIC
        assert c.startswith(f"{k}/{n} ")
    body = "\n".join(c.split(" ", 1)[1] for c in chunks)
    wp_lines = [
        ln
        for ln in body.splitlines()
        if ln.split(" ")[0] in {"CSP", "DATUM"} or ln.startswith("WP")
    ]
    assert len(wp_lines) == 19  # all waypoints, none split
    for ln, w in zip(wp_lines, r.waypoints, strict=True):
        lon, lat = parse_position(" ".join(ln.split()[1:5]))
        assert abs(lat - w.lat) * 60 <= 0.05 + 1e-9 and abs(lon - w.lon) * 60 <= 0.05 + 1e-9
    with pytest.raises(InputError, match="no room for a waypoint line"):
        sms_chunks(r, limit=20)


def test_route_files_side_by_side(tmp_path: Path) -> None:
    from sarwatch.adapters.exports.route_files import write_route_files

    r = sector(
        *DATUM, radius_nm=2.0, first_leg_deg=0.0, speed_kn=10.0, start=T0, name="Ocean Viking"
    )
    paths = write_route_files(r, tmp_path / "plan")
    assert {k: p.name for k, p in paths.items()} == {
        "gpx": "Ocean_Viking.gpx",
        "rtz": "Ocean_Viking.rtz",
        "kml": "Ocean_Viking.kml",
        "txt": "Ocean_Viking.txt",
    }
    rtz = ET.parse(paths["rtz"]).getroot()
    info = rtz.find("{http://www.cirm.org/RTZ/1/1}routeInfo")
    assert info is not None and info.get("routeName") == "Ocean_Viking"
    assert len(gpxpy.parse(paths["gpx"].read_text()).routes[0].points) == 10
