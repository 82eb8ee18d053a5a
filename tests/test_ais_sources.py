"""AIS sources: UDP and TCP feeds, the aisstream.io websocket (against a local server on
loopback replaying recorded messages), CSV exports, replays, and the CLI's errors."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import UTC, datetime

import pytest

from _cli import run_cli
from sarwatch.adapters.ais.aisstream import stream_aisstream
from sarwatch.adapters.ais.csv_exports import read_csv_export
from sarwatch.adapters.ais.net import read_tcp, read_udp
from sarwatch.errors import AuthError, InputError
from sarwatch.services.ais_sources import parse_bbox, parse_source, replay_file
from sarwatch.settings import load_settings
from sarwatch.vessels.types import VesselReport, VesselStatic

LINE = b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- UDP and TCP -----------------------------------------------------------------------


def test_udp_listener_receives_datagrams_of_several_lines():
    got: list[bytes] = []

    async def main() -> int:
        stop = asyncio.Event()
        ready = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(
            read_udp("127.0.0.1", 0, got.extend, stop=stop, ready=ready.set_result)
        )
        host, port = await ready
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx:
            tx.sendto(LINE + b"\r\n" + LINE.replace(b",A,", b",B,") + b"\r\n", (host, port))
            tx.sendto(LINE, (host, port))  # no line end: still a whole line
        await asyncio.sleep(0.2)
        stop.set()
        return await task

    assert asyncio.run(main()) == 3
    assert got == [LINE, LINE.replace(b",A,", b",B,"), LINE]


def test_udp_port_in_use_is_one_clear_error():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]

        async def main() -> None:
            await read_udp("127.0.0.1", port, print, stop=asyncio.Event())

        with pytest.raises(InputError, match=f"cannot listen on udp://127.0.0.1:{port}"):
            asyncio.run(main())


@pytest.mark.parametrize("host", ["192.0.2.1", "no-such-host.invalid"])
def test_udp_on_an_address_not_of_this_machine_says_so(host: str):
    """192.0.2.1 (TEST-NET-1) is no address of this machine, and the name resolves to
    none: the message blamed "another program" using the port."""

    async def main() -> None:
        await read_udp(host, 10110, print, stop=asyncio.Event())

    with pytest.raises(InputError) as err:
        asyncio.run(main())
    assert f"{host} is not an address of this machine" in str(err.value)
    assert "another program" not in str(err.value)


def test_tcp_client_reconnects_after_the_receiver_drops():
    got: list[bytes] = []
    connections = []
    notes: list[str] = []

    async def main() -> int:
        async def serve(reader, writer):
            connections.append(1)
            n = len(connections)
            writer.write(b"".join(LINE + b"%d\r\n" % k for k in range(n * 2)))
            await writer.drain()
            writer.close()  # the receiver goes away after each burst

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        stop = asyncio.Event()
        task = asyncio.create_task(
            read_tcp(
                "127.0.0.1", port, got.extend, stop=stop, announce=notes.append,
                backoff=(0.01, 2.0, 0.05),
            )
        )  # fmt: skip
        while len(connections) < 3:
            await asyncio.sleep(0.02)
        stop.set()
        n = await task
        server.close()
        return n

    n = asyncio.run(main())
    assert len(connections) >= 3
    assert got[:6] == [LINE + b"0", LINE + b"1", LINE + b"0", LINE + b"1", LINE + b"2", LINE + b"3"]
    assert n == len(got)
    assert any("closed the connection" in note for note in notes)


def test_tcp_receiver_unreachable_at_start_is_an_error():
    port = _free_udp_port()  # nothing listens on TCP there either, almost surely

    async def main() -> None:
        await read_tcp("127.0.0.1", port, print, stop=asyncio.Event())

    with pytest.raises(InputError, match=r"cannot connect to tcp://127\.0\.0\.1"):
        asyncio.run(main())


# -- aisstream.io against a local websocket server -------------------------------------------

# Recorded in the shape of aisstream.io's type-definition.yaml (values as it sends them:
# degrees, knots, "not available" codes; MetaData.time_utc in Go's format).
RECORDED = [
    {
        "MessageType": "PositionReport",
        "MetaData": {"MMSI": 247123456, "time_utc": "2026-12-06 05:59:58.123456789 +0000 UTC"},
        "Message": {
            "PositionReport": {
                "MessageID": 1,
                "UserID": 247123456,
                "Valid": True,
                "NavigationalStatus": 0,
                "Sog": 11.5,
                "Cog": 181.2,
                "TrueHeading": 180,
                "Latitude": 34.5,
                "Longitude": 12.25,
                "Timestamp": 58,
            }
        },
    },
    {
        "MessageType": "ShipStaticData",
        "MetaData": {"MMSI": 247123456, "time_utc": "2026-12-06 06:00:01 +0000 UTC"},
        "Message": {
            "ShipStaticData": {
                "UserID": 247123456,
                "Name": "SEA WATCH 5@@@@",
                "CallSign": "IABC  ",
                "ImoNumber": 0,
                "Type": 51,
                "Dimension": {"A": 40, "B": 15, "C": 5, "D": 6},
                "Destination": "LAMPEDUSA",
            }
        },
    },
    {
        "MessageType": "SafetyBroadcastMessage",
        "MetaData": {},
        "Message": {"SafetyBroadcastMessage": {"UserID": 1}},
    },
    {
        "MessageType": "StandardClassBPositionReport",
        "MetaData": {"time_utc": "garbled"},
        "Message": {
            "StandardClassBPositionReport": {
                "UserID": 970123456,
                "Sog": 102.3,
                "Cog": 360,
                "TrueHeading": 511,
                "Latitude": 34.1,
                "Longitude": 12.9,
            }
        },
    },
]


def _serve_recorded(subscriptions: list[dict], *, refuse: bool = False):  # type: ignore[no-untyped-def]
    from websockets.asyncio.server import serve

    connections: list[int] = []

    async def handler(ws):  # type: ignore[no-untyped-def]
        subscriptions.append(json.loads(await asyncio.wait_for(ws.recv(), 3)))
        connections.append(1)
        if refuse:
            await ws.send(json.dumps({"error": "Api Key Is Not Valid"}))
            await ws.close()
            return
        # first connection: two messages then drop; later: the rest, then stay open
        part = RECORDED[:2] if len(connections) == 1 else RECORDED[2:]
        for m in part:
            await ws.send(json.dumps(m))
        if len(connections) == 1:
            await ws.close(code=1011)
            return
        await ws.wait_closed()

    return serve(handler, "127.0.0.1", 0), connections


def test_aisstream_client_subscribes_converts_and_reconnects():
    subs: list[dict] = []
    reports: list[VesselReport] = []
    statics: list[VesselStatic] = []
    notes: list[str] = []
    key = "secret-key-123"

    async def main() -> dict[str, int]:
        server_cm, _ = _serve_recorded(subs)
        async with server_cm as server:
            port = server.sockets[0].getsockname()[1]
            stop = asyncio.Event()

            def sink(r, s):  # type: ignore[no-untyped-def]
                reports.extend(r)
                statics.extend(s)
                if len(reports) >= 2:
                    stop.set()

            return await asyncio.wait_for(
                stream_aisstream(
                    key, (10.0, 30.0, 20.0, 38.5), sink, stop=stop,
                    url=f"ws://127.0.0.1:{port}", announce=notes.append,
                    backoff=(0.01, 2.0, 0.1),
                ),
                20,
            )  # fmt: skip

    counts = asyncio.run(main())
    assert counts["connections"] == 2 and counts["ignored"] == 1
    # the subscription: the user's key, the box as [[lat_min, lon_min], [lat_max, lon_max]]
    assert subs[0] == {"APIKey": key, "BoundingBoxes": [[[30.0, 10.0], [38.5, 20.0]]]}
    assert reports[0] == VesselReport(
        247123456, datetime(2026, 12, 6, 5, 59, 58, 123456, tzinfo=UTC), 12.25, 34.5,
        sog_kn=11.5, cog_deg=181.2, heading_deg=180.0, nav_status=0, msg_type=1,
    )  # fmt: skip
    sart = reports[1]
    assert (sart.mmsi, sart.msg_type, sart.sog_kn, sart.cog_deg, sart.heading_deg) == (
        970123456, 18, None, None, None,
    )  # fmt: skip
    assert statics == [
        VesselStatic(247123456, name="SEA WATCH 5", callsign="IABC", ship_type=51,
                     length_m=55.0, destination="LAMPEDUSA")
    ]  # fmt: skip
    assert any("reconnecting" in n for n in notes)
    assert not any(key in n for n in notes)


def test_aisstream_refused_key_is_not_retried_and_not_shown():
    subs: list[dict] = []

    async def main() -> None:
        server_cm, _ = _serve_recorded(subs, refuse=True)
        async with server_cm as server:
            port = server.sockets[0].getsockname()[1]
            await stream_aisstream(
                "bad-key-999", (10, 30, 20, 38), lambda r, s: None, stop=asyncio.Event(),
                url=f"ws://127.0.0.1:{port}", backoff=(0.01, 2.0, 0.1),
            )  # fmt: skip

    with pytest.raises(AuthError, match="Api Key Is Not Valid") as info:
        asyncio.run(main())
    assert "bad-key-999" not in str(info.value) and len(subs) == 1


def test_wss_without_a_key_is_one_clear_error(home, capsys, monkeypatch):
    monkeypatch.delenv("SARWATCH_AISSTREAM_API_KEY", raising=False)
    code, _, err = run_cli(capsys, "ais", "ingest", "wss://stream.aisstream.io/v0/stream")
    assert code == 2 and "SARWATCH_AISSTREAM_API_KEY" in err and "Traceback" not in err


# -- CSV exports ------------------------------------------------------------------------------

DMA = """# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,IMO,Callsign,Name,Ship type,Cargo type,Width,Length,Type of position fixing device,Draught,Destination,ETA,Data source type,A,B,C,D
06/12/2026 06:00:00,Class A,219000001,55.1,11.2,Under way using engine,0,12.3,45.0,44,Unknown,OXAB2,NORDIC STAR,Cargo,,20,120,GPS,6.1,AARHUS,,AIS,100,20,10,10
06/12/2026 06:00:05,Base Station,2190047,55.0,11.0,Unknown status,,,,,Unknown,Unknown,,Undefined,,,,GPS,,Unknown,,AIS,,,,
06/12/2026 06:00:09,Class B,219000002,91,181,Unknown value,,0.0,360,511,Unknown,Unknown,,Undefined,,,,GPS,,Unknown,,AIS,,,,
31/02/2026 06:00:09,Class A,219000003,55.0,11.0,Moored,,0,0,0,,,,,,,,,,,,,,,,
"""  # noqa: E501
NOAA_2024 = """MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass
366989380,2017-02-01T20:05:07,40.68454,-74.07213,0.1,79.6,511,EVER DIADEM,IMO9134270,3FOF8,70,0,295,32,10,70,A
"""  # noqa: E501
NOAA_2025 = """mmsi,base_date_time,longitude,latitude,sog,cog,heading,vessel_name,imo,call_sign,vessel_type,status,length,width,draft,cargo,transceiver
366989380,2025-06-30 00:00:01,-74.07213,40.68454,0.1,79.6,511,EVER DIADEM,IMO9134270,3FOF8,70,0,295,32,10,70,A
"""  # noqa: E501


def test_dma_export(tmp_path):
    path = tmp_path / "aisdk_2026-12-06.csv"
    path.write_text(DMA)
    (batch,) = read_csv_export(path, "dma")
    assert batch.rows == 4
    assert batch.skipped == {"not_a_vessel": 1, "no_position": 1, "bad_time": 1}
    (r,) = batch.reports
    assert r == VesselReport(
        219000001, datetime(2026, 12, 6, 6, tzinfo=UTC), 11.2, 55.1, sog_kn=12.3, cog_deg=45.0,
        heading_deg=44.0, nav_status=0, msg_type=1,
    )  # fmt: skip
    assert batch.statics[0] == VesselStatic(
        219000001, name="NORDIC STAR", callsign="OXAB2", ship_type=70, length_m=120.0,
        destination="AARHUS",
    )  # fmt: skip
    # the same with ";" and decimal commas, as the DMA column notes write them
    semi = tmp_path / "semi.csv"
    semi.write_text(
        "# Timestamp;Type of mobile;MMSI;Latitude;Longitude;SOG;COG\n"
        "06/12/2026 06:00:00;Class A;219000001;57,8794;10,5;1,5;90\n"
    )
    (batch,) = read_csv_export(semi, "dma")
    assert (batch.reports[0].lat, batch.reports[0].lon, batch.reports[0].sog_kn) == (
        57.8794, 10.5, 1.5,
    )  # fmt: skip


@pytest.mark.parametrize("text", [NOAA_2024, NOAA_2025])
def test_noaa_exports_read_by_header_name(tmp_path, text):
    path = tmp_path / "noaa.csv"
    path.write_text(text)
    (batch,) = read_csv_export(path, "noaa")
    (r,) = batch.reports
    assert (r.mmsi, r.lon, r.lat, r.sog_kn, r.cog_deg, r.heading_deg) == (
        366989380, -74.07213, 40.68454, 0.1, 79.6, None,
    )  # fmt: skip
    assert r.time.tzinfo is UTC and r.nav_status == 0
    assert batch.statics[0].imo == 9134270 and batch.statics[0].ship_type == 70


def test_generic_csv_and_missing_columns(tmp_path, home, capsys):
    path = tmp_path / "g.csv"
    path.write_text(
        "mmsi,time,lat,lon,sog,cog\n"
        "247000001,2026-12-06T06:00:00Z,34.5,12.5,10,90\n"
        "247000001,2026-12-06T06:01:00,34.5,12.5,10,90\n"
        "247000002,2026-12-06T06:01:00+01:00,34.6,12.6,,\n"
    )
    (batch,) = read_csv_export(path, "generic")
    assert [r.mmsi for r in batch.reports] == [247000001, 247000002]
    assert batch.reports[1].time == datetime(2026, 12, 6, 5, 1, tzinfo=UTC)
    assert batch.reports[1].sog_kn is None and batch.skipped == {"bad_time": 1}

    bad = tmp_path / "bad.csv"
    bad.write_text("mmsi,when,lat\n1,2,3\n")
    with pytest.raises(InputError, match=r"missing column\(s\) time, lon"):
        list(read_csv_export(bad, "generic"))
    code, _, err = run_cli(capsys, "ais", "ingest", "--csv", "generic", str(bad))
    assert code == 2 and "missing column(s) time, lon" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1

    code, out, err = run_cli(capsys, "ais", "ingest", "--csv", "generic", str(path))
    assert code == 0, err
    assert "2 positions" in out and "bad_time 1" in out
    # the zone-less time is skipped, and the summary says how to write one it reads
    assert "a generic CSV's time is ISO 8601 with its zone (2026-12-07T03:30:00Z" in out


# -- replay and the CLI ------------------------------------------------------------------------


def _tagged(seconds: int, line: bytes = LINE) -> bytes:
    body = f"s:r1,c:{1796536800 + seconds}".encode()
    ck = 0
    for b in body:
        ck ^= b
    return b"\\" + body + b"*%02X\\" % ck + line


def test_replay_to_udp_keeps_the_gaps_divided_by_speed(tmp_path):
    path = tmp_path / "rec.nmea"
    lines = [_tagged(0), _tagged(0, LINE.replace(b",A,", b",B,")), _tagged(60), _tagged(120)]
    path.write_bytes(b"\n".join(lines) + b"\n")
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(2)
    port = rx.getsockname()[1]
    now = [0.0]
    waits: list[float] = []

    def sleep(s: float) -> None:
        waits.append(round(s, 6))
        now[0] += s

    text = replay_file(
        path, speed=60, to=f"udp://127.0.0.1:{port}", settings=load_settings(),
        sleep=sleep, clock=lambda: now[0],
    )  # fmt: skip
    got = [rx.recv(4096) for _ in range(4)]
    rx.close()
    assert waits == [1.0, 1.0]  # 60 s and 60 s of recording at 60x
    assert got[0] == LINE + b"\r\n" and all(not g.startswith(b"\\") for g in got)
    assert text.startswith("replayed 4 sentences into udp://127.0.0.1:")


def test_replay_to_a_host_that_does_not_resolve_says_so(tmp_path, home, capsys):
    """It said "cannot use: Name or service not known; check the path exists and is
    writable", the generic message for a file."""
    path = tmp_path / "rec.nmea"
    path.write_bytes(_tagged(0) + b"\n")
    to = "udp://no-such-host.invalid:10110"
    with pytest.raises(InputError, match=r"cannot resolve the host 'no-such-host.invalid'"):
        replay_file(path, speed=60, to=to, settings=load_settings())
    code, _, err = run_cli(capsys, "ais", "replay", str(path), "--to", to)
    assert code == 2 and "cannot resolve the host" in err
    assert "path exists" not in err


