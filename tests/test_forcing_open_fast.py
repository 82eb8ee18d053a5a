"""Opening a forcing file without the cost of xarray's backend discovery.

A file that starts like NetCDF-4 (HDF5) or classic NetCDF is opened with the netCDF4
backend named directly: xarray then does not build every installed backend (which
imports cfgrib and ecCodes). These tests pin that the fast path is taken for both
families, gives the dataset xarray's own choice gives, and that anything else, a
truncated download included, still gets today's error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from xarray.backends import plugins

from sarwatch.adapters.forcing import netcdf
from sarwatch.adapters.forcing.regrid import fill_from_nearest_sea
from sarwatch.adapters.forcing.units import _IDENTITY, length_scale_m, speed_scale_ms
from sarwatch.errors import ForcingError

T0 = np.datetime64("2026-11-20T00:00:00", "s")


def _write(path: Path, fmt: str) -> Path:
    lon = np.arange(10.0, 14.01, 0.5)
    lat = np.arange(31.0, 34.01, 0.5)
    hours = np.arange(6.0)
    u = (lon[None, None, :] + lat[None, :, None] / 100 + hours[:, None, None] / 1000).astype("f4")
    ds = xr.Dataset(
        {
            "uo": (("time", "latitude", "longitude"), u,
                   {"standard_name": "eastward_sea_water_velocity", "units": "m s-1"}),
            "vo": (("time", "latitude", "longitude"), -u,
                   {"standard_name": "northward_sea_water_velocity", "units": "m s-1"}),
        },
        coords={"time": pd.to_datetime(T0) + pd.to_timedelta(hours, "h"), "latitude": lat,
                "longitude": lon},
    )  # fmt: skip
    ds.to_netcdf(path, format=fmt)
    return path


def _no_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("xarray's backend discovery was used")

    monkeypatch.setattr(plugins, "guess_engine", refuse)
    monkeypatch.setattr(plugins, "list_engines", refuse)


@pytest.mark.parametrize(
    ("fmt", "magic"),
    [("NETCDF4", b"\x89HDF\r\n\x1a\n"), ("NETCDF4_CLASSIC", b"\x89HDF\r\n\x1a\n"),
     ("NETCDF3_CLASSIC", b"CDF\x01"), ("NETCDF3_64BIT", b"CDF\x02")],
)  # fmt: skip
def test_netcdf4_and_classic_files_open_without_backend_discovery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, magic: bytes
) -> None:
    path = _write(tmp_path / "currents.nc", fmt)
    assert path.read_bytes().startswith(magic)
    with xr.open_dataset(path) as expected:  # xarray's own choice of backend
        _no_discovery(monkeypatch)
        ds = netcdf._open(path, "current")
        try:
            xr.testing.assert_identical(ds, expected)
            assert ds["uo"].encoding["source"] == expected["uo"].encoding["source"]
        finally:
            ds.close()
    field = netcdf.open_vector_field(
        [path], "current", t_first=T0 + np.timedelta64(1, "h"),
        t_last=T0 + np.timedelta64(4, "h"), lon=12.0, lat=32.5,
    )  # fmt: skip
    lo, la = np.meshgrid(field.lon0 + field.dlon * np.arange(field.u.shape[2]),
                         field.lat0 + field.dlat * np.arange(field.u.shape[1]))  # fmt: skip
    np.testing.assert_allclose(field.u[0], lo + la / 100 + 1 / 1000, rtol=1e-6)


_THREADS_SCRIPT = """
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from sarwatch.adapters.forcing import netcdf

t0 = np.datetime64(sys.argv[1])
paths = sys.argv[2:]


def load(path):
    field = netcdf.open_vector_field(
        [path], "current", t_first=t0, t_last=t0 + np.timedelta64(5, "h"), lon=12.0, lat=32.5
    )
    return field.u, field.v


expected = {p: load(p) for p in paths}
for _ in range(20):
    with ThreadPoolExecutor(max_workers=4) as pool:
        for p, (u, v) in zip(paths * 4, pool.map(load, paths * 4)):
            assert np.array_equal(u, expected[p][0], equal_nan=True), p
            assert np.array_equal(v, expected[p][1], equal_nan=True), p
