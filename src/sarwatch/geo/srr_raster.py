"""SAR-region membership classes by raster lookup, exact near the boundaries.

Classifying every particle of an atlas against the SAR-region polygons at every lead
time costs a point-in-polygon test per particle per region. :class:`SrrRaster` holds
the membership class of each cell of a fine lon/lat raster (bit ``i`` set when the
cell lies in ``region_ids[i]``, as :func:`srr_codes` gives), so a particle's class is
one array lookup. Cells that a region boundary may cross are marked :data:`EXACT`, and
particles in them (or off the raster) are tested exactly with shapely; the raster's
answer is therefore *the exact classification everywhere*, not an approximation.

Why a cell not marked is safe: each boundary is densified to segments no longer than a
quarter cell, and every cell within two cells (a 5 x 5 block) of a cell holding a
densified vertex is marked. Any boundary point lies within a quarter cell of a vertex,
so in a cell at most one away from the vertex's cell; a cell not marked therefore holds
no boundary point, nor does any cell next to it, so all of it lies on one side of every
boundary (its centre gives its class), and a position that floating-point rounding puts
one cell off still gets the class of the cell it truly lies in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import shapely

from sarwatch.errors import InputError
from sarwatch.geo.coast import REGION, Region
from sarwatch.geo.srr import sar_regions

__all__ = ["EXACT", "SrrRaster", "srr_codes", "srr_raster"]

#: Raster value of a cell whose particles are tested exactly against the polygons.
EXACT = 0xFFFF

#: At most this many regions fit a ``uint16`` class with :data:`EXACT` left free.
_MAX_REGIONS = 15

#: Cells marked round a cell holding a boundary vertex (2: a 5 x 5 block).
_MARGIN_CELLS = 2


def _polygons(region_ids: Sequence[str]) -> list[shapely.Geometry]:
    by_id = {r.srr_id: r.membership_area for r in sar_regions()}
    unknown = [rid for rid in region_ids if rid not in by_id]
    if unknown:
        raise InputError(f"unknown SAR region ids {unknown}; the packaged ones are {list(by_id)}")
    if len(region_ids) > _MAX_REGIONS:
        raise InputError(f"at most {_MAX_REGIONS} regions, got {len(region_ids)}")
    return [by_id[rid] for rid in region_ids]


def srr_codes(
    lon: npt.ArrayLike, lat: npt.ArrayLike, region_ids: Sequence[str]
) -> npt.NDArray[np.int64]:
    """The exact membership class of each point: bit ``i`` set when in ``region_ids[i]``.

    Parameters
    ----------
    lon, lat
        Degrees, broadcastable arrays.
    region_ids
        Packaged SAR region ids, in bit order.

    Examples
    --------
    >>> srr_codes([12.5, 12.6, 0.0], [33.2, 35.4, 0.0], ["IT", "MT", "LY"]).tolist()
    [4, 3, 0]
    """
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    code = np.zeros(lon_a.shape, np.int64)
    for bit, poly in enumerate(_polygons(region_ids)):
        code |= shapely.contains_xy(poly, lon_a, lat_a).astype(np.int64) << bit
    return code


@dataclass(frozen=True)
class SrrRaster:
    """Membership classes on a raster, :data:`EXACT` where a boundary may pass.

    Attributes
    ----------
    codes
        ``(ny, nx)`` ``uint16`` (read-only): row 0 at ``lat0``, column 0 at ``lon0``;
        cells are half-open ``[lo, lo + cell_deg)``.
    lon0, lat0, cell_deg
        South-west corner and cell size, degrees.
    region_ids
        The regions, in bit order.
    """

    codes: npt.NDArray[np.uint16]
    lon0: float
    lat0: float
    cell_deg: float
    region_ids: tuple[str, ...]

    @property
    def exact_share(self) -> float:
        """Share of the raster's cells tested exactly (the band round the boundaries)."""
        return float(np.count_nonzero(self.codes == EXACT)) / self.codes.size

    def classify(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """The membership class of each point, identical to :func:`srr_codes`.

        Parameters
        ----------
        lon, lat
            Degrees, 1-D arrays of the same length (finite).

        Examples
        --------
        >>> r = srr_raster(("IT", "MT", "LY"))  # doctest: +SKIP
        >>> r.classify(np.array([12.5, 12.6]), np.array([33.2, 35.4])).tolist()  # doctest: +SKIP
        [4, 3]
        """
        lon_a = np.asarray(lon, dtype=np.float64)
        lat_a = np.asarray(lat, dtype=np.float64)
        ny, nx = self.codes.shape
        col = np.floor((lon_a - self.lon0) * (1.0 / self.cell_deg))
        row = np.floor((lat_a - self.lat0) * (1.0 / self.cell_deg))
        inside = (col >= 0) & (col < nx) & (row >= 0) & (row < ny)
        out = np.full(lon_a.shape, EXACT, np.int64)
        out[inside] = self.codes[row[inside].astype(np.intp), col[inside].astype(np.intp)]
        exact = np.flatnonzero(out == EXACT)
        if exact.size:
            out[exact] = srr_codes(lon_a[exact], lat_a[exact], self.region_ids)
        return out


def build_srr_raster(
    region_ids: Sequence[str], *, box: Region = REGION, cell_deg: float = 0.01
) -> SrrRaster:
    """Rasterise the regions' membership classes over ``box`` (see the module notes).

    Parameters
    ----------
    region_ids
        Packaged SAR region ids, in bit order (at most 15).
    box
        The area of the raster; points outside it are tested exactly.
    cell_deg
        Cell size, degrees (> 0).

    Raises
    ------
    InputError
        Unknown region ids, too many, or a cell size that is not positive.
    """
    if not cell_deg > 0:
        raise InputError(f"the raster's cell must be > 0 degrees, got {cell_deg}")
    polygons = _polygons(region_ids)
    nx = int(np.ceil((box.lon_max - box.lon_min) / cell_deg - 1e-9))
    ny = int(np.ceil((box.lat_max - box.lat_min) / cell_deg - 1e-9))
    lon_c = box.lon_min + (np.arange(nx) + 0.5) * cell_deg
    lat_c = box.lat_min + (np.arange(ny) + 0.5) * cell_deg
    codes = np.zeros((ny, nx), np.uint16)
    hit = np.zeros((ny + 2 * _MARGIN_CELLS, nx + 2 * _MARGIN_CELLS), bool)
    for bit, poly in enumerate(polygons):
        # rows one at a time keep the temporaries small (nx points)
        for i, la in enumerate(lat_c):
            codes[i] |= shapely.contains_xy(poly, lon_c, la).astype(np.uint16) << bit
        edge = shapely.segmentize(shapely.boundary(poly), cell_deg / 4.0)
        xy = shapely.get_coordinates(edge)
        col = np.floor((xy[:, 0] - box.lon_min) / cell_deg).astype(np.int64) + _MARGIN_CELLS
        row = np.floor((xy[:, 1] - box.lat_min) / cell_deg).astype(np.int64) + _MARGIN_CELLS
        keep = (col >= 0) & (col < hit.shape[1]) & (row >= 0) & (row < hit.shape[0])
        hit[row[keep], col[keep]] = True
    m = _MARGIN_CELLS
    near = np.zeros((ny, nx), bool)
    for di in range(-m, m + 1):  # dilate: every cell within m cells of a boundary cell
        for dj in range(-m, m + 1):
            near |= hit[m + di : m + di + ny, m + dj : m + dj + nx]
    codes[near] = EXACT
    codes.flags.writeable = False
    return SrrRaster(
        codes=codes,
        lon0=box.lon_min,
        lat0=box.lat_min,
        cell_deg=cell_deg,
        region_ids=tuple(region_ids),
    )


@lru_cache(maxsize=2)
def srr_raster(region_ids: tuple[str, ...], cell_deg: float = 0.01) -> SrrRaster:
    """The packaged region's :class:`SrrRaster`, built once per process (~0.5 s)."""
    return build_srr_raster(region_ids, cell_deg=cell_deg)
