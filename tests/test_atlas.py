"""Drift atlases: exact additive reductions, identical grids on 1 or 2 workers, failures
reported, region shares checked by hand, provenance written."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.drift.atlas_grid import (
    AtlasCounts,
    AtlasGrid,
    class_label,
    membership_codes,
    reduce_positions,
)
from sarwatch.drift.config import DriftConfig
from sarwatch.errors import InputError
from sarwatch.geo.srr import sar_regions, srr_membership

pytest.importorskip("dask.distributed")

from sarwatch.services.atlas import (
    AtlasRequest,
    Departure,
    ForcingSpec,
    run_atlas,
    scenario_seed,
)
from sarwatch.services.atlas_departures import load_departures
from sarwatch.services.atlas_files import write_atlas

REGION_IDS = tuple(r.srr_id for r in sar_regions())
GRID = AtlasGrid(9.0, 31.0, 16.0, 37.0, 0.1)
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _reduce(lon, lat, grid=GRID):
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    codes = membership_codes(srr_membership(lon, lat), REGION_IDS)
    ok = np.ones(lon.size, bool)
    return reduce_positions(grid, [lon], [lat], [ok], [codes], len(REGION_IDS))


# --- the pure reduction -------------------------------------------------------------


def test_cells_are_half_open_and_off_grid_points_are_counted_apart():
    g = AtlasGrid(10.0, 30.0, 12.0, 31.0, 0.5)
    idx = g.cell_index(np.array([10.0, 10.5, 11.999, 12.0, 9.99]), np.array([30.0] * 5))
    assert idx.tolist() == [0, 1, 3, -1, -1]
    p = reduce_positions(
        g, [np.array([10.1, 10.2, 20.0])], [np.array([30.1, 30.1, 30.1])],
        [np.array([True, True, True])], [np.zeros(3, np.int64)], 1,
    )  # fmt: skip
    assert p.cells[0].tolist() == [0] and p.counts[0].tolist() == [2]
    assert p.outside_grid.tolist() == [1]


def test_a_grid_without_area_is_refused_with_the_bounds_it_got():
    with pytest.raises(InputError, match="lon_max > lon_min"):
        AtlasGrid(10.0, 30.0, 10.0, 31.0, 0.1)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 400),
    cuts=st.lists(st.integers(0, 400), max_size=5),
)
def test_partial_counts_of_any_split_add_up_to_the_counts_of_the_whole(seed, n, cuts):
    rng = np.random.default_rng(seed)
    lon = rng.uniform(8.5, 16.5, n)  # some off the grid
    lat = rng.uniform(30.5, 37.5, n)
    whole = AtlasCounts(GRID, 1, len(REGION_IDS))
    whole.add(_reduce(lon, lat))
    split = AtlasCounts(GRID, 1, len(REGION_IDS))
    bounds = [0, *sorted(min(c, n) for c in cuts), n]
    for a, b in reversed(list(itertools.pairwise(bounds))):  # any order
        if b > a:
            split.add(_reduce(lon[a:b], lat[a:b]))
    np.testing.assert_array_equal(split.presence, whole.presence)
    np.testing.assert_array_equal(split.classes, whole.classes)
    np.testing.assert_array_equal(split.outside_grid, whole.outside_grid)
    assert whole.presence.sum() + whole.outside_grid.sum() == n
    # the disjoint classes sum to the located share: here every particle, so 1
    assert sum(float(v[0]) for v in whole.class_shares(REGION_IDS).values()) == pytest.approx(1)


def test_region_shares_match_a_hand_checked_case():
    # 33.2N 12.5E lies in the Libyan SRR only; 35.4N 12.6E (south of Lampedusa) in both
    # the Italian and the Maltese (they overlap there).
    from sarwatch.geo.srr import srr_at

    assert srr_at(12.5, 33.2) == ["LY"] and srr_at(12.6, 35.4) == ["IT", "MT"]
    counts = AtlasCounts(GRID, 1, len(REGION_IDS))
    counts.add(_reduce([12.5, 12.5, 12.6, 12.6], [33.2, 33.2, 35.4, 35.4]))
    # two particles not located (sunk/lost) count in the total but in no class
    lost = _reduce([12.5, 12.5], [33.2, 33.2])
    lost = replace(lost, cells=(np.zeros(0, np.int64),), counts=(np.zeros(0, np.int64),),
                   classes=np.zeros_like(lost.classes))  # fmt: skip
    counts.add(lost)
    classes = {k: float(v[0]) for k, v in counts.class_shares(REGION_IDS).items()}
    assert classes == {"LY": pytest.approx(2 / 6), "IT+MT": pytest.approx(2 / 6)}
    assert sum(classes.values()) <= 1.0
    regions = {k: float(v[0]) for k, v in counts.region_shares(REGION_IDS).items()}
    assert regions["IT"] == regions["MT"] == regions["LY"] == pytest.approx(2 / 6)
    assert regions["TN"] == regions["GR"] == regions["EG"] == 0.0
    assert class_label(0b11, REGION_IDS) == "IT+MT"


# --- the Dask service ---------------------------------------------------------------


def _wind_file(path):
    """A wind from the south-west, stronger to the east, 2024-01-01 to 01-03 hourly."""
    lon = np.arange(8.0, 17.01, 0.25)
    lat = np.arange(30.0, 38.01, 0.25)
    hours = np.arange(0, 49)
    lo, _ = np.meshgrid(lon, lat)
    u = np.stack([4.0 + 0.3 * (lo - 8.0) + 0.02 * h for h in hours]).astype("f4")
    v = np.stack([5.0 + 0.0 * lo - 0.03 * h for h in hours]).astype("f4")
    times = pd.Timestamp("2024-01-01") + pd.to_timedelta(hours, "h")
    ds = xr.Dataset(
        {
            "u10": (
                ("time", "latitude", "longitude"),
                u,
                {"units": "m s-1", "standard_name": "eastward_wind"},
            ),
            "v10": (
                ("time", "latitude", "longitude"),
                v,
                {"units": "m s-1", "standard_name": "northward_wind"},
            ),
        },
        coords={"time": times, "latitude": lat, "longitude": lon},
    )
    ds["latitude"].attrs = {"standard_name": "latitude", "units": "degrees_north"}
    ds["longitude"].attrs = {"standard_name": "longitude", "units": "degrees_east"}
    ds.to_netcdf(path)
    return path


@pytest.fixture(scope="module")
def request_(tmp_path_factory, land_mask):
    wind = _wind_file(tmp_path_factory.mktemp("atlas") / "wind.nc")
    return AtlasRequest(
        departures=(Departure("off-zuwara", 12.15, 33.0), Departure("off-sfax", 11.2, 34.6)),
        start_first=T0,
        start_last=T0 + timedelta(hours=12),
        every=timedelta(hours=6),
        config=DriftConfig(object_class="PIW-1", hours=12, particles=200, output_min=360),
        forcing=ForcingSpec(winds=(str(wind),)),
        grid=GRID,
        base_seed=16,
    )


@pytest.fixture(scope="module")
def one_worker(request_):
    return run_atlas(request_, workers=1, processes=False)


def test_one_and_two_workers_give_identical_grids(request_, one_worker):
    two = run_atlas(request_, workers=2, processes=False)
    assert one_worker.failures == [] and two.failures == []
    assert one_worker.counts.scenarios == two.counts.scenarios == 6
    np.testing.assert_array_equal(one_worker.counts.presence, two.counts.presence)
    np.testing.assert_array_equal(one_worker.counts.classes, two.counts.classes)
    np.testing.assert_array_equal(one_worker.counts.by_departure, two.counts.by_departure)
    np.testing.assert_array_equal(one_worker.counts.ashore, two.counts.ashore)
    # the clouds moved (north-east, with the wind): the atlas is not the seeding
    lead12 = one_worker.counts.presence[-1]
    rows, _ = np.nonzero(lead12)
    assert GRID.lat_centres()[rows].mean() > 33.0 + 0.05
    assert one_worker.counts.presence.sum(axis=(1, 2)).tolist() == [1200, 1200]


@pytest.mark.slow
def test_worker_processes_give_the_same_grids_as_threads(request_, one_worker):
    procs = run_atlas(request_, workers=2, processes=True)
    assert procs.failures == []
    np.testing.assert_array_equal(one_worker.counts.presence, procs.counts.presence)
    np.testing.assert_array_equal(one_worker.counts.classes, procs.counts.classes)


def test_a_failed_task_is_reported_and_not_counted(request_):
    on_land = Departure("valletta-inland", 14.43, 35.88)  # Malta, on land
    req = replace(request_, departures=(*request_.departures, on_land), retries=0)
    res = run_atlas(req, workers=2, processes=False)
    assert [f.departure for f in res.failures] == ["valletta-inland"] * 3
    assert [f.start for f in res.failures] == [T0 + timedelta(hours=h) for h in (0, 6, 12)]
    assert all("PositionOnLandError" in f.error and "on land" in f.error for f in res.failures)
    assert res.counts.scenarios == 6 and res.tasks == 9


def test_the_file_holds_the_counts_and_the_provenance_of_every_input(
    request_, one_worker, tmp_path
):
    path = write_atlas(one_worker, tmp_path / "atlas.nc")
    with xr.open_dataset(path) as ds:
        np.testing.assert_array_equal(ds["presence_count"].values, one_worker.counts.presence)
        assert ds["lead_time"].values.tolist() == [6.0, 12.0]
        assert float(ds["class_share"].sum("srr_class").max()) <= 1.0 + 1e-12
        # every data variable states its unit (CF: "1" for counts and shares)
        assert {v: ds[v].attrs.get("units") for v in ds.data_vars} == dict.fromkeys(
            ds.data_vars, "1"
        )
        prov = json.loads(ds.attrs["provenance"])
    import hashlib

    wind = request_.forcing.winds[0]
    with open(wind, "rb") as fh:
        assert prov["forcing"]["files"][0]["sha256"] == hashlib.sha256(fh.read()).hexdigest()
    assert prov["object_class"] == "PIW-1" and prov["base_seed"] == 16
    seeds = {(s["departure"], s["start"]): s["seed"] for s in prov["scenarios"]}
    d0 = request_.departures[0]
    assert seeds[(d0.name, T0.isoformat())] == scenario_seed(d0, T0, 16)
    assert prov["failures"] == [] and prov["scenarios_counted"] == 6
    # every drift option (defaults too) and the grid: enough to run the atlas again
    assert DriftConfig(**prov["drift_config"]) == request_.config
    assert AtlasGrid(**prov["grid"]) == request_.grid
    assert "starts on land drawn again" in prov["seeding"]


def test_a_zarr_atlas_holds_the_same_counts(one_worker, tmp_path):
    pytest.importorskip("zarr")
    path = write_atlas(one_worker, tmp_path / "atlas.zarr")
    with xr.open_zarr(path) as ds:
        np.testing.assert_array_equal(ds["presence_count"].values, one_worker.counts.presence)
        assert "IT" in ds["srr"].values.tolist()
        assert json.loads(ds.attrs["provenance"])["scenarios_counted"] == 6


def test_seeds_depend_on_departure_start_and_base_seed_only():
    a, b = Departure("a", 12.15, 33.0), Departure("renamed", 12.15, 33.0)
    assert scenario_seed(a, T0, 1) == scenario_seed(b, T0, 1)
    assert scenario_seed(a, T0, 1) != scenario_seed(a, T0 + timedelta(hours=6), 1)
    assert scenario_seed(a, T0, 1) != scenario_seed(Departure("a", 12.16, 33.0), T0, 1)


def test_departures_from_port_ids_start_at_sea_and_unknown_ids_are_refused(land_mask):
    (zuwara,) = load_departures("LYZUA")
    from sarwatch.geo.coast import land_mask as mask

    assert not bool(mask().contains(zuwara.lon, zuwara.lat))
    assert abs(zuwara.lon - 12.10) < 0.1 and abs(zuwara.lat - 32.93) < 0.1
    with pytest.raises(InputError, match="unknown port id"):
        load_departures("XXNOPE")


def test_a_departures_csv_from_a_spreadsheet_is_read_or_refused_clearly(tmp_path):
    """Excel's "CSV UTF-8" (a byte-order mark) reads; Windows-1252 is a clear error."""
    marked = tmp_path / "bom.csv"
    marked.write_bytes("name,lon,lat\nZuwara offshore,12.2,33.1\n".encode("utf-8-sig"))
    (found,) = load_departures(str(marked))
    assert (found.name, found.lon, found.lat) == ("Zuwara offshore", 12.2, 33.1)
    legacy = tmp_path / "cp1252.csv"
    legacy.write_bytes("name,lon,lat\nZouara côte,12.2,33.1\n".encode("cp1252"))
    with pytest.raises(InputError, match="is not UTF-8 text"):
        load_departures(str(legacy))


