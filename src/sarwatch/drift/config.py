"""One drift configuration: its defaults and its limits, written once.

:class:`DriftConfig` holds every option of a run that is not the start (position,
time) or the forcing: object class, length, direction, particles, time step, output
interval, position uncertainty, on-scene uncertainties, physics and numerics. The
CLI's option defaults, the API's schema defaults and the service's request all read
them from here, and :data:`LIMITS` is the one table of accepted ranges that the CLI
and the API both apply (:func:`check_limits`, :meth:`DriftConfig.check`).

Examples
--------
>>> DriftConfig().hours, DriftConfig().output_min
(48.0, 60.0)
>>> DriftConfig(hours=1.5).check()
Traceback (most recent call last):
...
sarwatch.errors.InputError: the run length (1.5 h = 90 min) ... give --output-min 30 ...
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Literal

from sarwatch.errors import InputError

if TYPE_CHECKING:
    from sarwatch.drift.engine import DriftParams

__all__ = ["DEFAULTS", "LIMITS", "MAX_PARTICLES", "DriftConfig", "Limit", "Scheme", "check_limits"]

Scheme = Literal["midpoint", "rk2", "euler"]
SCHEMES: tuple[Scheme, ...] = ("midpoint", "rk2", "euler")
#: The largest run accepted (memory grows ~400 B per particle: about 4 GB).
MAX_PARTICLES = 10_000_000


@dataclass(frozen=True)
class Limit:
    """An accepted range ``[lo, hi]`` (``lo`` excluded when ``lo_open``), with its unit.

    ``option`` is the CLI option; the API field carries the config's field name.
    """

    lo: float
    hi: float
    unit: str
    option: str
    lo_open: bool = False
    hi_open: bool = False

    def ok(self, value: float) -> bool:
        """Whether ``value`` lies in the range (NaN never does)."""
        if not math.isfinite(value):
            return False
        above = value > self.lo if self.lo_open else value >= self.lo
        below = value < self.hi if self.hi_open else value <= self.hi
        return above and below

    def describe(self) -> str:
        """``"0 < x <= 240 h"`` style text."""
        lo = f"{self.lo:g} <" if self.lo_open else f"{self.lo:g} <="
        hi = f" < {self.hi:g}" if self.hi_open else f" <= {self.hi:g}"
        return f"{lo} x{hi} {self.unit}".rstrip()


#: The ranges a drift request must respect, CLI and API alike (by field name).
LIMITS: dict[str, Limit] = {
    "hours": Limit(0.0, 240.0, "h", "--hours", lo_open=True),
    "particles": Limit(1, MAX_PARTICLES, "particles", "--particles"),
    "dt_min": Limit(0.0, 180.0, "min", "--dt-min", lo_open=True),
    "output_min": Limit(0.0, 1440.0, "min", "--output-min", lo_open=True),
    "radius_m": Limit(0.0, 100_000.0, "m", "--radius-m"),
    "wind_kn": Limit(0.0, 150.0, "kn", "--wind-kn"),
    "wind_from_deg": Limit(0.0, 360.0, "degrees", "--wind-from"),
    "wind_sigma_kn": Limit(0.0, 50.0, "kn", "--wind-sigma-kn"),
    "current_kn": Limit(0.0, 10.0, "kn", "--current-kn"),
    "current_to_deg": Limit(0.0, 360.0, "degrees", "--current-to"),
    "current_sigma_kn": Limit(0.0, 5.0, "kn", "--current-sigma-kn"),
    "jibe_per_h": Limit(0.0, 1.0, "(probability per hour)", "--jibe-per-h", hi_open=True),
    "diffusivity_m2_s": Limit(0.0, 10_000.0, "m²/s", "--diffusivity"),
    "capsize_wind_ms": Limit(0.0, 80.0, "m/s", "--capsize-wind-ms"),
    "capsize_wind_sigma_ms": Limit(0.0, 40.0, "m/s", "--capsize-wind-sigma-ms", lo_open=True),
    "capsize_leeway_fraction": Limit(0.0, 1.0, "", "--capsize-leeway-fraction"),
    "max_tracks": Limit(0, 10_000_000, "particles", "--max-tracks"),
}


def check_limits(values: dict[str, float | int | None]) -> None:
    """Refuse any value outside :data:`LIMITS` (``None`` means not given).

    Raises
    ------
    InputError
        Naming the option, the value, the accepted range and what to do.

    Examples
    --------
    >>> check_limits({"hours": 24, "wind_kn": None})
    >>> check_limits({"wind_kn": 300})
    Traceback (most recent call last):
    ...
    sarwatch.errors.InputError: --wind-kn (wind_kn) 300 is out of range: 0 <= x <= 150 kn; ...
    """
    for name, value in values.items():
        limit = LIMITS.get(name)
        if limit is None or value is None:
            continue
        if limit.ok(float(value)):
            continue
        if name == "particles" and value > limit.hi:
            raise InputError(
                f"{value:,} particles is more than this station runs at once "
                f"({limit.hi:,.0f}, about 4 GB); 100,000 already resolve the 95 % contour well"
            )
        hint = "; split a longer run into legs of at most 10 days" if name == "hours" else ""
        raise InputError(
            f"{limit.option} ({name}) {value:g} is out of range: {limit.describe()}; "
            f"give a value in that range{hint}"
        )


@dataclass(frozen=True, kw_only=True)
class DriftConfig:
    """The options of a drift run, with their defaults (the one place they are written).

    Attributes
    ----------
    object_class
        Proxy name (``migrant-rubber-boat`` ...), Leeway key or table number.
    hours
        Length of the run, hours.
    backward
        Run backward in time (where did it come from?).
    particles
        Number of particles.
    dt_min, output_min
        Time step and output interval, minutes.
    radius_m
        Position uncertainty (Gaussian sigma per axis), metres.
    wind_sigma_kn, current_sigma_kn
        On-scene wind and current uncertainty (sigma per component), knots.
    jibe_per_h
        Jibing probability per hour (0.04, the reference's): per step
        ``1 - (1 - p) ** (dt / 1 h)``.
    diffusivity_m2_s
        Horizontal diffusivity, m²/s (0: none).
    capsizing, capsize_wind_ms, capsize_wind_sigma_ms, capsize_leeway_fraction
        Optional capsizing (off by default): rate per hour ``0.5 + 0.5 tanh((U10 -
        capsize_wind_ms) / capsize_wind_sigma_ms)``, leeway times the fraction once
        capsized; backward runs let capsized objects recover instead (the reference's
        method and defaults: 30 m/s, 5 m/s, 0.4; see
        :class:`~sarwatch.drift.engine.DriftParams`).
    scheme
        Integrator: ``midpoint`` (second order, default), ``rk2`` or ``euler``.
    max_tracks
        Particles whose full tracks are kept for the trajectory file (a sample of the
        run when it has more particles).
    """

    object_class: str = "migrant-rubber-boat"
    hours: float = 48.0
    backward: bool = False
    particles: int = 10_000
    dt_min: float = 15.0
    output_min: float = 60.0
    radius_m: float = 500.0
    wind_sigma_kn: float = 0.0
    current_sigma_kn: float = 0.0
    jibe_per_h: float = 0.04
    diffusivity_m2_s: float = 0.0
    capsizing: bool = False
    capsize_wind_ms: float = 30.0
    capsize_wind_sigma_ms: float = 5.0
    capsize_leeway_fraction: float = 0.4
    scheme: Scheme = "midpoint"
    max_tracks: int = 100_000

    def check(self) -> None:
        """Refuse values out of :data:`LIMITS` and timings that do not divide evenly.

        Raises
        ------
        InputError
            Saying which value to give instead (e.g. ``--output-min 30`` for a 1.5 h run).
        """
        check_limits({f.name: getattr(self, f.name) for f in fields(DriftConfig)})
        if self.scheme not in SCHEMES:
            raise InputError(f"--scheme must be midpoint, rk2 or euler, got {self.scheme!r}")
        run_min = self.hours * 60.0
        if not _multiple(self.output_min, self.dt_min):
            step = _suggest(self.output_min, self.dt_min)
            raise InputError(
                f"the output interval ({self.output_min:g} min) must be a multiple of the time "
                f"step ({self.dt_min:g} min): give --dt-min {step:g} or an output interval in "
                "whole time steps"
            )
        if not _multiple(run_min, self.output_min):
            better = _suggest(run_min, self.output_min)
            if not _multiple(better, self.dt_min):
                better = self.dt_min if _multiple(run_min, self.dt_min) else better
            raise InputError(
                f"the run length ({self.hours:g} h = {run_min:g} min) must be a multiple of the "
                f"output interval ({self.output_min:g} min): give --output-min {better:g} "
                f"(output_min {better:g}), or a length in whole multiples of "
                f"{self.output_min:g} min"
            )

    def params(self) -> DriftParams:
        """The engine's :class:`~sarwatch.drift.engine.DriftParams` for this configuration."""
        from sarwatch.drift.engine import DriftParams

        return DriftParams(
            dt_s=self.dt_min * 60.0,
            output_every_s=self.output_min * 60.0,
            duration_s=self.hours * 3600.0,
            backward=self.backward,
            jibe_per_h=self.jibe_per_h,
            diffusivity_m2_s=self.diffusivity_m2_s,
            capsizing=self.capsizing,
            capsize_wind_ms=self.capsize_wind_ms,
            capsize_wind_sigma_ms=self.capsize_wind_sigma_ms,
            capsize_leeway_fraction=self.capsize_leeway_fraction,
            scheme=self.scheme,
        )


def _multiple(a: float, b: float) -> bool:
    """Whether ``a`` is a whole multiple of ``b`` (both positive, to 1e-9)."""
    ratio = a / b
    return abs(ratio - round(ratio)) < 1e-9 and round(ratio) >= 1


def _suggest(a: float, b: float) -> float:
    """The largest interval that divides both ``a`` and ``b`` (whole seconds)."""
    sa, sb = round(a * 60), round(b * 60)
    g = math.gcd(sa, sb) if sa > 0 and sb > 0 else 60
    return max(g, 1) / 60.0


#: The defaults, for the CLI's option defaults and the API's schema.
DEFAULTS = DriftConfig()
