"""Forcing packs: cut to the reach, quantised, zipped; the drift from a pack matches the files."""

from __future__ import annotations

import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from _cli import open_case, run_cli
from _forecast import smooth_winds, write_cmems_currents, write_grib_winds
from sarwatch.errors import ForcingError
from sarwatch.geo.geodesy import geodesic_distance_nm
from sarwatch.services.drift import DriftRequest, predict_drift
from sarwatch.services.forcing_library import ForcingLibrary
from sarwatch.services.forcing_pack import pack_area, unpack

RUN = datetime(2026, 11, 20, 0, tzinfo=UTC)
START = datetime(2026, 11, 20, 4, 10, tzinfo=UTC)
LON, LAT = 13.0, 34.0


def _sea(tmp_path: Path, hours: int = 96) -> dict[str, Path]:
    """A Central Med sea at the products' resolutions: CMEMS 1/24° hourly currents with
    eddies and a tide, Stokes drift, and ECMWF 0.25° 3-hourly winds (GRIB2)."""
    lon = np.arange(10.0, 16.0 + 1e-9, 1 / 24)
    lat = np.arange(31.5, 36.5 + 1e-9, 1 / 24)
    times = pd.date_range(RUN.replace(tzinfo=None), periods=hours + 1, freq="h")
    t = np.arange(times.size)[:, None, None]
    x, y = lon[None, None, :], lat[None, :, None]
    u = 0.2 + 0.15 * np.sin(2 * np.pi * (x - 10) / 1.3) * np.cos(2 * np.pi * (y - 31) / 1.1)
    u = u + 0.05 * np.sin(2 * np.pi * t / 12.42)
    v = -0.08 + 0.12 * np.cos(2 * np.pi * (x - 10) / 1.7) * np.sin(2 * np.pi * (y - 31) / 0.9)
    v = v + 0.0 * t
    su, sv = 0.04 + 0.0 * u, -0.02 + 0.0 * v
    cur = write_cmems_currents(tmp_path / "cmems_cur.nc", lon, lat, times, u, v)
    waves = write_cmems_currents(tmp_path / "cmems_wav.nc", lon, lat, times, 0 * u, 0 * v,
                                 stokes=(su[:, 0] if su.ndim == 4 else su, sv))  # fmt: skip
    with xr.open_dataset(waves) as ds:  # the wave product has Stokes drift, not currents
        only = ds[["VSDX", "VSDY"]].load()
    stokes = tmp_path / "cmems_stokes.nc"
    only.to_netcdf(stokes)
    glon, glat = np.arange(9.0, 17.01, 0.25), np.arange(37.0, 30.99, -0.25)
    steps = np.arange(0, hours + 1, 3)
    wu, wv = smooth_winds(glon, glat, steps)
    wind = write_grib_winds(tmp_path / "ecmwf.grib2", glon, glat, RUN, steps, wu, wv)
    return {"current": cur, "stokes": stokes, "wind": wind}


def _library(root: Path, files: dict[str, Path]) -> ForcingLibrary:
    library = ForcingLibrary(root)
    library.add(files["current"], provider="copernicus-marine",
                product_id="cmems_mod_med_phy-cur_anfc_4.2km_PT1H-m", run_time=RUN)  # fmt: skip
    library.add(files["stokes"], provider="copernicus-marine",
                product_id="cmems_mod_med_wav_anfc_4.2km_PT1H-i", run_time=RUN)  # fmt: skip
    library.add(files["wind"], provider="ecmwf-opendata", product_id="ifs-0p25-oper-10m-wind")
    return library


def _drift(currents, winds, stokes, hours=48):  # type: ignore[no-untyped-def]
    req = DriftRequest(lon=LON, lat=LAT, time=START, hours=hours, particles=2000, seed=21,
                       currents=currents, winds=winds, stokes=stokes)  # fmt: skip
    return predict_drift(req).summary.final


