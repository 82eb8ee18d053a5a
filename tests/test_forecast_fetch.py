"""``sarwatch forcing fetch``: each provider's own client against a server on loopback.

The fixtures are real files at the paths the real clients ask for: GRIB2 step files
and their ``.index`` (ECMWF open data) or wgrib2 ``.idx`` (GFS) written with ecCodes,
so that ``ecmwf-opendata`` and ``herbie`` run end to end (index, byte ranges, HEAD
probes for the latest run). The Copernicus Marine toolbox runs end to end in
``test_forecast_cmems.py`` (login, STAC catalogue, ARCO Zarr through S3); here a
stand-in for its ``subset`` checks, quickly, the requests the adapter makes day by day.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from _cli import open_case, run_cli
from _fileserver import serve_files
from _forecast import PARAM_10U, PARAM_10V, grib_message, smooth_winds
from sarwatch.adapters.forecast import CopernicusMarine, EcmwfOpenData, FetchRequest, Gfs
from sarwatch.adapters.forecast.base import floor_run
from sarwatch.services.forcing_fetch import fetch_forecasts
from sarwatch.services.forcing_library import ForcingLibrary

GLOBE_LON = np.arange(0.0, 30.01, 0.5)  # a piece of the globe, 0.5° to stay small
GLOBE_LAT = np.arange(45.0, 24.99, -0.5)
AREA = (10.0, 31.0, 20.0, 38.5)
PARAM_2T = 167


def _step_file(run: datetime, step: int) -> tuple[bytes, list[tuple[str, int, int]]]:
    """A step file (2t decoy, 10u, 10v) and its messages' (param, offset, length)."""
    u, v = smooth_winds(GLOBE_LON, GLOBE_LAT, [step])
    msgs = [
        ("2t", grib_message(GLOBE_LON, GLOBE_LAT, run, step, PARAM_2T, 288.0 + 0 * u[0])),
        ("10u", grib_message(GLOBE_LON, GLOBE_LAT, run, step, PARAM_10U, u[0])),
        ("10v", grib_message(GLOBE_LON, GLOBE_LAT, run, step, PARAM_10V, v[0])),
    ]
    data, parts, offset = b"", [], 0
    for name, body in msgs:
        parts.append((name, offset, len(body)))
        data += body
        offset += len(body)
    return data, parts


def _ecmwf_tree(root: Path, runs: list[datetime], steps: range) -> None:
    """ECMWF open data's layout: ``YYYYMMDD/HHz/ifs/0p25/oper/...-Sh-oper-fc.grib2``."""
    for run in runs:
        folder = root / f"{run:%Y%m%d}" / f"{run:%H}z" / "ifs" / "0p25" / "oper"
        folder.mkdir(parents=True, exist_ok=True)
        for step in steps:
            data, parts = _step_file(run, step)
            base = folder / f"{run:%Y%m%d%H}0000-{step}h-oper-fc"
            base.with_suffix(".grib2").write_bytes(data)
            lines = [
                json.dumps(
                    {
                        "domain": "g",
                        "date": f"{run:%Y%m%d}",
                        "time": f"{run:%H}00",
                        "expver": "0001",
                        "class": "od",
                        "type": "fc",
                        "stream": "oper",
                        "step": str(step),
                        "levtype": "sfc",
                        "param": name,
                        "_offset": offset,
                        "_length": length,
                    }
                )
                for name, offset, length in parts
            ]
            base.with_suffix(".index").write_text("\n".join(lines) + "\n")


def _gfs_tree(root: Path, runs: list[datetime], steps: range) -> None:
    """NOAA's layout: ``gfs.YYYYMMDD/HH/atmos/gfs.tHHz.pgrb2.0p25.fFFF`` and its ``.idx``."""
    names = {"2t": "TMP:2 m above ground", "10u": "UGRD:10 m above ground",
             "10v": "VGRD:10 m above ground"}  # fmt: skip
    for run in runs:
        folder = root / f"gfs.{run:%Y%m%d}" / f"{run:%H}" / "atmos"
        folder.mkdir(parents=True, exist_ok=True)
        for step in steps:
            data, parts = _step_file(run, step)
            # GFS order: the winds first, a decoy last (wgrib2 inventories have no lengths)
            order = [parts[1], parts[2], parts[0]]
            body = b"".join(data[o : o + n] for _, o, n in order)
            path = folder / f"gfs.t{run:%H}z.pgrb2.0p25.f{step:03d}"
            path.write_bytes(body)
            lines, offset = [], 0
            for i, (name, _, n) in enumerate(order, start=1):
                fc = "anl" if step == 0 else f"{step} hour fcst"
                lines.append(f"{i}:{offset}:d={run:%Y%m%d%H}:{names[name]}:{fc}:")
                offset += n
            Path(str(path) + ".idx").write_text("\n".join(lines) + "\n")


def _request(now: datetime, hours_back: int = 6, hours_ahead: int = 12) -> FetchRequest:
    return FetchRequest(
        area=AREA, start=now - timedelta(hours=hours_back),
        end=now + timedelta(hours=hours_ahead), now=now,
    )  # fmt: skip


