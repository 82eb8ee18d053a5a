"""Leeway object categories and per-particle coefficients.

The Leeway model (Allen & Plourde 1999; Allen 2005; Breivik & Allen 2008;
Breivik et al. 2011) writes the wind-driven drift of an object relative to the
surface current as two components linear in the 10 m wind speed ``U10``::

    downwind  = (a_d + e_d/20) * U10 + b_d + e_d/2      [cm/s, a in % of U10]
    crosswind = (a_c + e_c/20) * U10 + b_c + e_c/2

with one crosswind branch for the table's "right" coefficients (``a_c > 0`` for
almost every class) and one for its "left" ones. The perturbations ``e = z * s``
(``z`` standard normal, ``s`` the published standard error of the fit in cm/s) are
drawn **once per particle at seeding**, with the standard error of the particle's
initial branch, so each particle is one plausible object; the downwind ``z`` is
redrawn until the perturbed slope is non-negative. Half the particles start on
each branch.

Jibing, as the operational implementations apply it (OpenDrift 1.14 ``Leeway``,
itself verified identical to an older C implementation of Leeway): a jibe changes
**only the sign of the table slope** ``a_c``; the particle keeps its crosswind
offset ``b_c`` and its perturbation ``e_c``. For a symmetric class (``a_L = -a_R``,
``b = 0``) this is the other branch with the particle's own perturbation; for an
asymmetric class the jibed particle keeps its branch's offset. Sources:
``docs/design/004-drift.md`` ("Conventions").

Direction convention: a positive crosswind leeway moves the object to the **left**
of downwind, as in the operational implementations (OpenDrift issue #1693: a sign
inherited from the C implementation and verified identical to it), so a particle
on the table's "right" branch with a positive slope drifts to the left of the
wind. The kernel applies it (``drift/_kernel.py``).

The category table is packaged (``data/leeway_categories.csv``, with its source
per row); the Central Mediterranean proxy classes are weighted mixtures of
published classes (``data/leeway_migrant_proxies.json``).
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import numpy.typing as npt

from sarwatch.errors import DataError, InputError

__all__ = [
    "LeewayCategory",
    "LeewayCoefficients",
    "ObjectMixture",
    "draw_coefficients",
    "leeway_categories",
    "migrant_proxies",
    "resolve_object",
]

_CATEGORIES_FILE = "leeway_categories.csv"
_PROXIES_FILE = "leeway_migrant_proxies.json"


@dataclass(frozen=True)
class LeewayCategory:
    """One published Leeway object category.

    Attributes
    ----------
    index
        Number in the published table (1-based).
    key, description
        Short name (e.g. ``"LIFE-RAFT-NB-2"``) and description.
    dwl_slope_pct, dwl_offset_cm_s, dwl_std_cm_s
        Downwind leeway: slope (% of the 10 m wind), offset (cm/s), standard error (cm/s).
    cwr_slope_pct, cwr_offset_cm_s, cwr_std_cm_s
        Right crosswind branch, same units.
    cwl_slope_pct, cwl_offset_cm_s, cwl_std_cm_s
        Left crosswind branch, same units.
    source
        Citation of the coefficients.
    """

    index: int
    key: str
    description: str
    dwl_slope_pct: float
    dwl_offset_cm_s: float
    dwl_std_cm_s: float
    cwr_slope_pct: float
    cwr_offset_cm_s: float
    cwr_std_cm_s: float
    cwl_slope_pct: float
    cwl_offset_cm_s: float
    cwl_std_cm_s: float
    source: str


@dataclass(frozen=True)
class ObjectMixture:
    """An object class as a weighted mixture of published categories.

    Attributes
    ----------
    key
        The name the user gave (a category key or a proxy name).
    members
        ``(category, weight)`` pairs; weights sum to 1.
    description
        What the object is.
    """

    key: str
    members: tuple[tuple[LeewayCategory, float], ...]
    description: str


@dataclass(frozen=True)
class LeewayCoefficients:
    """Per-particle perturbed coefficients (SI: slopes as fractions, offsets in m/s).

    Attributes
    ----------
    dwl_slope, dwl_offset
        Downwind slope (1) and offset (m/s), shape ``(n,)``.
    cwl_slope, cwl_offset
        Crosswind slope and offset, shape ``(n, 2)``: column ``side`` holds the
        particle's initial branch, the other column what a jibe gives (the table
        slope's sign flipped; the offset and the perturbation kept).
    side
        Initial branch (0 the table's right coefficients, 1 its left ones), half the
        particles on each.
    category
        Index into :func:`leeway_categories` of each particle's category.
    """

    dwl_slope: npt.NDArray[np.float64]
    dwl_offset: npt.NDArray[np.float64]
    cwl_slope: npt.NDArray[np.float64]
    cwl_offset: npt.NDArray[np.float64]
    side: npt.NDArray[np.int8]
    category: npt.NDArray[np.int16]


@lru_cache(maxsize=1)
def leeway_categories() -> tuple[LeewayCategory, ...]:
    """All 85 published Leeway categories, in table order.

    Raises
    ------
    DataError
        If the packaged table is missing or malformed.

    Examples
    --------
    >>> cats = leeway_categories()
    >>> len(cats), cats[26].key, cats[26].dwl_slope_pct
    (85, 'LIFE-RAFT-NB-2', 5.34)
    """
    try:
        text = resources.files("sarwatch.data").joinpath(_CATEGORIES_FILE).read_text("utf-8")
        rows = list(csv.DictReader(io.StringIO(text)))
        return tuple(
            LeewayCategory(
                index=int(r["index"]),
                key=r["key"],
                description=r["description"],
                dwl_slope_pct=float(r["dwl_slope_pct"]),
                dwl_offset_cm_s=float(r["dwl_offset_cm_s"]),
                dwl_std_cm_s=float(r["dwl_std_cm_s"]),
                cwr_slope_pct=float(r["cwl_right_slope_pct"]),
                cwr_offset_cm_s=float(r["cwl_right_offset_cm_s"]),
                cwr_std_cm_s=float(r["cwl_right_std_cm_s"]),
                cwl_slope_pct=float(r["cwl_left_slope_pct"]),
                cwl_offset_cm_s=float(r["cwl_left_offset_cm_s"]),
                cwl_std_cm_s=float(r["cwl_left_std_cm_s"]),
                source=r["source"],
            )
            for r in rows
        )
    except (OSError, KeyError, ValueError) as exc:
        raise DataError(
            f"the packaged Leeway table {_CATEGORIES_FILE} is unreadable ({exc}); "
            "reinstall sarwatch"
        ) from exc


@lru_cache(maxsize=1)
def migrant_proxies() -> dict[str, ObjectMixture]:
    """The Central Mediterranean proxy classes (``migrant-rubber-boat``, ...).

    Examples
    --------
    >>> sorted(migrant_proxies())
    ['migrant-fibreglass-boat', 'migrant-rubber-boat', 'migrant-wooden-boat']
    """
    by_key = {c.key: c for c in leeway_categories()}
    try:
        text = resources.files("sarwatch.data").joinpath(_PROXIES_FILE).read_text("utf-8")
        raw = json.loads(text)["proxies"]
        out = {}
        for name, spec in raw.items():
            members = tuple((by_key[m["key"]], float(m["weight"])) for m in spec["members"])
            total = sum(w for _, w in members)
            out[name] = ObjectMixture(
                key=name,
                members=tuple((c, w / total) for c, w in members),
                description=spec["description"],
            )
        return out
    except (OSError, KeyError, ValueError) as exc:
        raise DataError(
            f"the packaged proxy table {_PROXIES_FILE} is unreadable ({exc}); reinstall sarwatch"
        ) from exc


def resolve_object(key: str) -> ObjectMixture:
    """The object class for a name: a proxy, a category key, or a table number.

    Parameters
    ----------
    key
        ``"migrant-rubber-boat"``, ``"LIFE-RAFT-NB-2"`` (case-insensitive) or ``"27"``.

    Raises
    ------
    InputError
        If no category or proxy has this name.

    Examples
    --------
    >>> resolve_object("27").members[0][0].key
    'LIFE-RAFT-NB-2'
    >>> [c.key for c, _ in resolve_object("migrant-rubber-boat").members][:1]
    ['LIFE-RAFT-NB-2']
    """
    proxies = migrant_proxies()
    if key.lower() in proxies:
        return proxies[key.lower()]
    cats = leeway_categories()
    for c in cats:
        if c.key.upper() == key.upper() or key.strip() == str(c.index):
            return ObjectMixture(key=c.key, members=((c, 1.0),), description=c.description)
    raise InputError(
        f"unknown object class {key!r}: expected one of the proxies {sorted(proxies)} or a Leeway "
        f"category key such as 'LIFE-RAFT-NB-2' or its table number 1-{len(cats)} "
        "(see `sarwatch drift --list-objects`)"
    )


def _split_counts(weights: npt.NDArray[np.float64], n: int) -> npt.NDArray[np.intp]:
    """Integer counts summing to ``n`` proportional to ``weights`` (largest remainder)."""
    exact = weights / weights.sum() * n
    counts = np.floor(exact).astype(np.intp)
    short = n - int(counts.sum())
    if short:
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:short]] += 1
    return counts


def _member_table(mixture: ObjectMixture) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int16]]:
    """The mixture's coefficient rows (one per member, columns as in the CSV) and their
    indices into :func:`leeway_categories`."""
    pos = {c.key: i for i, c in enumerate(leeway_categories())}
    table = np.array(
        [
            [
                c.dwl_slope_pct,
                c.dwl_offset_cm_s,
                c.dwl_std_cm_s,
                c.cwr_slope_pct,
                c.cwr_offset_cm_s,
                c.cwr_std_cm_s,
                c.cwl_slope_pct,
                c.cwl_offset_cm_s,
                c.cwl_std_cm_s,
            ]
            for c, _ in mixture.members
        ],
        dtype=np.float64,
    ).reshape(-1, 9)
    return table, np.array([pos[c.key] for c, _ in mixture.members], dtype=np.int16)


def _negative_dwl_slope(
    z_d: npt.NDArray[np.float64],
    table: npt.NDArray[np.float64],
    bounds: npt.NDArray[np.intp],
) -> npt.NDArray[np.bool_] | None:
    """Where ``slope + z * std / 20 < 0`` (the perturbed downwind slope, % of U10);
    ``None`` where nowhere.

    Member ``k`` holds particles ``bounds[k]:bounds[k + 1]``. Each IEEE operation is
    monotone in ``z``, so when ``std >= 0`` a block whose smallest ``z`` passes has no
    bad particle and is not evaluated particle by particle (the result is the same).
    """
    bad: npt.NDArray[np.bool_] | None = None
    for k in range(table.shape[0]):
        a, b = int(bounds[k]), int(bounds[k + 1])
        if a == b:
            continue
        slope, std = float(table[k, 0]), float(table[k, 2])
        block = z_d[a:b]
        if std >= 0.0 and not slope + float(block.min()) * std / 20.0 < 0.0:
            continue
        value = block * std
        value /= 20.0
        value += slope
        if bad is None:
            bad = np.zeros(z_d.size, dtype=np.bool_)
        np.less(value, 0.0, out=bad[a:b])
    return bad if bad is not None and bad.any() else None


def draw_coefficients(
    mixture: ObjectMixture, n: int, rng: np.random.Generator
) -> LeewayCoefficients:
    """Draw perturbed Leeway coefficients for ``n`` particles of a (mixed) object class.

    Particles are split between the mixture's members in proportion to the weights
    (largest remainder, so the split is exact), then perturbed once per particle.

    The random draws, in this order (a reproducible run depends on it): ``n``
    standard normals for the downwind perturbation (redrawn where the perturbed
    slope would be negative), a permutation of the ``n`` initial branches (half on
    each), ``n`` standard normals for the crosswind perturbation, and a permutation
    of the ``n`` particles (mixing the members so that any prefix is representative).

    Parameters
    ----------
    mixture
        The object class (see :func:`resolve_object`).
    n
        Number of particles.
    rng
        The run's random generator.

    Returns
    -------
    LeewayCoefficients
        In SI: slopes as fractions of ``U10``, offsets in m/s.

    Examples
    --------
    >>> c = draw_coefficients(resolve_object("SLDMB"), 4, np.random.default_rng(1))
    >>> c.dwl_slope.tolist(), c.side.tolist().count(0)
    ([0.0, 0.0, 0.0, 0.0], 2)
    """
    table, cat_index = _member_table(mixture)
    weights = np.array([w for _, w in mixture.members], dtype=float)
    counts = _split_counts(weights, n)
    bounds = np.concatenate([[0], np.cumsum(counts)]).astype(np.intp)
    # particle i (before mixing) belongs to member k for bounds[k] <= i < bounds[k + 1]
    z_d = rng.standard_normal(n)
    bad = _negative_dwl_slope(z_d, table, bounds)
    while bad is not None:
        z_d[bad] = rng.standard_normal(int(bad.sum()))
        bad = _negative_dwl_slope(z_d, table, bounds)
    side = np.zeros(n, np.int8)
    side[: n // 2] = 1
    rng.shuffle(side)  # what rng.permutation(side) does, without the copy
    z_c = rng.standard_normal(n)
    order = rng.permutation(n)  # mix categories so that any prefix is representative
    # Every coefficient is an elementwise function of (member, z_d, side, z_c): mix
    # those, then compute in the final order (the same numbers as computing first),
    # in place, with the member's numbers.
    side = side.take(order)
    e_d = z_d.take(order)
    e_c = z_c.take(order)
    # the raw draws' memory is reused (new memory is slow to touch the first time)
    by = _ByMember(table, counts, order, side, scratch=z_c, index=order)
    category = (
        np.full(n, cat_index[0], dtype=np.int16) if by.member is None else cat_index.take(by.member)
    )
    # downwind: (a + e/20) and (b + e/2), e = z * std, cm/s -> m/s
    by.apply(np.multiply, e_d, table[:, 2])
    dwl_slope = np.divide(e_d, 20.0, out=z_d)
    del z_d, z_c, order
    by.apply(np.add, dwl_slope, table[:, 0])
    dwl_slope /= 100.0
    dwl_offset = e_d
    dwl_offset /= 2.0
    by.apply(np.add, dwl_offset, table[:, 1])
    dwl_offset /= 100.0
    # crosswind, with the standard error of the particle's initial branch
    by.apply(np.multiply, e_c, table[:, 5], table[:, 8])
    cwl_slope = np.empty((n, 2))
    # column `side` holds (a + e/20) of its branch, the other what a jibe gives, (-a + e/20)
    np.divide(e_c, 20.0, out=cwl_slope[:, 0])
    cwl_slope[:, 1] = cwl_slope[:, 0]
    by.apply(np.add, cwl_slope[:, 0], table[:, 3], -table[:, 6])
    by.apply(np.add, cwl_slope[:, 1], -table[:, 3], table[:, 6])
    cwl_slope /= 100.0
    offset = e_c
    offset /= 2.0
    by.apply(np.add, offset, table[:, 4], table[:, 7])
    offset /= 100.0
    cwl_offset = np.empty((n, 2))
    cwl_offset[:, 0] = offset
    cwl_offset[:, 1] = offset
    return LeewayCoefficients(
        dwl_slope=dwl_slope,
        dwl_offset=dwl_offset,
        cwl_slope=cwl_slope,
        cwl_offset=cwl_offset,
        side=side,
        category=category,
    )


def _same_bits(a: float, b: float) -> bool:
    """Equal numbers with equal signs (0.0 and -0.0 differ)."""
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


class _ByMember:
    """Applies per-member (and per-branch) numbers to particle arrays in place.

    A number the same for every particle is applied as a plain float; otherwise each
    particle's number is looked up (by member and branch) into one scratch array, so
    that no array of the table's size per particle is built.
    """

    def __init__(
        self,
        table: npt.NDArray[np.float64],
        counts: npt.NDArray[np.intp],
        order: npt.NDArray[np.intp],
        side: npt.NDArray[np.int8],
        *,
        scratch: npt.NDArray[np.float64],
        index: npt.NDArray[np.intp],
    ) -> None:
        """``scratch`` and ``index`` (which may be ``order``: it is read here only) are
        arrays of ``n`` this may overwrite."""
        self.side = side
        self.member: npt.NDArray[np.intp] | None = None
        if table.shape[0] > 1:
            self.member = np.repeat(np.arange(table.shape[0], dtype=np.intp), counts).take(order)
        self._scratch = scratch
        self._index = index
        self._by_branch: npt.NDArray[np.intp] | None = None

    def _lookup(
        self, values: npt.NDArray[np.float64], index: npt.NDArray[np.intp]
    ) -> npt.NDArray[np.float64]:
        return np.take(values, index, out=self._scratch)

    def apply(
        self,
        op: np.ufunc,
        x: npt.NDArray[np.float64],
        right: npt.NDArray[np.float64],
        left: npt.NDArray[np.float64] | None = None,
    ) -> None:
        """``x = op(x, v)``, ``v`` the particle's member's value of ``right`` (of its
        initial branch's ``right``/``left`` when ``left`` is given)."""
        if left is None or all(
            _same_bits(float(r), float(l_)) for r, l_ in zip(right, left, strict=True)
        ):
            if self.member is None:
                op(x, float(right[0]), out=x)
            else:
                op(x, self._lookup(right, self.member), out=x)
            return
        if self._by_branch is None:  # (member, branch) as one index into a (m, 2) table
            self._by_branch = self._index
            np.copyto(self._by_branch, self.side)
            if self.member is not None:
                self._by_branch += self.member
                self._by_branch += self.member
        op(x, self._lookup(np.stack([right, left], axis=1).ravel(), self._by_branch), out=x)
