"""``sarwatch forcing fetch`` with the real ``copernicusmarine`` toolbox, end to end on loopback.

The toolbox reads its configuration once, at import, from environment variables, so it
runs in a ``sarwatch`` subprocess whose environment points it at :mod:`_cmems`'s server:
its own ``COPERNICUSMARINE_CONFIG_URL`` and ``COPERNICUSMARINE_SET_SSL_CERTIFICATE_PATH``,
the standard ``HTTP(S)_PROXY`` and the credentials in
``COPERNICUSMARINE_SERVICE_USERNAME``/``_PASSWORD``. Nothing of the toolbox is patched: it
logs in (Keycloak token and userinfo over TLS), reads the client configuration and the
STAC catalogue, chooses the ARCO service, opens the Zarr store through S3 with boto3,
cuts it with xarray and writes the NetCDF that the library then takes in.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from _cmems import CmemsServer, Dataset, make_certificate, serve_cmems
from sarwatch.adapters.forecast import CopernicusMarine, FetchRequest
from sarwatch.errors import ForcingError

pytest.importorskip("copernicusmarine")

CURRENTS = "cmems_mod_med_phy-cur_anfc_4.2km_PT1H-m"
WAVES = "cmems_mod_med_wav_anfc_4.2km_PT1H-i"
USER, PASSWORD = "ana-test", "s3cret-Pa55"
ELEVATION_M = np.array([-3.1657474, -1.0182366])  # ARCO's elevation: up, surface last
LON = np.arange(5.0, 25.01, 0.5)
LAT = np.arange(30.0, 40.01, 0.5)


def _fields(times: pd.DatetimeIndex) -> tuple[xr.Dataset, xr.Dataset]:
    """Currents on two levels and waves, each a known function of place, time and level."""
    h = ((times - times[0]) / pd.Timedelta(hours=1)).to_numpy(float)
    t4, z4 = h[:, None, None, None], ELEVATION_M[None, :, None, None]
    y4, x4 = LAT[None, None, :, None], LON[None, None, None, :]
    u = 0.01 * x4 + 0.001 * t4 + 0.1 * z4 + 0 * y4
    v = 0.02 * y4 - 0.0005 * t4 + 0 * x4 + 0 * z4
    dims = ("time", "elevation", "latitude", "longitude")
    coords = {
        "time": times,
        "latitude": ("latitude", LAT, {"units": "degrees_north", "standard_name": "latitude"}),
        "longitude": ("longitude", LON, {"units": "degrees_east", "standard_name": "longitude"}),
    }
    speed = {"units": "m s-1"}
    currents = xr.Dataset(
        {
            "uo": (dims, u.astype("f4"), {**speed, "standard_name": "eastward_sea_water_velocity"}),
            "vo": (
                dims,
                v.astype("f4"),
                {**speed, "standard_name": "northward_sea_water_velocity"},
            ),
        },
        coords={
            **coords,
            "elevation": (
                "elevation",
                ELEVATION_M,
                {"units": "m", "positive": "up", "standard_name": "elevation"},
            ),
        },
    )
    d3 = ("time", "latitude", "longitude")
    hs = 1.0 + 0.05 * LON[None, None, :] + 0.01 * h[:, None, None] + 0 * LAT[None, :, None]
    waves = xr.Dataset(
        {
            "VHM0": (
                d3,
                hs.astype("f4"),
                {"units": "m", "standard_name": "sea_surface_wave_significant_height"},
            ),
            "VSDX": (
                d3,
                (0.02 * hs).astype("f4"),
                {**speed, "standard_name": "sea_surface_wave_stokes_drift_x_velocity"},
            ),
            "VSDY": (
                d3,
                (-0.01 * hs).astype("f4"),
                {**speed, "standard_name": "sea_surface_wave_stokes_drift_y_velocity"},
            ),
            "VTM10": (
                d3,
                (5 + 0 * hs).astype("f4"),  # a variable nobody asked for
                {"units": "s", "standard_name": "sea_surface_wave_mean_period"},
            ),
        },
        coords=coords,
    )
    return currents, waves


@pytest.fixture(scope="module")
def marine(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The Marine Data Store on loopback: the two Mediterranean datasets, 6 days hourly."""
    root = tmp_path_factory.mktemp("cmems")
    now = datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)
    times = pd.date_range(now - timedelta(days=2), periods=24 * 6, freq="h")
    currents, waves = _fields(times)
    stores = {  # as the Marine Data Store chunks them, scaled down
        "timeChunked": {"time": 24, "elevation": 1, "latitude": LAT.size, "longitude": LON.size},
        "geoChunked": {"time": times.size, "elevation": 1, "latitude": 8, "longitude": 8},
    }
    state = CmemsServer(
        [
            Dataset(CURRENTS, "MEDSEA_ANALYSISFORECAST_PHY_006_013", "202411", currents, stores),
            Dataset(WAVES, "MEDSEA_ANALYSISFORECAST_WAV_006_017", "202411", waves, stores),
        ],
        root / "s3",
        USER,
        PASSWORD,
    )
    state.write_stores()
    cert, key = make_certificate(root / "tls")
    with serve_cmems(state, cert, key) as server:
        yield server, cert, times[0]


