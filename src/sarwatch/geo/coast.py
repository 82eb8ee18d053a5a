"""The coastline: full-resolution GSHHG land polygons for the region, and a fast land mask.

The polygons come from ``roaring-landmask`` (GSHHG full resolution, shipped in its
wheel). Extracting them for the whole world takes ~10 s and ~1.5 GB once, so the
first call clips them to :data:`REGION` and caches the result as WKB under the
cache directory; later calls load the cache in milliseconds.

Outside :data:`REGION` (a drift off Spain, Greece or the Canaries),
:func:`land_mask_for` assembles a mask for any box from tiles of :data:`TILE_DEG`
degrees, each extracted and cached once (its own file names, ``tile…``; the
packaged region's caches are never rebuilt for it).

This module reads no settings and no environment: callers pass the cache directory
(``Settings.cache_dir``); :func:`default_cache_dir` is only the fallback for library use.

:class:`LandMask` answers "is this on land?" for many points at once. It holds a
raster of 1/240 degree cells (about 460 m) classified as sea, land or coast; points
in coast cells are tested exactly against the polygons, so the answer is that of
the full-resolution coastline. The raster arrays are plain numpy, so numba
kernels can use the sea/land cells directly and leave coast cells to
:meth:`LandMask.contains`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely

from sarwatch._files import atomic_writer, write_bytes_atomic
from sarwatch.errors import DataError

__all__ = [
    "CELL_COAST",
    "CELL_LAND",
    "CELL_SEA",
    "REGION",
    "TILE_DEG",
    "LandMask",
    "Region",
    "cached_multipolygon",
    "default_cache_dir",
    "extract_land_polygons",
    "land_mask",
    "land_mask_for",
    "land_polygons",
    "land_polygons_for",
]

CELL_SEA = 0
CELL_LAND = 1
CELL_COAST = 2

_CACHE_VERSION = "gshhg-f-v1"
_MASK_VERSION = "v2"
_CELLS_PER_DEGREE = 240


@dataclass(frozen=True)
class Region:
    """A longitude/latitude box in WGS84 degrees."""

    lon_min: float
    lat_min: float
    lon_max: float
    lat_max: float

    def contains(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Whether points lie inside the box (edges included)."""
        lon_a = np.asarray(lon, dtype=float)
        lat_a = np.asarray(lat, dtype=float)
        return (
            (lon_a >= self.lon_min)
            & (lon_a <= self.lon_max)
            & (lat_a >= self.lat_min)
            & (lat_a <= self.lat_max)
        )

    def describe(self) -> str:
        """Human-readable extent, e.g. ``5°E–27°E, 29°N–43°N``."""
        return f"{self.lon_min:g}°E–{self.lon_max:g}°E, {self.lat_min:g}°N–{self.lat_max:g}°N"


#: The area the packaged region data (coastline, SAR regions, ports) covers:
#: the Central Mediterranean with margins (Sardinia to Crete, Sicily to the Gulf of Sirte).
REGION = Region(lon_min=5.0, lat_min=29.0, lon_max=27.0, lat_max=43.0)


def default_cache_dir() -> Path:
    """The fallback cache directory, ``~/.cache/sarwatch``.

    Applications pass the configured one (``Settings.cache_dir``, which honours
    ``SARWATCH_CACHE_DIR``); this module does not read the environment.
    """
    return Path.home() / ".cache" / "sarwatch"


def extract_land_polygons(region: Region) -> shapely.MultiPolygon:
    """Clip the world GSHHG full-resolution polygons to ``region`` (slow: seconds, ~1.5 GB).

    Not cached: callers cache what they keep (:func:`land_polygons`, map layers).
    """
    return _extract_many([region])[0]


_extract_region_polygons = extract_land_polygons


def _extract_many(regions: list[Region]) -> list[shapely.MultiPolygon]:
    """Clip the world GSHHG polygons to each box, reading the world once."""
    import roaring_landmask as rl

    print(
        "sarwatch: extracting the full-resolution GSHHG coastline for "
        f"{', '.join(r.describe() for r in regions)} (once; cached afterwards)...",
        file=sys.stderr,
        flush=True,
    )
    provider = rl.LandmaskProvider.Gshhg
    world = shapely.from_wkb(rl.Shapes.new(provider).wkb(provider))
    parts = shapely.get_parts(world)
    del world
    tree = shapely.STRtree(parts)
    out = []
    for region in regions:
        box = shapely.box(region.lon_min, region.lat_min, region.lon_max, region.lat_max)
        clipped = shapely.intersection(parts[tree.query(box)], box)
        polygons = [
            p
            for g in clipped
            for p in shapely.get_parts(g)
            if p.geom_type == "Polygon" and not p.is_empty
        ]
        out.append(shapely.MultiPolygon(polygons))
    return out


