"""Departure points of the packaged departure ports: where boats leaving them put to sea.

The ports' own positions lie in harbour basins, on quays or on land pixels of the
coastline (Tripoli's lies in its basin, Abu Kammash's behind a lagoon): a drift seeded
there strands at once. Each departure port has a departure point in open water, which
these tests hold to the packaged land raster, and the port list's parser refuses one on
land, far from its port, or missing.
"""

from __future__ import annotations

import re
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from sarwatch.errors import DataError
from sarwatch.geo.coast import CELL_SEA
from sarwatch.geo.geodesy import geodesic_distance_m
from sarwatch.geo.ports import DEPART_MAX_M, parse_ports, ports

_GEOD = Geod(ellps="WGS84")
#: The atlas's default seeding spread (sigma per axis, metres; DriftConfig.radius_m).
SEED_RADIUS_M = 500.0
HEADER = (
    "port_id,name,country_iso2,unlocode,wpi_number,lat,lon,harbor_size_wpi,role,source,"
    "depart_lon,depart_lat,depart_note\n"
)


def _row(lon: float, lat: float, depart: tuple[object, object], role: str = "departure") -> str:
    return f"LYXXX,Test,LY,LYXXX,1,{lat},{lon},Small,{role},test,{depart[0]},{depart[1]},note\n"


