"""``drift.geojson``'s containment polygons are rounded ring by ring with numpy; the text
must be the one the recursive ``round()`` of every coordinate wrote before."""

from __future__ import annotations

import json

import numpy as np
import shapely
import shapely.geometry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sarwatch.adapters.exports.drift_geojson import _round_coords, geometry_json
from sarwatch.services.drift import containment_polygons


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(3, 400),
    seed=st.integers(0, 2**32 - 1),
    spread_deg=st.sampled_from([1e-3, 0.01, 0.05, 0.3]),
    blobs=st.integers(1, 3),
)
def test_polygons_write_the_same_text_as_rounding_every_coordinate(n, seed, spread_deg, blobs):
    rng = np.random.default_rng(seed)
    centre = rng.integers(0, blobs, n) * 8 * spread_deg  # apart: a MultiPolygon
    lon = 12.5 + centre + spread_deg * rng.standard_normal(n)
    lat = 33.2 + spread_deg * rng.standard_normal(n)
    for polygon in containment_polygons(lon, lat):
        want = _round_coords(shapely.geometry.mapping(polygon.geometry), 5)
        got = geometry_json(polygon.geometry)
        assert json.dumps(got) == json.dumps(want)


def test_a_polygon_with_a_hole_and_a_multipolygon_keep_their_rings():
    ring = shapely.Polygon([(0, 0), (1, 0), (1, 1), (0, 1)], [[(0.2, 0.2), (0.4, 0.2), (0.4, 0.4)]])
    other = shapely.box(2.123456789, 0, 3, 1)
    for geom in (ring, shapely.MultiPolygon([ring, other])):
        got = geometry_json(geom)
        assert got["type"] == geom.geom_type
        assert shapely.geometry.shape(got).equals(shapely.set_precision(geom, 1e-5))
        assert json.dumps(got) == json.dumps(_round_coords(shapely.geometry.mapping(geom), 5))
    assert geometry_json(shapely.Polygon()) == _round_coords(
        shapely.geometry.mapping(shapely.Polygon()), 5
    )
