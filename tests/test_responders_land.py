"""The coastline in a responders ranking: a dead-reckoned leg that crosses an island, and
the sea route's detour in the ETAs and the order. Needs the GSHHG coastline (shared cache)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _cases_helpers import T0, make_service, make_store, position
from _responders import minutes, picture, report
from sarwatch.ledger import Signer
from sarwatch.services.cases import CaseService
from sarwatch.services.responders import responders
from sarwatch.services.responders_land import (
    LAND_EXTRA_SHARE,
    LAND_MIN_EXTRA_NM,
    SEA_CHECK_N,
    SEA_CHECK_ROUNDS,
    check_land,
    land_options,
    ranking_key,
    tracks_on_land,
)

NOW = T0 + timedelta(hours=1)


@pytest.fixture
def service(tmp_path: Path) -> CaseService:
    return make_service(make_store("memory", tmp_path), Signer.generate())


@pytest.fixture(scope="module")
def land() -> dict:
    return land_options(None)


def _by_mmsi(answer: dict) -> dict[int, dict]:
    return {v["mmsi"]: v for v in answer["vessels"]}


def _case(service: CaseService, lon: float, lat: float) -> str:
    return service.open_case(
        title="rubber boat", alert_time=T0, actor="ana", position=position(lon=lon, lat=lat)
    ).case_id


def test_a_leg_across_linosa_or_comino_touches_land_and_one_beside_them_does_not(
    land: dict,
) -> None:
    """Linosa (35.86N 12.87E, 2.5 km across) and Comino (between Malta and Gozo): a leg
    from sea to sea across each touches land; the same legs moved into open water do not.
    Both ends of every leg are at sea, so a test of the end points alone sees nothing."""
    from sarwatch.geo.coast import land_mask

    mask = land_mask()
    test = tracks_on_land(mask)
    legs = {  # (lon0, lat0, lon1, lat1)
        "across Linosa": (12.865, 35.90, 12.865, 35.80),
        "east of Linosa": (12.95, 35.90, 12.95, 35.80),
        "across Comino": (14.30, 36.005, 14.37, 36.020),
        "south of Comino": (14.30, 35.990, 14.37, 36.000),
    }
    lon0, lat0, lon1, lat1 = (np.array(c) for c in zip(*legs.values(), strict=True))
    assert not mask.contains(lon0, lat0).any() and not mask.contains(lon1, lat1).any()
    got = test(np.stack([lon0, lon1], axis=1), np.stack([lat0, lat1], axis=1))
    assert dict(zip(legs, np.asarray(got).tolist(), strict=True)) == {
        "across Linosa": True,
        "east of Linosa": False,
        "across Comino": True,
        "south of Comino": False,
    }
    assert test(np.zeros((0, 2)), np.zeros((0, 2))).shape == (0,)


def test_a_ship_whose_held_course_crosses_linosa_is_taken_where_it_reported(
    service: CaseService, tmp_path: Path, land: dict
) -> None:
    """North of Linosa heading south at 12 kn, reported 30 min ago: holding its course it
    would now be 6 nm south, at sea, having crossed the island. It turned, so it is
    ranked from where it reported, with a note saying why; a ship on the same course
    5 nm east (open sea) is dead-reckoned as before."""
    case_id = _case(service, 12.9, 35.6)
    pic = picture([
        report(247000005, minutes(NOW, -30), 12.865, 35.90, sog_kn=12.0, cog_deg=180.0),
        report(247000006, minutes(NOW, -30), 12.95, 35.90, sog_kn=12.0, cog_deg=180.0),
    ])  # fmt: skip
    # the end point alone (the test of before) is at sea: not caught
    end_only = {"on_land": land["on_land"]}
    plain = _by_mmsi(responders(service, pic, tmp_path, case_id, now=NOW, **end_only))
    assert plain[247000005]["dead_reckoned"] is True
    assert plain[247000005]["lat_now"] == pytest.approx(35.80, abs=1e-3)
    got = _by_mmsi(responders(service, pic, tmp_path, case_id, now=NOW, **land))
    ship, open_sea = got[247000005], got[247000006]
    assert ship["reckoned_onto_land"] is True and ship["dead_reckoned"] is False
    assert (ship["lon_now"], ship["lat_now"]) == (12.865, 35.90)
    assert ship["position_uncertainty_nm"] == pytest.approx(6.0)
    assert ship["note"] == (
        "holding 180° at 12.0 kn since its report 30 min ago would have taken it across "
        "land (an island on its course): it turned, so it is ranked from where it reported"
    )
    assert ship["eta_p50_h"] > plain[247000005]["eta_p50_h"] + 0.4  # 6 nm further at 12 kn
    assert open_sea["dead_reckoned"] is True and open_sea["reckoned_onto_land"] is False
    assert open_sea["note"] == "" and open_sea["lat_now"] == pytest.approx(35.80, abs=1e-3)


def test_a_ship_reported_on_land_is_not_flagged_for_leaving_it(
    service: CaseService, tmp_path: Path, land: dict
) -> None:
    """A ship whose report lies on the coastline's land (in Linosa's harbour, a land pixel)
    and heads out to sea is dead-reckoned: its leg starts on land, which is no reason to
    think it turned."""
    from sarwatch.geo.coast import land_mask

    assert bool(land_mask().contains([12.865], [35.86])[0])
    case_id = _case(service, 12.9, 35.6)
    pic = picture([report(247000007, minutes(NOW, -30), 12.865, 35.86, sog_kn=12.0,
                          cog_deg=180.0)])  # fmt: skip
    ship = _by_mmsi(responders(service, pic, tmp_path, case_id, now=NOW, **land))[247000007]
    assert ship["dead_reckoned"] is True and ship["reckoned_onto_land"] is False
    assert ship["note"] == ""


def test_the_detour_round_lampedusa_is_in_the_eta_and_the_order(
    service: CaseService, tmp_path: Path, land: dict
) -> None:
    """South of Lampedusa, two stopped ships (ranked at 8 kn): one just north of the
    island, 21.7 nm in a straight line that crosses it; one north-west, 22.2 nm of open
    sea. By straight line the first is first; round the island (22.5 nm) it arrives
    about 4 min after the other, and the ranking says so."""
    case_id = _case(service, 12.6, 35.2)
    pic = picture([
        report(247000003, NOW, 12.55, 35.56, sog_kn=0.0),  # north of the island
        report(247000004, NOW, 12.45, 35.55, sog_kn=0.0),  # north-west, open sea
    ])  # fmt: skip
    line = responders(service, pic, tmp_path, case_id, now=NOW)
    assert [v["mmsi"] for v in line["vessels"]] == [247000003, 247000004]
    assert {v["eta_basis"] for v in line["vessels"]} == {"straight_line"}
    sea = responders(service, pic, tmp_path, case_id, now=NOW, **land)
    assert [v["mmsi"] for v in sea["vessels"]] == [247000004, 247000003]
    behind, clear = _by_mmsi(sea)[247000003], _by_mmsi(sea)[247000004]
    assert behind["land_between"] is True and behind["eta_basis"] == "sea_route"
    assert behind["sea_nm"] > behind["distance_nm"] + 0.5
    # a stationary target: the ETA is the sea route's length at the ship's speed
    assert behind["eta_p50_h"] == pytest.approx(behind["sea_nm"] / 8.0, abs=2e-3)
    assert behind["eta_p50_h"] == pytest.approx(
        _by_mmsi(line)[247000003]["eta_p50_h"] + behind["sea_extra_h"], abs=1e-3
    )
    assert clear["land_between"] is False and clear["eta_basis"] == "sea_route"
    assert clear["eta_p50_h"] == _by_mmsi(line)[247000004]["eta_p50_h"]  # no detour
    assert clear["sea_extra_h"] is None


class _Route:
    def __init__(self, distance_nm: float) -> None:
        self.distance_nm = distance_nm


class _Router:
    """Sea routes from given detours: each vessel's route is its straight line plus its
    detour (nm); counts the searches and the vessels routed."""

    def __init__(self, rows: list[dict], detour_nm: dict[int, float | None]) -> None:
        self.by_pos = {(r["lon_now"], r["lat_now"]): r for r in rows}
        self.detour_nm = detour_nm
        self.searches = 0
        self.routed: list[int] = []

    def routes_from(self, origin: tuple[float, float], dests: list[tuple[float, float]]):
        self.searches += 1
        out = []
        for pos in dests:
            row = self.by_pos[pos]
            self.routed.append(row["mmsi"])
            extra = self.detour_nm[row["mmsi"]]
            out.append(None if extra is None else _Route(row["distance_nm"] + extra))
        return out


_vessel = st.tuples(
    st.one_of(st.none(), st.floats(0.05, 30.0)),  # straight-line ETA 50 %, h
    st.floats(0.0, 3.0),  # ETA 90 % minus 50 %, h
    st.floats(1.0, 200.0),  # distance, nm
    st.floats(5.0, 25.0),  # speed, kn
    st.one_of(st.none(), st.just(0.0), st.floats(0.0, 0.2), st.floats(0.0, 40.0)),  # detour
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_vessel, max_size=45))
def test_the_first_rows_are_those_a_sea_route_for_every_vessel_would_give(vessels: list) -> None:
    """Against routing every vessel (the reference): when the rounds end with the first
    SEA_CHECK_N reachable rows routed, those rows are the reference's first rows, in its
    order; a vessel not routed keeps its straight-line ETA, which is never later than
    its ETA by sea, so none is ranked above a routed vessel that the reference ranks
    before it. Every vessel is routed at most once, in at most SEA_CHECK_ROUNDS searches."""
    rows, detour = [], {}
    for i, (p50, spread, dist, speed, extra) in enumerate(vessels):
        mmsi = 200000000 + i
        rows.append({
            "mmsi": mmsi, "lon_now": 12.0 + i * 0.01, "lat_now": 34.0, "speed_kn": speed,
            "eta_p50_h": None if p50 is None else round(p50, 3),
            "eta_p90_h": None if p50 is None else round(p50 + spread, 3),
            "distance_nm": round(dist, 2), "eta_basis": "straight_line",
            "sea_nm": None, "land_between": None, "sea_extra_h": None,
        })  # fmt: skip
        detour[mmsi] = extra
    reference = []
    for r in rows:
        ref = dict(r)
        extra = detour[r["mmsi"]]
        if r["eta_p50_h"] is not None and extra is not None:
            excess = (r["distance_nm"] + extra) - r["distance_nm"]
            if excess > max(LAND_EXTRA_SHARE * r["distance_nm"], LAND_MIN_EXTRA_NM):
                for key in ("eta_p50_h", "eta_p90_h"):
                    ref[key] = round(r[key] + excess / r["speed_kn"], 3)
        reference.append(ref)
    reference.sort(key=ranking_key)
    router = _Router(rows, detour)
    check_land(rows, router, (12.0, 34.0))

    assert rows == sorted(rows, key=ranking_key)
    assert len(router.routed) == len(set(router.routed)) and router.searches <= SEA_CHECK_ROUNDS
    reachable = [r for r in rows if r["eta_p50_h"] is not None]
    for r in rows:
        routed = r["mmsi"] in router.routed and detour[r["mmsi"]] is not None
        assert r["eta_basis"] == ("sea_route" if routed else "straight_line")
        ref = next(x for x in reference if x["mmsi"] == r["mmsi"])
        if routed:  # routed: the reference's ETA; not routed: a bound below it
            assert (r["eta_p50_h"], r["eta_p90_h"]) == (ref["eta_p50_h"], ref["eta_p90_h"])
        elif r["eta_p50_h"] is not None:
            assert r["eta_p50_h"] <= ref["eta_p50_h"]
    if len(reachable) <= SEA_CHECK_N * SEA_CHECK_ROUNDS:  # enough rounds for any detours
        assert all(r["mmsi"] in router.routed for r in reachable[:SEA_CHECK_N])
    first = reachable[:SEA_CHECK_N]
    if all(r["mmsi"] in router.routed for r in first):
        assert [r["mmsi"] for r in first] == [r["mmsi"] for r in reference[: len(first)]]


def test_a_router_that_cannot_route_from_the_centre_leaves_the_straight_line_ranking() -> None:
    """A target outside the coastline's region (or on land): no sea route, no change."""
    from sarwatch.errors import OutOfRegionError

    class Outside:
        def routes_from(self, origin: tuple[float, float], dests: list) -> list:
            raise OutOfRegionError("outside the region")

    rows = [{"mmsi": 1, "lon_now": 0.0, "lat_now": 0.0, "speed_kn": 8.0, "eta_p50_h": 1.0,
             "eta_p90_h": 1.0, "distance_nm": 8.0, "eta_basis": "straight_line",
             "sea_nm": None, "land_between": None, "sea_extra_h": None}]  # fmt: skip
    before = [dict(r) for r in rows]
    check_land(rows, Outside(), (-6.0, 36.0))
    assert rows == before


def test_a_vessel_outside_the_coastlines_region_does_not_stop_the_others_being_routed(
    service: CaseService, tmp_path: Path, land: dict
) -> None:
    """A boat off south-west Sardinia (38N 5.3E, inside the region that starts at 5E): a
    ship at 4.8E is outside it, and the router refuses a search that includes it; the
    ship east of the boat is still ranked by sea route, the one outside by straight line."""
    case_id = _case(service, 5.3, 38.0)
    pic = picture([
        report(247000008, NOW, 4.8, 38.0, sog_kn=0.0),  # outside the region
        report(247000009, NOW, 5.6, 38.0, sog_kn=0.0),
    ])  # fmt: skip
    got = _by_mmsi(responders(service, pic, tmp_path, case_id, now=NOW, **land))
    assert (got[247000008]["eta_basis"], got[247000008]["sea_nm"]) == ("straight_line", None)
    assert got[247000009]["eta_basis"] == "sea_route"
    assert got[247000009]["sea_nm"] == pytest.approx(got[247000009]["distance_nm"], rel=0.03)