def test_a_drift_from_the_pack_stays_within_half_a_km_and_2_percent_of_the_full_files(tmp_path):
    files = _sea(tmp_path)
    library = _library(tmp_path / "forcing", files)
    report = pack_area(library, lon=LON, lat=LAT, start=START, hours=72,
                       out=tmp_path / "case.zip", label="c1")  # fmt: skip
    aboard = ForcingLibrary(tmp_path / "aboard")
    entry = unpack(aboard, report.path, expected_sha256=report.sha256)
    assert set(entry.roles) == {"current", "wind", "stokes"}
    assert entry.provider == "pack" and entry.run_time == "2026-11-20T00:00:00Z"
    # the drift record of a run on the pack names the products it was cut from
    (wind_from,) = entry.source_for("wind", aboard.root).product()["packed_from"]
    assert wind_from["provider"] == "ecmwf-opendata" and wind_from["role"] == "wind"
    assert wind_from["sha256"] == [hashlib.sha256(files["wind"].read_bytes()).hexdigest()]
    packed = aboard.path(entry)
    full = _drift((files["current"],), (files["wind"],), (files["stokes"],))
    from_pack = _drift((packed,), (packed,), (packed,))
    a, b = (full.centroid_lon, full.centroid_lat), (from_pack.centroid_lon, from_pack.centroid_lat)
    km = 1.852 * float(geodesic_distance_nm(*a, *b))
    spread = abs(from_pack.std_km / full.std_km - 1.0)
    print(f"pack {report.bytes} bytes; centroid {km * 1000:.1f} m apart; spread {spread:.3%}")
    assert km < 0.5
    assert spread < 0.02
    # the cloud went somewhere (48 h of wind, current, Stokes) and stayed in the pack's box
    moved = 1.852 * float(geodesic_distance_nm(LON, LAT, full.centroid_lon, full.centroid_lat))
    assert moved > 20.0
    assert from_pack.status.out_of_domain == 0


def test_a_200_km_box_for_72_h_packs_below_2_mb_and_rounds_to_its_quantum(tmp_path):
    files = _sea(tmp_path)
    library = _library(tmp_path / "forcing", files)
    report = pack_area(library, lon=LON, lat=LAT, start=START, hours=72, radius_km=100,
                       out=tmp_path / "p.zip")  # fmt: skip
    assert report.bytes <= 2_000_000
    m = report.manifest
    assert m["box_km"] == [200.0, 200.0] and m["quantum_ms"]["wind"] == 0.01
    assert [p["role"] for p in m["products"]] == ["current", "wind", "stokes"]
    assert m["products"][0]["sha256"] == [hashlib.sha256(files["current"].read_bytes()).hexdigest()]
    with zipfile.ZipFile(report.path) as z:
        (tmp_path / "f.nc").write_bytes(z.read("forcing.nc"))
    with xr.open_dataset(tmp_path / "f.nc", mask_and_scale=False) as raw:
        assert raw["uo"].dtype == np.int16 and raw["uo"].attrs["scale_factor"] == 0.001
    with xr.open_dataset(tmp_path / "f.nc") as packed, xr.open_dataset(files["current"]) as src:
        pu = packed["uo"]
        ref = src["uo"].isel(depth=0).sel(longitude=pu["lon_current"], latitude=pu["lat_current"],
                                          time=pu["time_current"], method="nearest")  # fmt: skip
        err = np.abs(pu.values - ref.values)
        assert np.nanmax(err) <= 0.0005 + 1e-6  # half the 1 mm/s quantum
    _, lat0, _, lat1 = m["area"]
    assert (lat1 - lat0) * 111.195 == pytest.approx(200, rel=0.01)