def test_a_request_without_wind_is_refused_before_any_task(request_):
    with pytest.raises(InputError, match="needs a wind"):
        run_atlas(replace(request_, forcing=ForcingSpec()), workers=1, processes=False)


# --- the command --------------------------------------------------------------------


def test_the_command_writes_the_atlas_and_exits_1_when_a_scenario_failed(tmp_path, land_mask):
    from typer.testing import CliRunner

    from sarwatch.cli.main import _register, app

    _register()
    deps = tmp_path / "deps.csv"
    deps.write_text("name,lon,lat\noff-zuwara,12.15,33.0\nvalletta-inland,14.43,35.88\n")
    out = tmp_path / "a.nc"
    args = [
        "atlas", "--departures", str(deps), "--from", "2024-01-01", "--to", "2024-01-01T06:00Z",
        "--every", "6h", "--hours", "12", "--object", "PIW-1", "--particles", "100",
        "--wind-kn", "15", "--wind-from", "200", "--workers", "1", "--threads",
        "--retries", "0", "--out", str(out),
    ]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1, res.output
    assert "2 of 4 scenarios failed" in res.output
    # the dashboard (no authentication) listens on this machine only, not on the LAN
    assert "dashboard: http://127.0.0.1:" in res.output
    # the maps of the scenarios that ran, beside the file
    assert f"maps -> {out.with_suffix('.png')}" in res.output
    assert out.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with xr.open_dataset(out) as ds:
        assert ds.attrs["scenarios"] == 2
        assert int(ds["presence_count"].sum()) + int(ds["outside_grid_count"].sum()) <= 2 * 100 * 2
        assert len(json.loads(ds.attrs["provenance"])["failures"]) == 2


