"""Responders for a case: the ranking against the last position or the drift run, dead
reckoning, CPA, what is left out, and the snapshot attached to the ledger verifying
inside an exported bundle."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from _cases_helpers import SEA, T0, make_service, make_store, open_case, position
from _responders import at, minutes, picture, report, run_record, write_run
from sarwatch.errors import NotFoundError
from sarwatch.ledger import Signer, canonical_json, sha256_hex
from sarwatch.services.attachments import describe_attachment
from sarwatch.services.cases import CaseService
from sarwatch.services.evidence import build_bundle, verify_bundle
from sarwatch.services.responders import picture_snapshot, responders
from sarwatch.vessels.types import VesselStatic

NOW = T0 + timedelta(hours=1)
RUN = "0123456789ab"


@pytest.fixture
def service(tmp_path: Path) -> CaseService:
    return make_service(make_store("memory", tmp_path), Signer.generate())


def _by_mmsi(answer: dict) -> dict[int, dict]:
    return {v["mmsi"]: v for v in answer["vessels"]}


def _last_position_picture():
    lon0, lat0 = SEA
    a = at(lon0, lat0, 90.0, 20.0)  # 20 nm east, steaming west at 10 kn
    b = at(lon0, lat0, 0.0, 30.0)  # a SAR vessel 30 nm north, stopped
    c = at(lon0, lat0, 270.0, 26.0)  # 26 nm west half an hour ago, 12 kn east
    d = at(lon0, lat0, 180.0, 5.0)  # close, but its last report is 8 h old
    return picture(
        [
            report(211000001, NOW, *a, sog_kn=10.0, cog_deg=270.0),
            report(247000002, NOW, *b, sog_kn=0.0, cog_deg=0.0),
            report(229000003, minutes(NOW, -30), *c, sog_kn=12.0, cog_deg=90.0),
            report(636000004, NOW - timedelta(hours=8), *d, sog_kn=10.0, cog_deg=0.0),
            report(970123456, NOW, lon0, lat0, sog_kn=0.0),  # an AIS-SART: not a responder
        ],
        (
            VesselStatic(211000001, name="NORDIC STAR", ship_type=70),
            VesselStatic(247000002, name="CP 940", ship_type=51),
        ),
    )


def test_without_a_drift_run_the_last_position_is_the_target_and_it_says_so(
    service: CaseService, tmp_path: Path
) -> None:
    case_id = open_case(service)
    answer = responders(service, _last_position_picture(), tmp_path, case_id, now=NOW)
    cloud = answer["cloud"]
    assert cloud["source"] == "last_position"
    assert cloud["run_id"] is None and cloud["particles"] == 1
    assert "last known position" in cloud["note"] and "no drift run attached" in cloud["note"]
    assert [v["mmsi"] for v in answer["vessels"]] == [229000003, 211000001, 247000002]
    got = _by_mmsi(answer)
    # stationary target: distance / speed
    a = got[211000001]
    assert a["eta_p50_h"] == pytest.approx(2.0, rel=2e-3) and a["eta_p90_h"] == a["eta_p50_h"]
    assert a["distance_nm"] == pytest.approx(20.0, rel=2e-3)
    assert (a["cpa_nm"], a["tcpa_h"]) == (
        pytest.approx(0.0, abs=0.05),
        pytest.approx(2.0, rel=2e-3),
    )
    assert a["name"] == "NORDIC STAR" and a["type"] == "merchant" and a["sar"] is False
    # stopped: the assumed passage speed, said so; SAR marked
    b = got[247000002]
    assert b["speed_kn"] == 8.0 and b["speed_basis"] == "assumed"
    assert b["eta_p50_h"] == pytest.approx(30.0 / 8.0, rel=2e-3)
    assert b["sar"] is True and b["type"] == "sar_vessel"
    # half an hour old: dead-reckoned 6 nm closer, and the age's uncertainty
    c = got[229000003]
    assert c["report_age_min"] == 30.0 and c["dead_reckoned"] is True
    assert c["eta_p50_h"] == pytest.approx(20.0 / 12.0, rel=2e-3)
    assert c["position_uncertainty_nm"] == pytest.approx(6.0)
    assert c["eta_uncertainty_h"] == pytest.approx(0.5)
    assert c["reachable_fraction"] == 1.0


def test_what_is_left_out_is_counted_not_dropped_silently(
    service: CaseService, tmp_path: Path
) -> None:
    """The 8 h old report, the AIS-SART and a report 12 min ahead of the clock (a
    receiver's clock running fast) are not ranked, and the answer says how many."""
    case_id = open_case(service)
    pic = _last_position_picture()
    pic.add_reports([report(247000009, minutes(NOW, 12), *at(*SEA, 0.0, 6.0), sog_kn=12.0)])
    answer = responders(service, pic, tmp_path, case_id, now=NOW)
    assert 247000009 not in _by_mmsi(answer)
    assert answer["left_out"] == {"sart": 1, "older": 1, "ahead": 1}
    # a report 4 min ahead is within the tolerance and is ranked
    pic.add_reports([report(247000010, minutes(NOW, 4), *at(*SEA, 0.0, 6.0), sog_kn=12.0)])
    answer = responders(service, pic, tmp_path, case_id, now=NOW)
    assert _by_mmsi(answer)[247000010]["report_age_min"] == 0.0
    assert answer["left_out"] == {"sart": 1, "older": 1, "ahead": 1}


def test_a_command_line_run_without_files_is_not_sent_looking_for_a_directory(
    service: CaseService, tmp_path: Path
) -> None:
    """`sarwatch drift --case` without --out attaches a run whose trajectories were never
    written: the note must not tell the user to give a directory that does not exist."""
    case_id = open_case(service)
    bare = {**run_record(RUN, "00" * 32), "run_id": None, "output_files": {}}
    service.attach(case_id, "drift_run", bare, actor="ana")
    note = responders(service, picture([]), tmp_path, case_id, now=NOW)["cloud"]["note"]
    assert "without an output directory" in note and "--out DIR" in note
    kept = {**run_record(RUN, "00" * 32), "run_id": None}
    service.attach(case_id, "drift_run", kept, actor="ana")
    note = responders(service, picture([]), tmp_path, case_id, now=NOW)["cloud"]["note"]
    assert "--drift-run DIR" in note and "without an output directory" not in note


def test_a_ship_reporting_an_impossible_speed_is_ranked_at_the_assumed_speed(
    service: CaseService, tmp_path: Path
) -> None:
    """A merchant 20 nm away reporting SOG 95 kn (a glitch) is not first at 13 min: it
    is ranked at the assumed 8 kn and not dead-reckoned; a SAR aircraft keeps its speed."""
    case_id = open_case(service)
    pic = picture([
        report(211000001, minutes(NOW, -30), *at(*SEA, 90.0, 20.0), sog_kn=95.0,
               cog_deg=270.0),
        report(111247001, NOW, *at(*SEA, 0.0, 60.0), sog_kn=120.0, cog_deg=180.0,
               msg_type=9),
    ])  # fmt: skip
    got = _by_mmsi(responders(service, pic, tmp_path, case_id, now=NOW))
    ship = got[211000001]
    assert ship["speed_basis"] == "assumed" and ship["speed_kn"] == 8.0
    assert ship["dead_reckoned"] is False
    assert ship["eta_p50_h"] == pytest.approx(20.0 / 8.0, rel=2e-3)
    plane = got[111247001]
    assert plane["speed_basis"] == "sog" and plane["eta_p50_h"] == pytest.approx(0.5, rel=2e-3)


def test_a_ship_behind_lampedusa_is_flagged_land_between(
    service: CaseService, tmp_path: Path
) -> None:
    """South of Lampedusa: a ship just north of the island reaches the boat only around
    it (its sea route is longer than the straight line, which crosses the island); a
    ship east in open sea has none. Needs the GSHHG coastline (shared cache)."""
    from sarwatch.geo.routing import sea_router

    case_id = service.open_case(
        title="rubber boat", alert_time=T0, actor="ana", position=position(lon=12.6, lat=35.2)
    ).case_id
    pic = picture([
        report(247000003, NOW, 12.55, 35.56, sog_kn=0.0),  # north of the island
        report(636091234, NOW, *at(12.6, 35.2, 90.0, 30.0), sog_kn=15.0, cog_deg=270.0),
    ])  # fmt: skip
    answer = responders(service, pic, tmp_path, case_id, now=NOW, router=sea_router())
    north, east = _by_mmsi(answer)[247000003], _by_mmsi(answer)[636091234]
    assert north["land_between"] is True
    assert north["sea_nm"] > north["distance_nm"] + 0.5
    assert north["sea_extra_h"] == pytest.approx(
        (north["sea_nm"] - north["distance_nm"]) / 8.0, abs=2e-3
    )
    assert east["land_between"] is False and east["sea_extra_h"] is None
    assert east["sea_nm"] == pytest.approx(east["distance_nm"], rel=0.03)
    # without a router nothing is claimed
    plain = _by_mmsi(responders(service, pic, tmp_path, case_id, now=NOW))[247000003]
    assert (plain["sea_nm"], plain["land_between"]) == (None, None)


def test_a_ship_reckoned_onto_lampedusa_is_taken_where_it_reported(
    service: CaseService, tmp_path: Path
) -> None:
    """North of Lampedusa heading south at 12 kn, reported 15 min ago: holding its
    course it would now be on the island (35.51N 12.58E), so it turned; it is ranked
    from its reported position, and the detour around the island is flagged."""
    from sarwatch.geo.coast import land_mask
    from sarwatch.geo.routing import sea_router

    case_id = service.open_case(
        title="rubber boat", alert_time=T0, actor="ana", position=position(lon=12.6, lat=35.2)
    ).case_id
    pic = picture([report(247000003, minutes(NOW, -15), 12.58, 35.56, sog_kn=12.0, cog_deg=180.0)])
    plain = _by_mmsi(responders(service, pic, tmp_path, case_id, now=NOW))[247000003]
    assert plain["dead_reckoned"] is True and plain["reckoned_onto_land"] is False
    assert bool(land_mask().contains([plain["lon_now"]], [plain["lat_now"]])[0])
    answer = responders(service, pic, tmp_path, case_id, now=NOW, router=sea_router(),
                        on_land=land_mask().contains)  # fmt: skip
    ship = _by_mmsi(answer)[247000003]
    assert ship["reckoned_onto_land"] is True and ship["dead_reckoned"] is False
    assert (ship["lon_now"], ship["lat_now"]) == (12.58, 35.56)
    assert ship["position_uncertainty_nm"] == pytest.approx(3.0)
    assert ship["land_between"] is True
    assert ship["eta_p50_h"] > plain["eta_p50_h"] + 0.2  # 3 nm further at 12 kn


def test_a_last_position_on_land_is_ranked_from_its_sea_point(
    service: CaseService, tmp_path: Path
) -> None:
    """A reported position flagged on land (in Lampedusa, 35.497N 12.603E): ships are
    ranked to the flagged nearest sea point, and the note says so."""
    from sarwatch.domain.case import PositionReport, Source
    from sarwatch.services.cases import CaseService as Service

    service = Service(
        store=service.store, signer=service.signer, region_of=lambda lon, lat: "MT",
        land_check=lambda lon, lat: True, sea_point=lambda lon, lat, **_: (12.6, 35.4956),
    )  # fmt: skip
    pos = PositionReport(T0, 12.603, 35.497, "gps", Source("Alarm Phone"))
    case_id = service.open_case(
        title="boat in the harbour?", alert_time=T0, actor="ana", position=pos
    ).case_id
    last = service.get(case_id).last_position
    assert last is not None and last.on_land is not None
    pic = picture([report(247000001, NOW, *at(12.6, 35.4956, 180.0, 8.0), sog_kn=0.0)])
    answer = responders(service, pic, tmp_path, case_id, now=NOW)
    assert answer["cloud"]["centroid"] == {"lon": 12.6, "lat": 35.4956}
    assert "sea point nearest to the last known position" in answer["cloud"]["note"]
    assert _by_mmsi(answer)[247000001]["distance_nm"] == pytest.approx(8.0, rel=2e-3)


def test_a_man_overboard_beacon_or_an_epirb_is_not_a_responder(
    service: CaseService, tmp_path: Path
) -> None:
    """A MOB device (972...) and an EPIRB-AIS (974...) at the case are distress beacons:
    ranked, they came first at the assumed 8 kn, 0 nm away."""
    case_id = open_case(service)
    pic = _last_position_picture()
    pic.add_reports([
        report(972001234, NOW, *SEA, sog_kn=0.0),
        report(974001234, NOW, *at(*SEA, 0.0, 1.0), sog_kn=0.5, cog_deg=10.0),
    ])  # fmt: skip
    answer = responders(service, pic, tmp_path, case_id, now=NOW)
    assert [v["mmsi"] for v in answer["vessels"]] == [229000003, 211000001, 247000002]
    assert answer["left_out"]["sart"] == 3


def test_the_drift_run_is_the_target_and_the_chaser_that_is_too_slow_comes_last(
    service: CaseService, tmp_path: Path
) -> None:
    case_id = open_case(service)
    start = (12.5, 34.0)
    sha = write_run(tmp_path, RUN, np.full(200, start[0]), np.full(200, start[1]), T0,
                    east_kn=3.0)  # fmt: skip
    service.attach(case_id, "drift_run", run_record(RUN, sha), actor="ana")
    now = T0 + timedelta(hours=1.5)
    here = at(*start, 90.0, 4.5)  # where the particles are then
    pic = picture([
        report(211000001, now, *at(*here, 90.0, 26.0), sog_kn=10.0, cog_deg=270.0),  # head-on
        report(211000002, now, *at(*here, 270.0, 10.0), sog_kn=2.0, cog_deg=90.0),  # too slow
        report(211000003, now, *at(*here, 270.0, 10.0), sog_kn=12.0, cog_deg=90.0),  # chaser
    ])  # fmt: skip
    answer = responders(service, pic, tmp_path, case_id, now=now, min_speed_kn=1.0)
    cloud = answer["cloud"]
    assert (cloud["source"], cloud["run_id"], cloud["particles"]) == ("drift_run", RUN, 200)
    assert cloud["note"] == "" and cloud["drift_kn"] == pytest.approx(3.0, rel=1e-3)
    assert cloud["drift_to_deg"] == pytest.approx(90.0, abs=0.1)
    assert [v["mmsi"] for v in answer["vessels"]] == [211000003, 211000001, 211000002]
    got = _by_mmsi(answer)
    assert got[211000001]["eta_p50_h"] == pytest.approx(26.0 / 13.0, rel=2e-3)  # head-on
    assert got[211000003]["eta_p50_h"] == pytest.approx(10.0 / 9.0, rel=2e-3)
    slow = got[211000002]
    assert slow["eta_p50_h"] is None and slow["eta_p90_h"] is None
    assert slow["reachable_fraction"] == 0.0
    # holding on at 2 kn behind a target making 3 kn: the range opens, closest is now
    assert (slow["cpa_nm"], slow["tcpa_h"]) == (pytest.approx(10.0, rel=2e-3), 0.0)


def test_a_run_that_ended_before_the_ranking_is_carried_on_and_noted(
    service: CaseService, tmp_path: Path
) -> None:
    case_id = open_case(service)
    sha = write_run(tmp_path, RUN, np.array([12.5]), np.array([34.0]), T0, east_kn=3.0)
    service.attach(case_id, "drift_run", run_record(RUN, sha), actor="ana")
    now = T0 + timedelta(hours=8)
    ship = at(12.5, 34.0, 90.0, 24.0 + 12.0)  # the particle is 24 nm east by then
    pic = picture([report(211000001, now, *ship, sog_kn=9.0, cog_deg=270.0)])
    answer = responders(service, pic, tmp_path, case_id, now=now)
    assert "ends at 2018-03-15T10:10:00Z" in answer["cloud"]["note"]
    assert "carried on 120 min" in answer["cloud"]["note"]
    assert answer["vessels"][0]["eta_p50_h"] == pytest.approx(12.0 / 12.0, rel=2e-3)


def test_a_run_that_ended_days_before_is_carried_six_hours_then_held(
    service: CaseService, tmp_path: Path
) -> None:
    """Carried on for 16 days at its last velocity, a cloud off Libya ended in the Sahara
    and the ships were ranked on reaching it there: beyond 6 h the cloud is held, as a
    stationary target, and the note says so and how old the run is."""
    case_id = open_case(service)
    sha = write_run(tmp_path, RUN, np.array([12.5]), np.array([34.0]), T0, east_kn=3.0)
    service.attach(case_id, "drift_run", run_record(RUN, sha), actor="ana")
    now = T0 + timedelta(hours=6 + 72)  # the run ended 72 h before the ranking
    # its 6 h, then 6 h carried on (the run's particle keeps its latitude, as write_run's)
    held_at = (at(12.5, 34.0, 90.0, 3.0 * (6 + 6))[0], 34.0)
    ship = at(*held_at, 90.0, 12.0)
    pic = picture([report(211000001, now, *ship, sog_kn=12.0, cog_deg=270.0)])
    answer = responders(service, pic, tmp_path, case_id, now=now)
    cloud = answer["cloud"]
    assert cloud["centroid"]["lon"] == pytest.approx(held_at[0], abs=1e-4)
    assert cloud["centroid"]["lat"] == pytest.approx(held_at[1], abs=1e-4)
    assert cloud["drift_kn"] == 0.0
    note = cloud["note"]
    assert "ends at 2018-03-15T10:10:00Z, 72.0 h before the ranking" in note
    assert "carried on 360 min" in note and "held there as stationary" in note
    assert "drift the case up to the ranking" in note
    (vessel,) = answer["vessels"]
    assert vessel["eta_p50_h"] == pytest.approx(12.0 / 12.0, rel=2e-3)


def test_a_ranking_long_before_the_run_starts_is_carried_back_six_hours_then_held(
    service: CaseService, tmp_path: Path
) -> None:
    case_id = open_case(service)
    sha = write_run(tmp_path, RUN, np.array([12.5]), np.array([34.0]), T0, east_kn=3.0)
    service.attach(case_id, "drift_run", run_record(RUN, sha), actor="ana")
    now = T0 - timedelta(hours=30)
    answer = responders(service, picture([]), tmp_path, case_id, now=now)
    cloud = answer["cloud"]
    back = at(12.5, 34.0, 270.0, 3.0 * 6)
    assert cloud["centroid"]["lon"] == pytest.approx(back[0], abs=1e-4)
    assert cloud["drift_kn"] == 0.0
    assert "30.0 h after the ranking" in cloud["note"]
    assert "carried back 360 min" in cloud["note"] and "held there" in cloud["note"]


def test_a_drift_file_that_is_not_the_one_attached_is_not_used(
    service: CaseService, tmp_path: Path
) -> None:
    case_id = open_case(service)
    write_run(tmp_path, RUN, np.array([12.5]), np.array([34.0]), T0, east_kn=3.0)
    service.attach(case_id, "drift_run", run_record(RUN, "00" * 32), actor="ana")
    answer = responders(service, picture([]), tmp_path, case_id, now=NOW)
    assert answer["cloud"]["source"] == "last_position"
    assert "SHA-256 differs" in answer["cloud"]["note"]
    assert answer["vessels"] == []


def test_a_run_named_explicitly_is_used(service: CaseService, tmp_path: Path) -> None:
    case_id = open_case(service)
    write_run(tmp_path, RUN, np.array([12.5, 12.6]), np.array([34.0, 34.0]), T0, east_kn=1.0)
    answer = responders(service, picture([]), tmp_path, case_id, now=NOW, drift_run=RUN)
    assert (answer["cloud"]["source"], answer["cloud"]["particles"]) == ("drift_run", 2)


def test_an_unknown_case_is_refused(service: CaseService, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        responders(service, picture([]), tmp_path, "LY-2018-0042", now=NOW)


def test_the_snapshot_is_attached_and_verifies_inside_the_bundle(
    service: CaseService, tmp_path: Path
) -> None:
    case_id = open_case(service)
    pic = _last_position_picture()
    answer = responders(service, pic, tmp_path, case_id, now=NOW, attach_as="ana")
    sha = answer["attachment"]["picture_sha256"]
    out = tmp_path / "case.zip"
    build_bundle(service, case_id, out)
    checked = verify_bundle(out)
    assert checked.ok, checked.summary()
    with zipfile.ZipFile(out) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith("-responders.json")]
        payload = json.loads(zf.read(name))
    record = payload["record"]
    snap = record["result"]["picture"]
    # the hash is the picture's own, recomputed from the bundle
    body = {k: v for k, v in snap.items() if k != "sha256"}
    assert snap["sha256"] == sha == sha256_hex(canonical_json(body))
    # the picture holds every vessel ranked, with the report it was ranked on
    reports = {v["mmsi"]: v["report"] for v in snap["vessels"]}
    assert set(reports) == {211000001, 247000002, 229000003}
    assert reports[229000003]["time"] == "2018-03-15T04:40:00Z"
    assert record["result"]["vessels"] == answer["vessels"]
    assert record["request"]["cloud"]["source"] == "last_position"
    line = describe_attachment("responders", record)
    assert "3 vessels ranked" in line and "229000003 1.66" in line and sha[:12] in line


def test_the_snapshot_hash_changes_with_any_report(service: CaseService) -> None:
    pic = _last_position_picture()
    states = pic.vessels()
    first = picture_snapshot(states, NOW)["sha256"]
    pic.add_reports([report(211000001, minutes(NOW, 1), 12.9, 33.2, sog_kn=10.0)])
    assert picture_snapshot(pic.vessels(), NOW)["sha256"] != first
