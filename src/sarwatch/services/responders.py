"""Who can reach the boat first: every vessel of the live AIS picture ranked by its time
to intercept the case's drifting target.

The target is the case's latest attached drift run (its particles at the time of the
ranking, interpolated between the run's output times, each with its own velocity from
the output times around it) or, for a case without a usable drift run, its last known
position taken as one stationary particle; the answer says which (``cloud.source`` and
``cloud.note``). Each vessel is dead-reckoned from its last report to the time of the
ranking and solved against every particle (:func:`sarwatch.vessels.intercept.rank_intercepts`).

The answer is the issue 12 contract: ``{"case_id", "computed_at", "cloud": {"run_id",
"particles", "time", ...}, "vessels": [...]}`` sorted by ``eta_p50_h``, unreachable last
(the first vessels' ETAs by sea route around the land, the others' by straight line:
``eta_basis``);
``left_out`` counts the vessels of the picture not ranked: ``sart`` (distress beacons),
``older`` (last report older than ``max_report_age_h``) and ``ahead`` (a report time more
than :data:`MAX_AHEAD_MIN` minutes after ``computed_at``: a wrong clock).
:func:`picture_snapshot` is the part of the AIS picture the ranking used (the vessels,
their last reports and static data), attached to the case with its SHA-256 by
:meth:`sarwatch.services.attachments.Attachments.responders`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from sarwatch.domain.case import require_utc
from sarwatch.domain.events import format_time
from sarwatch.errors import DataError, InputError, NotFoundError
from sarwatch.ledger.canonical import canonical_json, sha256_hex
from sarwatch.services.responders_land import (
    LandTest,
    TrackTest,
    check_land,
    held_course_on_land,
    ranking_key,
)
from sarwatch.vessels.intercept import (
    cpa,
    dead_reckon,
    frame_scales_nm_per_deg,
    rank_intercepts,
)
from sarwatch.vessels.types import VesselKind, VesselReport, VesselState

if TYPE_CHECKING:
    from sarwatch.domain import Case
    from sarwatch.services.assess import RouterLike
    from sarwatch.services.cases import CaseService
    from sarwatch.vessels.picture import LivePicture

__all__ = [
    "DEFAULT_MAX_AGE_H",
    "DEFAULT_MIN_SPEED_KN",
    "MAX_AHEAD_MIN",
    "MAX_CARRY_H",
    "MAX_SHIP_SOG_KN",
    "TargetCloud",
    "case_target",
    "picture_snapshot",
    "rank_responders",
    "responders",
]

#: Vessels whose last report is older than this are left out of a ranking, hours.
DEFAULT_MAX_AGE_H = 6.0
#: A ship (not a SAR aircraft) reporting a faster SOG is taken as reporting none, knots.
MAX_SHIP_SOG_KN = 50.0
#: Reports stamped later than this after the ranking are left out (a receiver's or
#: exporter's clock is wrong), minutes.
MAX_AHEAD_MIN = 5.0
#: The longest a drift run's cloud is carried on (or back) at one interval's velocity, h;
#: beyond it the particles are held there (a cloud carried for days at its last velocity
#: crossed the coast: 16 days at 0.6 kn put a target in the Sahara).
MAX_CARRY_H = 6.0
#: The speed assumed for a vessel reporting less (stopped, at anchor) or no speed, knots:
#: a slow merchant ship's or a fishing boat's passage speed.
DEFAULT_MIN_SPEED_KN = 8.0
_FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class TargetCloud:
    """The target at the time of the ranking: particles, their velocities, their weights.

    Attributes
    ----------
    lon, lat
        Positions at ``time``, degrees, shape ``(n,)``.
    east_kn, north_kn
        Each particle's velocity, knots.
    weight
        Probability per particle (sums to 1).
    time
        The time the positions are for (the ranking's time), UTC.
    source
        ``"drift_run"`` or ``"last_position"``.
    run_id
        The drift run's id (``None`` for the last position).
    note
        What the reader should know about the cloud ("" when nothing).
    """

    lon: _FloatArray
    lat: _FloatArray
    east_kn: _FloatArray
    north_kn: _FloatArray
    weight: _FloatArray
    time: datetime
    source: str
    run_id: str | None = None
    note: str = ""

    def centre(self) -> tuple[float, float, float, float]:
        """Weighted mean position and velocity: ``(lon, lat, east_kn, north_kn)``."""
        w = self.weight
        return (
            float(w @ self.lon), float(w @ self.lat),
            float(w @ self.east_kn), float(w @ self.north_kn),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        """The answer's ``cloud``."""
        lon, lat, u, v = self.centre()
        return {
            "run_id": self.run_id,
            "particles": int(self.lon.size),
            "time": format_time(self.time),
            "source": self.source,
            "centroid": {"lon": round(lon, 5), "lat": round(lat, 5)},
            "drift_kn": round(math.hypot(u, v), 2),
            "drift_to_deg": round(math.degrees(math.atan2(u, v)) % 360.0, 1),
            "note": self.note,
        }


def _iso(t: np.datetime64) -> str:
    return f"{np.asarray(t).astype('datetime64[s]')}Z"


def _drift_runs(case: Case) -> list[dict[str, Any]]:
    """The case's drift-run attachment records, newest first."""
    found = [a["record"] for a in case.attachments if a.get("kind") == "drift_run"]
    return [r for r in reversed(found) if isinstance(r, dict)]


def _run_nc(record: dict[str, Any], home_dir: Path) -> tuple[Path | None, str]:
    """The ``drift.nc`` of an attached run on this station, or why there is none."""
    from sarwatch.services.drift_runs import check_run_id
    from sarwatch.services.provenance import file_digest

    run_id = record.get("run_id")
    if not run_id:
        if not (record.get("output_files") or {}).get("netcdf"):
            return None, (
                "it was run from the command line without an output directory, so its "
                "trajectories were not kept: drift the case again with --out DIR (the run "
                "is then kept in the station's runs), or drift it from the map page"
            )
        return None, (
            "it was run from the command line by a sarwatch that did not keep such runs "
            "(its drift.nc is not in the station's runs: rank with sarwatch responders "
            "--drift-run DIR, DIR being the run's --out)"
        )
    try:
        check_run_id(str(run_id))
    except NotFoundError:
        return None, f"its run id {run_id!r} is malformed"
    nc = home_dir / "runs" / str(run_id) / "drift.nc"
    if not nc.is_file():
        return None, f"its trajectories ({nc}) are no longer on this station"
    attached = ((record.get("output_files") or {}).get("netcdf") or {}).get("sha256")
    if attached and file_digest(nc) != attached:
        return None, f"{nc} is not the file attached (its SHA-256 differs)"
    return nc, ""


def _cloud_from_run(nc: Path, run_id: str, when: datetime) -> TargetCloud:
    """The run's particles at ``when`` (linear between output times; beyond the run,
    carried on at the velocity of its first or last interval) and their velocities."""
    from sarwatch.adapters.exports.drift_tracks_read import read_run_tracks

    tracks = read_run_tracks(nc)
    times, lon, lat = tracks.times, tracks.lon, tracks.lat
    t = np.datetime64(when.astimezone(UTC).replace(tzinfo=None), "s")
    note = ""
    if times.size == 1:
        keep = np.isfinite(lon[:, 0]) & np.isfinite(lat[:, 0])
        zeros = np.zeros(int(keep.sum()))
        note = f"the drift run has one output time ({_iso(times[0])}): its particles are held there"
        return TargetCloud(lon[keep, 0], lat[keep, 0], zeros, zeros.copy(),
                           np.full(zeros.size, 1.0 / max(zeros.size, 1)), when, "drift_run",
                           run_id, note)  # fmt: skip
    cap = np.timedelta64(int(MAX_CARRY_H * 3600), "s")
    held = t < times[0] - cap or t > times[-1] + cap
    t_at = min(max(t, times[0] - cap), times[-1] + cap)  # where the particles are taken
    k = int(np.clip(np.searchsorted(times, t_at, side="right") - 1, 0, times.size - 2))
    dt_s = float((times[k + 1] - times[k]) / np.timedelta64(1, "s"))
    f = float((t_at - times[k]) / np.timedelta64(1, "s")) / dt_s
    hold = (
        f" and held there as stationary ({MAX_CARRY_H:g} h is as far as sarwatch carries a "
        "cloud at one velocity: further it would cross coasts); drift the case up to the "
        "ranking for a moving target"
    )
    if t < times[0]:
        minutes = float((times[0] - t_at) / np.timedelta64(60, "s"))
        gap_h = float((times[0] - t) / np.timedelta64(3600, "s"))
        note = (
            f"the drift run starts at {_iso(times[0])}, "
            + (f"{gap_h:.1f} h " if held else "")
            + f"after the ranking: its particles are carried back {minutes:.0f} min at the "
            "velocity of its first output interval" + (hold if held else "")
        )
    elif t > times[-1]:
        minutes = float((t_at - times[-1]) / np.timedelta64(60, "s"))
        gap_h = float((t - times[-1]) / np.timedelta64(3600, "s"))
        note = (
            f"the drift run ends at {_iso(times[-1])}, "
            + (f"{gap_h:.1f} h " if held else "")
            + f"before the ranking: its particles are carried on {minutes:.0f} min at the "
            "velocity of its last output interval"
            + (hold if held else " (drift it further for a better target)")
        )
    lo0, la0, lo1, la1 = lon[:, k], lat[:, k], lon[:, k + 1], lat[:, k + 1]
    keep = np.isfinite(lo0) & np.isfinite(la0) & np.isfinite(lo1) & np.isfinite(la1)
    if not keep.any():
        raise DataError(f"drift run {run_id} has no particle with positions around {_iso(t)}")
    lo0, la0, lo1, la1 = lo0[keep], la0[keep], lo1[keep], la1[keep]
    kx, ky = frame_scales_nm_per_deg((la0 + la1) / 2.0)
    hours = dt_s / 3600.0
    east, north = (lo1 - lo0) * kx / hours, (la1 - la0) * ky / hours
    if held:  # a stale cloud is a stationary target, as a last known position is
        east, north = np.zeros_like(east), np.zeros_like(north)
    n = int(keep.sum())
    return TargetCloud(
        lon=lo0 + f * (lo1 - lo0), lat=la0 + f * (la1 - la0), east_kn=east, north_kn=north,
        weight=np.full(n, 1.0 / n), time=when, source="drift_run", run_id=run_id, note=note,
    )  # fmt: skip


def case_target(
    case: Case, home_dir: Path, when: datetime, *, drift_run: str | None = None
) -> TargetCloud:
    """The target of a case at ``when``: its latest attached drift run on this station,
    or its last known position as one stationary particle (the note says why).

    Parameters
    ----------
    case
        The case.
    home_dir
        The station's home (drift runs under ``runs/``).
    when
        The time of the ranking (UTC).
    drift_run
        A run id or run directory to use instead of the attached runs.

    Raises
    ------
    InputError
        A case with neither a usable drift run nor a position.
    """
    if drift_run is not None:
        from sarwatch.services.drift_runs import check_run_id

        run_dir = Path(drift_run).expanduser()
        if not run_dir.is_dir():
            run_dir = home_dir / "runs" / check_run_id(drift_run)
        nc = run_dir / "drift.nc"
        if not nc.is_file():
            raise NotFoundError(
                f"drift run {drift_run!r} has no drift.nc in {run_dir}: is it done?"
            )
        return _cloud_from_run(nc, run_dir.name, when)
    why = "it has no drift run attached"
    runs = _drift_runs(case)
    if runs:
        found, reason = _run_nc(runs[0], home_dir)
        if found is not None:
            return _cloud_from_run(found, str(runs[0]["run_id"]), when)
        why = f"its latest drift run cannot be used: {reason}"
    last = case.last_position
    if last is None:
        raise InputError(
            f"case {case.case_id} has no position and {why.removeprefix('it ')}: report a position "
            f"(sarwatch case report {case.case_id} --lat .. --lon ..) or drift one first"
        )
    one = np.ones(1)
    lon, lat, where = last.lon, last.lat, "the last known position"
    if last.on_land is not None:  # ships meet the boat at sea: the flagged sea point
        lon, lat = last.on_land.sea_lon, last.on_land.sea_lat
        where = (
            f"the sea point nearest to the last known position, which the coastline puts "
            f"on land ({lat:.4f}, {lon:.4f}; confirm the position with the source)"
        )
    return TargetCloud(
        lon=np.array([lon]), lat=np.array([lat]), east_kn=0 * one, north_kn=0 * one,
        weight=one, time=when, source="last_position",
        note=(
            f"ranked against {where} ({format_time(last.time)}), taken as "
            f"stationary, because {why}; drift the case for a moving target"
        ),
    )  # fmt: skip


def _round(x: float, nd: int) -> float | None:
    return round(float(x), nd) if math.isfinite(x) else None


def _report_json(r: VesselReport) -> dict[str, Any]:
    return {
        "mmsi": r.mmsi, "time": format_time(r.time), "lon": r.lon, "lat": r.lat,
        "sog_kn": r.sog_kn, "cog_deg": r.cog_deg, "heading_deg": r.heading_deg,
        "nav_status": r.nav_status, "msg_type": r.msg_type,
    }  # fmt: skip


def picture_snapshot(states: list[VesselState], computed_at: datetime) -> dict[str, Any]:
    """The AIS picture a ranking used: each vessel's last report and static data.

    ``sha256`` is the SHA-256 of the canonical JSON (:func:`sarwatch.ledger.canonical_json`)
    of everything else in the snapshot, so that a reader can check it from the bundle.
    """
    vessels = []
    for s in sorted(states, key=lambda s: s.mmsi):
        st = s.static
        vessels.append({
            "mmsi": s.mmsi,
            "kind": str(s.kind),
            "report": _report_json(s.report),
            "static": None if st is None else {
                "name": st.name, "callsign": st.callsign, "imo": st.imo,
                "ship_type": st.ship_type, "length_m": st.length_m,
                "destination": st.destination,
            },
        })  # fmt: skip
    body = {"as_of": format_time(computed_at), "vessels": vessels}
    return {**body, "sha256": sha256_hex(canonical_json(body))}


def rank_responders(
    case_id: str,
    *,
    case: Case,
    picture: LivePicture,
    home_dir: Path,
    now: datetime,
    drift_run: str | None = None,
    max_age_h: float = DEFAULT_MAX_AGE_H,
    min_speed_kn: float = DEFAULT_MIN_SPEED_KN,
    router: RouterLike | None = None,
    on_land: LandTest | None = None,
    track_on_land: TrackTest | None = None,
) -> tuple[dict[str, Any], list[VesselState]]:
    """Rank the live picture's vessels by their time to intercept the case's target.

    Parameters
    ----------
    case_id, case
        The case and its id.
    picture
        The live AIS picture.
    home_dir
        The station's home (drift runs).
    now
        The time of the ranking (UTC): vessels are dead-reckoned to it, the particles
        interpolated to it, and every ETA counts from it.
    drift_run
        A run id or directory to rank against instead of the case's latest.
    max_age_h
        Leave out vessels whose last report is older, hours.
    min_speed_kn
        The speed assumed for a vessel reporting less or none, knots.
    router
        A sea router (:func:`sarwatch.geo.routing.sea_router`): the first
        :data:`~sarwatch.services.responders_land.SEA_CHECK_N` vessels are ranked by their
        sea route (``eta_basis``, ``sea_nm``, ``land_between``, ``sea_extra_h``: the
        detour, included in their ETAs; :func:`~sarwatch.services.responders_land.check_land`).
        Without one every ETA is by straight line.
    on_land
        ``on_land(lon, lat)`` -> bool array (:meth:`sarwatch.geo.coast.LandMask.contains`):
        a vessel dead-reckoned onto land is taken where it reported instead
        (``reckoned_onto_land``, and its ``note`` says why).
    track_on_land
        With ``on_land``, the test of whole legs
        (:func:`~sarwatch.services.responders_land.tracks_on_land`): a vessel whose course
        held since its report crosses land (an island) and ends at sea is treated the same.

    Returns
    -------
    tuple
        The answer (the contract in the module docstring) and the vessels ranked (for
        :func:`picture_snapshot`).

    Raises
    ------
    InputError
        Bad parameters, or a case with neither drift run nor position.
    """
    now = require_utc(now, "now")
    if not (0 < max_age_h <= 48):
        raise InputError(
            f"the oldest report to rank (max age) must be more than 0 and at most 48 hours, "
            f"got {max_age_h:g}"
        )
    if not (0 < min_speed_kn <= 60):
        raise InputError(
            f"the speed assumed for slow vessels (min speed) must be more than 0 and at most "
            f"60 knots, got {min_speed_kn:g}"
        )
    target = case_target(case, home_dir, now, drift_run=drift_run)
    since = now - timedelta(hours=max_age_h)
    ahead = now + timedelta(minutes=MAX_AHEAD_MIN)
    states: list[VesselState] = []
    recent = picture.vessels(since=since)
    # the older ones only counted (a day's picture holds many; no state built for them)
    left_out = {"sart": 0, "older": max(len(picture) - len(recent), 0), "ahead": 0}
    for s in recent:
        if s.kind is VesselKind.SART:
            left_out["sart"] += 1
        elif s.report.time > ahead:
            left_out["ahead"] += 1
        else:
            states.append(s)
    answer: dict[str, Any] = {
        "case_id": case_id,
        "computed_at": format_time(now),
        "cloud": target.to_json(),
        "max_report_age_h": max_age_h,
        "min_speed_kn": min_speed_kn,
        "left_out": left_out,
        "vessels": [],
    }
    if not states:
        return answer, states
    rep = [s.report for s in states]
    age_h = np.array([max((now - r.time).total_seconds(), 0.0) / 3600.0 for r in rep])
    # a ship's SOG above MAX_SHIP_SOG_KN is a glitch (102.2 means "102.2 kn or more"):
    # ranked at it, a ship 20 nm away would come first at 13 min; it counts as none
    sog = np.array([
        np.nan
        if r.sog_kn is None
        or (r.sog_kn > MAX_SHIP_SOG_KN and s.kind is not VesselKind.SAR_AIRCRAFT)
        else r.sog_kn
        for r, s in zip(rep, states, strict=True)
    ])  # fmt: skip
    cog = np.array([np.nan if r.cog_deg is None else r.cog_deg for r in rep])
    lon0, lat0 = np.array([r.lon for r in rep]), np.array([r.lat for r in rep])
    moving = np.isfinite(sog) & np.isfinite(cog)
    lon, lat = dead_reckon(lon0, lat0, np.where(moving, sog, 0.0), np.where(moving, cog, 0.0),
                           age_h)  # fmt: skip
    # a course held since the report that ends on land or crosses it did not happen: the
    # ship turned, so it is taken where it reported (its uncertainty still sog x age)
    aground, notes = held_course_on_land(lon0, lat0, sog, cog, age_h, on_land=on_land,
                                         track_on_land=track_on_land)  # fmt: skip
    lon, lat = np.where(aground, lon0, lon), np.where(aground, lat0, lat)
    speed = np.where(np.isfinite(sog) & (sog >= min_speed_kn), sog, min_speed_kn)
    ranking = rank_intercepts(lon, lat, speed, target.lon, target.lat, target.east_kn,
                              target.north_kn, target.weight)  # fmt: skip
    # the centroid: distance now and the closest approach if every vessel holds on
    c_lon, c_lat, c_u, c_v = target.centre()
    kx, ky = frame_scales_nm_per_deg((lat + c_lat) / 2.0)
    dlon = (c_lon - lon + 180.0) % 360.0 - 180.0
    rx, ry = dlon * kx, (c_lat - lat) * ky
    cog_rad = np.radians(np.where(moving, cog, 0.0))
    su, sv = (
        np.where(moving, sog, 0.0) * np.sin(cog_rad),
        np.where(moving, sog, 0.0) * np.cos(cog_rad),
    )
    cpa_nm, tcpa_h = cpa(rx, ry, c_u - su, c_v - sv)
    # the report's age: the vessel may be anywhere within sog x age of where it was
    # dead-reckoned to; that moves each ETA by at most this over the closing speed
    drift_speed = math.hypot(c_u, c_v)
    unc_nm = np.where(np.isfinite(sog), sog, speed) * age_h
    rows = []
    for i, s in enumerate(states):
        st = s.static
        p50, p90 = float(ranking.eta_h[i, 0]), float(ranking.eta_h[i, 1])
        closing = speed[i] - drift_speed
        rows.append({
            "mmsi": s.mmsi,
            "name": None if st is None else st.name,
            "type": str(s.kind),
            "ship_type": None if st is None else st.ship_type,
            "sar": s.kind.sar_capable,
            "last_report": format_time(s.report.time),
            "report_age_min": round(age_h[i] * 60.0, 1),
            "lat": s.report.lat,
            "lon": s.report.lon,
            "lat_now": round(float(lat[i]), 5),
            "lon_now": round(float(lon[i]), 5),
            "dead_reckoned": bool(moving[i] and age_h[i] > 0 and not aground[i]),
            "reckoned_onto_land": bool(aground[i]),
            "sog_kn": s.report.sog_kn,
            "cog_deg": s.report.cog_deg,
            "speed_kn": round(float(speed[i]), 1),
            "speed_basis": "sog" if np.isfinite(sog[i]) and sog[i] >= min_speed_kn else "assumed",
            "eta_p50_h": _round(p50, 3),
            "eta_p90_h": _round(p90, 3),
            "distance_nm": round(float(math.hypot(rx[i], ry[i])), 2),
            "reachable_fraction": round(float(ranking.reachable_fraction[i]), 4),
            "cpa_nm": round(float(cpa_nm[i]), 2),
            "tcpa_h": round(float(tcpa_h[i]), 3),
            "position_uncertainty_nm": round(float(unc_nm[i]), 2),
            "eta_uncertainty_h": (
                round(float(unc_nm[i] / closing), 3) if closing > 0 and math.isfinite(p50) else None
            ),
            "eta_basis": "straight_line",  # check_land: "sea_route"
            "sea_nm": None, "land_between": None, "sea_extra_h": None,  # check_land
            "note": notes[i],
        })  # fmt: skip
    rows.sort(key=ranking_key)
    if router is not None:  # the first rows by sea route, their detours in their ETAs
        check_land(rows, router, (c_lon, c_lat))
    answer["vessels"] = rows
    return answer, states


def responders(
    cases: CaseService,
    picture: LivePicture,
    home_dir: Path,
    case_id: str,
    *,
    now: datetime | None = None,
    attach_as: str | None = None,
    **options: Any,
) -> dict[str, Any]:
    """:func:`rank_responders` for a stored case; with ``attach_as`` (the actor), the
    picture used and the ranking are attached to the case (kind ``responders``) and the
    answer's ``attachment`` names the snapshot's SHA-256.

    Raises
    ------
    NotFoundError
        An unknown case.
    ConflictError
        ``attach_as`` for a closed case.
    """
    from sarwatch.services.attachments import Attachments

    case = cases.get(case_id)
    if attach_as is not None:
        cases.require_writable(case_id)
    when = now if now is not None else datetime.now(UTC).replace(microsecond=0)
    answer, states = rank_responders(
        case_id, case=case, picture=picture, home_dir=home_dir, now=when, **options
    )
    if attach_as is not None:
        snapshot = picture_snapshot(states, when)
        Attachments(cases).responders(case_id, answer, snapshot, actor=attach_as)
        answer["attachment"] = {"kind": "responders", "picture_sha256": snapshot["sha256"]}
    return answer
