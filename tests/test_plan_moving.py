"""A plan from a drift run follows the particles during the search (issue 11): each
unit's rectangle is placed on the particles at its on-scene time, each route's POS and
the Bayesian update score the route against the particles at the time the unit
passes; a manual datum stays frozen and says so.

Figures (the 5 h run below, one boat 8 kn × 3 h, W 0.5 nm, parallel track from 07:00;
medians over the drift seeds 1-8, measured 2026-12-07; every assertion below held for
each of them, with 2,000 and with 2,500 particles): allocated on the datum-time cloud,
the fixed route finds 0.07 (the frozen cloud says 0.94); allocated on the particles at
five times through its search it finds 0.46 (allocation POS 0.52; placed on the cloud
at the middle of the search alone, its route finds 0.60 but that plan claims 0.83: the
cloud drifts 4.8 nm through the rectangle during the search; that rectangle lies across
the drift and its track, creeping with it, follows the cloud better: the window's merit
here is the honest claim); drift-compensated, 0.79.

The scenario is chosen so that these facts hold by a wide margin whatever the drift's
random draws: the particles start along a 3.5 nm line across the drift, so the
datum-time cloud is clearly elongated (its rectangle's long side lies across the
drift, never near a tie), and the drift (1.6 kn) is fast against the rectangles.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _plan import REQUEST
from sarwatch.adapters.exports.route_gpx import routes_to_gpx
from sarwatch.cli.main import main
from sarwatch.geo.geodesy import geodesic_distance_nm
from sarwatch.planning.cloud import Cloud, poc, search_pod, to_local_nm
from sarwatch.planning.motion import CloudTracks
from sarwatch.planning.pod import LateralRange
from sarwatch.services.plan_motion import route_pod_moving, tracks_over
from sarwatch.services.plan_update import apply_update
from sarwatch.services.planning import Plan, plan_search

_SEED = 5  # the figures quoted hold for any seed: see the module docstring
_PARTICLES = 2000


@pytest.fixture(scope="module")
def run_home(tmp_path_factory: pytest.TempPathFactory, land_mask: Any) -> Iterator[Path]:
    """A 5 h drift run of 2,000 persons in water (06:00 to 11:00 Z) seeded along a line
    datum (σ 500 m) from 34.4775°N 12.8775°E to 34.5225°N 12.9225°E (3.5 nm towards
    039°, centred on 34.5°N 12.9°E), a steady 1.5 kn current towards 120° and 15 kn of
    wind from 330°: the cloud moves about 1.6 nm an hour towards 123°, across the line."""
    base = tmp_path_factory.mktemp("moving")
    line = ["--lat", "34.4775", "--lon", "12.8775", "--to-lat", "34.5225", "--to-lon", "12.9225"]
    seed = str(_SEED)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SARWATCH_HOME_DIR", str(base / "home"))
        mp.delenv("SARWATCH_DATABASE_URL", raising=False)
        try:
            main(["drift", *line, "--time", "2026-12-06T06:00Z", "--hours", "5",
                  "--particles", str(_PARTICLES), "--wind-kn", "15", "--wind-from", "330",
                  "--current-kn", "1.5", "--current-to", "120", "--object", "PIW-1",
                  "--seed", seed, "--out", str(base / "run"), "--no-png", "--quiet"])  # fmt: skip
        except SystemExit as exc:
            assert not exc.code
        yield base


def _request(run: Path, **unit: Any) -> dict[str, Any]:
    u = {"name": "Boat", "sweep_width_nm": 0.5, "speed_kn": 8, "hours": 3,
         "pattern": "parallel"} | unit  # fmt: skip
    return {"drift_run": str(run), "datum_time": "2026-12-06T07:00:00Z", "units": [u]}


@pytest.fixture(scope="module")
def plans(run_home: Path) -> dict[str, Plan]:
    run = run_home / "run"
    home = run_home / "home"
    return {
        "fixed": plan_search(_request(run), home_dir=home),
        "fixed_datum": plan_search(_request(run) | {"allocate_on": "datum"}, home_dir=home),
        "compensated": plan_search(_request(run, drift_compensated=True), home_dir=home),
    }


def _frozen_pos(plan: Plan, k: int = 0) -> float:
    """The route as flown scored against the cloud frozen at the datum time."""
    curve = LateralRange("inverse_cube", plan.answer["units"][k]["sweep_width_nm"])
    return float(plan.cloud.weight @ search_pod(plan.cloud, plan.routes[k], curve))


def _drift_bearing(plan: Plan) -> float:
    """The cloud's mean drift, degrees true."""
    d = plan.answer["drift_kn"]
    return math.degrees(math.atan2(d["east"], d["north"])) % 360.0


