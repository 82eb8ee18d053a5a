"""A PNG map of a drift result that a person reads at a glance.

Coastline (full-resolution GSHHG land polygons), SAR region boundaries, the final
particle cloud (stranded particles marked), the 50/90/95 % containment contours
at the final time, the centroid track and the start. Drawn with matplotlib's
Agg backend (no display needed); an equirectangular view with the aspect set
for the mid latitude, on a 1000 x 800 px image.

The afloat cloud is a raster of every particle, not a dot per particle: each cell
of about 2 x 2 px is shaded as :data:`_DOTS_DRAWN` overlapping translucent dots
would shade it (``1 - (1 - alpha) ** dots``), so a million particles draw like the
hundred thousand dots of old, in milliseconds. The legend goes into the corner of
the map with the fewest particles (matplotlib's "best" placement tests every
vertex, a third of a second).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
import shapely

from sarwatch.drift.result import DriftResult, iso_utc
from sarwatch.drift.state import ACTIVE, STRANDED

__all__ = ["write_png"]

#: The afloat cloud is shaded as if this many dots were drawn (fewer particles: one each).
_DOTS_DRAWN = 100_000
#: Opacity of one dot of the cloud; its colour.
_DOT_ALPHA = 0.35
_DOT_RGB = (0x40 / 255, 0x40 / 255, 0x40 / 255)
#: Size of a cloud cell, pixels.
_CELL_PX = 2
#: The map fills at most this box, pixels (width, height), at this many pixels per inch;
#: margins around it (left, right, bottom, top) for the ticks, labels and title.
_MAP_MAX_PX = (880, 680)
_DPI = 100
_MARGIN_PX = (72, 22, 52, 52)


def _layout(view: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """Image and map size in pixels ``(image_w, image_h, map_w, map_h)`` for ``view``.

    The map keeps the equirectangular aspect of the mid latitude and fills
    :data:`_MAP_MAX_PX` as far as that allows; the image is the map plus the margins.
    """
    x0, x1, y0, y1 = view
    w = x1 - x0
    h = (y1 - y0) / np.cos(np.radians(0.5 * (y0 + y1)))
    scale = min(_MAP_MAX_PX[0] / w, _MAP_MAX_PX[1] / h)
    map_w, map_h = max(1, round(w * scale)), max(1, round(h * scale))
    left, right, bottom, top = _MARGIN_PX
    return map_w + left + right, map_h + bottom + top, map_w, map_h


#: Where the legend may go (matplotlib's names).
Corner = Literal["upper left", "upper right", "lower left", "lower right"]
_LEVEL_STYLE = {0.5: ("#b30000", 2.0), 0.9: ("#e34a33", 1.4), 0.95: ("#fc8d59", 1.0)}


def _plot_polys(ax: Any, geom: Any, **kw: Any) -> None:
    for poly in shapely.get_parts(geom):
        if poly.is_empty:
            continue
        for ring in [poly.exterior, *poly.interiors]:
            x, y = ring.xy
            ax.plot(x, y, **kw)


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
    """Draw the map to ``path`` (PNG, at most 974 x 784 px: see :func:`_layout`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PathCollection
    from matplotlib.figure import Figure
    from matplotlib.path import Path as MplPath

    from sarwatch.geo.coast import Region, land_polygons_for
    from sarwatch.geo.srr import sar_regions

    s = result.summary
    lon, lat, st = result.final_lon, result.final_lat, result.final_status
    x0, x1, y0, y1 = _view(result)
    img_w, img_h, map_w, map_h = _layout((x0, x1, y0, y1))
    fig = Figure(figsize=(img_w / _DPI, img_h / _DPI), dpi=_DPI)
    left, _, bottom, _ = _MARGIN_PX
    ax = fig.add_axes((left / img_w, bottom / img_h, map_w / img_w, map_h / img_h))
    ax.set_facecolor("#dfefff")
    view = shapely.box(x0, y0, x1, y1)
    land = shapely.intersection(land_polygons_for(Region(x0, y0, x1, y1), cache_dir), view)
    land_paths = []
    for poly in shapely.get_parts(land):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        verts, codes = [], []
        for ring in [poly.exterior, *poly.interiors]:
            c = np.asarray(ring.coords)
            verts.append(c)
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(c) - 2) + [MplPath.CLOSEPOLY])
        land_paths.append(MplPath(np.concatenate(verts), codes))
    # one collection, not a patch per polygon: add_patch walks every Bezier segment
    # of the coastline to update the data limits, which are set by hand below
    ax.add_collection(
        PathCollection(land_paths, facecolors="#e8e0c8", edgecolors="#555555", linewidths=0.5),
        autolim=False,
    )
    for region in sar_regions():
        clipped = shapely.intersection(region.polygon.boundary, view)
        for line in shapely.get_parts(clipped):
            if line.is_empty:
                continue
            x, y = line.xy
            ax.plot(x, y, color="#3060a0", lw=1.0, ls="--")
        inner = shapely.intersection(region.polygon, view)
        if not inner.is_empty and inner.area > 0.02 * view.area:
            p = inner.representative_point()
            ax.text(p.x, p.y, f"SRR {region.srr_id}", color="#3060a0", fontsize=9, alpha=0.8)
    act = st == ACTIVE
    cloud, extent = _cloud_raster(lon[act], lat[act], (x0, x1, y0, y1), map_w)
    ax.imshow(
        cloud, extent=extent, origin="lower", interpolation="nearest", aspect="auto", zorder=2
    )
    ax.scatter([], [], s=6, marker="s", c=[(*_DOT_RGB, 0.6)], lw=0, label="particles (final)")
    strd = st == STRANDED
    if strd.any():
        ax.scatter(lon[strd], lat[strd], s=6, c="#d4a000", lw=0, label="stranded")
    final = s.final
    for polygon in sorted(final.containment, key=lambda c: c.level):
        color, lw = _LEVEL_STYLE.get(polygon.level, ("red", 1.0))
        _plot_polys(ax, polygon.geometry, color=color, lw=lw)
        ax.plot(
            [], [], color=color, lw=lw, label=f"{polygon.percent} % ({polygon.area_km2:.0f} km²)"
        )
    cx = [sn.centroid_lon for sn in result.snapshots]
    cy = [sn.centroid_lat for sn in result.snapshots]
    ax.plot(cx, cy, color="#006d2c", lw=1.5, marker=".", ms=3, label="centroid track")
    start_time = iso_utc(s.start.time)
    ax.plot(
        s.start.lon,
        s.start.lat,
        marker="*",
        ms=14,
        color="#006d2c",
        mec="k",
        ls="none",
        label=f"start {start_time}",
    )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1.0 / np.cos(np.radians(0.5 * (y0 + y1))))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    shares = ", ".join(f"{r.region} {r.share:.0%}" for r in final.srr_share if r.share > 0)
    ax.set_title(
        f"{s.object}: {s.time_direction} {s.hours:g} h from {start_time}, n={s.n}, "
        f"seed={s.seed}\nend {iso_utc(final.time)}: std {final.std_km:.3f} km, stranded "
        f"{final.stranded_share:.0%}; SRR {shares}",
        fontsize=10,
    )
    marks = (np.array([s.start.lon, *cx]), np.array([s.start.lat, *cy]))
    corner = _emptiest_corner(cloud, (x0, x1, y0, y1), land, marks)
    ax.legend(loc=corner, fontsize=8, framealpha=0.85)
    ax.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig).print_png(path, pil_kwargs={"compress_level": 3})
    return path


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
