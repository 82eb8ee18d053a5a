"""Drift outside the packaged Central Mediterranean: off Spain, on forcing made here.

The land mask for stranding is built from GSHHG tiles for the run's area (first use
reads the world's coastline once: ~10 s, ~1.5 GB; then cached per 5° tile).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from _forcing import write_regular_current
from sarwatch.errors import PositionOnLandError
from sarwatch.services.drift import DriftRequest, check_drift_request, predict_drift

START = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)


def _alboran_current(path, v_ms=0.6):
    """A uniform northward current over the Alboran Sea (Málaga's coast lies north)."""
    lon = np.arange(-6.0, -1.0 + 1e-9, 0.05)
    lat = np.arange(35.0, 37.5 + 1e-9, 0.05)
    times = pd.to_datetime(np.datetime64("2026-11-20T00:00")) + pd.to_timedelta(np.arange(13), "h")
    shape = (times.size, lat.size, lon.size)
    return write_regular_current(path, lon, lat, times, np.zeros(shape), np.full(shape, v_ms))


def test_a_drift_off_malaga_strands_on_the_spanish_coast(tmp_path):
    req = DriftRequest(
        lon=-4.40, lat=36.60, time=START, hours=12, particles=400, radius_m=500.0,
        currents=(_alboran_current(tmp_path / "alboran.nc"),), wind_kn=0.0, wind_from_deg=0.0,
        object_class="PIW-1", seed=3,
    )  # fmt: skip
    result = predict_drift(req)
    final = result.summary.to_json()["final"]
    # 0.6 m/s north for 12 h is 26 km: the coast (36.72°N here) stops every particle.
    assert final["stranded_share"] > 0.95
    stranded = result.final_status == 1
    assert np.all((result.final_lat[stranded] > 36.66) & (result.final_lat[stranded] < 36.80))
    # The SAR-region share says where it is instead of refusing.
    assert final["srr_share"]["outside_packaged_regions"] == pytest.approx(1.0)
    assert final["srr_share"]["none"] == pytest.approx(1.0)


def test_a_start_on_land_in_spain_is_refused():
    req = DriftRequest(lon=-3.60, lat=37.18, time=START, wind_kn=5.0, wind_from_deg=0.0)
    with pytest.raises(PositionOnLandError, match="on land"):
        check_drift_request(req)  # Granada