def land_polygons(
    cache_dir: Path | None = None, *, region: Region = REGION
) -> shapely.MultiPolygon:
    """Land of the region as full-resolution GSHHG polygons (lon, lat degrees).

    Parameters
    ----------
    cache_dir
        Where the clipped polygons are cached; default :func:`default_cache_dir`.
    region
        The box to clip to; default :data:`REGION`.

    Returns
    -------
    shapely.MultiPolygon
        Land polygons; islands included, lakes are holes.

    Raises
    ------
    DataError
        If the cache is unreadable and cannot be rebuilt.
    """
    return _land_polygons_cached(Path(cache_dir or default_cache_dir()), region)


@lru_cache(maxsize=4)
def _land_polygons_cached(cache_dir: Path, region: Region) -> shapely.MultiPolygon:
    def extract() -> shapely.MultiPolygon:
        geom = _extract_region_polygons(region)
        if geom.is_empty:
            raise DataError(
                f"no GSHHG land found in {region.describe()}: is roaring-landmask intact?"
            )
        return geom

    path = cache_dir / f"land_{_CACHE_VERSION}_{_region_key(region)}.wkb"
    return cached_multipolygon(path, extract)


def cached_multipolygon(
    path: Path, build: Callable[[], shapely.MultiPolygon]
) -> shapely.MultiPolygon:
    """The polygons cached as WKB at ``path``, or ``build()``'s, then cached there.

    A cache file that does not read back as a MultiPolygon is removed and rebuilt; the
    new one is written atomically (a reader never sees half a file).

    Parameters
    ----------
    path
        The cache file (its folder is created if missing).
    build
        Makes the polygons when the cache has none (slow: seconds to minutes).

    Returns
    -------
    shapely.MultiPolygon
        The cached or the built polygons.
    """
    if path.exists():
        try:
            geom = shapely.from_wkb(path.read_bytes())
        except shapely.errors.GEOSException:
            path.unlink(missing_ok=True)
        else:
            if isinstance(geom, shapely.MultiPolygon):
                return geom
    geom = build()
    write_bytes_atomic(path, shapely.to_wkb(geom))
    return geom


def _region_key(region: Region) -> str:
    return f"{region.lon_min:g}_{region.lat_min:g}_{region.lon_max:g}_{region.lat_max:g}"


