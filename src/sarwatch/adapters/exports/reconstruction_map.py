"""The map of a case reconstruction (matplotlib, SVG or PNG, no display).

Input is the reconstruction's JSON (``Reconstruction.to_json()``): the reported
positions with their uncertainty, the drift cloud's centroid over time with its
1-sigma spread, the vessels of the responders snapshots at their reported positions,
the SAR-region boundaries (IMO GISIS, packaged) and the coastline (GSHHG full
resolution, from the station's cache). Deterministic: the same input gives the same
bytes (no dates in the files, a fixed SVG id salt).
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any, Literal

__all__ = ["render_map"]

_SRR_COLOURS = {"IT": "#1f5fa8", "MT": "#8a2be2", "LY": "#b8860b", "TN": "#2e8b57", "GR": "#555555"}


def render_map(
    rec: dict[str, Any],
    *,
    fmt: Literal["svg", "png"] = "svg",
    dpi: int = 120,
    cache_dir: Path | None = None,
) -> bytes:
    """Draw the reconstruction's map.

    Parameters
    ----------
    rec
        ``Reconstruction.to_json()``.
    fmt
        ``"svg"`` (text as text, for the HTML page) or ``"png"`` (for the PDF).
    dpi
        PNG resolution.
    cache_dir
        The coastline cache (``Settings.cache_dir``); ``None``: the default one.

    Returns
    -------
    bytes
        The image.
    """
    import matplotlib
    import shapely
    from matplotlib.figure import Figure
    from matplotlib.patches import Ellipse

    from sarwatch.adapters.exports.map_layers import (
        PositionMark,
        draw_land,
        draw_positions,
        finish_axes,
        map_extent,
    )
    from sarwatch.geo.srr import sar_regions

    positions = sorted(rec["positions"], key=lambda p: p["time"])
    drift = [f for f in rec["drift"] if f["centroid_lon"] is not None]
    vessels = [v for v in rec["vessels"] if v["lon"] is not None and v["lat"] is not None]
    pts = [(float(p["lon"]), float(p["lat"])) for p in positions]
    pts += [(f["centroid_lon"], f["centroid_lat"]) for f in drift]
    pts += [(float(v["lon"]), float(v["lat"])) for v in vessels]
    extent = map_extent(pts, min_span_deg=1.2, margin_deg=0.4, lon_stretch=1.25)
    x0, x1, y0, y1 = extent
    rc: Any = {
        "text.parse_math": False,
        "svg.fonttype": "none",
        "svg.hashsalt": "sarwatch",
        "font.size": 8,
    }
    buf = io.BytesIO()
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(7.5, 6.2))
        ax = fig.add_subplot(1, 1, 1)
        draw_land(ax, extent, cache_dir)
        box = shapely.box(x0, y0, x1, y1)
        for region in sar_regions():
            colour = _SRR_COLOURS.get(region.srr_id)
            if colour is None:
                continue
            edge = shapely.intersection(region.polygon.boundary, box)
            for line in getattr(edge, "geoms", [edge]):
                if line.is_empty or line.geom_type != "LineString":
                    continue
                bx, by = zip(*line.coords, strict=True)
                ax.plot(bx, by, ls="--", lw=0.9, color=colour)
            inside = shapely.intersection(region.polygon, box)
            if not inside.is_empty:
                c = inside.representative_point()
                ax.text(
                    c.x,
                    c.y,
                    f"SRR {region.srr_id}",
                    color=colour,
                    fontsize=8,
                    alpha=0.8,
                    ha="center",
                )
        if drift:
            xs = [f["centroid_lon"] for f in drift]
            ys = [f["centroid_lat"] for f in drift]
            ax.plot(xs, ys, "-", color="#c2185b", lw=1.2, label="drift cloud centroid")
            for f in drift:
                if f["std_km"]:
                    r_lat = f["std_km"] / 111.32
                    r_lon = r_lat / max(0.2, math.cos(math.radians(f["centroid_lat"])))
                    ax.add_patch(
                        Ellipse(
                            (f["centroid_lon"], f["centroid_lat"]),
                            2 * r_lon,
                            2 * r_lat,
                            fill=False,
                            color="#c2185b",
                            lw=0.5,
                            alpha=0.6,
                        )
                    )
            last = drift[-1]
            ax.annotate(
                f"{last['hours']:+g} h",
                (last["centroid_lon"], last["centroid_lat"]),
                xytext=(4, -10),
                textcoords="offset points",
                color="#c2185b",
            )
        marks = [
            PositionMark(
                float(p["lon"]),
                float(p["lat"]),
                float(p.get("uncertainty_nm") or 0),
                f"P{i} {p['time'][5:16].replace('T', ' ')}",
            )
            for i, p in enumerate(positions, 1)
        ]
        draw_positions(ax, marks, fontsize=None)
        for v in vessels:
            colour = "#0b5cad" if v["before_outcome"].startswith("yes") else "#555555"
            ax.plot(float(v["lon"]), float(v["lat"]), "^", color=colour, ms=6)
            label = v["name"] + (
                f" P50 {v['eta_p50_h']:.1f} h" if v["eta_p50_h"] is not None else ""
            )
            ax.annotate(
                label,
                (float(v["lon"]), float(v["lat"])),
                xytext=(5, 3),
                textcoords="offset points",
                color=colour,
            )
        finish_axes(ax, extent)
        ax.set_title(
            "Positions (P, dashed: 1-sigma), drift centroid (circles: 1-sigma spread), vessels "
            "(triangles; blue: could arrive before the outcome), SAR regions (dashed)",
            fontsize=7,
            wrap=True,
        )
        fig.tight_layout()
        metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": "sarwatch"}
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata)
    return buf.getvalue()