def _sarwatch(
    server: CmemsServer, cert: Path, tmp: Path, password: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """``sarwatch ARGS`` in a subprocess whose toolbox is configured for ``server``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if "proxy" not in k.lower()
        and not k.startswith(("COPERNICUSMARINE_", "COPERNICUS_MARINE_", "AWS_"))
        and k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")  # requests prefers these
    }
    env.update(
        HTTP_PROXY=server.proxy_url,
        HTTPS_PROXY=server.proxy_url,
        COPERNICUSMARINE_CONFIG_URL=server.config_url,
        COPERNICUSMARINE_SET_SSL_CERTIFICATE_PATH=str(cert),
        COPERNICUSMARINE_SERVICE_USERNAME=USER,
        COPERNICUSMARINE_SERVICE_PASSWORD=password,
        COPERNICUSMARINE_CREDENTIALS_DIRECTORY=str(tmp / "cmems-config"),  # stays empty
        AWS_CONFIG_FILE=str(tmp / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp / "no-aws-credentials"),
    )
    return subprocess.run(
        [sys.executable, "-m", "sarwatch", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _bulletin(t: datetime) -> str:
    return f"{(t - timedelta(hours=12)):%Y-%m-%d}T00:00:00Z"


def test_the_toolbox_fetches_currents_and_waves_cut_to_the_area_period_and_surface(
    home, tmp_path, marine
):
    server, cert, first = marine
    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    t0, t1 = day + timedelta(hours=3), day + timedelta(hours=9)  # inside one UTC day
    before = len(server.log)
    runs = {_bulletin(datetime.now(UTC))}
    out = _sarwatch(
        server,
        cert,
        tmp_path,
        PASSWORD,
        "forcing",
        "fetch",
        "--kinds",
        "currents,waves",
        "--from",
        f"{t0:%Y-%m-%dT%H:%MZ}",
        "--to",
        f"{t1:%Y-%m-%dT%H:%MZ}",
        "--area",
        "11,32,16,36",
        "-q",
    )
    runs.add(_bulletin(datetime.now(UTC)))
    assert out.returncode == 0, out.stderr[-3000:]
    assert f"currents: copernicus-marine {CURRENTS} run " in out.stdout
    assert f"waves: copernicus-marine {WAVES} run " in out.stdout
    assert PASSWORD not in out.stdout + out.stderr
    # the toolbox's progress notes stay out of the fetch's output, and the request fits
    # the product (no "subset selection exceed the dataset coordinates" for the depth)
    assert "INFO" not in out.stderr and "exceed" not in out.stderr, out.stderr[-3000:]

    log = server.log[before:]
    asked = [(method, url.split("?")[0], status) for method, url, status in log]
    probes = (".zattrs", ".zgroup", ".zarray", "zarr.json")  # a Zarr reader may look for
    refused = [a for a in asked if a[2] != 200 and not a[1].endswith(probes)]
    assert refused == []  # a missing chunk would also show as NaN in the values below
    token = ("POST", "https://auth.marine.copernicus.eu/realms/MIS/protocol/openid-connect/token")
    assert [a[:2] for a in asked].count(token) == 2  # logged in once per dataset
    zarr = [url for _, url, _ in asked if url.startswith("http://s3.test/")]
    # maps of a few hours: the toolbox chose the time-chunked store, which needs fewer
    # chunks (its count: 4 against 16 for the geo-chunked tiles)
    assert zarr and all("/timeChunked.zarr/" in u for u in zarr)
    # only the surface level of the currents travelled (elevation index 1 of 2)
    cur_chunks = [u.rsplit("/", 2)[-2:] for u in zarr if CURRENTS in u and "/uo/" in u]
    assert cur_chunks and all(c[1].split(".")[1] == "1" for c in cur_chunks)
    # only the three wave variables asked for, never the period
    assert any("/VSDX/" in u for u in zarr) and not any("/VTM10/" in u for u in zarr)
    # the toolbox's monitoring tags name the user, never the password
    assert all("x-cop-user=" + USER in url for _, url, _ in log if url.startswith("http://s3"))

    index = json.loads((home / "forcing" / "library.json").read_text())
    entries = index["files"] if isinstance(index, dict) else index
    by_product = {e["product_id"]: e for e in entries}
    assert set(by_product) == {CURRENTS, WAVES}
    for e in entries:
        assert e["provider"] == "copernicus-marine" and e["source"] == "fetch"
        assert e["run_time"] in runs
        path = home / "forcing" / e["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == e["sha256"]
        assert path.stat().st_size == e["bytes"]

    with xr.open_dataset(home / "forcing" / by_product[CURRENTS]["file"]) as ds:
        assert set(ds.data_vars) == {"uo", "vo"}
        np.testing.assert_allclose(ds.depth.values, [1.0182366], rtol=1e-6)  # down, not up
        lon, lat = ds.longitude.values, ds.latitude.values
        assert (lon.min(), lon.max(), lat.min(), lat.max()) == (11.0, 16.0, 32.0, 36.0)
        times = pd.DatetimeIndex(ds.time.values)
        assert times[0] == pd.Timestamp(t0).tz_convert(None)
        assert times[-1] == pd.Timestamp(t1).tz_convert(None) and times.size == 7
        h = ((times - first) / pd.Timedelta(hours=1)).to_numpy(float)
        x, y, t = lon[None, None, :], lat[None, :, None], h[:, None, None]
        want_u = 0.01 * x + 0.001 * t + 0.1 * -1.0182366 + 0 * y  # the surface level's
        np.testing.assert_allclose(ds.uo.values[:, 0], want_u, atol=1e-5)
        want_v = 0.02 * y - 0.0005 * t + 0 * x
        np.testing.assert_allclose(ds.vo.values[:, 0], want_v, atol=1e-5)
    with xr.open_dataset(home / "forcing" / by_product[WAVES]["file"]) as ds:
        assert set(ds.data_vars) == {"VHM0", "VSDX", "VSDY"}
        assert "depth" not in ds.dims
        assert ds.VSDX.attrs["standard_name"] == "sea_surface_wave_stokes_drift_x_velocity"
    roles = {e["product_id"]: set(e["roles"]) for e in entries}
    assert roles[CURRENTS] == {"current"} and "stokes" in roles[WAVES]

    # fetched again: what the library holds intact is skipped before the toolbox is asked
    before = len(server.log)
    again = _sarwatch(
        server, cert, tmp_path, PASSWORD, "forcing", "fetch", "--kinds", "currents,waves",
        "--from", f"{t0:%Y-%m-%dT%H:%MZ}", "--to", f"{t1:%Y-%m-%dT%H:%MZ}",
        "--area", "11,32,16,36", "-q",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr[-3000:]
    assert "0 files fetched, 1 already in the library" in again.stdout
    assert server.log[before:] == []


def test_credentials_the_login_service_refuses_give_one_line_and_nothing_enters(
    home, tmp_path, marine
):
    server, cert, _ = marine
    before = len(server.log)
    out = _sarwatch(
        server,
        cert,
        tmp_path,
        "wrong-Pa55",
        "forcing",
        "fetch",
        "--kinds",
        "currents",
        "--area",
        "11,32,16,36",
        "-q",
    )
    assert out.returncode == 1
    warnings = [line for line in out.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, out.stderr[-3000:]
    (line,) = warnings
    assert "Copernicus Marine refused the credentials" in line
    assert "copernicusmarine login" in line and "COPERNICUSMARINE_SERVICE_USERNAME" in line
    assert "wrong-Pa55" not in out.stdout + out.stderr and USER not in line
    asked = [(m, url.split("?")[0], status) for m, url, status in server.log[before:]]
    assert (
        "POST",
        "https://auth.marine.copernicus.eu/realms/MIS/protocol/openid-connect/token",
        401,
    ) in asked
    assert not any(url.startswith(("http://stac.test", "http://s3.test")) for _, url, _ in asked)
    assert not (home / "forcing" / "library.json").exists() or not json.loads(
        (home / "forcing" / "library.json").read_text()
    ).get("files")


@pytest.mark.parametrize(
    ("status", "says"),
    [
        (401, "refused the credentials"),
        (403, "refused the credentials"),
        (503, "cannot be reached"),
        (None, "cannot be reached"),
    ],
)
def test_a_login_failure_is_told_apart_from_a_network_failure(tmp_path, status, says):
    """Toolbox 2.5 reports both as ``CouldNotConnectToAuthenticationSystem``, raised while
    handling the HTTP error (401 from Keycloak) or the connection error."""
    import requests
    from copernicusmarine.core_functions.credentials_utils import (
        CouldNotConnectToAuthenticationSystem,
    )

    def subset(**kw):  # type: ignore[no-untyped-def]
        if status is None:
            cause: Exception = requests.ConnectionError("connection refused")
        else:
            response = requests.Response()
            response.status_code = status
            cause = requests.HTTPError(f"{status} for url", response=response)
        try:
            raise cause
        except requests.RequestException:
            raise CouldNotConnectToAuthenticationSystem()  # noqa: B904 (as the toolbox does)

    now = datetime.now(UTC)
    item = CopernicusMarine("currents").plan(
        FetchRequest(area=(11, 32, 16, 36), start=now, end=now + timedelta(hours=3), now=now)
    )[0]
    with pytest.raises(ForcingError) as info:
        CopernicusMarine("currents", subset=subset).fetch(item, tmp_path)
    assert says in str(info.value)
