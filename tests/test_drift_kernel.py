"""The fused kernel's own contracts: what it returns to the time loop, its random draws."""

from __future__ import annotations

import numpy as np

from sarwatch.drift import _kernel, engine
from sarwatch.drift.engine import DriftParams, simulate
from sarwatch.drift.forcing import Forcing, VectorField
from sarwatch.drift.state import NOT_RELEASED, STRANDED, ParticleState

T0 = np.datetime64("2026-11-20T04:00:00", "s")


def test_the_kernel_returns_the_bounding_box_of_the_particles_that_may_move(monkeypatch, land_mask):
    # a line of particles west of Malta, released over the first hours, pushed onto the coast
    lat = np.linspace(35.70, 36.10, 41)
    state = ParticleState.passive(np.full(lat.size, 14.05), lat)
    state.release_s[:] = np.linspace(0.0, 6 * 3600.0, lat.size)
    state.status[state.release_s > 0] = NOT_RELEASED
    seen = []
    real = engine._advance_chunk

    def spy(st, *args):  # type: ignore[no-untyped-def]
        exact, box = real(st, *args)
        if args[10].size:  # all_idx: not the empty call that loads the kernel
            truth = _kernel.moving_bbox(st.lon, st.lat, st.status)
            seen.append((exact, box, truth, int((st.status == NOT_RELEASED).sum())))
        return exact, box

    monkeypatch.setattr(engine, "_advance_chunk", spy)
    params = DriftParams(dt_s=600, output_every_s=3600, duration_s=12 * 3600)
    forcing = Forcing(current=VectorField.constant(0.6, 0.05))
    simulate(state, forcing, T0, params, np.random.default_rng(0), land=land_mask)
    assert (state.status == STRANDED).any() and not (state.status == STRANDED).all()
    assert any(e > 0 for e, *_ in seen), "no chunk met the coast"
    assert any(w > 0 for *_, w in seen), "no chunk had particles waiting for release"
    for exact, box, truth, _ in seen:
        # a superset always (stranded particles of a resumed call may remain in it) ...
        assert box[0] <= truth[0] and box[1] <= truth[1]
        assert box[2] >= truth[2] and box[3] >= truth[3]
        if exact == 0:  # ... and exactly the box when no particle met the coast
            assert box == truth
