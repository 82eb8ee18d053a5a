"""Responders: ranking 1,000 vessels against a 100,000-particle drift cloud, and
``GET /api/vessels`` on a live picture of 5,000 vessels.

Run from the repository root::

    .venv/bin/python benchmarks/bench_responders.py [--full]

* **ranking**: :func:`sarwatch.vessels.intercept.rank_intercepts` (the numba kernel;
  wall time, all numba threads) and the whole service, ``rank_responders`` on a drift
  run of 100,000 particles read from its ``drift.nc`` (reading, interpolation, dead
  reckoning, CPA, JSON rows), best and median of 5 after a warm-up; side by side, the
  plain numpy reference (solve every pair, sort per vessel for the weighted quantiles)
  on 50 of the vessels, scaled to 1,000, and the largest difference between the two.
  Target: ≤ 1 s for 1,000 × 100,000.
* **api**: ``GET /api/vessels`` served by uvicorn (one worker, in a thread of this
  process) on 127.0.0.1, asked by a keep-alive client on a plain socket in this process
  (little Python work per request, so the latency is the server's); 5,000 vessels with
  36 reports each (6 h of track); p50/p99 over 300 requests (1,000 with ``--full``) for
  the whole picture, a box holding about a quarter of it, and that box with 1 h of
  tracks. Between two requests 100 vessels send a new report (the route re-serialises
  only the vessels that changed). Target: p99 ≤ 50 ms for the whole picture.

Figures go to ``benchmarks/results/responders.json`` and ``responders.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

OUT_JSON = HERE / "results" / "responders.json"
OUT_MD = HERE / "results" / "responders.md"
N_VESSELS, N_PARTICLES, N_PICTURE = 1_000, 100_000, 5_000
#: Vessels that report between two requests of the API phase (the live feed).
CHURN = 100
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _timed(fn: Any, repeats: int = 5) -> tuple[list[float], Any]:
    out = fn()  # warm-up: numba loads its cache or compiles
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return times, out


def _cloud(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """A drifted cloud south of Lampedusa: 100k particles, ~10 nm across, ~1 kn drift."""
    n = N_PARTICLES
    return (
        12.6 + rng.normal(0, 0.08, n), 35.0 + rng.normal(0, 0.07, n),
        rng.normal(0.8, 0.3, n), rng.normal(-0.4, 0.3, n), np.ones(n),
    )  # fmt: skip


def _fleet(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    """Vessels over the Central Mediterranean (10-17° E, 31-38° N), 0-22 kn."""
    return rng.uniform(10.0, 17.0, n), rng.uniform(31.0, 38.0, n), rng.uniform(0.0, 22.0, n)


def bench_ranking(repeats: int) -> dict[str, Any]:
    import numba

    from sarwatch.vessels.intercept import (
        frame_scales_nm_per_deg,
        intercept_time_h,
        rank_intercepts,
        weighted_quantile,
    )

    rng = np.random.default_rng(20261206)
    plon, plat, pu, pv, w = _cloud(rng)
    slon, slat, speed = _fleet(rng, N_VESSELS)
    times, ranking = _timed(
        lambda: rank_intercepts(slon, slat, speed, plon, plat, pu, pv, w), repeats
    )
    # CPU time on one thread, 200 vessels: steadier than wall time on a shared machine
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    cpu = []
    for _ in range(3):
        c = time.process_time()
        rank_intercepts(slon[:200], slat[:200], speed[:200], plon, plat, pu, pv, w)
        cpu.append(time.process_time() - c)
    numba.set_num_threads(threads)
    per_vessel_ms = min(cpu) / 200 * 1000
    # the numpy reference on 50 vessels
    k = 50
    c_lat = float(plat.mean())
    t0 = time.perf_counter()
    ref = np.empty((k, 2))
    for i in range(k):
        kx, ky = frame_scales_nm_per_deg((slat[i] + c_lat) / 2.0)
        t = intercept_time_h((plon - slon[i]) * kx, (plat - slat[i]) * ky, speed[i], pu, pv)
        ref[i] = [weighted_quantile(t, w, 0.5), weighted_quantile(t, w, 0.9)]
    ref_s = (time.perf_counter() - t0) * N_VESSELS / k
    got = ranking.eta_h[:k]
    fin = np.isfinite(ref)
    assert np.array_equal(np.isfinite(got), fin)
    rel = np.abs(got[fin] - ref[fin]) / ref[fin]
    return {
        "vessels": N_VESSELS,
        "particles": N_PARTICLES,
        "numba_threads": numba.get_num_threads(),
        "kernel_s_best": round(min(times), 3),
        "kernel_s_median": round(statistics.median(times), 3),
        "kernel_cpu_ms_per_vessel_one_thread": round(per_vessel_ms, 3),
        "kernel_s_projected_idle_2_cores": round(per_vessel_ms * N_VESSELS / 2 / 1000, 3),
        "numpy_reference_s_scaled": round(ref_s, 2),
        "speedup_over_reference": round(ref_s / statistics.median(times), 1),
        "max_relative_difference_from_exact": float(f"{rel.max():.2e}"),
        "never_earlier_than_exact": bool(np.all(got[fin] >= ref[fin] * (1 - 1e-12))),
        "reachable_vessels": int(np.isfinite(ranking.eta_h[:, 0]).sum()),
    }


def bench_service(repeats: int, tmp: Path) -> dict[str, Any]:
    """``rank_responders`` end to end on a 100k-particle run on disk."""
    from _cases_helpers import make_service, make_store, open_case
    from sarwatch.services.responders import rank_responders
    from sarwatch.vessels.picture import LivePicture
    from sarwatch.vessels.types import VesselReport

    rng = np.random.default_rng(7)
    n = N_PARTICLES
    run_dir = tmp / "home"
    lon0, lat0 = 12.6 + rng.normal(0, 0.08, n), 35.0 + rng.normal(0, 0.07, n)
    # drift.nc with 7 hourly outputs, every particle drifting east at 1 kn
    _write_big_run(run_dir / "runs" / "0123456789ab", lon0, lat0, NOW - timedelta(hours=3))
    service = make_service(make_store("memory", tmp))
    case_id = open_case(service)
    case = service.get(case_id)
    pic = LivePicture()
    slon, slat, speed = _fleet(rng, N_VESSELS)
    pic.add_reports(
        VesselReport(mmsi=200_000_000 + i, time=NOW - timedelta(minutes=float(rng.uniform(0, 30))),
                     lon=float(slon[i]), lat=float(slat[i]), sog_kn=float(speed[i]),
                     cog_deg=float(rng.uniform(0, 360)))
        for i in range(N_VESSELS)
    )  # fmt: skip

    def run() -> dict[str, Any]:
        answer, _ = rank_responders(
            case_id, case=case, picture=pic, home_dir=run_dir, now=NOW, drift_run="0123456789ab"
        )
        return answer

    times, answer = _timed(run, repeats)
    return {
        "service_s_best": round(min(times), 3),
        "service_s_median": round(statistics.median(times), 3),
        "ranked": len(answer["vessels"]),
        "cloud_particles": answer["cloud"]["particles"],
    }


def _write_big_run(run_dir: Path, lon0: np.ndarray, lat0: np.ndarray, t0: datetime) -> None:
    import xarray as xr

    from sarwatch.vessels.intercept import frame_scales_nm_per_deg

    kx, _ = frame_scales_nm_per_deg(lat0)
    hours = np.arange(7)
    lon = lon0[:, None] + hours[None, :] * 1.0 / kx[:, None]
    lat = np.repeat(lat0[:, None], hours.size, axis=1)
    secs = (t0 - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() + 3600.0 * hours
    run_dir.mkdir(parents=True, exist_ok=True)
    xr.Dataset(
        {
            "lon": (("trajectory", "obs"), lon),
            "lat": (("trajectory", "obs"), lat),
            "time": (("trajectory", "obs"), np.repeat(secs[None, :], lon0.size, axis=0)),
        },
        attrs={"object_class": "PIW-1"},
    ).to_netcdf(run_dir / "drift.nc")


class _RawClient:
    """A keep-alive HTTP/1.1 client on a plain socket: send the request, read the headers,
    read Content-Length bytes. It costs the benchmark process little Python time, so the
    latency measured is the server's (plus loopback)."""

    def __init__(self, port: int, token: str) -> None:
        import socket

        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.auth = f"Authorization: Bearer {token}\r\n"
        self.buf = b""

    def get(self, path: str) -> tuple[int, bytes]:
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{self.auth}\r\n".encode("ascii")
        )
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.sock.recv(65536)
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = next(int(x.split(":")[1]) for x in lines if x.lower().startswith("content-length"))
        chunks = [rest]
        have = len(rest)
        while have < length:
            chunk = self.sock.recv(max(length - have, 65536))
            chunks.append(chunk)
            have += len(chunk)
        body = b"".join(chunks)
        self.buf = body[length:]
        return status, body[:length]

    def close(self) -> None:
        self.sock.close()


