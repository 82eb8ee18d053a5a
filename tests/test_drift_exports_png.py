"""``drift.png``: an image of the promised size that shows the cloud where the particles
are, shaded as overlapping translucent dots would shade it, with the legend out of its way."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from sarwatch.adapters.exports import drift_png
from sarwatch.services.drift import DriftRequest, predict_drift

START = datetime(2026, 11, 20, 4, 10, tzinfo=UTC)
WATER = (0xDF, 0xEF, 0xFF)


@pytest.fixture(scope="module")
def run_at_sea():
    req = DriftRequest(
        lon=12.5, lat=33.6, time=START, hours=12, particles=20_000, wind_kn=25, wind_from_deg=270,
        seed=6, diffusivity_m2_s=20.0,
    )  # fmt: skip
    return predict_drift(req, png=False)


def _pixel(view, frame, lon, lat):
    """Image pixel (column, row) of a position: the map sits at the frame's corner."""
    x0, x1, y0, y1 = view
    col = frame.left + (lon - x0) / (x1 - x0) * frame.map_w
    row = frame.top + (y1 - lat) / (y1 - y0) * frame.map_h
    return int(col), int(row)


def test_png_has_the_layout_size_and_shows_the_cloud_where_it_is(tmp_path: Path, run_at_sea):
    path = drift_png.write_png(run_at_sea, tmp_path / "drift.png")
    view, sizes, _ = drift_png._frame_for(run_at_sea)
    with Image.open(path) as im:
        assert im.format == "PNG"
        assert im.size == (sizes.img_w, sizes.img_h)
        rgb = np.asarray(im.convert("RGB")).astype(int)
    assert sizes.img_w <= 974 and sizes.img_h <= 784
    # the densest part of the cloud is dark grey: many dots on water
    counts, xe, ye = np.histogram2d(run_at_sea.final_lon, run_at_sea.final_lat, bins=40)
    i, j = np.unravel_index(np.argmax(counts), counts.shape)
    col, row = _pixel(view, sizes, 0.5 * (xe[i] + xe[i + 1]), 0.5 * (ye[j] + ye[j + 1]))
    patch = rgb[row - 2 : row + 3, col - 2 : col + 3]  # a contour may pass there too
    greyish = (np.ptp(patch, axis=2) < 30) & (patch.max(axis=2) < 140)
    assert greyish.mean() > 0.5, patch
    # the open water around the cloud keeps the water colour
    left, top = sizes.left, sizes.top
    in_map = rgb[top : top + sizes.map_h, left : left + sizes.map_w]
    assert (in_map == WATER).all(axis=2).mean() > 0.3
    # the dark part of the map covers about the cloud's bounding box, not more
    x0, x1, y0, y1 = view
    x_left, _ = _pixel(view, sizes, float(run_at_sea.final_lon.min()), 0.5 * (y0 + y1))
    x_right, _ = _pixel(view, sizes, float(run_at_sea.final_lon.max()), 0.5 * (y0 + y1))
    _, r_top = _pixel(view, sizes, 0.5 * (x0 + x1), float(run_at_sea.final_lat.max()))
    _, r_bot = _pixel(view, sizes, 0.5 * (x0 + x1), float(run_at_sea.final_lat.min()))
    # the cloud's saturated grey (#404040), not the black of text and marker edges
    grey = (np.ptp(rgb, axis=2) < 6) & (np.abs(rgb - 0x40).max(axis=2) <= 8)
    rows, cols = np.nonzero(grey[top : top + sizes.map_h, left : left + sizes.map_w])  # map
    rows, cols = rows + top, cols + left
    inside = (cols >= x_left - 3) & (cols <= x_right + 3)
    inside &= (rows >= r_top - 3) & (rows <= r_bot + 3)
    # (the rest: antialiased legend text)
    assert grey.sum() > 500 and inside.mean() > 0.85, (grey.sum(), inside.mean())


