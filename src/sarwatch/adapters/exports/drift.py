"""Write every drift output of a run into a directory, and its summary JSON."""

from __future__ import annotations

import json
from pathlib import Path

from sarwatch.adapters.exports.drift_geojson import write_geojson
from sarwatch.adapters.exports.drift_netcdf import write_trajectories
from sarwatch.drift.result import DriftResult, RunSummary

__all__ = ["OUTPUT_NAMES", "write_outputs", "write_summary"]

#: The files a run writes into its output directory, by kind.
OUTPUT_NAMES = {
    "netcdf": "drift.nc",
    "geojson": "drift.geojson",
    "png": "drift.png",
    "summary": "summary.json",
}


def write_outputs(
    result: DriftResult, out_dir: Path, *, png: bool = True, cache_dir: Path | None = None
) -> dict[str, Path]:
    """Write ``drift.nc``, ``drift.geojson`` and ``drift.png`` (optional) into ``out_dir``.

    The summary is written by :func:`write_summary` once the run's wall time and file
    list are known. Without ``png``, an earlier run's ``drift.png`` in ``out_dir`` is
    removed (the caller checked that it may replace that run's outputs): no map of
    another cloud is left beside this run's files. ``drift.nc`` is written on a second
    thread while this one writes the other two: most of its time (shuffling and
    deflating the tracks) runs without the GIL, so it takes a core the Python work of
    the GeoJSON and the PNG leaves idle.

    Returns
    -------
    dict
        ``{"netcdf": path, "geojson": path, "png": path}``.
    """
    from concurrent.futures import ThreadPoolExecutor

    out_dir.mkdir(parents=True, exist_ok=True)
    # the pool's exit waits for the NetCDF thread, also when the other files fail
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="drift-netcdf") as pool:
        netcdf = pool.submit(write_trajectories, result, out_dir / OUTPUT_NAMES["netcdf"])
        geojson = write_geojson(result, out_dir / OUTPUT_NAMES["geojson"])
        png_path = None
        if not png:
            (out_dir / OUTPUT_NAMES["png"]).unlink(missing_ok=True)
        else:
            from sarwatch.adapters.exports.drift_png import write_png

            png_path = write_png(result, out_dir / OUTPUT_NAMES["png"], cache_dir=cache_dir)
        files = {"netcdf": netcdf.result(), "geojson": geojson}
    if png_path is not None:
        files["png"] = png_path
    return files


def write_summary(summary: RunSummary, path: Path) -> Path:
    """Write the run's ``summary.json`` (indented, UTF-8) to ``path``; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary.to_json(), indent=2) + "\n", encoding="utf-8")
    return path
