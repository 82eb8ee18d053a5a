"""Positions as sailors write them: parsing, formatting, and refusals that explain."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarwatch.errors import InputError
from sarwatch.geo.position import (
    format_coordinate,
    format_position,
    parse_coordinate,
    parse_position,
)


@pytest.mark.parametrize(
    "text",
    [
        "33°12'N 012°30'E",
        "33°12′N 012°30′E",
        "33 12.0N 12 30.0E",
        "33 12.0 N, 012 30.0 E",
        "N33 12.0 E012 30.0",
        "33-12.0N 012-30.0E",
        "33°12'00\"N 12°30'00\"E",
        "33°12'00''N 12°30'00''E",
        "33.2N 12.5E",
        "33.2n 12.5e",
        "12.5E 33.2N",
        "33.2, 12.5",
        "33.2 12.5",
        "  33.2 ; 12.5  ",
        "33d12 N 12d30 E",
        "3312.0N 01230.0E",  # NMEA 0183 / satellite-phone style: DDMM.m, DDDMM.m
        "N3312.000 E01230.000",
        # decimal commas (Italy, Malta, Tunisia)
        "33,2N 12,5E",
        "33°12,0'N 012°30,0'E",
        "33 12,0N 12 30,0E",
        "33,2N,12,5E",
        "33,2 12,5",
        "33,2; 12,5",
        "33,2, 12,5",
        "33,2 / 12,5",
        "33.2, 12,5",
        "3312,0N 01230,0E",
        # a single comma between digits with nothing else between the numbers: the separator
        "33.2,12.5",
        "33 12,12 30",
    ],
)
def test_the_forms_people_write_all_mean_the_same_position(text: str) -> None:
    lon, lat = parse_position(text)
    assert lon == pytest.approx(12.5, abs=1e-12)
    assert lat == pytest.approx(33.2, abs=1e-12)


def test_south_and_west_are_negative() -> None:
    assert parse_position("33°12'S 012°30'W") == pytest.approx((-12.5, -33.2))
    assert parse_position("-33.2, -12.5") == pytest.approx((-12.5, -33.2))
    assert parse_position("35 30 15S 12 00 45W") == pytest.approx(
        (-(12 + 45 / 3600), -(35 + 30 / 60 + 15 / 3600))
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "no position given"),
        ("hello world", "cannot"),
        ("33.2N", "found 1 coordinate"),
        ("33.2N 12.5N", "two latitudes"),
        ("95.0N 12.5E", "latitude must lie between -90 and 90"),
        ("33.2, 190", "longitude must lie between -180 and 180"),
        ("33 60.0N 12 30E", "minutes must be below 60"),
        ("33 12 75N 12 30E", "seconds must be below 60"),
        ("33.5 12N 12 30E", "decimal part"),
        ("-33.2N 12.5E", "either a sign or a hemisphere letter"),
        ("33.2 12.5 7.1", "cannot tell latitude from longitude"),
        ("33#12N 12 30E", "unexpected"),
        ("33,2,12,5", "could be decimal commas or the separator"),
        ("33,2,12", "separate latitude and longitude by a space or a semicolon"),
        ("33,2,5N 12,5E", "could be decimal commas"),
        ("33,2 12", "reads two ways: 33.000°N 2.200°E (the comma between latitude and longitude)"),
        ("33,2 12", "or 33.200°N 12.000°E (a decimal comma)"),
        ("33 12,5 12 30,0", "cannot tell latitude from longitude"),
    ],
)
def test_garbled_positions_are_refused_with_a_helpful_message(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as info:
        parse_position(text)
    assert fragment in str(info.value)


def test_a_comma_between_integer_degrees_stays_the_separator() -> None:
    assert parse_position("33,12") == (12.0, 33.0)
    assert parse_position("-33,-12") == (-12.0, -33.0)


def test_parse_coordinate_checks_the_hemisphere_letter_against_the_axis() -> None:
    assert parse_coordinate("33°12'N", "lat") == pytest.approx(33.2)
    assert parse_coordinate("33°12,0'N", "lat") == pytest.approx(33.2)
    assert parse_coordinate("-12,5", "lon") == pytest.approx(-12.5)
    with pytest.raises(InputError, match="two decimal commas"):
        parse_coordinate("33,2,5N", "lat")
    assert parse_coordinate("012 30.0W", "lon") == pytest.approx(-12.5)
    assert parse_coordinate(12.5, "lon") == 12.5
    with pytest.raises(InputError, match="latitude takes N or S"):
        parse_coordinate("12 30E", "lat")
    with pytest.raises(InputError, match="latitude must lie between"):
        parse_coordinate(91, "lat")


def test_formatting_carries_rounded_minutes_into_degrees() -> None:
    # 33.99999999° must not print as 33°60.000'.
    assert format_coordinate(33.99999999, "lat") == "34°00.000'N"
    assert format_position(12.5, 33.2) == "33°12.000'N 012°30.000'E"
    assert format_position(-12.5, -33.2, style="dms", decimals=1) == "33°12'00.0\"S 012°30'00.0\"W"


_lons = st.floats(min_value=-180, max_value=180, allow_nan=False)
_lats = st.floats(min_value=-90, max_value=90, allow_nan=False)


@given(_lons, _lats)
def test_format_then_parse_round_trips_degrees_minutes(lon: float, lat: float) -> None:
    back_lon, back_lat = parse_position(format_position(lon, lat, decimals=5))
    assert abs(back_lon - lon) < 1e-6
    assert abs(back_lat - lat) < 1e-6


@given(_lons, _lats, st.sampled_from(["dms", "decimal"]))
def test_format_then_parse_round_trips_other_styles(lon: float, lat: float, style: str) -> None:
    decimals = 3 if style == "dms" else 7
    back_lon, back_lat = parse_position(format_position(lon, lat, style=style, decimals=decimals))
    assert abs(back_lon - lon) < 1e-6
    assert abs(back_lat - lat) < 1e-6


@given(_lons, _lats)
def test_nmea_style_degrees_minutes_round_trip(lon: float, lat: float) -> None:
    """DDMM.mmm / DDDMM.mmm as GPS receivers print them reads back the position."""

    def nmea(value: float, width: int, pos: str, neg: str) -> str:
        deg, minutes = divmod(round(abs(value) * 60.0, 3), 60.0)
        return f"{int(deg):0{width}d}{minutes:06.3f}{pos if value >= 0 else neg}"

    text = f"{nmea(lat, 2, 'N', 'S')} {nmea(lon, 3, 'E', 'W')}"
    got_lon, got_lat = parse_position(text)
    assert got_lat == pytest.approx(lat, abs=1e-4)
    assert got_lon == pytest.approx(lon, abs=1e-4)


@given(_lons, _lats, st.sampled_from(["dm", "dms", "decimal"]))
def test_format_with_decimal_commas_then_parse_round_trips(
    lon: float, lat: float, style: str
) -> None:
    """The same texts with a decimal comma, as typed in Italy, Malta or Tunisia."""
    decimals = {"dm": 5, "dms": 3, "decimal": 7}[style]
    text = format_position(lon, lat, style=style, decimals=decimals).replace(".", ",")
    back_lon, back_lat = parse_position(text)
    assert abs(back_lon - lon) < 1e-6
    assert abs(back_lat - lat) < 1e-6


@given(
    st.floats(min_value=-90, max_value=90, allow_nan=False),
    st.floats(min_value=-180, max_value=180, allow_nan=False),
    st.sampled_from([" ", "; ", ", ", " / "]),
)
def test_signed_decimal_commas_round_trip_with_any_unambiguous_separator(
    lat: float, lon: float, separator: str
) -> None:
    text = f"{lat:.6f}{separator}{lon:.6f}".replace(".", ",")
    back_lon, back_lat = parse_position(text)
    assert abs(back_lat - lat) < 1e-6
    assert abs(back_lon - lon) < 1e-6


@given(
    st.floats(min_value=0, max_value=89, allow_nan=False),
    st.floats(min_value=0, max_value=179, allow_nan=False),
)
def test_decimal_commas_run_together_are_always_refused(lat: float, lon: float) -> None:
    """``33,2,12,5`` has no single reading: refused, never guessed."""
    text = f"{lat:.3f},{lon:.3f}".replace(".", ",")
    with pytest.raises(InputError, match="could be decimal commas or the separator"):
        parse_position(text)


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "+Infinity", "-nan"])
@pytest.mark.parametrize(("axis", "bounds"), [("lat", "-90 and 90"), ("lon", "-180 and 180")])
def test_nan_and_infinity_say_a_number_in_range_is_expected(
    text: str, axis: str, bounds: str
) -> None:
    """Was "found several hemisphere letters" (the N of NaN, the N of inf)."""
    name = "latitude" if axis == "lat" else "longitude"
    with pytest.raises(InputError) as info:
        parse_coordinate(text, axis)  # type: ignore[arg-type]
    message = str(info.value)
    assert f"a {name} must be a number between {bounds} degrees, got {text!r}" in message
    assert "hemisphere" not in message
    with pytest.raises(InputError, match=f"a {name} must be a number between {bounds}"):
        parse_coordinate(float(text), axis)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["nan nan", "33.2, inf", "NaN N 12.5E"])
def test_a_position_of_nan_or_infinity_says_numbers_are_expected(text: str) -> None:
    with pytest.raises(InputError, match="a position needs numbers: a latitude between -90 and 90"):
        parse_position(text)


#: The accepted forms, as the refusal of a place name names them.
_FORMS = (
    "degrees, minutes and seconds (33°12'30\"N 012°30'15\"E), degrees and decimal minutes "
    "(33 12.0N 12 30.0E), decimal degrees with hemisphere letters (33.2N 12.5E) or signed "
    "decimal degrees, latitude first (33.2, 12.5)"
)


@pytest.mark.parametrize("text", ["north of Lampedusa", "Lampedusa", "off Zuwara", "SAR"])
def test_a_place_name_is_not_a_position_and_the_forms_are_said(text: str) -> None:
    """It was 'found 3 coordinate(s)' (the N, E and S of "north of Lampedusa")."""
    with pytest.raises(InputError) as info:
        parse_position(text)
    message = str(info.value)
    assert message == (
        f"{text!r} is not a position: a place name or a description cannot be located; "
        f"give the position in numbers, as {_FORMS}"
    )
    assert "coordinate(s)" not in message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("10 nm north of Lampedusa", "'nm', 'north', 'of', 'Lampedusa' are words"),
        ("35.5N 12.6E near Lampedusa", "'near', 'Lampedusa' are words"),
        ("Lat 33.2N Lon 12.5E", "'Lat', 'Lon' are words"),
    ],
)
def test_words_beside_numbers_are_named_and_the_forms_are_said(text: str, words: str) -> None:
    with pytest.raises(InputError) as info:
        parse_position(text)
    assert str(info.value) == (
        f"cannot read {text!r} as a position: {words}, not part of a coordinate (a place "
        "name or a description is not a position); give only the numbers and hemisphere "
        f"letters, as {_FORMS}"
    )


def test_a_place_name_is_not_a_latitude_either() -> None:
    with pytest.raises(InputError) as info:
        parse_coordinate("north of Lampedusa", "lat")
    assert str(info.value).startswith("'north of Lampedusa' is not a latitude: a place name")
    assert "33.2N" in str(info.value)
    with pytest.raises(InputError, match=r"'off' is a word.*as 012°30'E, 12 30\.0E, 12\.5E"):
        parse_coordinate("12.5 off", "lon")
    # the unit "deg" after a number is no word: it is read as ever
    assert parse_position("33 deg 12 N, 12 deg 30 E") == pytest.approx((12.5, 33.2))


_WORDS = st.from_regex(r"[A-Za-zà-öø-ÿ]{2,12}( [A-Za-zà-öø-ÿ]{1,12}){0,3}", fullmatch=True).filter(
    lambda w: not re.search(r"(?i)nan|inf", w)  # NaN and infinity have their own message
)


@given(_WORDS, _lons, _lats)
def test_words_never_pass_for_a_position(words: str, lon: float, lat: float) -> None:
    """Alone, or beside a position that reads on its own, words are refused as words."""
    with pytest.raises(InputError, match=r"is not a position: a place name"):
        parse_position(words)
    with pytest.raises(InputError, match=r"not part of a coordinate"):
        parse_position(f"{format_position(lon, lat)} {words}")
