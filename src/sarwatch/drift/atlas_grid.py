"""Drift atlases as integer counts: presence grids per lead time and SAR-region classes.

An atlas sums many drift scenarios. Each scenario's particle positions at the lead
times are reduced here to *counts* (how many particles lie in each cell of a fixed
lon/lat grid, and in each SAR-region membership class), never to fractions, so the
partial results of any number of tasks add up exactly: integer addition is
associative and commutative, and the sum is the same whatever the order in which
tasks finish or the number of workers that ran them. Probabilities are formed once,
at the end (:meth:`AtlasCounts.presence_probability`, :meth:`AtlasCounts.region_shares`).

SAR regions overlap (Italy and Malta round Lampedusa), so a particle's region is a
*membership class*: the set of regions containing it, coded as a bit mask over the
region ids (bit ``i`` for region ``i``; class 0 is "in none"). Classes are disjoint:
their shares sum to the share of particles located (afloat or stranded), at most 1.

A particle stranded on a coast is also counted *ashore*, by its departure and the State
whose coast it is (indices into the caller's departures and State codes, the last State
for "unknown"), from the lead time at which it stranded on: a stranded particle stays
so, so these counts only grow with the lead time, and they answer "how often does a boat
reach land unaided".

Positions (lon, lat) are WGS84 degrees; cells are half-open ``[lo, lo + cell)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sarwatch.errors import InputError

__all__ = [
    "AtlasCounts",
    "AtlasGrid",
    "PartialCounts",
    "class_label",
    "membership_codes",
    "reduce_positions",
]

#: At most this many regions (2**n membership classes).
MAX_REGIONS = 12


@dataclass(frozen=True)
class AtlasGrid:
    """A regular lon/lat grid of cells ``cell_deg`` wide from ``(lon_min, lat_min)``.

    Attributes
    ----------
    lon_min, lat_min, lon_max, lat_max
        Bounds, degrees (the last cell may reach past the maximum by less than a cell).
    cell_deg
        Cell size, degrees (> 0).

    Examples
    --------
    >>> g = AtlasGrid(10.0, 30.0, 11.0, 31.0, 0.5)
    >>> g.shape, g.cell_index(np.array([10.1, 10.9, 12.0]), np.array([30.1, 30.6, 30.0])).tolist()
    ((2, 2), [0, 3, -1])
    """

    lon_min: float
    lat_min: float
    lon_max: float
    lat_max: float
    cell_deg: float

    def __post_init__(self) -> None:
        if not (self.cell_deg > 0 and self.lon_max > self.lon_min and self.lat_max > self.lat_min):
            raise InputError(
                f"an atlas grid needs lon_max > lon_min, lat_max > lat_min and a cell > 0 "
                f"degrees; got {self.lon_min}..{self.lon_max}, {self.lat_min}..{self.lat_max}, "
                f"cell {self.cell_deg}"
            )
        if self.nx * self.ny > 50_000_000:
            raise InputError(
                f"an atlas grid of {self.ny} x {self.nx} cells is too large; give a coarser cell"
            )

    @property
    def nx(self) -> int:
        """Columns (longitude)."""
        return int(np.ceil((self.lon_max - self.lon_min) / self.cell_deg - 1e-9))

    @property
    def ny(self) -> int:
        """Rows (latitude)."""
        return int(np.ceil((self.lat_max - self.lat_min) / self.cell_deg - 1e-9))

    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)``."""
        return self.ny, self.nx

    def lon_centres(self) -> npt.NDArray[np.float64]:
        """Cell-centre longitudes, degrees."""
        return np.asarray(self.lon_min + (np.arange(self.nx) + 0.5) * self.cell_deg, np.float64)

    def lat_centres(self) -> npt.NDArray[np.float64]:
        """Cell-centre latitudes, degrees."""
        return np.asarray(self.lat_min + (np.arange(self.ny) + 0.5) * self.cell_deg, np.float64)

    def cell_index(
        self, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.int64]:
        """Flat cell index ``row * nx + col`` of each position; -1 outside the grid."""
        col = np.floor((np.asarray(lon, float) - self.lon_min) / self.cell_deg)
        row = np.floor((np.asarray(lat, float) - self.lat_min) / self.cell_deg)
        inside = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        out = np.full(col.shape, -1, np.int64)
        out[inside] = row[inside].astype(np.int64) * self.nx + col[inside].astype(np.int64)
        return out


