"""The IAMSAR chain (planning/iamsar.py) against values worked by hand.

Formulas: ``../shared/data/search_planning.md`` §1-4 (IAMSAR Vol II ch. 4; AMSA
NatSAR Manual App. D via alkeikei/sarplan). Each test shows its arithmetic.
"""

from __future__ import annotations

import math

import pytest

from sarwatch.errors import InputError
from sarwatch.geo.geodesy import geodesic_distance_nm
from sarwatch.planning.iamsar import (
    Datum,
    Leeway,
    dead_reckoning_error_nm,
    drift_datum,
    drift_error_nm,
    drift_velocity_error_kn,
    fix_error_nm,
    leeway_for_object,
    line_datum,
    optimal_areas,
    optimal_search_radius_nm,
    safety_factor,
    separation_ratio,
    total_probable_error_nm,
)

CALM = {"wind_speed_kn": 0.0, "wind_from_deg": 0.0, "current_speed_kn": 0.0, "current_to_deg": 0.0}


def test_total_probable_error_from_x_y_and_drift_error() -> None:
    # Dve = sqrt(ASWDve² + TWCe² + LWe²) = sqrt(0.3² + 4·0.3² + 0.2²) = sqrt(0.49) = 0.7 kn
    dve = drift_velocity_error_kn(leeway_error_kn=0.2)
    assert dve == pytest.approx(0.7)
    # De = Dve·t = 0.7·10 = 7 nm; E = sqrt(X² + Y² + De²) = sqrt(25 + 1 + 49) = sqrt(75)
    de = drift_error_nm(dve, 10.0)
    assert de == pytest.approx(7.0)
    assert total_probable_error_nm(x_nm=5.0, y_nm=1.0, drift_error_nm=de) == pytest.approx(
        math.sqrt(75.0)
    )
    # forecast winds (0.5 kt) and only sea current known (one part, 0.2 kt): sqrt(.25+.04+0) = .5385
    assert drift_velocity_error_kn(
        leeway_error_kn=0.0, wind_error_kn=0.5, current_errors_kn=[0.2]
    ) == pytest.approx(math.sqrt(0.29))


def test_fix_errors_by_navigation_means() -> None:
    # AMSA D-6:1 / D-6:2 / D-6:3
    assert fix_error_nm("GPS") == 0.1
    assert fix_error_nm("radar") == 1.0
    assert fix_error_nm("ship") == 5.0
    assert fix_error_nm("aircraft") == 10.0
    # DR: 1 nm fix + 10 % of 30 nm for an aircraft = 4 nm
    assert dead_reckoning_error_nm(1.0, 30.0, "aircraft") == pytest.approx(4.0)
    with pytest.raises(InputError, match=r"unknown navigation means 'loran'.*gps"):
        fix_error_nm("loran")


def test_divergence_datum_and_separation() -> None:
    # L = 1 kn, α = 30°, t = 5 h, wind from north, no current: each datum lies 5 nm from
    # the start, 30° either side of south; DD = 2·L·t·sin α = 2·1·5·0.5 = 5 nm
    d = drift_datum(
        12.5,
        33.5,
        elapsed_h=5.0,
        **CALM | {"wind_speed_kn": 20.0},
        leeway=Leeway(speed_kn=1.0, divergence_deg=30.0, error_kn=0.1),
    )
    assert d.kind == "divergence"
    assert d.divergence_nm == pytest.approx(5.0, rel=1e-3)
    for p in d.points:
        assert float(geodesic_distance_nm(12.5, 33.5, *p)) == pytest.approx(5.0, rel=1e-6)
    left, right = d.points
    assert left[0] > 12.5 > right[0]  # left of a southward drift is east
    # mean drift: downwind 1 kn × 5 h = 5 nm
    assert d.drift_nm == pytest.approx(5.0)
    # SR = DD / E = 5 / 2.5 = 2 (< 4: one combined area)
    assert separation_ratio(d.divergence_nm, 2.5) == pytest.approx(2.0, rel=1e-3)


def test_current_and_leeway_add_as_vectors() -> None:
    # current 1 kn to east + leeway 1 kn downwind (wind from west: to east), α = 0:
    # 2 kn east for 3 h = 6 nm east, a point datum
    d = drift_datum(
        12.0,
        34.0,
        elapsed_h=3.0,
        wind_speed_kn=15.0,
        wind_from_deg=270.0,
        current_speed_kn=1.0,
        current_to_deg=90.0,
        leeway=Leeway(speed_kn=1.0, divergence_deg=0.0, error_kn=0.0),
    )
    assert d.kind == "point"
    lon, lat = d.points[0]
    assert float(geodesic_distance_nm(12.0, 34.0, lon, lat)) == pytest.approx(6.0, rel=1e-9)
    assert lat == pytest.approx(34.0, abs=1e-3)
    assert lon > 12.0


