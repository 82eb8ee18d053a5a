"""The one reader of boxes typed as text (``--bbox``, ``--area``, ``?bbox=``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sarwatch.errors import InputError
from sarwatch.geo.bbox import parse_bbox

lons = st.floats(-180, 180, allow_nan=False)
lats = st.floats(-90, 90, allow_nan=False)


@given(lons, lons, lats, lats)
def test_a_valid_box_reads_back_exactly(a: float, b: float, c: float, d: float) -> None:
    lon_min, lon_max = sorted((a, b))
    lat_min, lat_max = sorted((c, d))
    text = f"{lon_min!r},{lat_min!r},{lon_max!r},{lat_max!r}"
    if lon_min < lon_max and lat_min < lat_max:
        assert parse_bbox(text) == (lon_min, lat_min, lon_max, lat_max)
    else:  # a box without area is refused, never read as something else
        with pytest.raises(InputError, match="lon_min < lon_max"):
            parse_bbox(text)


@pytest.mark.parametrize("text", [None, "", "  "])
def test_no_text_is_no_box(text: str | None) -> None:
    assert parse_bbox(text) is None


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("12,33,14", "--area must be four numbers lon_min,lat_min,lon_max,lat_max"),
        ("a,b,c,d", "--area must be four numbers"),
        ("12,33,14,35,1", "four numbers"),
        ("12,nan,14,35", "four numbers"),
        ("14,33,12,35", "need -180 <= lon_min < lon_max <= 180"),
        ("12,33,190,35", "need -180 <= lon_min < lon_max <= 180"),
        ("12,-95,14,35", "-90 <= lat_min < lat_max <= 90"),
    ],
)
def test_a_bad_box_says_what_a_box_is(text: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_bbox(text, name="--area")
    assert words in str(caught.value)
