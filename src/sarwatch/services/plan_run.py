"""A drift run as a plan's probability map: its cloud at the datum time and its tracks.

A run id (under ``<home>/runs``) or a run directory holding ``drift.nc``; the cloud is
the particles at one output time (the last by default), the tracks the same particles
at every output time (:class:`~sarwatch.planning.motion.CloudTracks`), so that the
plan can follow them during the search (:mod:`sarwatch.services.plan_motion`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from sarwatch.domain.case import require_utc
from sarwatch.errors import InputError, NotFoundError
from sarwatch.planning.cloud import Cloud, to_local_nm
from sarwatch.planning.motion import CloudTracks

__all__ = ["load_drift_cloud", "load_drift_run"]


def _run_dir(ref: str, home_dir: Path) -> Path:
    from sarwatch.services.drift_runs import DriftRuns, check_run_id

    path = Path(ref).expanduser()
    if path.is_dir():
        return path
    try:
        check_run_id(ref)
    except NotFoundError:
        raise NotFoundError(
            f"drift_run {ref!r} is neither a run directory nor a run id "
            f"under {home_dir / 'runs'}; list the runs with GET /api/drift"
        ) from None
    DriftRuns(home_dir / "runs").get(ref)  # NotFoundError names the runs directory
    return home_dir / "runs" / ref


def load_drift_cloud(
    ref: str, home_dir: Path, when: datetime | None = None
) -> tuple[Cloud, tuple[float, float], str]:
    """The cloud of a drift run at an output time, its centre's drift and the object class.

    Parameters
    ----------
    ref
        A run id (under ``<home_dir>/runs``) or a run directory (holding ``drift.nc``).
    home_dir
        The station's home.
    when
        An output time of the run; ``None`` for the last.

    Returns
    -------
    tuple
        The cloud; the centre's drift ``(east_kn, north_kn)`` around that time; the
        run's object class.
    """
    cloud, drift, obj, _ = load_drift_run(ref, home_dir, when)
    return cloud, drift, obj


def load_drift_run(
    ref: str, home_dir: Path, when: datetime | None
) -> tuple[Cloud, tuple[float, float], str, CloudTracks]:
    """:func:`load_drift_cloud` and the run's tracks: the cloud's particles (those with a
    position at ``when``, in the cloud's order) at every output time, equal weights."""
    from sarwatch.adapters.exports.drift_tracks_read import read_run_tracks

    run_dir = _run_dir(ref, home_dir)
    nc = run_dir / "drift.nc"
    if not nc.is_file():
        raise NotFoundError(f"drift run {ref!r} has no drift.nc in {run_dir}: is it done?")
    tracks = read_run_tracks(nc)
    if when is None:
        k = tracks.times.size - 1
    else:
        t = np.datetime64(require_utc(when, "datum_time").replace(tzinfo=None), "s")
        hits = np.flatnonzero(tracks.times == t)
        if hits.size == 0:
            shown = ", ".join(f"{x}Z" for x in tracks.times[:8])
            raise InputError(
                f"datum_time {t}Z is not an output time of drift run {ref!r}: it has {shown}"
                + (" ..." if tracks.times.size > 8 else "")
            )
        k = int(hits[0])
    cloud = Cloud.from_arrays(tracks.lon[:, k], tracks.lat[:, k], time=tracks.times[k])
    # the same particles over time, in the cloud's order (those with a position then)
    keep = np.isfinite(tracks.lon[:, k]) & np.isfinite(tracks.lat[:, k])
    run_tracks = CloudTracks.from_arrays(tracks.times, tracks.lon[keep], tracks.lat[keep])
    drift = (0.0, 0.0)
    if tracks.times.size > 1:
        k0, k1 = max(k - 1, 0), min(k + 1, tracks.times.size - 1)
        if k1 == k0:
            k0 = k1 - 1
        c0 = Cloud.from_arrays(tracks.lon[:, k0], tracks.lat[:, k0]).centre()
        c1 = Cloud.from_arrays(tracks.lon[:, k1], tracks.lat[:, k1]).centre()
        x, y = to_local_nm([c1[0]], [c1[1]], *c0)
        hours = float((tracks.times[k1] - tracks.times[k0]) / np.timedelta64(1, "s")) / 3600.0
        drift = (float(x[0]) / hours, float(y[0]) / hours)
    return cloud, drift, tracks.object_class, run_tracks
