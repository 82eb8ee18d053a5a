"""``GET /api/forcing`` showed observers the forcing library's absolute folder on the
server (the station's home, its user name). Coordinators, who run the ``sarwatch
forcing`` commands that fix the library, still see it; observers get ``root: null``,
and a refusal of ``/api/forcing/choice`` names the library without its folder."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from _forecast import write_cmems_currents
from sarwatch.services.forcing_library import ForcingLibrary
from sarwatch.web.routes.forcing import LIBRARY_REDACTED

RUN = datetime(2026, 11, 20, 0, tzinfo=UTC)
QUERY = {"lat": 33.2, "lon": 12.5, "time": "2026-11-20T04:10:00Z", "hours": 6}


def test_the_library_folder_is_shown_to_coordinators_only(home: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from sarwatch.services.users import add_user
    from sarwatch.settings import load_settings
    from sarwatch.web.app import create_app
    from sarwatch.web.station import station_of

    lon, lat = np.arange(11.0, 14.01, 0.25), np.arange(32.0, 35.01, 0.25)
    times = pd.date_range(RUN.replace(tzinfo=None), periods=25, freq="h")
    shape = (times.size, lat.size, lon.size)
    current = write_cmems_currents(tmp_path / "cmems.nc", lon, lat, times,
                                   np.full(shape, 0.3, "f4"), np.zeros(shape, "f4"))  # fmt: skip
    library = ForcingLibrary(home / "forcing")
    entry = library.add(current, provider="copernicus-marine", product_id="cur", run_time=RUN)
    root = str(library.root)
    app = create_app(load_settings(home_dir=home))
    with TestClient(app) as client:
        store = station_of(app).store
        tokens = {role: add_user(store, role[:3], role)[1] for role in ("coordinator", "observer")}

        def get(role: str, path: str) -> tuple[int, str, dict[str, Any]]:
            r = client.get(path, params=QUERY if "choice" in path else None,
                           headers={"Authorization": f"Bearer {tokens[role]}"})  # fmt: skip
            return r.status_code, r.text, r.json()

        code, text, coordinator = get("coordinator", "/api/forcing")
        assert code == 200 and coordinator["root"] == root
        code, text, observer = get("observer", "/api/forcing")
        assert code == 200 and observer["root"] is None
        assert str(home) not in text  # nowhere in the answer

        def same(listing: dict[str, Any]) -> list[dict[str, Any]]:
            return [{k: v for k, v in f.items() if k != "age_h"} for f in listing["files"]]

        assert same(observer) == same(coordinator)  # the listing itself is the same
        assert [f["file"] for f in observer["files"]] == ["copernicus-marine/cmems.nc"]
        # a file gone from the library: the refusal names the folder to coordinators only
        library.path(entry).unlink()
        code, text, _ = get("coordinator", "/api/forcing/choice")
        assert code == 422 and f"is missing from {root}" in text
        code, text, body = get("observer", "/api/forcing/choice")
        assert code == 422 and str(home) not in text
        said = f"the library file copernicus-marine/cmems.nc is missing from {LIBRARY_REDACTED}"
        assert said in str(body["detail"])
