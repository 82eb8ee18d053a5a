"""The atlas maps: the lead times drawn, each cell's probability where it lies on the map
in the colour of the scale, and clear refusals for what cannot be drawn."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from _cli import run_cli
from sarwatch.adapters.exports import atlas_png
from sarwatch.errors import InputError
from sarwatch.services.atlas_files import open_atlas, write_atlas_map

WATER = (0xEE, 0xF5, 0xFB)
HIGH = (0x80, 0x00, 0x26)  # the top of the scale
LOW = (0xFF, 0xFF, 0xCC)  # four decades below it


def _atlas(cells: dict[tuple[float, float], float], leads=(6.0, 12.0)) -> xr.Dataset:
    """A small atlas: probability ``p`` in the cell holding ``(lon, lat)`` at the last lead."""
    lon = np.round(np.arange(11.05, 14.0, 0.1), 2)
    lat = np.round(np.arange(33.05, 35.0, 0.1), 2)
    prob = np.zeros((len(leads), lat.size, lon.size), np.float32)
    for (x, y), p in cells.items():
        prob[-1, np.argmin(np.abs(lat - y)), np.argmin(np.abs(lon - x))] = p
    prov = {
        "object_class": "PIW-1", "particles_per_scenario": 100, "hours": leads[-1],
        "every_h": 6.0, "start_first": "2024-01-01T00:00:00+00:00",
        "start_last": "2024-01-01T06:00:00+00:00",
        "departures": [{"name": "off-zuwara", "lon": 12.15, "lat": 33.1}],
    }  # fmt: skip
    return xr.Dataset(
        {"presence_probability": (("lead_time", "lat", "lon"), prob)},
        coords={"lead_time": list(leads), "lat": lat, "lon": lon},
        attrs={"scenarios": 2, "cell_deg": 0.1, "provenance": json.dumps(prov)},
    )


def _pixel(ds: xr.Dataset, lon: float, lat: float, width: int) -> tuple[int, int]:
    """Where ``(lon, lat)`` lands in a one-map image ``width`` pixels wide."""
    prob = ds["presence_probability"].values[-1:]
    prov = json.loads(ds.attrs["provenance"])
    view = atlas_png._view(prob, ds["lon"].values, ds["lat"].values, prov["departures"])
    map_w, map_h = atlas_png._map_size(view)
    left, right, _, top = atlas_png._MARGIN_PX
    x0 = (width - (map_w + left + right)) // 2 + left
    y0 = atlas_png._TITLE_PX + top
    vx0, vx1, vy0, vy1 = view
    return (round(x0 + (lon - vx0) / (vx1 - vx0) * map_w),
            round(y0 + (vy1 - lat) / (vy1 - vy0) * map_h))  # fmt: skip


def _blend(rgb, alpha=0.9):
    return np.array([alpha * c + (1 - alpha) * w for c, w in zip(rgb, WATER, strict=True)])


def test_each_cell_is_drawn_where_it_lies_in_its_colour_of_the_scale(tmp_path: Path):
    ds = _atlas({(12.55, 33.95): 0.2, (13.25, 34.45): 0.2e-4})
    path = write_atlas_map(ds, tmp_path / "a.png", leads=[12.0])
    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB")).astype(float)
        width = im.size[0]
    for (x, y), want in (((12.55, 33.95), HIGH), ((13.25, 34.45), LOW)):
        col, row = _pixel(ds, x, y, width)
        assert np.abs(rgb[row, col] - _blend(want)).max() <= 6, (x, y, rgb[row, col])
    # open sea without particles keeps the sea's colour
    col, row = _pixel(ds, 12.9, 34.2, width)
    assert np.abs(rgb[row, col] - WATER).max() <= 2, rgb[row, col]


def test_an_atlas_written_and_read_back_draws_the_same_image(tmp_path: Path):
    ds = _atlas({(12.55, 33.95): 0.1, (12.65, 33.95): 0.01})
    ds.to_netcdf(tmp_path / "a.nc", engine="netcdf4")
    first = write_atlas_map(ds, tmp_path / "direct.png")
    second = write_atlas_map(open_atlas(tmp_path / "a.nc"), tmp_path / "read.png")
    assert first.read_bytes() == second.read_bytes()


def test_the_default_leads_are_spread_over_the_run_and_end_with_it():
    leads = np.arange(6.0, 49.0, 6.0)  # 6 ... 48 h
    assert atlas_png.pick_leads(leads) == [12.0, 24.0, 36.0, 48.0]
    assert atlas_png.pick_leads(np.array([0.0, 6.0, 12.0])) == [6.0, 12.0]


@given(st.integers(1, 60))
def test_at_most_four_leads_are_drawn_in_order_the_last_one_included(n):
    leads = np.arange(1, n + 1) * 6.0
    picked = atlas_png.pick_leads(leads)
    assert 1 <= len(picked) <= 4 and picked[-1] == leads[-1]
    assert picked == sorted(set(picked)) and set(picked) <= set(leads.tolist())


def test_a_lead_the_atlas_lacks_is_refused_with_those_it_holds():
    with pytest.raises(InputError, match=r"no lead time 7 h; it holds 6, 12 h"):
        atlas_png.pick_leads(np.array([6.0, 12.0]), [7.0])


def test_what_cannot_be_drawn_is_refused_clearly(tmp_path: Path):
    with pytest.raises(InputError, match="holds no particle"):
        write_atlas_map(_atlas({}), tmp_path / "a.png")
    with pytest.raises(InputError, match=r"give a path ending in \.png"):
        write_atlas_map(_atlas({(12.55, 33.95): 1.0}), tmp_path / "a.nc")
    with pytest.raises(InputError, match="not a sarwatch drift atlas"):
        write_atlas_map(xr.Dataset({"u10": ("x", [1.0])}), tmp_path / "a.png")
    with pytest.raises(InputError, match="no such atlas file"):
        open_atlas(tmp_path / "missing.nc")
    (tmp_path / "junk.nc").write_text("not netcdf")
    with pytest.raises(InputError, match="not a readable NetCDF or Zarr atlas"):
        open_atlas(tmp_path / "junk.nc")


def test_the_command_draws_an_atlas_file_and_refuses_too_many_leads(tmp_path: Path, capsys):
    _atlas({(12.55, 33.95): 0.5}).to_netcdf(tmp_path / "a.nc", engine="netcdf4")
    code, out, err = run_cli(capsys, "atlas-map", str(tmp_path / "a.nc"))
    assert code == 0, err
    assert f"maps -> {tmp_path / 'a.png'}" in out
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
    many = ["--lead", "6", "--lead", "12", "--lead", "6", "--lead", "12", "--lead", "6"]
    code, out, err = run_cli(capsys, "atlas-map", str(tmp_path / "a.nc"), *many)
    assert code == 2 and "--lead given 5 times: at most 4 maps" in err
    code, out, err = run_cli(capsys, "atlas-map", str(tmp_path / "a.nc"), "--lead", "7")
    assert code == 2 and "no lead time 7 h; it holds 6, 12 h" in err


def test_each_map_title_says_what_was_ashore_by_then_of_all_particles():
    ds = _atlas({(12.55, 33.95): 0.5})
    # two departures of 100 particles; by the last lead 30 Libyan + 1 Italian landfalls
    counts = np.zeros((2, 2, 2), np.int64)
    counts[1, 0] = (1, 20)
    counts[1, 1] = (0, 10)
    ds["ashore_count"] = (("lead_time", "departure", "coast_state"), counts)
    ds["departure_particles"] = (("departure",), np.array([100, 100]))
    ds = ds.assign_coords(coast_state=["IT", "LY"], departure=["a", "b"])
    assert atlas_png._ashore_note(ds, 1) == ": ashore LY 15%, IT 0.5%"
    assert atlas_png._ashore_note(ds, 0) == ""
    assert atlas_png._ashore_note(_atlas({(12.55, 33.95): 0.5}), 1) == ""  # an older file


def test_one_departures_boats_are_drawn_alone_and_an_unknown_one_is_refused(tmp_path: Path):
    ds = _atlas({(12.55, 33.95): 0.5})
    # two departures: "a" reached one cell, "b" another, far apart
    by_dep = np.zeros((2, 2, ds.sizes["lat"], ds.sizes["lon"]), np.float32)
    lat, lon = ds["lat"].values, ds["lon"].values
    by_dep[1, 0, np.argmin(np.abs(lat - 33.95)), np.argmin(np.abs(lon - 12.55))] = 1.0
    by_dep[1, 1, np.argmin(np.abs(lat - 34.65)), np.argmin(np.abs(lon - 13.45))] = 1.0
    ds["departure_presence_probability"] = (("lead_time", "departure", "lat", "lon"), by_dep)
    ds["departure_particles"] = (("departure",), np.array([10, 10]))
    ds = ds.assign_coords(departure=["a", "b"])
    path = write_atlas_map(ds, tmp_path / "b.png", leads=[12.0], departure="b")
    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB")).astype(float)
        width = im.size[0]
    probs = ds["departure_presence_probability"].values[-1:, 1]
    view = atlas_png._view(probs, lon, lat, [json.loads(ds.attrs["provenance"])["departures"][0]])
    map_w, map_h = atlas_png._map_size(view)
    left, right, _, top = atlas_png._MARGIN_PX
    x0 = (width - (map_w + left + right)) // 2 + left
    vx0, vx1, vy0, vy1 = view
    col = round(x0 + (13.45 - vx0) / (vx1 - vx0) * map_w)
    row = round(atlas_png._TITLE_PX + top + (vy1 - 34.65) / (vy1 - vy0) * map_h)
    assert np.abs(rgb[row, col] - _blend(HIGH)).max() <= 6, rgb[row, col]  # b's cell
    with pytest.raises(InputError, match="no departure 'c'; it holds a, b"):
        write_atlas_map(ds, tmp_path / "c.png", departure="c")


def _older(departures=("off-zuwara",)) -> xr.Dataset:
    """An atlas as the first landfall version wrote it: ``ashore_count (lead_time,
    coast_state)`` of all particles, no ``departure`` coordinate nor per-departure counts."""
    ds = _atlas({(12.55, 33.95): 0.5})
    prov = json.loads(ds.attrs["provenance"])
    prov["departures"] = [{"name": n, "lon": 12.15 + k, "lat": 33.1} for k, n in
                          enumerate(departures)]  # fmt: skip
    ds.attrs.update(provenance=json.dumps(prov), particles=200)
    ds["ashore_count"] = (("lead_time", "coast_state"), np.array([[0, 0], [2, 30]]))
    return ds.assign_coords(coast_state=["IT", "LY"])


def test_an_older_atlas_without_landfall_per_departure_still_draws(tmp_path: Path):
    ds = _older()
    ds.to_netcdf(tmp_path / "old.nc", engine="netcdf4")
    old = open_atlas(tmp_path / "old.nc")
    assert atlas_png._ashore_note(old, 1) == ": ashore LY 15%, IT 1%"
    assert atlas_png._ashore_note(old, 1, departure=0) == ": ashore LY 15%, IT 1%"
    assert write_atlas_map(old, tmp_path / "all.png").exists()
    # its only departure's boats are all the boats
    assert write_atlas_map(old, tmp_path / "one.png", departure="off-zuwara").exists()


def test_one_departure_of_an_older_atlas_without_its_grid_is_refused(tmp_path: Path):
    """Drawing the whole under one departure's name would mislabel the map."""
    for ds in (
        _older(("off-zuwara", "off-sfax")),
        _older(("a", "b"))
        .assign(departure_particles=("departure", [100, 100]))
        .assign_coords(departure=["a", "b"]),
    ):
        name = str(_older_names(ds)[1])
        with pytest.raises(InputError, match="holds 2 departures but not each one's grid"):
            write_atlas_map(ds, tmp_path / "x.png", departure=name)
        assert write_atlas_map(ds, tmp_path / "all.png").exists()  # the whole still draws


