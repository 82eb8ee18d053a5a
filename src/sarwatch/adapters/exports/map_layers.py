"""The layers every static case map shares: its extent, the coastline, reported positions.

Drawn with matplotlib on an ``Axes`` the caller owns (the evidence report's map, the
reconstruction's map), so each map adds its own layers (drift, vessels, SAR regions) between
these. Coastline: GSHHG full resolution from the station's cache.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["PositionMark", "draw_land", "draw_positions", "finish_axes", "map_extent"]

#: lon_min, lon_max, lat_min, lat_max of the Central Mediterranean, for a map with nothing on it
CENTRAL_MED_EXTENT = (10.0, 16.5, 32.0, 37.5)

Extent = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class PositionMark:
    """One reported position as drawn: a dot, its 1-sigma circle and a label.

    Attributes
    ----------
    lon, lat
        The position (degrees, WGS84).
    uncertainty_nm
        1-sigma radius (nautical miles); 0 draws no circle.
    label
        Text next to the dot.
    """

    lon: float
    lat: float
    uncertainty_nm: float
    label: str


def map_extent(
    points: Sequence[tuple[float, float]],
    *,
    min_span_deg: float,
    margin_deg: float,
    lon_stretch: float,
) -> Extent:
    """A square-ish box around ``(lon, lat)`` points, ``(lon_min, lon_max, lat_min, lat_max)``.

    Parameters
    ----------
    points
        ``(lon, lat)`` in degrees; none gives the Central Mediterranean.
    min_span_deg
        The smallest span shown (degrees), so one point still has its surroundings.
    margin_deg
        Added on each side (degrees).
    lon_stretch
        Longitude half-span over latitude half-span (degrees of longitude are shorter).
    """
    if not points:
        return CENTRAL_MED_EXTENT
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    cx, cy = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    half = max(max(lons) - min(lons), max(lats) - min(lats), min_span_deg) / 2 + margin_deg
    return cx - half * lon_stretch, cx + half * lon_stretch, cy - half, cy + half


def draw_land(ax: Any, extent: Extent, cache_dir: Path | None) -> None:
    """Fill the land inside ``extent`` (GSHHG full resolution from ``cache_dir``, the
    configured coastline cache; ``None``: the default one)."""
    import shapely
    from matplotlib.patches import Polygon as MplPolygon

    from sarwatch.geo.coast import REGION, land_polygons

    x0, x1, y0, y1 = extent
    land = shapely.clip_by_rect(land_polygons(cache_dir, region=REGION), x0, y0, x1, y1)
    for poly in getattr(land, "geoms", [land]):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        ax.add_patch(
            MplPolygon(
                list(poly.exterior.coords),
                closed=True,
                facecolor="#d9d3c3",
                edgecolor="#6b6455",
                lw=0.5,
            )
        )


def draw_positions(ax: Any, marks: Sequence[PositionMark], *, fontsize: float | None) -> None:
    """The reported positions in time order: a grey track, red dots, dashed 1-sigma circles
    and labels alternating above and below (``fontsize`` ``None``: the axes' default)."""
    from matplotlib.patches import Ellipse

    if not marks:
        return
    ax.plot([m.lon for m in marks], [m.lat for m in marks], "-", color="#888888", lw=1)
    text_size = {} if fontsize is None else {"fontsize": fontsize}
    for i, m in enumerate(marks, 1):
        r_deg = m.uncertainty_nm / 60.0  # 1 nm = 1 minute of latitude
        if r_deg > 0:
            ax.add_patch(
                Ellipse(
                    (m.lon, m.lat),
                    2 * r_deg / max(0.2, math.cos(math.radians(m.lat))),
                    2 * r_deg,
                    fill=False,
                    ls="--",
                    color="#c0392b",
                    lw=0.7,
                )
            )
        ax.plot(m.lon, m.lat, "o", color="#c0392b", ms=5)
        ax.annotate(
            m.label,
            (m.lon, m.lat),
            xytext=(6, 6 - 12 * (i % 2)),
            textcoords="offset points",
            **text_size,
        )


def finish_axes(ax: Any, extent: Extent) -> None:
    """Limits, an aspect that keeps distances true at the map's middle latitude, labelled
    axes in degrees, a light grid and the sea's colour."""
    x0, x1, y0, y1 = extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1.0 / max(0.2, math.cos(math.radians((y0 + y1) / 2))))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.grid(True, lw=0.3, alpha=0.5)
    ax.set_facecolor("#eaf2f8")
