"""Helpers for the tests that talk to the station's web API in process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from sarwatch.services.users import add_user
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
from sarwatch.web.station import station_of


@contextmanager
def coordinator_and_observer(
    settings: Settings,
) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    """The app on ``settings`` in a test client, with a coordinator (``ana``) and an
    observer (``olu``): the client and each one's ``Authorization`` header."""
    app = create_app(settings)
    with TestClient(app) as client:
        store = station_of(app).store
        _, coord = add_user(store, "ana", "coordinator")
        _, obs = add_user(store, "olu", "observer")
        yield client, {"Authorization": f"Bearer {coord}"}, {"Authorization": f"Bearer {obs}"}


def wait_for_drift_run(client: Any, run_id: str) -> dict[str, Any]:
    """Poll ``GET /api/drift/RUN_ID`` until the run is done or failed (at most ~60 s)."""
    for _ in range(1200):
        state: dict[str, Any] = client.get(f"/api/drift/{run_id}").json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.05)
    raise AssertionError(f"drift run {run_id} did not finish: {state}")
