"""IMO Search and Rescue Regions (SRRs) around the Central Mediterranean.

The regions are read from the packaged ``data/srr_central_med.geojson`` (IMO
GISIS COMSAR exports dated 2026-04-07; Greece and Egypt from third-party
combinations, with a ``confidence`` property). SRRs overlap (Italy and Malta
around Lampedusa and at 36°00'-36°30'N east of 16°E, Malta and Tunisia west of
12°14'E, Libya and Tunisia off Zarzis, and Italy and Tunisia in a sliver south-west
of Sardinia, where Tunisia's region reaches 38°37'N and Italy's comes down to
38°32'N), so every query answers with *all* regions that contain a point.

Delimiting an SRR does not prejudice any boundary between States (SAR
Convention annex 2.1.7): these are areas of SAR coordination duty, not borders.

Rings of coastal States close over land, and Tunisia's closes by a straight edge from
Ras Ajdir (33°10'N 11°33'E, its land border with Libya) to 36°56'N 8°38'E (near its land
border with Algeria), which cuts across its own waters of the Gulf of Gabès: read as drawn,
a boat off Gabès, Djerba or Zarzis was in no region and no RCC was named. The landward side
of that edge (:data:`LANDWARD_COMPLETIONS`: Tunisia's land and the Gulf of Gabès between the
edge and the coast, no other State's waters) is added to Tunisia's region.

A position *on* a boundary belongs to both regions that share it. The GISIS
vertices are published to 0.0001° (and as whole minutes, e.g. 34°20'N = 34.3333°),
so a position within :data:`BOUNDARY_TOLERANCE_DEG` of a region (about 11 m) is
counted in it: a report on the line 34°20'N or 11°30'E names both RCCs rather than
none or one chosen by rounding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib import resources

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape

from sarwatch.errors import DataError

__all__ = [
    "BOUNDARY_TOLERANCE_DEG",
    "LANDWARD_COMPLETIONS",
    "SarRegion",
    "sar_regions",
    "srr_at",
    "srr_membership",
]

_DATA_FILE = "srr_central_med.geojson"

#: Where a coastal State's GISIS ring closes over land across its own coastal waters, the
#: landward side added to its region, as ``{srr_id: ring of (lon, lat)}``. Tunisia: the
#: triangle between the ring's closing edge (its last vertex, Ras Ajdir 33°10'N 11°33'E, and
#: its first, 36°56'N 8°38'E, both on Tunisia's land borders), the meridian 8°38'E (west of
#: Tunisia's westernmost coast, Tabarka, 8°45'E) and the parallel 33°10'N (south of the
#: Gulf of Gabès): Tunisian land and the Gulf of Gabès only.
LANDWARD_COMPLETIONS: dict[str, tuple[tuple[float, float], ...]] = {
    "TN": ((11.55, 33.1667), (8.6333, 36.9333), (8.6333, 33.1667)),
}

#: A position this close to a region (degrees, the published precision of the GISIS
#: vertices; about 11 m) counts as inside it, so a position on a boundary is in both
#: regions that share it.
BOUNDARY_TOLERANCE_DEG = 1e-4


@dataclass(frozen=True)
class SarRegion:
    """One Search and Rescue Region.

    Attributes
    ----------
    srr_id
        Short id, the State's ISO 3166 alpha-2 code (``"IT"``, ``"MT"``, ``"LY"``, ...).
    name, country, rcc
        Human-readable names.
    polygon
        The region (lon, lat degrees). Rings of coastal States close over land (Tunisia's
        completed on its landward side: :data:`LANDWARD_COMPLETIONS`).
    source, confidence
        Where the vertices come from and how far to trust them.
    """

    srr_id: str
    name: str
    country: str
    rcc: str
    polygon: shapely.Polygon | shapely.MultiPolygon
    source: str
    confidence: str

    @cached_property
    def membership_area(self) -> shapely.Geometry:
        """The area membership tests use: the region grown by :data:`BOUNDARY_TOLERANCE_DEG`.

        Prepared for fast point queries. A point on the region's boundary lies inside it,
        so a position on a boundary two regions share is in both.
        """
        grown = shapely.buffer(
            self.polygon, BOUNDARY_TOLERANCE_DEG, quad_segs=2, join_style="mitre"
        )
        shapely.prepare(grown)
        return grown


@lru_cache(maxsize=1)
def sar_regions() -> tuple[SarRegion, ...]:
    """All packaged SAR regions, in file order (prepared for fast point queries).

    Raises
    ------
    DataError
        If the packaged GeoJSON is missing or malformed (a broken installation).
    """
    try:
        text = resources.files("sarwatch.data").joinpath(_DATA_FILE).read_text("utf-8")
        features = json.loads(text)["features"]
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(
            f"the packaged SAR region file {_DATA_FILE} is unreadable ({exc}); reinstall sarwatch"
        ) from exc
    regions = []
    for feature in features:
        props = feature["properties"]
        geom = shapely.make_valid(shape(feature["geometry"]))
        if props["srr_id"] in LANDWARD_COMPLETIONS:
            landward = shapely.Polygon(LANDWARD_COMPLETIONS[props["srr_id"]])
            geom = shapely.make_valid(shapely.union(geom, landward))
        shapely.prepare(geom)
        regions.append(
            SarRegion(
                srr_id=props["srr_id"],
                name=props["name"],
                country=props["country"],
                rcc=props["rcc"],
                polygon=geom,
                source=props["source"],
                confidence=props.get("confidence", "unknown"),
            )
        )
    return tuple(regions)


def srr_membership(lon: npt.ArrayLike, lat: npt.ArrayLike) -> dict[str, npt.NDArray[np.bool_]]:
    """For each SAR region, which points lie inside it.

    Parameters
    ----------
    lon, lat
        Degrees, broadcastable arrays.

    Returns
    -------
    dict
        ``{srr_id: bool array}``; a point may be True in several regions (overlaps,
        or on a boundary the regions share) or in none (outside every packaged region).

    Examples
    --------
    >>> m = srr_membership([12.5, 12.6], [33.2, 35.4])
    >>> bool(m["LY"][0]), bool(m["IT"][1]), bool(m["MT"][1])
    (True, True, True)
    """
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return {r.srr_id: shapely.contains_xy(r.membership_area, lon_a, lat_a) for r in sar_regions()}


def srr_at(lon: float, lat: float) -> list[str]:
    """Ids of every SAR region containing one position, in file order.

    Examples
    --------
    >>> srr_at(12.6, 35.4)  # south of Lampedusa: Italy and Malta overlap
    ['IT', 'MT']
    >>> srr_at(12.5, 33.2)
    ['LY']
    >>> srr_at(13.0, 34.3333)  # on 34°20'N, the line between Libya's and Malta's regions
    ['MT', 'LY']
    """
    return [r.srr_id for r in sar_regions() if shapely.contains_xy(r.membership_area, lon, lat)]