def test_the_image_fits_the_map_and_widens_for_a_long_title():
    """A square degree at 33.5 N is taller than wide on the map (1 / cos 33.5°) and fills
    the 680 px height; a narrow strip gets an image as wide as its title needs, the map
    in the middle."""
    margin_l, margin_r, margin_b, margin_t = drift_png._MARGIN_PX
    square = drift_png._layout((12.0, 13.0, 33.0, 34.0), title_w=556)
    assert square.map_h == 680
    assert square.map_w == round(680 * np.cos(np.radians(33.5)))
    assert square.img_w == square.map_w + margin_l + margin_r and square.left == margin_l
    assert square.img_h == 680 + margin_b + margin_t and square.top == margin_t
    strip = drift_png._layout((12.0, 12.02, 33.0, 34.0), title_w=556)
    assert strip.map_h == 680 and strip.map_w == round(0.02 * square.map_w)
    assert strip.img_w == 556 + 2 * margin_r
    assert strip.left - margin_l == (strip.img_w - strip.map_w - margin_l - margin_r) // 2
    wide = drift_png._layout((10.0, 16.0, 33.0, 34.0))
    assert wide.map_w == 880 and wide.img_w == 880 + margin_l + margin_r


def test_png_is_the_same_bytes_when_written_twice(tmp_path: Path, run_at_sea):
    a = drift_png.write_png(run_at_sea, tmp_path / "a.png").read_bytes()
    b = drift_png.write_png(run_at_sea, tmp_path / "b.png").read_bytes()
    assert a == b


def test_pngs_drawn_on_threads_at_once_are_the_same_bytes(tmp_path: Path, run_at_sea):
    """A server draws several runs' maps at once (each thread its own fonts)."""
    from concurrent.futures import ThreadPoolExecutor

    one = drift_png.write_png(run_at_sea, tmp_path / "one.png").read_bytes()
    paths = [tmp_path / f"t{k}.png" for k in range(6)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda p: drift_png.write_png(run_at_sea, p), paths))
    assert all(p.read_bytes() == one for p in paths)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 300_000), nx=st.integers(2, 50))
def test_a_cell_is_shaded_like_the_dots_that_fall_in_it(n, nx):
    """n particles in one cell: ``1 - (1 - alpha) ** dots``, dots = n scaled to
    :data:`_DOTS_DRAWN` for the whole cloud; an empty cell stays clear."""
    cell = 0.01
    view = (10.0, 10.0 + nx * cell * 2, 30.0, 30.0 + nx * cell * 2)
    lon = np.full(n, 10.0 + 0.5 * cell * 2)  # the centre of the south-west cell (2 px)
    lat = np.full(n, 30.0 + 0.5 * cell * 2)
    rgba, extent = drift_png._cloud_raster(lon, lat, view, map_w=2 * nx)
    assert rgba.shape == (nx, nx, 4) and extent == pytest.approx(view)
    dots = n * min(1.0, drift_png._DOTS_DRAWN / n)
    assert rgba[0, 0, 3] == pytest.approx(1 - (1 - drift_png._DOT_ALPHA) ** dots, rel=1e-5)
    assert (rgba[..., 3].ravel()[1:] == 0).all()


def test_cloud_raster_ignores_particles_outside_the_view_and_without_position():
    lon = np.array([10.05, np.nan, 9.0, 10.05, 11.5])
    lat = np.array([30.05, 30.05, 30.05, np.nan, 30.05])
    rgba, _ = drift_png._cloud_raster(lon, lat, (10.0, 10.2, 30.0, 30.2), map_w=8)
    assert (rgba[..., 3] > 0).sum() == 1


def _cloud_in(corner_rows: slice, corner_cols: slice) -> np.ndarray:
    rgba = np.zeros((40, 50, 4), dtype=np.float32)
    rgba[corner_rows, corner_cols, 3] = 0.9
    return rgba


VIEW = (12.0, 13.0, 33.0, 34.0)
NO_POINTS = (np.array([]), np.array([]))


