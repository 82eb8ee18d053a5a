"""A PNG map of a drift result that a person reads at a glance.

Coastline (full-resolution GSHHG land polygons), SAR region boundaries, the final
particle cloud (stranded particles marked), the 50/90/95 % containment contours
at the final time, the centroid track and the start; an equirectangular view with
the aspect set for the mid latitude, the image sized to the map (:func:`_layout`).

Drawn with Pillow (:mod:`drift_png_canvas`), in the sizes and colours of the
matplotlib figure it replaces: importing matplotlib alone took longer (0.35 s) than
writing all of a million-particle run's other files. The afloat cloud is a raster of
every particle, not a dot per particle: each cell of 2 x 2 px is shaded as
:data:`_DOTS_DRAWN` overlapping translucent dots would shade it
(``1 - (1 - alpha) ** dots``), so a million particles draw like the hundred thousand
dots of old, in milliseconds. The legend goes into the corner of the map with least
to hide (:func:`_emptiest_corner`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import shapely

from sarwatch.drift.result import DriftResult, iso_utc
from sarwatch.drift.state import ACTIVE, STRANDED
from sarwatch.geo.units import M_PER_NM

__all__ = ["write_png"]

#: The afloat cloud is shaded as if this many dots were drawn (fewer particles: one each).
_DOTS_DRAWN = 100_000
#: Opacity of one dot of the cloud; its colour.
_DOT_ALPHA = 0.35
_DOT_RGB = (0x40 / 255, 0x40 / 255, 0x40 / 255)
#: The sea's colour.
_WATER = "#dfefff"
#: Size of a cloud cell, pixels.
_CELL_PX = 2
#: The map fills at most this box, pixels (width, height); margins around it (left,
#: right, bottom, top) for the ticks, labels and title.
_MAP_MAX_PX = (880, 680)
_MARGIN_PX = (72, 22, 52, 52)
#: Size of the title, points.
_TITLE_PT = 10.0
#: Where the legend may go (matplotlib's names).
Corner = Literal["upper left", "upper right", "lower left", "lower right"]
_LEVEL_STYLE = {0.5: ("#b30000", 2.0), 0.9: ("#e34a33", 1.4), 0.95: ("#fc8d59", 1.0)}
#: The SAR region labels: colour and size, points.
_LABEL_RGB = "#3060a0"
_LABEL_PT = 9.0
#: Candidate spots for a region's label: a grid of this many columns and rows over the map.
_LABEL_GRID = 24


class _Frame(NamedTuple):
    """Where the map sits: image and map sizes, the map's top-left corner, pixels."""

    img_w: int
    img_h: int
    left: int
    top: int
    map_w: int
    map_h: int


def _layout(view: tuple[float, float, float, float], title_w: int = 0) -> _Frame:
    """Image and map size in pixels for ``view``, and a title ``title_w`` pixels wide.

    The map keeps the equirectangular aspect of the mid latitude and fills
    :data:`_MAP_MAX_PX` as far as that allows; the image is the map plus the margins,
    widened (the map centred) where the title would not fit.
    """
    x0, x1, y0, y1 = view
    w = x1 - x0
    h = (y1 - y0) / np.cos(np.radians(0.5 * (y0 + y1)))
    scale = min(_MAP_MAX_PX[0] / w, _MAP_MAX_PX[1] / h)
    map_w, map_h = max(1, round(w * scale)), max(1, round(h * scale))
    left, right, bottom, top = _MARGIN_PX
    extra = max(0, title_w + 2 * _MARGIN_PX[1] - (map_w + left + right))
    return _Frame(
        map_w + left + right + extra, map_h + bottom + top, left + extra // 2, top, map_w, map_h
    )


def _title(result: DriftResult) -> str:
    """The map's two-line title: the run, and the cloud at its end."""
    s, final = result.summary, result.summary.final
    shares = ", ".join(f"{r.region} {r.share:.0%}" for r in final.srr_share if r.share > 0)
    return (
        f"{s.object}: {s.time_direction} {s.hours:g} h from {iso_utc(s.start.time)}, "
        f"n={s.n:,}, seed={s.seed}\nend {iso_utc(final.time)}: "
        f"std {final.std_km * 1000 / M_PER_NM:.1f} nm, "
        f"stranded {final.stranded_share:.0%}; SRR {shares}"
    )


def _frame_for(result: DriftResult) -> tuple[tuple[float, float, float, float], _Frame, str]:
    """The view, the frame and the title of the map of ``result``."""
    from sarwatch.adapters.exports.drift_png_canvas import text_width_px

    view, title = _view(result), _title(result)
    return view, _layout(view, text_width_px(title, _TITLE_PT)), title


