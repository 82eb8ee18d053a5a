"""Weighted sums over the particles, on one thread and in a fixed order.

``weight @ values`` on large arrays goes to the BLAS, and OpenBLAS splits a dot
product of more than 10,000 elements over its threads. On a machine whose cores are
busy the threads it wakes spin while they wait, and a plan's dozen sums over 100,000
particles cost more CPU than the rest of the plan (0.35 s of 0.8 s on the 2-core
benchmark machine); the partial sums also depend on the number of threads, so the
last bits of a plan depended on the machine's core count. These sums run numpy's own
loop instead: a few tenths of a millisecond per 100,000 particles, the same result
on every machine.

Examples
--------
>>> weighted_sum(np.array([0.25, 0.75]), np.array([12.0, 13.0]))
12.75
>>> weighted_columns(np.array([0.5, 0.5]), np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
[2.0, 3.0]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["weighted_columns", "weighted_sum"]

_FloatArray = npt.NDArray[np.float64]


def weighted_sum(weight: npt.ArrayLike, values: npt.ArrayLike) -> float:
    """``Σ_i weight[i]·values[i]`` of two 1-D arrays."""
    return float(
        np.einsum("i,i->", np.asarray(weight, dtype=float), np.asarray(values, dtype=float))
    )


def weighted_columns(weight: npt.ArrayLike, values: npt.ArrayLike) -> _FloatArray:
    """``Σ_i weight[i]·values[i, j]`` for each column ``j`` of ``(n, T)`` values."""
    w, v = np.asarray(weight, dtype=float), np.asarray(values, dtype=float)
    return np.asarray(np.einsum("i,ij->j", w, v), dtype=float)
