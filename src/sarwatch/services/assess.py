"""Assess a position: where is it, who is responsible, where can survivors go.

:func:`assess_position` answers for one position (routing to places of safety
included); :func:`assess_positions` answers for many at once without routing (zone,
SAR regions, distance to coast), vectorised (:mod:`sarwatch.services.assess_batch`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sarwatch.errors import DataError, InputError
from sarwatch.geo.coast import REGION
from sarwatch.geo.geodesy import eta_h, initial_bearing_deg, whole_degrees
from sarwatch.geo.ports import (
    POS_STATUSES,
    Port,
    PosPolicy,
    PosStatus,
    nearest_by_great_circle,
    packaged_pos_policy,
    parse_pos_policy,
    ports,
)
from sarwatch.geo.position import format_position
from sarwatch.geo.srr import sar_regions, srr_membership
from sarwatch.geo.units import LAT_MAX_DEG, LAT_MIN_DEG, LON_MAX_DEG, LON_MIN_DEG
from sarwatch.geo.zones import (
    OUTSIDE_SEARCH_NM,
    ZONE_NOTE,
    assess_coast,
    assess_coast_outside,
    nearest_sea_point,
    nearest_sea_point_outside,
)
from sarwatch.rules import RuleContext, SelectedRule, select_rules
from sarwatch.services.assess_batch import BatchAssessment, assess_positions

if TYPE_CHECKING:
    from sarwatch.settings import Settings

__all__ = [
    "DEFAULT_SPEED_KN",
    "Assessment",
    "BatchAssessment",
    "ExcludedPort",
    "PlaceOfSafety",
    "Rcc",
    "RouteLike",
    "RouterLike",
    "assess_position",
    "assess_positions",
    "load_policy",
    "rccs",
]

#: Ship's speed used for ETAs when none is given, knots.
DEFAULT_SPEED_KN = 10.0
#: Places of safety ranked by sea distance.
N_PLACES = 5
#: Eligible ports routed to (nearest by great circle), of which the N_PLACES nearest by sea win.
_N_ELIGIBLE_CANDIDATES = 8
#: Contested ports routed to and shown (flagged) if nearer than the farthest place listed.
_N_CONTESTED_CANDIDATES = 3
#: Excluded ports listed (nearest by great circle).
_N_EXCLUDED = 5
_RCC_FILE = "rccs.json"


class RouteLike(Protocol):
    """What the assessment needs from a sea route (see :mod:`sarwatch.geo.routing`)."""

    @property
    def distance_nm(self) -> float: ...

    def to_geojson(self) -> dict[str, Any]: ...


class RouterLike(Protocol):
    """What the assessment needs from a sea router (see :mod:`sarwatch.geo.routing`)."""

    def routes_from(
        self, origin: tuple[float, float], destinations: Sequence[tuple[float, float]]
    ) -> Sequence[RouteLike | None]: ...


@dataclass(frozen=True)
class Rcc:
    """A rescue coordination centre and its published contacts (verify before use)."""

    srr_id: str
    name: str
    contacts: tuple[dict[str, str], ...]
    source: str
    published: str
    retrieved: str
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, with ``verify_before_use`` always true."""
        return {
            "srr_id": self.srr_id,
            "name": self.name,
            "contacts": [dict(c) for c in self.contacts],
            "source": self.source,
            "published": self.published,
            "retrieved": self.retrieved,
            "note": self.note,
            "verify_before_use": True,
        }


@lru_cache(maxsize=1)
def _rcc_document() -> tuple[str, dict[str, Rcc]]:
    try:
        doc = json.loads(resources.files("sarwatch.data").joinpath(_RCC_FILE).read_text("utf-8"))
        table = {
            r["srr_id"]: Rcc(
                srr_id=r["srr_id"],
                name=r["name"],
                contacts=tuple(dict(c) for c in r["contacts"]),
                source=r["source"],
                published=r["published"],
                retrieved=r["retrieved"],
                note=r.get("note", ""),
            )
            for r in doc["rccs"]
        }
        return str(doc["warning"]), table
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"the packaged RCC file {_RCC_FILE} is unreadable ({exc})") from exc