def _view(result: DriftResult) -> tuple[float, float, float, float]:
    """The map's extent ``(lon0, lon1, lat0, lat1)``, degrees: the final cloud, the start
    and the centroid track, with a margin of 15 % (at least 0.15°)."""
    s = result.summary
    lon, lat, st = result.final_lon, result.final_lat, result.final_status
    located = (st == ACTIVE) | (st == STRANDED)
    xs = np.concatenate([lon[located], [s.start.lon], [sn.centroid_lon for sn in result.snapshots]])
    ys = np.concatenate([lat[located], [s.start.lat], [sn.centroid_lat for sn in result.snapshots]])
    ok = np.isfinite(xs) & np.isfinite(ys)
    x0, x1 = float(xs[ok].min()), float(xs[ok].max())
    y0, y1 = float(ys[ok].min()), float(ys[ok].max())
    pad = max(0.15, 0.15 * max(x1 - x0, y1 - y0))
    return x0 - pad, x1 + pad, y0 - pad, y1 + pad


def write_png(result: DriftResult, path: Path, *, cache_dir: Path | None = None) -> Path:
    """Draw the map to ``path`` (PNG, at most 974 x 784 px unless the title needs a
    wider image: see :func:`_layout`)."""
    from sarwatch.adapters.exports.drift_png_canvas import LegendEntry, MapCanvas
    from sarwatch.geo.coast import Region, land_polygons_for
    from sarwatch.geo.srr import sar_regions

    s = result.summary
    lon, lat, st = result.final_lon, result.final_lat, result.final_status
    (x0, x1, y0, y1), frame, title = _frame_for(result)
    map_w = frame.map_w
    canvas = MapCanvas(*frame, (x0, x1, y0, y1))
    canvas.fill_map(_WATER)
    view = shapely.box(x0, y0, x1, y1)
    land = shapely.intersection(land_polygons_for(Region(x0, y0, x1, y1), cache_dir), view)
    for poly in shapely.get_parts(land):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        rings = [np.asarray(r.coords) for r in [poly.exterior, *poly.interiors]]
        canvas.polygon(rings, fill="#e8e0c8", edge="#555555", width_pt=0.5, hole_fill=_WATER)
    canvas.axes_grid(alpha=0.3)
    act = st == ACTIVE
    cloud, extent = _cloud_raster(lon[act], lat[act], (x0, x1, y0, y1), map_w)
    cx = [sn.centroid_lon for sn in result.snapshots]
    cy = [sn.centroid_lat for sn in result.snapshots]
    marks = (np.array([s.start.lon, *cx]), np.array([s.start.lat, *cy]))
    corner = _emptiest_corner(cloud, (x0, x1, y0, y1), land, marks)
    labels: list[tuple[float, float, str]] = []
    for region in sar_regions():
        clipped = shapely.intersection(region.polygon.boundary, view)
        for line in shapely.get_parts(clipped):
            if line.is_empty:
                continue
            x, y = line.xy
            canvas.line(x, y, "#3060a0", 1.0, dashes_pt=(3.7, 1.6))
        inner = shapely.intersection(region.polygon, view)
        if not inner.is_empty and inner.area > 0.02 * view.area:
            text = f"SRR {region.srr_id}"
            size = _label_size_deg(text, (x0, x1, y0, y1), frame)
            spot = _label_spot(
                shapely.difference(inner, land), cloud, (x0, x1, y0, y1), size, corner
            )
            labels.append((*spot, text))
    canvas.raster(cloud, extent)
    entries = [LegendEntry("particles (final)", "square", "#8c8c8c", 3.0)]
    strd = st == STRANDED
    if strd.any():
        canvas.dots(*_thinned_to_pixels(lon[strd], lat[strd], (x0, x1, y0, y1), map_w),
                    "#d4a000", 2.4)  # fmt: skip
        entries.append(LegendEntry("stranded", "dot", "#d4a000", 3.0))
    final = s.final
    for polygon in sorted(final.containment, key=lambda c: c.level):
        color, lw = _LEVEL_STYLE.get(polygon.level, ("#ff0000", 1.0))
        for part in shapely.get_parts(polygon.geometry):
            if part.is_empty:
                continue
            for ring in [part.exterior, *part.interiors]:
                x, y = ring.xy
                canvas.line(x, y, color, lw)
        entries.append(
            LegendEntry(
                f"{polygon.percent} % ({_nm2(polygon.area_km2):,.0f} nm²)", "line", color, lw
            )
        )
    canvas.line(cx, cy, "#006d2c", 1.5)
    canvas.dots(cx, cy, "#006d2c", 1.5)  # matplotlib's "." marker: half its size
    entries.append(LegendEntry("centroid track", "line+dot", "#006d2c", 1.5))
    start_time = iso_utc(s.start.time)
    canvas.star(s.start.lon, s.start.lat, "#006d2c", 14, edge="#000000")
    entries.append(LegendEntry(f"start {start_time}", "star", "#006d2c", 14))
    for lx, ly, text in labels:  # over the cloud and the contours, each in a clear spot
        canvas.text(lx, ly, text, _LABEL_RGB, _LABEL_PT, alpha=0.9, halo=True)
    canvas.axes_frame("longitude (°E)", "latitude (°N)", title, _TITLE_PT)
    canvas.legend(entries, corner)
    canvas.scale_bar(_bar_corner(cloud, corner))
    path.parent.mkdir(parents=True, exist_ok=True)
    return canvas.save(path)


