"""Landfall in a drift atlas: stranded particles counted ashore by the State whose coast
they reached, from the lead time they stranded on, exactly whatever the split of tasks."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.drift.atlas_grid import AtlasCounts, AtlasGrid
from sarwatch.drift.config import DriftConfig
from sarwatch.errors import InputError

pytest.importorskip("dask.distributed")

from sarwatch.services.atlas import AtlasRequest, ForcingSpec, run_atlas
from sarwatch.services.atlas_files import write_atlas
from sarwatch.services.atlas_task import Departure, landfall_states

GRID = AtlasGrid(9.0, 31.0, 16.0, 37.0, 0.1)
STATES = ("IT", "LY", "MT", "TN", "")  # "" last: unknown
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _leads(n_lead: int, n: int) -> tuple[list, list]:
    """Located cells and classes of ``n`` particles, all at the grid's first cell."""
    return [np.zeros(n, np.int64)] * n_lead, [np.zeros(n, np.int64)] * n_lead


def test_ashore_counts_and_shares_per_departure_state_and_lead():
    acc = AtlasCounts(GRID, 2, 1, len(STATES), 2)
    cells, codes = _leads(2, 10)
    # departure 0, lead 1: two on the Libyan coast; lead 2: those two, one Italian, one unknown
    acc.add_leads(cells, codes, particles=10, ashore=[np.array([1, 1]), np.array([1, 1, 0, 4])])
    # departure 1: one Tunisian by lead 2 (of its 10)
    acc.add_leads(cells, codes, particles=10, ashore=[np.array([], int), np.array([3])],
                  departure=1)  # fmt: skip
    assert acc.ashore[:, 0].tolist() == [[0, 2, 0, 0, 0], [1, 2, 0, 0, 1]]
    assert acc.ashore[:, 1].tolist() == [[0, 0, 0, 0, 0], [0, 0, 0, 1, 0]]
    assert acc.departure_particles.tolist() == [10, 10]
    total = {k: v.tolist() for k, v in acc.ashore_shares(STATES).items()}
    assert total == {"IT": [0.0, 0.05], "LY": [0.1, 0.1], "TN": [0.0, 0.05], "unknown": [0.0, 0.05]}
    first = {k: v.tolist() for k, v in acc.ashore_shares(STATES, departure=0).items()}
    assert first == {"IT": [0.0, 0.1], "LY": [0.2, 0.2], "unknown": [0.0, 0.1]}
    assert {k: v.tolist() for k, v in acc.ashore_shares(STATES, departure=1).items()} == {
        "TN": [0.0, 0.1]
    }


def test_a_state_column_or_departure_out_of_range_is_refused_and_nothing_is_added():
    acc = AtlasCounts(GRID, 2, 1, len(STATES), 2)
    cells, codes = _leads(2, 3)
    with pytest.raises(InputError, match=r"columns must lie in 0\.\.4"):
        acc.add_leads(cells, codes, particles=3, ashore=[np.array([0]), np.array([5])])
    with pytest.raises(InputError, match=r"departure 2 is not one of 0\.\.1"):
        acc.add_leads(cells, codes, particles=3, ashore=[np.array([0]), np.array([0])],
                      departure=2)  # fmt: skip
    assert acc.particles == 0 and acc.presence.sum() == 0 and acc.ashore.sum() == 0


