"""Allocation of several units over the cloud (planning/allocation.py).

Figures (seeded clouds, measured when the test was written, 2026-12-06):

- skewed cloud (70 % in a tight core, σ 2 nm; 30 % in a broad tail centred 12 nm E,
  4 nm N, σ 6 × 4 nm; 20,000 particles), three units (ship 10 kn × 4 h, W 0.5 nm;
  helicopter 90 kn × 2 h, W 0.7; aircraft 150 kn × 3 h, W 1.0), inverse-cube POD:
  the allocation's total POS 0.912 against 0.322 for the naive plan (one box around
  the 90 % region split into three equal strips);
- circular normal (σ 4 nm), one unit, exponential POD: 95-98 % of Stone's optimum
  POS* = 1 − (1 + a)e^(−a), a = sqrt(Z/(πσ²)), for Z = 20 to 400 nm²; the optimum
  spreads uneven effort, which a single uniform rectangle cannot, so it stays below.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sarwatch.errors import InputError
from sarwatch.planning.allocation import SearchUnit, allocate, naive_plan, score_plan
from sarwatch.planning.cloud import Cloud, area_mask, from_local_nm
from sarwatch.planning.pod import pod
from sarwatch.planning.types import SearchArea

LON0, LAT0 = 12.4, 33.6


def _skewed_cloud() -> Cloud:
    rng = np.random.default_rng(5)
    n = 20_000
    core = rng.random(n) < 0.7
    x = np.where(core, rng.normal(0, 2.0, n), rng.normal(12, 6, n))
    y = np.where(core, rng.normal(0, 2.0, n), rng.normal(4, 4, n))
    return Cloud.from_arrays(*from_local_nm(x, y, LON0, LAT0))


UNITS = [
    SearchUnit(name="ship", speed_kn=10, hours=4, sweep_width_nm=0.5),  # Z = 20 nm²
    SearchUnit(name="helicopter", speed_kn=90, hours=2, sweep_width_nm=0.7),  # Z = 126 nm²
    SearchUnit(name="aircraft", speed_kn=150, hours=3, sweep_width_nm=1.0),  # Z = 450 nm²
]


def test_the_allocation_beats_the_naive_plan_on_a_skewed_cloud() -> None:
    cloud = _skewed_cloud()
    plan = allocate(cloud, UNITS)
    naive = naive_plan(cloud, UNITS)
    assert plan.total_pos == pytest.approx(0.912, abs=0.01)
    assert naive.total_pos == pytest.approx(0.322, abs=0.01)
    assert plan.total_pos > naive.total_pos + 0.5
    # the naive strips are equal and together hold about 90 % (the box is a bit more)
    areas = {round(a.area.area_nm2, 6) for a in naive.assignments}
    assert len(areas) == 1
    assert 0.88 <= sum(a.poc for a in naive.assignments) <= 0.97
    # the units' contributions add up to the total; each figure is consistent
    for p in (plan, naive):
        assert sum(a.pos for a in p.assignments) == pytest.approx(p.total_pos)
        for a in p.assignments:
            assert a.effort_nm2 == pytest.approx(
                a.unit.sweep_width_nm * a.unit.speed_kn * a.unit.hours
            )
            assert a.coverage == pytest.approx(a.effort_nm2 / a.area.area_nm2)
            assert a.track_spacing_nm == pytest.approx(a.unit.sweep_width_nm / a.coverage)
            assert a.pod == pytest.approx(pod(a.coverage, "inverse_cube").value)
            assert a.area.length_nm >= a.area.width_nm
    # coordinate ascent never loses POS against the greedy pass alone
    assert plan.total_pos >= allocate(cloud, UNITS, rounds=0).total_pos - 1e-12


@pytest.mark.parametrize("effort_nm2", [20.0, 100.0, 400.0])
def test_one_unit_comes_close_to_stones_optimum_on_a_circular_normal(effort_nm2: float) -> None:
    rng = np.random.default_rng(7)
    sigma = 4.0
    cloud = Cloud.from_arrays(
        *from_local_nm(rng.normal(0, sigma, 20_000), rng.normal(0, sigma, 20_000), LON0, LAT0)
    )
    unit = SearchUnit(name="u", speed_kn=10, hours=effort_nm2 / 10, sweep_width_nm=1.0)
    plan = allocate(cloud, [unit], curve="exponential")
    a = math.sqrt(effort_nm2 / (math.pi * sigma**2))
    stone = 1 - (1 + a) * math.exp(-a)  # search_planning.md §8
    # below the optimum (sampling noise of 20k particles: ±0.004) and within 6 % of it
    assert plan.total_pos <= stone + 0.01
    assert plan.total_pos >= 0.94 * stone
    # the square-ish area sits on the centre
    area = plan.assignments[0].area
    assert area.length_nm / area.width_nm < 1.3
    assert bool(area_mask(Cloud.from_arrays([LON0], [LAT0]), area)[0])


def test_score_plan_counts_overlaps_once() -> None:
    # two units on the same box, C = 1 each, exponential: miss = e^(−1)·e^(−1);
    # POS = POC·(1 − e^(−2)); the second unit adds POC·e^(−1)·(1 − e^(−1))
    cloud = Cloud.from_arrays([LON0, LON0 + 1.0], [LAT0, LAT0])
    box = SearchArea(lon=LON0, lat=LAT0, length_nm=5.0, width_nm=2.0)
    u = SearchUnit(name="u", speed_kn=10, hours=1, sweep_width_nm=1.0)  # Z = 10 = A
    plan = score_plan(cloud, [u, u], [box, box], curve="exponential")
    assert plan.total_pos == pytest.approx(0.5 * (1 - math.exp(-2)))
    assert plan.assignments[1].pos == pytest.approx(0.5 * math.exp(-1) * (1 - math.exp(-1)))


def test_transit_takes_search_time() -> None:
    # 30 nm at 10 kn = 3 h of 5: Z = W·V·2 h = 1·10·2 = 20 nm²
    u = SearchUnit(name="u", speed_kn=10, hours=5, sweep_width_nm=1.0, transit_nm=30)
    assert u.effort_nm2() == pytest.approx(20.0)
    far = SearchUnit(name="far", speed_kn=10, hours=2, sweep_width_nm=1.0, transit_nm=30)
    with pytest.raises(InputError, match=r"'far' has no search time left: 30\.0 nm"):
        far.effort_nm2()
    # start given: transit measured to the cloud's centre (0.5° of latitude = 29.95 nm)
    s = SearchUnit(
        name="s", speed_kn=10, hours=5, sweep_width_nm=1.0, start_lon=LON0, start_lat=LAT0 - 0.5
    )
    assert s.search_hours((LON0, LAT0)) == pytest.approx(5 - 2.995, abs=0.003)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"speed_kn": -10}, "speed_kn must be a positive"),
        ({"hours": 0}, "hours must be a positive"),
        ({"sweep_width_nm": float("nan")}, "sweep_width_nm must be a positive"),
        ({"transit_nm": -1}, "transit_nm must be non-negative"),
        ({"start_lon": 12.0}, "give both start_lon and start_lat"),
    ],
)
def test_bad_units_get_one_clear_line(kwargs: dict, message: str) -> None:
    args = {"name": "u", "speed_kn": 10, "hours": 2, "sweep_width_nm": 1.0} | kwargs
    with pytest.raises(InputError, match=message) as err:
        SearchUnit(**args)
    assert "\n" not in str(err.value)


def test_no_units() -> None:
    with pytest.raises(InputError, match="at least one search unit"):
        allocate(_skewed_cloud(), [])
