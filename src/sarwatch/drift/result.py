"""The result of a drift run as typed, immutable data.

What a run produced, read by every consumer (the exporters in ``adapters/exports``,
the CLI's table, the web's run record, a case's attachment) instead of a free-form
dict: :class:`RunSummary` (the run and its provenance, one :class:`Snapshot` per
output time, with :class:`StatusCounts`, :class:`RegionShare` and
:class:`Containment` polygons, and :class:`ForcingProvenance` as plain data) and
:class:`DriftResult` (the summary plus the particle arrays). ``to_json`` gives the
``summary.json`` form (rounded for people; the polygons go to the GeoJSON).

Times are ``datetime64[s]`` UTC; positions (lon, lat) WGS84 degrees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "Containment",
    "DriftResult",
    "ForcingFile",
    "ForcingProvenance",
    "RegionShare",
    "RunSummary",
    "Snapshot",
    "Start",
    "StatusCounts",
    "iso_utc",
]


def iso_utc(t: np.datetime64) -> str:
    """``2026-11-20T04:10:00Z`` for a ``datetime64``.

    Examples
    --------
    >>> iso_utc(np.datetime64("2026-11-20T04:10"))
    '2026-11-20T04:10:00Z'
    """
    return str(np.asarray(t).astype("datetime64[s]")) + "Z"


def _r(x: float, nd: int) -> float | None:
    return None if not np.isfinite(x) else round(float(x), nd)


@dataclass(frozen=True)
class StatusCounts:
    """Particles per status (the names of :data:`sarwatch.drift.state.STATUS_NAMES`)."""

    active: int = 0
    stranded: int = 0
    out_of_domain: int = 0
    no_forcing: int = 0
    not_released: int = 0

    @classmethod
    def from_mapping(cls, counts: Mapping[str, int]) -> StatusCounts:
        """From ``{"active": n, ...}``; an unknown name is a programming error."""
        return cls(**{k: int(v) for k, v in counts.items()})

    @property
    def total(self) -> int:
        """All particles."""
        return sum(getattr(self, f.name) for f in fields(self))

    def to_json(self) -> dict[str, int]:
        """``{"active": n, "stranded": n, ...}``, every status present."""
        return {f.name: int(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class RegionShare:
    """Share (0-1) of the located particles in one SAR region (``"none"``: in none)."""

    region: str
    share: float


@dataclass(frozen=True)
class Containment:
    """The smallest region holding ``level`` of the particles, and its geodesic area.

    ``geometry`` is a shapely (Multi)Polygon, valid with its coordinates on a 1e-5
    degree grid (what the GeoJSON writes).
    """

    level: float
    geometry: Any
    area_km2: float

    @property
    def percent(self) -> int:
        """The level as a whole percentage (50, 90, 95)."""
        return round(self.level * 100)


@dataclass(frozen=True)
class Snapshot:
    """The cloud at one output time.

    Attributes
    ----------
    time
        Output time, ``datetime64[s]`` UTC.
    hours
        Hours from the start (negative for a backward run).
    centroid_lon, centroid_lat, std_km
        Centroid (degrees) and RMS distance from it (km) of the located particles
        (NaN when none has a position).
    status
        Particles per status.
    srr_share
        Share of the located particles per SAR region (overlaps counted in each).
    stranded_share
        Stranded particles over all particles.
    containment
        50/90/95 % containment polygons (none when no particle has a position).
    """

    time: np.datetime64
    hours: float
    centroid_lon: float
    centroid_lat: float
    std_km: float
    status: StatusCounts
    srr_share: tuple[RegionShare, ...]
    stranded_share: float
    containment: tuple[Containment, ...] = ()

    def share(self, region: str) -> float:
        """The share in ``region`` (0 when the cloud has none there)."""
        return next((s.share for s in self.srr_share if s.region == region), 0.0)

    def to_json(self) -> dict[str, Any]:
        """The ``summary.json`` form (rounded; no polygons, their areas)."""
        return {
            "time": iso_utc(self.time),
            "hours": self.hours,
            "centroid_lat": _r(self.centroid_lat, 5),
            "centroid_lon": _r(self.centroid_lon, 5),
            "std_km": _r(self.std_km, 3),
            "status_counts": self.status.to_json(),
            "srr_share": {s.region: _r(s.share, 4) for s in self.srr_share},
            "stranded_share": _r(self.stranded_share, 4),
            "containment_area_km2": {f"{c.percent}": _r(c.area_km2, 2) for c in self.containment},
        }


@dataclass(frozen=True)
class ForcingFile:
    """One forcing file as read for a run: role, name, bytes, SHA-256, window read, and
    for a file of the station's forcing library the product it belongs to (provider,
    product id, forecast run time, licence)."""

    role: str
    file: str
    bytes: int
    sha256: str
    window_read: tuple[str, str] | None
    product: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (the window as a two-item list or ``None``; ``product`` only when
        known, so that records made before it keep their form)."""
        window = list(self.window_read) if self.window_read is not None else None
        out: dict[str, Any] = {
            "role": self.role,
            "file": self.file,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "window_read": window,
        }
        if self.product is not None:
            out["product"] = dict(self.product)
        return out


@dataclass(frozen=True)
class ForcingProvenance:
    """What drove a run: a description per field and every file with its hash."""

    current: str
    wind: str
    stokes: str
    files: tuple[ForcingFile, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "current": self.current,
            "wind": self.wind,
            "stokes": self.stokes,
            "files": [f.to_json() for f in self.files],
        }