def test_ecmwf_open_data_winds_are_fetched_by_its_client_cut_to_the_area_and_resumed(tmp_path):
    now = datetime.now(UTC)
    latest = floor_run(now, 12)
    runs = [latest, latest - timedelta(hours=12)]
    _ecmwf_tree(tmp_path / "mirror", runs, range(0, 49, 3))
    library = ForcingLibrary(tmp_path / "forcing")
    req = _request(now)
    with serve_files(tmp_path / "mirror") as (url, log):
        kinds = [("winds", [EcmwfOpenData(url)])]
        report = fetch_forecasts(library, kinds, req)
        ranges = [r for method, _, r in log if method == "GET" and r]
        assert report.failed == []
        assert report.added and not report.skipped
        # only the 10u/10v messages travelled (byte ranges), never the 2t decoy
        assert ranges and all(not r.startswith("bytes=0-") for r in ranges)
        before = len(log)
        again = fetch_forecasts(library, kinds, req)
        assert again.added == [] and len(again.skipped) == len(report.added)
        assert all(m == "HEAD" for m, _, _ in log[before:])  # no data downloaded again
    entries = library.entries()
    assert {e.provider for e in entries} == {"ecmwf-opendata"}
    assert {e.run_time for e in entries} <= {f"{r:%Y-%m-%dT%H:%M:%SZ}" for r in runs}
    assert any(e.run_time == f"{latest:%Y-%m-%dT%H:%M:%SZ}" for e in entries)
    lon0, lat0, lon1, lat1 = entries[0].area
    assert (lon0, lat0, lon1, lat1) == (9.5, 30.5, 20.5, 39.0)  # the area and one cell
    first = min(e.start for e in entries)
    last = max(e.end for e in entries)
    assert first <= req.start and last >= req.end
    assert report.lines[0].startswith("winds: ecmwf-opendata ifs-0p25-oper-10m-wind run ")


def test_a_step_whose_bytes_differ_from_the_index_never_enters_and_gfs_serves_the_winds(
    tmp_path,
):
    now = datetime.now(UTC)
    latest = floor_run(now, 12)
    _ecmwf_tree(tmp_path / "ecmwf", [latest, latest - timedelta(hours=12)], range(0, 49, 3))
    # one index promises more bytes than its file holds: damaged on the way
    index = sorted((tmp_path / "ecmwf").rglob(f"{latest:%Y%m%d%H}0000-6h-oper-fc.index"))[0]
    rows = [json.loads(x) for x in index.read_text().splitlines()]
    rows[-1]["_length"] += 100
    index.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    gfs_latest = floor_run(now, 6)
    _gfs_tree(tmp_path / "gfs", [gfs_latest, floor_run(now - timedelta(hours=6), 6)],
              range(0, 25, 3))  # fmt: skip
    library = ForcingLibrary(tmp_path / "forcing")
    with (
        serve_files(tmp_path / "ecmwf") as (ecmwf_url, _),
        serve_files(tmp_path / "gfs") as (gfs_url, gfs_log),
    ):
        kinds = [("winds", [EcmwfOpenData(ecmwf_url), Gfs(gfs_url)])]
        report = fetch_forecasts(library, kinds, _request(now))
    (damaged,) = report.failed
    assert "f006.grib2 was damaged in transit" in damaged and "not added" in damaged
    assert not any("f006" in e.file and e.provider == "ecmwf-opendata"
                   for e in library.entries())  # fmt: skip
    gfs = [e for e in library.entries() if e.provider == "gfs"]
    assert gfs and report.lines[-1].startswith("winds: gfs gfs-pgrb2-0p25-10m-wind run ")
    assert all(e.roles == ("wind",) for e in gfs)
    assert any(r and r.startswith("bytes=") for m, _, r in gfs_log if m == "GET")
    assert not list((library.root / ".staging").glob("*.part"))


class _FakeToolbox:
    """``copernicusmarine.subset``'s signature; cuts a NetCDF fixture as the server does."""

    def __init__(self, source: xr.Dataset) -> None:
        self.source = source
        self.calls: list[dict] = []

    def __call__(self, **kw):  # type: ignore[no-untyped-def]
        self.calls.append(kw)
        ds = self.source[kw["variables"]].sel(
            longitude=slice(kw["minimum_longitude"], kw["maximum_longitude"]),
            latitude=slice(kw["minimum_latitude"], kw["maximum_latitude"]),
            time=slice(pd.Timestamp(kw["start_datetime"]).tz_convert(None),
                       pd.Timestamp(kw["end_datetime"]).tz_convert(None)),
        )  # fmt: skip
        out = Path(kw["output_directory"]) / kw["output_filename"]
        ds.to_netcdf(out)
        return out


