"""Map overlays: SAR regions with their overlaps, and ports with their place-of-safety status.

Both are small and built from packaged data (no cache directory); every builder
returns gzipped GeoJSON bytes, as :mod:`sarwatch.web.layers` does for the coastline.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Any

import shapely

from sarwatch.errors import DataError
from sarwatch.web.geojson import feature_collection, geometry_json, gzip_json

__all__ = ["POS_STATUSES", "PortStatus", "ports_layer", "srr_layer"]


# --------------------------------------------------------------------------- SAR regions


@lru_cache(maxsize=1)
def srr_layer() -> bytes:
    """SAR regions and their overlaps as gzipped GeoJSON.

    Each region is a Feature with ``kind: "srr"`` and its id, name, RCC, source and
    confidence. Every pairwise overlap is a further Feature with ``kind: "overlap"``,
    ``srr: [a, b]`` and its area in km², so the map can hatch where two States'
    coordination duties meet.
    """
    from pyproj import Geod

    from sarwatch.geo.srr import sar_regions

    geod = Geod(ellps="WGS84")
    regions = sar_regions()
    features: list[dict[str, Any]] = []
    for region in regions:
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "kind": "srr",
                    "srr_id": region.srr_id,
                    "name": region.name,
                    "country": region.country,
                    "rcc": region.rcc,
                    "source": region.source,
                    "confidence": region.confidence,
                },
                "geometry": geometry_json(region.polygon, 4),
            }
        )
    for a, b in combinations(regions, 2):
        inter = shapely.intersection(a.polygon, b.polygon)
        polys = [p for p in shapely.get_parts(inter) if p.geom_type == "Polygon"]
        if not polys:
            continue
        overlap = shapely.MultiPolygon(polys)
        area_km2 = abs(geod.geometry_area_perimeter(overlap)[0]) / 1e6
        if area_km2 < 1.0:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "kind": "overlap",
                    "srr": [a.srr_id, b.srr_id],
                    "area_km2": round(area_km2),
                },
                "geometry": geometry_json(overlap, 4),
            }
        )
    return gzip_json(
        feature_collection(
            features,
            note=(
                "SAR regions are areas of coordination duty, not borders "
                "(SAR Convention annex 2.1.7); they overlap."
            ),
        )
    )


# --------------------------------------------------------------------------- ports

#: Place-of-safety statuses a policy may give a port.
POS_STATUSES = ("eligible", "contested", "excluded")


@dataclass(frozen=True)
class PortStatus:
    """One port and its place-of-safety status under the policy in force.

    Attributes
    ----------
    port_id, name, country, role
        Identification (``country`` is ISO 3166 alpha-2).
    lon, lat
        Position, degrees.
    status
        ``eligible``, ``contested`` or ``excluded``.
    reason, source
        Why, and on whose word (empty for eligible ports under the default).
    """

    port_id: str
    name: str
    country: str
    role: str
    lon: float
    lat: float
    status: str
    reason: str
    source: str


def ports_layer(ports: Iterable[PortStatus], *, policy: dict[str, str]) -> bytes:
    """Ports with their place-of-safety status as gzipped GeoJSON points.

    Parameters
    ----------
    ports
        The ports with the status the policy gives each.
    policy
        Identification of the policy used (``policy_id``, ``version``, ``origin``),
        written into the collection so the map can say which policy it shows.

    Returns
    -------
    bytes
        Gzipped FeatureCollection; each point has ``port_id``, ``name``, ``country``,
        ``role``, ``status``, ``reason`` and ``source``.

    Raises
    ------
    DataError
        A port has a status outside :data:`POS_STATUSES` or a position that is not finite.
    """
    features = []
    for port in ports:
        if port.status not in POS_STATUSES:
            raise DataError(
                f"port {port.name}: status {port.status!r} is not one of {', '.join(POS_STATUSES)}"
            )
        if not (math.isfinite(port.lon) and math.isfinite(port.lat)):
            raise DataError(f"port {port.name}: position ({port.lon}, {port.lat}) is not finite")
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "port_id": port.port_id,
                    "name": port.name,
                    "country": port.country,
                    "role": port.role,
                    "status": port.status,
                    "reason": port.reason,
                    "source": port.source,
                },
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(port.lon, 4), round(port.lat, 4)],
                },
            }
        )
    return gzip_json(feature_collection(features, policy=dict(policy)))