def test_the_command_refuses_a_bad_interval():
    from sarwatch.cli.atlas import parse_interval

    with pytest.raises(InputError, match="6h, 30min or 1d"):
        parse_interval("six hours")


def test_a_local_cluster_listens_on_this_machine_only():
    """Dask's dashboards have no authentication: none may listen on the ship's LAN."""
    import psutil

    from sarwatch.services.atlas import _client, _dashboard_link

    client, cluster = _client(1, None, processes=False)
    try:
        me = psutil.Process()
        conns = getattr(me, "net_connections", me.connections)(kind="inet")
        listening = [c.laddr.ip for c in conns if c.status == psutil.CONN_LISTEN]
        link = _dashboard_link(client, cluster)
    finally:
        client.close()
        cluster.close()
    assert listening and all(ip in ("127.0.0.1", "::1") for ip in listening), listening
    assert link is None or link.startswith("http://127.0.0.1:")


def test_an_output_that_could_not_be_written_is_refused_before_any_scenario(
    tmp_path, capsys, monkeypatch
):
    """A missing folder or a .zarr without zarr used to fail after the whole run."""
    import sys

    from _cli import run_cli
    from sarwatch.services import atlas as atlas_service

    def no_run(*args, **kwargs):
        raise AssertionError("the atlas ran")

    monkeypatch.setattr(atlas_service, "run_atlas", no_run)
    deps = tmp_path / "deps.csv"
    deps.write_text("name,lon,lat\noff-zuwara,12.15,33.0\n")
    args = [
        "atlas", "--departures", str(deps), "--from", "2024-01-01", "--to", "2024-01-01",
        "--hours", "6", "--wind-kn", "15", "--wind-from", "200", "--workers", "1", "--threads",
    ]  # fmt: skip
    code, _, err = run_cli(capsys, *args, "--out", str(tmp_path / "no" / "a.nc"))
    assert code == 2 and "does not exist; create it first" in err, err
    code, _, err = run_cli(capsys, *args, "--out", str(tmp_path / "a.txt"))
    assert code == 2 and "give a .nc (CF-NetCDF) or .zarr path" in err, err
    monkeypatch.setitem(sys.modules, "zarr", None)
    code, _, err = run_cli(capsys, *args, "--out", str(tmp_path / "a.zarr"))
    assert code == 2 and "needs the zarr package (pip install zarr)" in err, err


