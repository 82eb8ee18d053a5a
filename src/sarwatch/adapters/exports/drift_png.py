"""A PNG map of a drift result that a person reads at a glance.

Coastline (full-resolution GSHHG land polygons), SAR region boundaries, the final
particle cloud (stranded particles marked), the 50/90/95 % containment contours
at the final time, the centroid track and the start. Drawn with matplotlib's
Agg backend (no display needed); an equirectangular view with the aspect set
for the mid latitude.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import shapely

from sarwatch.drift.result import DriftResult, iso_utc
from sarwatch.drift.state import ACTIVE, STRANDED

__all__ = ["write_png"]

#: Most particle dots drawn (the final cloud is thinned evenly above this).
_MAX_DOTS = 100_000
_LEVEL_STYLE = {0.5: ("#b30000", 2.0), 0.9: ("#e34a33", 1.4), 0.95: ("#fc8d59", 1.0)}


def _plot_polys(ax: Any, geom: Any, **kw: Any) -> None:
    for poly in shapely.get_parts(geom):
        if poly.is_empty:
            continue
        for ring in [poly.exterior, *poly.interiors]:
            x, y = ring.xy
            ax.plot(x, y, **kw)


def write_png(result: DriftResult, path: Path, *, cache_dir: Path | None = None) -> Path:
    """Draw the map to ``path`` (PNG, ~1000x800 px)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    from sarwatch.geo.coast import Region, land_polygons_for
    from sarwatch.geo.srr import sar_regions

    s = result.summary
    lon, lat, st = result.final_lon, result.final_lat, result.final_status
    located = (st == ACTIVE) | (st == STRANDED)
    xs = np.concatenate([lon[located], [s.start.lon], [sn.centroid_lon for sn in result.snapshots]])
    ys = np.concatenate([lat[located], [s.start.lat], [sn.centroid_lat for sn in result.snapshots]])
    ok = np.isfinite(xs) & np.isfinite(ys)
    x0, x1 = float(xs[ok].min()), float(xs[ok].max())
    y0, y1 = float(ys[ok].min()), float(ys[ok].max())
    pad = max(0.15, 0.15 * max(x1 - x0, y1 - y0))
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    fig = Figure(figsize=(10, 8), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_facecolor("#dfefff")
    view = shapely.box(x0, y0, x1, y1)
    land = shapely.intersection(land_polygons_for(Region(x0, y0, x1, y1), cache_dir), view)
    for poly in shapely.get_parts(land):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        verts, codes = [], []
        for ring in [poly.exterior, *poly.interiors]:
            c = np.asarray(ring.coords)
            verts.append(c)
            codes.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(c) - 2) + [MplPath.CLOSEPOLY])
        ax.add_patch(
            PathPatch(MplPath(np.concatenate(verts), codes), fc="#e8e0c8", ec="#555555", lw=0.5)
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
    act = np.flatnonzero(st == ACTIVE)
    label = "particles (final)"
    if act.size > _MAX_DOTS:
        # every k-th particle (all scenarios, in proportion): a million dots draw no
        # differently at this size but cost seconds, and matplotlib's "best" legend
        # placement tests every dot
        every = -(-act.size // _MAX_DOTS)
        act = act[::every]
        label = f"particles (final, 1 in {every})"
    ax.scatter(lon[act], lat[act], s=1.5, c="#404040", alpha=0.35, lw=0, label=label)
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
    ax.legend(loc="best", fontsize=8, framealpha=0.85)
    ax.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    return path
