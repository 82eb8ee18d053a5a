"""AIS decoding: the shared samples, hand-decoded sentences, multi-part messages, bad lines.

The expected field values below are decoded by hand from ITU-R M.1371 (the bit
layouts in its annex 8, as tabulated in gpsd's AIVDM.adoc), not copied from pyais.
The 6-bit de-armouring: each payload character c maps to v = ord(c) - 48, minus 8
more when v > 40, written as 6 bits, most significant first. Signed fields are
two's complement. Lon/lat of types 1-3, 9, 18, 19 are 1/10000 minute (raw / 600000
degrees); of type 27 1/10 minute (raw / 600).
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sarwatch.adapters.ais.files import iter_batches, open_nmea
from sarwatch.adapters.ais.nmea import NmeaDecoder, SkipReason
from sarwatch.errors import InputError, NotFoundError
from sarwatch.vessels.picture import kind_of
from sarwatch.vessels.types import VesselKind

SAMPLES = Path(__file__).parent / "data_ais"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _decode(lines, **kw):
    dec = NmeaDecoder(clock=lambda: NOW, **kw)
    reports, statics = dec.decode(lines)
    summary = dec.finish()
    assert summary.lines == summary.ignored + summary.used + summary.n_skipped
    return reports, statics, summary


def _file(name):
    with open_nmea(SAMPLES / name) as fh:
        return _decode([line for batch in iter_batches(fh) for line in batch])


# -- the shared samples, exact counts ------------------------------------------------


def test_gpsd_sample_counts_per_type():
    # data_ais/README.md: pyais yields 102 messages from this file. We decode
    # 99: three of those 102 repeat a payload already heard (lines 74, 81, 97 of the
    # file repeat earlier sentences), counted as duplicates. The line
    # "AIVDM,2,2,1,B,..." lost its "!" and is malformed. The per-type counts are the
    # README's minus those repeats (6 -> 12 for type 6 ... 8: 18, 24: 7 -> 6).
    reports, statics, s = _file("gpsd_sample_sentences.aivdm")
    assert s.lines == 126
    assert s.ignored == 7  # the comment header
    assert s.messages == 99
    assert dict(s.by_type) == {
        1: 4, 2: 1, 3: 1, 4: 4, 5: 3, 6: 12, 7: 3, 8: 18, 9: 2, 10: 2, 11: 1, 12: 7, 13: 1,
        14: 3, 15: 3, 16: 2, 17: 2, 18: 3, 19: 1, 20: 5, 21: 2, 22: 3, 23: 1, 24: 6, 25: 3,
        26: 4, 27: 2,
    }  # fmt: skip
    assert dict(s.skipped) == {SkipReason.DUPLICATE: 3, SkipReason.MALFORMED: 1}
    # positions: types 1-3 (6), 9 (2), 18 (3), 19 (1), 27 (2)
    assert len(reports) == s.reports == 14
    # static: 5 (3), 19 (1), 24 (6)
    assert len(statics) == s.statics == 10


def test_pyais_data_sample_counts():
    # README: 878 single lines of which 100 empty, 20 first fragments whose second part
    # is missing, 778 decodable (1: 667, 3: 76, 18: 19, 15: 7, 4: 6, 24: 2, 20: 1).
    # Five of them repeat an earlier payload (one type 1, four type 15).
    _, statics, s = _file("pyais_nmea_data_sample.txt")
    assert s.lines == 898
    assert dict(s.by_type) == {1: 666, 3: 76, 18: 19, 15: 3, 4: 6, 24: 2, 20: 1}
    assert dict(s.skipped) == {
        SkipReason.EMPTY_PAYLOAD: 100,
        SkipReason.ORPHAN_FRAGMENT: 20,
        SkipReason.DUPLICATE: 5,
    }
    assert s.reports + s.no_position == 666 + 76 + 19
    assert len(statics) == 2


def test_pyais_robustness_files():
    # pyais_sample.ais: 12 messages per pyais; we skip two repeats, the tag-blocked line
    # whose checksum field "013" lost its "*" (truncated), and "!AAVDM,0,1" (zero
    # fragments: malformed); the junk line is not AIS; 6 comments/blank + 1 $PGHP wrapper.
    _, _, s = _file("pyais_sample.ais")
    assert (s.lines, s.ignored, s.messages) == (22, 7, 9)
    assert dict(s.by_type) == {1: 8, 5: 1}
    assert dict(s.skipped) == {
        SkipReason.DUPLICATE: 2,
        SkipReason.MALFORMED: 1,
        SkipReason.NOT_AIS: 1,
        SkipReason.TRUNCATED: 1,
    }
    # pyais_mixed.txt: 13 per pyais; other NMEA sentences and junk are not AIS (6).
    _, _, s = _file("pyais_mixed.txt")
    assert (s.lines, s.messages) == (35, 10)
    assert dict(s.by_type) == {1: 8, 5: 2}
    assert dict(s.skipped) == {
        SkipReason.NOT_AIS: 6,
        SkipReason.DUPLICATE: 2,
        SkipReason.TRUNCATED: 1,
    }


def test_gzip_file_reads_like_plain(tmp_path):
    raw = (SAMPLES / "gpsd_sample_sentences.aivdm").read_bytes()
    path = tmp_path / "feed.nmea"  # no .gz suffix: detected by its magic bytes
    path.write_bytes(gzip.compress(raw))
    with open_nmea(path) as fh:
        lines = [line for batch in iter_batches(fh, batch_lines=7) for line in batch]
    _, _, s = _decode(lines)
    assert s.messages == 99 and s.lines == 126


def test_unreadable_files_raise_one_clear_error(tmp_path):
    with pytest.raises(NotFoundError, match="does not exist"):
        open_nmea(tmp_path / "missing.nmea")
    with pytest.raises(InputError, match="is a directory"):
        open_nmea(tmp_path)
    broken = tmp_path / "cut.gz"
    whole = gzip.compress(SINGLE.encode() * 50)
    broken.write_bytes(whole[:40])
    with open_nmea(broken) as fh, pytest.raises(InputError, match="is the file complete"):
        list(iter_batches(fh))


# -- hand-decoded sentences -------------------------------------------------------------


def test_type1_hand_decoded():
    # !AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A  (gpsd sample, line 8)
    # bits   0-5   000001                         type 1
    # bits   8-37  010110001010010010111111110000 MMSI 371798000
    # bits  38-41  0000                           status 0 (under way using engine)
    # bits  50-59  0001111011                     SOG 123 -> 12.3 kn
    # bits  61-88  1011100101100100100000010010   lon -74037230 -> -123.3953833 deg
    # bits  89-115 001101110101111001001110100    lat  29028980 ->   48.3816333 deg
    # bits 116-127 100011000000                   COG 2240 -> 224.0 deg
    # bits 128-136 011010111                      heading 215 deg
    (r,), _, _ = _decode(["!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"])
    assert r.mmsi == 371798000 and r.msg_type == 1 and r.nav_status == 0
    assert r.sog_kn == pytest.approx(12.3)
    assert r.lon == pytest.approx(-74037230 / 600000, abs=1e-6)
    assert r.lat == pytest.approx(29028980 / 600000, abs=1e-6)
    assert r.cog_deg == pytest.approx(224.0) and r.heading_deg == 215
    assert r.time == NOW  # no tag block: stamped with the receiver's clock


def test_type18_heading_not_available_is_none():
    # !AIVDM,1,1,,A,B52K>;h00Fc>jpUlNV@ikwpUoP06,0*4C  (gpsd, Class B "CS")
    # bits   0-5   010010                          type 18
    # bits   8-37  010100001001101100111000101111  MMSI 338087471
    # bits  46-55  0000000001                      SOG 1 -> 0.1 kn
    # bits  57-84  1101010110011101100101110001    lon -44443279 -> -74.0721317 deg
    # bits  85-111 001011101000111101001100100     lat  24410724 ->  40.684540 deg
    # bits 112-123 001100011100                    COG 796 -> 79.6 deg
    # bits 124-132 111111111                       heading 511 = not available
    (r,), _, _ = _decode(["!AIVDM,1,1,,A,B52K>;h00Fc>jpUlNV@ikwpUoP06,0*4C"])
    assert (r.mmsi, r.msg_type, r.nav_status) == (338087471, 18, None)
    assert r.sog_kn == pytest.approx(0.1) and r.cog_deg == pytest.approx(79.6)
    assert r.heading_deg is None
    assert (r.lon, r.lat) == pytest.approx((-44443279 / 600000, 24410724 / 600000), abs=1e-6)


def test_type9_sar_aircraft():
    # !AIVDM,1,1,,B,91b55wi;hbOS@OdQAC062Ch2089h,0*30  (gpsd)
    # bits   0-5   001001                         type 9 (SAR aircraft)
    # bits   8-37  000110101000010100010111111111 MMSI 111232511 (111 MID 232 xxx)
    # bits  38-49  000100101111                   altitude 303 m
    # bits  50-59  0000101010                     SOG 42 kn (whole knots for type 9)
    # bits  61-88  1111110001101000001111110110   lon -3767306 -> -6.2788433 deg
    # bits  89-115 010000101000101001100000000    lat 34886400 -> 58.144 deg
    # bits 116-127 011000001001                   COG 1545 -> 154.5 deg
    (r,), _, _ = _decode(["!AIVDM,1,1,,B,91b55wi;hbOS@OdQAC062Ch2089h,0*30"])
    assert (r.mmsi, r.msg_type, r.sog_kn) == (111232511, 9, 42.0)
    assert r.cog_deg == pytest.approx(154.5) and r.heading_deg is None
    assert (r.lon, r.lat) == pytest.approx((-3767306 / 600000, 58.144), abs=1e-6)
    assert kind_of(r.mmsi, None, r.msg_type) is VesselKind.SAR_AIRCRAFT


def test_type27_long_range():
    # !AIVDM,1,1,,A,KCQ9r=hrFUnH7P00,0*41  (gpsd, 96 bits)
    # bits  0-5   011011                         type 27
    # bits  8-37  001110000100100111101000110111 MMSI 236091959
    # bits 40-43  0011                           status 3 (restricted manoeuvrability)
    # bits 44-61  101001011010010111             lon -92521 (1/10 min) -> -154.2016667 deg
    # bits 62-78  01100110000001111              lat 52239 -> 87.065 deg
    # bits 79-84  000000                         SOG 0 kn
    # bits 85-93  000000000                      COG 0 deg
    (r,), _, _ = _decode(["!AIVDM,1,1,,A,KCQ9r=hrFUnH7P00,0*41"])
    assert (r.mmsi, r.msg_type, r.nav_status) == (236091959, 27, 3)
    assert (r.lon, r.lat) == pytest.approx((-92521 / 600, 52239 / 600), abs=1e-6)
    assert (r.sog_kn, r.cog_deg, r.heading_deg) == (0.0, 0.0, None)


TYPE5 = [
    "!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C",
    "!AIVDM,2,2,1,A,88888888880,2*25",
]


def test_type5_two_parts_hand_decoded():
    # The two payloads joined, 2 fill bits dropped: 424 bits.
    # bits   0-5   000101                         type 5
    # bits   8-37  010100111101110110101010011000 MMSI 351759000
    # bits  40-69  000000100010110110000010111110 IMO 9134270
    # bits  70-111 call sign, 7 six-bit chars    "3FOF8  "
    # bits 112-231 name, 20 chars                "EVER DIADEM" + blanks
    # bits 232-239 01000110                       ship type 70 (cargo)
    # bits 240-248 011100001 to bow 225 m; bits 249-257 001000110 to stern 70 m
    # bits 302-421 destination                   "NEW YORK"
    _, (st,), s = _decode(TYPE5)
    assert s.by_type == {5: 1} and s.used == 2
    assert (st.mmsi, st.name, st.callsign, st.imo) == (351759000, "EVER DIADEM", "3FOF8", 9134270)
    assert (st.ship_type, st.length_m, st.destination) == (70, 295.0, "NEW YORK")
    assert kind_of(st.mmsi, st, 1) is VesselKind.MERCHANT


def test_tag_block_time_and_sentinels():
    # "c:1747818025" is UNIX seconds: 2025-05-21 09:00:25 UTC. The sentence is the
    # type 1 above; a millisecond stamp of the same instant gives the same time.
    line = r"\s:r1,c:1747818025*{:02X}\!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"
    tb = "s:r1,c:1747818025"
    ck = 0
    for ch in tb:
        ck ^= ord(ch)
    tb_ms = "s:r2,c:1747818025000"
    ck_ms = 0
    for ch in tb_ms:
        ck_ms ^= ord(ch)
    line_ms = rf"\{tb_ms}*{ck_ms:02X}\!AIVDM,1,1,,B,15RTgt0PAso;90TKcjM8h6g208CQ,0*49"
    reports, _, s = _decode([line.format(ck), line_ms])
    assert reports[0].time == datetime(2025, 5, 21, 9, 0, 25, tzinfo=UTC)
    # The second is the same payload heard on channel B: a duplicate.
    assert s.skipped == {SkipReason.DUPLICATE: 1} and s.untimed == 0
    reports, _, _ = _decode([line_ms])
    assert reports[0].time == datetime(2025, 5, 21, 9, 0, 25, tzinfo=UTC)


# -- multi-part and bad neighbours -------------------------------------------------------

# Another type 5 (pyais_sample.ais), sequence id 2 on channel B; bits 8-37 of the
# joined payload: 010101110111111101000001000100 = MMSI 366989380.
OTHER5 = [
    "!SAVDM,2,1,2,B,55Mw@A7J1adAL@?;7WPl58F0U<h4pB222222220t1PN5553fN4g?`4iSp5Rc,0*26",
    "!SAVDM,2,2,2,B,iP`88888880,2*5E",
]
SINGLE = "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"


def test_interleaved_multipart_messages_reassemble():
    lines = [TYPE5[0], OTHER5[0], SINGLE, OTHER5[1], TYPE5[1]]
    reports, statics, s = _decode(lines)
    assert sorted(st.mmsi for st in statics) == [351759000, 366989380]
    assert [r.mmsi for r in reports] == [371798000]
    assert s.skipped == {} and s.used == 5


def test_fragments_out_of_order_orphans_and_bad_neighbours():
    bad_checksum = SINGLE[:-2] + "00"
    truncated = SINGLE[:30]
    lines = [
        TYPE5[1],  # second part with no first: orphan
        OTHER5[0],
        bad_checksum,  # a bad line between two fragments costs only itself
        "garbage \x00\xff",
        OTHER5[1],
        TYPE5[0],
        "!AIVDM,2,3,1,A,88888888880,2*25",  # fragment 3 of 2: malformed
        truncated,
        SINGLE,
    ]
    reports, statics, s = _decode(lines)
    assert [st.mmsi for st in statics] == [366989380]
    assert [r.mmsi for r in reports] == [371798000]
    assert s.skipped == {
        SkipReason.ORPHAN_FRAGMENT: 2,  # TYPE5[1] first, TYPE5[0] never completed
        SkipReason.BAD_CHECKSUM: 1,
        SkipReason.NOT_AIS: 1,
        SkipReason.MALFORMED: 1,
        SkipReason.TRUNCATED: 1,
    }
    three = [
        "!AIVDM,3,1,5,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C",
        "!AIVDM,3,3,5,A,88888888880,2*25",
    ]
    _, _, s = _decode([f"{x[:-2]}{_ck(x):02X}" for x in three])
    assert s.skipped == {SkipReason.OUT_OF_ORDER: 2}


def _ck(sentence: str) -> int:
    body = sentence[1 : sentence.index("*")]
    ck = 0
    for ch in body:
        ck ^= ord(ch)
    return ck


def test_unfinished_message_expires_after_gap():
    lines = [TYPE5[0], *([SINGLE.replace(",A,", ",B,")] * 1), *["# c"] * 30, TYPE5[1]]
    lines[1] = f"{lines[1][:-2]}{_ck(lines[1]):02X}"
    _, statics, s = _decode(lines, max_fragment_gap=20)
    assert statics == [] and s.skipped == {SkipReason.ORPHAN_FRAGMENT: 2}


def test_state_carries_across_batches():
    dec = NmeaDecoder(clock=lambda: NOW)
    _, first = dec.decode([TYPE5[0]])
    _, second = dec.decode([TYPE5[1]])
    assert first == [] and [st.mmsi for st in second] == [351759000]
    assert dec.finish().skipped == {}


def test_blanks_line_ends_and_text_around_a_sentence_do_not_change_it():
    # Checksums are read from one running XOR over the whole batch: a sentence must
    # decode alike whatever surrounds it (blanks, CR LF, a tag block, str or bytes),
    # and a damaged neighbour must not shift the next line's checksum.
    tag = "\\s:r1,c:1796536800*7E\\"
    clean, _, _ = _decode([SINGLE, TYPE5[0], TYPE5[1]])
    for variant in (
        ["  " + SINGLE + "\r\n", "\t" + TYPE5[0] + " \n", TYPE5[1].encode() + b"\r\n"],
        [SINGLE.encode() + b",s36310,d-081", b" " + TYPE5[0].encode(), TYPE5[1]],
        ["!AIVDM,1,1,,A,15RTgt0P*4A\n", SINGLE, "\x00garbage\n", *TYPE5],
    ):
        reports, statics, s = _decode(variant)
        assert [(r.mmsi, r.lon, r.lat) for r in reports] == [
            (r.mmsi, r.lon, r.lat) for r in clean
        ], variant
        assert [st.mmsi for st in statics] == [351759000]
        assert SkipReason.BAD_CHECKSUM not in s.skipped
    tagged, _, s = _decode([" " + tag + SINGLE + "\r\n"])
    assert s.untimed == 0 and tagged[0].time == datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
    assert (tagged[0].mmsi, tagged[0].lon) == (clean[0].mmsi, clean[0].lon)
    # one byte changed anywhere between "!" and "*" is a bad checksum, blanks or not
    broken = "  " + SINGLE.replace("15RT", "15RU")
    reports, _, s = _decode([broken, SINGLE])
    assert s.skipped == {SkipReason.BAD_CHECKSUM: 1} and len(reports) == 1


def test_nothing_raises_on_hostile_input():
    hostile = [
        b"",
        b"\\",
        b"\\\\",
        b"\\c:*\\!AIVDM,1,1,,A,,0*",
        b"!",
        b"!AIVDM",
        b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,9*4A",
        b"!AIVDM,99,1,,A,1,0*00",
        b"!AIVDM,1,1,,A,\xff\xfe,0*00",
        "!AIVDM,1,1,,A,ü,0*00",
        b"$PGHP,1,x*00",
        b"*" * 10_000,
    ]
    _, _, s = _decode(hostile)
    assert s.messages == 0 and s.lines == len(hostile)
