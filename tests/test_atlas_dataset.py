"""The atlas as a dataset: its presence grids equal the particles counted by hand, cell
by cell, and their sums over the departures."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.drift.atlas_grid import AtlasCounts, AtlasGrid
from sarwatch.services.atlas import AtlasResult
from sarwatch.services.atlas_files import atlas_dataset

GRID = AtlasGrid(12.0, 33.0, 12.5, 33.3, 0.1)  # 3 rows of 5 cells: flat cells 0..14
LEADS = (6.0, 12.0)


def _result(cells_by_departure: list[list[list[int]]]) -> AtlasResult:
    """An atlas of one scenario per departure: ``cells_by_departure[d][k]`` holds the flat
    cell (-1: off the grid) of each of departure ``d``'s particles at lead ``k``."""
    n_dep = len(cells_by_departure)
    counts = AtlasCounts(GRID, len(LEADS), 1, 1, n_dep)
    for d, leads in enumerate(cells_by_departure):
        cells = [np.array(c, np.int64) for c in leads]
        codes = [np.zeros(int((c >= 0).sum()), np.int64) for c in cells]
        counts.add_leads(cells, codes, particles=len(leads[0]), departure=d)
    provenance = {
        "sarwatch_version": "test",
        "departures": [{"name": f"d{d}"} for d in range(n_dep)],
    }
    return AtlasResult(counts, LEADS, ("MT",), [], provenance)


def test_presence_is_the_particles_counted_by_hand():
    ds = atlas_dataset(
        _result(
            [
                [[0, 0, 4, -1], [4, 7, 7, 14]],  # departure d0: 4 particles
                [[0, 14, 14], [-1, 3, 14]],  # departure d1: 3 particles
            ]
        )
    )
    presence = np.array(
        [
            [[3, 0, 0, 0, 1], [0, 0, 0, 0, 0], [0, 0, 0, 0, 2]],
            [[0, 0, 0, 1, 1], [0, 0, 2, 0, 0], [0, 0, 0, 0, 2]],
        ]
    )
    assert ds["presence_count"].dtype == np.int32
    np.testing.assert_array_equal(ds["presence_count"].values, presence)
    assert ds["presence_probability"].dtype == np.float32
    np.testing.assert_array_equal(
        ds["presence_probability"].values, (presence / 7).astype(np.float32)
    )
    d0 = ds["departure_presence_count"].sel(departure="d0").values
    assert d0[0].ravel().tolist() == [2, 0, 0, 0, 1] + [0] * 10
    np.testing.assert_array_equal(
        ds["departure_presence_probability"].sel(departure="d0").values,
        (d0 / 4).astype(np.float32),
    )
    assert ds["outside_grid_count"].values.tolist() == [1, 1]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(  # departures, each with its particles' cells at both lead times
        st.integers(1, 12).flatmap(
            lambda n: st.lists(
                st.lists(st.integers(-1, 14), min_size=n, max_size=n), min_size=2, max_size=2
            )
        ),
        min_size=1,
        max_size=3,
    )
)
def test_presence_grids_are_the_sums_of_every_departures_particles(cells_by_departure):
    ds = atlas_dataset(_result(cells_by_departure))
    particles = sum(len(leads[0]) for leads in cells_by_departure)
    # counted apart from the atlas code: a histogram of every particle's cell
    located = [
        np.array([c for leads in cells_by_departure for c in leads[k] if c >= 0], np.int64)
        for k in range(len(LEADS))
    ]
    presence = np.stack([np.bincount(c, minlength=15).reshape(3, 5) for c in located])
    np.testing.assert_array_equal(ds["presence_count"].values, presence)
    np.testing.assert_array_equal(
        ds["presence_probability"].values, (presence / particles).astype(np.float32)
    )
    if len(cells_by_departure) > 1:
        np.testing.assert_array_equal(ds["departure_presence_count"].sum("departure"), presence)
