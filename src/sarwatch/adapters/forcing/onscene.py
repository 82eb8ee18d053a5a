"""On-scene observations as forcing: a wind or current reported by a ship at sea.

Winds are reported as speed and the direction they blow **from** (meteorological
convention, degrees true); currents as speed and the direction they set
**towards** (oceanographic convention). Both become uniform
:class:`~sarwatch.drift.forcing.VectorField` objects, constant or as a time
series, with an optional uncertainty applied as a per-particle constant error.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from sarwatch.drift.forcing import VectorField
from sarwatch.errors import InputError
from sarwatch.geo.units import MS_PER_KN

__all__ = ["KNOT_MS", "current_towards", "wind_from"]

#: One knot in m/s.
KNOT_MS = MS_PER_KN


def _check(speed_kn: np.ndarray, deg: np.ndarray, what: str) -> None:
    if np.any(speed_kn < 0) or not np.all(np.isfinite(speed_kn)):
        raise InputError(f"{what} speed must be finite and >= 0 kn, got {speed_kn.tolist()}")
    if np.any((deg < 0) | (deg > 360)) or not np.all(np.isfinite(deg)):
        raise InputError(f"{what} direction must be 0-360 degrees, got {deg.tolist()}")


def _times(times: Sequence[datetime] | None, n: int, what: str) -> np.ndarray | None:
    if times is None:
        if n != 1:
            raise InputError(f"{what}: {n} observations need {n} times")
        return None
    if len(times) != n:
        raise InputError(f"{what}: {n} observations but {len(times)} times")
    for t in times:
        if t.tzinfo is None:
            raise InputError(f"{what}: time {t.isoformat()} has no time zone; give UTC (…Z)")
    return np.array([np.datetime64(_utc(t), "s") for t in times])


def _utc(t: datetime) -> str:
    return t.astimezone(UTC).replace(tzinfo=None).isoformat()


def wind_from(
    speed_kn: float | Sequence[float],
    from_deg: float | Sequence[float],
    *,
    times: Sequence[datetime] | None = None,
    sigma_kn: float = 0.0,
) -> VectorField:
    """An on-scene 10 m wind: speed (kn) and the direction it blows from (degrees true).

    Examples
    --------
    >>> f = wind_from(10.0, 0.0)  # a north wind blows towards the south
    >>> round(float(f.u[0, 0, 0]), 3), round(float(f.v[0, 0, 0]), 3)
    (-0.0, -5.144)
    """
    return _uniform("wind", speed_kn, from_deg, towards=False, times=times, sigma_kn=sigma_kn)


def current_towards(
    speed_kn: float | Sequence[float],
    towards_deg: float | Sequence[float],
    *,
    times: Sequence[datetime] | None = None,
    sigma_kn: float = 0.0,
) -> VectorField:
    """An on-scene surface current: speed (kn) and the direction it sets towards (degrees true).

    Examples
    --------
    >>> f = current_towards(1.0, 90.0)
    >>> round(float(f.u[0, 0, 0]), 4), round(float(f.v[0, 0, 0]), 4)
    (0.5144, 0.0)
    """
    return _uniform("current", speed_kn, towards_deg, towards=True, times=times, sigma_kn=sigma_kn)


def _uniform(
    what: str,
    speed_kn: float | Sequence[float],
    deg: float | Sequence[float],
    *,
    towards: bool,
    times: Sequence[datetime] | None,
    sigma_kn: float,
) -> VectorField:
    """A uniform field from speeds (kn) and directions (degrees true) it blows from or
    sets ``towards``; constant for one observation, else a time series."""
    s = np.atleast_1d(np.asarray(speed_kn, dtype=float))
    d = np.atleast_1d(np.asarray(deg, dtype=float))
    if s.shape != d.shape:
        raise InputError(f"{what}: {s.size} speeds but {d.size} directions")
    _check(s, d, what)
    rad = np.radians(d)
    speed_ms = (1.0 if towards else -1.0) * s * KNOT_MS  # from: the vector points away
    u, v = speed_ms * np.sin(rad), speed_ms * np.cos(rad)
    t = _times(times, s.size, what)
    way = "towards" if towards else "from"
    name = f"on-scene {what} {s[0]:g} kn {way} {d[0]:g}°" + (" (series)" if s.size > 1 else "")
    if t is None:
        return VectorField.constant(
            float(u[0]), float(v[0]), sigma_ms=sigma_kn * KNOT_MS, name=name
        )
    return VectorField.time_series(t, u, v, sigma_ms=sigma_kn * KNOT_MS, name=name)