def test_the_answer_says_the_cloud_moves_with_the_run_times(plans: dict[str, Plan]) -> None:
    c = plans["fixed"].answer["cloud"]
    assert c["moving"] is True
    assert c["times"] == [f"2026-12-06T{h:02d}:00:00Z" for h in range(6, 12)]
    assert plans["fixed"].tracks is not None
    assert plans["fixed"].tracks.lon.shape == (plans["fixed"].cloud.n, 6)


def test_a_route_left_where_the_cloud_was_finds_less_than_a_frozen_cloud_says(
    plans: dict[str, Plan],
) -> None:
    """Allocated on the datum-time cloud (``allocate_on: datum``), the parallel search
    flown for 3 h over the rectangle where the cloud was at 07:00: its legs lie across
    the drift and it creeps after the particles (~0.5 kn, from the upstream edge) while
    they drift ~1.6 nm/h out of its ~1.5 nm width, so the moving POS is a small fraction
    of the frozen one (which assumes they wait)."""
    plan = plans["fixed_datum"]
    u = plan.answer["units"][0]
    assert u["on_scene"]["basis"] == "datum"
    assert plan.answer["cloud"]["allocation"] == "datum"
    # the premise: the 07:00 cloud is the line, spread across the drift (83° off it)
    assert abs((plan.areas[0].orientation_deg - _drift_bearing(plan) + 90) % 180 - 90) > 60
    assert u["route_pos"] < 0.25 * _frozen_pos(plan)  # 0.07 against 0.94


def test_the_allocation_places_the_rectangle_where_the_cloud_is_during_the_search(
    plans: dict[str, Plan],
) -> None:
    """By default the rectangle is placed on the particles at five times spread
    through the boat's search (07:00-10:00: 07:18, 07:54, ... 09:42): the same route
    then finds six to seven times more of the moving cloud than the rectangle placed
    on the datum-time cloud; its POC is the mean of its POCs at those times, not the
    POC of the cloud at 07:00; and the plan's POS is close to what the route finds,
    unlike a plan on the cloud at the middle of the search alone."""
    plan, datum = plans["fixed"], plans["fixed_datum"]
    u = plan.answer["units"][0]
    times = [f"2026-12-06T{h}:00Z" for h in ("07:18", "07:54", "08:30", "09:06", "09:42")]
    assert u["on_scene"] == {
        "arrival": "2026-12-06T07:00:00Z", "end": "2026-12-06T10:00:00Z", "transit_nm": 0.0,
        "cloud_time": "2026-12-06T08:30:00Z", "cloud_times": times, "basis": "search window",
    }  # fmt: skip
    assert plan.answer["cloud"]["allocation"] == "on_scene"
    assert u["route_pos"] > 4 * datum.answer["units"][0]["route_pos"]  # 0.46 against 0.07
    assert plan.tracks is not None
    pocs = [poc(plan.tracks.at(np.datetime64(t.rstrip("Z"))), plan.areas[0]) for t in times]
    # (the window places the other times within 0.01 nm: a particle on an edge may differ)
    assert u["poc"] == pytest.approx(float(np.mean(pocs)), abs=1e-3)
    # the particles sweep through it: its long side lies along the drift (7° off it),
    # although the cloud at any one time lies across it
    bearing = _drift_bearing(plan)
    assert abs((plan.areas[0].orientation_deg - bearing + 90) % 180 - 90) < 20
    assert u["pos"] == pytest.approx(u["route_pos"], abs=0.1)  # 0.52 against 0.46
    # on the cloud at the middle of the search alone, the plan claims far more than
    # its route finds (0.83 against 0.60), several times the window's error
    mid = plan_search(
        plan.request.model_dump(mode="json") | {"window_times": 1}, home_dir=Path("/nonexistent")
    ).answer["units"][0]
    assert mid["on_scene"]["cloud_times"] == ["2026-12-06T08:30:00Z"]
    assert mid["pos"] > mid["route_pos"] + 0.15
    assert mid["pos"] - mid["route_pos"] > 2 * abs(u["pos"] - u["route_pos"])
    # the cloud drifts ~1.6 nm/h towards 123°: the rectangle is ~2.3 nm from the
    # datum-time one in that direction (1.5 h of drift)
    east, north = to_local_nm([plan.areas[0].lon], [plan.areas[0].lat],
                              datum.areas[0].lon, datum.areas[0].lat)  # fmt: skip
    assert 1.8 < float(np.hypot(east[0], north[0])) < 2.8
    assert abs((math.degrees(math.atan2(east[0], north[0])) - bearing + 180) % 360 - 180) < 15


