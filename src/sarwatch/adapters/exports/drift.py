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
    list are known.

    Returns
    -------
    dict
        ``{"netcdf": path, "geojson": path, "png": path}``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "netcdf": write_trajectories(result, out_dir / OUTPUT_NAMES["netcdf"]),
        "geojson": write_geojson(result, out_dir / OUTPUT_NAMES["geojson"]),
    }
    if png:
        from sarwatch.adapters.exports.drift_png import write_png

        files["png"] = write_png(result, out_dir / OUTPUT_NAMES["png"], cache_dir=cache_dir)
    return files


def write_summary(summary: RunSummary, path: Path) -> Path:
    """Write the run's ``summary.json`` (indented, UTF-8) to ``path``; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary.to_json(), indent=2) + "\n", encoding="utf-8")
    return path
