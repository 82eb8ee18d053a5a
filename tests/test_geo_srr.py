"""SAR region membership at known positions, overlaps included."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest

from sarwatch.geo.srr import BOUNDARY_TOLERANCE_DEG, sar_regions, srr_at, srr_membership


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (12.5, 33.2, ["LY"]),  # off Tripolitania, inside the Libyan SRR (north limit 34°20'N)
        (12.6, 35.4, ["IT", "MT"]),  # just south of Lampedusa: IT and MT overlap
        (11.6, 33.5, ["LY", "TN"]),  # off Zarzis/Ben Gardane: LY and TN overlap
        (12.0, 35.0, ["MT", "TN"]),  # MT and TN overlap west of Lampedusa
        (16.5, 36.2, ["IT", "MT"]),  # the 36°00'-36°30'N band east of 16°E
        (14.5, 37.5, ["IT"]),  # Strait of Sicily, north of Malta's SRR
        (18.0, 35.0, ["MT"]),  # central Ionian, Malta's SRR only
        (15.0, 34.0, ["LY"]),  # south of 34°20'N, east of 11°30'E
        (8.5, 38.58, ["IT", "TN"]),  # SW of Sardinia: TN reaches 38°37'N, IT comes to 38°32'N
    ],
)
def test_known_positions(lon: float, lat: float, expected: list[str]) -> None:
    assert srr_at(lon, lat) == expected


def test_libyan_srr_limits() -> None:
    # Bounded north by 34°20'N (34.3333°) and west by 11°30'E.
    assert "LY" in srr_at(15.0, 34.30)
    assert "LY" not in srr_at(15.0, 34.36)
    assert "LY" not in srr_at(11.45, 33.6)


def test_vectorised_matches_scalar() -> None:
    rng = np.random.default_rng(3)
    lon = rng.uniform(9, 20, 300)
    lat = rng.uniform(31, 38, 300)
    member = srr_membership(lon, lat)
    for k in range(lon.size):
        assert srr_at(lon[k], lat[k]) == [sid for sid, m in member.items() if m[k]]


def test_every_region_is_valid_and_sourced() -> None:
    regions = sar_regions()
    assert {r.srr_id for r in regions} >= {"IT", "MT", "LY", "TN"}
    for region in regions:
        assert region.polygon.is_valid
        assert region.source


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        # 34°20'N between 11°30'E and 23°35'E is Libya's north limit and Malta's south one
        (13.0, 34 + 20 / 60, {"LY", "MT"}),
        (13.0, 34.3333, {"LY", "MT"}),  # the same line as the GISIS vertices write it
        # 11°30'E between 36°30'N and 37°30'N: Italy's limit and Tunisia's (west of Pantelleria)
        (11.5, 36.75, {"IT", "TN"}),
        # 36°30'N 11°30'E: the corner where Italy's, Malta's and Tunisia's regions meet
        (11.5, 36.5, {"IT", "MT", "TN"}),
    ],
)
def test_a_position_on_a_shared_boundary_is_in_both_regions(
    lon: float, lat: float, expected: set[str]
) -> None:
    # A report on a round meridian or parallel was in no region at all (the polygons'
    # interiors exclude their boundary): the assessment named no RCC.
    assert set(srr_at(lon, lat)) == expected
    member = srr_membership([lon], [lat])
    assert {sid for sid, m in member.items() if m[0]} == expected


def test_the_boundary_tolerance_is_the_published_precision_only() -> None:
    # 0.001° (about 110 m) off the 34°20'N line a position is in one region again
    assert srr_at(13.0, 34.3333 + 0.001) == ["MT"]
    assert srr_at(13.0, 34.3333 - 0.001) == ["LY"]
    assert BOUNDARY_TOLERANCE_DEG <= 1e-4


@pytest.mark.parametrize(
    ("lon", "lat", "where"),
    [
        (11.137, 33.50, "0.8 nm off Zarzis (the atlas departure point)"),
        (10.25, 33.90, "off Gabes"),
        (10.90, 33.95, "north of Djerba"),
        (10.20, 34.30, "off La Skhira"),
        (11.45, 33.25, "west of Ras Ajdir, on the Tunisian side"),
    ],
)
def test_the_gulf_of_gabes_is_in_tunisias_region(lon: float, lat: float, where: str) -> None:
    # Tunisia's GISIS ring closes by a straight edge from Ras Ajdir to 36°56'N 8°38'E that
    # cuts across these waters: read as drawn they were in no region, no RCC named
    from sarwatch.geo.coast import land_mask

    assert not land_mask().contains([lon], [lat]).any(), where  # at sea
    assert srr_at(lon, lat) == ["TN"], where


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (7.80, 37.00, []),  # off Annaba, Algeria: west of the completion's 8°38'E
        (11.60, 33.17, ["LY"]),  # east of Ras Ajdir: Libyan waters only
        (12.00, 33.00, ["LY"]),  # off Zuwara
    ],
)
def test_the_completion_takes_no_other_states_waters(
    lon: float, lat: float, expected: list[str]
) -> None:
    assert srr_at(lon, lat) == expected


def test_the_completion_lies_on_the_landward_side_of_the_closing_edge() -> None:
    # its two vertices on the edge are the ring's last and first: it adds only what the
    # edge cut off (its third vertex is west and south of both)
    from shapely.geometry import shape

    from sarwatch.geo.srr import LANDWARD_COMPLETIONS

    packaged = resources.files("sarwatch.data").joinpath("srr_central_med.geojson")
    raw = json.loads(packaged.read_text("utf-8"))
    (tn,) = [f for f in raw["features"] if f["properties"]["srr_id"] == "TN"]
    ring = list(shape(tn["geometry"]).exterior.coords)
    corner_a, corner_b, third = LANDWARD_COMPLETIONS["TN"]
    assert corner_a == pytest.approx(ring[-2]) and corner_b == pytest.approx(ring[0])
    assert third[0] <= min(corner_a[0], corner_b[0]) and third[1] <= min(corner_a[1], corner_b[1])
