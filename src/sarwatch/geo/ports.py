"""Ports of the region and the place-of-safety policy that says which may be offered.

The ports are the packaged ``data/ports_central_med.csv`` (NGA World Port Index,
Pub. 150, with a ``source`` per row; built by ``tools/build_ports.py``). Whether a
port is a place of safety is *policy*, not geography: it lives in a dated, sourced
JSON document (the packaged ``data/pos_policy.json`` by default, replaceable by the
user) with one of three statuses per country or per port:

- ``eligible``: offered as a place of safety;
- ``contested``: shown, with a flag, never decided silently;
- ``excluded``: never offered; listed with its reason and source.

**Departure points.** A port's published position is its harbour (on the quay, inside
a basin behind breakwaters, or a land pixel of the coastline): boats leaving it put to
sea outside. Each port whose role names ``departure`` has a *departure point*
(``depart_lon``, ``depart_lat``, with a ``depart_note`` saying where it lies) where
``sarwatch atlas --departures PORTS`` seeds its boats. Each was chosen from the
coastline's shape round the port, as GSHHG full resolution draws it (the packaged
land raster of :mod:`sarwatch.geo.coast`: harbour moles, bays, lagoon spits): a seaward
bearing from the WPI position, off the harbour entrance or straight out from a beach
coast, and on it the first point, in steps of 50 m, at which the land raster reads sea
all round to 750 m (as sampled: the nearest land or coast cell lies 0.73–0.77 km away),
rounded to 1e-4 degree. They lie 0.3–3.9 km from their ports and 1.3–1.6 km from the
GSHHG coastline, in open water: a 500 m seeding spread round them starts at sea. They
are sarwatch's choice from the coastline's shape, not launch sites anyone observed (no
nautical chart or survey was used); the atlas records each with its note.
:func:`parse_ports` refuses a departure point without its note, off the globe, farther
than :data:`DEPART_MAX_M` from its port and, given a land mask, one on land.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from sarwatch.errors import DataError
from sarwatch.geo.coast import REGION, LandMask, Region
from sarwatch.geo.geodesy import geodesic_distance_m, geodesic_distance_nm

__all__ = [
    "DEPART_MAX_M",
    "POS_STATUSES",
    "Port",
    "PosPolicy",
    "PosStatus",
    "nearest_by_great_circle",
    "packaged_pos_policy",
    "parse_ports",
    "parse_pos_policy",
    "ports",
]

_PORTS_FILE = "ports_central_med.csv"
_POLICY_FILE = "pos_policy.json"

Status = Literal["eligible", "contested", "excluded"]
#: The statuses a place-of-safety policy may give.
POS_STATUSES: tuple[str, ...] = ("eligible", "contested", "excluded")
#: The farthest a departure point may lie from its port, metres (boats put to sea there).
DEPART_MAX_M = 5000.0


@dataclass(frozen=True)
class Port:
    """A port.

    Attributes
    ----------
    port_id
        UN/LOCODE, or ``WPI<number>`` where the port has none.
    name, country
        Port name; ISO 3166 alpha-2 code of its State.
    lon, lat
        Position as published (may fall on a land pixel of the coastline), degrees.
    harbor_size, role
        WPI harbour size; role in the Central Mediterranean (departure, hotspot, ...).
    source
        Where the row comes from.
    depart_lon, depart_lat
        Where boats leaving the port put to sea (outside the harbour, in open water),
        degrees; ``None`` for a port that is no departure.
    depart_note
        Where the departure point lies and why (e.g. "3.2 km out on bearing 040").
    """

    port_id: str
    name: str
    country: str
    unlocode: str
    wpi_number: str
    lon: float
    lat: float
    harbor_size: str
    role: str
    source: str
    depart_lon: float | None = None
    depart_lat: float | None = None
    depart_note: str = ""

    @property
    def is_departure(self) -> bool:
        """Whether the port's role names it a departure."""
        return "departure" in self.role

    def in_region(self, region: Region = REGION) -> bool:
        """Whether the port lies inside the area the coastline data covers."""
        return bool(region.contains(self.lon, self.lat))


@lru_cache(maxsize=1)
def ports() -> tuple[Port, ...]:
    """All packaged ports, in file order.

    Raises
    ------
    DataError
        If the packaged CSV is missing or malformed.
    """
    try:
        text = resources.files("sarwatch.data").joinpath(_PORTS_FILE).read_text("utf-8")
    except OSError as exc:
        raise DataError(f"the packaged port list {_PORTS_FILE} is unreadable ({exc})") from exc
    return parse_ports(text, origin=f"the packaged port list {_PORTS_FILE}")