def rccs(srr_ids: Sequence[str]) -> list[Rcc]:
    """The RCCs responsible for the given SAR regions, in the same order.

    Examples
    --------
    >>> [r.name.split(" (")[0] for r in rccs(["IT", "MT"])]
    ['MRCC Rome', 'RCC Malta']
    """
    _, table = _rcc_document()
    return [table[s] for s in srr_ids if s in table]


def load_policy(settings: Settings | None = None) -> PosPolicy:
    """The place-of-safety policy: the user's file if the settings name one, else the packaged.

    Raises
    ------
    DataError
        If the user's file is missing, unreadable or invalid.
    """
    path = settings.pos_policy_file if settings is not None else None
    if path is None:
        return packaged_pos_policy()
    return _load_policy_file(Path(path))


def _policy_departures(policy: PosPolicy, places: Sequence[PlaceOfSafety]) -> list[str]:
    """What a user's policy offers that the packaged policy excludes, one note per port
    offered: a file that leaves Libya out would otherwise make Libyan ports places of
    safety without a word.

    Examples
    --------
    >>> _policy_departures(packaged_pos_policy(), [])
    []
    """
    if policy.origin == "packaged":
        return []
    packaged = packaged_pos_policy()
    notes = []
    for place in places:
        default = packaged.status_of(place.port)
        if place.status.status != "excluded" and default.status == "excluded":
            notes.append(
                f"{place.port.name} ({place.port.country}) is offered as {place.status.status} "
                f"by the policy {policy.policy_id} ({policy.origin}), but sarwatch's packaged "
                f"policy excludes it: {default.reason} ({default.source})"
            )
    return notes


def _load_policy_file(path: Path) -> PosPolicy:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise DataError(
            f"cannot read the place-of-safety policy file {path} ({exc.strerror}); "
            "fix SARWATCH_POS_POLICY_FILE or unset it to use the packaged policy"
        ) from exc
    return parse_pos_policy(text, origin=str(path))


