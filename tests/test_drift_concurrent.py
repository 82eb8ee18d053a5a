"""Two drift runs at once on two threads, as a station's job runner runs them: each
gives exactly what it gives alone (particles, hourly statistics, drift.nc, GeoJSON).

Both runs read NetCDF forcing and write drift.nc, so this also exercises the process's
NetCDF lock (``sarwatch.adapters.netcdf_lock``) and numba's parallel kernels entered from
two threads.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from _forcing import write_regular_current
from _forecast import write_netcdf_winds
from sarwatch.adapters.exports.drift_tracks_read import read_run_tracks
from sarwatch.services.drift import DriftRequest, DriftResult, predict_drift

START = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def forcing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A current turning and a wind veering over 12 h, 0.1° grids round 33°N 12.5°E."""
    folder = tmp_path_factory.mktemp("forcing")
    lon = np.round(np.arange(11.0, 14.01, 0.1), 6)
    lat = np.round(np.arange(32.0, 35.01, 0.1), 6)
    times = pd.date_range("2026-11-20T00:00", periods=13, freq="h")
    h = np.arange(times.size, dtype=float)[:, None, None]
    lo, la = np.meshgrid(lon, lat)
    cu = 0.3 * np.cos(np.radians(15 * h + 10 * (la - 33))) + 0 * lo
    cv = 0.3 * np.sin(np.radians(15 * h + 10 * (lo - 12)))
    wu = 8.0 + 0.5 * h + 0 * lo
    wv = -4.0 + 0.3 * (la - 33) + 0 * h
    return (
        write_regular_current(folder / "currents.nc", lon, lat, times, cu, cv),
        write_netcdf_winds(folder / "winds.nc", lon, lat, times, wu, wv),
    )


def _run(forcing: tuple[Path, Path], out: Path, lon: float, seed: int) -> DriftResult:
    req = DriftRequest(
        lon=lon, lat=33.2, time=START, hours=6, particles=3000, currents=(forcing[0],),
        winds=(forcing[1],), object_class="LIFE-RAFT-NB-2", seed=seed,
    )  # fmt: skip
    return predict_drift(req, out_dir=out)


def _facts(result: DriftResult) -> dict[str, Any]:
    out = Path(result.files["netcdf"]).parent
    tracks = read_run_tracks(out / "drift.nc")
    return {
        "lon": result.final_lon.copy(),
        "lat": result.final_lat.copy(),
        "status": result.final_status.copy(),
        "hourly": [s.to_json() for s in result.summary.outputs],
        "nc_lon": tracks.lon,
        "nc_lat": tracks.lat,
        "geojson": (out / "drift.geojson").read_bytes(),
    }


def test_two_runs_on_two_threads_give_what_each_gives_alone(
    forcing: tuple[Path, Path], tmp_path: Path, land_mask: Any
) -> None:
    jobs = [(12.5, 3), (12.9, 4)]
    alone = [_facts(_run(forcing, tmp_path / f"alone{k}", *job)) for k, job in enumerate(jobs)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(
            pool.map(lambda kj: _run(forcing, tmp_path / f"together{kj[0]}", *kj[1]),
                     enumerate(jobs))
        )  # fmt: skip
    together = [_facts(r) for r in results]
    assert not np.array_equal(alone[0]["lon"], alone[1]["lon"])  # two different runs
    for a, b in zip(alone, together, strict=True):
        for key in ("lon", "lat", "status", "nc_lon", "nc_lat"):
            assert np.array_equal(a[key], b[key], equal_nan=True), key
        assert a["hourly"] == b["hourly"]
        assert a["geojson"] == b["geojson"]
