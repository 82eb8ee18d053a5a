"""The sea router's navigation graph: obstacles, vertices, visibility edges, disk cache.

The obstacles are the land polygons grown seaward by a clearance and simplified:

1. full-resolution GSHHG land, in the scaled plane ``x = lon * KX, y = lat``;
2. simplified by ``pre_tol`` (Douglas-Peucker, topology preserved), buffered by
   ``clearance``, simplified again by ``post_tol``, merged, holes filled.

Douglas-Peucker moves a boundary by at most its tolerance, so with
``pre_tol + post_tol < clearance`` the obstacles contain all land with a margin of at
least ``clearance - pre_tol - post_tol``; :func:`build_navgraph` checks containment
and refuses to return a graph that fails it. A segment that crosses no obstacle
edge therefore keeps that margin from the coast.

The graph is the *reduced visibility graph* of the obstacles: its vertices are the
convex corners of the obstacle rings inside the region, its edges the pairs of
corners that see each other along a line tangent to the obstacle at both ends
(shortest paths around polygonal obstacles bend only there: Lozano-Pérez & Wesley
1979; Latombe 1991, ch. 4).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Geod

from sarwatch._files import atomic_writer
from sarwatch.errors import DataError
from sarwatch.geo import _seakernels as kern
from sarwatch.geo.coast import _CACHE_VERSION as _LAND_VERSION
from sarwatch.geo.coast import Region

__all__ = ["GRAPH_VERSION", "KX", "NavGraph", "NavParams", "build_navgraph", "load_or_build"]

#: Longitude scale of the working plane: cos(36°), the middle of the region.
KX = math.cos(math.radians(36.0))
#: Bumped whenever the graph format or construction changes (invalidates caches).
GRAPH_VERSION = "vg1"

_M_PER_DEG = 111_320.0
_GEOD = Geod(ellps="WGS84")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class NavParams:
    """Construction parameters of the navigation graph.

    Attributes
    ----------
    clearance_m
        Seaward buffer of the land, metres (of latitude; in longitude the scaled
        plane keeps it within ±10 % over the region).
    pre_tol_m, post_tol_m
        Douglas-Peucker tolerances before and after buffering, metres; their sum
        must stay below ``clearance_m``.
    cell_deg
        Size of the line-of-sight grid cells in the scaled plane, degrees.
    """

    clearance_m: float = 500.0
    pre_tol_m: float = 100.0
    post_tol_m: float = 250.0
    cell_deg: float = 0.05

    def key(self) -> str:
        """Short string identifying the parameters in a cache file name."""
        return (
            f"{GRAPH_VERSION}_{_LAND_VERSION}_c{self.clearance_m:g}_p{self.pre_tol_m:g}"
            f"_t{self.post_tol_m:g}_g{self.cell_deg:g}"
        )


@dataclass(frozen=True, eq=False)
class NavGraph:
    """Immutable arrays of the navigation graph (scaled plane unless stated).

    Attributes
    ----------
    vx, vy
        Graph vertices (convex obstacle corners).
    ax, ay, bx, by
        Previous and next ring neighbours of each vertex (for tangency tests).
    indptr, indices, weights
        CSR adjacency; ``weights`` are geodesic lengths in metres.
    ex1, ey1, ex2, ey2
        Obstacle edges.
    cell_ptr, cell_edges
        CSR of the obstacle edges bucketed per grid cell (row-major, ``nx`` columns).
    gx0, gy0, cs, nx, ny
        Grid origin, cell size and shape.
    obstacles
        The obstacle polygons (scaled plane), prepared.
    region
        The region the graph covers.
    params
        How it was built.
    """

    vx: FloatArray
    vy: FloatArray
    ax: FloatArray
    ay: FloatArray
    bx: FloatArray
    by: FloatArray
    indptr: IntArray
    indices: IntArray
    weights: FloatArray
    ex1: FloatArray
    ey1: FloatArray
    ex2: FloatArray
    ey2: FloatArray
    cell_ptr: IntArray
    cell_edges: IntArray
    gx0: float
    gy0: float
    cs: float
    nx: int
    ny: int
    obstacles: shapely.MultiPolygon
    region: Region
    params: NavParams

    @property
    def n_vertices(self) -> int:
        """Number of graph vertices."""
        return int(self.vx.size)

    @property
    def n_edges(self) -> int:
        """Number of undirected graph edges."""
        return int(self.indices.size // 2)

    def grid_args(
        self,
    ) -> tuple[
        FloatArray, FloatArray, FloatArray, FloatArray, IntArray, IntArray,
        float, float, float, int, int,
    ]:  # fmt: skip
        """The obstacle-grid arguments of the line-of-sight kernel, in order."""
        return (
            self.ex1, self.ey1, self.ex2, self.ey2, self.cell_ptr, self.cell_edges,
            self.gx0, self.gy0, self.cs, self.nx, self.ny,
        )  # fmt: skip


def _scaled(geoms: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    return shapely.transform(geoms, lambda c: c * np.array([KX, 1.0]))


def build_obstacles(land: shapely.MultiPolygon, params: NavParams) -> npt.NDArray[np.object_]:
    """Buffered, simplified, merged land polygons (scaled plane), holes filled, CCW."""
    if params.pre_tol_m + params.post_tol_m >= params.clearance_m:
        raise DataError(
            "sea-router parameters: pre_tol_m + post_tol_m must be below clearance_m, got "
            f"{params.pre_tol_m} + {params.post_tol_m} >= {params.clearance_m}"
        )
    parts = _scaled(shapely.get_parts(land))
    d = params.clearance_m / _M_PER_DEG
    geoms = shapely.simplify(parts, params.pre_tol_m / _M_PER_DEG, preserve_topology=True)
    geoms = shapely.buffer(geoms, d, quad_segs=2)
    geoms = shapely.simplify(geoms, params.post_tol_m / _M_PER_DEG, preserve_topology=True)
    merged = shapely.get_parts(shapely.union_all(geoms))
    filled = shapely.polygons(shapely.get_exterior_ring(merged))
    polys = shapely.get_parts(shapely.union_all(filled))
    polys = shapely.polygons(shapely.get_exterior_ring(polys))
    polys = shapely.orient_polygons(polys, exterior_cw=False)
    union = shapely.MultiPolygon(list(polys))
    land_scaled = shapely.MultiPolygon(list(parts))
    if not union.contains(land_scaled):
        raise DataError(
            "sea-router obstacles do not contain all land: the simplification moved the "
            "coast inwards; lower the tolerances or raise the clearance"
        )
    return np.asarray(polys, dtype=object)


def _rings(polys: npt.NDArray[np.object_]) -> tuple[FloatArray, IntArray]:
    """Ring coordinates without the closing point, and the ring index of each."""
    coords, idx = shapely.get_coordinates(shapely.get_exterior_ring(polys), return_index=True)
    closing = np.r_[idx[1:] != idx[:-1], True]
    return coords[~closing], idx[~closing]


def build_navgraph(
    land: shapely.MultiPolygon,
    region: Region,
    params: NavParams | None = None,
    *,
    workers: int | None = None,
) -> NavGraph:
    """Build the navigation graph from the land polygons (seconds; see module notes).

    Parameters
    ----------
    land
        Land polygons, lon/lat degrees (full-resolution GSHHG of the region).
    region
        The region routes stay in; graph vertices outside it are dropped.
    params
        Construction parameters; default :class:`NavParams`.
    workers
        Threads for the visibility edges; default ``min(4, os.cpu_count())``.

    Returns
    -------
    NavGraph
    """
    params = params or NavParams()
    polys = build_obstacles(land, params)
    xy, ring = _rings(polys)
    # Previous / next neighbour within each ring (cyclic).
    start = np.r_[0, np.flatnonzero(ring[1:] != ring[:-1]) + 1]
    stop = np.r_[start[1:], ring.size]
    counts = stop - start
    pos = np.arange(ring.size) - np.repeat(start, counts)
    base = np.repeat(start, counts)
    cnt = np.repeat(counts, counts)
    prev_i = base + (pos - 1) % cnt
    next_i = base + (pos + 1) % cnt
    px, py = xy[prev_i, 0], xy[prev_i, 1]
    nx_, ny_ = xy[next_i, 0], xy[next_i, 1]
    x, y = xy[:, 0], xy[:, 1]
    cross = (x - px) * (ny_ - y) - (y - py) * (nx_ - x)
    inside = (
        (x >= region.lon_min * KX)
        & (x <= region.lon_max * KX)
        & (y >= region.lat_min)
        & (y <= region.lat_max)
    )
    keep = (cross > 0.0) & inside
    vx, vy = np.ascontiguousarray(x[keep]), np.ascontiguousarray(y[keep])
    ax, ay = np.ascontiguousarray(px[keep]), np.ascontiguousarray(py[keep])
    bx, by = np.ascontiguousarray(nx_[keep]), np.ascontiguousarray(ny_[keep])

    ex1, ey1 = np.ascontiguousarray(x), np.ascontiguousarray(y)
    ex2, ey2 = np.ascontiguousarray(nx_), np.ascontiguousarray(ny_)
    cs = params.cell_deg
    gx0, gy0 = region.lon_min * KX, region.lat_min
    n_gx = math.ceil((region.lon_max - region.lon_min) * KX / cs)
    n_gy = math.ceil((region.lat_max - region.lat_min) / cs)
    cell_ptr, cell_edges = _bucket_edges(ex1, ey1, ex2, ey2, gx0, gy0, cs, n_gx, n_gy)
    grid = (ex1, ey1, ex2, ey2, cell_ptr, cell_edges, gx0, gy0, cs, n_gx, n_gy)

    n = vx.size
    workers = workers or min(4, os.cpu_count() or 1)
    # Work per i falls with i (j > i): many small interleaved chunks balance the threads.
    bounds = np.linspace(0, n, 4 * workers * 8 + 1).astype(int)

    def _chunk(k: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        return kern.build_edges(vx, vy, ax, ay, bx, by, *grid, int(bounds[k]), int(bounds[k + 1]))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        pieces = list(pool.map(_chunk, range(bounds.size - 1)))
    ei = np.concatenate([p[0] for p in pieces]).astype(np.int64)
    ej = np.concatenate([p[1] for p in pieces]).astype(np.int64)
    _, _, w = _GEOD.inv(vx[ei] / KX, vy[ei], vx[ej] / KX, vy[ej])
    src = np.r_[ei, ej]
    dst = np.r_[ej, ei]
    wts = np.r_[w, w].astype(np.float64)
    order = np.argsort(src, kind="stable")
    indptr = np.r_[0, np.cumsum(np.bincount(src, minlength=n))].astype(np.int64)
    obstacles = shapely.MultiPolygon(list(polys))
    shapely.prepare(obstacles)
    return NavGraph(
        vx=vx, vy=vy, ax=ax, ay=ay, bx=bx, by=by,
        indptr=indptr, indices=np.ascontiguousarray(dst[order]),
        weights=np.ascontiguousarray(wts[order]),
        ex1=ex1, ey1=ey1, ex2=ex2, ey2=ey2, cell_ptr=cell_ptr, cell_edges=cell_edges,
        gx0=gx0, gy0=gy0, cs=cs, nx=n_gx, ny=n_gy,
        obstacles=obstacles, region=region, params=params,
    )  # fmt: skip


def _bucket_edges(
    x1: FloatArray,
    y1: FloatArray,
    x2: FloatArray,
    y2: FloatArray,
    gx0: float,
    gy0: float,
    cs: float,
    n_gx: int,
    n_gy: int,
) -> tuple[IntArray, IntArray]:
    """CSR of edge ids per grid cell, each edge listed in every cell its bbox touches."""
    i0 = np.clip(np.floor((np.minimum(x1, x2) - gx0) / cs), 0, n_gx - 1).astype(np.int64)
    i1 = np.clip(np.floor((np.maximum(x1, x2) - gx0) / cs), 0, n_gx - 1).astype(np.int64)
    j0 = np.clip(np.floor((np.minimum(y1, y2) - gy0) / cs), 0, n_gy - 1).astype(np.int64)
    j1 = np.clip(np.floor((np.maximum(y1, y2) - gy0) / cs), 0, n_gy - 1).astype(np.int64)
    wx = i1 - i0 + 1
    wy = j1 - j0 + 1
    cnt = wx * wy
    edge = np.repeat(np.arange(x1.size), cnt)
    k = np.arange(edge.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    cx = i0[edge] + k % wx[edge]
    cy = j0[edge] + k // wx[edge]
    cell = cy * n_gx + cx
    order = np.argsort(cell, kind="stable")
    ptr = np.r_[0, np.cumsum(np.bincount(cell, minlength=n_gx * n_gy))].astype(np.int64)
    return ptr, np.ascontiguousarray(edge[order].astype(np.int64))


_ARRAYS = (
    "vx", "vy", "ax", "ay", "bx", "by", "indptr", "indices", "weights",
    "ex1", "ey1", "ex2", "ey2", "cell_ptr", "cell_edges",
)  # fmt: skip


def _save(graph: NavGraph, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {name: getattr(graph, name) for name in _ARRAYS}
    arrays["grid"] = np.array([graph.gx0, graph.gy0, graph.cs, graph.nx, graph.ny])
    arrays["obstacles_wkb"] = np.frombuffer(shapely.to_wkb(graph.obstacles), dtype=np.uint8)
    with atomic_writer(path) as fh:
        np.savez(fh, **arrays)


def _load(path: Path, region: Region, params: NavParams) -> NavGraph:
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in _ARRAYS}
        grid = npz["grid"]
        wkb = npz["obstacles_wkb"].tobytes()
    for a in arrays.values():
        a.flags.writeable = False
    obstacles = shapely.from_wkb(wkb)
    if not isinstance(obstacles, shapely.MultiPolygon):
        raise ValueError("obstacles are not a MultiPolygon")
    shapely.prepare(obstacles)
    return NavGraph(
        **arrays,
        gx0=float(grid[0]), gy0=float(grid[1]), cs=float(grid[2]),
        nx=int(grid[3]), ny=int(grid[4]),
        obstacles=obstacles, region=region, params=params,
    )  # fmt: skip


def cache_path(cache_dir: Path, region: Region, params: NavParams) -> Path:
    """Where the graph for ``region`` and ``params`` is cached."""
    r = region
    return cache_dir / (
        f"seagraph_{params.key()}_{r.lon_min:g}_{r.lat_min:g}_{r.lon_max:g}_{r.lat_max:g}.npz"
    )


def load_or_build(
    cache_dir: Path,
    land: Callable[[], shapely.MultiPolygon],
    region: Region,
    params: NavParams,
) -> NavGraph:
    """Load the cached graph, or build and cache it (an unreadable cache is rebuilt).

    ``land`` is called only when the graph has to be built.
    """
    path = cache_path(cache_dir, region, params)
    if path.exists():
        try:
            return _load(path, region, params)
        except (OSError, ValueError, KeyError, shapely.errors.GEOSException):
            path.unlink(missing_ok=True)
    graph = build_navgraph(land(), region, params)
    for name in _ARRAYS:
        getattr(graph, name).flags.writeable = False
    _save(graph, path)
    return graph