print("ok")
"""


def test_files_opened_by_several_threads_at_once_read_the_same_values(tmp_path: Path) -> None:
    """The station runs drift jobs on several threads: NetCDF-4 and classic files opened
    and read by four threads at once, 20 times over, give exactly what one thread reads.
    Without the process's NetCDF lock (``sarwatch.adapters.netcdf_lock``) this read "NetCDF:
    HDF error" or crashed with a segmentation fault or a bus error within a few rounds,
    hence a separate process."""
    paths = [_write(tmp_path / "a.nc", "NETCDF4"), _write(tmp_path / "b.nc", "NETCDF3_CLASSIC")]
    done = subprocess.run(
        [sys.executable, "-c", _THREADS_SCRIPT, str(T0), *map(str, paths)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == "ok", (done.returncode, done.stderr)


@pytest.mark.parametrize(
    ("head", "netcdf_like"),
    [(b"\x89HDF\r\n\x1a\n\x00\x00", True), (b"CDF\x01\x00\x00\x00\x00", True),
     (b"CDF\x02\x00", True), (b"CDF\x05\x00", True), (b"CDF\x03\x00", False),
     (b"GRIB\x00\x00\x00\x02", False), (b"<html>503</html>", False), (b"\x89HDF", False),
     (b"", False)],
)  # fmt: skip
def test_netcdf_is_recognised_by_its_first_bytes(
    tmp_path: Path, head: bytes, netcdf_like: bool
) -> None:
    path = tmp_path / "forcing.bin"
    path.write_bytes(head)
    assert netcdf._is_netcdf(path) is netcdf_like


def _message(path: Path) -> str:
    with pytest.raises(ForcingError) as info:
        netcdf._open(path)
    return str(info.value)


@pytest.mark.parametrize("kind", ["truncated-netcdf4", "truncated-classic", "html"])
def test_unreadable_files_get_the_error_of_the_general_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    full = _write(
        tmp_path / "full.nc", "NETCDF3_CLASSIC" if kind == "truncated-classic" else "NETCDF4"
    )
    path = tmp_path / "winds.nc"
    if kind == "html":
        path.write_text("<html>503 Service Unavailable</html>")  # a failed download
    else:
        path.write_bytes(full.read_bytes()[:300])  # an interrupted download
    fast = _message(path)
    assert "not a readable NetCDF file" in fast and "check that the download finished" in fast
    assert "engine" not in fast
    monkeypatch.setattr(netcdf, "_is_netcdf", lambda p: False)  # today's path only
    assert _message(path) == fast


def test_reading_netcdf_forcing_imports_neither_cfgrib_nor_scipy_ndimage(tmp_path: Path) -> None:
    """The point of the fast path: a fresh process opening a NetCDF file of currents
    without land does not import the GRIB stack or scipy.ndimage."""
    path = _write(tmp_path / "currents.nc", "NETCDF4")
    code = (
        "import sys, numpy as np\n"
        "from sarwatch.adapters.forcing import open_vector_field\n"
        "t = np.datetime64('2026-11-20T01:00:00', 's')\n"
        f"f = open_vector_field([{str(path)!r}], 'current', t_first=t,"
        " t_last=t + np.timedelta64(3, 'h'), lon=12.0, lat=32.5)\n"
        "assert f.u.shape[0] >= 4\n"
        "print(sorted(m for m in ('cfgrib', 'eccodes', 'gribapi', 'scipy.ndimage', 'cf_units')"
        " if m in sys.modules))\n"
    )
    env = dict(os.environ)
    src = str(Path(netcdf.__file__).parents[3])  # this checkout's sarwatch
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_fill_from_nearest_sea_fills_land_and_leaves_a_full_field_alone() -> None:
    u = np.arange(2 * 4 * 5, dtype=np.float32).reshape(2, 4, 5)
    v = -u
    assert fill_from_nearest_sea(u.copy(), v.copy()) == 0
    full = u.copy()
    assert fill_from_nearest_sea(full, -full) == 0 and np.array_equal(full, u)
    land = u.copy()
    land[:, 0, 0] = np.nan  # a land cell in a corner: its nearest sea cells are (0,1) and (1,0)
    land_v = -land
    assert fill_from_nearest_sea(land, land_v) == 1
    assert land[0, 0, 0] in (u[0, 0, 1], u[0, 1, 0]) and land_v[0, 0, 0] == -land[0, 0, 0]
    assert land[1, 0, 0] in (u[1, 0, 1], u[1, 1, 0])


@pytest.mark.parametrize(("target", "text"), [(t, s) for t in _IDENTITY for s in _IDENTITY[t]])
def test_spellings_read_without_udunits_are_exactly_the_target_for_udunits(
    target: str, text: str
) -> None:
    import cf_units

    unit = cf_units.Unit(text)
    assert unit.is_convertible(target) and float(unit.convert(1.0, target)) == 1.0
    scale = speed_scale_ms if target == "m s-1" else length_scale_m
    assert scale(text, where="test") == 1.0