@dataclass(frozen=True)
class PlaceOfSafety:
    """A port offered (eligible) or shown flagged (contested), with the sea route to it."""

    port: Port
    status: PosStatus
    sea_distance_nm: float
    great_circle_nm: float
    bearing_deg_true: float
    eta_h: float
    route: RouteLike

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields; ``flag`` is null for eligible ports."""
        flag = None
        if self.status.status != "eligible":
            flag = {
                "status": self.status.status,
                "reason": self.status.reason,
                "source": self.status.source,
                "source_date": self.status.source_date,
            }
        return {
            "port": self.port.name,
            "port_id": self.port.port_id,
            "country": self.port.country,
            "status": self.status.status,
            "flag": flag,
            "sea_distance_nm": round(self.sea_distance_nm, 1),
            "great_circle_nm": round(self.great_circle_nm, 1),
            "bearing_deg_true": whole_degrees(self.bearing_deg_true),
            "eta_h": round(self.eta_h, 2),
            "port_lat": self.port.lat,
            "port_lon": self.port.lon,
            "route": self.route.to_geojson(),
        }


@dataclass(frozen=True)
class ExcludedPort:
    """A port the policy excludes as a place of safety, with reason and source."""

    port: Port
    status: PosStatus
    great_circle_nm: float
    bearing_deg_true: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "port": self.port.name,
            "port_id": self.port.port_id,
            "country": self.port.country,
            "great_circle_nm": round(self.great_circle_nm, 1),
            "bearing_deg_true": whole_degrees(self.bearing_deg_true),
            "reason": self.status.reason,
            "source": self.status.source,
            "source_date": self.status.source_date,
        }


@dataclass(frozen=True)
class Assessment:
    """Everything sarwatch says about one position.

    ``to_dict()`` gives the JSON the CLI (``--json``) and ``GET /api/assess`` return.
    Distances are nautical miles; bearings (``*_deg_true``) are the initial geodesic
    bearing from the position, in whole degrees true, 0-359 (to the ports: from the
    nearest sea point when the position is on land).
    """

    lon: float
    lat: float
    on_land: bool
    nearest_sea_point: tuple[float, float] | None
    distance_to_coast_nm: float
    nearest_coast_state: str
    zone: str
    zone_state: str
    srr: tuple[str, ...]
    rccs: tuple[Rcc, ...]
    places_of_safety: tuple[PlaceOfSafety, ...]
    excluded_ports: tuple[ExcludedPort, ...]
    unreachable_ports: tuple[str, ...]
    rules: tuple[SelectedRule, ...]
    speed_kn: float
    situation: str
    vessel: str
    policy: PosPolicy
    routed: bool
    notes: tuple[str, ...] = field(default=())
    nearest_coast_point: tuple[float, float] | None = None
    bearing_to_coast_deg_true: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of the assessment (plain types only)."""
        warning, _ = _rcc_document()
        sea = self.nearest_sea_point
        coast = self.nearest_coast_point
        bearing = self.bearing_to_coast_deg_true
        return {
            "lat": self.lat,
            "lon": self.lon,
            "position": format_position(self.lon, self.lat),
            "on_land": self.on_land,
            "nearest_sea_point": None if sea is None else {"lat": sea[1], "lon": sea[0]},
            "distance_to_coast_nm": (
                round(self.distance_to_coast_nm, 2)
                if math.isfinite(self.distance_to_coast_nm)
                else None
            ),
            "nearest_coast_state": self.nearest_coast_state or None,
            "nearest_coast_point": None if coast is None else {"lat": coast[1], "lon": coast[0]},
            "bearing_to_coast_deg_true": None if bearing is None else whole_degrees(bearing),
            "zone": self.zone,
            "zone_state": self.zone_state or None,
            "zone_note": ZONE_NOTE,
            "srr": list(self.srr),
            "rccs": [r.to_dict() for r in self.rccs],
            "rcc_warning": warning,
            "speed_kn": self.speed_kn,
            "places_of_safety": [p.to_dict() for p in self.places_of_safety],
            "excluded_ports": [p.to_dict() for p in self.excluded_ports],
            "unreachable_ports": list(self.unreachable_ports),
            "routed": self.routed,
            "pos_policy": self.policy.summary(),
            "situation": self.situation,
            "vessel": self.vessel,
            "rules": [r.to_dict() for r in self.rules],
            "notes": list(self.notes),
        }


def _check_inputs(lon: float, lat: float, speed_kn: float) -> None:
    if not (
        isinstance(lat, int | float) and math.isfinite(lat) and LAT_MIN_DEG <= lat <= LAT_MAX_DEG
    ):
        raise InputError(f"latitude must be a number between -90 and 90 degrees, got {lat!r}")
    if not (
        isinstance(lon, int | float) and math.isfinite(lon) and LON_MIN_DEG <= lon <= LON_MAX_DEG
    ):
        raise InputError(f"longitude must be a number between -180 and 180 degrees, got {lon!r}")
    if not (isinstance(speed_kn, int | float) and math.isfinite(speed_kn) and speed_kn > 0):
        raise InputError(f"speed must be a positive number of knots (e.g. 10), got {speed_kn!r}")


def _default_router(cache_dir: Path | None) -> RouterLike:
    from sarwatch.geo.routing import sea_router

    return sea_router(cache_dir)