def test_a_unit_with_a_start_begins_its_pattern_when_it_arrives(run_home: Path) -> None:
    """A boat ~6 nm north of the cloud sets off at 07:00 at 8 kn for where the cloud's
    centre will be when it gets there (~50 min later, 6.7 nm): its route starts then,
    its transit is the distance to the centre of the cloud at that time, and its effort
    counts only the hours left."""
    start = {"lat": 34.585, "lon": 12.95}
    plan = plan_search(_request(run_home / "run", start=start), home_dir=run_home / "home")
    u = plan.answer["units"][0]
    sc = u["on_scene"]
    transit_h = sc["transit_nm"] / 8.0
    arrival = datetime(2026, 12, 6, 7, tzinfo=UTC) + timedelta(hours=transit_h)
    assert u["waypoints"][0]["eta"] == sc["arrival"]
    assert abs((datetime.fromisoformat(sc["arrival"]) - arrival).total_seconds()) <= 1
    assert plan.tracks is not None
    centre = plan.tracks.at(np.datetime64(sc["arrival"].rstrip("Z"))).centre()
    assert sc["transit_nm"] == pytest.approx(
        float(geodesic_distance_nm(start["lon"], start["lat"], *centre)), abs=0.01
    )
    assert 0.7 < transit_h < 1.0
    assert u["effort_nm2"] == pytest.approx(0.5 * 8 * (3 - transit_h), rel=1e-3)


def test_a_drift_compensated_route_follows_the_cloud_and_finds_more(
    plans: dict[str, Plan],
) -> None:
    """The same pattern shifted with the drift flies over where the cloud will be: it
    finds far more than the fixed routes against the moving particles, and far more than
    the frozen cloud (left behind by the shifted route) would say."""
    comp = plans["compensated"].answer["units"][0]["route_pos"]
    assert plans["compensated"].answer["units"][0]["on_scene"]["basis"] == "arrival"
    assert comp > 5 * plans["fixed_datum"].answer["units"][0]["route_pos"]  # 0.79 against 0.07
    assert comp > plans["fixed"].answer["units"][0]["route_pos"] + 0.2  # 0.79 against 0.46
    assert comp > _frozen_pos(plans["compensated"]) + 0.2  # 0.79 against 0.41
    # the compensation follows the cloud's own drift: it loses little against the
    # plan's allocation POS (uniform coverage of the rectangle, particles waiting): 0.95
    assert comp == pytest.approx(plans["compensated"].answer["units"][0]["pos"], rel=0.25)


def test_the_update_follows_the_particles_and_conserves_probability(
    plans: dict[str, Plan],
) -> None:
    """The flown route (GPX with the ETAs as times) updates the weights with the PODs
    of the moving particles: its POS is the plan's route POS, the posterior
    w·(1 − POD)/(1 − POS) sums to 1 and gives the reported POC."""
    plan = plans["compensated"]
    doc = {"request": plan.request.model_dump(mode="json"), "answer": plan.answer}
    upd = apply_update(doc, routes_to_gpx(list(plan.routes)), home_dir=Path("/nonexistent"))
    a = upd.answer
    assert a["cloud"]["moving"] is True
    assert a["pos"] == pytest.approx(plan.answer["units"][0]["route_pos"], rel=1e-6)
    assert upd.document["updates"][0]["times"][0] == plan.answer["units"][0]["waypoints"][0]["eta"]
    assert plan.tracks is not None
    curve = LateralRange("inverse_cube", 0.5)
    pod = route_pod_moving(plan.tracks, plan.routes[0], curve)
    post = plan.cloud.weight * (1 - pod) / (1 - a["pos"])
    assert post.sum() == pytest.approx(1.0, abs=1e-5)  # GPX keeps 7 decimals
    after = Cloud.from_arrays(plan.cloud.lon, plan.cloud.lat, post)
    assert a["units"][0]["poc"] == pytest.approx(poc(after, plan.areas[0]), rel=1e-5)
    assert a["units"][0]["poc"] < a["units"][0]["poc_before"]
    # the frozen update would have found less: the shifted route leaves the still cloud
    frozen = float(plan.cloud.weight @ search_pod(plan.cloud, plan.routes[0], curve))
    assert a["pos"] > frozen + 0.2  # 0.79 against 0.41
    # without times the track is timed at the unit's speed from its planned start:
    # a fixed (not compensated) route flown so gets the same POD as its ETAs
    fixed = plans["fixed"]
    gpx = routes_to_gpx(list(fixed.routes))
    untimed = gpx.replace("<time>", "<!--").replace("</time>", "-->")
    doc = {"request": fixed.request.model_dump(mode="json"), "answer": fixed.answer}
    b = apply_update(doc, untimed, home_dir=Path("/nonexistent")).answer
    assert b["pos"] == pytest.approx(fixed.answer["units"][0]["route_pos"], rel=0.02)