def membership_codes(
    member: Mapping[str, npt.NDArray[np.bool_]], region_ids: Sequence[str]
) -> npt.NDArray[np.int64]:
    """The membership class of each point: bit ``i`` set when in ``region_ids[i]``.

    Parameters
    ----------
    member
        ``{region_id: bool array}`` (as :func:`sarwatch.geo.srr.srr_membership` gives).
    region_ids
        The regions, in bit order; every one must be in ``member``.

    Examples
    --------
    >>> membership_codes({"IT": np.array([True, False]), "MT": np.array([True, False])},
    ...                  ["IT", "MT"]).tolist()
    [3, 0]
    """
    if len(region_ids) > MAX_REGIONS:
        raise InputError(f"at most {MAX_REGIONS} regions, got {len(region_ids)}")
    if not region_ids:
        return np.zeros(0, np.int64)
    first = np.asarray(member[region_ids[0]])
    code = np.zeros(first.shape, np.int64)
    for bit, rid in enumerate(region_ids):
        code |= np.asarray(member[rid], bool).astype(np.int64) << bit
    return code


def class_label(code: int, region_ids: Sequence[str]) -> str:
    """``"IT+MT"`` for a membership class, ``"none"`` for class 0.

    Examples
    --------
    >>> class_label(3, ["IT", "MT", "LY"]), class_label(0, ["IT"])
    ('IT+MT', 'none')
    """
    names = [rid for bit, rid in enumerate(region_ids) if code >> bit & 1]
    return "+".join(names) if names else "none"


@dataclass(frozen=True)
class PartialCounts:
    """One scenario's (or several scenarios') counts, sparse in space.

    Attributes
    ----------
    particles, scenarios
        Particles and scenarios counted.
    cells, counts
        Per lead time: the occupied flat cells of the departures' grids (``int64``,
        sorted, unique: ``departure * ny * nx + cell``) and the particles in each
        (``int64``).
    outside_grid
        Per lead time: particles located (afloat or stranded) but off the grid.
    classes
        ``(n_lead, 2**n_regions)`` particles per membership class (located ones only).
    ashore
        ``(n_lead, n_departures, n_states)`` particles stranded by the lead time, per
        departure and State's coast.
    departure_particles
        ``(n_departures,)`` particles counted per departure.
    """

    particles: int
    scenarios: int
    cells: tuple[npt.NDArray[np.int64], ...]
    counts: tuple[npt.NDArray[np.int64], ...]
    outside_grid: npt.NDArray[np.int64]
    classes: npt.NDArray[np.int64]
    ashore: npt.NDArray[np.int64]
    departure_particles: npt.NDArray[np.int64]


