"""Compiling the kernels ahead (``sarwatch compile``) covers what real work calls.

The property that matters: once :func:`~sarwatch.services.warmup.compile_kernels` has run,
real work with other inputs (other forcing files, packed or double-precision variables,
other schemes and options, plans, assessments and rankings elsewhere) adds no new compiled
signature to any kernel, so it never waits for numba. Checked in a fresh interpreter, whose
kernels start with no signature loaded, whatever numba's on-disk cache holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from _cli import run_cli

ROOT = Path(__file__).resolve().parents[1]

_SCRIPT = textwrap.dedent(
    r"""
    import json, sys, tempfile
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    import numpy as np
    import xarray as xr
    from numba.core.registry import CPUDispatcher

    from sarwatch.services.warmup import compile_kernels

    def signatures():
        out = set()
        for name, mod in list(sys.modules.items()):
            if name.startswith("sarwatch") and mod is not None:
                for obj in vars(mod).values():
                    if isinstance(obj, CPUDispatcher):
                        for sig in obj.signatures:
                            out.add(f"{obj.py_func.__module__}.{obj.py_func.__name__}{sig}")
        return out

    compile_kernels()
    before = signatures()

    from benchmarks._drift_forcing import START, write_forcing
    from sarwatch.services.assess import assess_position
    from sarwatch.services.drift import DriftRequest, predict_drift
    from sarwatch.services.planning import plan_search
    from sarwatch.vessels.intercept import rank_intercepts

    work = Path(tempfile.mkdtemp())
    currents, winds = write_forcing(work / "f", hours=12)
    # the same currents packed as int16 with a scale factor (as CMEMS ships them) and
    # the winds in double precision
    ds = xr.open_dataset(currents).load()
    ds.to_netcdf(work / "packed.nc", encoding={
        v: {"dtype": "int16", "scale_factor": 0.001, "_FillValue": -32767} for v in ("uo", "vo")})
    ds = xr.open_dataset(winds).load()
    ds.astype("float64").to_netcdf(work / "double.nc")
    t0 = START.to_pydatetime().replace(tzinfo=UTC)
    for k, (currents_file, winds_file, options) in enumerate((
        (currents, winds, {"scheme": "rk2", "capsizing": True}),
        (work / "packed.nc", work / "double.nc", {"scheme": "euler", "wind_sigma_kn": 1.0}),
        (currents, winds, {"backward": True, "output_min": 30.0, "max_tracks": 50}),
    )):
        start = t0 + timedelta(hours=6) if options.get("backward") else t0
        predict_drift(
            DriftRequest(lon=12.5, lat=33.6, time=start, currents=(currents_file,),
                         winds=(winds_file,), particles=700, hours=4.0, seed=2, **options),
            out_dir=work / f"run-{k}",
        )
    predict_drift(DriftRequest(lon=12.1, lat=34.4, time=t0, wind_kn=25.0, wind_from_deg=10.0,
                               particles=300, hours=2.0, jibe_per_h=0.5))
    predict_drift(DriftRequest(lon=12.55, lat=35.45, time=t0, wind_kn=15.0, wind_from_deg=200.0,
                               particles=300, hours=3.0))  # off Lampedusa: near-land raster
    assess_position(11.7, 35.3, speed_kn=8.0)
    units = [{"name": "Sector", "platform": "helicopter", "altitude_ft": 500, "speed_kn": 90,
              "hours": 1, "pattern": "sector"},
             {"name": "Creep", "platform": "merchant_ship", "height_ft": 60, "speed_kn": 14,
              "hours": 3, "pattern": "creeping_line"}]
    scene = {"visibility_km": 10, "wind_kn_on_scene": 20, "search_object": "Person in water"}
    plan_search({"datum": {"lat": 34.6, "lon": 12.5, "time": "2026-12-06T03:00:00Z"},
                 "elapsed_h": 6, "wind": {"speed_kn": 20, "from_deg": 10}, "object": "PIW-1",
                 "x_nm": 1, "particles": 2000, "units": units, **scene}, home_dir=work)
    plan_search({"drift_run": str(work / "run-1"), "allocate_on": "datum", "particles": 2000,
                 "units": units, **scene}, home_dir=work)
    rank_intercepts([11.0], [35.0], [20.0], [12.5, 12.6], [33.6, 33.7], [0.1, 0.2], [0.0, 0.1],
                    weight=[1.0, 3.0], quantiles=(0.5, 0.9, 0.99))
    modules = sorted({s.split("(")[0].rsplit(".", 1)[0] for s in before})
    print(json.dumps({"modules": modules, "new": sorted(signatures() - before)}))
    """
)


def test_real_work_after_compile_kernels_compiles_nothing_new(land_mask) -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    # the warm-up itself reached the kernels of drift, statistics, routes, plans, ranking
    assert found["modules"] == [
        "sarwatch.drift._cloud",
        "sarwatch.drift._kernel",
        "sarwatch.geo._seakernels",
        "sarwatch.planning._kernels",
        "sarwatch.planning.pod",
        "sarwatch.vessels.intercept",
    ]
    assert found["new"] == [], "compiled after the warm-up:\n" + "\n".join(found["new"])


def test_compile_command_reports_each_step(capsys, land_mask) -> None:
    code, out, err = run_cli(capsys, "compile")
    assert code == 0, err
    lines = out.strip().splitlines()
    names = ["Python byte code", "drift", "sea routes", "search plans", "intercept ranking"]
    assert [next(n for n in names if line.startswith(n)) for line in lines[:-1]] == names
    assert all(line.rstrip().endswith(" s") for line in lines[:-1])
    assert "numba's cache" in lines[-1]
    # the byte code of every module is there, current (written even where the interpreter
    # is told not to write byte code on import, as on the reference machine)
    import importlib.util

    import sarwatch

    for source in Path(sarwatch.__file__).parent.rglob("*.py"):
        cached = Path(importlib.util.cache_from_source(str(source)))
        assert cached.exists(), source
        assert cached.stat().st_mtime >= source.stat().st_mtime, source


def test_compiled_in_process_tells_a_compiled_kernel_from_a_cached_one() -> None:
    import numba

    from sarwatch.drift.engine import compiled_in_process

    @numba.njit(cache=False)
    def add_one(x: float) -> float:
        return x + 1.0

    assert not compiled_in_process((add_one,))  # nothing called yet
    assert add_one(1.0) == 2.0  # compiled here: no cache holds it
    assert compiled_in_process((add_one,))


def test_a_drift_that_compiled_its_kernels_says_how_to_avoid_it(
    capsys, home, monkeypatch, tmp_path
) -> None:
    import sarwatch.drift.engine as engine

    args = ["drift", "--lat", "34.0", "--lon", "12.8", "--time", "2026-01-01T00:00Z",
            "--hours", "1", "--particles", "100", "--wind-kn", "10", "--wind-from", "300",
            "--quiet", "--summary-json", str(tmp_path / "summary.json")]  # fmt: skip
    monkeypatch.setattr(engine, "compiled_in_process", lambda: True)
    code, _, err = run_cli(capsys, *args)
    assert code == 0, err
    assert "numba compiled the drift kernels during this run" in err
    assert "sarwatch compile" in err
    monkeypatch.setattr(engine, "compiled_in_process", lambda: False)
    code, _, err = run_cli(capsys, *args)
    assert code == 0, err
    assert "numba compiled" not in err
