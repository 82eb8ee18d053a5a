"""The plan service: issue 11's request/answer contract, from a manual datum and from
a drift run made here, the files it writes, the Bayesian update and each bad input."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import gpxpy
import numpy as np
import pytest
import xarray as xr

from _cli import run_cli
from _plan import REQUEST, request, with_unit
from sarwatch.errors import InputError, NotFoundError, PositionOnLandError
from sarwatch.planning.cloud import containment_radius_nm
from sarwatch.services.plan_files import write_plan_files
from sarwatch.services.plan_update import apply_update
from sarwatch.services.planning import Plan, plan_search


def _plan(home: Path, req: dict[str, Any] | None = None) -> Plan:
    return plan_search(REQUEST if req is None else req, home_dir=home)


@pytest.fixture(scope="module")
def manual(tmp_path_factory: pytest.TempPathFactory, land_mask: Any) -> Plan:
    return _plan(tmp_path_factory.mktemp("home"))


def test_the_answer_carries_the_contract_fields_and_the_manual_formulas(manual: Plan) -> None:
    a = manual.answer
    for key in ("datum", "divergence_nm", "separation_ratio", "total_probable_error_nm",
                "search_radius_nm", "area_nm2", "units", "total_pos"):  # fmt: skip
        assert key in a
    # E = sqrt(X² + Y² + De²) with X 2, Y 0.5 and De = Dve·6 h
    de = a["drift_velocity_error_kn"] * 6
    assert a["drift_error_nm"] == pytest.approx(de)
    assert a["total_probable_error_nm"] == pytest.approx(math.sqrt(4 + 0.25 + de * de))
    # Ro = 1.1·E (first search); SR = DD/E; one rectangle 2Ro x (2Ro + DD) as SR < 4
    ro = 1.1 * a["total_probable_error_nm"]
    assert a["search_radius_nm"] == pytest.approx(ro)
    assert a["separation_ratio"] == pytest.approx(a["divergence_nm"] / a["total_probable_error_nm"])
    assert a["separation_ratio"] < 4 and a["datum"]["kind"] == "divergence"
    assert a["area_nm2"] == pytest.approx(2 * ro * (2 * ro + a["divergence_nm"]))
    assert a["datum"]["time"] == "2026-12-06T12:00:00Z"
    for u in a["units"]:
        for key in ("sweep_width_nm", "effort_nm2", "coverage", "track_spacing_nm", "pod",
                    "pod_curve", "pos", "pattern", "waypoints"):  # fmt: skip
            assert key in u
        # Z = W·V·T, C = Z/A, S = W/C
        assert u["effort_nm2"] == pytest.approx(u["sweep_width_nm"] * u["speed_kn"] * u["hours"])
        assert u["coverage"] == pytest.approx(u["effort_nm2"] / u["area"]["area_nm2"])
        assert u["track_spacing_nm"] == pytest.approx(u["sweep_width_nm"] / u["coverage"])
        # inverse cube POD = erf(√π/2 · C)
        assert u["pod"] == pytest.approx(math.erf(math.sqrt(math.pi) / 2 * u["coverage"]))
        assert u["waypoints"][0]["eta"] == "2026-12-06T12:00:00Z"
        assert {"lat", "lon", "eta"} <= set(u["waypoints"][0])
        # no route outlasts the unit's search time (a long pattern ends at END)
        first, last = (datetime.fromisoformat(u["waypoints"][k]["eta"]) for k in (0, -1))
        search_h = u["effort_nm2"] / (u["sweep_width_nm"] * u["speed_kn"])
        assert (last - first).total_seconds() <= search_h * 3600 + 60
    # the units' incremental POS add up to the plan's
    assert sum(u["pos"] for u in a["units"]) == pytest.approx(a["total_pos"])
    assert 0 < a["total_pos"] < 1
    # small vessel, 14 ft, person in water, 20 km: W0 0.6 nm, halved by 15 kn of wind
    assert a["units"][1]["sweep_width_nm"] == pytest.approx(0.3)


def test_half_the_manual_cloud_lies_within_e_of_the_datum(manual: Plan) -> None:
    """σ = E/√(2 ln 2): the sampled cloud's 50 % radius about the datum is E (the
    0.97 nm divergence widens it by ~0.5 %; 5,000 draws leave ~1.2 % of sampling error,
    so 4 % is over three standard errors, while σ = E would give 1.18·E)."""
    e = manual.answer["total_probable_error_nm"]
    r50 = containment_radius_nm(manual.cloud, 0.5)
    assert r50 == pytest.approx(e, rel=0.04)


def test_a_parallel_route_flown_over_the_particles_gives_the_planned_pos(manual: Plan) -> None:
    """Helo1 flies parallel tracks S apart over its rectangle: the inverse-cube lateral
    range integrated along the legs gives Koopman's erf(√π/2·W/S), the POD the plan
    assumed, so the route's POS matches the allocation's (within the strip left
    unswept and the legs' ends)."""
    helo = manual.answer["units"][0]
    assert helo["pattern"] == "parallel"
    assert helo["route_pos"] == pytest.approx(helo["pos"], rel=0.1)


def test_the_same_request_gives_the_same_plan(tmp_path: Path, manual: Plan) -> None:
    again = _plan(tmp_path)
    assert json.dumps(again.answer) == json.dumps(manual.answer)


def test_a_drift_compensated_route_is_shifted_by_the_drift(manual: Plan) -> None:
    patrol = manual.answer["units"][1]
    assert patrol["drift_compensated"]
    assert any("drift-compensated" in w for w in patrol["warnings"])
    drift = manual.answer["drift_kn"]
    # current 0.4 kn to 120° plus 0.165 kn of leeway downwind (to 150°): south-east
    assert drift["east"] > 0.3 and drift["north"] < -0.2


def test_files_are_written_and_gpx_reads_back(manual: Plan, tmp_path: Path) -> None:
    files = write_plan_files(
        manual.request.model_dump(mode="json"), manual.answer, manual.routes, tmp_path
    )
    assert {"plan", "geojson", "Helo1.gpx", "Helo1.rtz", "Helo1.kml", "Helo1.txt"} <= set(files)
    for u in manual.answer["units"]:
        gpx = gpxpy.parse((tmp_path / f"{u['name']}.gpx").read_text(encoding="utf-8"))
        (route,) = gpx.routes
        assert len(route.points) == len(u["waypoints"])
        first = route.points[0]
        assert first.latitude == pytest.approx(u["waypoints"][0]["lat"], abs=1e-6)
        assert first.longitude == pytest.approx(u["waypoints"][0]["lon"], abs=1e-6)
    geo = json.loads(files["geojson"].read_text(encoding="utf-8"))
    kinds = [f["properties"].get("kind") for f in geo["features"]]
    assert kinds.count("unit_area") == 2 and kinds.count("optimal_area") == 1
    doc = json.loads(files["plan"].read_text(encoding="utf-8"))
    assert doc["answer"]["total_pos"] == manual.answer["total_pos"]


def test_the_update_moves_probability_out_of_the_searched_area(manual: Plan) -> None:
    from sarwatch.adapters.exports.route_gpx import routes_to_gpx

    doc = {"request": manual.request.model_dump(mode="json"), "answer": manual.answer}
    patrol = manual.routes[1]
    gpx_text = routes_to_gpx([patrol])
    upd = apply_update(doc, gpx_text, home_dir=Path("/nonexistent"))
    a = upd.answer
    assert a["searched_unit"] == "Patrol" and a["searches"] == 1
    assert 0 < a["pos"] < 1 and a["cumulative_pos"] == pytest.approx(a["pos"])
    patrol_area = a["units"][1]
    # its POC falls; probability is conserved, so it goes elsewhere
    assert patrol_area["poc"] < patrol_area["poc_before"]
    # the mass that left equals the search's POS: POC_after ≤ (POC_before - POS)/(1 - POS)
    # + what the track's edges swept outside, and the other area's POC rises by 1/(1 - POS)
    # where the track did not pass
    helo = a["units"][0]
    assert helo["poc"] > 0
    # a second search replays the first: cumulative POS = 1 - (1 - p1)(1 - p2)
    upd2 = apply_update(upd.document, gpx_text, home_dir=Path("/nonexistent"))
    p1, p2 = upd2.answer["pos_by_search"]
    assert p1 == pytest.approx(a["pos"]) and p2 < p1
    assert upd2.answer["cumulative_pos"] == pytest.approx(1 - (1 - p1) * (1 - p2))


def test_a_plan_next_to_lampedusa_keeps_its_particles_and_routes_at_sea(
    tmp_path: Path, land_mask: Any
) -> None:
    """A datum 2 nm south of Lampedusa: the sampled particles that fall on the island
    are dropped, and the creeping line over the island is clipped at its coast with
    COAST waypoints and warnings that say so."""
    req = request(
        datum={"lat": 35.47, "lon": 12.58, "time": "2026-12-06T06:00:00Z"},
        elapsed_h=1,
        current={"speed_kn": 0.2, "to_deg": 0},
        units=[{"name": "Boat", "sweep_width_nm": 1.0, "speed_kn": 10, "hours": 6,
                "pattern": "creeping_line"}],
    )  # fmt: skip
    plan = _plan(tmp_path, req)
    assert plan.answer["particles_on_land_dropped"] > 0
    assert plan.cloud.n == 5000 - plan.answer["particles_on_land_dropped"]
    assert not land_mask.contains(plan.cloud.lon, plan.cloud.lat).any()
    (u,) = plan.answer["units"]
    assert any(w["name"].startswith("COAST") for w in u["waypoints"])
    assert any("crosses land" in w for w in u["warnings"])
    lon = np.array([w["lon"] for w in u["waypoints"]])
    lat = np.array([w["lat"] for w in u["waypoints"]])
    assert not land_mask.contains(lon, lat).any()
    assert u["sweep_width_source"] == "given" and u["sweep_width_nm"] == 1.0


def test_a_plan_from_a_drift_run_uses_its_cloud(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / "run"
    code, _, err = run_cli(
        capsys, "drift", "--lat", "34.5", "--lon", "12.9", "--time", "2026-12-06T06:00Z",
        "--hours", "3", "--particles", "2000", "--wind-kn", "15", "--wind-from", "330",
        "--object", "PIW-1", "--seed", "3", "--out", str(run_dir), "--no-png", "--quiet",
    )  # fmt: skip
    assert code == 0, err
    req = {
        "drift_run": str(run_dir),
        "search_object": "Person in water",
        "visibility_km": 20,
        "units": [{"name": "Boat", "platform": "small_vessel", "height_ft": 14,
                   "speed_kn": 12, "hours": 3, "pattern": "creeping_line"}],
    }  # fmt: skip
    plan = plan_search(req, home_dir=home)
    with xr.open_dataset(run_dir / "drift.nc", decode_times=False) as ds:
        lon, lat = ds["lon"].values[:, -1], ds["lat"].values[:, -1]
    d = plan.answer["datum"]
    assert d["kind"] == "drift_run" and d["time"] == "2026-12-06T09:00:00Z"
    assert d["points"][0]["lon"] == pytest.approx(float(np.mean(lon, dtype=np.float64)), abs=1e-6)
    assert d["points"][0]["lat"] == pytest.approx(float(np.mean(lat, dtype=np.float64)), abs=1e-6)
    assert plan.cloud.n == lon.size and plan.answer["total_probable_error_nm"] is None
    (u,) = plan.answer["units"]
    assert u["pattern"] == "creeping_line" and 0 < u["pos"] <= u["poc"]
    # the cloud moved downwind (from 330°): its drift points south-east
    assert plan.answer["drift_kn"]["north"] < 0 < plan.answer["drift_kn"]["east"]
    with pytest.raises(InputError, match="not an output time of drift run"):
        plan_search(req | {"datum_time": "2026-12-06T09:17:00Z"}, home_dir=home)


@pytest.mark.parametrize(
    ("req", "error", "message"),
    [
        (with_unit(speed_kn=-5), InputError, r"units\.0\.speed_kn: input should be greater than 0"),
        (with_unit(hours=0), InputError, r"units\.0\.hours: input should be greater than 0"),
        (request(visibility_km=0.5), InputError,
         r"unit 'Helo1': visibility 0.5 km is outside the helicopter 500 ft"),
        (request(datum={"lat": 37.5, "lon": 14.0, "time": "2026-12-06T06:00:00Z"}),
         PositionOnLandError, r"the datum 37\.\d+N 14\.\d+E is on land"),
        (with_unit(platform=None), InputError,
         r"unit 'Helo1' has no sweep width: give its sweep_width_nm"),
        (with_unit(search_object="Submarine"), InputError,
         r"unit 'Helo1': no helicopter sweep width for object 'Submarine'"),
        (request(colour="red"), InputError, r"colour: extra inputs are not permitted"),
        (request(datum={"lat": 34.5, "lon": 12.9, "time": "2026-12-06T06:00:00"}), InputError,
         r"datum.time 2026-12-06T06:00:00 has no time zone"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_line(
    req: dict[str, Any], error: type[Exception], message: str, tmp_path: Path, land_mask: Any
) -> None:
    with pytest.raises(error, match=message) as info:
        plan_search(req, home_dir=tmp_path)
    assert "\n" not in str(info.value)


def test_a_drift_run_that_does_not_exist_is_not_found(tmp_path: Path) -> None:
    req = {k: v for k, v in REQUEST.items() if k not in ("datum", "elapsed_h", "x_nm")}
    with pytest.raises(NotFoundError, match=r"no drift run '0123456789ab' on this station"):
        plan_search(req | {"drift_run": "0123456789ab"}, home_dir=tmp_path)
    with pytest.raises(NotFoundError, match=r"neither a run directory nor a run id"):
        plan_search(req | {"drift_run": "no/such/dir"}, home_dir=tmp_path)
