"""A plan request at sea south of Lampedusa, shared by the plan tests."""

from __future__ import annotations

import copy
from typing import Any

REQUEST: dict[str, Any] = {
    "datum": {"lat": 34.5, "lon": 12.9, "time": "2026-12-06T06:00:00Z"},
    "elapsed_h": 6,
    "wind": {"speed_kn": 15, "from_deg": 330},
    "current": {"speed_kn": 0.4, "to_deg": 120},
    "object": "PIW-1",
    "x_nm": 2,
    "y_nm": 0.5,
    "visibility_km": 20,
    "wind_kn_on_scene": 15,
    "search_object": "Person in water",
    "particles": 5000,
    "units": [
        {
            "name": "Helo1",
            "platform": "helicopter",
            "altitude_ft": 500,
            "speed_kn": 90,
            "hours": 2,
            "pattern": "parallel",
        },
        {
            "name": "Patrol",
            "platform": "small_vessel",
            "height_ft": 14,
            "speed_kn": 15,
            "hours": 4,
            "pattern": "expanding_square",
            "drift_compensated": True,
        },
    ],
}


def request(**changes: Any) -> dict[str, Any]:
    """A deep copy of :data:`REQUEST` with top-level ``changes``."""
    out = copy.deepcopy(REQUEST)
    out.update(changes)
    return out


def with_unit(**changes: Any) -> dict[str, Any]:
    """The request with the first unit changed."""
    out = copy.deepcopy(REQUEST)
    out["units"][0].update(changes)
    return out
