"""The live AIS picture: newest report wins, tracks are trimmed, kinds follow ITU-R M.1371."""

from datetime import UTC, datetime, timedelta

from sarwatch.vessels.picture import LivePicture, kind_of
from sarwatch.vessels.types import VesselKind, VesselReport, VesselStatic

T0 = datetime(2026, 3, 15, 8, 0, tzinfo=UTC)


def _report(mmsi: int, minutes: float, lon: float = 12.5, lat: float = 34.0) -> VesselReport:
    return VesselReport(mmsi=mmsi, time=T0 + timedelta(minutes=minutes), lon=lon, lat=lat)


def test_newest_report_is_the_state_whatever_the_arrival_order():
    picture = LivePicture()
    picture.add_reports([_report(1, 10, lon=13.0), _report(1, 5, lon=12.0)])
    state = picture.state(1)
    assert state is not None and state.report.lon == 13.0
    assert [r.time for r in picture.track(1)] == [
        T0 + timedelta(minutes=5),
        T0 + timedelta(minutes=10),
    ]


def test_track_keeps_only_the_recent_hours():
    picture = LivePicture(track_hours=1.0)
    picture.add_reports([_report(7, 0), _report(7, 30), _report(7, 90)])
    assert [r.time for r in picture.track(7)] == [
        T0 + timedelta(minutes=30),
        T0 + timedelta(minutes=90),
    ]


def test_bbox_and_since_filter_vessels():
    picture = LivePicture()
    picture.add_reports([_report(1, 0, lon=12.0, lat=34.0), _report(2, 60, lon=15.0, lat=36.0)])
    assert [v.mmsi for v in picture.vessels(bbox=(11.0, 33.0, 13.0, 35.0))] == [1]
    assert [v.mmsi for v in picture.vessels(since=T0 + timedelta(minutes=30))] == [2]


def test_static_data_merges_by_mmsi_and_sets_the_kind():
    picture = LivePicture()
    picture.add_reports([_report(247_000_001, 0)])
    picture.add_static([VesselStatic(247_000_001, name="SEA-WATCH 5", ship_type=51)])
    picture.add_static([VesselStatic(247_000_001, callsign="IABC")])
    state = picture.state(247_000_001)
    assert state is not None and state.static is not None
    assert (state.static.name, state.static.callsign) == ("SEA-WATCH 5", "IABC")
    assert state.kind is VesselKind.SAR_VESSEL and state.kind.sar_capable


def test_kinds_from_mmsi_message_type_and_ship_type():
    assert kind_of(970_123_456, None, 1) is VesselKind.SART
    # the other AIS distress devices (ais.md section 3): man-overboard and EPIRB-AIS
    assert kind_of(972_123_456, None, 1) is VesselKind.SART
    assert kind_of(974_123_456, None, 1) is VesselKind.SART
    assert kind_of(971_123_456, None, 1) is VesselKind.OTHER
    assert kind_of(247_000_000, None, 9) is VesselKind.SAR_AIRCRAFT
    assert kind_of(247_000_000, VesselStatic(247_000_000, ship_type=70), 1) is VesselKind.MERCHANT
    assert (
        kind_of(247_000_000, VesselStatic(247_000_000, ship_type=55), 1)
        is VesselKind.LAW_ENFORCEMENT
    )
    assert kind_of(247_000_000, None, 1) is VesselKind.OTHER
    assert not VesselKind.MERCHANT.sar_capable
