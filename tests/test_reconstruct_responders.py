"""The judged case of issue 15: a synthetic case with a drift run and the AIS responders
ranking of issue 12 attached by the responders service itself; the reconstruction lists
the vessels that could have arrived before the outcome with ETAs equal to the ranking's."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from _cli import open_case, run_cli
from _responders import at, picture, report
from sarwatch.domain.events import format_time, parse_time
from sarwatch.services.container import Station
from sarwatch.settings import load_settings
from sarwatch.vessels.types import VesselStatic

LON, LAT = 12.5, 33.2


def test_vessels_before_the_outcome_with_the_ranking_etas(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sarwatch.services.responders import responders

    alert = datetime.now(UTC).replace(microsecond=0, second=0) - timedelta(hours=5)
    cid = open_case(capsys, time=format_time(alert))
    run_dir = tmp_path / "run"
    code, _, err = run_cli(
        capsys, "drift", "--lat", str(LAT), "--lon", str(LON), "--time", format_time(alert),
        "--hours", "6", "--particles", "500", "--wind-kn", "8", "--wind-from", "0",
        "--current-kn", "0.3", "--current-to", "90", "--seed", "3", "--out", str(run_dir),
        "--no-png", "--quiet", "--case", cid,
    )  # fmt: skip
    assert code == 0, err
    ranked_at = alert + timedelta(minutes=30)
    pic = picture(
        [
            report(247000001, ranked_at, *at(LON, LAT, 90.0, 12.0), sog_kn=12.0, cog_deg=270.0),
            report(211000002, ranked_at, *at(LON, LAT, 0.0, 70.0), sog_kn=10.0, cog_deg=90.0),
        ],
        (VesselStatic(247000001, name="NEAR ONE"), VesselStatic(211000002, name="FAR TWO")),
    )
    station = Station(load_settings())
    try:
        answer = responders(
            station.cases, pic, station.settings.home_dir, cid,
            now=ranked_at, attach_as="ana", drift_run=str(run_dir),
        )  # fmt: skip
        cases = station.cases
        cases.change_status(cid, "active", actor="ana")
        cases.change_status(cid, "located", actor="ana")
        from sarwatch.domain import Outcome

        outcome = alert + timedelta(hours=4)
        cases.record_outcome(cid, Outcome(outcome, "rescued", by="NEAR ONE"), actor="ana")
    finally:
        station.close()
    assert answer["cloud"]["source"] != "last_position", answer["cloud"]

    out = tmp_path / "rec"
    code, text, err = run_cli(capsys, "case", "reconstruct", cid, "--out", str(out))
    assert code == 0, err
    rec = json.loads((out / f"reconstruction-{cid}.json").read_text("utf-8"))
    ranked = {str(v["mmsi"]): v for v in answer["vessels"]}
    got = {v["mmsi"]: v for v in rec["vessels"]}
    assert set(got) == set(ranked) == {"247000001", "211000002"}
    for mmsi, v in ranked.items():
        mine = got[mmsi]
        assert (mine["eta_p50_h"], mine["eta_p90_h"]) == (v["eta_p50_h"], v["eta_p90_h"])
        assert mine["eta_from"] == answer["computed_at"] == format_time(ranked_at)
        arrival = parse_time(mine["arrival_p50"])
        assert abs((arrival - ranked_at).total_seconds() - v["eta_p50_h"] * 3600) <= 0.5
    near, far = got["247000001"], got["211000002"]
    # 12 nm at 12 kn: about an hour; 70 nm at 10 kn: about seven; outcome after four hours
    assert near["name"] == "NEAR ONE" and near["before_outcome"].startswith("yes")
    assert far["before_outcome"] == "no"
    assert "NEAR ONE" in text and "before the outcome: yes" in text
    page = (out / f"reconstruction-{cid}.html").read_text("utf-8")
    assert "NEAR ONE" in page and "FAR TWO" in page