def test_replay_to_the_store_feeds_the_picture(tmp_path, home):
    from sarwatch.services.container import Station

    path = tmp_path / "rec.nmea"
    path.write_bytes(b"\n".join([_tagged(0), _tagged(1)]) + b"\n")
    settings = load_settings()
    replay_file(path, speed=1000, to="store", settings=settings)
    station = Station(settings)
    try:
        (state,) = station.vessels.vessels()
        assert state.mmsi == 371798000
        assert abs((datetime.now(UTC) - state.report.time).total_seconds()) < 60  # stamped now
    finally:
        station.close()


def test_cli_unreadable_file_and_bad_sources(tmp_path, home, capsys):
    code, _, err = run_cli(capsys, "ais", "ingest", str(tmp_path / "missing.nmea"))
    assert code == 2 and "does not exist" in err and "Traceback" not in err
    code, _, err = run_cli(capsys, "ais", "ingest", "ftp://x/y")
    assert code == 2 and "unknown source" in err
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        code, _, err = run_cli(capsys, "ais", "ingest", f"udp://127.0.0.1:{port}")
    assert code == 2 and f"cannot listen on udp://127.0.0.1:{port}" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_cli_ingest_file_then_track_from_the_archive(tmp_path, home, capsys):
    path = tmp_path / "rec.nmea.gz"
    import gzip

    path.write_bytes(gzip.compress(b"\n".join([_tagged(0), _tagged(90, b"junk")]) + b"\n"))
    code, out, err = run_cli(capsys, "ais", "ingest", str(path))
    assert code == 0, err
    assert "2 lines, 1 messages decoded (1 positions, 0 static)" in out
    assert "not_ais 1" in out
    code, out, err = run_cli(
        capsys, "ais", "track", "371798000", "--from", "2026-12-06T00:00:00Z", "--json"
    )
    assert code == 0, err
    (point,) = json.loads(out)
    assert point["time"] == "2026-12-06T06:00:00+00:00" and point["sog_kn"] == 12.3


