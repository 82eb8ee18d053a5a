"""A unit's search window: the same particles at several times of one search.

A unit flying a pattern fixed over the ground for hours meets a cloud that moves
through its rectangle meanwhile. :class:`CloudWindow` holds the plan's particles (same
order, same weights) at ``K`` times spread evenly over the search (the midpoint rule:
``(k + ½)/K`` of the way through it), each time weighing ``1/K``: the fraction of them
at which a particle lies inside a rectangle (:meth:`CloudWindow.fraction_inside`) is
the share of the search it spends there, and ``Σ w·fraction`` is the rectangle's
probability of containment averaged over the search (design 010).

Positions in a local plane (:meth:`CloudWindow.plane_nm`) are exact for the middle
time (the azimuthal equidistant plane of :func:`sarwatch.planning.cloud.to_local_nm`);
the other times add each particle's displacement from its middle position, taken on
the ellipsoid's local radii and turned by the meridians' convergence
``Δλ·sin φ`` (within 0.01 nm for displacements of 10 nm 30 nm from the plane's
origin, tested): one geodesic transform per plane instead of ``K``.

Examples
--------
>>> from sarwatch.planning.cloud import Cloud
>>> from sarwatch.planning.types import SearchArea
>>> early = Cloud.from_arrays([12.0, 12.0], [33.0, 33.2])
>>> late = Cloud.from_arrays([12.0, 12.06], [33.0, 33.2])        # the second moves ~3 nm east
>>> w = CloudWindow.of([early, late])
>>> w.fraction_inside(SearchArea(lon=12.0, lat=33.1, length_nm=14, width_nm=2)).tolist()
[1.0, 0.5]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sarwatch.errors import InputError
from sarwatch.geo.units import M_PER_NM
from sarwatch.planning._kernels import window_plane
from sarwatch.planning._reduce import weighted_sum
from sarwatch.planning.cloud import Cloud, to_local_nm
from sarwatch.planning.plane import _axis_frame
from sarwatch.planning.types import SearchArea

__all__ = ["CloudWindow"]

_FloatArray = npt.NDArray[np.float64]
_A_M = 6378137.0  # WGS84 semi-major axis
_F = 1.0 / 298.257223563
_E2 = _F * (2.0 - _F)


@dataclass(frozen=True, eq=False)
class CloudWindow:
    """The plan's particles at ``K`` times of one unit's search, ``1/K`` each.

    Attributes
    ----------
    clouds
        ``K ≥ 1`` clouds of the same particles (same order and weights), in time order.
    """

    clouds: tuple[Cloud, ...]
    _plane: dict[tuple[float, float], tuple[_FloatArray, _FloatArray]] = field(
        default_factory=dict, init=False, repr=False
    )  # the last few plane_nm, by origin (an update scores each area before and after)

    @classmethod
    def of(cls, clouds: Sequence[Cloud]) -> CloudWindow:
        """A window from clouds of the same particles.

        Raises
        ------
        InputError
            No cloud, or clouds of different sizes.
        """
        cs = tuple(clouds)
        if not cs:
            raise InputError("a search window needs at least one cloud")
        if any(c.n != cs[0].n for c in cs):
            raise InputError(
                "a search window's clouds must hold the same particles: got sizes "
                f"{sorted({c.n for c in cs})}"
            )
        return cls(cs)

    @property
    def mid(self) -> Cloud:
        """The middle time's cloud (whose weights are the window's)."""
        return self.clouds[len(self.clouds) // 2]

    @property
    def n(self) -> int:
        """Number of particles."""
        return self.mid.n

    @property
    def weight(self) -> _FloatArray:
        """Probability per particle."""
        return self.mid.weight

    def _local_radii(self) -> tuple[_FloatArray, _FloatArray, _FloatArray, _FloatArray]:
        """At each particle's middle latitude: the prime vertical and meridional radii,
        nm, and the latitude's cosine and sine."""
        phi0 = np.radians(self.mid.lat)
        s0, c0 = np.sin(phi0), np.cos(phi0)
        root = np.sqrt(1.0 - _E2 * s0 * s0)
        n_nm = _A_M / root / M_PER_NM  # prime vertical radius
        m_nm = _A_M * (1.0 - _E2) / root**3 / M_PER_NM  # meridional radius
        return n_nm, m_nm, c0, s0

    def _displacement_nm(
        self, lon: _FloatArray, lat: _FloatArray
    ) -> tuple[_FloatArray, _FloatArray]:
        """Each particle's ``(east, north)`` nm from its middle position, ``(K, n)``, on
        the ellipsoid's local radii (the expression the compiled
        :func:`~sarwatch.planning._kernels.window_plane` follows)."""
        mid = self.mid
        n_nm, m_nm, c0, s0 = self._local_radii()
        dphi = np.radians(lat - mid.lat)
        dlon = lon - mid.lon
        if np.any(np.abs(dlon) > 180.0):  # across the antimeridian
            dlon = (dlon + 180.0) % 360.0 - 180.0
        # east on the displacement's mean latitude: cos(φ0 + Δφ/2) to first order
        de = np.radians(dlon) * n_nm * (c0 - 0.5 * s0 * dphi)
        return de, dphi * m_nm

    def plane_nm(self, lon0: float, lat0: float) -> tuple[_FloatArray, _FloatArray]:
        """``(east, north)`` nm of every particle at every time, shape ``(K, n)``, in the
        plane centred on ``(lon0, lat0)`` (see the module docstring; the arrays of the
        last four origins asked are kept and returned again: do not change them)."""
        key = (float(lon0), float(lat0))
        if key not in self._plane:
            if len(self._plane) >= 4:
                self._plane.clear()
            self._plane[key] = self._plane_nm(*key)
        return self._plane[key]

    def _plane_nm(self, lon0: float, lat0: float) -> tuple[_FloatArray, _FloatArray]:
        mid = self.mid
        x0, y0 = to_local_nm(mid.lon, mid.lat, lon0, lat0)
        if len(self.clouds) == 1:
            return x0[None, :], y0[None, :]
        lon = np.stack([c.lon for c in self.clouds])
        lat = np.stack([c.lat for c in self.clouds])
        # the meridians' convergence at each particle, against the plane's north
        g = np.radians((mid.lon - lon0 + 180.0) % 360.0 - 180.0) * np.sin(np.radians(mid.lat))
        cg, sg = np.cos(g), np.sin(g)
        if np.all(np.abs(lon - mid.lon) <= 180.0):  # one pass, compiled
            return window_plane(lon, lat, mid.lon, mid.lat, *self._local_radii(), x0, y0, cg, sg)
        de, dn = self._displacement_nm(lon, lat)  # across the antimeridian
        return x0 + de * cg - dn * sg, y0 + de * sg + dn * cg

    def fraction_inside(self, area: SearchArea) -> _FloatArray:
        """Per particle, the share of the window's times at which it is inside ``area``."""
        x, y = self.plane_nm(area.lon, area.lat)
        along, across = _axis_frame(x, y, area.orientation_deg)
        inside = (np.abs(along) <= area.length_nm / 2) & (np.abs(across) <= area.width_nm / 2)
        return np.asarray(inside.mean(axis=0), dtype=float)

    def poc(self, area: SearchArea, weight: npt.ArrayLike | None = None) -> float:
        """``Σ w·fraction_inside``: the area's POC averaged over the window (with
        ``weight``, e.g. after an update, instead of the window's own)."""
        w = self.weight if weight is None else np.asarray(weight, dtype=float)
        return weighted_sum(w, self.fraction_inside(area))
