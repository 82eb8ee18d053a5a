"""The atlas's SAR-region raster gives the exact polygon classification everywhere:
far from the boundaries by lookup, on and next to them by the exact test."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.errors import InputError
from sarwatch.geo.coast import REGION
from sarwatch.geo.srr import sar_regions
from sarwatch.geo.srr_raster import EXACT, build_srr_raster, srr_codes, srr_raster

IDS = tuple(r.srr_id for r in sar_regions())
CELL = 0.02


@pytest.fixture(scope="module")
def raster():
    return srr_raster(IDS, CELL)


def _boundary_points(step_deg: float) -> np.ndarray:
    """Points along every region boundary, ``step_deg`` apart."""
    pts = [
        shapely.get_coordinates(shapely.segmentize(shapely.boundary(r.polygon), step_deg))
        for r in sar_regions()
    ]
    return np.concatenate(pts)


def test_known_positions_get_their_regions_from_the_raster_itself(raster):
    # 33.2N 12.5E: Libyan SRR only; 35.4N 12.6E: Italy and Malta overlap (test_geo_srr)
    lon, lat = np.array([12.5, 12.6]), np.array([33.2, 35.4])
    bit = {rid: 1 << i for i, rid in enumerate(IDS)}
    assert raster.classify(lon, lat).tolist() == [bit["LY"], bit["IT"] | bit["MT"]]
    # both lie far from any boundary: answered by lookup, not by the exact test
    cells = raster.codes[
        np.floor((lat - raster.lat0) / CELL).astype(int),
        np.floor((lon - raster.lon0) / CELL).astype(int),
    ]
    assert EXACT not in cells.tolist()


def test_cells_on_a_boundary_are_tested_exactly_and_the_band_is_narrow(raster):
    pts = _boundary_points(0.05)
    inside = REGION.contains(pts[:, 0], pts[:, 1]) & (pts[:, 0] < REGION.lon_max)
    inside &= pts[:, 1] < REGION.lat_max
    row = np.floor((pts[inside, 1] - raster.lat0) / CELL).astype(int)
    col = np.floor((pts[inside, 0] - raster.lon0) / CELL).astype(int)
    assert np.all(raster.codes[row, col] == EXACT)
    assert 0.0 < raster.exact_share < 0.08  # a band of 5 cells round the boundaries


def test_points_on_and_next_to_every_boundary_get_the_exact_class(raster):
    pts = _boundary_points(0.01)
    offsets = [0.0, 1e-12, -1e-12, 1e-9, -1e-9, 1e-6, -1e-6, CELL / 2, -CELL / 2, CELL * 2.5]
    for dx in offsets:
        for dy in (0.0, dx, -dx):
            lon, lat = pts[:, 0] + dx, pts[:, 1] + dy
            np.testing.assert_array_equal(raster.classify(lon, lat), srr_codes(lon, lat, IDS))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 2000))
def test_the_raster_agrees_with_the_polygons_anywhere(raster, seed, n):
    rng = np.random.default_rng(seed)
    lon = rng.uniform(REGION.lon_min - 1.0, REGION.lon_max + 1.0, n)  # some off the raster
    lat = rng.uniform(REGION.lat_min - 1.0, REGION.lat_max + 1.0, n)
    np.testing.assert_array_equal(raster.classify(lon, lat), srr_codes(lon, lat, IDS))


def test_a_coarse_raster_is_still_exact():
    coarse = build_srr_raster(IDS, cell_deg=0.25)
    rng = np.random.default_rng(7)
    lon = rng.uniform(REGION.lon_min, REGION.lon_max, 20_000)
    lat = rng.uniform(REGION.lat_min, REGION.lat_max, 20_000)
    np.testing.assert_array_equal(coarse.classify(lon, lat), srr_codes(lon, lat, IDS))


def test_unknown_regions_and_bad_cells_are_refused():
    with pytest.raises(InputError, match="unknown SAR region ids"):
        build_srr_raster(("IT", "XX"))
    with pytest.raises(InputError, match="> 0 degrees"):
        build_srr_raster(IDS, cell_deg=0.0)
