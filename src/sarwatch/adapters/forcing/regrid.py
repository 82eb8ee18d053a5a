"""From a file's own grid to the core's regular lon/lat grid; land cells of currents.

The drift kernel reads regular longitude/latitude grids. A field on a projected,
curvilinear or uneven grid is resampled here, once per run, onto a regular grid that
covers the run's area at the native resolution: each target point is located in the
native grid (:meth:`~sarwatch.adapters.forcing.grids.NativeGrid.locate`) and the
native values are interpolated bilinearly in index space (NaN corners left out of
the weights, as the kernel does). The kernel then interpolates bilinearly again, so
a field is interpolated twice: for a smooth field the added error is of the order of
``h² |∇²f| / 8`` (``h`` the native spacing), the error of one more bilinear
interpolation, and a field linear in the native coordinates is reproduced to the
curvature of the map between the two grids (tests: ``tests/test_forcing_grids.py``).

Land cells of currents and Stokes drift (NaN: masked, fill values) are filled from
the nearest valid sea cell up to :data:`FILL_REACH_CELLS` cells away, before any
interpolation (see :func:`fill_from_nearest_sea`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sarwatch.adapters.forcing.grids import NativeGrid
from sarwatch.errors import ForcingError

__all__ = ["FILL_REACH_CELLS", "Target", "fill_from_nearest_sea", "plan_target", "resample"]

FloatArray = npt.NDArray[np.float64]

#: How far (in native cells) land or missing cells of a current are filled from the sea.
#: OpenDrift's default interpolator (``linearNDFast``) widens the valid data by up to 10
#: cells, one 3x3 dilation at a time, so the reach is the same.
FILL_REACH_CELLS = 10
#: The largest regular grid a resampled field is given (cells per time step).
MAX_TARGET_CELLS = 4_000_000
_M_PER_DEG = 111_195.0


@dataclass(frozen=True)
class Target:
    """A regular lon/lat grid and where each of its points lies in the native grid.

    Attributes
    ----------
    lon0, dlon, lat0, dlat
        Origin (cell centre of ``[0, 0]``) and spacing, degrees.
    rows, cols
        Fractional native indices of every target point, shape ``(ny, nx)``.
    """

    lon0: float
    dlon: float
    lat0: float
    dlat: float
    rows: FloatArray
    cols: FloatArray

    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)``."""
        return (int(self.rows.shape[0]), int(self.rows.shape[1]))


