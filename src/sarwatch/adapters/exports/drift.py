"""Write every drift output of a run into a directory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from sarwatch.adapters.exports.drift_geojson import write_geojson
from sarwatch.adapters.exports.drift_netcdf import write_trajectories

if TYPE_CHECKING:
    from sarwatch.services.drift import DriftResult

__all__ = ["write_outputs"]


def write_outputs(
    result: DriftResult, out_dir: Path, *, png: bool = True, cache_dir: Path | None = None
) -> dict[str, Path]:
    """Write ``drift.nc``, ``drift.geojson``, ``drift.png`` (optional) and ``summary.json``.

    Returns
    -------
    dict
        ``{"netcdf": path, "geojson": path, "png": path, "summary": path}``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "netcdf": write_trajectories(result, out_dir / "drift.nc"),
        "geojson": write_geojson(result, out_dir / "drift.geojson"),
    }
    if png:
        from sarwatch.adapters.exports.drift_png import write_png

        files["png"] = write_png(result, out_dir / "drift.png", cache_dir=cache_dir)
    files["summary"] = out_dir / "summary.json"
    files["summary"].write_text(json.dumps(result.summary, indent=2) + "\n", encoding="utf-8")
    return files
