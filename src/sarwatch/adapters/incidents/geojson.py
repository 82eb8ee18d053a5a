"""Incidents as a GeoJSON FeatureCollection (RFC 7946): one Point feature per report.

The geometry is the report's position (``null`` when only a place is known); the
properties are the flat fields (:mod:`.flat`) without ``lon``/``lat``, lists as JSON
lists. Read back without loss.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from sarwatch.adapters.incidents.common import ParsedFile
from sarwatch.adapters.incidents.flat import to_flat
from sarwatch.adapters.incidents.table import collect
from sarwatch.errors import DataError
from sarwatch.incidents import IncidentRecord

__all__ = ["feature", "read_geojson", "write_geojson"]


def feature(properties: dict[str, Any], lon: float | None, lat: float | None) -> dict[str, Any]:
    """A GeoJSON feature at ``(lon, lat)`` (``null`` geometry when unknown)."""
    geometry = None if lon is None or lat is None else {"type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def write_geojson(records: Iterable[IncidentRecord], stream: TextIO) -> int:
    """Write every report as a feature; returns the features written."""
    stream.write('{"type":"FeatureCollection","features":[')
    n = 0
    for record in records:
        props = to_flat(record, lists_as_text=False)
        lon, lat = props.pop("lon"), props.pop("lat")
        stream.write(("," if n else "") + json.dumps(feature(props, lon, lat), ensure_ascii=False))
        n += 1
    stream.write("]}\n")
    return n


def read_geojson(stream: TextIO) -> ParsedFile:
    """Read a FeatureCollection written by :func:`write_geojson` (or by hand)."""
    try:
        data = json.load(stream)
    except ValueError as exc:
        raise DataError(f"the GeoJSON file is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DataError("expected a GeoJSON FeatureCollection of incidents")
    features = data.get("features")
    if not isinstance(features, list):
        raise DataError("the FeatureCollection has no 'features' list")

    def rows() -> Iterable[tuple[int, dict[str, Any]]]:
        for i, item in enumerate(features, start=1):
            props = dict(item.get("properties") or {}) if isinstance(item, dict) else {}
            geometry = item.get("geometry") if isinstance(item, dict) else None
            if isinstance(geometry, dict) and geometry.get("type") == "Point":
                coords = geometry.get("coordinates") or [None, None]
                props["lon"], props["lat"] = ([*list(coords), None, None])[:2]
            elif geometry is not None:
                props["lon"] = props["lat"] = "not a Point geometry"
            yield i, props

    return collect(ParsedFile(format="geojson"), rows())
