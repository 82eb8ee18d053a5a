"""Sea routes that never cross land: shortest paths over a visibility graph.

:func:`sea_router` returns the process-wide :class:`SeaRouter`, built from the
full-resolution GSHHG coastline (:func:`sarwatch.geo.coast.land_polygons`) once per
machine (a few seconds) and cached on disk; later processes load it in a fraction
of a second. A router is immutable and safe to share between threads.

How it works (details and measurements in ``docs/design/003-sea-routing.md``):
the land is grown seaward by :data:`CLEARANCE_M` and simplified into obstacle
polygons that provably contain it; routes are polylines whose inner vertices are
convex obstacle corners joined by lines of sight (the reduced visibility graph),
searched with Dijkstra. A route therefore keeps at least
``CLEARANCE_M - tolerances`` (150 m by default) from the coast, except on its snap legs.

Snap legs. Positions inside the obstacle band (closer to the coast than the
clearance, inside a harbour, or on a land pixel as World Port Index positions often
are) are moved to the nearest navigable point, at most :data:`SNAP_TOLERANCE_M`
away, and the route includes that straight leg. A snap leg may cut a breakwater or
a harbour mole: it is a short approach leg, reported in
:attr:`SeaRoute.origin_snap_nm` and :attr:`SeaRoute.destination_snap_nm`.

Examples
--------
>>> router = sea_router()  # doctest: +SKIP
>>> r = router.route((12.5, 33.2), (14.5167, 35.9))  # off Libya to Valletta  # doctest: +SKIP
>>> round(r.distance_nm, 1), round(r.destination_snap_nm, 2)  # doctest: +SKIP
(194.5, 0.48)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Geod

from sarwatch.errors import InputError, OutOfRegionError, PositionOnLandError
from sarwatch.geo import _seakernels as kern
from sarwatch.geo._navgraph import KX, NavGraph, NavParams, load_or_build
from sarwatch.geo.coast import REGION, default_cache_dir, land_mask, land_polygons
from sarwatch.geo.units import M_PER_NM

__all__ = ["CLEARANCE_M", "SNAP_TOLERANCE_M", "SeaRoute", "SeaRouter", "sea_router"]

#: How far a position may be moved to reach navigable water, metres.
SNAP_TOLERANCE_M = 5_000.0
#: Seaward buffer of the coast that the graph keeps clear of, metres.
CLEARANCE_M = NavParams().clearance_m

_M_PER_DEG = 111_320.0
_GEOD = Geod(ellps="WGS84")
_MAX_SEARCH_M = 20_000_000.0
#: How far outside the obstacles a snapped position is put, metres.
_SNAP_MARGIN_M = 25.0


@dataclass(frozen=True, eq=False)
class SeaRoute:
    """A route at sea.

    Attributes
    ----------
    coords
        ``(n, 2)`` array of ``(lon, lat)`` degrees from the origin as given to the
        destination as given (read-only).
    distance_nm
        Geodesic length of the polyline on WGS84, nautical miles.
    origin_snap_nm, destination_snap_nm
        Length of the snap leg at each end (0 when the position was navigable),
        nautical miles. A snap leg is the first (last) segment of ``coords``.
    """

    coords: npt.NDArray[np.float64]
    distance_nm: float
    origin_snap_nm: float = 0.0
    destination_snap_nm: float = 0.0

    def to_geojson(self) -> dict[str, Any]:
        """The route as a GeoJSON ``LineString`` geometry (``[lon, lat]`` pairs)."""
        return {
            "type": "LineString",
            "coordinates": [[float(lon), float(lat)] for lon, lat in self.coords],
        }


@dataclass(frozen=True)
class _Snap:
    lon: float
    lat: float
    snap_m: float


class SeaRouter:
    """Shortest sea routes over a prebuilt navigation graph (immutable, thread-safe).

    Use :func:`sea_router` rather than building one directly.

    Parameters
    ----------
    graph
        The navigation graph.
    cache_dir
        Cache directory of the coastline (used for the land test of refused origins).
    snap_tolerance_m
        How far a position may be moved to reach navigable water, metres.
    """

    def __init__(
        self,
        graph: NavGraph,
        *,
        cache_dir: Path | None = None,
        snap_tolerance_m: float = SNAP_TOLERANCE_M,
    ) -> None:
        self._g = graph
        self._cache_dir = cache_dir
        self._tol_m = float(snap_tolerance_m)
        polys = shapely.get_parts(graph.obstacles)
        self._polys = polys
        self._tree = shapely.STRtree(polys)
        self._tree.query(polys[:1])  # GEOS builds the tree on first query: do it now, once
        shapely.prepare(polys)
        self._snap_cached = lru_cache(maxsize=4096)(self._snap)
        self._sight_cached = lru_cache(maxsize=1024)(self._sight)

    @property
    def graph(self) -> NavGraph:
        """The navigation graph (read-only arrays)."""
        return self._g

    @property
    def snap_tolerance_m(self) -> float:
        """How far a position may be moved to reach navigable water, metres."""
        return self._tol_m

    def route(
        self, origin: tuple[float, float], destination: tuple[float, float]
    ) -> SeaRoute | None:
        """The shortest sea route from ``origin`` to ``destination``.

        Parameters
        ----------
        origin, destination
            ``(lon, lat)`` in degrees.

        Returns
        -------
        SeaRoute or None
            None when the destination is unreachable or farther than
            :attr:`snap_tolerance_m` from navigable water.

        Raises
        ------
        OutOfRegionError, PositionOnLandError, InputError
            As :meth:`routes_from` (this is its one-destination case).
        """
        return self.routes_from(origin, [destination])[0]

    def routes_from(
        self, origin: tuple[float, float], destinations: Sequence[tuple[float, float]]
    ) -> list[SeaRoute | None]:
        """Shortest sea routes from one origin to many destinations, in one search.

        Parameters
        ----------
        origin
            ``(lon, lat)`` in degrees.
        destinations
            ``(lon, lat)`` pairs in degrees.

        Returns
        -------
        list of SeaRoute or None
            One entry per destination, in order; None where the destination is
            unreachable (enclosed water, or farther than the snap tolerance from
            navigable water). An origin in enclosed water (a lagoon the clearance
            closes) gives all None.

        Raises
        ------
        OutOfRegionError
            A position outside :data:`sarwatch.geo.coast.REGION`.
        PositionOnLandError
            The origin is on land farther than the snap tolerance from the sea.
        InputError
            A position that is not a pair of finite numbers.
        """
        o_lon, o_lat = _check_position(origin, "origin")
        dests = [_check_position(d, "destination") for d in destinations]
        o_snap = self._snap_cached(o_lon, o_lat)
        if o_snap is None:
            on_land = land_mask(self._cache_dir).contains(np.array([o_lon]), np.array([o_lat]))
            if bool(on_land[0]):
                raise PositionOnLandError(
                    f"origin ({o_lon:.5f}, {o_lat:.5f}) lies on land more than "
                    f"{self._tol_m / 1000:g} km from navigable water; give a position at sea"
                )
            return [None] * len(dests)
        snapped = [(i, self._snap_cached(lon, lat)) for i, (lon, lat) in enumerate(dests)]
        valid = [(i, s) for i, s in snapped if s is not None]
        out: list[SeaRoute | None] = [None] * len(dests)
        if not valid:
            return out
        g = self._g
        dxs = np.array([s.lon * KX for _, s in valid])
        dys = np.array([s.lat for _, s in valid])
        sights = [self._sight_cached(s.lon, s.lat) for _, s in valid]
        leg_v = np.concatenate([v for v, _ in sights])
        leg_m = np.concatenate([m for _, m in sights])
        leg_t = np.repeat(np.arange(len(sights)), [v.size for v, _ in sights])
        best, last, pred = kern.search(
            o_snap.lon * KX, o_snap.lat, dxs, dys,
            g.vx, g.vy, g.ax, g.ay, g.bx, g.by, KX,
            g.indptr, g.indices, g.weights, *g.grid_args(),
            leg_v, leg_t, leg_m, _MAX_SEARCH_M,
        )  # fmt: skip
        for k, (i, d_snap) in enumerate(valid):
            if math.isfinite(best[k]):
                out[i] = self._assemble(
                    (o_lon, o_lat), o_snap, dests[i], d_snap, int(last[k]), pred
                )
        return out

    def _assemble(
        self,
        origin: tuple[float, float],
        o_snap: _Snap,
        dest: tuple[float, float],
        d_snap: _Snap,
        last: int,
        pred: npt.NDArray[np.int64],
    ) -> SeaRoute:
        chain: list[int] = []
        v = last
        while v >= 0:
            chain.append(v)
            v = int(pred[v])
        chain.reverse()
        g = self._g
        pts: list[tuple[float, float]] = []
        if o_snap.snap_m > 0.0:
            pts.append(origin)
        pts.append((o_snap.lon, o_snap.lat))
        pts.extend((float(g.vx[c]) / KX, float(g.vy[c])) for c in chain)
        pts.append((d_snap.lon, d_snap.lat))
        if d_snap.snap_m > 0.0:
            pts.append(dest)
        coords = np.array(pts, dtype=np.float64)
        coords.flags.writeable = False
        length_m = _GEOD.line_length(coords[:, 0], coords[:, 1]) if len(coords) > 1 else 0.0
        return SeaRoute(
            coords=coords,
            distance_nm=float(length_m) / M_PER_NM,
            origin_snap_nm=o_snap.snap_m / M_PER_NM,
            destination_snap_nm=d_snap.snap_m / M_PER_NM,
        )

    def _sight(
        self, lon: float, lat: float
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Graph vertices that see a navigable point, and their geodesic legs (m), read-only.

        Computed once per destination (ports repeat) and cached.
        """
        g = self._g
        verts, legs = kern.sight_legs(
            lon * KX, lat, g.vx, g.vy, g.ax, g.ay, g.bx, g.by, KX, *g.grid_args()
        )
        verts.flags.writeable = False
        legs.flags.writeable = False
        return verts, legs

    def _snap(self, lon: float, lat: float) -> _Snap | None:
        """The nearest navigable point within the tolerance, or None.

        Navigable means at least :data:`_SNAP_MARGIN_M` outside every obstacle, so
        that zero-width slivers of sea left by the simplification are not chosen.
        """
        x = lon * KX
        if not shapely.contains_xy(self._g.obstacles, x, lat):
            return _Snap(lon, lat, 0.0)
        half = 2.5 * self._tol_m / _M_PER_DEG
        box = shapely.box(x - half, lat - half, x + half, lat + half)
        near = self._polys[self._tree.query(box)]
        blocked = shapely.union_all(
            shapely.buffer(shapely.intersection(near, box), _SNAP_MARGIN_M / _M_PER_DEG)
        )
        free = shapely.difference(box, blocked)
        if free.is_empty:
            return None
        line = shapely.shortest_line(shapely.Point(x, lat), free)
        sx, sy = shapely.get_coordinates(line)[1]
        s_lon = float(sx) / KX
        s_lat = float(sy)
        if shapely.contains_xy(self._g.obstacles, sx, sy):  # pragma: no cover - defensive
            return None
        _, _, snap_m = _GEOD.inv(lon, lat, s_lon, s_lat)
        if snap_m > self._tol_m or not bool(REGION.contains(s_lon, s_lat)):
            return None
        return _Snap(s_lon, s_lat, float(snap_m))