def plan_target(
    grid: NativeGrid, lon: float, lat: float, margin_deg: float, *, name: str
) -> Target:
    """The regular grid that covers ``start ± margin`` inside the native grid's footprint.

    The spacing is the native spacing near the start (in metres, turned into degrees
    at the start's latitude). Rows and columns of the box that fall outside the
    native grid are cut from the edges (the box becomes the largest rectangle found
    greedily around the start), so that every target point has data or land.

    Raises
    ------
    ForcingError
        The start lies outside the native grid, or within a cell of a pole.
    """
    if abs(lat) > 89.0:
        raise ForcingError(
            f"{name}: the start lies within 1° of a pole; drift on a lon/lat grid is not "
            "defined there"
        )
    r, c = grid.locate([lon], [lat])
    if not (np.isfinite(r[0]) and np.isfinite(c[0])):
        raise ForcingError(
            f"{name}: the start position {lat:.4f}°N {lon:.4f}°E lies outside the "
            f"{grid.description} (longitude {np.min(grid.lon):g} to {np.max(grid.lon):g}°E, "
            f"latitude {np.min(grid.lat):g} to {np.max(grid.lat):g}°N); give forcing "
            "that covers the area"
        )
    spacing = grid.spacing_m(round(float(r[0])), round(float(c[0])))
    coslat = max(np.cos(np.radians(lat)), 0.02)
    dlat = spacing / _M_PER_DEG
    dlon = dlat / coslat
    rel = ((grid.lon - lon + 180.0) % 360.0) - 180.0
    lo_x, hi_x = max(-margin_deg, float(rel.min())), min(margin_deg, float(rel.max()))
    lo_y = max(lat - margin_deg, float(grid.lat.min()))
    hi_y = min(lat + margin_deg, float(grid.lat.max()))
    nx = int(np.floor((hi_x - lo_x) / dlon)) + 1
    ny = int(np.floor((hi_y - lo_y) / dlat)) + 1
    if nx * ny > MAX_TARGET_CELLS:
        f = float(np.sqrt(nx * ny / MAX_TARGET_CELLS))
        dlon, dlat = dlon * f, dlat * f
        nx = int(np.floor((hi_x - lo_x) / dlon)) + 1
        ny = int(np.floor((hi_y - lo_y) / dlat)) + 1
    # Anchor the axes on the start so that it sits on a grid line (reproducible).
    i_start = int(np.floor((-lo_x) / dlon))
    j_start = int(np.floor((lat - lo_y) / dlat))
    lon0 = lon - i_start * dlon
    lat0 = lat - j_start * dlat
    lons = lon0 + dlon * np.arange(nx)
    lats = lat0 + dlat * np.arange(ny)
    glon, glat = np.meshgrid(lons, lats)
    rows, cols = grid.locate(((glon + 180.0) % 360.0) - 180.0, glat)
    rows, cols = rows.reshape(ny, nx), cols.reshape(ny, nx)
    r0, r1, c0, c1 = _inscribed(~np.isfinite(rows) | ~np.isfinite(cols), j_start, i_start)
    if r1 - r0 < 1 or c1 - c0 < 1:
        raise ForcingError(
            f"{name}: the {grid.description} covers too little around the start "
            f"{lat:.4f}°N {lon:.4f}°E to build a grid of 2x2 points; give forcing that covers "
            "the area"
        )
    return Target(
        lon0=float(lons[c0]),
        dlon=float(dlon),
        lat0=float(lats[r0]),
        dlat=float(dlat),
        rows=np.ascontiguousarray(rows[r0 : r1 + 1, c0 : c1 + 1]),
        cols=np.ascontiguousarray(cols[r0 : r1 + 1, c0 : c1 + 1]),
    )


def _inscribed(bad: npt.NDArray[np.bool_], row: int, col: int) -> tuple[int, int, int, int]:
    """Bounds ``(r0, r1, c0, c1)`` (inclusive) of a rectangle free of ``bad`` cells.

    Greedy: the edge row or column with the largest share of bad cells is cut until
    none is left; an edge through ``(row, col)`` is never cut.
    """
    s = np.zeros((bad.shape[0] + 1, bad.shape[1] + 1), dtype=np.int64)
    s[1:, 1:] = np.cumsum(np.cumsum(bad, axis=0), axis=1)

    def count(r0: int, r1: int, c0: int, c1: int) -> int:
        return int(s[r1 + 1, c1 + 1] - s[r0, c1 + 1] - s[r1 + 1, c0] + s[r0, c0])

    r0, r1, c0, c1 = 0, bad.shape[0] - 1, 0, bad.shape[1] - 1
    while r0 <= r1 and c0 <= c1 and count(r0, r1, c0, c1) > 0:
        width, height = c1 - c0 + 1, r1 - r0 + 1
        shares = {
            "top": count(r1, r1, c0, c1) / width if r1 != row else -1.0,
            "bottom": count(r0, r0, c0, c1) / width if r0 != row else -1.0,
            "left": count(r0, r1, c0, c0) / height if c0 != col else -1.0,
            "right": count(r0, r1, c1, c1) / height if c1 != col else -1.0,
        }
        edge = max(shares, key=lambda k: shares[k])
        if shares[edge] < 0:
            break
        if edge == "top":
            r1 -= 1
        elif edge == "bottom":
            r0 += 1
        elif edge == "left":
            c0 += 1
        else:
            c1 -= 1
    return r0, r1, c0, c1


