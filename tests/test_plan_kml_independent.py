"""The plan's KML files checked by parties other than our own reader (issue 11: "GPX and
KML round-trip through gpxpy and a KML reader").

- **Schema:** every pattern's KML validates against the OGC KML 2.2 XML schema
  (``ogckml22.xsd`` with its atom, xAL and gx imports, as shipped in the fastkml
  package), through lxml/libxml2 with the network off; a document the schema must
  refuse is refused (the check is not vacuous).
- **Reader:** fastkml (an independent KML library) reads each route back: the line's
  coordinates are the waypoints to 1e-7°, each waypoint placemark has its name,
  position and ETA (as a timezone-aware ``TimeStamp``), in order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sarwatch.adapters.exports.route_kml import routes_to_kml, write_kml
from sarwatch.planning.compensation import drift_compensate
from sarwatch.planning.patterns import (
    creeping_line,
    expanding_square,
    parallel_track,
    sector,
    track_line,
)
from sarwatch.planning.types import Route, SearchArea

fastkml = pytest.importorskip("fastkml", reason="the independent KML reader (pip install fastkml)")
etree = pytest.importorskip("lxml.etree", reason="the XML schema validator (pip install lxml)")

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
AREA = SearchArea(lon=12.45, lat=34.6, length_nm=8.0, width_nm=4.0, orientation_deg=30.0)


def _routes() -> list[Route]:
    (par,) = parallel_track(AREA, spacing_nm=1.0, speed_kn=10.0, start=T0, name="Sea-Watch 5")
    return [
        expanding_square(
            12.5,
            34.6,
            spacing_nm=1.0,
            n_legs=7,
            first_leg_deg=320.0,
            speed_kn=12.0,
            start=T0,
            name="Aurora & <Co>",
        ),
        sector(
            12.5,
            34.6,
            radius_nm=2.0,
            first_leg_deg=20.0,
            speed_kn=10.0,
            start=T0,
            name="Nadir",
            cycles=2,
        ),
        par,
        drift_compensate(
            creeping_line(AREA, spacing_nm=2.0, speed_kn=90.0, start=T0, name="Helo 1"),
            (0.8, -0.3),
        ),
        track_line(
            [(12.3, 34.5), (12.7, 34.7)],
            speed_kn=150.0,
            start=T0,
            name="Seabird",
            returning=True,
            spacing_nm=1.0,
        ),
    ]


@pytest.fixture(scope="module")
def kml_schema() -> Any:
    xsd = Path(fastkml.__file__).parent / "schema" / "ogckml22.xsd"
    parser = etree.XMLParser(no_network=True)
    return etree.XMLSchema(etree.parse(str(xsd), parser))


def test_every_pattern_validates_against_the_ogc_kml_22_schema(
    kml_schema: Any, tmp_path: Path
) -> None:
    routes = _routes()
    docs = [routes_to_kml(routes), *(write_kml([r], tmp_path).read_text() for r in routes)]
    for text in docs:
        doc = etree.fromstring(text.encode("utf-8"), etree.XMLParser(no_network=True))
        ok = kml_schema.validate(doc)
        assert ok, kml_schema.error_log
    # a LineString straight in the Document (outside any Placemark): refused
    bad = (
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><LineString>'
        "<coordinates>12,34 13,35</coordinates></LineString></Document></kml>"
    )
    assert not kml_schema.validate(etree.fromstring(bad.encode()))


def test_fastkml_reads_back_every_route_and_waypoint() -> None:
    routes = _routes()
    kml = fastkml.KML.from_string(routes_to_kml(routes, name="plan 7").encode("utf-8"))
    (doc,) = kml.features
    assert doc.name == "plan 7"
    folders = list(doc.features)
    assert [f.name for f in folders] == [r.name for r in routes]
    for route, folder in zip(routes, folders, strict=True):
        line, *points = folder.features
        assert line.name == route.name
        coords = list(line.geometry.coords)
        assert len(coords) == len(route.waypoints)
        for (lon, lat), w in zip(coords, route.waypoints, strict=True):
            assert lon == pytest.approx(w.lon, abs=1e-7) and lat == pytest.approx(w.lat, abs=1e-7)
        assert [p.name for p in points] == [w.name for w in route.waypoints]
        for p, w in zip(points, route.waypoints, strict=True):
            (lon, lat) = p.geometry.coords[0][:2]
            assert (lon, lat) == pytest.approx((w.lon, w.lat), abs=1e-7)
            assert w.eta is not None
            when = p.times.timestamp.dt
            assert when.tzinfo is not None and when == w.eta.replace(microsecond=0)
        # ETAs go forwards along the route
        etas = [p.times.timestamp.dt for p in points]
        assert etas == sorted(etas)