def test_the_file_is_sound_cf_read_as_plain_netcdf4_and_as_zarr(one_worker, tmp_path):
    """Coordinates without fill values, with axes and cell bounds; string coordinates in
    both formats; every coast State a column (no empty, unlimited dimension); each
    departure's grid stored a map per chunk."""
    import netCDF4

    from sarwatch.services.atlas import coast_states_of

    path = write_atlas(one_worker, tmp_path / "atlas.nc")
    states = [s or "unknown" for s in coast_states_of()]
    ny, nx = GRID.shape
    with netCDF4.Dataset(path) as nc:
        assert not any(d.isunlimited() for d in nc.dimensions.values())
        for name in ("lead_time", "lat", "lon"):
            assert "_FillValue" not in nc[name].ncattrs(), name
        assert (nc["lat"].axis, nc["lon"].axis) == ("Y", "X")
        bounds = nc[nc["lon"].bounds][:]
        np.testing.assert_allclose(bounds[:, 0], GRID.lon_min + 0.1 * np.arange(nx), atol=1e-9)
        np.testing.assert_allclose(bounds[:, 1] - bounds[:, 0], 0.1)
        assert list(nc["coast_state"][:]) == states
        assert list(nc["departure"][:]) == ["off-zuwara", "off-sfax"]
        for name in ("departure_presence_count", "departure_presence_probability"):
            assert nc[name].chunking() == [1, 1, ny, nx], name
            assert nc[name].filters()["zlib"]
        assert nc["presence_count"].chunking() == [1, ny, nx]
        for name in ("srr_class", "srr", "departure", "coast_state"):
            assert nc[name].long_name, name
    zarr = pytest.importorskip("zarr")
    zpath = write_atlas(one_worker, tmp_path / "atlas.zarr")
    group = zarr.open_group(str(zpath), mode="r")
    assert group["departure_presence_count"].chunks == (1, 1, ny, nx)
    with xr.open_dataset(path) as nc, xr.open_zarr(zpath) as z:
        xr.testing.assert_identical(nc.load(), z.load())
        assert z["coast_state"].values.tolist() == states


def test_departures_named_twice_or_without_a_name_are_refused(request_, tmp_path):
    twice = replace(request_, departures=(*request_.departures, Departure("off-sfax", 11.3, 34.6)))
    with pytest.raises(InputError, match="named twice: 'off-sfax'; each departure needs its own"):
        twice.check()
    with pytest.raises(InputError, match="without a name"):
        replace(request_, departures=(Departure(" ", 12.15, 33.0),)).check()
    deps = tmp_path / "deps.csv"
    deps.write_text("name,lon,lat\na,12.15,33.0\na,12.2,33.1\n")
    with pytest.raises(InputError, match="named twice: 'a'"):
        replace(request_, departures=load_departures(str(deps))).check()