@dataclass(frozen=True)
class Start:
    """Where and when the run starts (for a backward run: the position found)."""

    lon: float
    lat: float
    time: np.datetime64

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {"lon": self.lon, "lat": self.lat, "time": iso_utc(self.time)}


@dataclass(frozen=True)
class RunSummary:
    """A drift run and its results per output time.

    Attributes
    ----------
    sarwatch_version
        The version that ran it.
    n, steps
        Particles and time steps.
    wall_s, compute_s
        Wall time of the whole use case and of the particle loop, seconds.
    timings_s
        Where the wall time went, seconds: ``setup`` (checks, forcing read, land mask,
        seeding), ``particles`` (the particle loop, = ``compute_s``), ``statistics`` (the
        summaries at every output time) and ``outputs`` (writing the files); empty when
        not measured.
    seed
        The random seed (the run is reproduced from it).
    object, object_members, category_counts
        Object class, its Leeway members with their weights, particles per member drawn.
    start, backward, hours, dt_min, output_min, scheme
        The run as configured.
    forcing
        Forcing descriptions and files (name, bytes, SHA-256, window read).
    exact_land_tests
        Particles tested exactly against the coastline.
    outputs
        One :class:`Snapshot` per output time, in the run's order (the start first).
    particles_in_file
        Particles whose tracks the trajectory file keeps (the first ``max_tracks``: a
        sample when fewer than ``n``).
    files
        Written files by kind (``netcdf``, ``geojson``, ``png``, ``summary``).
    """

    sarwatch_version: str
    n: int
    steps: int
    wall_s: float
    compute_s: float
    seed: int
    object: str
    object_members: Mapping[str, float]
    category_counts: Mapping[str, int]
    start: Start
    backward: bool
    hours: float
    dt_min: float
    output_min: float
    scheme: str
    forcing: ForcingProvenance
    exact_land_tests: int
    outputs: tuple[Snapshot, ...]
    particles_in_file: int
    files: Mapping[str, str] = field(default_factory=dict)
    timings_s: Mapping[str, float] = field(default_factory=dict)

    @property
    def final(self) -> Snapshot:
        """The last output time."""
        return self.outputs[-1]

    @property
    def particle_steps_per_s(self) -> float:
        """Throughput of the particle loop."""
        return round(self.n * self.steps / max(self.compute_s, 1e-9), 1)

    @property
    def time_direction(self) -> str:
        """``"forward"`` or ``"backward"``."""
        return "backward" if self.backward else "forward"

    @property
    def tracks_sampled(self) -> bool:
        """Whether the trajectory file keeps only a sample of the particles."""
        return self.particles_in_file < self.n

    def to_json(self) -> dict[str, Any]:
        """The ``summary.json`` content."""
        return {
            "sarwatch_version": self.sarwatch_version,
            "n": self.n,
            "steps": self.steps,
            "wall_s": round(self.wall_s, 4),
            "compute_s": round(self.compute_s, 4),
            "timings_s": {k: round(v, 4) for k, v in self.timings_s.items()},
            "particle_steps_per_s": self.particle_steps_per_s,
            "seed": self.seed,
            "object": self.object,
            "object_members": {k: round(w, 4) for k, w in self.object_members.items()},
            "category_counts": dict(self.category_counts),
            "start": self.start.to_json(),
            "backward": self.backward,
            "time_direction": self.time_direction,
            "hours": self.hours,
            "dt_min": self.dt_min,
            "output_min": self.output_min,
            "scheme": self.scheme,
            "forcing": self.forcing.to_json(),
            "exact_land_tests": self.exact_land_tests,
            "particles_in_file": self.particles_in_file,
            "tracks_note": self.tracks_note(),
            "final": self.final.to_json(),
            "outputs": [s.to_json() for s in self.outputs],
            "files": dict(self.files),
        }

    def tracks_note(self) -> str:
        """What the trajectory file holds, in words."""
        if self.tracks_sampled:
            return (
                f"drift.nc keeps the tracks of a sample of {self.particles_in_file:,} of the "
                f"{self.n:,} particles; the statistics use all of them"
            )
        return f"drift.nc keeps the tracks of all {self.n:,} particles"


@dataclass(frozen=True)
class DriftResult:
    """A finished run: its summary and its particles.

    Attributes
    ----------
    summary
        The run and its statistics per output time.
    times
        Output times, ``datetime64[s]``, in the run's order.
    track_lon, track_lat, track_status
        Tracks of the first ``particles_in_file`` particles, ``(n_tracks, n_times)``,
        in the run's order. A run stores them time-major (each output time's positions
        contiguous, as the run copies them), so these are usually transposed
        (Fortran-ordered) views: ``track_lon[:, k]`` is contiguous, ``track_lon.T`` the
        time-major array. Any layout holds the same values.
    final_lon, final_lat, final_status
        All particles at the end.
    category
        Leeway category index per particle.
    files
        Written files by kind.
    """

    summary: RunSummary
    times: npt.NDArray[np.datetime64]
    track_lon: npt.NDArray[np.float32]
    track_lat: npt.NDArray[np.float32]
    track_status: npt.NDArray[np.int8]
    final_lon: npt.NDArray[np.float64]
    final_lat: npt.NDArray[np.float64]
    final_status: npt.NDArray[np.int8]
    category: npt.NDArray[np.int16]
    files: Mapping[str, Path] = field(default_factory=dict)

    @property
    def snapshots(self) -> tuple[Snapshot, ...]:
        """The output times' snapshots (``summary.outputs``)."""
        return self.summary.outputs