def _med_currents(now: datetime) -> xr.Dataset:
    times = pd.date_range((now - timedelta(days=2)).replace(tzinfo=None, minute=0, second=0,
                                                            microsecond=0), periods=24 * 6,
                          freq="h")  # fmt: skip
    lon, lat = np.arange(-5.0, 36.0, 0.5), np.arange(30.0, 46.0, 0.5)
    u = np.full((times.size, 1, lat.size, lon.size), 0.25, "f4")
    attrs = {"units": "m s-1"}
    return xr.Dataset(
        {"uo": (("time", "depth", "latitude", "longitude"), u,
                {**attrs, "standard_name": "eastward_sea_water_velocity"}),
         "vo": (("time", "depth", "latitude", "longitude"), 0 * u,
                {**attrs, "standard_name": "northward_sea_water_velocity"})},
        coords={"time": times, "depth": [1.0182366], "latitude": lat, "longitude": lon},
    )  # fmt: skip


def test_copernicus_marine_currents_are_asked_for_the_area_period_and_surface_day_by_day(
    tmp_path,
):
    now = datetime.now(UTC)
    toolbox = _FakeToolbox(_med_currents(now))
    library = ForcingLibrary(tmp_path / "forcing")
    req = _request(now, 24, 72)
    report = fetch_forecasts(
        library, [("currents", [CopernicusMarine("currents", subset=toolbox)])], req
    )
    assert report.failed == []
    call = toolbox.calls[0]
    assert call["dataset_id"] == "cmems_mod_med_phy-cur_anfc_4.2km_PT1H-m"
    assert call["variables"] == ["uo", "vo"]
    assert (call["minimum_longitude"], call["minimum_latitude"]) == (10.0, 31.0)
    assert (call["maximum_longitude"], call["maximum_latitude"]) == (20.0, 38.5)
    assert call["maximum_depth"] < 2 and call["start_datetime"] == req.start
    assert "username" not in call and "password" not in call  # the toolbox's own config
    assert toolbox.calls[-1]["end_datetime"] == req.end
    assert len(toolbox.calls) in (4, 5)  # one call per UTC day of the 96 h
    entries = library.entries()
    assert all(e.roles == ("current",) and e.provider == "copernicus-marine" for e in entries)
    assert min(e.start for e in entries) <= req.start + timedelta(hours=1)
    assert max(e.end for e in entries) >= req.end - timedelta(hours=1)


def test_copernicus_marine_credentials_refused_says_what_to_do_and_never_prints_them(
    tmp_path,
):
    class InvalidUsernameOrPassword(Exception):
        pass

    def refuse(**kw):  # type: ignore[no-untyped-def]
        raise InvalidUsernameOrPassword("user 'ana' password 'hunter2' rejected")

    now = datetime.now(UTC)
    library = ForcingLibrary(tmp_path / "forcing")
    report = fetch_forecasts(
        library, [("currents", [CopernicusMarine("currents", subset=refuse)])], _request(now)
    )
    (line,) = report.failed
    assert "copernicusmarine login" in line and "hunter2" not in line and "ana" not in line
    assert library.entries() == []


def test_the_cli_fetches_with_a_progress_line_per_kind(home, tmp_path, capsys):
    now = datetime.now(UTC)
    latest = floor_run(now, 12)
    _ecmwf_tree(tmp_path / "mirror", [latest, latest - timedelta(hours=12)], range(0, 49, 3))
    start = (now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%MZ")
    end = (now + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%MZ")
    with serve_files(tmp_path / "mirror") as (url, _):
        code, out, err = run_cli(
            capsys, "forcing", "fetch", "--kinds", "winds", "--ecmwf-url", url,
            "--from", start, "--to", end, "--area", "11,32,16,36",
        )  # fmt: skip
    assert code == 0, err
    assert "winds: ecmwf-opendata ifs-0p25-oper-10m-wind run" in out
    assert "added to" in out
    code, out, err = run_cli(capsys, "forcing", "list")
    assert "ecmwf-opendata ifs-0p25-oper-10m-wind" in out
    # for a case: around its last position, from 6 h before it for --hours after it
    when = (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    case_id = open_case(capsys, time=when)
    with serve_files(tmp_path / "mirror") as (url, _):
        code, out, err = run_cli(capsys, "forcing", "fetch", "--case", case_id, "--hours", "6",
                                 "--kinds", "winds", "--ecmwf-url", url, "-q")  # fmt: skip
    assert code == 0, err
    code, out, err = run_cli(capsys, "forcing", "list", "--json")
    areas = {tuple(e["area"]) for e in json.loads(out)}
    assert (9.5, 30.5, 15.5, 36.0) in areas  # 33.2N 12.5E ± 2.5° lat (± 2.99° lon), one cell
    code, out, err = run_cli(capsys, "forcing", "fetch", "--area", "1,2,3")
    assert code == 2 and "--area must be four numbers lon_min,lat_min,lon_max,lat_max" in err


@pytest.mark.parametrize("kinds", ["tides"])
def test_an_unknown_kind_is_refused(home, capsys, kinds):
    code, _, err = run_cli(capsys, "forcing", "fetch", "--kinds", kinds)
    assert code == 2 and "unknown forcing kind" in err