def _check_position(pos: tuple[float, float], what: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in pos)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a (lon, lat) pair of numbers, got {pos!r}") from None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InputError(f"{what} must be finite (lon, lat) degrees, got {pos!r}")
    if not bool(REGION.contains(lon, lat)):
        raise OutOfRegionError(
            f"{what} ({lon:g}, {lat:g}) (lon, lat) lies outside the sea-routing region "
            f"{REGION.describe()}; the coastline data covers only that area"
        )
    return lon, lat


def sea_router(cache_dir: Path | None = None) -> SeaRouter:
    """The process-wide :class:`SeaRouter`, built once and cached on disk.

    The first call on a machine builds the navigation graph from the coastline
    (seconds) and writes it under ``cache_dir``; later processes load it.

    Parameters
    ----------
    cache_dir
        Cache directory; default :func:`sarwatch.geo.coast.default_cache_dir`.

    Returns
    -------
    SeaRouter
    """
    return _sea_router_cached(Path(cache_dir or default_cache_dir()))


@lru_cache(maxsize=4)
def _sea_router_cached(cache_dir: Path) -> SeaRouter:
    graph = load_or_build(cache_dir, lambda: land_polygons(cache_dir), REGION, NavParams())
    router = SeaRouter(graph, cache_dir=cache_dir)
    # Load the compiled kernels now rather than on the first request.
    router.route((12.5, 33.2), (12.6, 33.3))  # open sea off Libya
    return router