def test_parse_helpers():
    assert parse_source("udp://127.0.0.1:10110") == ("udp", "127.0.0.1:10110")
    assert parse_source("feed.nmea") == ("file", "feed.nmea")
    with pytest.raises(InputError, match="HOST:PORT"):
        parse_source("tcp://host")
    assert parse_bbox("10,30,20,38.5") == (10.0, 30.0, 20.0, 38.5)
    with pytest.raises(InputError, match="lon_min < lon_max"):
        parse_bbox("20,30,10,38")


def test_a_udp_listener_stopped_with_sigterm_closes_cleanly(tmp_path):
    """A service manager stops `sarwatch ais ingest udp://...` with SIGTERM: the ingest is
    closed as on Ctrl-C (the archive written, the summary printed, exit status 0); before,
    the process died with the archive's reports and the summary lost."""
    import os
    import selectors
    import signal
    import subprocess
    import sys
    import time

    port = _free_udp_port()
    env = dict(os.environ, SARWATCH_HOME_DIR=str(tmp_path / "home"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "sarwatch", "ais", "ingest", f"udp://127.0.0.1:{port}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        sel = selectors.DefaultSelector()
        sel.register(proc.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + 120  # a generous bound for a loaded machine
        while time.monotonic() < deadline:
            if sel.select(timeout=1.0) and "listening on" in proc.stderr.readline():
                break
            assert proc.poll() is None, proc.communicate()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(LINE + b"\n", ("127.0.0.1", port))
        live = tmp_path / "home" / "ais" / "live.sqlite"
        import sqlite3

        while time.monotonic() < deadline:  # the report reached the live picture
            if live.exists():
                with sqlite3.connect(live) as db:
                    if db.execute("select count(*) from last").fetchone()[0] == 1:
                        break
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, _err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "1 messages decoded (1 positions" in out
    assert list((tmp_path / "home" / "ais" / "archive").rglob("*.parquet"))
