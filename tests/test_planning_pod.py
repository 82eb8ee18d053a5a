"""POD curves, cumulative POD/POS and lateral-range curves (planning/pod.py).

Hand values: search_planning.md §5-6 and the issue ("coverage 1 gives POD 0.632
exponential and 0.790 inverse-cube"); AMSA Table 4-2 prints 47 % at C = 0.5.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarwatch.errors import InputError
from sarwatch.planning.pod import (
    LateralRange,
    bridge_pod,
    coverage_for_pod,
    cumulative_pod,
    cumulative_pos,
    parallel_sweep_pod,
    pod,
    pos,
    track_pod,
)


def test_coverage_one_gives_the_two_textbook_pods() -> None:
    # 1 − e^(−1) = 0.63212; erf(√π/2) = erf(0.886227) = 0.78999
    assert pod(1.0, "exponential").value == pytest.approx(0.632, abs=5e-4)
    assert pod(1.0, "inverse_cube").value == pytest.approx(0.790, abs=5e-4)
    assert pod(1.0, "inverse_cube").curve == "inverse_cube"
    # AMSA Table 4-2: 47 % at C = 0.5 (erf(0.443113) = 0.4691)
    assert pod(0.5, "inverse_cube").value == pytest.approx(0.47, abs=0.005)
    # the inverse cube is above the exponential at every coverage
    c = np.linspace(0.05, 3, 60)
    assert all(pod(x, "inverse_cube").value > pod(x, "exponential").value for x in c)


@given(st.floats(0.0, 5.0), st.sampled_from(["exponential", "inverse_cube"]))
def test_coverage_for_pod_inverts_the_curve(c: float, curve: str) -> None:
    assert coverage_for_pod(pod(c, curve).value, curve) == pytest.approx(c, abs=1e-6)  # type: ignore[arg-type]


def test_cumulative_pod_and_bridge() -> None:
    # 1 − (1 − 0.5)(1 − 0.6) = 0.8
    assert cumulative_pod([0.5, 0.6]) == pytest.approx(0.8)
    # exponential curve: searches of C = 0.4 and 0.7 equal one of C = 1.1 (derived, §6)
    two = cumulative_pod([pod(0.4, "exponential").value, pod(0.7, "exponential").value])
    assert two == pytest.approx(pod(1.1, "exponential").value)
    # bridge: 1 − (1 − 0.95)/(1 − 0.8) = 0.75
    assert bridge_pod(0.95, 0.8) == pytest.approx(0.75)
    assert bridge_pod(0.5, 0.8) == 0.0


def test_the_two_pos_conventions_agree_when_applied_consistently() -> None:
    # POC 0.6 in the area; two searches of POD 0.5 each.
    # absolute: POS1 = 0.6·0.5 = 0.30; POS2 = 0.6·0.5·0.5 = 0.15 (mass found, original POC): 0.45
    # conditional: after search 1 POC' = 0.3/0.7 = 0.428571; POS2' = 0.214286;
    # 1 − 0.7·(1 − 0.214286) = 0.45
    assert pos(0.6, 0.5) == pytest.approx(0.3)
    absolute = cumulative_pos([0.3, 0.15], "absolute")
    poc2 = 0.3 / 0.7
    conditional = cumulative_pos([0.3, pos(poc2, 0.5)], "conditional")
    assert absolute == pytest.approx(0.45)
    assert conditional == pytest.approx(0.45)
    assert cumulative_pos([0.7, 0.6], "absolute") == 1.0  # capped


@pytest.mark.parametrize("kind", ["inverse_cube", "definite_range"])
def test_a_lateral_range_curve_integrates_to_its_sweep_width(kind: str) -> None:
    # W = ∫ p(x) dx; inverse cube: 2·sqrt(π·W²/(4π)) = W (the tail beyond 2000 W adds
    # 2·W²/(4π·2000 W) = 8e-5 W, left out here)
    w = 1.7
    lr = LateralRange(kind, w)  # type: ignore[arg-type]
    x = np.linspace(-2000 * w, 2000 * w, 4_000_001)
    integral = float(np.sum(lr.probability(x)) * (x[1] - x[0]))
    assert integral == pytest.approx(w, rel=2e-4)


@pytest.mark.parametrize("w_over_s", [0.25, 0.5, 1.0, 2.0])
def test_parallel_sweeps_give_the_coverage_curves(w_over_s: float) -> None:
    # Koopman: inverse-cube passes S apart give erf(√π/2·W/S); definite range min(1, W/S)
    s = 2.0
    ic = parallel_sweep_pod(LateralRange("inverse_cube", w_over_s * s), s)
    assert ic == pytest.approx(pod(w_over_s, "inverse_cube").value, abs=2e-4)
    dr = parallel_sweep_pod(LateralRange("definite_range", w_over_s * s), s)
    assert dr == pytest.approx(min(1.0, w_over_s), abs=2e-3)


def test_track_pod_of_a_finite_leg_integrates_the_inverse_cube_rate() -> None:
    # Detection rate ∝ 1/r³ along a leg from s = -1 to s = 3 (the object's foot point at
    # s = 0, lateral range x = 0.8): −ln(1−p) = W²/(8π)·∫ ds/(x²+s²)^{3/2} (the constant
    # that makes an infinite leg give W²/(4πx²)). The module uses the closed form
    # [s/(x²√(x²+s²))]; here the integral is done by the trapezoid rule.
    w, x = 1.2, 0.8
    s = np.linspace(-1.0, 3.0, 400_001)
    rate = 1.0 / (x * x + s * s) ** 1.5
    logmiss = -(w * w / (8 * math.pi)) * float(np.sum((rate[1:] + rate[:-1]) / 2 * np.diff(s)))
    (p,) = track_pod([x], [1.0], [0.0, 0.0], [0.0, 4.0], LateralRange("inverse_cube", w))
    assert p == pytest.approx(-math.expm1(logmiss), rel=1e-6)
    # two legs: independent passes multiply their miss probabilities
    (p2,) = track_pod([x], [1.0], [0.0, 0.0, 0.0], [0.0, 4.0, 0.0], LateralRange("inverse_cube", w))
    assert 1 - p2 == pytest.approx((1 - p) ** 2)


def test_definite_range_detects_within_half_the_sweep_width_of_the_leg() -> None:
    # leg from (0,0) to (0,4), W = 2: detected within 1 nm of the segment, ends included
    lr = LateralRange("definite_range", 2.0)
    pts_x = [0.99, 1.01, 0.0, 0.0, 0.6, 0.8]
    pts_y = [
        2.0,
        2.0,
        -0.99,
        5.01,
        4.79,
        4.61,
    ]  # (0.6, 4.79): 0.992 from the end; (0.8, 4.61): 1.006
    got = track_pod(pts_x, pts_y, [0.0, 0.0], [0.0, 4.0], lr).tolist()
    assert got == [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]


def test_bad_pod_inputs() -> None:
    with pytest.raises(InputError, match="coverage must be a non-negative"):
        pod(-0.1)
    with pytest.raises(InputError, match="unknown POD curve 'linear'"):
        pod(1.0, "linear")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="sweep_width_nm must be a positive"):
        LateralRange("inverse_cube", 0.0)
    with pytest.raises(InputError, match="unknown POS convention"):
        cumulative_pos([0.1], "sum")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="poc must be a probability"):
        pos(1.2, 0.5)
    with pytest.raises(InputError, match="at least two vertices"):
        track_pod([0.0], [0.0], [0.0], [0.0], LateralRange("inverse_cube", 1.0))
