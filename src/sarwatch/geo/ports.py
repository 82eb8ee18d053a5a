"""Ports of the region and the place-of-safety policy that says which may be offered.

The ports are the packaged ``data/ports_central_med.csv`` (NGA World Port Index,
Pub. 150, with a ``source`` per row; built by ``tools/build_ports.py``). Whether a
port is a place of safety is *policy*, not geography: it lives in a dated, sourced
JSON document (the packaged ``data/pos_policy.json`` by default, replaceable by the
user) with one of three statuses per country or per port:

- ``eligible``: offered as a place of safety;
- ``contested``: shown, with a flag, never decided silently;
- ``excluded``: never offered; listed with its reason and source.
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
from sarwatch.geo.coast import REGION, Region
from sarwatch.geo.geodesy import geodesic_distance_nm

__all__ = [
    "POS_STATUSES",
    "Port",
    "PosPolicy",
    "PosStatus",
    "nearest_by_great_circle",
    "packaged_pos_policy",
    "parse_pos_policy",
    "ports",
]

_PORTS_FILE = "ports_central_med.csv"
_POLICY_FILE = "pos_policy.json"

Status = Literal["eligible", "contested", "excluded"]
#: The statuses a place-of-safety policy may give.
POS_STATUSES: tuple[str, ...] = ("eligible", "contested", "excluded")


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
        rows = list(csv.DictReader(io.StringIO(text)))
        return tuple(
            Port(
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
            )
            for r in rows
        )
    except (OSError, KeyError, ValueError) as exc:
        raise DataError(f"the packaged port list {_PORTS_FILE} is unreadable ({exc})") from exc


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
