"""The statistics of a drift run at each output time, as typed results.

Centroid and spread, status counts, share per SAR region, and the 50/90/95 % containment
polygons of the located particles (active or stranded), built into
:class:`~sarwatch.drift.result.Snapshot` by :func:`snapshot`. A run calls it once per
output hour on a state of up to millions of particles: it reads the state's arrays in three
numba passes (:func:`~sarwatch.drift.analysis.located_cloud`) and copies nothing out;
:func:`snapshot_reference` is the plain path (one public function per figure on copies of
the located particles), kept to test and time the fused one against.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from sarwatch.drift.analysis import (
    DensityGrid,
    cloud_stats,
    containment,
    density_grid,
    located_cloud,
)
from sarwatch.drift.result import Containment, RegionShare, Snapshot, StatusCounts
from sarwatch.drift.state import ACTIVE, STATUS_NAMES, STRANDED, ParticleState

__all__ = [
    "LEVELS",
    "POLYGON_GRID_DEG",
    "category_counts",
    "containment_polygons",
    "snapshot",
    "snapshot_reference",
    "srr_shares",
]

LEVELS = (0.5, 0.9, 0.95)
#: Containment polygons are snapped to this grid (degrees), the GeoJSON's 5 decimals.
POLYGON_GRID_DEG = 1e-5


def srr_shares(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> dict[str, float]:
    """Share of the given particles in each SAR region (and ``"none"``).

    Shares may sum to more than 1 where regions overlap. Above 50,000 particles the
    test runs on occupied cells of 1/120 degree (about 900 m) instead of every particle.
    """
    n = lon.size
    if n == 0:
        return {}
    if n <= _SRR_EXACT_MAX:
        return _shares(lon, lat, np.ones(n))
    from sarwatch.drift._cloud import cell_counts

    lon_c = np.ascontiguousarray(lon, dtype=np.float64)
    lat_c = np.ascontiguousarray(lat, dtype=np.float64)
    x0, y0, counts = cell_counts(lon_c, lat_c, _SRR_CELL_DEG, 4_000_000)
    if counts.size:
        return _shares_from_cells(x0, y0, counts)
    cell = _SRR_CELL_DEG
    ix = np.floor(lon / cell).astype(np.int64)
    iy = np.floor(lat / cell).astype(np.int64)
    # keys from the box's corner: cells west of Greenwich (ix < 0) stay where they are
    width = int(ix.max()) - x0 + 1
    keys, inverse = np.unique((iy - y0) * width + (ix - x0), return_inverse=True)
    weights = np.bincount(inverse).astype(float)
    cy, cx = np.divmod(keys, width)
    cy, cx = cy + y0, cx + x0
    return _shares((cx + 0.5) * cell, (cy + 0.5) * cell, weights)


#: Up to this many particles :func:`srr_shares` tests every particle, above it the cells.
_SRR_EXACT_MAX = 50_000
#: The cells of :func:`srr_shares` for large clouds, degrees (about 900 m).
_SRR_CELL_DEG = 1.0 / 120.0


def _shares_from_cells(x0: int, y0: int, counts: npt.NDArray[np.int64]) -> dict[str, float]:
    """:func:`_shares` of the cell centres of ``counts[iy - y0, ix - x0]`` (its occupied cells)."""
    # counts on the cloud's box of cells (numba passes, not np.unique's sort),
    # row-major as np.unique's keys: the same cells, weights and order
    keys = np.flatnonzero(counts)
    weights = counts.ravel()[keys].astype(float)
    cy, cx = np.divmod(keys, counts.shape[1])
    cy, cx = cy + y0, cx + x0
    return _shares((cx + 0.5) * _SRR_CELL_DEG, (cy + 0.5) * _SRR_CELL_DEG, weights)


def _shares(
    px: npt.NDArray[np.float64], py: npt.NDArray[np.float64], weights: npt.NDArray[np.float64]
) -> dict[str, float]:
    """Weighted share of the points in each SAR region, ``"none"`` and outside the regions."""
    from sarwatch.geo.coast import REGION

    member = _membership(px, py)
    total = weights.sum()
    out = {k: float(weights[m].sum() / total) for k, m in member.items()}
    anywhere = np.zeros(weights.size, bool)
    for m in member.values():
        anywhere |= m
    out["none"] = float(weights[~anywhere].sum() / total)
    outside = ~REGION.contains(px, py)
    if bool(outside.any()):
        # SAR regions are packaged for the Central Mediterranean only: say so.
        out["outside_packaged_regions"] = float(weights[outside].sum() / total)
    return out


def _box_shares(box: tuple[float, float, float, float]) -> dict[str, float] | None:
    """:func:`_shares` of any weighted points spanning ``box``, when the box decides them.

    ``box`` is ``(lon_min, lat_min, lon_max, lat_max)`` of the points. When every SAR
    region holds the box in its interior or lies apart from it, and the box lies inside
    or outside the packaged area, every point has the same memberships: each share is
    exactly 1 or 0, what :func:`_shares` gives whatever the weights. None otherwise (or for
    a degenerate box).
    """
    import shapely

    from sarwatch.geo.coast import REGION
    from sarwatch.geo.srr import sar_regions

    x0, y0, x1, y1 = box
    if not (x0 < x1 and y0 < y1):
        return None
    rect = shapely.box(x0, y0, x1, y1)
    out: dict[str, float] = {}
    for r in sar_regions():
        if shapely.contains_properly(r.membership_area, rect):
            out[r.srr_id] = 1.0
        elif not shapely.intersects(r.membership_area, rect):
            out[r.srr_id] = 0.0
        else:
            return None
    out["none"] = 0.0 if 1.0 in out.values() else 1.0
    inside = REGION.lon_min <= x0 and x1 <= REGION.lon_max
    inside = inside and REGION.lat_min <= y0 and y1 <= REGION.lat_max
    apart = x1 < REGION.lon_min or x0 > REGION.lon_max
    apart = apart or y1 < REGION.lat_min or y0 > REGION.lat_max
    if apart:
        out["outside_packaged_regions"] = 1.0
    elif not inside:
        return None
    return out


def _membership(
    px: npt.NDArray[np.float64], py: npt.NDArray[np.float64]
) -> dict[str, npt.NDArray[np.bool_]]:
    """:func:`~sarwatch.geo.srr.srr_membership` of points, each region tested once on their box.

    A region holding the points' box in its interior holds every point, a region apart
    from the box none: only the regions whose boundary crosses the box test each point
    (a cloud inside one region costs a few box tests, not a test per occupied cell).
    """
    import shapely

    from sarwatch.geo.srr import sar_regions, srr_membership

    if px.size < 64:
        return srr_membership(px, py)
    x0, x1, y0, y1 = float(px.min()), float(px.max()), float(py.min()), float(py.max())
    if not (x0 < x1 and y0 < y1):  # a degenerate box: no polygon to test
        return srr_membership(px, py)
    box = shapely.box(x0, y0, x1, y1)
    out = {}
    for r in sar_regions():  # prepared polygons (sar_regions prepares them)
        if shapely.contains_properly(r.membership_area, box):
            out[r.srr_id] = np.ones(px.size, bool)
        elif not shapely.intersects(r.membership_area, box):
            out[r.srr_id] = np.zeros(px.size, bool)
        else:
            out[r.srr_id] = shapely.contains_xy(r.membership_area, px, py)
    return out


def category_counts(category: npt.NDArray[np.int16]) -> dict[str, int]:
    """Particles per Leeway category actually drawn (all scenarios)."""
    from sarwatch.drift.leeway import leeway_categories

    cats = leeway_categories()
    keys, counts = np.unique(category, return_counts=True)
    return {cats[k].key if k >= 0 else "none": int(c) for k, c in zip(keys, counts, strict=True)}


def snapshot(t: np.datetime64, hours: float, st: ParticleState) -> Snapshot:
    """The cloud at output time ``t`` (``hours`` from the start).

    Statistics of the located particles (active or stranded, with a finite position) from
    :func:`~sarwatch.drift.analysis.located_cloud`'s three passes over the state: the
    figures of :func:`snapshot_reference` (centroid and spread to ~1e-15 relative) without
    copying the located particles out of the state.
    """
    box_shares: list[dict[str, float] | None] = [None]

    def count_cells(n: int, box: tuple[float, float, float, float]) -> bool:
        # cells for many particles whose box leaves some share undecided
        if n <= _SRR_EXACT_MAX:
            return False
        box_shares[0] = _box_shares(box)
        return box_shares[0] is None

    cloud = located_cloud(
        st.lon, st.lat, st.status, cell_deg=_SRR_CELL_DEG, count_cells=count_cells
    )
    counts = {name: int(cloud.status_counts[k]) for k, name in STATUS_NAMES.items()}
    stats = cloud.stats
    n = stats.n
    if n == 0:
        shares: dict[str, float] = {}
    elif box_shares[0] is not None:  # the occupied cells' box inside or apart from each region
        shares = box_shares[0]
    elif n > _SRR_EXACT_MAX and cloud.cell_counts.size:
        shares = _shares_from_cells(*cloud.cell_origin, cloud.cell_counts)
    else:  # few particles (each tested) or a box of cells too large for the pass
        ok = _located(st)
        shares = srr_shares(st.lon[ok], st.lat[ok])
    return Snapshot(
        time=t.astype("datetime64[s]"),
        hours=hours,
        centroid_lon=stats.centroid_lon,
        centroid_lat=stats.centroid_lat,
        std_km=stats.std_km,
        status=StatusCounts.from_mapping(counts),
        srr_share=tuple(RegionShare(k, v) for k, v in shares.items()),
        stranded_share=counts[STATUS_NAMES[STRANDED]] / max(st.n, 1),
        containment=() if cloud.grid is None else _polygons(cloud.grid),
    )


def snapshot_reference(t: np.datetime64, hours: float, st: ParticleState) -> Snapshot:
    """:func:`snapshot` the plain way: the located particles copied out, one function each.

    The reference the fused :func:`snapshot` is tested against (and timed against in
    ``benchmarks/bench_drift_stats.py``).
    """
    ok = _located(st)
    lon, lat = st.lon[ok], st.lat[ok]
    counts = st.status_counts()
    stats = cloud_stats(lon, lat)
    return Snapshot(
        time=t.astype("datetime64[s]"),
        hours=hours,
        centroid_lon=stats.centroid_lon,
        centroid_lat=stats.centroid_lat,
        std_km=stats.std_km,
        status=StatusCounts.from_mapping(counts),
        srr_share=tuple(RegionShare(k, v) for k, v in srr_shares(lon, lat).items()),
        stranded_share=counts[STATUS_NAMES[STRANDED]] / max(st.n, 1),
        containment=containment_polygons(lon, lat, stats=stats),
    )


def _located(st: ParticleState) -> npt.NDArray[np.bool_]:
    """Active or stranded particles with a finite position."""
    return (
        ((st.status == ACTIVE) | (st.status == STRANDED))
        & np.isfinite(st.lon)
        & np.isfinite(st.lat)
    )


def containment_polygons(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], *, stats: Any = None
) -> tuple[Containment, ...]:
    """The 50/90/95 % containment polygons of a cloud, on the 1e-5 degree grid.

    The polygons are snapped to the grid the GeoJSON writes (5 decimals) with
    :func:`shapely.set_precision`, which keeps them valid: rounding a valid polygon's
    vertices on its own can make it self-intersect (small clouds, thin lobes). Areas are
    those of the polygons before snapping (geodesic, km²).
    """
    if lon.size == 0:
        return ()
    grid = density_grid(lon, lat, stats=stats if stats is not None else cloud_stats(lon, lat))
    return _polygons(grid)


def _polygons(grid: DensityGrid) -> tuple[Containment, ...]:
    """The :data:`LEVELS` containment polygons of a density grid, snapped to the 1e-5 grid."""
    import shapely

    return tuple(
        Containment(p, shapely.set_precision(geom, POLYGON_GRID_DEG), float(area))
        for p, (geom, area) in containment(grid, LEVELS).items()
    )


#: The files a run writes into its output directory (``--out``, a run's directory).
