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
from typing import Any

import numpy as np
import shapely

from sarwatch.drift.result import DriftResult, iso_utc
from sarwatch.drift.state import ACTIVE, STRANDED

__all__ = ["drift_feature_collection", "geometry_json", "write_geojson"]


def _round_coords(geom: dict[str, Any], nd: int = 5) -> dict[str, Any]:
    def rnd(c: Any) -> Any:
        if isinstance(c, (int, float)):
            return round(float(c), nd)
        return [rnd(x) for x in c]

    return {**geom, "coordinates": rnd(geom["coordinates"])}


def geometry_json(geom: Any, nd: int = 5) -> dict[str, Any]:
    """A shapely geometry as a GeoJSON geometry with coordinates rounded to ``nd`` decimals.

    The containment polygons of a result are already on the 1e-5 degree grid and valid
    there (:func:`shapely.set_precision`), so rounding them to 5 decimals keeps them valid.
    """
    if geom.geom_type in ("Polygon", "MultiPolygon") and not geom.is_empty:
        # ring by ring with numpy (the recursive rounding took 0.05 s for a run's 147
        # polygons); np.round gives the same floats as round() for these coordinates
        polys = [
            [np.round(np.asarray(r.coords), nd).tolist() for r in (p.exterior, *p.interiors)]
            for p in shapely.get_parts(geom)
        ]
        if geom.geom_type == "Polygon":
            return {"type": "Polygon", "coordinates": polys[0]}
        return {"type": "MultiPolygon", "coordinates": polys}
    return _round_coords(shapely.geometry.mapping(geom), nd)


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

    Features come in increasing time (a backward run's earliest time first); the
    centroid track's vertices too, and the collection says ``time_direction``.

    Parameters
    ----------
    result
        The drift run.
    particle_sample
        At most this many particles per output time in the ``particles`` MultiPoint
        (0 for none).
    """
    s = result.summary
    common = {
        "seed": s.seed,
        "object": s.object,
        "backward": s.backward,
        "time_direction": s.time_direction,
    }
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [s.start.lon, s.start.lat]},
            "properties": {"kind": "start", "time": iso_utc(s.start.time), **common},
        }
    ]
    # in increasing time: a backward run's outputs are stored from the start backwards
    order = list(range(len(s.outputs)))
    if s.backward:
        order.reverse()
    track = [s.outputs[k] for k in order if np.isfinite(s.outputs[k].centroid_lon)]
    if len(track) >= 2:
        features.append(
            {
                "type": "Feature",
                "geometry": _round_coords(
                    {
                        "type": "LineString",
                        "coordinates": [[t.centroid_lon, t.centroid_lat] for t in track],
                    }
                ),
                "properties": {
                    "kind": "centroid_track",
                    "times": [iso_utc(t.time) for t in track],
                    "std_km": [t.to_json()["std_km"] for t in track],
                    **common,
                },
            }
        )
    for column in order:
        snap = s.outputs[column]
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
        for polygon in sorted(snap.containment, key=lambda c: c.level):
            if polygon.geometry.is_empty:
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": geometry_json(polygon.geometry),
                    "properties": {
                        "kind": "containment",
                        "time": j["time"],
                        "hours": j["hours"],
                        "level": polygon.level,
                        "area_km2": round(polygon.area_km2, 2),
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features, "properties": common}


def write_geojson(result: DriftResult, path: Path) -> Path:
    """Write :func:`drift_feature_collection` to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(drift_feature_collection(result)), encoding="utf-8")
    return path