@settings(max_examples=30, deadline=None)
@given(
    landed=st.lists(st.integers(0, len(STATES) - 1), max_size=60),
    cuts=st.lists(st.integers(0, 60), max_size=4),
)
def test_ashore_counts_of_any_split_add_up_to_those_of_the_whole(landed, cuts):
    cols = np.array(landed, np.int64)
    whole = AtlasCounts(GRID, 1, 1, len(STATES))
    cells, codes = _leads(1, cols.size)
    whole.add_leads(cells, codes, particles=cols.size, ashore=[cols])
    split = AtlasCounts(GRID, 1, 1, len(STATES))
    bounds = [0, *sorted(min(c, cols.size) for c in cuts), cols.size]
    for a, b in reversed(list(itertools.pairwise(bounds))):
        part = AtlasCounts(GRID, 1, 1, len(STATES))
        cells, codes = _leads(1, b - a)
        part.add_leads(cells, codes, particles=b - a, ashore=[cols[a:b]])
        split.add(part.to_partial())
    np.testing.assert_array_equal(split.ashore, whole.ashore)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    scenarios=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 40)), min_size=1, max_size=8),
)
def test_each_departures_grid_adds_up_over_scenarios_and_sums_to_the_whole(seed, scenarios):
    """Scenarios of three departures, added one by one or through partials sent in any
    order: the same per-departure grids, whose sum is the whole's presence."""
    rng = np.random.default_rng(seed)
    whole = AtlasCounts(GRID, 1, 1, len(STATES), 3)
    parts = []
    for dep, n in scenarios:
        cells = [GRID.cell_index(rng.uniform(8.5, 16.5, n), rng.uniform(30.5, 37.5, n))]
        codes = [np.zeros(int((cells[0] >= 0).sum()), np.int64)]
        cells = [cells[0][cells[0] >= 0]]
        whole.add_leads(cells, codes, particles=n, departure=dep)
        one = AtlasCounts(GRID, 1, 1, len(STATES), 3)
        one.add_leads(cells, codes, particles=n, departure=dep)
        parts.append(one.to_partial())
    summed = AtlasCounts(GRID, 1, 1, len(STATES), 3)
    for part in reversed(parts):
        summed.add(part)
    np.testing.assert_array_equal(summed.by_departure, whole.by_departure)
    np.testing.assert_array_equal(whole.by_departure.sum(axis=1), whole.presence)
    for dep in range(3):
        n = sum(k for d, k in scenarios if d == dep)
        assert whole.departure_particles[dep] == n
        assert whole.by_departure[0, dep].sum() <= n
        assert whole.departure_probability()[0, dep].sum() <= 1.0 + 1e-12


def test_partial_counts_of_another_number_of_states_are_refused():
    acc = AtlasCounts(GRID, 1, 1, len(STATES))
    other = AtlasCounts(GRID, 1, 1, 3)
    with pytest.raises(InputError, match="do not fit"):
        acc.add(other.to_partial())


def test_landfall_takes_the_state_of_the_coast_reached(land_mask):
    """Known coasts: Lampedusa's harbour (IT), Valletta (MT), Zuwara (LY), Sfax (TN); a
    point 40 km out at sea is no landfall of any known coast."""
    from sarwatch.geo.zones import coast_index

    coast = coast_index()
    lon = np.array([12.605, 14.515, 12.083, 10.765, 13.0])
    lat = np.array([35.500, 35.897, 32.933, 34.732, 34.0])
    got = landfall_states(coast, lon, lat, STATES)
    assert [STATES[k] or "unknown" for k in got] == ["IT", "MT", "LY", "TN", "unknown"]


@pytest.fixture(scope="module")
def onshore(land_mask):
    """Two departures 3-4 km off a coast, a 25 kn wind from the south: the one south of
    Lampedusa is blown onto the island, the one off Zuwara out to sea."""
    return AtlasRequest(
        departures=(
            Departure("south-of-lampedusa", 12.58, 35.46),
            Departure("off-zuwara", 12.10, 33.0),
        ),
        start_first=T0,
        start_last=T0 + timedelta(hours=6),
        every=timedelta(hours=6),
        config=DriftConfig(object_class="PIW-1", hours=12, particles=150, output_min=180),
        forcing=ForcingSpec(wind_kn=25.0, wind_from_deg=180.0),
        grid=GRID,
        base_seed=3,
    )


def test_a_boat_blown_onto_lampedusa_is_counted_ashore_in_italy(onshore, tmp_path):
    one = run_atlas(onshore, workers=1, processes=False)
    two = run_atlas(onshore, workers=2, processes=False)
    assert one.failures == [] and two.failures == []
    np.testing.assert_array_equal(one.counts.ashore, two.counts.ashore)
    shares = one.counts.ashore_shares(one.coast_states)
    italy = shares["IT"]
    # half the particles left south of Lampedusa: a good part of them reach it, and
    # once ashore they stay, so the share never falls from one lead time to the next
    assert 0.1 < italy[-1] <= 0.5
    assert (np.diff(italy) >= 0).all()
    assert shares.get("MT", np.zeros(1))[-1] == 0.0
    # by departure: all of them left south of Lampedusa, twice the share of all particles
    lampedusa = one.counts.ashore_shares(one.coast_states, departure=0)
    np.testing.assert_allclose(lampedusa["IT"], 2 * italy)
    assert "IT" not in one.counts.ashore_shares(one.coast_states, departure=1)
    # the file says the same, by departure and State
    path = write_atlas(one, tmp_path / "a.nc")
    with xr.open_dataset(path) as ds:
        assert ds["departure"].values.tolist() == ["south-of-lampedusa", "off-zuwara"]
        assert "IT" in ds["coast_state"].values.tolist()
        share = ds["ashore_share"].sel(departure="south-of-lampedusa", coast_state="IT")
        np.testing.assert_allclose(share.values, lampedusa["IT"])
        count = ds["ashore_count"].sel(coast_state="IT").sum("departure").values[-1]
        assert int(count) == round(italy[-1] * one.counts.particles)
        assert ds["departure_particles"].values.tolist() == [300, 300]
        # each departure's own grid, whose sum is the whole's
        by_dep = ds["departure_presence_count"].values
        np.testing.assert_array_equal(by_dep.sum(axis=1), ds["presence_count"].values)
        lamp = ds["departure_presence_probability"].sel(departure="south-of-lampedusa")
        np.testing.assert_allclose(lamp.values, by_dep[:, 0] / 300, rtol=1e-6)
    # the wind turned to blow away from the island: only the few that the spread of the
    # leeway and jibing carry the 3.5 km north against it (about 1 % here) reach it
    north = replace(onshore, forcing=ForcingSpec(wind_kn=25.0, wind_from_deg=0.0))
    away = run_atlas(north, workers=1, processes=False)
    assert away.counts.ashore_shares(away.coast_states).get("IT", [0.0])[-1] < 0.1 * italy[-1]


