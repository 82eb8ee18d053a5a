"""The server freezes what its start-up built (gc.freeze), once per process, so that
full garbage collections under load no longer walk the modules, the app and the store."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path


def test_start_up_freezes_its_objects_once_per_process(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import gc, json, sys
        from fastapi.testclient import TestClient
        from sarwatch.settings import Settings
        from sarwatch.web.app import create_app

        def app(name):
            url = f"sqlite:///{sys.argv[1]}/{name}.db"
            return create_app(Settings(home_dir=sys.argv[1], database_url=url))

        before = gc.get_freeze_count()
        with TestClient(app("a")) as client:
            assert client.get("/api/health").status_code == 200
            first = gc.get_freeze_count()
        objects = len(gc.get_objects())
        with TestClient(app("b")) as client:
            second = gc.get_freeze_count()
            new = len(gc.get_objects()) - objects  # what the second app built
        print(json.dumps({"before": before, "first": first, "second": second,
                          "objects": objects, "new": new}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["before"] == 0
    # the modules, app, store and service: tens of thousands of objects, now permanent
    assert got["first"] > 50_000
    assert got["objects"] < got["first"]  # what the collector still walks is the rest
    # a second app in the process is not frozen: its objects stay with the collector
    # (the frozen count only drifts as frozen objects are freed)
    assert got["new"] > 1_000
    assert got["second"] - got["first"] < got["new"]