def _older_names(ds: xr.Dataset) -> list[str]:
    return [d["name"] for d in json.loads(ds.attrs["provenance"])["departures"]]


def test_a_zarr_atlas_without_zarr_installed_is_a_clear_error(tmp_path: Path, monkeypatch):
    import sys

    (tmp_path / "a.zarr").mkdir()
    monkeypatch.setitem(sys.modules, "zarr", None)  # import zarr raises ImportError
    with pytest.raises(InputError, match=r"needs the zarr package \(pip install zarr\)"):
        open_atlas(tmp_path / "a.zarr")


def _label_box(place, w, h):
    (x, y), anchor = place
    dx = {"l": 0.0, "m": -w / 2, "r": -w}[anchor[0]]
    dy = {"m": -h / 2, "b": -h, "t": 0.0}[anchor[1]]
    return (x + dx, y + dy, x + dx + w, y + dy + h)


@given(
    points=st.lists(st.tuples(st.floats(0, 300), st.floats(0, 200)), min_size=1, max_size=14),
    width=st.integers(10, 60),
)
def test_departure_names_stay_inside_the_map_and_cover_no_name_nor_star(points, width):
    """Many departures (PORTS has a dozen, four within 0.6° of Zuwara) used to write
    their names over each other, and past the map's edge."""
    h = 11
    places = atlas_png.label_places(points, [width] * len(points), h, (300, 200))
    s = atlas_png._STAR_PX
    stars = [(x - s, y - s, x + s, y + s) for x, y in points]
    boxes = [_label_box(p, width, h) for p in places if p is not None]
    for k, b in enumerate(boxes):
        assert b[0] >= 0 and b[1] >= 0 and b[2] <= 300 and b[3] <= 200, b
        assert not any(atlas_png._overlap(b, o) for o in boxes[k + 1 :] + stars)
    # a departure alone always has its name
    if len(points) == 1 and 20 <= points[0][0] <= 280 and 20 <= points[0][1] <= 180:
        assert places[0] is not None