@dataclass(frozen=True)
class LandMask:
    """A fast, exact land test for the region.

    Attributes
    ----------
    cells
        ``uint8`` raster of shape ``(n_lat, n_lon)``: :data:`CELL_SEA`, :data:`CELL_LAND` or
        :data:`CELL_COAST` (the coastline passes near; test exactly). Row 0 is the
        southern edge.
    lon0, lat0
        South-west corner of cell ``(0, 0)``, degrees.
    cell_deg
        Cell size, degrees.
    polygons
        The land polygons used for the exact test in coast cells.
    tile_deg
        For a mask assembled from tiles (:func:`land_mask_for`), the tile size in
        degrees: the polygons are cut at the tile seams, so a point exactly on a seam
        is tested as touching the land rather than inside it. 0 for one piece.
    """

    cells: npt.NDArray[np.uint8]
    lon0: float
    lat0: float
    cell_deg: float
    polygons: shapely.MultiPolygon
    tile_deg: float = 0.0

    def cell_class(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.uint8]:
        """Raster class at the points; points outside the raster count as sea."""
        lon_a = np.asarray(lon, dtype=float)
        lat_a = np.asarray(lat, dtype=float)
        n_lat, n_lon = self.cells.shape
        with np.errstate(invalid="ignore"):
            i = np.floor((lat_a - self.lat0) / self.cell_deg)
            j = np.floor((lon_a - self.lon0) / self.cell_deg)
        inside = (i >= 0) & (i < n_lat) & (j >= 0) & (j < n_lon)
        out = np.zeros(lon_a.shape, dtype=np.uint8)
        out[inside] = self.cells[i[inside].astype(np.intp), j[inside].astype(np.intp)]
        return out

    def contains(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        """Whether each point is on land (full-resolution GSHHG).

        Parameters
        ----------
        lon, lat
            Degrees, any broadcastable shapes.

        Returns
        -------
        numpy.ndarray of bool
            True on land. Points outside the region count as sea.

        Examples
        --------
        >>> mask = land_mask()  # doctest: +SKIP
        >>> mask.contains([14.51, 12.5], [35.90, 33.2]).tolist()  # doctest: +SKIP
        [True, False]
        """
        lon_a, lat_a = np.broadcast_arrays(
            np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        )
        shape = lon_a.shape
        lon_a, lat_a = lon_a.ravel(), lat_a.ravel()
        cls = self.cell_class(lon_a, lat_a)
        result = cls == CELL_LAND
        coast = cls == CELL_COAST
        if coast.any():
            x, y = lon_a[coast], lat_a[coast]
            inside = shapely.contains_xy(self.polygons, x, y)
            if self.tile_deg:
                # On a seam a point lies on the boundary of the land cut on either side.
                seam = (np.mod(x, self.tile_deg) == 0.0) | (np.mod(y, self.tile_deg) == 0.0)
                if seam.any():
                    inside[seam] |= shapely.intersects_xy(self.polygons, x[seam], y[seam])
            result[coast] = inside
        return result.reshape(shape)


def land_mask(cache_dir: Path | None = None, *, region: Region = REGION) -> LandMask:
    """The region's :class:`LandMask`, built once and cached (raster as ``.npy``).

    Parameters
    ----------
    cache_dir
        Cache directory; default :func:`default_cache_dir`.
    region
        The box to cover; default :data:`REGION`.
    """
    return _land_mask_cached(Path(cache_dir or default_cache_dir()), region)


@lru_cache(maxsize=4)
def _land_mask_cached(cache_dir: Path, region: Region) -> LandMask:
    polygons = _land_polygons_cached(cache_dir, region)
    shapely.prepare(polygons)
    cell_deg = 1.0 / _CELLS_PER_DEGREE
    path = cache_dir / f"landmask_{_CACHE_VERSION}{_MASK_VERSION}_{_region_key(region)}.npy"
    cells: npt.NDArray[np.uint8] | None = None
    if path.exists():
        try:
            cells = np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            cells = None
    if cells is None:
        cells = _build_cells(polygons, region, cell_deg)
        with atomic_writer(path) as fh:
            np.save(fh, cells, allow_pickle=False)
    return LandMask(
        cells=cells, lon0=region.lon_min, lat0=region.lat_min, cell_deg=cell_deg, polygons=polygons
    )


def _build_cells(
    polygons: shapely.MultiPolygon, region: Region, cell_deg: float
) -> npt.NDArray[np.uint8]:
    """Classify raster cells exactly from the polygons.

    The polygons are scan-converted (even-odd rule, so holes are handled) on a
    lattice twice as fine as the cells, corners included. A cell whose 3x3 samples
    are all land is land, all sea is sea, anything else is coast; the coast band is
    then widened by one cell so that features thinner than a sample spacing are
    still tested exactly.
    """
    fine = 2
    step = cell_deg / fine
    n_lon = round((region.lon_max - region.lon_min) / cell_deg)
    n_lat = round((region.lat_max - region.lat_min) / cell_deg)
    n_cols, n_rows = n_lon * fine + 1, n_lat * fine + 1
    inside = _scan_convert(polygons, region.lon_min, region.lat_min, step, n_cols, n_rows)
    any_land = np.zeros((n_lat, n_lon), dtype=bool)
    all_land = np.ones((n_lat, n_lon), dtype=bool)
    for di in range(fine + 1):
        for dj in range(fine + 1):
            block = inside[di : di + n_lat * fine : fine, dj : dj + n_lon * fine : fine]
            any_land |= block
            all_land &= block
    cells = np.full((n_lat, n_lon), CELL_COAST, dtype=np.uint8)
    cells[~any_land] = CELL_SEA
    cells[all_land] = CELL_LAND
    coast = (cells == CELL_COAST) | _cells_touched_by_coastline(
        polygons, region.lon_min, region.lat_min, cell_deg, n_lon, n_lat
    )
    grown = coast.copy()
    grown[1:, :] |= coast[:-1, :]
    grown[:-1, :] |= coast[1:, :]
    grown[:, 1:] |= coast[:, :-1]
    grown[:, :-1] |= coast[:, 1:]
    cells[grown] = CELL_COAST
    return cells


def _cells_touched_by_coastline(
    polygons: shapely.MultiPolygon,
    lon0: float,
    lat0: float,
    cell_deg: float,
    n_lon: int,
    n_lat: int,
) -> npt.NDArray[np.bool_]:
    """Cells that any polygon edge passes through (sampled every quarter cell).

    Without this, an islet or a breakwater narrower than the sample lattice could sit
    inside a cell whose samples are all sea. Cells the sampling skips (an edge clipping a
    corner by less than a quarter cell) are neighbours of marked cells, which the coast
    band then covers.
    """
    rings = shapely.get_rings(shapely.get_parts(polygons))
    coords, ring_index = shapely.get_coordinates(rings, return_index=True)
    same_ring = ring_index[1:] == ring_index[:-1]
    start, end = coords[:-1][same_ring], coords[1:][same_ring]
    length = np.hypot(*(end - start).T)
    n_samples = np.maximum(np.ceil(length / (cell_deg / 4)).astype(np.int64), 1) + 1
    edge = np.repeat(np.arange(start.shape[0]), n_samples)
    first = np.repeat(np.cumsum(n_samples) - n_samples, n_samples)
    frac = (np.arange(edge.size) - first) / (n_samples[edge] - 1)
    points = start[edge] + frac[:, None] * (end[edge] - start[edge])
    j = np.clip(np.floor((points[:, 0] - lon0) / cell_deg).astype(np.int64), 0, n_lon - 1)
    i = np.clip(np.floor((points[:, 1] - lat0) / cell_deg).astype(np.int64), 0, n_lat - 1)
    touched = np.zeros((n_lat, n_lon), dtype=bool)
    touched[i, j] = True
    return touched


def _scan_convert(
    polygons: shapely.MultiPolygon,
    lon0: float,
    lat0: float,
    step: float,
    n_cols: int,
    n_rows: int,
) -> npt.NDArray[np.bool_]:
    """Even-odd point-in-polygon for every lattice point ``(lon0 + j*step, lat0 + i*step)``."""
    rings = shapely.get_rings(shapely.get_parts(polygons))
    coords, ring_index = shapely.get_coordinates(rings, return_index=True)
    same_ring = ring_index[1:] == ring_index[:-1]
    x1, y1 = coords[:-1][same_ring, 0], coords[:-1][same_ring, 1]
    x2, y2 = coords[1:][same_ring, 0], coords[1:][same_ring, 1]
    # Rows r whose latitude y_r satisfies min(y1,y2) <= y_r < max(y1,y2).
    r_lo = np.ceil((np.minimum(y1, y2) - lat0) / step).astype(np.int64)
    r_hi = np.ceil((np.maximum(y1, y2) - lat0) / step).astype(np.int64)
    r_lo = np.clip(r_lo, 0, n_rows)
    r_hi = np.clip(r_hi, 0, n_rows)
    counts = r_hi - r_lo
    edge = np.repeat(np.arange(x1.size), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    rows = np.repeat(r_lo, counts) + (np.arange(edge.size) - first)
    y_r = lat0 + rows * step
    t = (y_r - y1[edge]) / (y2[edge] - y1[edge])
    x_cross = x1[edge] + t * (x2[edge] - x1[edge])
    cols = np.clip(np.floor((x_cross - lon0) / step).astype(np.int64) + 1, 0, n_cols)
    toggles = np.zeros((n_rows, n_cols + 1), dtype=np.uint8)
    np.add.at(toggles, (rows, cols), 1)
    parity = np.bitwise_and(np.cumsum(toggles[:, :n_cols], axis=1, dtype=np.uint8), 1)
    return parity.astype(bool)


#: Side of the tiles that :func:`land_mask_for` caches, degrees.
TILE_DEG = 5.0
_TILE_VERSION = "tile5"


def land_mask_for(box: Region, cache_dir: Path | None = None) -> LandMask:
    """A :class:`LandMask` that covers ``box``, anywhere in the world.

    Inside :data:`REGION` this is :func:`land_mask` (the packaged region's mask).
    Elsewhere the mask is assembled from tiles of :data:`TILE_DEG` degrees aligned on
    multiples of it, each extracted from the world's GSHHG polygons and rasterised
    once, then cached (``tile5-…`` files; reading the world costs ~10 s and ~1.5 GB
    the first time any tile is missing, for all missing tiles at once). Tile edges
    that cross land are coast cells, tested exactly against the tiles' polygons.

    Parameters
    ----------
    box
        The area the mask must cover (longitudes −180..180, no wrap across 180°).
    cache_dir
        Cache directory; default :func:`default_cache_dir`.

    Raises
    ------
    InputError
        A box that is empty or outside −180..180, −90..90.
    """
    from sarwatch.errors import InputError

    if not (
        -180.0 <= box.lon_min < box.lon_max <= 180.0 and -90.0 <= box.lat_min < box.lat_max <= 90.0
    ):
        raise InputError(
            f"the land mask's area {box.describe()} is empty or outside -180..180, -90..90"
        )
    if bool(REGION.contains(box.lon_min, box.lat_min)) and bool(
        REGION.contains(box.lon_max, box.lat_max)
    ):
        return land_mask(cache_dir, region=REGION)
    t = TILE_DEG
    # floor + t, not ceil: an edge on a seam (lon_max = 20.0) must take the tile beyond it,
    # or a point on that edge falls outside the raster and reads as sea.
    snapped = Region(
        lon_min=float(np.floor(box.lon_min / t) * t),
        lat_min=float(np.floor(box.lat_min / t) * t),
        lon_max=min(180.0, float(np.floor(box.lon_max / t) * t + t)),
        lat_max=min(90.0, float(np.floor(box.lat_max / t) * t + t)),
    )
    return _tiled_mask_cached(Path(cache_dir or default_cache_dir()), snapped)


def land_polygons_for(box: Region, cache_dir: Path | None = None) -> shapely.MultiPolygon:
    """Land polygons that cover ``box``, anywhere (for maps): the packaged region's inside
    :data:`REGION`, else the GSHHG tiles of :func:`land_mask_for` (clipped at tile edges)."""
    box = Region(
        max(box.lon_min, -180.0), max(box.lat_min, -90.0),
        min(box.lon_max, 180.0), min(box.lat_max, 90.0),
    )  # fmt: skip
    return land_mask_for(box, cache_dir).polygons


def _tile_paths(cache_dir: Path, tile: Region) -> tuple[Path, Path]:
    key = f"{_TILE_VERSION}_{_CACHE_VERSION}{_MASK_VERSION}_{_region_key(tile)}"
    return cache_dir / f"land_{key}.wkb", cache_dir / f"landmask_{key}.npy"


def _load_tile(
    cache_dir: Path, tile: Region
) -> tuple[shapely.MultiPolygon, npt.NDArray[np.uint8]] | None:
    wkb, npy = _tile_paths(cache_dir, tile)
    if not (wkb.exists() and npy.exists()):
        return None
    try:
        geom = shapely.from_wkb(wkb.read_bytes())
        cells = np.load(npy, allow_pickle=False)
    except (OSError, ValueError, shapely.errors.GEOSException):
        return None
    if not isinstance(geom, shapely.MultiPolygon):
        return None
    return geom, cells


@lru_cache(maxsize=2)
def _tiled_mask_cached(cache_dir: Path, box: Region) -> LandMask:
    t = TILE_DEG
    cell_deg = 1.0 / _CELLS_PER_DEGREE
    per_tile = round(t / cell_deg)
    n_x = round((box.lon_max - box.lon_min) / t)
    n_y = round((box.lat_max - box.lat_min) / t)
    tiles = {
        (i, j): Region(
            box.lon_min + i * t, box.lat_min + j * t, box.lon_min + (i + 1) * t,
            box.lat_min + (j + 1) * t,
        )
        for i in range(n_x)
        for j in range(n_y)
    }  # fmt: skip
    loaded = {k: _load_tile(cache_dir, r) for k, r in tiles.items()}
    missing = [k for k, v in loaded.items() if v is None]
    if missing:
        for k, geom in zip(missing, _extract_many([tiles[k] for k in missing]), strict=True):
            cells = _build_cells(geom, tiles[k], cell_deg)
            wkb, npy = _tile_paths(cache_dir, tiles[k])
            write_bytes_atomic(wkb, shapely.to_wkb(geom))
            with atomic_writer(npy) as fh:
                np.save(fh, cells, allow_pickle=False)
            loaded[k] = (geom, cells)
    raster = np.zeros((n_y * per_tile, n_x * per_tile), dtype=np.uint8)
    parts: list[shapely.Polygon] = []
    for (i, j), tile in loaded.items():
        assert tile is not None
        geom, cells = tile
        raster[j * per_tile : (j + 1) * per_tile, i * per_tile : (i + 1) * per_tile] = cells
        parts.extend(shapely.get_parts(geom))
    polygons = shapely.MultiPolygon(parts)
    shapely.prepare(polygons)
    return LandMask(
        cells=raster,
        lon0=box.lon_min,
        lat0=box.lat_min,
        cell_deg=cell_deg,
        polygons=polygons,
        tile_deg=t,
    )