def _thinned_to_pixels(
    lon: np.ndarray[Any, Any],
    lat: np.ndarray[Any, Any],
    view: tuple[float, float, float, float],
    map_w: int,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """One position per occupied cell of :data:`_CELL_PX` pixels (the first particle in
    it): a dot per cell looks the same as a dot per particle, at a bounded cost."""
    x0, x1, y0, _ = view
    cell = (x1 - x0) / max(1, map_w // _CELL_PX)
    ok = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = lon[ok], lat[ok]
    key = np.floor((lon - x0) / cell).astype(np.int64) * 1_000_003 + np.floor(
        (lat - y0) / cell
    ).astype(np.int64)
    _, first = np.unique(key, return_index=True)
    first.sort()
    return lon[first], lat[first]


def _cloud_raster(
    lon: np.ndarray[Any, Any],
    lat: np.ndarray[Any, Any],
    view: tuple[float, float, float, float],
    map_w: int,
) -> tuple[np.ndarray[Any, Any], tuple[float, float, float, float]]:
    """The afloat cloud as an RGBA raster over ``view`` (lon0, lon1, lat0, lat1), degrees,
    drawn ``map_w`` pixels wide.

    A cell's opacity is that of the dots that would fall in it, :data:`_DOTS_DRAWN` dots
    for the whole cloud, each of opacity :data:`_DOT_ALPHA`. Returns the ``(ny, nx, 4)``
    image (row 0 south) and its extent.
    """
    x0, x1, y0, y1 = view
    nx = max(1, map_w // _CELL_PX)
    cell = (x1 - x0) / nx
    ny = max(1, int(np.ceil((y1 - y0) / cell - 1e-6)))  # rounding: no extra row
    ok = np.isfinite(lon) & np.isfinite(lat)
    ix = np.floor((lon[ok] - x0) / cell).astype(np.intp)
    iy = np.floor((lat[ok] - y0) / cell).astype(np.intp)
    inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    counts = np.bincount(iy[inside] * nx + ix[inside], minlength=nx * ny).reshape(ny, nx)
    dots = counts * min(1.0, _DOTS_DRAWN / max(int(ok.sum()), 1))
    rgba = np.empty((ny, nx, 4), dtype=np.float32)
    rgba[..., :3] = _DOT_RGB
    rgba[..., 3] = 1.0 - (1.0 - _DOT_ALPHA) ** dots
    return rgba, (x0, x0 + nx * cell, y0, y0 + ny * cell)


def _emptiest_corner(
    cloud: np.ndarray[Any, Any],
    view: tuple[float, float, float, float],
    land: Any,
    points: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
) -> Corner:
    """The legend location (matplotlib's name) of the map corner with least to hide.

    A corner (40 % x 35 % of the map) scores the share of the cloud's shading in it
    (in whole percent: a few stray particles do not count), a quarter of its share of
    land, and one for any of ``points`` (start, centroid track) in it; the lowest score
    wins, the upper corners first on a tie.
    """
    x0, x1, y0, y1 = view
    ny, nx = cloud.shape[:2]
    alpha = cloud[..., 3]
    total = max(float(alpha.sum()), 1e-9)
    fw, fh = 0.4, 0.35
    h, w = max(1, int(fh * ny)), max(1, int(fw * nx))
    px, py = points
    # name: (cloud cells, (lon0, lon1, lat0, lat1))
    corners: dict[Corner, tuple[np.ndarray[Any, Any], tuple[float, float, float, float]]] = {
        "upper left": (alpha[ny - h :, :w], (x0, x0 + fw * (x1 - x0), y1 - fh * (y1 - y0), y1)),
        "upper right": (
            alpha[ny - h :, nx - w :],
            (x1 - fw * (x1 - x0), x1, y1 - fh * (y1 - y0), y1),
        ),
        "lower left": (alpha[:h, :w], (x0, x0 + fw * (x1 - x0), y0, y0 + fh * (y1 - y0))),
        "lower right": (alpha[:h, nx - w :], (x1 - fw * (x1 - x0), x1, y0, y0 + fh * (y1 - y0))),
    }

    def score(cells: np.ndarray[Any, Any], box: tuple[float, float, float, float]) -> float:
        bx0, bx1, by0, by1 = box
        land_share = shapely.intersection(land, shapely.box(bx0, by0, bx1, by1)).area / (
            (bx1 - bx0) * (by1 - by0)
        )
        hidden = ((px >= bx0) & (px <= bx1) & (py >= by0) & (py <= by1)).any()
        return round(float(cells.sum()) / total, 2) + 0.25 * land_share + float(hidden)

    return min(corners, key=lambda k: score(*corners[k]))


def _label_size_deg(
    text: str, view: tuple[float, float, float, float], frame: _Frame
) -> tuple[float, float]:
    """Width and height (degrees of lon, lat) a region label takes on the map."""
    from sarwatch.adapters.exports.drift_png_canvas import text_width_px

    x0, x1, y0, y1 = view
    width_px = text_width_px(text, _LABEL_PT) + 4  # and its halo
    height_px = _LABEL_PT * 100 / 72 + 4
    return width_px / frame.map_w * (x1 - x0), height_px / frame.map_h * (y1 - y0)


def _label_spot(
    area: Any,
    cloud: np.ndarray[Any, Any],
    view: tuple[float, float, float, float],
    size: tuple[float, float],
    corner: Corner,
) -> tuple[float, float]:
    """Where a region's label goes: the left end of its baseline, ``(lon, lat)``.

    Candidates are the points of a :data:`_LABEL_GRID` grid over the map whose label
    (``size``: width, height in degrees) lies in ``area`` (the region's sea on the map),
    inside the map and off the legend's ``corner``. The label goes where it hides the
    least of the cloud's shading (in whole percent of a cell: a few stray particles do not
    count), then nearest the area's representative point. With no candidate, that point.
    """
    x0, x1, y0, y1 = view
    w, h = size
    p = area.representative_point() if not area.is_empty else shapely.Point(x0, y0)
    gx = x0 + (np.arange(_LABEL_GRID) + 0.5) / _LABEL_GRID * (x1 - x0)
    gy = y0 + (np.arange(_LABEL_GRID) + 0.5) / _LABEL_GRID * (y1 - y0)
    px, py = (a.ravel() for a in np.meshgrid(gx, gy))
    ok = (px + w <= x1) & (py + h <= y1)
    # the legend's corner, as _emptiest_corner scores it (40 % x 35 % of the map)
    lx = px + w > x1 - 0.4 * (x1 - x0) if "right" in corner else px < x0 + 0.4 * (x1 - x0)
    ly = py + h > y1 - 0.35 * (y1 - y0) if "upper" in corner else py < y0 + 0.35 * (y1 - y0)
    ok &= ~(lx & ly)
    for cx, cy in ((px, py), (px + w, py), (px, py + h), (px + w, py + h)):
        ok &= shapely.contains_xy(area, cx, cy)
    if not ok.any():
        return float(p.x), float(p.y)
    px, py = px[ok], py[ok]
    alpha = cloud[..., 3]
    ny, nx = alpha.shape
    c0 = np.clip(((px - x0) / (x1 - x0) * nx).astype(int), 0, nx - 1)
    c1 = np.clip(((px + w - x0) / (x1 - x0) * nx).astype(int) + 1, 1, nx)
    r0 = np.clip(((py - y0) / (y1 - y0) * ny).astype(int), 0, ny - 1)
    r1 = np.clip(((py + h - y0) / (y1 - y0) * ny).astype(int) + 1, 1, ny)
    hidden = np.array([alpha[a:b, c:d].mean() for a, b, c, d in zip(r0, r1, c0, c1, strict=True)])
    far = np.hypot(px - p.x, py - p.y)
    best = np.lexsort((far, np.round(hidden, 2)))[0]
    return float(px[best]), float(py[best])


def _bar_corner(cloud: np.ndarray[Any, Any], legend: Corner) -> Corner:
    """The lower corner for the scale bar: the one the legend leaves, or with the legend
    in the upper half, the one over less of the cloud (the lower left on a tie)."""
    if legend.startswith("lower"):
        return "lower right" if legend == "lower left" else "lower left"
    alpha = cloud[..., 3]
    ny, nx = alpha.shape
    h, w = max(1, ny // 8), max(1, nx // 4)
    left, right = float(alpha[:h, :w].sum()), float(alpha[:h, nx - w :].sum())
    return "lower right" if right < left else "lower left"


def _nm2(area_km2: float) -> float:
    """An area in square nautical miles (the chart's unit) from km²."""
    return area_km2 * 1e6 / M_PER_NM**2
