"""The forcing library: files with provenance, the freshest covering forecast, checks."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _cli import open_case, run_cli
from _forecast import smooth_winds, write_cmems_currents, write_grib_winds
from sarwatch.errors import ForcingError
from sarwatch.services.drift import DriftRequest, predict_drift
from sarwatch.services.forcing_choice import choose_role, library_forcing
from sarwatch.services.forcing_library import ForcingLibrary

RUN = datetime(2026, 11, 20, 0, tzinfo=UTC)
START = datetime(2026, 11, 20, 4, 10, tzinfo=UTC)
LON = np.arange(10.0, 16.01, 0.25)
LAT = np.arange(31.0, 36.01, 0.25)


def _currents(path: Path, *, run: datetime = RUN, u=0.3, v=0.0, units="m s-1", hours=48):
    times = pd.date_range(run.replace(tzinfo=None), periods=hours + 1, freq="h")
    shape = (times.size, LAT.size, LON.size)
    return write_cmems_currents(
        path, LON, LAT, times, np.full(shape, u, "f4"), np.full(shape, v, "f4"), units=units
    )


def _winds(path: Path, *, run: datetime = RUN, lon=LON, lat=LAT[::-1]):
    steps = np.arange(0, 49, 3)
    u, v = smooth_winds(np.asarray(lon), np.asarray(lat), steps)
    return write_grib_winds(path, lon, lat, run, steps, u, v)


def _cmems(library: ForcingLibrary, path: Path, run: datetime = RUN):
    return library.add(
        path,
        provider="copernicus-marine",
        product_id="cmems_mod_med_phy-cur_anfc_4.2km_PT1H-m",
        run_time=run,
    )


def test_a_file_enters_with_its_provider_product_run_licence_variables_span_area_and_hash(
    tmp_path,
):
    library = ForcingLibrary(tmp_path / "forcing")
    cur = _currents(tmp_path / "cur.nc")
    wind = _winds(tmp_path / "ifs.grib2")
    e = _cmems(library, cur)
    w = library.add(wind, provider="ecmwf-opendata", product_id="ifs-0p25-oper")
    assert e.file == "copernicus-marine/cur.nc" and (library.root / e.file).is_file()
    assert e.sha256 == hashlib.sha256(cur.read_bytes()).hexdigest()
    assert e.bytes == cur.stat().st_size
    assert e.roles == ("current",) and e.variables == ("uo/vo (current, m s-1)",)
    assert (e.time_start, e.time_end) == ("2026-11-20T00:00:00Z", "2026-11-22T00:00:00Z")
    assert e.area == (10.0, 31.0, 16.0, 36.0)
    assert e.run_time == "2026-11-20T00:00:00Z" and "Copernicus Marine" in e.licence
    # the GRIB says its own run; ECMWF open data is CC BY 4.0
    assert w.run_time == "2026-11-20T00:00:00Z" and w.roles == ("wind",)
    assert "CC BY 4.0" in w.licence
    index = json.loads(library.index_path.read_text())
    assert [f["file"] for f in index["files"]] == [e.file, w.file]
    assert [x.file for x in ForcingLibrary(library.root).entries()] == [e.file, w.file]


def test_a_download_whose_hash_differs_never_enters_the_library(tmp_path):
    library = ForcingLibrary(tmp_path / "forcing")
    staged = _currents(tmp_path / "cur.nc")
    good = hashlib.sha256(staged.read_bytes()).hexdigest()
    data = bytearray(staged.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte flipped in transit
    staged.write_bytes(bytes(data))
    with pytest.raises(ForcingError, match=r"damaged in transit.*not added to the forcing library"):
        library.add(
            staged, provider="copernicus-marine", product_id="p", expected_sha256=good, move=True
        )
    assert library.entries() == []
    assert not staged.exists()  # the damaged download is gone
    assert not (library.root / "copernicus-marine" / "cur.nc").exists()


def test_a_variable_in_the_wrong_units_is_refused_at_the_door(tmp_path):
    library = ForcingLibrary(tmp_path / "forcing")
    bad = _currents(tmp_path / "cur.nc", units="degC")
    with pytest.raises(ForcingError, match=r"units 'degC' are not a speed"):
        library.add(bad, provider="local", product_id="p")
    assert library.entries() == []


def test_the_freshest_run_that_covers_the_start_and_window_is_chosen(tmp_path):
    library = ForcingLibrary(tmp_path / "forcing")
    old = _currents(tmp_path / "old.nc", run=RUN - timedelta(hours=24), hours=96)
    new = _currents(tmp_path / "new.nc", run=RUN)
    _cmems(library, old, RUN - timedelta(hours=24))
    _cmems(library, new, RUN)
    # a fresher run elsewhere (Aegean) does not contain the start
    far = tmp_path / "aegean.nc"
    times = pd.date_range("2026-11-20T06:00", periods=49, freq="h")
    lon, lat = np.arange(23.0, 27.01, 0.5), np.arange(35.0, 39.01, 0.5)
    zeros = np.full((times.size, lat.size, lon.size), 0.2, "f4")
    write_cmems_currents(far, lon, lat, times, zeros, zeros)
    library.add(
        far, provider="copernicus-marine", product_id="aegean", run_time=RUN + timedelta(hours=6)
    )
    end = START + timedelta(hours=12)
    choice = choose_role(library, "current", lon=12.5, lat=33.2, start=START, end=end)
    assert [s.path.name for s in choice.sources] == ["new.nc"]
    assert choice.line.startswith(
        "current: copernicus-marine cmems_mod_med_phy-cur_anfc_4.2km_PT1H-m run "
        "2026-11-20T00:00Z (4 h old at the start), 1 file"
    )
    # a run beyond the new file's end (+48 h): only the older, longer one covers it
    late = choose_role(
        library,
        "current",
        lon=12.5,
        lat=33.2,
        start=START + timedelta(hours=40),
        end=START + timedelta(hours=60),
    )
    assert [s.path.name for s in late.sources] == ["old.nc"]


def test_a_forecast_older_than_the_limit_is_refused_in_one_line(tmp_path):
    library = ForcingLibrary(tmp_path / "forcing")
    _cmems(library, _currents(tmp_path / "c.nc", hours=240), RUN)
    start = RUN + timedelta(hours=100)
    with pytest.raises(ForcingError) as info:
        choose_role(
            library,
            "current",
            lon=12.5,
            lat=33.2,
            start=start,
            end=start + timedelta(hours=6),
            max_age_h=72,
        )
    text = str(info.value)
    assert "\n" not in text
    assert "is 100 h old at the run's start (limit 72 h)" in text
    assert "--max-forecast-age-h 101" in text
    ok = choose_role(
        library,
        "current",
        lon=12.5,
        lat=33.2,
        start=start,
        end=start + timedelta(hours=6),
        max_age_h=120,
    )
    assert ok.sources


def test_a_library_that_does_not_cover_the_area_or_time_warns_and_the_run_goes_without(
    tmp_path,
):
    library = ForcingLibrary(tmp_path / "forcing")
    _cmems(library, _currents(tmp_path / "c.nc"), RUN)
    outside = choose_role(
        library, "current", lon=20.0, lat=33.2, start=START, end=START + timedelta(hours=6)
    )
    assert outside.warning and not outside.sources
    assert "does not contain the start position (area 10..16°E, 31..36°N)" in outside.line
    later = choose_role(
        library,
        "current",
        lon=12.5,
        lat=33.2,
        start=RUN + timedelta(hours=40),
        end=RUN + timedelta(hours=60),
    )
    assert later.warning and "covers 2026-11-20T00:00Z to 2026-11-22T00:00Z" in later.line
    assert "the run goes without current from the library" in later.line


def test_a_library_file_changed_after_it_entered_is_refused(tmp_path):
    library = ForcingLibrary(tmp_path / "forcing")
    e = _cmems(library, _currents(tmp_path / "c.nc"), RUN)
    _currents(library.path(e), u=0.9)  # rewritten in place
    with pytest.raises(ForcingError, match=r"changed since it entered the library"):
        choose_role(
            library, "current", lon=12.5, lat=33.2, start=START, end=START + timedelta(hours=6)
        )


def test_on_scene_wind_overrides_the_library_and_given_files_take_precedence(tmp_path):
    library = ForcingLibrary(tmp_path / "forcing")
    _cmems(library, _currents(tmp_path / "c.nc"), RUN)
    library.add(_winds(tmp_path / "w.grib2"), provider="ecmwf-opendata", product_id="ifs")
    req = DriftRequest(lon=12.5, lat=33.2, time=START, hours=6, wind_kn=10, wind_from_deg=0)
    out, choice = library_forcing(req, library)
    assert out.winds == () and out.wind_kn == 10
    assert [p.name for p in out.currents] == ["c.nc"]
    assert choice.lines()[0] == "wind: on-scene values (override)"
    assert choice.lines()[1].startswith("current: copernicus-marine")
    full, choice = library_forcing(DriftRequest(lon=12.5, lat=33.2, time=START, hours=6), library)
    assert [p.name for p in full.winds] == ["w.grib2"]
    assert {s.role for s in full.forcing_sources} == {"wind", "current"}


@pytest.mark.parametrize(
    ("u", "match"),
    [
        (0.0, r"the current is exactly zero everywhere in the run's window"),
        (np.nan, r"every value is missing \(NaN\) in the run's window"),
    ],
)
def test_a_current_of_zeros_or_of_missing_values_is_refused(tmp_path, u, match):
    path = _currents(tmp_path / "c.nc", u=u, v=u)
    req = DriftRequest(
        lon=12.5,
        lat=33.2,
        time=START,
        hours=3,
        particles=50,
        wind_kn=10,
        wind_from_deg=0,
        currents=(path,),
        seed=1,
    )
    with pytest.raises(ForcingError, match=match) as info:
        predict_drift(req)
    assert "\n" not in str(info.value)


def test_a_run_outside_the_time_of_given_files_is_refused(tmp_path):
    path = _currents(tmp_path / "c.nc")
    req = DriftRequest(
        lon=12.5,
        lat=33.2,
        time=START + timedelta(days=3),
        hours=3,
        particles=50,
        wind_kn=10,
        wind_from_deg=0,
        currents=(path,),
    )
    with pytest.raises(ForcingError, match=r"the run needs .* but the files cover"):
        predict_drift(req)


def test_the_cli_lists_the_library_and_the_drift_picks_from_it_into_the_case_record(
    home, tmp_path, capsys
):
    cur = _currents(tmp_path / "cmems.nc")
    wind = _winds(tmp_path / "ecmwf.grib2")
    code, out, err = run_cli(
        capsys, "forcing", "add", str(cur), "--provider", "copernicus-marine", "--product",
        "cmems_mod_med_phy-cur_anfc_4.2km_PT1H-m", "--run-time", "2026-11-20T00:00Z",
    )  # fmt: skip
    assert code == 0, err
    assert "added copernicus-marine/cmems.nc: current" in out
    code, out, err = run_cli(
        capsys, "forcing", "add", str(wind), "--provider", "ecmwf-opendata", "--product", "ifs"
    )
    assert code == 0, err
    code, out, err = run_cli(capsys, "forcing", "list")
    assert code == 0, err
    assert "cmems_mod_med_phy-cur_anfc_4.2km_PT1H-m" in out and "ecmwf-opendata ifs" in out
    assert "2026-11-20 00:00" in out and "u10/v10 (wind, m s**-1)" in out
    assert "2 files in" in out
    code, out, err = run_cli(capsys, "forcing", "list", "--json", "--verify")
    rows = json.loads(out)
    assert [r["intact"] for r in rows] == [True, True] and rows[0]["age_h"] > 0

    case_id = open_case(capsys, time="2026-11-20T04:10:00Z")
    code, out, err = run_cli(
        capsys, "drift", "--lat", "33.2", "--lon", "12.5", "--time", "2026-11-20T04:10Z",
        "--hours", "6", "--particles", "200", "--seed", "3", "--case", case_id,
    )  # fmt: skip
    assert code == 0, err
    assert "forcing wind: ecmwf-opendata ifs run 2026-11-20T00:00Z (4 h old at the start)" in err
    assert "forcing current: copernicus-marine cmems_mod_med_phy-cur_anfc_4.2km_PT1H-m" in err
    code, out, err = run_cli(capsys, "case", "show", case_id, "--json")
    (attachment,) = json.loads(out)["attachments"]
    files = {f["role"]: f for f in attachment["record"]["forcing"]["files"]}
    assert files["wind"]["product"] == {
        "provider": "ecmwf-opendata", "product_id": "ifs", "run_time": "2026-11-20T00:00:00Z",
        "licence": files["wind"]["product"]["licence"],
    }  # fmt: skip
    assert files["wind"]["sha256"] == hashlib.sha256(wind.read_bytes()).hexdigest()
    assert files["current"]["product"]["product_id"] == "cmems_mod_med_phy-cur_anfc_4.2km_PT1H-m"
    assert files["current"]["sha256"] == hashlib.sha256(cur.read_bytes()).hexdigest()
    sources = attachment["record"]["request"]["forcing_sources"]
    assert {s["file"] for s in sources} == {"cmems.nc", "ecmwf.grib2"}
    assert all(str(home) not in json.dumps(s) for s in sources)  # no local paths
    # --no-library: the object needs wind and none is given
    code, out, err = run_cli(
        capsys, "drift", "--lat", "33.2", "--lon", "12.5", "--time", "2026-11-20T04:10Z",
        "--hours", "6", "--no-library",
    )  # fmt: skip
    assert code == 2 and "no wind was given" in err


def test_the_api_lists_the_library_says_the_choice_and_drives_a_run_from_it(home, tmp_path):
    from fastapi.testclient import TestClient

    from _api import wait_for_drift_run
    from sarwatch.services.users import add_user
    from sarwatch.settings import load_settings
    from sarwatch.web.app import create_app
    from sarwatch.web.station import station_of

    library = ForcingLibrary(home / "forcing")
    _cmems(library, _currents(tmp_path / "cmems.nc", hours=240), RUN)  # ten days
    library.add(_winds(tmp_path / "ecmwf.grib2"), provider="ecmwf-opendata", product_id="ifs")
    app = create_app(load_settings(home_dir=home))
    with TestClient(app) as client:
        _, token = add_user(station_of(app).store, "ana", "coordinator")
        client.headers["Authorization"] = f"Bearer {token}"
        listing = client.get("/api/forcing").json()
        assert [f["file"] for f in listing["files"]] == [
            "copernicus-marine/cmems.nc", "ecmwf-opendata/ecmwf.grib2"
        ]  # fmt: skip
        query = {"lat": 33.2, "lon": 12.5, "time": "2026-11-20T04:10:00Z", "hours": 6}
        roles = client.get("/api/forcing/choice", params=query).json()["roles"]
        assert [r["role"] for r in roles] == ["wind", "current"]
        assert roles[0]["products"][0]["run_time"] == "2026-11-20T00:00:00Z"
        assert roles[0]["line"].startswith("wind: ecmwf-opendata ifs run 2026-11-20T00:00Z")
        override = client.get("/api/forcing/choice", params={**query, "wind_on_scene": True})
        assert override.json()["roles"][0]["line"] == "wind: on-scene values (override)"
        r = client.post("/api/drift", json={**query, "particles": 200, "seed": 2})
        assert r.status_code == 202, r.text
        state = wait_for_drift_run(client, r.json()["run_id"])
        assert state["status"] == "done", state
        files = {f["role"]: f for f in state["summary"]["forcing"]["files"]}
        assert files["wind"]["product"]["provider"] == "ecmwf-opendata"
        assert files["current"]["product"]["run_time"] == "2026-11-20T00:00:00Z"
        # five days later the only current covering the run is stale: refused, one line
        late = {**query, "time": "2026-11-25T04:10:00Z"}
        stale = client.get("/api/forcing/choice", params=late)
        assert stale.status_code == 422 and "old at the run's start" in stale.text
        r = client.post("/api/drift", json={**late, "particles": 200})
        assert r.status_code == 422 and "limit 72 h" in r.json()["detail"]
