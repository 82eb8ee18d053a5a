"""Routes as RTZ 1.0 or 1.1 (IEC 61174 route exchange), the format ECDIS load.

A small document written with :mod:`xml.etree.ElementTree`, in the order the RTZ
schemas prescribe (``search_planning.md`` section 11):

- ``<route version="1.x" xmlns="http://www.cirm.org/RTZ/1/x">``;
- ``<routeInfo routeName=… routeAuthor="sarwatch" routeStatus=… vesselName=…
  validityPeriodStart/Stop=…/>``: the route name is the file name without ``.rtz``,
  as ECDIS require (:func:`write_rtz` names the file from it);
- ``<waypoints>``: at least two ``<waypoint id name>`` (ids from 0) each with its
  ``<position lat lon/>`` (longitude in [-180, 180));
- ``<schedules><schedule id="1" name="search"><calculated>``: one
  ``<scheduleElement>`` per waypoint with its ``etd`` (the first) or ``eta`` and the
  ``speed`` in knots over the leg that ends there (the planned speed; different on
  the legs of a drift-compensated route).

The published XSDs are not available from a Python package; the tests check the
structure element by element.

Examples
--------
>>> from datetime import datetime, timezone
>>> from sarwatch.planning.types import Route, Waypoint
>>> t0 = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
>>> r = Route(name="Aurora", pattern="sector", speed_kn=10.0,
...           waypoints=(Waypoint(lon=12.5, lat=33.2, eta=t0, name="CSP"),
...                      Waypoint(lon=12.5, lat=33.3, name="WP1")))
>>> print(route_to_rtz(r, route_name="Aurora", version="1.0").splitlines()[1])
<route xmlns="http://www.cirm.org/RTZ/1/0" version="1.0">
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Literal

from sarwatch.adapters.exports._route_common import (
    check_routes,
    leg_speeds_kn,
    route_file_stem,
    utc_z,
)
from sarwatch.errors import InputError
from sarwatch.planning.types import Route

__all__ = ["RTZ_MAX_BYTES", "RtzVersion", "route_to_rtz", "rtz_namespace", "write_rtz"]

RtzVersion = Literal["1.0", "1.1"]

#: The largest RTZ file that route checkers accept (AndyNibbs/RTZ README), bytes.
RTZ_MAX_BYTES = 400_000


def rtz_namespace(version: RtzVersion) -> str:
    """The XML namespace of an RTZ version.

    Examples
    --------
    >>> rtz_namespace("1.1")
    'http://www.cirm.org/RTZ/1/1'
    """
    if version not in ("1.0", "1.1"):
        raise InputError(f"RTZ version must be '1.0' or '1.1', got {version!r}")
    return f"http://www.cirm.org/RTZ/1/{version[-1]}"


def _lon180(lon: float) -> float:
    return ((lon + 180.0) % 360.0) - 180.0


def route_to_rtz(route: Route, *, route_name: str, version: RtzVersion = "1.1") -> str:
    """The RTZ document of a route.

    Parameters
    ----------
    route
        At least two waypoints.
    route_name
        ``routeName``: must equal the file name without ``.rtz``.
    version
        ``"1.0"`` or ``"1.1"``.

    Returns
    -------
    str
        UTF-8 XML text with its declaration.

    Raises
    ------
    InputError
        On fewer than two waypoints, a blank name or an unknown version.
    """
    check_routes([route], min_points=2)
    ns = rtz_namespace(version)
    if not route_name.strip():
        raise InputError("an RTZ route needs a name (the file name without .rtz)")

    def q(tag: str) -> str:
        return tag  # unqualified: the default namespace is declared on the root

    # xmlns as a plain attribute: ElementTree's default_namespace option refuses the
    # unqualified attributes RTZ uses, and register_namespace would change global state
    root = ET.Element("route", {"xmlns": ns, "version": version})
    info = {
        "routeName": route_name,
        "routeAuthor": "sarwatch",
        "routeStatus": f"search pattern: {route.pattern.replace('_', ' ')}",
        "vesselName": route.name,
    }
    etas = [w.eta for w in route.waypoints]
    if etas[0] is not None and etas[-1] is not None:
        info["validityPeriodStart"] = utc_z(etas[0])
        info["validityPeriodStop"] = utc_z(etas[-1])
    ET.SubElement(root, q("routeInfo"), info)
    wps = ET.SubElement(root, q("waypoints"))
    for k, w in enumerate(route.waypoints):
        attrs = {"id": str(k)}
        if w.name:
            attrs["name"] = w.name
        wp = ET.SubElement(wps, q("waypoint"), attrs)
        ET.SubElement(wp, q("position"), {"lat": f"{w.lat:.7f}", "lon": f"{_lon180(w.lon):.7f}"})
    if any(e is not None for e in etas):
        schedules = ET.SubElement(root, q("schedules"))
        schedule = ET.SubElement(schedules, q("schedule"), {"id": "1", "name": "search"})
        calc = ET.SubElement(schedule, q("calculated"))
        speeds: list[float | None] = [None, *leg_speeds_kn(route)]
        for k, (eta, v) in enumerate(zip(etas, speeds, strict=True)):
            attrs = {"waypointId": str(k)}
            if eta is not None:
                attrs["etd" if k == 0 else "eta"] = utc_z(eta)
            if v is not None:
                attrs["speed"] = f"{v:.2f}"
            elif k == 0:
                attrs["speed"] = f"{route.speed_kn:.2f}"
            ET.SubElement(calc, q("scheduleElement"), attrs)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def write_rtz(route: Route, directory: Path | str, *, version: RtzVersion = "1.1") -> Path:
    """Write ``DIRECTORY/<name>.rtz`` whose ``routeName`` is ``<name>``; return the path.

    ``<name>`` is the route's name made safe for a file name
    (:func:`~sarwatch.adapters.exports._route_common.route_file_stem`).

    Raises
    ------
    InputError
        If the document would exceed :data:`RTZ_MAX_BYTES`.
    """
    stem = route_file_stem(route.name)
    data = route_to_rtz(route, route_name=stem, version=version).encode("utf-8")
    if len(data) > RTZ_MAX_BYTES:
        raise InputError(
            f"the RTZ file of {route.name!r} would be {len(data)} bytes, over the "
            f"{RTZ_MAX_BYTES} that ECDIS route checkers accept: split the route"
        )
    path = Path(directory) / f"{stem}.rtz"
    path.write_bytes(data)
    return path
