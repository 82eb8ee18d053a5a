# ruff: noqa: F811  (pytest fixtures imported from the harness are parameters here)
"""The drift form takes its forcing from the forecast library and says which; the
on-scene wind stays as the override (headless Chromium)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from _browser import LAPTOP, Page, browser, laptop, make_token, server  # noqa: F401
from _forecast import smooth_winds, write_cmems_currents, write_grib_winds
from sarwatch.services.forcing_library import ForcingLibrary

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def token(server, tmp_path_factory):
    server.require("GET", "/api/forcing", "the forcing library API (issue 14)")
    run = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=4)
    folder = tmp_path_factory.mktemp("forecasts")
    lon, lat = np.arange(11.0, 15.01, 0.25), np.arange(31.5, 35.51, 0.25)
    times = pd.date_range(run.replace(tzinfo=None), periods=31, freq="h")
    shape = (times.size, lat.size, lon.size)
    cur = write_cmems_currents(folder / "cmems.nc", lon, lat, times, np.full(shape, 0.3, "f4"),
                               np.zeros(shape, "f4"))  # fmt: skip
    steps = np.arange(0, 31, 3)
    u, v = smooth_winds(lon, lat[::-1], steps)
    wind = write_grib_winds(folder / "ecmwf.grib2", lon, lat[::-1], run, steps, u, v)
    library = ForcingLibrary(server.home / "forcing")
    library.add(cur, provider="copernicus-marine", product_id="cmems-test", run_time=run)
    library.add(wind, provider="ecmwf-opendata", product_id="ifs-test")
    return make_token(server, "fred", "coordinator")


def _form(page: Page, token: str):  # type: ignore[no-untyped-def]
    p = page.open("/", token=token)
    p.wait_for_selector("#role[data-role='coordinator']", timeout=10_000)
    p.click(".sw-tabs button[data-tab='drift']")
    when = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    p.fill("#drift-form input[name='position']", "33 36.0N 012 54.0E")
    p.fill("#drift-form input[name='time']", when)
    p.fill("#drift-form input[name='hours']", "2")
    p.fill("#drift-form input[name='particles']", "500")
    p.dispatch_event("#drift-form input[name='hours']", "change")
    return p


def test_the_form_shows_the_library_forecasts_and_the_run_uses_them(laptop, token):
    page = _form(laptop, token)
    box = "#drift-form [data-field='drift-forcing']"
    page.wait_for_selector(f"{box}[data-wind='library']", timeout=15_000)
    text = page.inner_text(box)
    assert "wind: ecmwf-opendata ifs-test run" in text
    assert "current: copernicus-marine cmems-test run" in text
    page.click("#drift-form button[type='submit']")
    page.wait_for_selector("#drift-progress[data-state='done']", timeout=180_000)
    page.wait_for_selector("#drift-forcing-used", timeout=30_000)
    used = page.inner_text("#drift-forcing-used")
    assert "wind: ecmwf-opendata ifs-test run" in used and "current: copernicus-marine" in used
    run_id = page.get_attribute("#drift-progress", "data-run-id")
    _, run = laptop.server.request("GET", f"/api/drift/{run_id}", token=token)
    assert run["request"]["wind_kn"] is None and run["request"]["use_library"] is True


def test_the_on_scene_wind_overrides_the_forecast(laptop, token):
    page = _form(laptop, token)
    box = "#drift-form [data-field='drift-forcing']"
    page.wait_for_selector(f"{box}[data-wind='library']", timeout=15_000)
    page.check(f"{box} input[name='wind_override']")
    page.wait_for_selector(f"{box}[data-wind='on-scene']", timeout=15_000)
    assert "wind: on-scene values (override)" in page.inner_text(box)
    page.click("#drift-form button[type='submit']")
    page.wait_for_selector("#drift-progress[data-state='done']", timeout=180_000)
    run_id = page.get_attribute("#drift-progress", "data-run-id")
    _, run = laptop.server.request("GET", f"/api/drift/{run_id}", token=token)
    assert run["request"]["wind_kn"] == 15 and run["request"]["wind_from"] == 330
