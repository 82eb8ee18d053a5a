"""Sweep width, corrections and effort (planning/sweep.py) against values worked by hand.

Table values are read off ``data/sweep_widths.csv`` (AMSA D-5:3 via alkeikei/sarplan;
USCG Addendum via canterbury-air-patrol) and ``data/sweep_corrections.csv``; the
formulas are search_planning.md §4.
"""

from __future__ import annotations

import pytest

from sarwatch.errors import InputError
from sarwatch.planning.sweep import (
    corrected_sweep_width,
    coverage,
    cumulative_relative_effort,
    effort_factor_nm2,
    effort_nm2,
    fatigue_factor,
    relative_effort,
    search_endurance_h,
    speed_factor,
    sweep_width_rows,
    table_sweep_width_nm,
    track_spacing_nm,
    weather_factor,
)


def test_the_packaged_tables_keep_their_sources() -> None:
    rows = sweep_width_rows()
    assert len(rows) == 4513  # 1,413 AMSA + 3,100 USCG (search_planning.md §12)
    assert all(r.source for r in rows)
    keys = [(r.platform, r.height_ft, r.object_name, r.visibility_km) for r in rows]
    assert len(set(keys)) == len(keys)  # one printed value per cell


def test_a_printed_cell_and_its_source() -> None:
    # AMSA D-5:3, 14 ft eye height, PIW: 0.4 nm at 5 km, 0.5 nm at 10 km
    w, src = table_sweep_width_nm(
        platform="small_vessel", height_ft=14, object_name="Person in water", visibility_km=10
    )
    assert w == 0.5
    assert "AMSA D-5:3" in src


@pytest.mark.parametrize(
    ("platform", "height_ft", "object_name", "visibility_km", "expected_nm"),
    [
        # halfway between 5 and 10 km: (0.4 + 0.5)/2 = 0.45
        ("small_vessel", 14, "Person in water", 7.5, 0.45),
        # 11 ft, halfway between the 8 ft (0.3) and 14 ft (0.5) rows at 10 km: 0.4
        ("small_vessel", 11, "Person in water", 10, 0.4),
        # ">25 km" column is open-ended: 40 km reads the 25 km value (0.6)
        ("small_vessel", 14, "Person in water", 40, 0.6),
        # USCG helicopter 500 ft, Raft 4 person, 5 NM (9.26 km): 1.6 nm
        ("helicopter", 500, "Raft 4 person", 9.26, 1.6),
    ],
)
def test_printed_cells_and_interpolation(
    platform: str, height_ft: float, object_name: str, visibility_km: float, expected_nm: float
) -> None:
    w, _ = table_sweep_width_nm(
        platform=platform, height_ft=height_ft, object_name=object_name, visibility_km=visibility_km
    )
    assert w == pytest.approx(expected_nm)


def test_corrections() -> None:
    # IAMSAR weather: small object, 15-25 kt -> 0.5; >25 kt -> 0.25; large object 0.9 both
    assert weather_factor("Person in water", wind_kn=10) == 1.0
    assert weather_factor("Person in water", wind_kn=20) == 0.5
    assert weather_factor("Life raft, 4 person", sea_m=2.0) == 0.25
    assert weather_factor("Power boat 5-8m", wind_kn=30) == 0.25
    assert weather_factor("Power Boat 53ft", wind_kn=30) == 0.9
    assert weather_factor("Ship 120ft", wind_kn=20) == 0.9
    # the harsher of wind and sea: calm wind but 1.2 m sea -> middle band
    assert weather_factor("Person in water", wind_kn=5, sea_m=1.2) == 0.5
    # AMSA variant for large objects: 0.8 and 0.5
    assert weather_factor("Ship 120ft", wind_kn=20, table="weather_amsa_variant_NOT_IAMSAR") == 0.8
    # helicopter PIW speed: 1.5 at 60 kt, 1.0 at 90 kt -> 1.25 at 75 kt; 0.7 beyond 140 kt
    assert speed_factor("helicopter", "Person in Water", 75) == pytest.approx(1.25)
    assert speed_factor("helicopter", "Person in Water", 160) == pytest.approx(0.7)
    # AMSA names map to the D-5:8 groups: "Life raft, 6 person" -> "Raft, 6-25 person" (1.2 @ 60 kt)
    assert speed_factor("helicopter", "Life raft, 6 person", 60) == pytest.approx(1.2)
    assert speed_factor("fixed_wing", "Power boat 8-12m", 210) == pytest.approx(0.9)
    assert fatigue_factor(True) == 0.9


