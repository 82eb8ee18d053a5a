"""Stranding on the full-resolution coastline (Malta), forward and backward."""

from __future__ import annotations

import numpy as np
import pytest

from sarwatch.drift.engine import DriftParams, simulate
from sarwatch.drift.forcing import Forcing, VectorField
from sarwatch.drift.state import ACTIVE, STRANDED, ParticleState

T0 = np.datetime64("2026-11-20T04:00:00", "s")
LAT = np.linspace(35.84, 35.92, 9)  # rows across Malta's main island


def _run(land_mask, lon0: float, u: float, backward: bool) -> ParticleState:
    state = ParticleState.passive(np.full(LAT.size, lon0), LAT)
    assert not land_mask.contains(state.lon, state.lat).any()  # starts at sea
    params = DriftParams(dt_s=600, output_every_s=3600, duration_s=24 * 3600, backward=backward)
    simulate(
        state,
        Forcing(current=VectorField.constant(u, 0.0)),
        T0,
        params,
        np.random.default_rng(0),
        land=land_mask,
    )
    return state


@pytest.mark.parametrize(
    ("lon0", "backward", "coast"), [(14.10, False, "west"), (14.75, True, "east")]
)
def test_eastward_current_strands_particles_on_malta(land_mask, lon0, backward, coast):
    state = _run(land_mask, lon0, 0.5, backward)
    assert (state.status == STRANDED).all()
    assert land_mask.contains(state.lon, state.lat).all()
    # they stop at the coast they meet first, within one step (300 m) of it
    if coast == "west":
        assert (state.lon > 14.18).all() and (state.lon < 14.42).all()
    else:
        assert (state.lon > 14.45).all() and (state.lon < 14.62).all()
    np.testing.assert_array_equal(state.lat, LAT)  # no northward motion


def test_particles_passing_north_of_malta_stay_at_sea(land_mask):
    state = ParticleState.passive([14.10], [36.15])  # north of Gozo and Comino
    params = DriftParams(dt_s=600, output_every_s=3600, duration_s=24 * 3600)
    simulate(
        state,
        Forcing(current=VectorField.constant(0.5, 0.0)),
        T0,
        params,
        np.random.default_rng(0),
        land=land_mask,
    )
    assert state.status.tolist() == [ACTIVE]
    assert state.lon[0] > 14.55  # 43 km east, past Malta
