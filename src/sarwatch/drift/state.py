"""Particle state: positions, status codes and per-particle Leeway coefficients.

The state is a structure of arrays (one numpy array per attribute, one element
per particle) so that the numba kernels read it without copies. Status is data:
a particle that strands, leaves the forcing grid or meets missing forcing gets a
status code and stops moving; nothing raises inside the loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "ACTIVE",
    "NOT_RELEASED",
    "NO_FORCING",
    "OUT_OF_DOMAIN",
    "STATUS_NAMES",
    "STRANDED",
    "ParticleState",
]

#: The particle drifts.
ACTIVE = 0
#: The particle touched land (full-resolution coastline) and stays there.
STRANDED = 1
#: The particle left the forcing grid.
OUT_OF_DOMAIN = 2
#: The wind at the particle is missing (all surrounding grid values are NaN).
NO_FORCING = 3
#: Seeded later in the run (cone seeding); not moving yet.
NOT_RELEASED = 4

#: Status code -> name, as written in summaries and output files.
STATUS_NAMES: dict[int, str] = {
    ACTIVE: "active",
    STRANDED: "stranded",
    OUT_OF_DOMAIN: "out_of_domain",
    NO_FORCING: "no_forcing",
    NOT_RELEASED: "not_released",
}


@dataclass
class ParticleState:
    """All particles of a run (structure of arrays, length ``n``).

    Attributes
    ----------
    lon, lat
        Position, degrees (float64).
    status
        One of the status codes (int8).
    release_s
        Release time, seconds since the run's start time (float64); 0 for particles
        present at the start. In backward runs release times are <= 0.
    dwl_slope, dwl_offset
        Perturbed downwind leeway: slope (fraction of the 10 m wind speed, 1) and
        offset (m/s).
    cwl_slope, cwl_offset
        Perturbed crosswind leeway of the particle's two orientations, shape ``(n, 2)``,
        slope (1) and offset (m/s): column ``side`` at seeding holds the table branch
        the particle was drawn on (0 the table's "right" coefficients, 1 its "left"
        ones); the other column is what a jibe gives, the table slope's sign flipped
        with the offset and perturbation kept (as the reference). Positive crosswind
        leeway points to the **left** of downwind (the operational convention,
        ``docs/design/004-drift.md``).
    side
        Current orientation (int8), the column of ``cwl_slope``/``cwl_offset`` in use.
        Jibing flips it.
    capsized
        Whether the object has capsized (uint8); capsized objects drift with a fraction
        of their leeway. May be set before a backward run (the object was found capsized).
    category
        Index of the Leeway category each particle was drawn from (int16).
    wind_err_u, wind_err_v, current_err_u, current_err_v
        Per-particle constant forcing errors (m/s) for on-scene observations with a
        stated uncertainty (zeros otherwise; float32).
    vel_u, vel_v, vel_ok
        The last midpoint velocity (m/s) and whether it is valid (uint8): the predictor
        of the next step of the default scheme. Reset at the start of every run.
    """

    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    status: npt.NDArray[np.int8]
    release_s: npt.NDArray[np.float64]
    dwl_slope: npt.NDArray[np.float64]
    dwl_offset: npt.NDArray[np.float64]
    cwl_slope: npt.NDArray[np.float64]
    cwl_offset: npt.NDArray[np.float64]
    side: npt.NDArray[np.int8]
    capsized: npt.NDArray[np.uint8]
    category: npt.NDArray[np.int16]
    wind_err_u: npt.NDArray[np.float32]
    wind_err_v: npt.NDArray[np.float32]
    current_err_u: npt.NDArray[np.float32]
    current_err_v: npt.NDArray[np.float32]
    vel_u: npt.NDArray[np.float64]
    vel_v: npt.NDArray[np.float64]
    vel_ok: npt.NDArray[np.uint8]

    @property
    def n(self) -> int:
        """Number of particles."""
        return int(self.lon.size)

    @classmethod
    def passive(cls, lon: npt.ArrayLike, lat: npt.ArrayLike) -> ParticleState:
        """Particles without leeway (pure current followers), released at the start.

        Parameters
        ----------
        lon, lat
            Positions, degrees.

        Examples
        --------
        >>> s = ParticleState.passive([12.5, 12.6], [33.2, 33.3])
        >>> s.n, s.status.tolist()
        (2, [0, 0])
        """
        lon_a = np.array(lon, dtype=np.float64).ravel()
        lat_a = np.array(lat, dtype=np.float64).ravel()
        n = lon_a.size
        return cls.seeded(
            lon_a, lat_a, np.zeros(n, np.int8), np.zeros(n),
            dwl_slope=np.zeros(n), dwl_offset=np.zeros(n), cwl_slope=np.zeros((n, 2)),
            cwl_offset=np.zeros((n, 2)), side=np.zeros(n, np.int8),
            category=np.full(n, -1, np.int16),
        )  # fmt: skip

    @classmethod
    def seeded(
        cls,
        lon: npt.NDArray[np.float64],
        lat: npt.NDArray[np.float64],
        status: npt.NDArray[np.int8],
        release_s: npt.NDArray[np.float64],
        *,
        dwl_slope: npt.NDArray[np.float64],
        dwl_offset: npt.NDArray[np.float64],
        cwl_slope: npt.NDArray[np.float64],
        cwl_offset: npt.NDArray[np.float64],
        side: npt.NDArray[np.int8],
        category: npt.NDArray[np.int16],
    ) -> ParticleState:
        """Particles as seeded, taking over (not copying) the given arrays; the run's own
        state (upright, no forcing errors, no predictor yet) starts at zero."""
        n = lon.size
        return cls(
            lon=lon,
            lat=lat,
            status=status,
            release_s=release_s,
            dwl_slope=dwl_slope,
            dwl_offset=dwl_offset,
            cwl_slope=cwl_slope,
            cwl_offset=cwl_offset,
            side=side,
            capsized=np.zeros(n, np.uint8),
            category=category,
            wind_err_u=np.zeros(n, np.float32),
            wind_err_v=np.zeros(n, np.float32),
            current_err_u=np.zeros(n, np.float32),
            current_err_v=np.zeros(n, np.float32),
            vel_u=np.zeros(n),
            vel_v=np.zeros(n),
            vel_ok=np.zeros(n, np.uint8),
        )

    def status_counts(self) -> dict[str, int]:
        """Number of particles per status name (all names present, zeros included).

        Examples
        --------
        >>> s = ParticleState.passive([12.5, 12.6, 12.7], [33.2, 33.3, 33.4])
        >>> s.status[1] = STRANDED
        >>> s.status_counts()["active"], s.status_counts()["stranded"]
        (2, 1)
        """
        # one comparison per code on the int8 array (no int64 copy for a bincount)
        return {name: int(np.count_nonzero(self.status == k)) for k, name in STATUS_NAMES.items()}
