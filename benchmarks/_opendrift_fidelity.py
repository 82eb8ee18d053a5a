"""Run the reference (OpenDrift's Leeway) for the fidelity benchmark, in its own interpreter.

Usage: python _opendrift_fidelity.py SPEC.json OUT.json

``SPEC.json`` lists runs; each is a dict with ``kind``:

- ``"grid"``: ``currents``, ``winds`` (CF files), ``lon``, ``lat``, ``radius_m``, ``n``,
  ``hours``, ``dt_s``, ``object`` (a Leeway key such as ``"PIW-1"``), ``seed``, ``start``
  (ISO); GSHHG stranding (OpenDrift's global land mask). Returns the last valid position
  and the status name of every element.
- ``"leewayrun"``: the reference's ``test_leewayrun`` (FISHING-VESSEL-1 cone off Norway,
  constant wind, 24 steps of 1 h) for ``seed``; returns the active and stranded counts.
- ``"capsize"``: the reference's ``test_capsize`` scenario with ``n`` elements, ``seed`` and
  ``backward``/``capsized``; returns the number capsized at the end.

Kept apart from sarwatch (no sarwatch import): OpenDrift is GPL and never a sarwatch
dependency; this file only drives it through its public API. The seed goes to
``Leeway(seed=...)``: OpenDrift reseeds numpy's global generator in its constructor
(default 0), so seeding numpy before it has no effect.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timedelta

import numpy as np

from _opendrift_result import last_written


def _object_number(model, key: str) -> int:  # type: ignore[no-untyped-def]
    for number, props in model.leewayprop.items():
        if props["OBJKEY"] == key:
            return int(number)
    raise SystemExit(f"unknown Leeway object {key!r}")


def _grid(spec: dict) -> dict:  # type: ignore[type-arg]
    from opendrift.models.leeway import Leeway
    from opendrift.readers import reader_netCDF_CF_generic

    t0 = time.perf_counter()
    o = Leeway(loglevel=50, seed=int(spec["seed"]))
    o.add_reader(
        [
            reader_netCDF_CF_generic.Reader(spec["currents"]),
            reader_netCDF_CF_generic.Reader(spec["winds"]),
        ]
    )
    start = datetime.fromisoformat(spec["start"])
    o.seed_elements(
        lon=spec["lon"],
        lat=spec["lat"],
        radius=float(spec["radius_m"]),
        number=int(spec["n"]),
        time=start,
        object_type=_object_number(o, spec["object"]),
    )
    t1 = time.perf_counter()
    o.run(
        duration=timedelta(hours=float(spec["hours"])),
        time_step=float(spec["dt_s"]),
        time_step_output=3600.0,
    )
    t2 = time.perf_counter()
    lon, lat, final_status = last_written(o.result)
    meanings = str(o.result.status.attrs.get("flag_meanings", "")).split()
    values = list(np.atleast_1d(o.result.status.attrs.get("flag_values", range(len(meanings)))))
    names = {int(v): m for v, m in zip(values, meanings, strict=False)}
    return {
        "lon": lon.tolist(),
        "lat": lat.tolist(),
        "status": [names.get(int(s), str(int(s))) for s in final_status],
        "setup_s": t1 - t0,
        "run_s": t2 - t1,
    }


def _leewayrun(spec: dict) -> dict:  # type: ignore[type-arg]
    from opendrift.models.leeway import Leeway
    from opendrift.readers import reader_global_landmask

    lee = Leeway(loglevel=50, seed=int(spec["seed"]))
    lee.add_reader([reader_global_landmask.Reader()])
    lee.set_config("general:coastline_approximation_precision", None)
    for var, value in (
        ("x_wind", 0),
        ("y_wind", 10),
        ("x_sea_water_velocity", 0),
        ("y_sea_water_velocity", 0),
    ):
        lee.set_config(f"environment:fallback:{var}", value)
    lee.seed_cone(
        lon=[4.5, 4.7],
        lat=[60.1, 60],
        number=100,
        object_type=50,
        time=[datetime(2015, 1, 1, 0), datetime(2015, 1, 1, 6)],
    )
    lee.run(steps=24, time_step=3600)
    return {
        "active": int(lee.num_elements_active()),
        "stranded": int(lee.num_elements_deactivated()),
    }


def _capsize(spec: dict) -> dict:  # type: ignore[type-arg]
    from opendrift.models.leeway import Leeway

    o = Leeway(loglevel=50, seed=int(spec["seed"]))
    o.set_config(
        "environment:constant",
        {
            "x_sea_water_velocity": 0,
            "y_sea_water_velocity": 0,
            "x_wind": 25,
            "y_wind": 0,
            "land_binary_mask": 0,
        },
    )
    o.set_config("processes:capsizing", True)
    o.set_config("capsizing:wind_threshold", 30)
    o.set_config("capsizing:wind_threshold_sigma", 3)
    o.set_config("capsizing:leeway_fraction", 0.4)
    o.seed_elements(
        lon=0,
        lat=60,
        time=datetime(2015, 1, 1),
        number=int(spec["n"]),
        capsized=int(spec["capsized"]),
    )
    dt = -900 if spec["backward"] else 900
    o.run(time_step=dt, time_step_output=900, duration=timedelta(hours=6))
    return {"capsized": int(o.elements.capsized.sum()), "n": int(spec["n"])}


def main() -> None:
    spec_path, out_path = sys.argv[1:3]
    runs = json.loads(open(spec_path).read())  # noqa: SIM115
    kinds = {"grid": _grid, "leewayrun": _leewayrun, "capsize": _capsize}
    out = [kinds[r["kind"]](r) for r in runs]
    with open(out_path, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