def resample(
    values: npt.NDArray[np.float32], target: Target, offset: tuple[int, int]
) -> npt.NDArray[np.float32]:
    """Bilinear interpolation in native index space, NaN corners left out of the weights.

    Parameters
    ----------
    values
        Native values ``(nt, ny, nx)`` of the window ``offset`` (row, column) onwards.
    target
        Where the target points lie (fractional indices in the whole native grid).
    offset
        Index of ``values[:, 0, 0]`` in the whole native grid.

    Returns
    -------
    numpy.ndarray
        float32 ``(nt, ty, tx)``; NaN where all four corners are NaN.
    """
    nt, ny, nx = values.shape
    fr = target.rows.ravel() - offset[0]
    fc = target.cols.ravel() - offset[1]
    r0 = np.clip(np.floor(fr), 0, max(ny - 2, 0)).astype(np.intp)
    c0 = np.clip(np.floor(fc), 0, max(nx - 2, 0)).astype(np.intp)
    b = np.clip(fr - r0, 0.0, 1.0)
    a = np.clip(fc - c0, 0.0, 1.0)
    r1 = np.minimum(r0 + 1, ny - 1)
    c1 = np.minimum(c0 + 1, nx - 1)
    corners = ((r0, c0, (1 - a) * (1 - b)), (r0, c1, a * (1 - b)), (r1, c0, (1 - a) * b),
               (r1, c1, a * b))  # fmt: skip
    out = np.empty((nt, *target.shape), dtype=np.float32)
    for k in range(nt):
        acc = np.zeros(fr.size)
        wsum = np.zeros(fr.size)
        for rr, cc, w in corners:
            val = values[k, rr, cc].astype(float)
            ok = np.isfinite(val) & (w > 0)
            acc += np.where(ok, val * w, 0.0)
            wsum += np.where(ok, w, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            res = np.where(wsum > 0, acc / wsum, np.nan)
        out[k] = res.reshape(target.shape)
    return out


def fill_from_nearest_sea(
    u: npt.NDArray[np.float32],
    v: npt.NDArray[np.float32],
    *,
    spacing: tuple[float, float] = (1.0, 1.0),
    reach_cells: int = FILL_REACH_CELLS,
) -> int:
    """Fill land/missing cells of a current in place from the nearest valid cell.

    A cell is missing where ``u`` or ``v`` is NaN. Each missing cell within
    ``reach_cells`` cells of valid data takes the vector of the nearest valid cell
    (Euclidean distance with the given row/column ``spacing``); farther cells stay
    NaN, which the kernel reads as no current. Ocean models mask their land, and their
    land reaches past the real coastline (the model's cells are coarse); filling keeps
    a boat near the coast moving with the nearest modelled current until the
    full-resolution coastline strands it, as OpenDrift does (its ``linearNDFast``
    interpolator widens the data into NaN cells by grey dilation, 3x3 maxima, up to 10
    times); the nearest value is used here instead of the maximum of the neighbours,
    which biases each component upwards.

    Returns
    -------
    int
        The number of cells filled in the first time step.
    """
    filled_first = 0
    cache: tuple[Any, Any, Any] | None = None
    limit = reach_cells * max(spacing) + 1e-9
    for k in range(u.shape[0]):
        missing = ~np.isfinite(u[k]) | ~np.isfinite(v[k])
        if not missing.any() or missing.all():
            continue
        if cache is not None and np.array_equal(cache[0], missing):
            fill, idx = cache[1], cache[2]
        else:
            from scipy.ndimage import distance_transform_edt  # only when a cell needs filling

            dist, ind = distance_transform_edt(
                missing, sampling=spacing, return_distances=True, return_indices=True
            )
            fill = missing & (dist <= limit)
            idx = (ind[0][fill], ind[1][fill])
            cache = (missing, fill, idx)
        u[k][fill] = u[k][idx]
        v[k][fill] = v[k][idx]
        if k == 0:
            filled_first = int(fill.sum())
    return filled_first