def test_corrected_sweep_width_multiplies_the_factors() -> None:
    # W0 1.6 (helicopter 500 ft, Raft 4 person, 5 NM); fw 0.5 (20 kt, small); fv 1.0 (90 kt);
    # ff 0.9: W = 1.6 · 0.5 · 1.0 · 0.9 = 0.72 nm
    sw = corrected_sweep_width(
        platform="helicopter",
        height_ft=500,
        object_name="Raft 4 person",
        visibility_km=9.26,
        speed_kn=90,
        wind_kn=20,
        fatigue=True,
    )
    assert sw.sweep_width_nm == pytest.approx(0.72)
    assert sw.sweep_width_m == pytest.approx(0.72 * 1852)


def test_effort_coverage_spacing() -> None:
    # Z = W·V·T = 0.72 · 90 · 3.4 = 220.32 nm²; C over 400 nm² = 0.5508; S = W/C = 1.3072 nm
    hours = search_endurance_h(4.0)  # 85 % of 4 h = 3.4 h
    assert hours == pytest.approx(3.4)
    z = effort_nm2(sweep_width_nm=0.72, speed_kn=90, hours=hours)
    assert z == pytest.approx(220.32)
    c = coverage(z, 400.0)
    assert c == pytest.approx(0.5508)
    assert track_spacing_nm(0.72, c) == pytest.approx(0.72 / 0.5508)
    # relative effort: point datum, E = 5: fz = 25; Zr = 220.32/25 = 8.8128
    assert relative_effort(z, effort_factor_nm2("point", 5.0)) == pytest.approx(8.8128)
    # line datum, L = 20, E = 5: fz = E·(L + 2E) = 5·30 = 150
    assert effort_factor_nm2("line", 5.0, divergence_or_line_nm=20.0) == pytest.approx(150.0)
    assert cumulative_relative_effort([1.5, 2.25]) == pytest.approx(3.75)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"visibility_km": 1.0},
            r"visibility 1 km is outside the small_vessel 14 ft 'Person in water' table "
            r"\(2, 5, 10, 15, 20, 25 km and above\)",
        ),
        (
            {"height_ft": 46},
            r"height 46 ft is outside the small_vessel table for 'Person in water' "
            r"\(8, 14 ft\)",
        ),
        (
            {"object_name": "Pedalo"},
            r"no small_vessel sweep width for object 'Pedalo': give the unit's "
            r"sweep_width_nm or one of the tables' objects: .*Person in water",
        ),
        (
            {"object_name": "person in water"},
            r"'person in water' is ambiguous .* 'Person in Water' or 'Person in water'",
        ),
        ({"platform": "submarine"}, r"unknown platform 'submarine'"),
        ({"visibility_km": -3}, r"visibility_km must be a positive"),
    ],
)
def test_outside_the_tables_is_one_clear_line(kwargs: dict, message: str) -> None:
    args = {
        "platform": "small_vessel",
        "height_ft": 14,
        "object_name": "Person in water",
        "visibility_km": 10.0,
    } | kwargs
    with pytest.raises(InputError, match=message) as err:
        table_sweep_width_nm(**args)
    assert "\n" not in str(err.value)


def test_bad_effort_inputs() -> None:
    with pytest.raises(InputError, match="speed_kn must be a positive"):
        effort_nm2(sweep_width_nm=1.0, speed_kn=-10.0, hours=2.0)
    with pytest.raises(InputError, match="hours must be a positive"):
        effort_nm2(sweep_width_nm=1.0, speed_kn=10.0, hours=0.0)
    with pytest.raises(InputError, match="needs its search speed_kn"):
        corrected_sweep_width(
            platform="fixed_wing", height_ft=1000, object_name="Raft 4 person", visibility_km=9.26
        )
