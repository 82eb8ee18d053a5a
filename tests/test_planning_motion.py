"""A timed route against the drifting cloud (planning/motion.py), worked by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from sarwatch.errors import InputError
from sarwatch.planning.cloud import from_local_nm, search_pod
from sarwatch.planning.motion import CloudTracks, route_pod
from sarwatch.planning.pod import LateralRange
from sarwatch.planning.types import Route, Waypoint

LON0, LAT0 = 12.4, 33.6
T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
TIMES = np.array(["2026-12-06T08:00", "2026-12-06T10:00"], dtype="datetime64[s]")


def _tracks(x0: list[float], east_kn: float) -> CloudTracks:
    """Particles at (x0, 0) nm drifting east at ``east_kn`` for 2 h."""
    x = np.array(x0)
    lon0, lat0 = from_local_nm(x, np.zeros_like(x), LON0, LAT0)
    lon2, lat2 = from_local_nm(x + 2 * east_kn, np.zeros_like(x), LON0, LAT0)
    return CloudTracks.from_arrays(TIMES, np.c_[lon0, lon2], np.c_[lat0, lat2])


def _north_leg(x_nm: float, t_start_h: float, t_end_h: float) -> Route:
    """A leg from (x, −5) to (x, +5) nm flown between the two times (10 nm per hour)."""
    lon, lat = from_local_nm([x_nm, x_nm], [-5.0, 5.0], LON0, LAT0)
    return Route(
        name="u",
        pattern="track_line",
        speed_kn=10.0 / (t_end_h - t_start_h),
        waypoints=(
            Waypoint(lon=float(lon[0]), lat=float(lat[0]), eta=T0 + timedelta(hours=t_start_h)),
            Waypoint(lon=float(lon[1]), lat=float(lat[1]), eta=T0 + timedelta(hours=t_end_h)),
        ),
    )


def test_a_drifting_particle_is_met_where_it_is_when_the_unit_passes() -> None:
    # Particle at x = −1 nm drifting east at 1 kn: at +1 h it is at x = 0, where the unit
    # flying north along x = 0 between +0.5 h and +1.5 h crosses y = 0 (at +1.0 h).
    # Definite range W = 0.4 nm: detected (frozen for at most 5 min: 0.083 nm of drift).
    # Against the cloud frozen at the start (x = −1, 1 nm off the leg): missed.
    tracks = _tracks([-1.0], 1.0)
    leg = _north_leg(0.0, 0.5, 1.5)
    curve = LateralRange("definite_range", 0.4)
    assert route_pod(tracks, leg, curve, bin_min=5).tolist() == [1.0]
    start = tracks.at(TIMES[0])
    assert search_pod(start, [(w.lon, w.lat) for w in leg.waypoints], curve).tolist() == [0.0]
    # the same leg flown later (+1.5 h to +2.0 h): the particle is 0.5-1.0 nm east: missed
    assert route_pod(tracks, _north_leg(0.0, 1.5, 2.0), curve, bin_min=5).tolist() == [0.0]


def test_a_particle_drifting_along_the_leg_sees_the_inverse_cube_of_its_lateral_range() -> None:
    # A still particle at x = 0.5 nm and a long leg: POD = 1 − exp(−W²/(4πx²)) for a
    # leg much longer than x; a 10 nm leg from −5 to 5 with the particle at y = 0 gives
    # W²/(8π)·2·5/(x²·sqrt(x² + 25)) = (1/(8π))·10/(0.25·5.025) = 0.31673 (W = 1)
    tracks = _tracks([0.5], 0.0)
    (p,) = route_pod(tracks, _north_leg(0.0, 0.5, 1.5), LateralRange("inverse_cube", 1.0))
    expected = 1 - np.exp(-(1 / (8 * np.pi)) * 10 / (0.25 * np.sqrt(0.25 + 25)))
    assert p == pytest.approx(expected, rel=1e-3)


def test_the_cloud_between_output_times_is_linear() -> None:
    tracks = _tracks([0.0], 1.5)  # 3 nm east in 2 h
    c = tracks.at(np.datetime64("2026-12-06T09:00", "s"))
    lon, _ = from_local_nm([1.5], [0.0], LON0, LAT0)
    assert float(c.lon[0]) == pytest.approx(float(lon[0]), abs=1e-5)


def test_bad_routes() -> None:
    tracks = _tracks([0.0], 1.0)
    leg = _north_leg(0.0, 0.5, 1.5)
    untimed = Route(
        name="u",
        pattern="track_line",
        speed_kn=10,
        waypoints=tuple(Waypoint(lon=w.lon, lat=w.lat) for w in leg.waypoints),
    )
    with pytest.raises(InputError, match="needs a timezone-aware eta"):
        route_pod(tracks, untimed, LateralRange("inverse_cube", 1.0))
    with pytest.raises(InputError, match="runs outside the cloud's times"):
        route_pod(tracks, _north_leg(0.0, 1.5, 2.5), LateralRange("inverse_cube", 1.0))
    with pytest.raises(InputError, match="track times must increase"):
        CloudTracks.from_arrays(TIMES[::-1], [[12.0, 12.0]], [[33.0, 33.0]])
    with pytest.raises(InputError, match="outside the tracks' times"):
        tracks.at(np.datetime64("2026-12-07T00:00", "s"))
