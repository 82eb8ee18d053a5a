"""GeoJSON as the map layers send it: gzipped, compact, coordinates rounded."""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely

__all__ = ["feature_collection", "geometry_json", "gzip_json"]


def gzip_json(obj: Any) -> bytes:
    """``obj`` as compact UTF-8 JSON, gzipped (level 9, no timestamp: same bytes each time)."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def geometry_json(geom: shapely.Geometry, decimals: int) -> Any:
    """A GeoJSON geometry with coordinates rounded to ``decimals`` places (degrees)."""
    rounded = shapely.transform(geom, lambda c: np.round(c, decimals))
    return json.loads(shapely.to_geojson(rounded))


def feature_collection(features: Sequence[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    """A FeatureCollection with ``meta`` members (note, policy ...) before its features."""
    return {"type": "FeatureCollection", **meta, "features": list(features)}
