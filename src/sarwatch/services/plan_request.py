"""The search-planning request (issue 11's contract) and its validation.

One pydantic model serves the CLI (``sarwatch plan --request plan.json``) and the API
(``POST /api/plan``): unknown fields are refused, every range is stated, and
:func:`parse_plan_request` turns the first problem into one :class:`InputError` line
naming the field. :mod:`sarwatch.services.planning` computes the plan.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sarwatch.errors import InputError
from sarwatch.planning import iamsar
from sarwatch.services.time_fields import AnyZoneTime

__all__ = [
    "CurrentIn",
    "DatumIn",
    "ErrorsIn",
    "LatLon",
    "LeewayIn",
    "PatternName",
    "PlanRequest",
    "UnitRequest",
    "WindIn",
    "parse_plan_request",
]

PatternName = Literal["expanding_square", "sector", "parallel", "creeping_line", "track_line"]
_NAME_RE = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$"
_NAME_RULE = (
    "a unit's name (also its route files' name) is 1 to 40 characters: unaccented letters "
    "A-Z and a-z, digits, spaces and . _ -, starting with a letter or a digit"
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LatLon(_Model):
    """A position, WGS84 degrees."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class DatumIn(LatLon):
    """The last known position and its time (timezone-aware UTC)."""

    time: AnyZoneTime


class WindIn(_Model):
    """Average surface wind: speed, knots, and the direction it blows from, degrees."""

    speed_kn: float = Field(ge=0, le=100)
    from_deg: float = Field(ge=0, le=360)


class CurrentIn(_Model):
    """Total water current: speed, knots, and the direction it sets towards, degrees."""

    speed_kn: float = Field(ge=0, le=10)
    to_deg: float = Field(ge=0, le=360)


class LeewayIn(_Model):
    """A given leeway (instead of an object class)."""

    speed_kn: float = Field(ge=0, le=10)
    divergence_deg: float = Field(ge=0, lt=90)
    error_kn: float = Field(ge=0, le=10)


class ErrorsIn(_Model):
    """Drift velocity error parts, knots (the manual's defaults)."""

    wind_kn: float = Field(default=0.3, ge=0, le=10)
    current_parts_kn: list[float] = Field(
        default_factory=lambda: list(iamsar.DEFAULT_CURRENT_ERRORS_KN), max_length=10
    )


class UnitRequest(_Model):
    """One search unit (see the module docstring of :mod:`sarwatch.planning.sweep`)."""

    name: str = Field(pattern=_NAME_RE, description="also the file name of its route")
    platform: str | None = Field(
        None, description="small_vessel, merchant_ship, fixed_wing or helicopter"
    )
    height_ft: float | None = Field(None, gt=0, le=20000)
    altitude_ft: float | None = Field(None, gt=0, le=20000)
    speed_kn: float = Field(gt=0, le=400)
    hours: float = Field(gt=0, le=72)
    sweep_width_nm: float | None = Field(None, gt=0, le=50)
    fatigue: bool = False
    pattern: PatternName = "parallel"
    drift_compensated: bool = False
    start: LatLon | None = None
    search_object: str | None = Field(
        None, description="the sweep-width table's object, if not the plan's"
    )


class PlanRequest(_Model):
    """A search-planning request (issue 11's contract; JSON)."""

    datum: DatumIn | None = None
    drift_run: str | None = Field(None, min_length=1, max_length=500)
    datum_time: AnyZoneTime | None = Field(
        None, description="for a drift run: the output time to plan on (default the last)"
    )
    elapsed_h: float | None = Field(None, gt=0, le=240)
    wind: WindIn | None = None
    current: CurrentIn | None = None
    object: str | None = Field(None, description="a Leeway class name, e.g. PIW-1")
    leeway: LeewayIn | None = None
    x_nm: float | None = Field(None, ge=0, le=100)
    y_nm: float = Field(0.0, ge=0, le=100)
    errors: ErrorsIn | None = None
    safety_factor: float | None = Field(None, gt=0, le=10)
    search_number: int = Field(1, ge=1, le=20)
    visibility_km: float | None = Field(None, gt=0, le=100)
    wind_kn_on_scene: float | None = Field(None, ge=0, le=100)
    sea_m: float | None = Field(None, ge=0, le=20)
    search_object: str | None = Field(
        None, description="the sweep-width table's object, e.g. 'Person in water'"
    )
    units: list[UnitRequest] = Field(min_length=1, max_length=12)
    pod_curve: Literal["inverse_cube", "exponential"] = "inverse_cube"
    commence_time: AnyZoneTime | None = Field(
        None, description="when the units set off (default: the datum time)"
    )
    allocate_on: Literal["on_scene", "datum"] = Field(
        "on_scene",
        description="for a drift run: place each unit's rectangle on the particles at its "
        "on-scene time (default), or on the cloud at the datum time (to compare)",
    )
    window_times: int = Field(
        5,
        ge=1,
        le=20,
        description="for a drift run, a pattern fixed over the ground: the times through "
        "each unit's search its rectangle is placed on (1: the middle of the search only)",
    )
    particles: int = Field(20_000, ge=1_000, le=200_000)
    seed: int = Field(0, ge=0)


def parse_plan_request(data: Any) -> PlanRequest:
    """Validate a request; any problem is one :class:`InputError` line naming the field."""
    if not isinstance(data, dict):
        raise InputError("a plan request is a JSON object with datum or drift_run, and units")
    try:
        return PlanRequest.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "request"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        got = f", got {first['input']!r}" if first["type"] != "missing" else ""
        msg = first["msg"]
        if first["type"] == "string_pattern_mismatch" and first["loc"][-1] == "name":
            msg = _NAME_RULE  # not the regular expression, which few can read
        # lower-case only the first letter: the rest may quote what was expected as typed
        raise InputError(f"plan request: {where}: {msg[:1].lower()}{msg[1:]}{got}{more}") from None
