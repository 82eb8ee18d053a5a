"""Statistics with provenance: every packaged number comes back with its source and date.

The pinned figures below were written by hand from ``stats_central_med.csv`` (the
compiled reference file; its ``flags`` column read too), not from the code under test.
"""

from __future__ import annotations

import csv
import re
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sarwatch.errors import InputError
from sarwatch.services.statistics import Figure, SourceRef, series_info, statistics

#: Which packaged column is which series and source (written here, not read from the code).
COLUMNS = {
    "sea_arrivals_italy_iom": ("arrivals_italy", "iom_med_2025"),
    "sea_arrivals_italy_unhcr_daily_sum": ("arrivals_italy", "unhcr_italy_daily"),
    "sea_arrivals_malta_iom": ("arrivals_malta", "iom_med_2025"),
    "intercepted_returned_libya_iom": ("intercepted_libya", "iom_med_2025"),
    "intercepted_tunisia_iom": ("intercepted_tunisia", "iom_med_2025"),
    "dead_missing_central_med_iom": ("dead_missing_central_med", "iom_med_2025"),
}


def _packaged_rows() -> list[dict[str, str]]:
    text = resources.files("sarwatch.data").joinpath("stats_central_med.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_every_packaged_number_comes_back_with_its_source() -> None:
    rows = _packaged_rows()
    years = [int(r["year"]) for r in rows]
    table = statistics(min(years), max(years))
    checked = 0
    for line in rows:
        year = int(line["year"])
        for column, (series, source) in COLUMNS.items():
            if not line[column].strip():
                continue
            figures = table.get(series, year).figures
            match = [f for f in figures if f.source.id == source and f.month is None]
            assert [f.value for f in match] == [int(line[column])], (series, year, source)
            assert match[0].as_of == match[0].source.as_of
            checked += 1
    # non-empty cells, counted by hand: Italy IOM 12, UNHCR 10, Malta 11, Libya 10,
    # Tunisia 10, dead and missing 11
    assert checked == 64


@pytest.mark.parametrize(
    ("series", "year", "value", "source", "status"),
    [
        # pinned by hand from the CSV
        ("arrivals_italy", 2014, 170_100, "iom_med_2025", "ok"),
        ("arrivals_italy", 2016, 181_436, "iom_med_2025", "sources differ"),
        ("arrivals_malta", 2018, 1_445, "iom_med_2025", "ok"),
        ("intercepted_libya", 2017, 18_900, "iom_med_2025", "ok"),
        ("intercepted_tunisia", 2018, 4_519, "iom_med_2025", "ok"),
        ("dead_missing_central_med", 2016, 4_574, "iom_med_2025", "ok"),
        ("dead_missing_central_med", 2018, 1_314, "iom_med_2025", "ok"),
    ],
)
def test_pinned_figures(series: str, year: int, value: int, source: str, status: str) -> None:
    row = statistics(2014, 2018).get(series, year)
    assert (row.value, row.source.id if row.source else None, row.status) == (
        value,
        source,
        status,
    )
    assert row.to_json()["as_of"] == "2025-08-12"  # the IOM file's date (12.08.2025)


def test_both_sources_are_shown_where_they_differ() -> None:
    row = statistics(2016, 2016).get("arrivals_italy", 2016)
    assert [(f.value, f.source.id) for f in row.figures] == [
        (181_436, "iom_med_2025"),
        (182_652, "unhcr_italy_daily"),
    ]
    libya = statistics(2023, 2023).get("intercepted_libya", 2023)
    assert {(f.value, f.source.id) for f in libya.figures} == {
        (17_025, "iom_med_2025"),
        (17_190, "iom_libya_maritime"),
    }
    assert libya.status == "sources differ"


def test_flagged_deaths_of_2014_and_2015_are_shown_but_never_quoted() -> None:
    table = statistics(2014, 2016, series=["dead_missing_central_med"])
    for year, raw in ((2014, 1_553), (2015, 3_149)):
        row = table.get("dead_missing_central_med", year)
        assert row.value is None
        assert row.status == "flagged"
        [figure] = row.figures
        assert (figure.value, figure.usable) == (raw, False)
        assert "do not use" in figure.flag
    assert table.get("dead_missing_central_med", 2016).value == 4_574


def test_a_year_without_a_figure_is_no_data_not_zero() -> None:
    row = statistics(2014, 2014).get("arrivals_malta", 2014)
    assert (row.value, row.status, row.figures) == (None, "no data", ())


def test_the_partial_year_is_preliminary() -> None:
    row = statistics(2025, 2025).get("arrivals_malta", 2025)
    assert (row.value, row.status) == (146, "preliminary")


def test_json_carries_every_figure_with_source_and_date() -> None:
    data = statistics(2014, 2018).to_json()
    assert data["from"] == 2014 and data["to"] == 2018 and data["by"] == "year"
    assert set(data["sources"]) >= {"iom_med_2025", "unhcr_italy_daily"}
    for row in data["rows"]:
        for f in row["figures"]:
            assert f["source"] in data["sources"]
            assert "as_of" in f and f["source_name"]
        if row["value"] is not None:
            assert row["source"] in data["sources"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"year_from": 2018, "year_to": 2014}, "'from' (2018) is after 'to' (2014)"),
        ({"year_from": 14, "year_to": 2018}, "'from' must be a year"),
        ({"year_from": 2014, "year_to": 2018, "series": ["arrivals_spain"]}, "unknown series"),
        ({"year_from": 2014, "year_to": 2018, "by": "week"}, "by must be 'year' or 'month'"),
        ({"year_from": 2014, "year_to": 2018, "by": "month"}, "packaged series are yearly"),
    ],
)
def test_bad_requests_say_what_to_do(kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        statistics(**kwargs)


class _Register:
    """A second source as the incident register will be: monthly figures."""

    def __init__(self, figures: list[Figure]) -> None:
        self._figures = figures

    def figures(self, series: frozenset[str], year_from: int, year_to: int) -> list[Figure]:
        return [f for f in self._figures if f.series in series and year_from <= f.year <= year_to]


def test_a_second_source_with_monthly_figures_plugs_in() -> None:
    from sarwatch.services.statistics import PackagedSeries

    reg = SourceRef("register", "sarwatch incident register", "this station", "2026-12-06")
    months = [Figure("dead_missing_central_med", 2018, 100 + m, reg, month=m) for m in range(1, 13)]
    register = _Register(months)
    by_month = statistics(2018, 2018, series=["dead_missing_central_med"], by="month",
                          sources=[PackagedSeries(), register])  # fmt: skip
    assert [r.value for r in by_month.rows] == [100 + m for m in range(1, 13)]
    yearly = statistics(2018, 2018, series=["dead_missing_central_med"],
                        sources=[PackagedSeries(), register])  # fmt: skip
    row = yearly.get("dead_missing_central_med", 2018)
    assert [(f.value, f.source.id) for f in row.figures] == [
        (1_314, "iom_med_2025"),
        (sum(100 + m for m in range(1, 13)), "register"),
    ]
    assert row.status == "sources differ"


@settings(max_examples=60, deadline=None)
@given(
    a=st.integers(2005, 2030),
    span=st.integers(0, 15),
    chosen=st.sets(st.sampled_from(sorted(series_info())), min_size=1),
)
def test_any_range_has_one_row_per_series_and_year(a: int, span: int, chosen: set[str]) -> None:
    table = statistics(a, a + span, series=sorted(chosen))
    assert len(table.rows) == len(chosen) * (span + 1)
    for row in table.rows:
        usable = [f.value for f in row.figures if f.usable]
        assert row.value == (usable[0] if usable else None)
        assert all(a <= f.year <= a + span for f in row.figures)
