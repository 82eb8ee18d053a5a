"""Forcing as arrays: gridded or on-scene vector fields (current, wind, Stokes drift).

A :class:`VectorField` holds eastward/northward components on a regular
longitude/latitude grid (ascending axes) at a sequence of times. A field with a
1x1 grid is uniform in space (on-scene observations); a field with one time is
constant in time. The kernel interpolates bilinearly in space and linearly in
time; grid values that are NaN (land, missing data) are left out of the
bilinear weights. Where all four neighbours are NaN, a current or Stokes field
counts as zero (the model's land mask reaches past the coastline, which strands
the particle) and a wind field gives the particle the ``NO_FORCING`` status.
Reading files is the adapters' job (:mod:`sarwatch.adapters.forcing`); this module
never opens a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sarwatch.errors import ForcingError, InputError

__all__ = ["Forcing", "VectorField", "coverage_advice"]


def coverage_advice(
    first: np.datetime64, last: np.datetime64, t_first: np.datetime64, t_last: np.datetime64,
    *, what: str = "files",
) -> str:  # fmt: skip
    """What to do when forcing times ``first``..``last`` do not cover a run from
    ``t_first`` (its start) to ``t_last``: the longest run they allow, or a check of
    the start time when they do not reach it."""
    start = t_first
    if not first <= start <= last:
        return (
            f"the run starts at {start} UTC, outside the {what}' times: check --time (UTC) "
            f"and the {what}' dates, or give {what} that cover the run"
        )
    room_s = (last - start if t_last >= t_first else start - first) / np.timedelta64(1, "s")
    hours = int(room_s // 3600)
    if hours < 1:
        return f"give {what} that cover the whole run"
    return f"give {what} that cover the whole run, or shorten it to --hours {hours} or less"


@dataclass(frozen=True)
class VectorField:
    """A 2-D vector field (m/s) on a regular lon/lat grid, at one or more times.

    Attributes
    ----------
    u, v
        Eastward and northward components, m/s, float32, shape ``(nt, ny, nx)``.
        For winds, the vector the air moves towards (meteorological "from"
        directions are converted at the edge).
    times
        ``datetime64[s]`` (UTC), strictly increasing, length ``nt``.
    lon0, dlon, lat0, dlat
        Grid origin (cell-centre coordinates of ``[..., 0, 0]``) and spacing in
        degrees; ``dlon``/``dlat`` > 0 (ascending axes). Ignored for 1x1 grids.
    sigma_ms
        Standard deviation (m/s) of a per-particle constant error added to each
        component (on-scene observations with a stated uncertainty); 0 for none.
    name
        What the field is (for messages), e.g. ``"wind (ERA5 u10/v10)"``.
    """

    u: npt.NDArray[np.float32]
    v: npt.NDArray[np.float32]
    times: npt.NDArray[np.datetime64]
    lon0: float = 0.0
    dlon: float = 1.0
    lat0: float = 0.0
    dlat: float = 1.0
    sigma_ms: float = 0.0
    name: str = "field"

    def __post_init__(self) -> None:
        if self.u.shape != self.v.shape or self.u.ndim != 3:
            raise ForcingError(
                f"{self.name}: u and v must have the same (time, lat, lon) shape; "
                f"got {self.u.shape} and {self.v.shape}"
            )
        if self.times.shape != (self.u.shape[0],):
            raise ForcingError(
                f"{self.name}: {self.u.shape[0]} time slices but {self.times.size} times"
            )
        if self.times.size > 1 and not np.all(np.diff(self.times) > np.timedelta64(0, "s")):
            raise ForcingError(f"{self.name}: times must be strictly increasing")
        if self.dlon <= 0 or self.dlat <= 0:
            raise ForcingError(f"{self.name}: grid spacing must be positive (ascending axes)")
        if self.sigma_ms < 0:
            raise InputError(f"{self.name}: uncertainty must be >= 0 m/s, got {self.sigma_ms}")

    @classmethod
    def constant(
        cls, u_ms: float, v_ms: float, *, sigma_ms: float = 0.0, name: str = "constant"
    ) -> VectorField:
        """A field uniform in space and constant in time.

        Examples
        --------
        >>> f = VectorField.constant(0.5, 0.0, name="current")
        >>> f.u.shape, f.is_uniform
        ((1, 1, 1), True)
        """
        return cls(
            u=np.full((1, 1, 1), u_ms, np.float32),
            v=np.full((1, 1, 1), v_ms, np.float32),
            times=np.array(["1970-01-01T00:00:00"], dtype="datetime64[s]"),
            sigma_ms=sigma_ms,
            name=name,
        )

    @classmethod
    def time_series(
        cls,
        times: npt.ArrayLike,
        u_ms: npt.ArrayLike,
        v_ms: npt.ArrayLike,
        *,
        sigma_ms: float = 0.0,
        name: str = "time series",
    ) -> VectorField:
        """A field uniform in space that varies in time (linear between the times)."""
        t = np.asarray(times, dtype="datetime64[s]")
        u = np.asarray(u_ms, dtype=np.float32).reshape(-1, 1, 1)
        v = np.asarray(v_ms, dtype=np.float32).reshape(-1, 1, 1)
        return cls(u=u, v=v, times=t, sigma_ms=sigma_ms, name=name)

    @property
    def is_uniform(self) -> bool:
        """Whether the field is uniform in space (1x1 grid)."""
        return self.u.shape[1] == 1 and self.u.shape[2] == 1

    @property
    def is_steady(self) -> bool:
        """Whether the field is constant in time (one time slice)."""
        return self.u.shape[0] == 1

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """``(lon_min, lat_min, lon_max, lat_max)`` of the grid's cell centres, degrees."""
        ny, nx = self.u.shape[1:]
        return (
            self.lon0,
            self.lat0,
            self.lon0 + (nx - 1) * self.dlon,
            self.lat0 + (ny - 1) * self.dlat,
        )

    def grid_params(self) -> npt.NDArray[np.float64]:
        """``[lon0, dlon, lat0, dlat]`` for the kernel."""
        return np.array([self.lon0, self.dlon, self.lat0, self.dlat], dtype=np.float64)

    def check_covers(self, t_first: np.datetime64, t_last: np.datetime64) -> None:
        """Raise :class:`ForcingError` unless the field's times cover the window.

        Steady fields cover every window.
        """
        if self.is_steady:
            return
        lo, hi = min(t_first, t_last), max(t_first, t_last)
        if lo < self.times[0] or hi > self.times[-1]:
            what = "observations" if "on-scene" in self.name else "files"
            advice = coverage_advice(self.times[0], self.times[-1], t_first, t_last, what=what)
            raise ForcingError(
                f"{self.name}: the run needs {lo} to {hi} UTC but the forcing covers "
                f"{self.times[0]} to {self.times[-1]} UTC; {advice}"
            )

    def check_contains(self, lon: float, lat: float) -> None:
        """Raise :class:`ForcingError` if a position lies outside the grid."""
        if self.is_uniform:
            return
        lon_min, lat_min, lon_max, lat_max = self.extent
        if not (lon_min <= lon <= lon_max and lat_min <= lat <= lat_max):
            raise ForcingError(
                f"{self.name}: the start position {lat:.4f}°N {lon:.4f}°E lies outside the "
                f"grid ({lon_min:g}–{lon_max:g}°E, {lat_min:g}–{lat_max:g}°N); "
                "give forcing that covers the area"
            )


@dataclass(frozen=True)
class Forcing:
    """The environment of a run. ``None`` means zero (no current, no wind, no Stokes drift).

    Attributes
    ----------
    current, wind, stokes
        Surface current, 10 m wind, and surface Stokes drift.
    """

    current: VectorField | None = None
    wind: VectorField | None = None
    stokes: VectorField | None = field(default=None)

    def fields(self) -> list[VectorField]:
        """The fields that are present."""
        return [f for f in (self.current, self.wind, self.stokes) if f is not None]