def test_a_search_past_the_run_end_holds_the_particles_and_says_so(
    run_home: Path,
) -> None:
    plan = plan_search(
        _request(run_home / "run") | {"datum_time": "2026-12-06T10:00:00Z"},
        home_dir=run_home / "home",
    )
    (u,) = plan.answer["units"]
    assert any("held" in w and "after 2026-12-06T11:00:00Z" in w for w in u["warnings"])
    # past the end the particles wait: from 11:00 the route scores the cloud frozen then
    assert plan.tracks is not None
    last = plan.tracks.at(plan.tracks.times[-1])
    assert np.allclose(last.lon, plan.tracks.lon[:, -1])


def test_a_manual_datum_stays_frozen_and_says_so(land_mask: Any, tmp_path: Path) -> None:
    plan = plan_search(REQUEST | {"particles": 1000}, home_dir=tmp_path)
    c = plan.answer["cloud"]
    assert c["moving"] is False and c["time"] == "2026-12-06T12:00:00Z"
    assert "frozen" in c["basis"] and plan.tracks is None


def test_the_cli_says_the_cloud_moves(
    run_home: Path, home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from _cli import run_cli

    req = tmp_path / "req.json"
    req.write_text(json.dumps(_request(run_home / "run")), encoding="utf-8")
    code, text, err = run_cli(capsys, "plan", "--request", str(req))
    assert code == 0, err
    assert (
        "the cloud moves: rPOS meets the run's particles when the unit passes "
        "(2026-12-06T06:00:00Z .. 2026-12-06T11:00:00Z)" in " ".join(text.split())
    )


@given(
    before_min=st.integers(0, 300),
    after_min=st.integers(0, 300),
    at_s=st.floats(0.0, 1.0),
)
@settings(max_examples=50, deadline=None)
def test_held_tracks_match_the_run_inside_and_its_ends_outside(
    before_min: int, after_min: int, at_s: float
) -> None:
    """Held before the first time and after the last; unchanged between them."""
    rng = np.random.default_rng(1)
    times = np.array(["2026-12-06T06:00", "2026-12-06T07:00", "2026-12-06T08:00"],
                     dtype="datetime64[s]")  # fmt: skip
    lon = 12.0 + np.cumsum(rng.normal(0, 0.01, (20, 3)), axis=1)
    lat = 34.0 + np.cumsum(rng.normal(0, 0.01, (20, 3)), axis=1)
    tracks = CloudTracks.from_arrays(times, lon, lat)
    t6 = datetime(2026, 12, 6, 6, tzinfo=UTC)
    first = t6 - timedelta(minutes=before_min)
    last = t6 + timedelta(hours=2, minutes=after_min)
    over, note = tracks_over(tracks, first, last)
    assert (note == "") == (before_min == 0 and after_min == 0)
    assert over.times[0] == np.datetime64(first.replace(tzinfo=None), "s")
    assert over.times[-1] == np.datetime64(last.replace(tzinfo=None), "s")
    # inside the run's times the positions are the run's
    s = at_s * 7200.0
    shift = float((times[0] - over.times[0]) / np.timedelta64(1, "s"))
    np.testing.assert_allclose(over.positions_at(s + shift)[0], tracks.positions_at(s)[0])
    # outside, the first and last positions
    np.testing.assert_allclose(over.positions_at(0.0)[1], lat[:, 0])
    end = float((over.times[-1] - over.times[0]) / np.timedelta64(1, "s"))
    np.testing.assert_allclose(over.positions_at(end)[1], lat[:, -1])


def test_the_update_keeps_the_plans_route_pos_only_for_the_same_route(
    plans: dict[str, Plan],
) -> None:
    """An update rebuilds the plan from its request; each unit's route POS is taken from
    the document where the rebuilt route has the document's waypoints (not scored
    again), and scored again where the waypoints differ."""
    plan = plans["fixed"]
    gpx = routes_to_gpx(list(plan.routes))
    home = Path("/nonexistent")
    answer = json.loads(json.dumps(plan.answer))  # as read back from plan.json
    doc = {"request": plan.request.model_dump(mode="json"), "answer": answer}
    upd = apply_update(doc, gpx, home_dir=home)
    assert upd.plan.answer["units"][0]["route_pos"] == plan.answer["units"][0]["route_pos"]
    # the same waypoints: the stored figure is the plan's, kept as it is
    answer["units"][0]["route_pos"] = 0.123
    kept = apply_update(doc, gpx, home_dir=home).plan.answer["units"][0]["route_pos"]
    assert kept == 0.123
    # other waypoints (another plan's): the rebuilt route is scored again
    answer["units"][0]["waypoints"][1]["lat"] += 0.01
    again = apply_update(doc, gpx, home_dir=home).plan.answer["units"][0]["route_pos"]
    assert again == plan.answer["units"][0]["route_pos"]
