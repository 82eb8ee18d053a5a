"""The Pillow map canvas under ``drift.png``: round ticks inside the view, their labels,
dashes of the promised length, positions drawn where they are, a legend in its corner."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarwatch.adapters.exports.drift_png_canvas import (
    SUPERSAMPLE,
    LegendEntry,
    MapCanvas,
    _dash,
    _tick_label,
    nice_length,
    nice_ticks,
    text_width_px,
)


@pytest.mark.parametrize(
    ("lo", "hi", "want"),
    [
        (12.18, 14.9, [12.5, 13.0, 13.5, 14.0, 14.5]),
        (32.61, 33.15, [32.7, 32.8, 32.9, 33.0, 33.1]),
        (0.0, 10.0, [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]),
    ],
)
def test_nice_ticks_on_known_views(lo, hi, want):
    assert nice_ticks(lo, hi) == pytest.approx(want)


@given(
    lo=st.floats(-180, 179, allow_nan=False),
    span=st.floats(1e-3, 60),
    most=st.integers(3, 9),
)
def test_nice_ticks_are_inside_evenly_spaced_round_and_few(lo, span, most):
    ticks = nice_ticks(lo, lo + span, most)
    assert 1 <= len(ticks) <= most + 1
    assert all(lo - 1e-9 * span <= t <= lo + span + 1e-9 * span for t in ticks)
    if len(ticks) > 1:
        steps = np.diff(ticks)
        assert np.allclose(steps, steps[0], rtol=1e-6)
        mantissa = steps[0] / 10 ** np.floor(np.log10(steps[0]) + 1e-9)
        assert any(np.isclose(mantissa, m, rtol=1e-6) for m in (1, 2, 2.5, 5))


def test_nice_ticks_of_an_empty_or_bad_span_are_none():
    assert nice_ticks(1.0, 1.0) == [] and nice_ticks(2.0, 1.0) == []
    assert nice_ticks(0.0, float("nan")) == []


@pytest.mark.parametrize(
    ("ticks", "value", "text"),
    [([12.0, 12.5], 12.5, "12.5"), ([12.0, 12.25], 12.25, "12.25"),
     ([32.7, 32.8], 32.8, "32.8"), ([10.0, 12.0], 12.0, "12"), ([33.0], 33.0, "33")],
)  # fmt: skip
def test_tick_labels_carry_the_decimals_of_the_step(ticks, value, text):
    assert _tick_label(value, ticks) == text


@given(
    n=st.integers(2, 30),
    on=st.floats(1.0, 20.0),
    off=st.floats(0.5, 20.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_dashes_lie_on_the_line_and_have_the_promised_length(n, on, off, seed):
    rng = np.random.default_rng(seed)
    pts = np.cumsum(rng.uniform(-30, 30, (n, 2)), axis=0)
    total = float(np.hypot(*np.diff(pts, axis=0).T).sum())
    dashes = _dash(pts, on, off)
    assert len(dashes) == int(np.ceil(total / (on + off) - 1e-12)) or total == 0
    lengths = [float(np.hypot(*np.diff(d, axis=0).T).sum()) for d in dashes]
    # every dash but the last is `on` long (the last may be cut by the line's end)
    assert np.allclose(lengths[:-1], on, atol=1e-6 * max(on, total))
    assert all(x <= on + 1e-6 * max(on, total) for x in lengths)
    assert sum(lengths) <= total + 1e-6 * total


def _canvas() -> MapCanvas:
    return MapCanvas(300, 200, 40, 30, 220, 140, (10.0, 12.0, 30.0, 31.0))


def test_positions_are_drawn_where_they_are():
    c = _canvas()
    col, row = c.px([10.0, 12.0, 11.0], [31.0, 30.0, 30.5])
    s = SUPERSAMPLE
    assert col.tolist() == pytest.approx([40 * s, 260 * s, 150 * s])
    assert row.tolist() == pytest.approx([30 * s, 170 * s, 100 * s])
    c.fill_map("#dfefff")
    c.star(11.0, 30.5, "#006d2c", 14, edge="#000000")
    img = np.asarray(c.image.reduce(s).convert("RGB"))
    assert img.shape == (200, 300, 3)
    assert tuple(img[100, 150]) == (0x00, 0x6D, 0x2C)  # the star's middle
    assert tuple(img[35, 45]) == (0xDF, 0xEF, 0xFF)  # water in the frame
    assert tuple(img[5, 5]) == (255, 255, 255)  # the margin


def test_raster_covers_its_extent_and_is_clipped_to_the_frame():
    c = _canvas()
    rgba = np.zeros((2, 2, 4), dtype=np.float32)
    rgba[1, 0] = (1.0, 0.0, 0.0, 1.0)  # north-west cell (11-12 E, 30-30.5 N): red
    rgba[0, 0] = (0.0, 0.0, 1.0, 1.0)  # south-west cell (29.5-30 N, off the map): blue
    c.raster(rgba, (11.0, 13.0, 29.5, 30.5))  # half of it outside the map (east, south)
    img = np.asarray(c.image.reduce(SUPERSAMPLE).convert("RGB"))
    assert tuple(img[160, 160]) == (255, 0, 0)  # (11.1 E, 30.07 N): the red cell
    assert tuple(img[185, 160]) == (255, 255, 255)  # south of the frame: not drawn
    assert not (img == (0, 0, 255)).all(axis=-1).any()  # the blue cell: nowhere


@pytest.mark.parametrize("corner", ["upper left", "upper right", "lower left", "lower right"])
def test_legend_sits_in_its_corner(corner):
    c = _canvas()
    c.fill_map("#dfefff")
    c.legend([LegendEntry("a line", "line", "#b30000", 2.0)], corner)
    img = np.asarray(c.image.reduce(SUPERSAMPLE).convert("RGB")).astype(int)
    red = (img[..., 0] > 150) & (img[..., 1] < 80) & (img[..., 2] < 80)
    rows, cols = np.nonzero(red)
    assert rows.size
    mid_row, mid_col = 30 + 70, 40 + 110
    assert (rows.mean() < mid_row) == ("upper" in corner)
    assert (cols.mean() < mid_col) == ("left" in corner)


def test_a_long_title_stays_inside_the_image():
    title = "LIFE-RAFT-NB-2: forward 48 h from 2026-11-20T04:00:00Z, n=1000000, seed=1"
    width = text_width_px(title, 10) + 2 * 22
    c = MapCanvas(width, 200, 72, 40, 60, 120, (10.0, 10.5, 30.0, 31.0))  # map off-centre
    c.axes_frame("longitude", "latitude", title)
    img = np.asarray(c.image.reduce(SUPERSAMPLE).convert("L"))
    title_rows = img[:40]
    dark_cols = np.nonzero((title_rows < 128).any(axis=0))[0]
    assert dark_cols.size and dark_cols.min() >= 2 and dark_cols.max() <= width - 3
    assert dark_cols.max() - dark_cols.min() >= 0.8 * text_width_px(title, 10)


@given(st.floats(1e-3, 1e5))
def test_nice_length_is_the_largest_1_2_5_step_not_above_the_target(target):
    got = nice_length(target)
    mantissa = got / 10 ** np.floor(np.log10(got) + 1e-12)
    assert min(abs(mantissa - m) for m in (1, 2, 5)) < 1e-9
    assert got <= target * (1 + 1e-12) and nice_length(target) * 2.5 > target


@pytest.mark.parametrize("corner", ["lower left", "lower right"])
def test_the_scale_bar_is_as_long_as_the_nautical_miles_it_says(corner):
    """The view 10-12 E at 30-31 N is 2 degrees of longitude wide: 120 cos(30.5°) = 103.4
    nm on 220 px; a fifth of it rounds down to 20 nm, 42.6 px."""
    c = _canvas()
    c.fill_map("#dfefff")
    length_nm = c.scale_bar(corner)
    assert length_nm == 20
    img = np.asarray(c.image.reduce(SUPERSAMPLE).convert("RGB")).astype(int)
    # the bar's black and white halves sit on one row near the map's bottom
    black = (img.max(axis=-1) < 40)[:, 40:260]  # within the frame's columns
    rows = np.nonzero(black.sum(axis=1) >= 15)[0]
    assert rows.size and rows.min() > 100  # in the lower half of the frame (rows 30-170)
    cols = np.nonzero(black[rows].any(axis=0))[0] + 40  # the black half and the outline
    span = cols.max() - cols.min() + 1
    want_px = 20 / (60 * np.cos(np.radians(30.5))) / 2.0 * 220
    assert abs(span - want_px) <= 2, (span, want_px)
    assert (cols.mean() < 150) == ("left" in corner)
