"""Starts at sea: a spread round a start near the coast, cut to the sea (a boat in
distress is not on land), each scenario keeping its share, reproducibly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.drift.leeway import resolve_object
from sarwatch.drift.seeding import Scenario, seed_at_sea, seed_scenarios
from sarwatch.errors import PositionOnLandError

OBJ = resolve_object("LIFE-RAFT-NB-2")


@dataclass(frozen=True)
class SouthIsLand:
    """Land south of ``coast_lat`` (degrees), on a 0.01° raster over 11-14°E, 32-35°N."""

    coast_lat: float = 33.0
    lon0: float = 11.0
    lat0: float = 32.0
    cell_deg: float = 0.01

    @property
    def cells(self) -> npt.NDArray[np.uint8]:
        lat_edges = self.lat0 + np.arange(300) * self.cell_deg
        rows = np.where(lat_edges + self.cell_deg <= self.coast_lat, 1, 0)
        rows = np.where(
            (lat_edges < self.coast_lat) & (lat_edges + self.cell_deg > self.coast_lat), 2, rows
        )
        return np.repeat(rows[:, None], 300, axis=1).astype(np.uint8)

    def contains(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
        return np.asarray(lat, dtype=float) < self.coast_lat


LAND = SouthIsLand()


def test_starts_near_the_coast_are_all_at_sea_and_each_scenario_keeps_its_share():
    near = Scenario(3, "point", 12.5, 33.005, OBJ, radius_m=2000)  # 0.3 nm off: ~40 % on land
    far = Scenario(1, "point", 12.5, 33.5, OBJ, radius_m=2000)
    plain = seed_scenarios([near, far], 4000, np.random.default_rng(5))
    assert (plain.lat < 33.0).mean() > 0.2  # what the spread alone gives
    state = seed_at_sea([near, far], 4000, np.random.default_rng(5), LAND)
    assert state.n == 4000 and not (state.lat < 33.0).any()
    # 3000 from the start near the coast, 1000 from the one far out, as the weights say
    assert int((state.lat < 33.25).sum()) == 3000
    # the cut spread: the near start's particles lie north of the coast, within ~4 sigma
    near_lat = state.lat[state.lat < 33.25]
    assert near_lat.min() >= 33.0 and near_lat.max() < 33.005 + 4 * 2000 / 111_000
    # the same seed, the same starts
    again = seed_at_sea([near, far], 4000, np.random.default_rng(5), LAND)
    np.testing.assert_array_equal(again.lon, state.lon)
    np.testing.assert_array_equal(again.dwl_slope, state.dwl_slope)


def test_a_spread_clear_of_the_coast_is_the_plain_seeding():
    far = [Scenario(1, "point", 12.5, 34.0, OBJ, radius_m=1000)]
    plain = seed_scenarios(far, 500, np.random.default_rng(9))
    state = seed_at_sea(far, 500, np.random.default_rng(9), LAND)
    np.testing.assert_array_equal(plain.lat, state.lat)
    np.testing.assert_array_equal(plain.category, state.category)
    assert seed_at_sea(far, 10, np.random.default_rng(9), None).n == 10  # open ocean


def test_a_spread_almost_all_on_land_is_refused_with_what_to_do():
    inland = [Scenario(1, "point", 12.5, 32.80, OBJ, radius_m=3000)]  # 22 km inland
    with pytest.raises(PositionOnLandError, match="smaller radius or a position farther out"):
        seed_at_sea(inland, 200, np.random.default_rng(1), LAND)


@settings(max_examples=25, deadline=None)
@given(
    off_deg=st.floats(0.0005, 0.05),
    radius_m=st.floats(200, 5000),
    n=st.integers(1, 300),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_start_is_at_sea_and_none_is_lost(off_deg, radius_m, n, seed):
    sc = [Scenario(1, "point", 12.5, 33.0 + off_deg, OBJ, radius_m=radius_m)]
    state = seed_at_sea(sc, n, np.random.default_rng(seed), LAND)
    assert state.n == n and not LAND.contains(state.lon, state.lat).any()
    assert np.isfinite(state.lon).all() and np.isfinite(state.lat).all()


def test_a_drift_started_half_a_mile_off_zuwara_with_an_offshore_wind_strands_nobody(
    land_mask,
):
    """0.5 nm off the Libyan coast with a 2 km spread, the wind from the south (off the
    land): before, a quarter of the particles started on land and 'stranded' at once."""
    from datetime import UTC, datetime

    from sarwatch.services.drift import DriftRequest, predict_drift

    req = DriftRequest(
        lon=12.087, lat=32.95, time=datetime(2026, 11, 20, 4, 0, tzinfo=UTC), hours=2,
        particles=3000, wind_kn=10, wind_from_deg=180, radius_m=2000, seed=2,
    )  # fmt: skip
    summary = predict_drift(req, png=False).summary
    assert summary.outputs[0].stranded_share == 0.0  # every start at sea
    # a few may still reach the coast sideways (crosswind leeway), not a quarter of them
    assert all(o.stranded_share < 0.005 for o in summary.outputs)
