"""Drift outputs as GeoJSON: start, centroid track, containment polygons and a
sample of the particle cloud per output time.

Coordinates are ``[lon, lat]`` WGS84 (RFC 7946). Each containment polygon is a
feature with ``time``, ``hours``, ``level`` (0.5, 0.9, 0.95) and its geodesic
``area_km2``; the centroid track carries the time of each vertex. The cloud is a
``MultiPoint`` (``kind: "particles"``) of at most ``particle_sample`` particles
(the same particles at every time, afloat or stranded; categories are mixed at
seeding so any prefix is representative), rounded to 0.001° (~100 m) to keep the
file light over a satellite link.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from sarwatch.drift.state import ACTIVE, STRANDED

if TYPE_CHECKING:
    from sarwatch.services.drift import DriftResult

__all__ = ["drift_feature_collection", "write_geojson"]


def _round_coords(geom: dict[str, Any], nd: int = 5) -> dict[str, Any]:
    def rnd(c: Any) -> Any:
        if isinstance(c, (int, float)):
            return round(float(c), nd)
        return [rnd(x) for x in c]

    return {**geom, "coordinates": rnd(geom["coordinates"])}


def _particles_feature(
    result: DriftResult, column: int, props: dict[str, Any], particle_sample: int
) -> dict[str, Any] | None:
    if column >= result.track_lon.shape[1] or particle_sample <= 0:
        return None
    lon = result.track_lon[:particle_sample, column]
    lat = result.track_lat[:particle_sample, column]
    status = result.track_status[:particle_sample, column]
    keep = np.isin(status, (ACTIVE, STRANDED)) & np.isfinite(lon) & np.isfinite(lat)
    if not keep.any():
        return None
    coords = np.round(np.column_stack([lon[keep], lat[keep]]).astype(float), 3)
    return {
        "type": "Feature",
        "geometry": {"type": "MultiPoint", "coordinates": coords.tolist()},
        "properties": {
            "kind": "particles",
            **props,
            "n_sample": int(keep.sum()),
            "n_stranded": int((status[keep] == STRANDED).sum()),
        },
    }


def drift_feature_collection(result: DriftResult, *, particle_sample: int = 200) -> dict[str, Any]:
    """The GeoJSON FeatureCollection of a drift result.

    Parameters
    ----------
    result
        The drift run.
    particle_sample
        At most this many particles per output time in the ``particles`` MultiPoint
        (0 for none).
    """
    s = result.summary
    common = {"seed": s["seed"], "object": s["object"], "backward": s["backward"]}
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [s["start"]["lon"], s["start"]["lat"]]},
            "properties": {"kind": "start", "time": s["start"]["time"], **common},
        }
    ]
    track = [
        (snap.centroid_lon, snap.centroid_lat, snap)
        for snap in result.snapshots
        if snap.centroid_lon == snap.centroid_lon
    ]
    if len(track) >= 2:
        features.append(
            {
                "type": "Feature",
                "geometry": _round_coords(
                    {"type": "LineString", "coordinates": [[x, y] for x, y, _ in track]}
                ),
                "properties": {
                    "kind": "centroid_track",
                    "times": [t.to_json()["time"] for _, _, t in track],
                    "std_km": [t.to_json()["std_km"] for _, _, t in track],
                    **common,
                },
            }
        )
    for column, snap in enumerate(result.snapshots):
        j = snap.to_json()
        cloud = _particles_feature(
            result, column, {"time": j["time"], "hours": j["hours"]}, particle_sample
        )
        if cloud is not None:
            features.append(cloud)
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [j["centroid_lon"], j["centroid_lat"]],
                },
                "properties": {
                    "kind": "centroid",
                    **{k: j[k] for k in ("time", "hours", "std_km")},
                    "srr_share": j["srr_share"],
                    "status_counts": j["status_counts"],
                },
            }
        )
        for level, geom in sorted(snap.polygons.items()):
            if geom.is_empty:
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": _round_coords(shapely.geometry.mapping(geom)),
                    "properties": {
                        "kind": "containment",
                        "time": j["time"],
                        "hours": j["hours"],
                        "level": level,
                        "area_km2": round(snap.areas_km2[level], 2),
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features, "properties": common}


def write_geojson(result: DriftResult, path: Path) -> Path:
    """Write :func:`drift_feature_collection` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(drift_feature_collection(result)), encoding="utf-8")
    return path