def bench_api(requests: int, tmp: Path) -> dict[str, Any]:
    from urllib.parse import urlencode

    import uvicorn

    from _live import free_port
    from sarwatch.services.users import add_user
    from sarwatch.settings import load_settings
    from sarwatch.vessels.types import VesselReport, VesselStatic
    from sarwatch.web.app import create_app
    from sarwatch.web.station import station_of

    app = create_app(load_settings(home_dir=tmp / "api-home"))
    station = station_of(app)
    pic = station.vessels
    rng = np.random.default_rng(11)
    lon, lat, sog = _fleet(rng, N_PICTURE)
    cog = rng.uniform(0, 360, N_PICTURE)
    reports = []
    for k in range(36):  # 6 h of track, every 10 min
        t = NOW - timedelta(minutes=10 * (35 - k))
        for i in range(N_PICTURE):
            reports.append(VesselReport(
                mmsi=300_000_000 + i, time=t, lon=float(lon[i]) + 0.001 * k,
                lat=float(lat[i]), sog_kn=float(sog[i]), cog_deg=float(cog[i]), msg_type=1,
            ))  # fmt: skip
    pic.add_reports(reports)
    pic.add_static(
        VesselStatic(300_000_000 + i, name=f"VESSEL {i}",
                     ship_type=int(rng.choice([30, 51, 60, 70, 80])))
        for i in range(N_PICTURE)
    )  # fmt: skip
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    _, token = add_user(station.store, "bench", "observer")
    since = (NOW - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    queries = {
        "all_5000": {"since": since},
        "bbox_quarter": {"since": since, "bbox": "10,31,13.5,34.5"},
        "bbox_quarter_tracks_1h": {"since": since, "bbox": "10,31,13.5,34.5", "track_min": 60},
    }
    out: dict[str, Any] = {"vessels_in_picture": len(pic), "reports": len(reports)}
    client = _RawClient(port, token)
    try:
        for name, params in queries.items():
            path = "/api/vessels?" + urlencode(params)
            status, body = client.get(path)
            assert status == 200, body[:200]
            count, size = json.loads(body)["count"], len(body)
            lat_ms = []
            for k in range(requests):
                # the feed goes on: 100 vessels (2 %) report between two requests
                movers = rng.integers(0, N_PICTURE, CHURN)
                tk = NOW + timedelta(seconds=k + 1)
                pic.add_reports(
                    VesselReport(mmsi=300_000_000 + int(i), time=tk,
                                 lon=float(lon[i]) + 0.04, lat=float(lat[i]),
                                 sog_kn=float(sog[i]), cog_deg=float(cog[i]))
                    for i in movers
                )  # fmt: skip
                t = time.perf_counter()
                status, body = client.get(path)
                lat_ms.append((time.perf_counter() - t) * 1000)
                assert status == 200
            arr = np.array(lat_ms)
            out[name] = {
                "vessels": count,
                "bytes": size,
                "p50_ms": round(float(np.percentile(arr, 50)), 2),
                "p99_ms": round(float(np.percentile(arr, 99)), 2),
                "requests": requests,
            }
            print(f"api {name}: {json.dumps(out[name])}", flush=True)
    finally:
        client.close()
        server.should_exit = True
        thread.join(timeout=10)
    return out


def _markdown(res: dict[str, Any]) -> str:
    r, s, a = res["ranking"], res["service"], res["api"]
    lines = [
        "# Responders benchmark",
        "",
        f"{res['date']}, {res['machine']}; load average before {res['load_average_before']}, "
        f"after {res['load_average_after']} (the machine is shared). Command: `{res['command']}`.",
        "",
        "## Ranking 1,000 vessels against 100,000 particles (target ≤ 1 s)",
        "",
        "| what | best s | median s |",
        "|---|---|---|",
        f"| kernel `rank_intercepts` ({r['numba_threads']} numba threads) | "
        f"{r['kernel_s_best']} | {r['kernel_s_median']} |",
        f"| service `rank_responders` (drift.nc read, interpolation, DR, CPA, rows) | "
        f"{s['service_s_best']} | {s['service_s_median']} |",
        f"| numpy reference (solve + sort per vessel), 50 vessels scaled to 1,000 | "
        f"{r['numpy_reference_s_scaled']} | |",
        "",
        f"One thread, CPU time: {r['kernel_cpu_ms_per_vessel_one_thread']} ms per vessel "
        f"against 100,000 particles, so {r['kernel_s_projected_idle_2_cores']} s for 1,000 "
        "vessels on an idle 2-core machine (wall times above are taken on a shared one).",
        "",
        f"Kernel vs exact reference: largest relative difference "
        f"{r['max_relative_difference_from_exact']}, never earlier than exact: "
        f"{r['never_earlier_than_exact']}.",
        "",
        "## GET /api/vessels, 5,000 vessels with 6 h tracks (target p99 ≤ 50 ms)",
        "",
        "| query | vessels | bytes | p50 ms | p99 ms |",
        "|---|---|---|---|---|",
    ]
    for name in ("all_5000", "bbox_quarter", "bbox_quarter_tracks_1h"):
        q = a[name]
        lines.append(
            f"| {name} | {q['vessels']} | {q['bytes']:,} | {q['p50_ms']} | {q['p99_ms']} |"
        )
    lines += [
        "",
        "uvicorn (1 worker, uvloop + httptools) in a thread of the benchmark process, a raw "
        "keep-alive socket client in the same process (sequential requests). "
        f"{CHURN} "
        "vessels send a new report between two requests.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="more repeats and requests")
    parser.add_argument("--results", default=str(OUT_JSON))
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    repeats, requests = (10, 1000) if args.full else (5, 300)
    res: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "command": " ".join(["python", "benchmarks/bench_responders.py", *argv]),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    res["ranking"] = bench_ranking(repeats)
    print(f"ranking: {json.dumps(res['ranking'])}", flush=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        res["service"] = bench_service(repeats, tmp)
        print(f"service: {json.dumps(res['service'])}", flush=True)
        res["api"] = bench_api(requests, tmp)
    res["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    out = Path(args.results)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(_markdown(res), encoding="utf-8")
    print(f"wrote {out} and {out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
