"""Compile the numerical kernels before their first use.

numba compiles a kernel the first time a process calls it and keeps the machine code in
its cache (``__pycache__`` beside the sources, or the user's cache directory where those
are read-only); later processes load it from there in milliseconds. A new install, or an
upgrade (which changes the sources), therefore pays for the compilation at its first use:
some 30 s at the first drift, seconds at the first route and the first plan. A coordinator
should not wait for that with a distress alert open.

:func:`compile_kernels` runs each computation once, on a tiny input, through the same use
cases as real work (a drift on gridded NetCDF forcing and one on on-scene observations,
backwards; a position assessment with its sea routes; search plans from a datum and from
the drift run; an intercept ranking), so that the kernels are compiled for the argument
types real work gives them (the property ``tests/test_warmup.py`` checks). Nothing is kept
but numba's cache: the runs' files go to a temporary directory.

First it byte-compiles sarwatch's own modules. pip does that for a regular install, but an
editable one (``make run``, ``make test``) leaves it to the first import, and an interpreter
told not to write byte code (``PYTHONDONTWRITEBYTECODE``, set on some shared machines)
compiles every module from source again in every process: some 0.07 s of each command's
start.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

__all__ = ["WarmupStep", "compile_kernels"]

#: A start at sea between Libya and Lampedusa, and the tiny gridded forcing around it.
_LON, _LAT = 12.8, 34.0
#: A start 3 km off Lampedusa: the kernels that spare far particles the land test.
_NEAR_LON, _NEAR_LAT = 12.58, 35.46
_START = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class WarmupStep:
    """One computation run to compile its kernels, and how long it took (s, wall)."""

    name: str
    seconds: float


def _write_forcing(folder: Path) -> tuple[Path, Path]:
    """Write a small CF-NetCDF current and wind file around the start; return the paths.

    The same layout as the products users load (CMEMS-like ``uo``/``vo`` and ERA5-like
    ``u10``/``v10`` with their standard names, float32, hourly), so the reader and the
    kernel see the same array types.
    """
    import xarray as xr

    times = np.datetime64(_START.replace(tzinfo=None), "ns") + np.arange(-1, 5) * np.timedelta64(
        1, "h"
    )
    lon = np.round(np.arange(12.0, 13.6001, 0.1), 6)
    lat = np.round(np.arange(33.4, 34.6001, 0.1), 6)
    shape = (times.size, lat.size, lon.size)
    dims = ("time", "latitude", "longitude")
    paths = []
    for name, names, std, speeds in (
        ("currents.nc", ("uo", "vo"), ("eastward_sea_water_velocity",
                                       "northward_sea_water_velocity"), (0.2, 0.1)),
        ("winds.nc", ("u10", "v10"), ("eastward_wind", "northward_wind"), (4.0, -6.0)),
    ):  # fmt: skip
        variables = {
            var: (dims, np.full(shape, s, np.float32), {"standard_name": sn, "units": "m s-1"})
            for var, sn, s in zip(names, std, speeds, strict=True)
        }
        ds = xr.Dataset(variables, coords={"time": times, "latitude": lat, "longitude": lon})
        ds["latitude"].attrs = {"standard_name": "latitude", "units": "degrees_north"}
        ds["longitude"].attrs = {"standard_name": "longitude", "units": "degrees_east"}
        ds["time"].attrs = {"standard_name": "time"}
        path = folder / name
        ds.to_netcdf(path, engine="netcdf4")
        paths.append(path)
    return paths[0], paths[1]


def _byte_code() -> None:
    """Byte-compile sarwatch's modules where they are writable (``__pycache__``).

    Up-to-date files are left as they are; a source edited later makes its byte code stale,
    and Python then compiles that module again (it checks the times). A read-only install
    is skipped quietly: pip compiled it.
    """
    import compileall

    import sarwatch

    compileall.compile_dir(Path(sarwatch.__file__).parent, quiet=2)


def _drift(work: Path, cache_dir: Path | None) -> None:
    from sarwatch.services.drift import DriftRequest, predict_drift

    currents, winds = _write_forcing(work)
    predict_drift(
        DriftRequest(
            lon=_LON, lat=_LAT, time=_START, currents=(currents,), winds=(winds,),
            particles=500, hours=3.0, seed=1,
        ),
        cache_dir=cache_dir,
        out_dir=work / "run",
    )  # fmt: skip
    predict_drift(
        DriftRequest(
            lon=_NEAR_LON, lat=_NEAR_LAT, time=_START + timedelta(hours=3), backward=True,
            wind_kn=12.0, wind_from_deg=320.0, current_kn=0.4, current_to_deg=100.0,
            particles=500, hours=3.0, seed=1,
        ),
        cache_dir=cache_dir,
    )  # fmt: skip


def _routes(cache_dir: Path | None) -> None:
    from sarwatch.services.assess import assess_position
    from sarwatch.settings import load_settings

    settings = load_settings() if cache_dir is None else load_settings(cache_dir=cache_dir)
    assess_position(_LON, _LAT, settings=settings)


def _plans(work: Path, cache_dir: Path | None) -> None:
    from sarwatch.services.planning import plan_search

    units = [
        {"name": "Air", "platform": "fixed_wing", "altitude_ft": 1000, "speed_kn": 150,
         "hours": 1, "pattern": "parallel"},
        {"name": "Boat", "platform": "small_vessel", "height_ft": 14, "speed_kn": 12,
         "hours": 2, "pattern": "expanding_square", "drift_compensated": True},
    ]  # fmt: skip
    scene = {"visibility_km": 20, "wind_kn_on_scene": 12, "search_object": "Person in water"}
    datum = {"lat": _LAT, "lon": _LON, "time": _START.isoformat()}
    plan_search(
        {"datum": datum, "elapsed_h": 3, "wind": {"speed_kn": 12, "from_deg": 320},
         "current": {"speed_kn": 0.4, "to_deg": 100}, "object": "PIW-1", "x_nm": 2,
         "particles": 1000, "units": units, **scene},
        home_dir=work,
        cache_dir=cache_dir,
    )  # fmt: skip
    plan_search(
        {"drift_run": str(work / "run"), "particles": 1000, "units": units, **scene},
        home_dir=work,
        cache_dir=cache_dir,
    )


def _intercepts() -> None:
    from sarwatch.vessels.intercept import rank_intercepts

    rng = np.random.default_rng(0)
    rank_intercepts(
        [12.0, 13.0], [34.5, 33.5], [10.0, 12.0],
        _LON + 0.05 * rng.standard_normal(200), _LAT + 0.05 * rng.standard_normal(200),
        0.3, -0.2,
    )  # fmt: skip


def compile_kernels(
    *,
    cache_dir: Path | None = None,
    on_start: Callable[[str], None] | None = None,
    on_step: Callable[[WarmupStep], None] | None = None,
) -> list[WarmupStep]:
    """Byte-compile the modules, then run every numerical computation once on a tiny input,
    so that numba compiles it.

    Parameters
    ----------
    cache_dir
        The coastline cache (default: the user's cache directory).
    on_start
        Called with a step's name before it runs (a step may take a minute the first time).
    on_step
        Called after each step (to report progress).

    Returns
    -------
    list of WarmupStep
        The steps with their wall times, s: long the first time, short once numba's
        cache holds the kernels.
    """
    steps: list[WarmupStep] = []
    with tempfile.TemporaryDirectory(prefix="sarwatch-warmup-") as tmp:
        work = Path(tmp)
        for name, run in (
            ("Python byte code (sarwatch's modules)", _byte_code),
            ("drift (gridded forcing, on-scene backwards)", lambda: _drift(work, cache_dir)),
            ("sea routes (assessment)", lambda: _routes(cache_dir)),
            ("search plans (datum, drift run)", lambda: _plans(work, cache_dir)),
            ("intercept ranking (responders)", _intercepts),
        ):
            if on_start is not None:
                on_start(name)
            tic = time.perf_counter()
            run()
            steps.append(WarmupStep(name, time.perf_counter() - tic))
            if on_step is not None:
                on_step(steps[-1])
    return steps
