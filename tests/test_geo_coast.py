"""The full-resolution coastline and the land mask agree with known geography."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.geo.coast import CELL_COAST, REGION


def test_known_islands_are_land_and_open_sea_is_sea(land_mask) -> None:
    lon = [14.44, 12.58, 12.865, 12.50, 15.0, 11.94]
    lat = [35.88, 35.51, 35.865, 33.20, 34.5, 36.80]
    # Malta, Lampedusa, Linosa are land; off Libya and the open Ionian are sea;
    # Pantelleria island is land.
    assert land_mask.contains(lon, lat).tolist() == [True, True, True, False, False, True]


def test_outside_region_counts_as_sea(land_mask) -> None:
    assert not land_mask.contains([0.0], [50.0])[0]


def test_region_box() -> None:
    assert REGION.contains(12.5, 33.2)
    assert not REGION.contains(30.0, 33.2)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_mask_matches_exact_polygon_test(land_mask, seed: int) -> None:
    """The raster shortcut never changes the answer of the exact polygon test."""
    rng = np.random.default_rng(seed)
    # Sample near coasts (where mistakes would be) and anywhere in the region.
    coast_i, coast_j = np.nonzero(land_mask.cells == CELL_COAST)
    pick = rng.integers(0, coast_i.size, 2000)
    lon = land_mask.lon0 + (coast_j[pick] + rng.random(2000)) * land_mask.cell_deg
    lat = land_mask.lat0 + (coast_i[pick] + rng.random(2000)) * land_mask.cell_deg
    lon = np.concatenate([lon, rng.uniform(REGION.lon_min, REGION.lon_max, 2000)])
    lat = np.concatenate([lat, rng.uniform(REGION.lat_min, REGION.lat_max, 2000)])
    exact = shapely.contains_xy(land_mask.polygons, lon, lat)
    np.testing.assert_array_equal(land_mask.contains(lon, lat), exact)


def test_sea_and_land_cells_agree_with_polygons_at_cell_centres(land_mask) -> None:
    rng = np.random.default_rng(7)
    i = rng.integers(0, land_mask.cells.shape[0], 20000)
    j = rng.integers(0, land_mask.cells.shape[1], 20000)
    cls = land_mask.cells[i, j]
    lon = land_mask.lon0 + (j + 0.5) * land_mask.cell_deg
    lat = land_mask.lat0 + (i + 0.5) * land_mask.cell_deg
    exact = shapely.contains_xy(land_mask.polygons, lon, lat)
    assert not exact[cls == 0].any()
    assert exact[cls == 1].all()


def test_scalar_and_2d_inputs_keep_their_shape(land_mask) -> None:
    # (11.2, 33.21) lies in a coast cell (Zarzis shore): the exact path must accept scalars.
    scalar = land_mask.contains(11.2, 33.21)
    assert scalar.shape == ()
    assert bool(scalar) == bool(land_mask.contains([11.2], [33.21])[0])
    grid = land_mask.contains(np.full((3, 4), 14.44), np.full((3, 4), 35.88))
    assert grid.shape == (3, 4) and grid.all()


def test_islets_smaller_than_a_cell_are_found(land_mask) -> None:
    """A GSHHG islet that fits between the raster's samples (found by a Hypothesis draw)
    must still be land, and its cell must be tested exactly."""
    lon, lat = 23.8155, 38.3837
    assert shapely.contains_xy(land_mask.polygons, lon, lat)
    assert land_mask.cell_class([lon], [lat])[0] == CELL_COAST
    assert land_mask.contains([lon], [lat])[0]


def test_no_polygon_vertex_lies_in_a_sea_or_land_cell(land_mask) -> None:
    """Every cell the coastline passes through is a coast cell (tested exactly)."""
    coords = shapely.get_coordinates(shapely.get_rings(shapely.get_parts(land_mask.polygons)))
    cls = land_mask.cell_class(coords[:, 0], coords[:, 1])
    inside = (coords[:, 0] < 27.0 - 1e-9) & (coords[:, 1] < 43.0 - 1e-9)
    assert (cls[inside] == CELL_COAST).all()


def test_a_cached_multipolygon_is_built_once_and_a_damaged_cache_rebuilt(tmp_path) -> None:
    from sarwatch.geo.coast import cached_multipolygon

    square = shapely.MultiPolygon([shapely.box(12.0, 35.0, 12.1, 35.1)])
    builds: list[int] = []

    def build() -> shapely.MultiPolygon:
        builds.append(1)
        return square

    path = tmp_path / "new" / "land.wkb"
    assert cached_multipolygon(path, build).equals(square) and len(builds) == 1
    assert cached_multipolygon(path, build).equals(square) and len(builds) == 1  # read back
    path.write_bytes(b"not wkb")
    assert cached_multipolygon(path, build).equals(square) and len(builds) == 2
    path.write_bytes(shapely.to_wkb(shapely.Point(12.0, 35.0)))  # not polygons: rebuilt
    assert cached_multipolygon(path, build).equals(square) and len(builds) == 3
    assert shapely.from_wkb(path.read_bytes()).equals(square)


def test_a_point_on_a_tile_seam_in_the_sahara_is_land() -> None:
    """Tiled masks cut their polygons at the 5° seams: (20°E, 24°N) lies on two seams in
    the Libyan desert, and on the edge of a box that ends there; it is land either way
    (it read as sea before: on the boundary of every cut polygon, or outside the raster)."""
    from sarwatch.geo.coast import Region, land_mask_for

    for box in (
        Region(19.5, 23.5, 20.5, 24.5),  # on two seams inside the box
        Region(19.9, 23.9, 20.0, 24.0),  # on the box's north-east corner
        Region(20.0, 24.0, 20.5, 24.5),  # on its south-west corner
    ):
        mask = land_mask_for(box)
        assert mask.tile_deg == 5.0
        assert bool(mask.contains(20.0, 24.0)), box
        assert bool(mask.contains((box.lon_min + box.lon_max) / 2, (box.lat_min + box.lat_max) / 2))
