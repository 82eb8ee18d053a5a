"""Every file a crew may load for one unit's route, written side by side.

``DIR/<unit>.gpx``, ``.rtz`` (RTZ 1.1 by default; its routeName is ``<unit>``),
``.kml`` and ``.txt``, as ``sarwatch plan --out DIR`` promises (issue 11). Routes
with a single waypoint get the GPX and the text only (RTZ and KML need two).
"""

from __future__ import annotations

from pathlib import Path

from sarwatch.adapters.exports.route_gpx import write_gpx
from sarwatch.adapters.exports.route_kml import write_kml
from sarwatch.adapters.exports.route_rtz import RtzVersion, write_rtz
from sarwatch.adapters.exports.route_text import write_text
from sarwatch.planning.types import Route

__all__ = ["write_route_files"]


def write_route_files(
    route: Route, directory: Path | str, *, rtz_version: RtzVersion = "1.1"
) -> dict[str, Path]:
    """Write the route's GPX, RTZ, KML and text files into ``directory``.

    Returns
    -------
    dict
        ``{"gpx": path, "rtz": path, "kml": path, "txt": path}`` (``rtz`` and ``kml``
        absent for a one-waypoint route).
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"gpx": write_gpx([route], out)}
    if len(route.waypoints) >= 2:
        paths["rtz"] = write_rtz(route, out, version=rtz_version)
        paths["kml"] = write_kml([route], out)
    paths["txt"] = write_text(route, out)
    return paths
