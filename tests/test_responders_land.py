"""The coastline in a responders ranking: a dead-reckoned leg that crosses an island, and
the sea route's detour in the ETAs and the order. Needs the GSHHG coastline (shared cache)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from _cases_helpers import T0, make_service, make_store, position
from _responders import minutes, picture, report
from sarwatch.ledger import Signer
from sarwatch.services.cases import CaseService
from sarwatch.services.responders import responders
from sarwatch.services.responders_land import land_options, tracks_on_land

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
