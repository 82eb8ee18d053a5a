"""Departures of an atlas: the packaged departure ports' points at sea, port ids, or a CSV file.

A port's published position is its harbour; boats leaving it put to sea outside. ``PORTS``
and port ids take each port's *departure point* (``depart_lon``, ``depart_lat`` of the
packaged port list: just outside the harbour or off the beach, in open water; see
:mod:`sarwatch.geo.ports`). A port without one (a place of safety named by its id) is
moved to the nearest sea point. A CSV file's points are taken as given. Each
:class:`~sarwatch.services.atlas.Departure` says in ``point`` which point it is, and the
atlas's provenance records it; the scenarios draw any start that the spread puts on land
again at sea, whatever the departure.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

from sarwatch.errors import InputError
from sarwatch.services.atlas import Departure

if TYPE_CHECKING:
    from sarwatch.geo.ports import Port

__all__ = ["load_departures"]


def load_departures(spec: str, *, cache_dir: Path | None = None) -> tuple[Departure, ...]:
    """Departures from ``PORTS`` (the packaged departure ports), port ids, or a CSV file.

    ``PORTS`` takes every packaged port whose role names ``departure``; a comma list of
    port ids (``LYZUA,TNSFA``) takes those; anything else is a CSV file with columns
    ``name,lon,lat``. A port departs from its departure point at sea; a port that has
    none is moved to the nearest sea point; a file's points are taken as given.

    Raises
    ------
    InputError
        An unknown port id, a missing file or a malformed row.
    DataError
        A packaged departure point on land (the port list is damaged).
    """
    from sarwatch.geo.ports import ports

    path = Path(spec)
    if not path.exists():
        known = {p.port_id: p for p in ports()}
        if spec.strip().upper() == "PORTS":
            chosen = [p for p in ports() if p.is_departure]
        else:
            ids = [s.strip().upper() for s in spec.split(",") if s.strip()]
            missing = [i for i in ids if i not in known]
            if missing or not ids:
                raise InputError(
                    f"no departures file {spec!r} and unknown port id(s) "
                    f"{', '.join(missing) or spec!r}: give a CSV file with columns name,lon,lat, "
                    "packaged port ids such as LYZUA,TNSFA, or PORTS for every departure port"
                )
            chosen = [known[i] for i in ids]
        return tuple(_port_departure(p, cache_dir) for p in chosen)
    if not path.is_file():
        raise InputError(f"{spec} is not a file: give a CSV file with columns name,lon,lat")
    out = []
    # utf-8-sig: a spreadsheet's "CSV UTF-8" starts with a byte-order mark
    with path.open(newline="", encoding="utf-8-sig") as fh:
        try:
            for i, row in enumerate(csv.DictReader(fh), start=2):
                try:
                    lon, lat = float(row["lon"]), float(row["lat"])
                    out.append(Departure(row["name"], lon, lat, f"{path.name} line {i}, as given"))
                except (KeyError, TypeError, ValueError) as exc:
                    raise InputError(
                        f"{path} line {i}: need columns name,lon,lat with decimal degrees ({exc})"
                    ) from None
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{path} is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8 "
                "(a spreadsheet's 'CSV UTF-8') with columns name,lon,lat"
            ) from None
    if not out:
        raise InputError(f"{path} lists no departures (columns name,lon,lat)")
    return tuple(out)


def _port_departure(port: Port, cache_dir: Path | None) -> Departure:
    """The port's departure point at sea, or the nearest sea point to a port without one."""
    from sarwatch.errors import DataError
    from sarwatch.geo.coast import land_mask
    from sarwatch.geo.zones import nearest_sea_point

    if port.depart_lon is not None and port.depart_lat is not None:
        lon, lat = port.depart_lon, port.depart_lat
        if bool(land_mask(cache_dir).contains(lon, lat)):
            raise DataError(
                f"the departure point of {port.port_id} ({lon}, {lat}) in the packaged port "
                "list lies on land: the file is damaged; reinstall sarwatch"
            )
        # the note says where the point lies; say too what it is: sarwatch's choice from
        # the coastline's shape (geo.ports), not a launch site anyone observed
        return Departure(
            port.port_id,
            lon,
            lat,
            f"departure point at sea of {port.name}: {port.depart_note} (chosen from the "
            "GSHHG coastline, not an observed launch site)",
        )
    sea = nearest_sea_point(port.lon, port.lat, cache_dir=cache_dir)
    moved = sea != (port.lon, port.lat)
    return Departure(
        port.port_id,
        round(sea[0], 5),
        round(sea[1], 5),
        f"{port.name} has no departure point: "
        + ("the port moved to the nearest sea point" if moved else "the port's own position"),
    )