def assess_position(
    lon: float,
    lat: float,
    *,
    speed_kn: float = DEFAULT_SPEED_KN,
    settings: Settings | None = None,
    policy: PosPolicy | None = None,
    router: RouterLike | None = None,
    situation: str = "distress_alert",
    vessel: str = "ngo",
    n_places: int = N_PLACES,
    route: bool = True,
) -> Assessment:
    """Assess one position.

    Parameters
    ----------
    lon, lat
        WGS84 degrees.
    speed_kn
        The assisting ship's speed for ETAs, knots.
    settings
        Configuration (cache directory, place-of-safety policy file).
    policy
        Place-of-safety policy; default from ``settings`` (or the packaged one).
    router
        Sea router; default :func:`sarwatch.geo.routing.sea_router`.
    situation
        ``distress_alert`` or ``rescue_completed`` (selects rules).
    vessel
        ``ngo``, ``merchant`` or ``state`` (selects rules).
    n_places
        How many eligible places of safety to rank by sea distance.
    route
        False to skip routing (no places of safety, faster).

    Returns
    -------
    Assessment

    Raises
    ------
    InputError
        Latitude/longitude out of range, non-positive speed, unknown situation or vessel.

    Outside the packaged regions the answer says so (``notes``): land test, distance
    to the coast and zone from the global GSHHG coastline, no SAR region, RCC or port.
    """
    _check_inputs(lon, lat, speed_kn)
    lon, lat = float(lon), float(lat)
    cache_dir = settings.cache_dir if settings is not None else None
    outside = not bool(REGION.contains(lon, lat))
    if outside:
        coast = assess_coast_outside(lon, lat, cache_dir=cache_dir)
    else:
        coast = assess_coast(lon, lat, cache_dir=cache_dir)
    on_land = bool(coast.on_land[0])
    sea_point: tuple[float, float] | None = None
    if on_land:
        sea_point = (
            nearest_sea_point_outside(lon, lat, cache_dir=cache_dir)
            if outside
            else nearest_sea_point(lon, lat, cache_dir=cache_dir)
        )
    # On land, the SAR regions (and so the RCCs) are those of the nearest sea point.
    membership = srr_membership(*(sea_point or (lon, lat)))
    srr = tuple(k for k, inside in membership.items() if bool(inside.reshape(-1)[0]))
    ctx = RuleContext(
        lon=lon,
        lat=lat,
        on_land=on_land,
        distance_to_coast_nm=float(coast.distance_to_coast_nm[0]),
        nearest_coast_state=str(coast.nearest_coast_state[0]),
        srr=srr,
        situation=situation,
        vessel=vessel,
    )
    rules = tuple(select_rules(ctx))
    policy = policy or load_policy(settings)
    origin = sea_point or (lon, lat)
    notes: list[str] = []
    if outside:
        notes.append(
            f"outside the packaged regions ({REGION.describe()}): sarwatch has no SAR regions, "
            "RCCs, ports or places of safety for this area; the land test and the distance to "
            "the coast use the global GSHHG coastline"
        )
        if not math.isfinite(float(coast.distance_to_coast_nm[0])):
            notes.append(f"no coast within {OUTSIDE_SEARCH_NM:g} nm")
    if on_land and sea_point is not None:
        where = format_position(sea_point[0], sea_point[1])
        notes.append(
            "the position is on land (GSHHG full-resolution coastline); the SAR regions, RCCs "
            f"and routes are those of the nearest sea point, {where}"
        )
    elif on_land:
        notes.append(
            f"the position is on land with no sea within {OUTSIDE_SEARCH_NM:g} nm; no SAR "
            "region can be named"
        )
    if not srr and not outside:
        packaged = ", ".join(r.srr_id for r in sar_regions())
        notes.append(
            f"the position lies in none of the packaged SAR regions ({packaged}); it may lie "
            "in another State's region that sarwatch does not hold (e.g. Algeria's or "
            "France's): check the IMO GISIS SAR plan; sarwatch names no RCC here"
        )
    if len(srr) > 1:
        notes.append(
            f"the position lies in more than one SAR region as the States declared them to "
            f"the IMO ({', '.join(srr)}): the regions overlap or meet here. sarwatch names the "
            "RCC of each and does not decide which State is responsible; delimiting an SRR "
            "prejudices no boundary between States (SAR Convention annex 2.1.7)"
        )

    by_status: dict[str, list[tuple[Port, float]]] = {s: [] for s in POS_STATUSES}
    in_region = [] if outside else [p for p in ports() if p.in_region(REGION)]
    for port, gc_nm in nearest_by_great_circle(origin[0], origin[1], in_region):
        by_status[policy.status_of(port).status].append((port, gc_nm))
    excluded = tuple(
        ExcludedPort(
            port=p,
            status=policy.status_of(p),
            great_circle_nm=d,
            bearing_deg_true=_bearing(origin, p),
        )
        for p, d in by_status["excluded"][:_N_EXCLUDED]
    )
    places: list[PlaceOfSafety] = []
    unreachable: list[str] = []
    if route and not outside:
        candidates = (
            by_status["eligible"][:_N_ELIGIBLE_CANDIDATES]
            + by_status["contested"][:_N_CONTESTED_CANDIDATES]
        )
        sea_router = router if router is not None else _default_router(cache_dir)
        routes = sea_router.routes_from(origin, [(p.lon, p.lat) for p, _ in candidates])
        found: list[PlaceOfSafety] = []
        for (port, gc_nm), sea_route in zip(candidates, routes, strict=True):
            if sea_route is None:
                unreachable.append(port.name)
                continue
            found.append(
                PlaceOfSafety(
                    port=port,
                    status=policy.status_of(port),
                    sea_distance_nm=float(sea_route.distance_nm),
                    great_circle_nm=gc_nm,
                    bearing_deg_true=_bearing(origin, port),
                    eta_h=float(eta_h(sea_route.distance_nm, speed_kn)),
                    route=sea_route,
                )
            )
        found.sort(key=lambda p: p.sea_distance_nm)
        eligible = [p for p in found if p.status.status == "eligible"][:n_places]
        limit = eligible[-1].sea_distance_nm if len(eligible) == n_places else math.inf
        contested = [
            p for p in found if p.status.status == "contested" and p.sea_distance_nm <= limit
        ]
        places = sorted(eligible + contested, key=lambda p: p.sea_distance_nm)
        notes.extend(_policy_departures(policy, places))
        if contested:
            notes.append(
                "ports flagged 'contested' are shown, not recommended: their status as a "
                "place of safety is disputed; the coordinator decides"
            )
    coast_lon, coast_lat = float(coast.coast_lon[0]), float(coast.coast_lat[0])
    coast_point = (coast_lon, coast_lat) if math.isfinite(coast_lon + coast_lat) else None
    return Assessment(
        lon=lon,
        lat=lat,
        on_land=on_land,
        nearest_sea_point=sea_point,
        distance_to_coast_nm=float(coast.distance_to_coast_nm[0]),
        nearest_coast_state=str(coast.nearest_coast_state[0]),
        zone=str(coast.zone[0]),
        zone_state=str(coast.zone_state[0]),
        srr=srr,
        rccs=tuple(rccs(srr)),
        places_of_safety=tuple(places),
        excluded_ports=excluded,
        unreachable_ports=tuple(unreachable),
        rules=rules,
        speed_kn=float(speed_kn),
        situation=situation,
        vessel=vessel,
        policy=policy,
        routed=route,
        notes=tuple(notes),
        nearest_coast_point=coast_point,
        bearing_to_coast_deg_true=(
            None
            if coast_point is None
            else float(initial_bearing_deg(lon, lat, coast_point[0], coast_point[1]))
        ),
    )


def _bearing(origin: tuple[float, float], port: Port) -> float:
    """Initial true bearing (degrees) of the geodesic from ``origin`` to ``port``."""
    return float(initial_bearing_deg(origin[0], origin[1], port.lon, port.lat))