def test_the_command_prints_each_departures_landfall_or_the_whole_for_many(
    tmp_path, capsys, monkeypatch, land_mask
):
    from _cli import run_cli
    from sarwatch.cli import atlas as atlas_cli

    deps = tmp_path / "deps.csv"
    deps.write_text("name,lon,lat\nsouth-of-lampedusa,12.58,35.46\noff-zuwara,12.10,33.0\n")
    args = [
        "atlas", "--departures", str(deps), "--from", "2024-01-01", "--to", "2024-01-01",
        "--hours", "6", "--object", "PIW-1", "--particles", "100", "--wind-kn", "25",
        "--wind-from", "180", "--workers", "1", "--threads", "--no-png",
    ]  # fmt: skip
    code, out, err = run_cli(capsys, *args, "--out", str(tmp_path / "a.nc"))
    assert code == 0, err
    lines = (out + err).splitlines()
    # each SAR region whole (Lampedusa's waters are Italian and Maltese): MT is its own line
    region_line = next(line for line in lines if line.startswith("SAR regions at +6 h"))
    assert " MT " in region_line and " IT " in region_line and " LY " in region_line
    assert any(line.startswith("  south-of-lampedusa: IT ") for line in lines), lines
    assert "  off-zuwara: none" in lines
    assert not (tmp_path / "a.png").exists()  # --no-png
    monkeypatch.setattr(atlas_cli, "_ASHORE_LINES", 1)
    code, out, err = run_cli(capsys, *args, "--out", str(tmp_path / "b.nc"))
    assert code == 0, err
    assert "  all 2 departures: IT " in out + err


# --- starts at sea: a spread that reaches the coast is no landfall ------------------


def test_starts_that_the_spread_puts_on_land_are_drawn_again_at_sea(land_mask):
    """Zuwara's harbour moved to the nearest sea point lies at the coast: about 40 % of
    a 500 m spread round it falls on land. Those starts are drawn again at sea (the
    atlas seeds with drift.seeding.seed_at_sea); the others keep their places."""
    from sarwatch.drift.leeway import resolve_object
    from sarwatch.drift.seeding import Scenario, seed_at_sea, seed_scenarios
    from sarwatch.geo.coast import land_mask as mask

    land = mask()
    dep = Departure("LYZUA", 12.10165, 32.93468)  # the harbour moved to the nearest sea point
    sc = [Scenario(1.0, "point", dep.lon, dep.lat, resolve_object("PIW-1"), radius_m=500.0)]
    plain = seed_scenarios(sc, 2000, np.random.default_rng(5))
    on = np.asarray(land.contains(plain.lon, plain.lat), bool)
    assert 0.2 < on.mean() < 0.7  # the case this guards against
    state = seed_at_sea(sc, 2000, np.random.default_rng(5), land)
    assert not np.asarray(land.contains(state.lon, state.lat), bool).any()
    np.testing.assert_array_equal(state.lon[~on], plain.lon[~on])
    np.testing.assert_array_equal(state.lat[~on], plain.lat[~on])
    # still the departure's spread: within 4 sigma (2 km) of it
    assert np.abs(state.lat - dep.lat).max() < 2000 / 111_000


