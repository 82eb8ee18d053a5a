"""The live-picture file, the picture that reads it, the Parquet archive, and one
process feeding another (``sarwatch ais ingest`` -> a station's ``vessels``)."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyais.bit_vector import bit_vector
from pyais.messages import MSG_CLASS

from sarwatch.adapters.ais.archive import ParquetArchive, query, query_track
from sarwatch.adapters.ais.bulk import positions_of
from sarwatch.adapters.ais.columns import DecodedBatch, reports_from_table, reports_table
from sarwatch.adapters.ais.convert import _FIELDS, _fixed_plan, position_row, position_row_from_bits
from sarwatch.adapters.ais.live_store import LiveStore
from sarwatch.services.container import Station
from sarwatch.settings import load_settings
from sarwatch.vessels.picture import LivePicture
from sarwatch.vessels.types import VesselKind, VesselReport, VesselStatic

T0 = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
SAMPLES = Path(__file__).parent / "data_ais"


def _r(mmsi: int, minutes: float, lon: float = 12.5, lat: float = 34.0, **kw) -> VesselReport:
    return VesselReport(mmsi, T0 + timedelta(minutes=minutes), lon, lat, **kw)


# -- the live file -------------------------------------------------------------------


def test_live_store_keeps_newest_state_and_merges_static(tmp_path):
    live = LiveStore(tmp_path / "live.sqlite")
    live.write([_r(1, 10, sog_kn=5.0, cog_deg=90.0, nav_status=0), _r(2, 5)])
    live.write([_r(1, 3, lon=0.0)])  # older than what is known: not the state
    live.write([], [VesselStatic(1, name="ALPHA")])
    live.write([], [VesselStatic(1, ship_type=51, callsign="IABC")])  # 24B after 24A
    reports, statics, seq = live.changes(0)
    assert seq == 4
    state = {r.mmsi: r for r in reports}
    assert state[1].time == T0 + timedelta(minutes=10) and state[1].lon == 12.5
    assert (state[1].sog_kn, state[1].cog_deg, state[1].nav_status) == (5.0, 90.0, 0)
    assert statics == [VesselStatic(1, name="ALPHA", callsign="IABC", ship_type=51)]
    # incremental: only what changed after a sequence
    live.write([_r(2, 20)])
    reports, statics, seq2 = live.changes(seq)
    assert [r.mmsi for r in reports] == [2] and statics == [] and seq2 == 5
    # the older report still joined the track
    assert [p.time.minute for p in live.track(1)] == [3, 10]


def test_track_is_thinned_and_pruned(tmp_path):
    live = LiveStore(tmp_path / "live.sqlite", track_hours=1.0, track_step_s=60.0)
    # one report every 10 s for 2 hours: kept one a minute, last hour only
    live.write([_r(7, k / 6) for k in range(6 * 120 + 1)])
    live.write([_r(7, 120.5)])  # pruning runs on the first write and every 20th
    for _ in range(19):
        live.write([_r(8, 0)])
    times = [p.time for p in live.track(7)]
    assert all(b - a >= timedelta(seconds=60) for a, b in itertools.pairwise(times))
    assert min(times) >= T0 + timedelta(minutes=59.5)
    assert times[-1] == T0 + timedelta(minutes=120)
    assert live.counts()["last"] == 2


def test_picture_reads_the_file_incrementally(tmp_path):
    path = tmp_path / "live.sqlite"
    writer = LiveStore(path)
    clock = [0.0]
    picture = LivePicture(source=LiveStore(path), refresh_s=1.0, monotonic=lambda: clock[0])
    assert len(picture) == 0
    writer.write([_r(970_123_456, 1), _r(247_000_001, 1, lon=15.0)])
    writer.write([], [VesselStatic(247_000_001, name="SAR ONE", ship_type=51)])
    assert len(picture) == 0  # within refresh_s: not looked again
    clock[0] = 1.5
    states = {s.mmsi: s for s in picture.vessels()}
    assert states[970_123_456].kind is VesselKind.SART
    assert states[247_000_001].kind is VesselKind.SAR_VESSEL
    assert states[247_000_001].static is not None
    assert [s.mmsi for s in picture.vessels(bbox=(14.0, 33.0, 16.0, 35.0))] == [247_000_001]
    writer.write([_r(247_000_001, 3, lon=15.1)])
    clock[0] = 3.0
    assert picture.state(247_000_001).report.lon == 15.1
    assert [p.lon for p in picture.track(247_000_001)] == [15.0, 15.1]
    # reports added directly (tests, other feeds) still count
    picture.add_reports([_r(5, 4)])
    assert picture.state(5) is not None and len(picture.track(5)) == 1


# -- values and tables ---------------------------------------------------------------------


def test_batch_table_round_trip():
    batch = DecodedBatch.from_rows(
        times_us=[int(T0.timestamp()) * 10**6, int(T0.timestamp()) * 10**6 + 10**6],
        rows=[
            (247000001, 12.5, 34.25, 10.5, 181.0, 180.0, 0, 1),
            (970123456, -1.0, 2.0, None, None, None, None, 18),
        ],
    )
    reports = batch.reports()
    assert reports[1] == VesselReport(970123456, T0 + timedelta(seconds=1), -1.0, 2.0, msg_type=18)
    assert reports_from_table(batch.table()) == reports
    assert reports_from_table(reports_table(reports)) == reports


def _armour(value: int, n_bits: int) -> bytes:
    """AIS 6-bit armouring (ITU-R M.1371 annex 8): 0-39 -> '0'..'W', 40-63 -> '`'..'w'."""
    out = []
    for shift in range(n_bits - 6, -1, -6):
        v = (value >> shift) & 63
        out.append(v + 48 if v < 40 else v + 56)
    return bytes(out)


@settings(max_examples=300, deadline=None)
@given(msg_type=st.sampled_from([1, 2, 3, 9, 18, 27]), bits=st.integers(0, 2**168 - 1))
def test_subset_decoding_equals_pyais_full_decoding(msg_type, bits):
    # Random payload bits under each position layout: reading only the needed fields
    # with pyais's plan gives what pyais's full decode gives.
    n_bits = 96 if msg_type == 27 else 168
    value = (msg_type << (n_bits - 6)) | (bits & ((1 << (n_bits - 6)) - 1))
    bv = bit_vector(_armour(value, n_bits), 0)
    assert position_row_from_bits(msg_type, bv) == position_row(MSG_CLASS[msg_type].from_vector(bv))


NOT_AVAILABLE = ["speed", "course", "heading"]


@settings(max_examples=150, deadline=None)
@given(
    msg_type=st.sampled_from([1, 2, 3, 9, 18, 27]),
    payloads=st.lists(
        st.tuples(
            st.integers(0, 2**168 - 1), st.sets(st.sampled_from(["speed", "course", "heading"]))
        ),
        min_size=1,
        max_size=30,
    ),
)
def test_bulk_decoding_equals_pyais_full_decoding(msg_type, payloads):
    # Many payloads cut at once (numpy) give, payload by payload, what pyais's full
    # decode gives; some fields are set to all ones, AIS's "not available".
    n_bits = 96 if msg_type == 27 else 168
    plan = dict(zip(_FIELDS, _fixed_plan(msg_type, n_bits), strict=True))
    values = []
    for bits, not_available in payloads:
        value = (msg_type << (n_bits - 6)) | (bits & ((1 << (n_bits - 6)) - 1))
        for name in not_available:
            shift, mask = plan[name][:2]
            value |= mask << shift if shift >= 0 else 0
        values.append(value)
    cols = positions_of(msg_type, n_bits, values)
    for i, value in enumerate(values):
        want = position_row(MSG_CLASS[msg_type].from_vector(bit_vector(_armour(value, n_bits), 0)))
        assert bool(cols.valid[i]) == (want is not None)
        if want is not None:
            got = (
                int(cols.mmsi[i]),
                float(cols.lon[i]),
                float(cols.lat[i]),
                *(
                    None if np.isnan(x[i]) else float(x[i])
                    for x in (cols.sog, cols.cog, cols.heading)
                ),
                None if cols.nav[i] < 0 else int(cols.nav[i]),
                msg_type,
            )
            assert got == want


# -- the archive -----------------------------------------------------------------------------


def test_archive_partitions_by_day_and_queries_with_duckdb(tmp_path):
    archive = ParquetArchive(tmp_path / "archive", flush_rows=3)
    late = T0.replace(hour=23, minute=59)
    reports = [
        VesselReport(1, late, 12.0, 34.0, sog_kn=3.0),
        VesselReport(2, late, 13.0, 35.0),
        VesselReport(1, late + timedelta(minutes=2), 12.1, 34.1, sog_kn=3.5, nav_status=0),
    ]
    archive.append(reports, [VesselStatic(1, name="ONE")])  # 4 rows >= 3: written
    archive.append([VesselReport(1, late + timedelta(days=2), 12.2, 34.2)])
    archive.close()
    days = sorted(p.name for p in (tmp_path / "archive" / "positions").iterdir())
    assert days == ["day=2026-12-06", "day=2026-12-07", "day=2026-12-08"]
    got = query_track(tmp_path / "archive", 1, late, late + timedelta(days=1))
    assert got == [reports[0], reports[2]]
    table = query(tmp_path / "archive", "SELECT count(*) AS n, max(name) AS name FROM static")
    assert table.to_pylist() == [{"n": 1, "name": "ONE"}]
    assert not list((tmp_path / "archive").rglob("*.tmp"))


# -- one process feeds another --------------------------------------------------------------


def test_ingest_in_one_process_feeds_the_station_of_another(tmp_path):
    env = {**os.environ, "SARWATCH_HOME_DIR": str(tmp_path / "home")}
    env.pop("SARWATCH_DATABASE_URL", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sarwatch",
            "ais",
            "ingest",
            "--json",
            str(SAMPLES / "gpsd_sample_sentences.aivdm"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert '"messages": 99' in done.stdout
    station = Station(load_settings(home_dir=tmp_path / "home"))
    try:
        vessels = {s.mmsi: s for s in station.vessels.vessels()}
        assert vessels[111232511].kind is VesselKind.SAR_AIRCRAFT  # the type 9 above
        assert 371798000 in vessels and len(vessels) >= 10
    finally:
        station.close()
    assert list((tmp_path / "home" / "ais" / "archive" / "positions").glob("day=*/*.parquet"))


# -- storing from a second process ----------------------------------------------------------


def _ingest_samples(root: Path, *, process: bool) -> tuple[dict, list, list, list]:
    from sarwatch.services.ais_ingest import AisIngest, ingest_file

    ingest = AisIngest(
        LiveStore(root / "live.sqlite"),
        ParquetArchive(root / "archive", flush_rows=200),
        clock=lambda: T0,
        process=process,
    )
    for name in ("gpsd_sample_sentences.aivdm", "pyais_nmea_data_sample.txt"):
        ingest_file(ingest, SAMPLES / name)
    summary = ingest.close().as_dict()
    live = LiveStore(root / "live.sqlite")
    reports, statics, _ = live.changes(0)
    track = live.track(reports[0].mmsi, since=T0 - timedelta(days=1))
    live.close()
    rows = query(root / "archive", "SELECT * FROM positions ORDER BY mmsi, time, lon").to_pylist()
    return summary, sorted(reports, key=lambda r: r.mmsi), sorted(statics, key=str), [track, rows]


@pytest.mark.parametrize("start", ["fork", "forkserver"])
def test_storing_from_a_second_process_stores_the_same(tmp_path, monkeypatch, start):
    from sarwatch.adapters.ais import store_worker

    monkeypatch.setattr(store_worker, "_start_method", lambda: start)
    in_thread = _ingest_samples(tmp_path / "thread", process=False)
    in_process = _ingest_samples(tmp_path / "process", process=True)
    assert in_process == in_thread
    summary, reports, statics, (_, rows) = in_process
    assert summary["reports"] == len(rows) > 600 and len(reports) > 50 and statics


def test_a_storing_error_in_the_second_process_is_raised_by_close(tmp_path):
    from sarwatch.errors import InputError
    from sarwatch.services.ais_ingest import AisIngest

    (tmp_path / "archive").write_text("a file where the archive directory should be")
    ingest = AisIngest(
        LiveStore(tmp_path / "live.sqlite"), ParquetArchive(tmp_path / "archive"), process=True
    )
    ingest.add([_r(247_000_001, 0)])
    with pytest.raises(InputError, match="cannot write the AIS archive"):
        ingest.close()
    # the live file got the report all the same
    live = LiveStore(tmp_path / "live.sqlite")
    assert live.counts()["last"] == 1
    live.close()