def test_leeway_from_an_object_class() -> None:
    # PIW-1: downwind 0.96 % of U, crosswind ±0.54 %, no offsets, Sy/x 12 cm/s.
    # At 20 kn: dw = 0.192, cw = 0.108 kn; L = hypot = 0.22029 kn; α = atan(0.108/0.192) = 29.36°;
    # LWe = 12 cm/s = 0.12/0.514444 = 0.23326 kn
    lw = leeway_for_object("PIW-1", 20.0)
    assert lw.speed_kn == pytest.approx(math.hypot(0.192, 0.108))
    assert lw.divergence_deg == pytest.approx(math.degrees(math.atan2(0.108, 0.192)))
    assert lw.error_kn == pytest.approx(0.12 / (1852 / 3600))
    assert "PIW-1" in lw.source
    # a proxy mixture gives a leeway between its members'
    rubber = leeway_for_object("migrant-rubber-boat", 20.0)
    members = [
        leeway_for_object(k, 20.0).speed_kn for k in ("LIFE-RAFT-NB-2", "REFUGEE-RAFT-1", "SKIFF-3")
    ]
    assert min(members) < rubber.speed_kn < max(members)
    with pytest.raises(InputError, match="unknown object class"):
        leeway_for_object("pedalo", 10.0)


def test_safety_factor_steps_and_radius() -> None:
    # AMSA Table 3-2: 1.1, 1.6, 2.0, 2.3, 2.5
    assert [safety_factor(n) for n in range(1, 7)] == [1.1, 1.6, 2.0, 2.3, 2.5, 2.5]
    assert optimal_search_radius_nm(5.0) == pytest.approx(5.5)
    assert optimal_search_radius_nm(5.0, search_number=3) == pytest.approx(10.0)
    assert optimal_search_radius_nm(5.0, safety_factor_value=1.3) == pytest.approx(6.5)
    with pytest.raises(InputError, match="search_number counts from 1"):
        safety_factor(0)


def test_optimal_area_for_each_datum_type() -> None:
    e = math.sqrt(75.0)
    ro = optimal_search_radius_nm(e)  # 1.1·sqrt(75) = 9.5263 nm, Ro² = 1.21·75 = 90.75
    # point: 4Ro² = 363 nm²
    (sq,) = optimal_areas(Datum(kind="point", points=((12.5, 33.5),)), ro, e)
    assert sq.area_nm2 == pytest.approx(363.0)
    assert sq.length_nm == sq.width_nm == pytest.approx(2 * ro)
    # divergence, DD = 5, SR = 5/8.66 = 0.58 < 4: 4Ro² + 2Ro·DD = 363 + 2·9.5263·5 = 458.263 nm²
    div = drift_datum(
        12.5,
        33.5,
        elapsed_h=5.0,
        **CALM | {"wind_speed_kn": 20.0},
        leeway=Leeway(speed_kn=1.0, divergence_deg=30.0, error_kn=0.1),
    )
    (rect,) = optimal_areas(div, ro, e)
    assert rect.area_nm2 == pytest.approx(363.0 + 2 * ro * div.divergence_nm)
    assert rect.area_nm2 == pytest.approx(458.263, rel=1e-3)
    assert rect.orientation_deg == pytest.approx(90.0, abs=0.1)  # the datums lie east-west
    # divergence, DD = 2·4·10·0.5 = 40 nm, E = 5: SR = 8 >= 4: two squares of 4Ro²,
    # second search Ro = 1.6·5 = 8: 2 × 256 nm²
    far = drift_datum(
        12.5,
        33.5,
        elapsed_h=10.0,
        **CALM | {"wind_speed_kn": 20.0},
        leeway=Leeway(speed_kn=4.0, divergence_deg=30.0, error_kn=0.1),
    )
    two = optimal_areas(far, optimal_search_radius_nm(5.0, search_number=2), 5.0)
    assert [a.area_nm2 for a in two] == pytest.approx([256.0, 256.0])
    assert (two[0].lon, two[0].lat) == far.points[0]
    # line: 2Ro·L over the segments; 0.5° of latitude north then 0.5° more = 59.9 nm
    line = line_datum(
        [12.0, 12.0, 12.0],
        [33.0, 33.5, 34.0],
        elapsed_h=1.0,
        **CALM,
        leeway=Leeway(speed_kn=0.0, divergence_deg=0.0, error_kn=0.0),
    )
    areas = optimal_areas(line, 2.0, 5.0)
    assert sum(a.area_nm2 for a in areas) == pytest.approx(2 * 2.0 * line.line_length_nm)
    assert line.line_length_nm == pytest.approx(59.9, abs=0.05)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"elapsed_h": 0.0}, "elapsed_h must be a positive"),
        ({"current_speed_kn": -1.0}, "current_speed_kn must be a non-negative"),
        ({"wind_speed_kn": float("nan")}, "wind_speed_kn must be a non-negative"),
    ],
)
def test_bad_drift_inputs_get_one_clear_line(kwargs: dict, message: str) -> None:
    args = {"elapsed_h": 2.0, **CALM} | kwargs
    with pytest.raises(InputError, match=message) as err:
        drift_datum(
            12.0, 34.0, leeway=Leeway(speed_kn=0.5, divergence_deg=20, error_kn=0.1), **args
        )
    assert "\n" not in str(err.value)


def test_bad_leeway_and_errors() -> None:
    with pytest.raises(InputError, match="speed_kn must be a non-negative"):
        Leeway(speed_kn=-0.1, divergence_deg=10, error_kn=0.1)
    with pytest.raises(InputError, match="divergence_deg must be in"):
        Leeway(speed_kn=0.5, divergence_deg=95, error_kn=0.1)
    with pytest.raises(InputError, match="total probable error is 0"):
        total_probable_error_nm(x_nm=0.0, y_nm=0.0, drift_error_nm=0.0)
