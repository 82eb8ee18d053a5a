"""Several scenarios per Dask task: the grids do not depend on the batch size, a wrong
input fails only its scenario, a transient error is retried, and a task that keeps
failing is split so that only the scenario at fault is reported."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

pytest.importorskip("dask.distributed")

from sarwatch.services import atlas_task
from sarwatch.services.atlas import Departure, batch_size, run_atlas

# the small atlas of test_atlas and its one-worker run (fixtures, re-exported)
from test_atlas import T0
from test_atlas import one_worker as one_worker
from test_atlas import request_ as request_


def _same_grids(a, b):
    np.testing.assert_array_equal(a.counts.presence, b.counts.presence)
    np.testing.assert_array_equal(a.counts.classes, b.counts.classes)
    np.testing.assert_array_equal(a.counts.outside_grid, b.counts.outside_grid)
    assert a.counts.particles == b.counts.particles


def test_batch_size_keeps_four_tasks_per_thread_and_at_most_sixteen_scenarios():
    assert batch_size(1000, 1) == 16 and batch_size(1000, 2) == 16
    assert batch_size(40, 2) == 5 and batch_size(3, 4) == 1


def test_batches_of_any_size_give_the_grids_of_one_scenario_per_task(request_, one_worker):
    assert one_worker.batch == 1  # 6 scenarios on one worker: one per task
    for batch in (4, 6):
        res = run_atlas(request_, workers=2, processes=False, batch=batch)
        assert res.failures == [] and res.batch == batch and res.counts.scenarios == 6
        _same_grids(res, one_worker)


def test_a_departure_on_land_fails_only_its_scenarios_inside_a_batch(request_, one_worker):
    on_land = Departure("valletta-inland", 14.43, 35.88)
    req = replace(request_, departures=(*request_.departures, on_land), retries=0)
    res = run_atlas(req, workers=1, processes=False, batch=9)  # all nine in one task
    assert [f.departure for f in res.failures] == ["valletta-inland"] * 3
    assert [f.start for f in res.failures] == [T0 + timedelta(hours=h) for h in (0, 6, 12)]
    assert all("PositionOnLandError" in f.error for f in res.failures)
    _same_grids(res, one_worker)


def _flaky(monkeypatch, bad_index: int, times: int | None):
    """Make scenario ``bad_index`` raise a RuntimeError ``times`` times (None: always)."""
    real = atlas_task._run_scenario
    calls = {"n": 0}
    lock = threading.Lock()

    def run(task, ctx, acc):
        if task.index == bad_index:
            with lock:
                calls["n"] += 1
                fail = times is None or calls["n"] <= times
            if fail:
                raise RuntimeError(f"worker lost its disk (try {calls['n']})")
        real(task, ctx, acc)

    monkeypatch.setattr(atlas_task, "_run_scenario", run)
    return calls


def test_a_transient_error_is_retried_and_the_scenario_counted(request_, one_worker, monkeypatch):
    calls = _flaky(monkeypatch, bad_index=2, times=1)
    res = run_atlas(replace(request_, retries=1), workers=2, processes=False, batch=3)
    assert res.failures == [] and calls["n"] == 2
    _same_grids(res, one_worker)


def test_a_task_that_keeps_failing_is_split_and_only_the_culprit_reported(
    request_, one_worker, monkeypatch
):
    calls = _flaky(monkeypatch, bad_index=4, times=None)
    res = run_atlas(replace(request_, retries=1), workers=2, processes=False, batch=3)
    # the batch (scenarios 3-5) ran twice, then scenario 4 alone twice
    assert calls["n"] == 4
    assert len(res.failures) == 1
    (failure,) = res.failures
    assert "RuntimeError" in failure.error and "lost its disk" in failure.error
    # scenarios go start by start, departure by departure: 4 is the first one's third start
    assert failure.departure == request_.departures[0].name
    assert failure.start == T0 + timedelta(hours=6 * (4 // 2))
    assert res.counts.scenarios == 5
    assert res.counts.particles == one_worker.counts.particles - request_.config.particles