def reduce_positions(
    grid: AtlasGrid,
    lons: Sequence[npt.NDArray[np.float64]],
    lats: Sequence[npt.NDArray[np.float64]],
    located: Sequence[npt.NDArray[np.bool_]],
    codes: Sequence[npt.NDArray[np.int64]],
    n_regions: int,
) -> PartialCounts:
    """Reduce one scenario's particles at each lead time to :class:`PartialCounts`.

    Parameters
    ----------
    grid
        The atlas grid.
    lons, lats, located, codes
        Per lead time: every particle's position (degrees), whether it is located
        (afloat or stranded: counted), and its membership class
        (:func:`membership_codes`; only read where located).
    n_regions
        Number of regions (the classes are ``0 .. 2**n_regions - 1``).

    Examples
    --------
    >>> g = AtlasGrid(0.0, 0.0, 2.0, 1.0, 1.0)
    >>> p = reduce_positions(g, [np.array([0.5, 0.6, 1.5, 9.0])], [np.array([0.5] * 4)],
    ...                      [np.array([True, True, True, True])], [np.array([1, 1, 0, 0])], 1)
    >>> p.cells[0].tolist(), p.counts[0].tolist(), p.outside_grid.tolist(), p.classes.tolist()
    ([0, 1], [2, 1], [1], [[2, 2]])
    """
    n_lead = len(lons)
    if not (len(lats) == len(located) == len(codes) == n_lead) or n_lead == 0:
        raise InputError("reduce_positions needs the same, non-zero, number of lead times")
    counts = AtlasCounts(grid, n_lead, n_regions, sparse=True)
    cells, located_codes = [], []
    for k in range(n_lead):
        ok = np.asarray(located[k], bool)
        cells.append(grid.cell_index(np.asarray(lons[k])[ok], np.asarray(lats[k])[ok]))
        located_codes.append(np.asarray(codes[k])[ok])
    counts.add_leads(cells, located_codes, particles=int(np.asarray(lons[0]).size))
    return counts.to_partial()