def test_a_damaged_pack_never_enters_the_library(tmp_path):
    files = _sea(tmp_path, hours=30)
    library = _library(tmp_path / "forcing", files)
    report = pack_area(library, lon=LON, lat=LAT, start=START, hours=24, out=tmp_path / "p.zip")
    aboard = ForcingLibrary(tmp_path / "aboard")
    data = bytearray(report.path.read_bytes())
    with pytest.raises(ForcingError, match=r"damaged in transit.*not added"):
        unpack(aboard, report.path, expected_sha256="0" * 64)
    # one byte of the NetCDF flipped, the zip rebuilt with the old manifest
    with zipfile.ZipFile(report.path) as z:
        manifest, nc = z.read("manifest.json"), bytearray(z.read("forcing.nc"))
    nc[len(nc) // 2] ^= 0x01
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("manifest.json", manifest)
        z.writestr("forcing.nc", bytes(nc))
    with pytest.raises(ForcingError, match=r"damaged in transit"):
        unpack(aboard, bad)
    truncated = tmp_path / "cut.zip"
    truncated.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(ForcingError, match=r"not a readable forcing pack"):
        unpack(aboard, truncated)
    assert aboard.entries() == []
    assert not list((aboard.root / ".staging").glob("*.nc"))


def test_an_existing_pack_is_replaced_only_with_force_and_only_once_written_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sarwatch.errors import InputError

    library = _library(tmp_path / "forcing", _sea(tmp_path, hours=30))
    out = tmp_path / "packs" / "p.zip"
    args = {"lon": LON, "lat": LAT, "start": START, "hours": 24, "radius_km": 50, "out": out}
    first = pack_area(library, **args)  # type: ignore[arg-type]
    sent = out.read_bytes()
    assert hashlib.sha256(sent).hexdigest() == first.sha256
    with pytest.raises(InputError) as err:
        pack_area(library, **args)  # type: ignore[arg-type]
    assert str(err.value).startswith(f"the pack file {out} already exists")
    assert "another file with --out, or --force to replace it" in str(err.value)

    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:  # the new pack fails half-way through the zip
        m.setattr(zipfile.ZipFile, "write", disk_full)
        with pytest.raises(OSError, match="No space left"):
            pack_area(library, **args, force=True)  # type: ignore[arg-type]
    assert out.read_bytes() == sent  # the pack sent aboard is still the one ashore
    assert [p.name for p in out.parent.iterdir()] == ["p.zip"]  # no temporary file left
    second = pack_area(library, **args, force=True)  # type: ignore[arg-type]
    assert hashlib.sha256(out.read_bytes()).hexdigest() == second.sha256
    assert unpack(ForcingLibrary(tmp_path / "aboard"), out, expected_sha256=second.sha256)


def test_the_cli_packs_for_a_case_and_unpacks_with_the_hash(home, tmp_path, capsys):
    files = _sea(tmp_path, hours=30)
    _library(home / "forcing", files)
    case_id = open_case(capsys, time="2026-11-20T04:10:00Z")
    out = tmp_path / "pack.zip"
    code, text, err = run_cli(capsys, "forcing", "pack", "--case", case_id, "--hours", "24",
                              "--out", str(out))  # fmt: skip
    assert code == 0, err
    assert f"{out}: " in text and "MB" in text and "reach" in text
    assert "current: copernicus-marine cmems_mod_med_phy-cur_anfc_4.2km_PT1H-m run" in text
    sha = hashlib.sha256(out.read_bytes()).hexdigest()
    assert f"sarwatch forcing unpack pack.zip --sha256 {sha}" in text
    code, text, err = run_cli(capsys, "forcing", "unpack", str(out), "--sha256", sha)
    assert code == 0, err and "checked" in text
    code, text, err = run_cli(capsys, "forcing", "list", "--json")
    packs = [e for e in json.loads(text) if e["provider"] == "pack"]
    assert len(packs) == 1 and packs[0]["source"] == "unpack"
    code, text, err = run_cli(capsys, "forcing", "unpack", str(out), "--sha256", "ab" * 32)
    assert code != 0 and "damaged in transit" in err
