"""Nothing is lost: SIGKILL the server in the middle of a stream of writes, restart it,
and every acknowledged write is there and the ledger verifies."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from _cases_helpers import SQL_STORE_KINDS, T0, fresh_database_url
from _live import free_port, uvicorn_command, wait_until_healthy
from sarwatch.adapters.store import SqlStore
from sarwatch.ledger import load_or_create_signer
from sarwatch.services.users import add_user

pytestmark = pytest.mark.slow


def _start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        uvicorn_command(port, "--log-level", "warning"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    stderr = proc.stderr
    wait_until_healthy(proc, f"http://127.0.0.1:{port}", output=lambda: stderr.read().decode())
    return proc


@pytest.mark.parametrize("kind", SQL_STORE_KINDS)
def test_sigkill_mid_stream_loses_no_acknowledged_write(tmp_path: Path, kind: str) -> None:
    url = fresh_database_url(kind, tmp_path, "crash.db")
    home = tmp_path / "home"
    store = SqlStore(url)
    _, token = add_user(store, "ana", "coordinator")
    store.close()
    env = {**os.environ, "SARWATCH_HOME_DIR": str(home), "SARWATCH_DATABASE_URL": url}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    server = _start_server(env, port)
    try:
        r = httpx.post(
            f"{base}/api/cases",
            headers=headers,
            timeout=10,
            json={"title": "crash test", "alert_time": T0.isoformat(), "region": "LY"},
        )
        assert r.status_code == 201, r.text
        case_id = r.json()["case_id"]
        acked: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()

        def writer(k: int) -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
                i = 0
                while not stop.is_set():
                    summary = f"writer {k} call {i}"
                    try:
                        resp = client.post(
                            f"/api/cases/{case_id}/contacts",
                            json={
                                "time": T0.isoformat(),
                                "channel": "phone",
                                "counterpart": "MRCC Rome",
                                "summary": summary,
                            },
                        )
                    except httpx.HTTPError:
                        return  # the server is gone: this write was not acknowledged
                    if resp.status_code == 201:
                        with lock:
                            acked.append(summary)
                    i += 1

        threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(acked) < 80 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)  # mid-stream: writers are still sending
        server.wait(timeout=10)
        stop.set()
        for t in threads:
            t.join(timeout=10)
        assert len(acked) >= 80
    finally:
        if server.poll() is None:
            server.kill()
    server = _start_server(env, port)
    try:
        case = httpx.get(f"{base}/api/cases/{case_id}", headers=headers, timeout=10).json()
        stored = {c["summary"] for c in case["contacts"]}
        missing = set(acked) - stored
        assert not missing, f"{len(missing)} acknowledged writes lost: {sorted(missing)[:5]}"
        verify = httpx.get(f"{base}/api/cases/{case_id}/verify", headers=headers, timeout=30).json()
        assert verify["ok"], verify["findings"]
        assert verify["n_events"] == 1 + len(stored)
        assert verify["key_id"] == load_or_create_signer(home).key_id
    finally:
        server.kill()
        server.wait(timeout=10)