@dataclass
class AtlasCounts:
    """The running sum of an atlas (dense), to which partial counts are added.

    Attributes
    ----------
    grid
        The atlas grid.
    by_departure
        ``(n_lead, n_departures, ny, nx)`` particles per departure, cell and lead time
        (``int64``); :attr:`presence` is their sum over the departures.
    classes
        ``(n_lead, 2**n_regions)`` particles per membership class.
    outside_grid
        ``(n_lead,)`` particles located off the grid.
    ashore
        ``(n_lead, n_departures, n_states)`` particles stranded by the lead time, per
        departure (the caller's order) and State's coast (the caller's State codes,
        "unknown" last).
    departure_particles
        ``(n_departures,)`` particles counted per departure.
    particles, scenarios
        Totals added so far.
    sparse
        Keep the cells as sorted (cell, count) pairs per lead time instead of the dense
        grids: what a worker sums a batch in. The dense grids of every departure are
        ``n_lead x n_departures x ny x nx`` integers (24 MB for ``PORTS`` over 48 h at
        6 h and 0.1°, 570 MB at 1 h and 0.05°), allocated and scanned for every batch,
        while a batch's particles occupy a few thousand cells. :attr:`by_departure`
        still gives the dense grids (built on demand).
    """

    grid: AtlasGrid
    n_lead: int
    n_regions: int
    n_states: int = 1
    n_departures: int = 1
    _dense: npt.NDArray[np.int64] = field(init=False, repr=False)
    classes: npt.NDArray[np.int64] = field(init=False)
    outside_grid: npt.NDArray[np.int64] = field(init=False)
    ashore: npt.NDArray[np.int64] = field(init=False)
    departure_particles: npt.NDArray[np.int64] = field(init=False)
    particles: int = 0
    scenarios: int = 0
    sparse: bool = False
    _cells: list[npt.NDArray[np.int64]] = field(init=False, repr=False)
    _counts: list[npt.NDArray[np.int64]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n_dep = max(self.n_departures, 1)
        shape = (self.n_lead, n_dep, *self.grid.shape)
        self._dense = np.zeros((0,) * 4 if self.sparse else shape, np.int64)
        self._cells = [np.zeros(0, np.int64) for _ in range(self.n_lead)]
        self._counts = [np.zeros(0, np.int64) for _ in range(self.n_lead)]
        self.classes = np.zeros((self.n_lead, 1 << self.n_regions), np.int64)
        self.outside_grid = np.zeros(self.n_lead, np.int64)
        self.ashore = np.zeros((self.n_lead, n_dep, max(self.n_states, 1)), np.int64)
        self.departure_particles = np.zeros(max(self.n_departures, 1), np.int64)

    def add(self, part: PartialCounts) -> None:
        """Add one partial result (exact: integer sums).

        Raises
        ------
        InputError
            If the partial has another number of lead times or regions.
        """
        if (
            len(part.cells) != self.n_lead
            or part.classes.shape != self.classes.shape
            or part.ashore.shape != self.ashore.shape
        ):
            raise InputError(
                f"partial atlas counts of shapes {part.classes.shape} and {part.ashore.shape} "
                f"do not fit an atlas of {self.classes.shape} and {self.ashore.shape}"
            )
        for k in range(self.n_lead):
            self._add_cells(k, part.cells[k], part.counts[k])
        self.classes += part.classes
        self.outside_grid += part.outside_grid
        self.ashore += part.ashore
        self.departure_particles += part.departure_particles
        self.particles += part.particles
        self.scenarios += part.scenarios

    def add_leads(
        self,
        cells: Sequence[npt.NDArray[np.int64]],
        codes: Sequence[npt.NDArray[np.int64]],
        *,
        particles: int,
        scenarios: int = 1,
        ashore: Sequence[npt.NDArray[np.integer]] | None = None,
        departure: int = 0,
    ) -> None:
        """Add one scenario's located particles, lead time by lead time (exact).

        Parameters
        ----------
        cells
            Per lead time: the flat cell of each located particle
            (:meth:`AtlasGrid.cell_index`; -1 off the grid).
        codes
            Per lead time: the membership class of each located particle.
        particles, scenarios
            Particles of the scenario (located or not) and scenarios added.
        ashore
            Per lead time: the State (column, ``0 .. n_states - 1``) of each particle
            stranded by then; None when nothing is counted ashore.
        departure
            The scenario's departure (``0 .. n_departures - 1``).

        Raises
        ------
        InputError
            If the lead times do not match the atlas's, or a State column or the
            departure is out of range.
        """
        if not (len(cells) == len(codes) == self.n_lead) or (
            ashore is not None and len(ashore) != self.n_lead
        ):
            raise InputError(
                f"{len(cells)} lead times of cells, {len(codes)} of classes and "
                f"{'no' if ashore is None else len(ashore)} ashore do not fit an atlas of "
                f"{self.n_lead}"
            )
        n_states = self.ashore.shape[2]
        landed = [np.asarray(c, np.int64) for c in (ashore or ())]
        if any(c.size and (c.min() < 0 or c.max() >= n_states) for c in landed):
            raise InputError(f"ashore State columns must lie in 0..{n_states - 1}")
        if not 0 <= departure < self.ashore.shape[1]:
            raise InputError(f"departure {departure} is not one of 0..{self.ashore.shape[1] - 1}")
        n_classes = self.classes.shape[1]
        offset = departure * self.grid.nx * self.grid.ny  # the departure's grid in flat
        for k in range(self.n_lead):
            idx = np.asarray(cells[k], np.int64)
            on = idx >= 0
            occupied, many = np.unique(idx[on] + offset, return_counts=True)
            self._add_cells(k, occupied, many.astype(np.int64))
            self.outside_grid[k] += idx.size - int(np.count_nonzero(on))
            self.classes[k] += np.bincount(np.asarray(codes[k], np.int64), minlength=n_classes)[
                :n_classes
            ]
        for k, cols in enumerate(landed):
            self.ashore[k, departure] += np.bincount(cols, minlength=n_states)
        self.departure_particles[departure] += int(particles)
        self.particles += int(particles)
        self.scenarios += int(scenarios)

    def _add_cells(
        self, k: int, cells: npt.NDArray[np.int64], counts: npt.NDArray[np.int64]
    ) -> None:
        """Add ``counts`` particles to the flat ``cells`` at lead ``k`` (exact)."""
        if not self.sparse:
            np.add.at(self._dense.reshape(self.n_lead, -1)[k], cells, counts)
            return
        both = np.concatenate([self._cells[k], np.asarray(cells, np.int64)])
        occupied, where = np.unique(both, return_inverse=True)
        summed = np.zeros(occupied.size, np.int64)
        np.add.at(summed, where, np.concatenate([self._counts[k], np.asarray(counts, np.int64)]))
        self._cells[k], self._counts[k] = occupied, summed

    @property
    def by_departure(self) -> npt.NDArray[np.int64]:
        """``(n_lead, n_departures, ny, nx)`` particles per departure, cell and lead time
        (built from the pairs when :attr:`sparse`)."""
        if not self.sparse:
            return self._dense
        dense = np.zeros((self.n_lead, max(self.n_departures, 1), *self.grid.shape), np.int64)
        flat = dense.reshape(self.n_lead, -1)
        for k in range(self.n_lead):
            flat[k][self._cells[k]] = self._counts[k]
        return dense

    def to_partial(self) -> PartialCounts:
        """These counts as a sparse :class:`PartialCounts` (to send from a worker)."""
        if self.sparse:
            cells = tuple(c.copy() for c in self._cells)
            counts = tuple(c.copy() for c in self._counts)
        else:
            flat = self._dense.reshape(self.n_lead, -1)
            cells = tuple(np.flatnonzero(flat[k]).astype(np.int64) for k in range(self.n_lead))
            counts = tuple(flat[k][c] for k, c in enumerate(cells))
        return PartialCounts(
            particles=self.particles,
            scenarios=self.scenarios,
            cells=cells,
            counts=counts,
            outside_grid=self.outside_grid.copy(),
            classes=self.classes.copy(),
            ashore=self.ashore.copy(),
            departure_particles=self.departure_particles.copy(),
        )

    @property
    def presence(self) -> npt.NDArray[np.int64]:
        """``(n_lead, ny, nx)`` particles per cell and lead time, all departures."""
        return self.by_departure.sum(axis=1)

    def departure_probability(self) -> npt.NDArray[np.float64]:
        """``(n_lead, n_departures, ny, nx)``: share of each departure's particles in each
        cell, per lead time (0 for a departure without particles)."""
        per = np.maximum(self.departure_particles, 1)[None, :, None, None]
        return self.by_departure / per

    def presence_probability(self) -> npt.NDArray[np.float64]:
        """Share of all particles in each cell, per lead time (0 with no particles)."""
        return self.presence / max(self.particles, 1)

    def class_shares(self, region_ids: Sequence[str]) -> dict[str, npt.NDArray[np.float64]]:
        """Share of all particles in each membership class seen, per lead time.

        The classes are disjoint, so the shares sum to the located share (<= 1).
        """
        total = max(self.particles, 1)
        seen = np.flatnonzero(self.classes.sum(axis=0))
        return {class_label(int(c), region_ids): self.classes[:, c] / total for c in seen}

    def ashore_shares(
        self, states: Sequence[str], departure: int | None = None
    ) -> dict[str, npt.NDArray[np.float64]]:
        """Share stranded by each lead time on each State's coast seen (``states``: the
        columns' codes): of all particles, or of ``departure``'s; non-decreasing in the
        lead time."""
        if departure is None:
            counts, total = self.ashore.sum(axis=1), max(self.particles, 1)
        else:
            counts = self.ashore[:, departure]
            total = max(int(self.departure_particles[departure]), 1)
        seen = np.flatnonzero(counts.sum(axis=0))
        return {states[int(c)] or "unknown": counts[:, c] / total for c in seen}

    def region_shares(self, region_ids: Sequence[str]) -> dict[str, npt.NDArray[np.float64]]:
        """Share of all particles in each region (overlaps counted in each), per lead time."""
        total = max(self.particles, 1)
        codes = np.arange(self.classes.shape[1])
        return {
            rid: self.classes[:, (codes >> bit & 1) == 1].sum(axis=1) / total
            for bit, rid in enumerate(region_ids)
        }