def parse_ports(text: str, *, origin: str, land: LandMask | None = None) -> tuple[Port, ...]:
    """Read a port list (CSV text with the columns of the packaged ``ports_central_med.csv``).

    Parameters
    ----------
    text
        The CSV text.
    origin
        Where it came from (shown in error messages).
    land
        A land mask: when given, a departure point on land is refused.

    Returns
    -------
    tuple of Port
        In file order.

    Raises
    ------
    DataError
        A missing column, a malformed number or a position off the globe; a port id
        listed twice; a departure port without a departure point (or a point given by
        one coordinate only, or without its ``depart_note``); a departure point farther
        than :data:`DEPART_MAX_M` from its port or, with ``land``, on land.
    """
    out: list[tuple[int, Port]] = []
    seen: dict[str, int] = {}
    reader = csv.DictReader(io.StringIO(text))
    for r in reader:
        line = reader.line_num
        try:
            port = Port(
                port_id=r["port_id"],
                name=r["name"],
                country=r["country_iso2"],
                unlocode=r["unlocode"],
                wpi_number=r["wpi_number"],
                lon=float(r["lon"]),
                lat=float(r["lat"]),
                harbor_size=r["harbor_size_wpi"],
                role=r["role"],
                source=r["source"],
                depart_lon=_optional_float(r.get("depart_lon")),
                depart_lat=_optional_float(r.get("depart_lat")),
                depart_note=r.get("depart_note") or "",
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(
                f"{origin} line {line} is malformed ({type(exc).__name__}: {exc}): expected "
                "the columns of the packaged ports_central_med.csv, positions in decimal degrees"
            ) from exc
        if port.port_id in seen:
            raise DataError(
                f"{origin} line {line}: port id {port.port_id} is listed twice (first on line "
                f"{seen[port.port_id]}): give each port one row"
            )
        seen[port.port_id] = line
        where = f"{origin} line {line} ({port.port_id})"
        _check_position(port.lon, port.lat, f"{where}: the port's lon, lat")
        _check_departure_point(port, where)
        out.append((line, port))
    if land is not None:
        at = [(i, p) for i, p in out if p.depart_lon is not None]
        lon = np.array([p.depart_lon for _, p in at], dtype=float)
        on_land = land.contains(lon, np.array([p.depart_lat for _, p in at], dtype=float))
        for (i, p), bad in zip(at, on_land, strict=True):
            if bad:
                raise DataError(
                    f"{origin} line {i}: the departure point of {p.port_id} ({p.name}), lon "
                    f"{p.depart_lon} lat {p.depart_lat}, lies on land (GSHHG full "
                    "resolution): move depart_lon, depart_lat out to open water, off the "
                    "harbour entrance or the beach boats leave from"
                )
    return tuple(p for _, p in out)


def _optional_float(cell: str | None) -> float | None:
    return float(cell) if cell not in (None, "") else None


def _check_position(lon: float, lat: float, what: str) -> None:
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):  # NaN fails too
        raise DataError(
            f"{what} ({lon}, {lat}) is no position: expected decimal degrees, longitude "
            "-180 to 180 (east positive), latitude -90 to 90"
        )


def _check_departure_point(port: Port, where: str) -> None:
    if (port.depart_lon is None) != (port.depart_lat is None):
        raise DataError(f"{where}: give both depart_lon and depart_lat, or neither")
    if port.depart_lon is None or port.depart_lat is None:
        if port.is_departure:
            raise DataError(
                f"{where}: a departure port needs a departure point at sea (depart_lon, "
                "depart_lat: where boats leaving it put to sea, outside the harbour)"
            )
        return
    _check_position(port.depart_lon, port.depart_lat, f"{where}: the departure point")
    if not port.depart_note.strip():
        raise DataError(
            f"{where}: the departure point needs its depart_note (where it lies and how it "
            "was chosen, e.g. '2.5 km offshore on bearing 030'): the atlas records it"
        )
    far_m = float(geodesic_distance_m(port.lon, port.lat, port.depart_lon, port.depart_lat))
    if not far_m <= DEPART_MAX_M:
        raise DataError(
            f"{where}: the departure point lies {far_m / 1000:.1f} km from the port; "
            f"expected at most {DEPART_MAX_M / 1000:g} km (just outside the harbour)"
        )


@dataclass(frozen=True)
class PosStatus:
    """The place-of-safety status of a port under a policy, with its reason and source."""

    status: str
    reason: str
    source: str
    source_date: str