def test_a_departure_whose_spread_is_all_land_is_refused_with_what_to_do(land_mask):
    from sarwatch.drift.leeway import resolve_object
    from sarwatch.drift.seeding import Scenario, seed_at_sea
    from sarwatch.errors import PositionOnLandError
    from sarwatch.geo.coast import land_mask as mask

    inland = [Scenario(1.0, "point", 13.0, 32.5, resolve_object("PIW-1"), 500.0)]  # Libya
    with pytest.raises(PositionOnLandError, match="give a smaller radius or a position farther"):
        seed_at_sea(inland, 10, np.random.default_rng(1), mask())


def test_boats_blown_off_the_coast_they_left_are_not_counted_ashore(land_mask):
    """Zuwara's departure at the coast (which runs north-west there), a wind blowing out
    to sea (from the south-west): after an hour few boats have reached land (the spread
    of a person in the water's leeway, ~1 km in 3 h, carries some onto the coast to the
    north-west). Starts on land used to strand at once: some 40 % ashore in Libya."""
    from sarwatch.geo.srr import sar_regions
    from sarwatch.services.atlas import coast_states_of
    from sarwatch.services.atlas_task import ScenarioTask, TaskContext, run_batch

    dep = Departure("LYZUA", 12.10165, 32.93468)
    cfg = DriftConfig(object_class="PIW-1", hours=1, particles=300, output_min=60)
    ctx = TaskContext(
        config=cfg, forcing=ForcingSpec(wind_kn=20.0, wind_from_deg=225.0), grid=GRID,
        region_ids=tuple(r.srr_id for r in sar_regions()), coast_states=coast_states_of(),
        departures=1, first=T0, last=T0, centre=(dep.lon, dep.lat), margin_deg=2.0,
        cache_dir=None,
    )  # fmt: skip
    res = run_batch((ScenarioTask(0, dep, T0, 11),), ctx)
    assert res.failed == () and res.counts is not None
    assert res.counts.ashore.sum() <= 0.1 * 300, res.counts.ashore


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    scenarios=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 40)), min_size=1, max_size=8),
)
def test_a_sparse_batch_sum_gives_the_counts_of_the_dense_one(seed, scenarios):
    """What a worker sums a batch in (sparse pairs) sends the same partial as the dense
    grids, scenario by scenario or partial by partial."""
    rng = np.random.default_rng(seed)
    dense = AtlasCounts(GRID, 2, 1, len(STATES), 3)
    sparse = AtlasCounts(GRID, 2, 1, len(STATES), 3, sparse=True)
    summed = AtlasCounts(GRID, 2, 1, len(STATES), 3, sparse=True)
    for dep, n in scenarios:
        cells = [GRID.cell_index(rng.uniform(8.5, 16.5, n), rng.uniform(30.5, 37.5, n))
                 for _ in range(2)]  # fmt: skip
        codes = [np.zeros(n, np.int64)] * 2
        for acc in (dense, sparse):
            acc.add_leads(cells, codes, particles=n, departure=dep)
        one = AtlasCounts(GRID, 2, 1, len(STATES), 3, sparse=True)
        one.add_leads(cells, codes, particles=n, departure=dep)
        summed.add(one.to_partial())
    want = dense.to_partial()
    for got in (sparse.to_partial(), summed.to_partial()):
        for k in range(2):
            np.testing.assert_array_equal(got.cells[k], want.cells[k])
            np.testing.assert_array_equal(got.counts[k], want.counts[k])
        np.testing.assert_array_equal(got.outside_grid, want.outside_grid)
    np.testing.assert_array_equal(sparse.by_departure, dense.by_departure)


def test_a_worker_sums_a_batch_without_the_dense_grids_of_every_departure():
    """PORTS over 48 h at hourly lead times on a 0.02° grid: 48 x 12 x 700 x 1100 int64
    grids would take 3.5 GB in every worker thread; the batch's pairs take kilobytes."""
    fine = AtlasGrid(5.0, 29.0, 27.0, 43.0, 0.02)
    acc = AtlasCounts(fine, 48, 6, len(STATES), 12, sparse=True)
    cells = [fine.cell_index(np.full(100, 12.1 + 0.01 * k), np.full(100, 33.0)) for k in range(48)]
    acc.add_leads(cells, [np.zeros(100, np.int64)] * 48, particles=100, departure=11)
    part = acc.to_partial()
    assert sum(c.nbytes for c in part.cells) < 10_000
    per_departure = fine.nx * fine.ny
    assert all(c.tolist() == [11 * per_departure + cells[k][0]] for k, c in enumerate(part.cells))
    assert [c.tolist() for c in part.counts] == [[100]] * 48