def test_a_cluster_of_departures_names_those_with_room_and_lists_the_others():
    """Stars 4 px apart: each name is beside its own star or listed under the maps."""
    pts = [(100.0 + 4 * k, 100.0) for k in range(5)]
    places = atlas_png.label_places(pts, [35] * 5, 11, (300, 200))
    named = [p for p in places if p is not None]
    assert 2 <= len(named) < 5
    # a star at the right edge has its name on its left
    ((_, anchor),) = atlas_png.label_places([(295.0, 100.0)], [35], 11, (300, 200))
    assert anchor == "rm"


def test_one_departures_map_does_not_overwrite_the_map_of_the_whole(tmp_path: Path, capsys):
    """`sarwatch atlas` draws atlas.png; `atlas-map atlas.nc --departure NAME` used to draw
    over it."""
    ds = _atlas({(12.55, 33.95): 0.5})
    ds.to_netcdf(tmp_path / "atlas.nc", engine="netcdf4")
    code, out, err = run_cli(capsys, "atlas-map", str(tmp_path / "atlas.nc"))
    assert code == 0, err
    whole = (tmp_path / "atlas.png").read_bytes()
    code, out, err = run_cli(
        capsys, "atlas-map", str(tmp_path / "atlas.nc"), "--departure", "off-zuwara"
    )
    assert code == 0, err
    assert f"maps -> {tmp_path / 'atlas-off-zuwara.png'}" in out
    assert (tmp_path / "atlas.png").read_bytes() == whole


def test_the_last_tick_label_of_a_map_is_not_cut_at_its_edge():
    """The longitude under a map's right edge (13.0 on a 11.4-13.0 view) was cut in half."""
    import shapely

    lon = np.round(np.arange(11.45, 13.0, 0.1), 2)
    lat = np.round(np.arange(32.55, 33.9, 0.1), 2)
    prob = np.zeros((lat.size, lon.size))
    prob[5, 5] = 0.5
    deps = [{"name": "LYZUA", "lon": 12.1, "lat": 32.93}]
    image, unnamed = atlas_png._panel(
        prob, (lon, lat), (11.4, 13.0, 32.5, 33.9), 0.5, shapely.Polygon(), deps, "+6 h"
    )
    rgb = np.asarray(image.convert("RGB")).astype(int)
    assert unnamed == []
    # the outermost columns of the panel hold no ink (text would be cut there)
    assert (rgb[:, -2:] >= 250).all() and (rgb[:, :2] >= 250).all()