def _disk(lon: float, lat: float, radius_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Points filling a disk: every 25 m out to the radius, every 2 degrees round
    (17 m apart on the rim, far finer than the raster's ~460 m cells)."""
    r, a = np.meshgrid(np.arange(0.0, radius_m + 1.0, 25.0), np.arange(0.0, 360.0, 2.0))
    lo, la, _ = _GEOD.fwd(np.full(r.size, lon), np.full(r.size, lat), a.ravel(), r.ravel())
    return np.asarray(lo), np.asarray(la)


def test_exactly_the_departure_ports_have_a_departure_point_with_a_note():
    listed = ports()
    departures = [p for p in listed if p.is_departure]
    assert {p.port_id for p in departures} >= {"LYTIP", "LYZUA", "TNSFA", "LYABK"}
    for p in listed:
        has = p.depart_lon is not None and p.depart_lat is not None
        assert has == p.is_departure, p.port_id
        assert bool(p.depart_note) == p.is_departure, p.port_id


def test_every_departure_point_is_open_sea_within_the_seeding_radius_and_near_its_port(land_mask):
    """No land and no coast cell of the packaged raster within 500 m (the default spread's
    sigma) of any departure point, and each within 5 km of its port: out of the harbour,
    not somewhere else. The ports' own positions are not (this is what the points fix)."""
    ports_at_coast = 0
    for p in (p for p in ports() if p.is_departure):
        assert p.depart_lon is not None and p.depart_lat is not None
        lon, lat = _disk(p.depart_lon, p.depart_lat, SEED_RADIUS_M)
        classes = land_mask.cell_class(lon, lat)
        assert (classes == CELL_SEA).all(), (p.port_id, np.unique(classes))
        far_m = float(geodesic_distance_m(p.lon, p.lat, p.depart_lon, p.depart_lat))
        assert 200.0 < far_m <= DEPART_MAX_M, (p.port_id, far_m)
        plon, plat = _disk(p.lon, p.lat, SEED_RADIUS_M)
        ports_at_coast += int((land_mask.cell_class(plon, plat) != CELL_SEA).any())
    assert ports_at_coast == len([p for p in ports() if p.is_departure])


def test_a_spread_round_each_departure_point_starts_at_sea(land_mask):
    """A 500 m Gaussian spread (the atlas's seeding): under 1 % of its starts fall on land
    (measured 0-0.2 % per port), against 40-72 % round the ports moved to the nearest sea
    point that the atlas used before."""
    rng = np.random.default_rng(20)
    for p in (p for p in ports() if p.is_departure):
        assert p.depart_lon is not None and p.depart_lat is not None
        east, north = rng.standard_normal((2, 4000)) * SEED_RADIUS_M
        lon, lat, _ = _GEOD.fwd(
            np.full(4000, p.depart_lon), np.full(4000, p.depart_lat),
            np.degrees(np.arctan2(east, north)), np.hypot(east, north),
        )  # fmt: skip
        assert np.asarray(land_mask.contains(lon, lat)).mean() < 0.01, p.port_id


def test_the_packaged_file_reads_the_same_through_the_parser_with_a_land_mask(land_mask):
    text = resources.files("sarwatch.data").joinpath("ports_central_med.csv").read_text("utf-8")
    assert parse_ports(text, origin="packaged", land=land_mask) == ports()


def test_a_departure_point_on_land_is_refused_with_the_port_and_what_to_do(land_mask):
    # a departure point 3 km inland of Tripoli (on land by any coastline)
    text = HEADER + _row(13.1833, 32.90, (13.19, 32.875))
    assert bool(land_mask.contains(13.19, 32.875))
    with pytest.raises(DataError, match=r"test line 2: .*LYXXX.*lies on land.*open water"):
        parse_ports(text, origin="test", land=land_mask)
    # without a land mask the parser cannot tell, and reads it
    (port,) = parse_ports(text, origin="test")
    assert (port.depart_lon, port.depart_lat) == (13.19, 32.875)


def test_a_departure_port_without_a_point_or_with_half_a_point_is_refused():
    with pytest.raises(DataError, match="a departure port needs a departure point at sea"):
        parse_ports(HEADER + _row(12.1, 32.9, ("", "")), origin="test")
    with pytest.raises(DataError, match="give both depart_lon and depart_lat"):
        parse_ports(HEADER + _row(12.1, 32.9, (12.11, "")), origin="test")
    with pytest.raises(DataError, match=r"test line 2 is malformed"):
        parse_ports(HEADER + _row(12.1, 32.9, ("12.1x", 32.9)), origin="test")
    # a port that is no departure needs none, and a file of the old columns still reads
    (pos,) = parse_ports(HEADER + _row(12.1, 32.9, ("", ""), role="pos"), origin="test")
    assert pos.depart_lon is None and not pos.is_departure
    old = HEADER.replace(",depart_lon,depart_lat,depart_note", "")
    (plain,) = parse_ports(old + "ITX,X,IT,,2,35.5,12.6,Small,pos,test\n", origin="test")
    assert plain.depart_lat is None


@settings(max_examples=40, deadline=None)
@given(
    bearing=st.floats(0.0, 360.0, exclude_max=True),
    distance_m=st.floats(0.0, 3 * DEPART_MAX_M).filter(lambda d: abs(d - DEPART_MAX_M) > 1.0),
)
def test_a_departure_point_is_accepted_if_and_only_if_within_5_km_of_its_port(bearing, distance_m):
    lon, lat = 12.1016, 32.9259
    d_lon, d_lat, _ = _GEOD.fwd(lon, lat, bearing, distance_m)
    text = HEADER + _row(lon, lat, (repr(d_lon), repr(d_lat)))
    if distance_m <= DEPART_MAX_M:
        (port,) = parse_ports(text, origin="test")
        assert (port.depart_lon, port.depart_lat) == (d_lon, d_lat)
    else:
        with pytest.raises(DataError, match=r"km from the port; expected at most 5 km"):
            parse_ports(text, origin="test")


def _note_distance_bearing(note: str) -> tuple[float, float | None]:
    """The distance (km) and bearing (degrees) a note gives: "2.5 km ... bearing 030", or
    "0.3 km north of the WPI position"."""
    km = re.search(r"(\d+(?:\.\d+)?) km", note)
    assert km, note
    bearing = re.search(r"bearing (\d{3})", note)
    if bearing:
        return float(km.group(1)), float(bearing.group(1))
    if "km north of" in note:
        return float(km.group(1)), 0.0
    return float(km.group(1)), None


def test_each_notes_distance_and_bearing_are_those_of_its_coordinates():
    """A note is what the atlas records of a point: its "N km ... on bearing BBB" from the
    port must be the point's own (to the note's rounding), or a reader is misled."""
    for p in (p for p in ports() if p.is_departure):
        assert p.depart_lon is not None and p.depart_lat is not None
        km, bearing = _note_distance_bearing(p.depart_note)
        az, _, far_m = _GEOD.inv(p.lon, p.lat, p.depart_lon, p.depart_lat)
        decimals = len(re.search(r"(\d+(?:\.(\d+))?) km", p.depart_note).group(2) or "")
        assert abs(far_m / 1000.0 - km) <= 0.5 * 10.0**-decimals + 0.01, (p.port_id, far_m)
        assert bearing is not None, p.port_id
        assert abs((az - bearing + 180.0) % 360.0 - 180.0) < 0.5, (p.port_id, az)


def test_each_departure_point_lies_off_the_coast_not_in_a_harbour_or_lagoon(land_mask):
    """1.3-1.6 km from the GSHHG coastline (as the design note says): beyond a harbour's
    moles and a lagoon's spit, not far out to sea. Measured in an azimuthal equidistant
    projection centred on the point (distances from its centre are geodesic)."""
    import shapely
    from pyproj import Transformer

    for p in (p for p in ports() if p.is_departure):
        assert p.depart_lon is not None and p.depart_lat is not None
        lon, lat = p.depart_lon, p.depart_lat
        to_m = Transformer.from_crs(
            "EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84", always_xy=True
        )
        near = shapely.intersection(
            land_mask.polygons, shapely.box(lon - 0.1, lat - 0.1, lon + 0.1, lat + 0.1)
        )
        local = shapely.transform(near, lambda xy, t=to_m: np.column_stack(t.transform(*xy.T)))
        far_m = float(shapely.distance(local, shapely.Point(0.0, 0.0)))
        assert 1300.0 < far_m < 1600.0, (p.port_id, far_m)


@pytest.mark.parametrize(
    ("depart", "message"),
    [
        (("nan", 32.92), r"the departure point \(nan, 32.92\) is no position"),
        ((373.2, 32.92), r"the departure point \(373.2, 32.92\) is no position"),
        ((13.2, 95.0), r"the departure point \(13.2, 95.0\) is no position: expected decimal"),
    ],
)
def test_a_departure_point_off_the_globe_is_refused_as_such(depart, message):
    # NaN read "lies nan km from the port", and a longitude of 373.2 (13.2 + 360) passed
    with pytest.raises(DataError, match=r"test line 2 \(LYXXX\): " + message):
        parse_ports(HEADER + _row(13.1833, 32.90, depart), origin="test")


def test_a_port_off_the_globe_a_point_without_its_note_and_a_repeated_id_are_refused():
    with pytest.raises(DataError, match=r"line 2 \(LYXXX\): the port's lon, lat \(13.1, nan\)"):
        parse_ports(HEADER + _row(13.1, float("nan"), ("", ""), role="pos"), origin="test")
    no_note = _row(12.1, 32.9, (12.11, 32.91)).replace(",note\n", ",\n")
    with pytest.raises(DataError, match="the departure point needs its depart_note"):
        parse_ports(HEADER + no_note, origin="test")
    row = _row(12.1, 32.9, (12.11, 32.91))
    with pytest.raises(
        DataError, match=r"line 3: port id LYXXX is listed twice \(first on line 2\)"
    ):
        parse_ports(HEADER + row + row, origin="test")


def test_errors_name_the_file_line_of_a_row_after_a_note_over_two_lines():
    # a quoted note may hold a line break: the line numbers are the file's, not the rows'
    first = _row(12.1, 32.9, (12.11, 32.91)).replace(",note\n", ',"a note\nover two lines"\n')
    second = _row(12.1, 32.9, (12.11, "")).replace("LYXXX", "LYYYY")
    with pytest.raises(DataError, match=r"test line 4 \(LYYYY\): give both"):
        parse_ports(HEADER + first + second, origin="test")
