"""Helpers for the tests that talk to the station's web API in process."""

from __future__ import annotations

import time
from typing import Any


def wait_for_drift_run(client: Any, run_id: str) -> dict[str, Any]:
    """Poll ``GET /api/drift/RUN_ID`` until the run is done or failed (at most ~60 s)."""
    for _ in range(1200):
        state: dict[str, Any] = client.get(f"/api/drift/{run_id}").json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.05)
    raise AssertionError(f"drift run {run_id} did not finish: {state}")