def test_the_legend_goes_where_there_is_least_to_hide():
    empty = shapely.Polygon()
    # a cloud in the upper left: the legend goes to the (first) free corner, upper right
    cloud = _cloud_in(slice(30, 40), slice(0, 15))
    assert drift_png._emptiest_corner(cloud, VIEW, empty, NO_POINTS) == "upper right"
    # a cloud in the upper half: a lower corner
    cloud = _cloud_in(slice(20, 40), slice(0, 50))
    assert drift_png._emptiest_corner(cloud, VIEW, empty, NO_POINTS).startswith("lower")
    # ... and land in the lower left: lower right
    land = shapely.box(12.0, 33.0, 12.5, 33.3)
    assert drift_png._emptiest_corner(cloud, VIEW, land, NO_POINTS) == "lower right"
    # ... and the start in the lower right too: lower left, land hides less than the start
    start = (np.array([12.9]), np.array([33.1]))
    assert drift_png._emptiest_corner(cloud, VIEW, land, start) == "lower left"


def _label_box(spot, size):
    (x, y), (w, h) = spot, size
    return shapely.box(x, y, x + w, y + h)


def test_a_region_label_goes_in_its_region_beside_the_cloud_not_under_it():
    """The region covers the map's lower half and the cloud its middle: the label lies
    wholly in the region, off the cloud's cells and off the legend's corner."""
    region = shapely.box(12.0, 33.0, 13.0, 33.5)
    cloud = _cloud_in(slice(8, 32), slice(15, 35))  # rows 8-31 (33.2-33.8), cols 15-34
    size = (0.2, 0.05)
    spot = drift_png._label_spot(region, cloud, VIEW, size, "lower right")
    box = _label_box(spot, size)
    assert region.contains(box)
    cloud_box = shapely.box(12.3, 33.2, 12.7, 33.8)
    assert not box.intersects(cloud_box), spot
    assert not box.intersects(shapely.box(12.6, 33.0, 13.0, 33.35))  # the legend's corner
    # with the legend in the lower left, the label stays off that corner instead
    spot = drift_png._label_spot(region, cloud, VIEW, size, "lower left")
    box = _label_box(spot, size)
    assert region.contains(box) and not box.intersects(cloud_box), spot
    assert not box.intersects(shapely.box(12.0, 33.0, 12.4, 33.35)), spot


def test_a_region_label_without_a_clear_spot_falls_back_inside_the_region():
    # the region is a thin strip, too thin for the label: its representative point
    region = shapely.box(12.0, 33.0, 13.0, 33.01)
    spot = drift_png._label_spot(region, _cloud_in(slice(0, 0), slice(0, 0)), VIEW, (0.2, 0.05),
                                 "upper left")  # fmt: skip
    assert region.contains(shapely.Point(spot))


@settings(max_examples=40, deadline=None)
@given(
    x=st.floats(12.0, 12.8), y=st.floats(33.0, 33.8),
    w=st.floats(0.2, 1.0), h=st.floats(0.2, 1.0),
)  # fmt: skip
def test_a_label_spot_found_in_a_box_region_keeps_the_label_inside(x, y, w, h):
    region = shapely.box(x, y, min(13.0, x + w), min(34.0, y + h))
    size = (0.15, 0.04)
    spot = drift_png._label_spot(region, _cloud_in(slice(0, 40), slice(0, 25)), VIEW, size,
                                 "upper right")  # fmt: skip
    # either the label fits wholly in the region, or (no room) the fallback point is inside
    assert region.covers(_label_box(spot, size)) or region.contains(shapely.Point(spot))


def test_the_scale_bar_takes_the_lower_corner_the_legend_and_the_cloud_leave():
    corner = drift_png._bar_corner
    none = _cloud_in(slice(0, 0), slice(0, 0))
    assert corner(none, "lower left") == "lower right"
    assert corner(none, "lower right") == "lower left"
    # the legend above, the cloud low on the left: the bar goes right, and the other way
    assert corner(_cloud_in(slice(0, 5), slice(0, 12)), "upper left") == "lower right"
    assert corner(_cloud_in(slice(0, 5), slice(38, 50)), "upper left") == "lower left"
