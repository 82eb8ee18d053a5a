"""Streamed media upload: a 1 GiB file through the web service, with the server's memory.

Run ``python benchmarks/bench_upload.py`` (``--sizes-mib 1024 256`` by default). For
each size a sparse file of that size is created (no disk space), then streamed in
1 MiB chunks by an ``httpx`` client to ``POST /api/cases/{id}/media`` of a station
served by uvicorn on loopback in a **separate process**, which writes it into its
media store while hashing it and records it in the case's ledger. Measured:

- the wall time of the upload (request start to the 201 answer, which comes after the
  file is flushed to disk and the ledger event committed) and the throughput;
- the server process's resident memory before the upload (``VmRSS``, after start-up
  and one warm-up request) and its peak over its whole life (``VmHWM``, from
  ``/proc/<pid>/status``): the issue's target is a peak under 100 MiB;
- that the answer's SHA-256 is the one the client computed while sending, and that
  the stored file has the size sent.

Writes ``benchmarks/results/upload.json`` and ``upload.md``. Load on the machine
slows the time, not the memory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
CHUNK = 1 << 20
MIB = 1 << 20

_SERVER = """
import sys, uvicorn
from sarwatch.settings import Settings
from sarwatch.web.app import create_app
settings = Settings(home_dir=sys.argv[1], media_max_bytes=4 * 1024**3)
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(sys.argv[2]),
            log_level="warning", access_log=False)
"""


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(home: Path) -> tuple[str, str]:
    """A coordinator and an open case in a new station at ``home``: (token, case id)."""
    from sarwatch.services.container import Station
    from sarwatch.services.users import add_user
    from sarwatch.settings import Settings

    station = Station(Settings(home_dir=home))
    try:
        _, token = add_user(station.store, "bench", "coordinator")
        record = station.cases.open_case(
            title="upload benchmark", alert_time=datetime.now(UTC), actor="bench"
        )
        return token, record.case_id
    finally:
        station.close()


def _chunks(path: Path, sha: Any) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
            yield chunk


def run_one(size_mib: int) -> dict[str, Any]:
    """Upload one sparse file of ``size_mib`` MiB to a fresh station; the figures."""
    import httpx

    with tempfile.TemporaryDirectory(prefix="sarwatch-upload-") as tmp:
        home = Path(tmp) / "station"
        home.mkdir()
        token, case_id = _prepare(home)
        src = Path(tmp) / "video.mp4"
        with src.open("wb") as fh:
            fh.truncate(size_mib * MIB)  # sparse: no disk space, read back as zeros
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(home), str(port)],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            base = f"http://127.0.0.1:{port}"
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, timeout=httpx.Timeout(600.0)) as client:
                for _ in range(600):
                    try:
                        if client.get("/api/me", headers=headers).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    time.sleep(0.1)
                else:
                    raise RuntimeError("the server did not start in 60 s")
                rss_before_kib = _status_kib(server.pid, "VmRSS")
                sha = hashlib.sha256()
                start = time.perf_counter()
                answer = client.post(
                    f"/api/cases/{case_id}/media",
                    params={"file_name": src.name},
                    headers={**headers, "Content-Type": "video/mp4"},
                    content=_chunks(src, sha),
                )
                seconds = time.perf_counter() - start
                peak_kib = _status_kib(server.pid, "VmHWM")
                rss_after_kib = _status_kib(server.pid, "VmRSS")
            if answer.status_code != 201:
                raise RuntimeError(f"upload refused: {answer.status_code} {answer.text[:300]}")
            result = answer.json()["record"]["result"]
            digest = sha.hexdigest()
            stored = home / "media" / digest[:2] / digest[2:4] / digest
            ok = result["sha256"] == digest and stored.stat().st_size == size_mib * MIB
        finally:
            server.terminate()
            server.wait(30)
    return {
        "size_mib": size_mib,
        "seconds": round(seconds, 2),
        "mib_per_s": round(size_mib / seconds, 1),
        "server_rss_before_upload_mib": round(rss_before_kib / 1024, 1),
        "server_rss_after_upload_mib": round(rss_after_kib / 1024, 1),
        "server_peak_rss_mib": round(peak_kib / 1024, 1),
        "server_peak_growth_mib": round((peak_kib - rss_before_kib) / 1024, 1),
        "sha256_and_size_match": ok,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mib", type=int, nargs="+", default=[1024, 256])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    runs = []
    for size in args.sizes_mib:
        run = run_one(size)
        print(json.dumps(run), flush=True)
        runs.append(run)
    load = os.getloadavg()
    meta = {
        "when": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_1_5_15": [round(x, 2) for x in load],
        "chunk_bytes": CHUNK,
        "target": "server peak RSS under 100 MiB for a 1 GiB upload",
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "upload.json").write_text(json.dumps({"meta": meta, "runs": runs}, indent=2))
    lines = [
        "# Streamed media upload (benchmarks/bench_upload.py)",
        "",
        f"{meta['when']}, Python {meta['python']}, {meta['machine']}, load average "
        f"{', '.join(map(str, meta['load_average_1_5_15']))} (1/5/15 min; a shared machine).",
        "A sparse file streamed by httpx in 1 MiB chunks to `POST /api/cases/{id}/media` of a",
        "station served by uvicorn on loopback in its own process; time to the 201 answer",
        "(file flushed, ledger event committed). Memory of the server process from",
        "/proc/<pid>/status: VmRSS after start-up, VmHWM (peak over its whole life).",
        "",
        "| size | time | throughput | server RSS before | server peak RSS | peak growth "
        "| hash ok |",
        "|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r['size_mib']} MiB | {r['seconds']} s | {r['mib_per_s']} MiB/s | "
            f"{r['server_rss_before_upload_mib']} MiB | {r['server_peak_rss_mib']} MiB | "
            f"{r['server_peak_growth_mib']} MiB | {'yes' if r['sha256_and_size_match'] else 'NO'} |"
        )
    (args.out / "upload.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if all(r["sha256_and_size_match"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
