"""The values of the AIS picture: reports, static data, vessel states and kinds.

Positions are ``(lon, lat)`` WGS84 degrees, times timezone-aware UTC, speeds in
knots (``sog_kn``), courses and headings in degrees true (0-360). Fields AIS marks
"not available" (SOG 102.3, COG 360, heading 511, lat 91, lon 181) are ``None``
here, never the sentinel value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["VesselKind", "VesselReport", "VesselState", "VesselStatic"]


class VesselKind(StrEnum):
    """What a station is, for display and for ranking responders."""

    SART = "sart"  #: AIS distress device: SART 970xxxxxx, MOB 972xxxxxx, EPIRB-AIS 974xxxxxx
    SAR_AIRCRAFT = "sar_aircraft"  #: message type 9 (SAR aircraft position report)
    SAR_VESSEL = "sar_vessel"  #: ship type 51 (search and rescue vessel)
    LAW_ENFORCEMENT = "law_enforcement"  #: ship type 55
    MILITARY = "military"  #: ship type 35
    MERCHANT = "merchant"  #: cargo and tanker (ship types 70-89)
    PASSENGER = "passenger"  #: ship types 60-69
    FISHING = "fishing"  #: ship type 30
    OTHER = "other"  #: anything else, or type unknown

    @property
    def sar_capable(self) -> bool:
        """Whether the unit is a dedicated SAR or state unit (marked in rankings)."""
        return self in {
            VesselKind.SAR_AIRCRAFT,
            VesselKind.SAR_VESSEL,
            VesselKind.LAW_ENFORCEMENT,
            VesselKind.MILITARY,
        }


@dataclass(frozen=True, slots=True)
class VesselReport:
    """One decoded position report.

    Attributes
    ----------
    mmsi
        Maritime Mobile Service Identity (9 digits).
    time
        When the report was made (UTC; from the tag block or the receiver's clock).
    lon, lat
        Position, WGS84 degrees.
    sog_kn, cog_deg, heading_deg
        Speed over ground (knots), course over ground and true heading (degrees);
        ``None`` when not available.
    nav_status
        AIS navigational status (0-15), ``None`` for message types without one.
    msg_type
        The AIS message type the report came from (1-3, 9, 18, 19, 27, ...).
    """

    mmsi: int
    time: datetime
    lon: float
    lat: float
    sog_kn: float | None = None
    cog_deg: float | None = None
    heading_deg: float | None = None
    nav_status: int | None = None
    msg_type: int = 1


@dataclass(frozen=True, slots=True)
class VesselStatic:
    """A vessel's static and voyage data (message types 5, 19, 24), joined by MMSI.

    ``length_m`` is the overall length (A + B dimensions, metres); ``ship_type`` the
    AIS type code (ITU-R M.1371 table 53).
    """

    mmsi: int
    name: str | None = None
    callsign: str | None = None
    imo: int | None = None
    ship_type: int | None = None
    length_m: float | None = None
    destination: str | None = None


@dataclass(frozen=True, slots=True)
class VesselState:
    """A vessel as the live picture knows it: its last report, static data and kind."""

    report: VesselReport
    static: VesselStatic | None
    kind: VesselKind

    @property
    def mmsi(self) -> int:
        """The vessel's MMSI."""
        return self.report.mmsi