@dataclass(frozen=True)
class PosPolicy:
    """A dated, sourced place-of-safety policy.

    Attributes
    ----------
    policy_id, version, description
        Identification; ``version`` is a date.
    default_status
        Status of ports no entry names.
    countries, ports
        Entries by ISO alpha-2 country code and by port id; a port entry wins.
    origin
        ``"packaged"`` or the path of the user's file.
    """

    policy_id: str
    version: str
    description: str
    default_status: str
    countries: Mapping[str, PosStatus]
    ports: Mapping[str, PosStatus]
    origin: str

    def status_of(self, port: Port) -> PosStatus:
        """The status of ``port`` under this policy."""
        if port.port_id in self.ports:
            return self.ports[port.port_id]
        if port.country in self.countries:
            return self.countries[port.country]
        return PosStatus(
            status=self.default_status,
            reason="",
            source=f"policy {self.policy_id} {self.version}: default status",
            source_date=self.version,
        )

    def summary(self) -> dict[str, str]:
        """Identification of the policy for outputs."""
        return {"policy_id": self.policy_id, "version": self.version, "origin": self.origin}


def _entry(key: str, value: Any, origin: str) -> PosStatus:
    if not isinstance(value, Mapping):
        raise DataError(f"place-of-safety policy {origin}: entry {key!r} must be an object")
    status = value.get("status")
    if status not in POS_STATUSES:
        raise DataError(
            f"place-of-safety policy {origin}: entry {key!r} has status {status!r}; "
            f"expected one of {', '.join(POS_STATUSES)}"
        )
    missing = [f for f in ("reason", "source", "source_date") if not value.get(f)]
    if status != "eligible" and missing:
        raise DataError(
            f"place-of-safety policy {origin}: entry {key!r} ({status}) needs "
            f"{', '.join(missing)}: a port is never excluded or flagged without a reason "
            "and a source"
        )
    return PosStatus(
        status=status,
        reason=str(value.get("reason", "")),
        source=str(value.get("source", "")),
        source_date=str(value.get("source_date", "")),
    )


def parse_pos_policy(text: str, *, origin: str) -> PosPolicy:
    """Read a place-of-safety policy document (JSON text).

    Parameters
    ----------
    text
        The JSON document; same structure as the packaged ``data/pos_policy.json``.
    origin
        Where it came from (shown in outputs and error messages).

    Raises
    ------
    DataError
        If the JSON is invalid, a status is unknown, or an excluded/contested entry has
        no reason, source or date.
    """
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise DataError(f"place-of-safety policy {origin} is not valid JSON ({exc})") from exc
    if not isinstance(doc, Mapping):
        raise DataError(f"place-of-safety policy {origin} must be a JSON object")
    for key in ("policy_id", "version"):
        if not doc.get(key):
            raise DataError(f"place-of-safety policy {origin} lacks {key!r}")
    default = doc.get("default_status", "eligible")
    if default not in POS_STATUSES:
        raise DataError(
            f"place-of-safety policy {origin}: default_status {default!r} is not one of "
            f"{', '.join(POS_STATUSES)}"
        )
    return PosPolicy(
        policy_id=str(doc["policy_id"]),
        version=str(doc["version"]),
        description=str(doc.get("description", "")),
        default_status=default,
        countries={k: _entry(k, v, origin) for k, v in dict(doc.get("countries", {})).items()},
        ports={k: _entry(k, v, origin) for k, v in dict(doc.get("ports", {})).items()},
        origin=origin,
    )


@lru_cache(maxsize=1)
def packaged_pos_policy() -> PosPolicy:
    """The default policy shipped with sarwatch (Libya excluded, Tunisia contested)."""
    try:
        text = resources.files("sarwatch.data").joinpath(_POLICY_FILE).read_text("utf-8")
    except OSError as exc:
        raise DataError(f"the packaged policy {_POLICY_FILE} is missing ({exc})") from exc
    return parse_pos_policy(text, origin="packaged")


def nearest_by_great_circle(
    lon: float, lat: float, candidates: Sequence[Port]
) -> list[tuple[Port, float]]:
    """Ports sorted by geodesic (straight, over land too) distance from a position.

    Returns
    -------
    list of (Port, float)
        Each port with its geodesic distance in nautical miles, nearest first.
    """
    if not candidates:
        return []
    p_lon: npt.NDArray[np.float64] = np.array([p.lon for p in candidates])
    p_lat: npt.NDArray[np.float64] = np.array([p.lat for p in candidates])
    dist = geodesic_distance_nm(lon, lat, p_lon, p_lat)
    order = np.argsort(dist, kind="stable")
    return [(candidates[i], float(dist[i])) for i in order]
