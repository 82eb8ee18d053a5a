"""``sarwatch stats``, ``GET /api/stats`` and the charts (print and night palettes)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _cli import run_cli
from sarwatch.adapters.exports.charts import PALETTES
from sarwatch.services.statistics import statistics


def test_cli_json_is_the_service_table(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "stats", "--from", "2014", "--to", "2018", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data == statistics(2014, 2018).to_json()
    italy_2014 = next(
        r for r in data["rows"] if r["series"] == "arrivals_italy" and r["year"] == 2014
    )
    assert (italy_2014["value"], italy_2014["source"], italy_2014["as_of"]) == (
        170_100,
        "iom_med_2025",
        "2025-08-12",
    )


def test_cli_table_shows_sources_and_flags(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "stats", "--from", "2014", "--to", "2018")
    assert code == 0, err
    assert "181,436*" in out  # sources differ
    assert "182,652 (unhcr_italy_daily" in out  # the other source, shown
    assert "1,553 (iom_med_2025, 2025-08-12, DO NOT USE)" in out
    assert "iom_med_2025: IOM, ALL MED DATA 2010-2025" in out


def test_cli_chart_in_a_missing_directory_is_refused_before_the_table(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no such dir" / "c.svg"
    code, out, err = run_cli(
        capsys, "stats", "--from", "2016", "--to", "2016", "--chart", str(target)
    )
    assert code == 2 and "does not exist" in err and "Traceback" not in err
    assert out == "" and not target.exists()


def test_cli_table_marks_a_partial_year_also_where_sources_differ(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """2025 is a partial year: its arrivals to Italy differ between IOM and UNHCR, and
    the quoted figure still says it is preliminary (as Malta's single figure does)."""
    code, out, err = run_cli(capsys, "stats", "--from", "2025", "--to", "2025", "--no-register")
    assert code == 0, err
    row = next(line for line in out.splitlines() if line.startswith("2025"))
    assert "63,872*p" in row.split()  # arrivals to Italy: sources differ, preliminary
    assert "146p" in row.split()  # arrivals to Malta: one source, preliminary
    assert "18,900*p" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2018", "--to", "2014"], "'from' (2018) is after 'to' (2014)"),
        (["--from", "2014", "--to", "2018", "--series", "spain"], "unknown series 'spain'"),
        (["--from", "2014", "--to", "2018", "--chart", "x.pdf"], "name a .png or .svg"),
        (["--from", "2014", "--to", "2018", "--by", "month"], "packaged series are yearly"),
    ],
)
def test_cli_bad_input_is_one_line(
    home: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run_cli(capsys, "stats", *args)
    assert code == 2
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("palette", ["print", "night"])
def test_svg_chart_is_text_with_sources_in_its_palette(palette: str, tmp_path: Path) -> None:
    from sarwatch.services.statistics import chart

    svg = chart(statistics(2014, 2018), fmt="svg", palette=palette)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    text = svg.decode("utf-8")
    assert "Sea arrivals to Italy" in text and "iom_med_2025" in text  # text kept as text
    assert "do not use" in text  # the flagged 2014-2015 deaths
    assert PALETTES[palette].background in text.lower()


def test_png_chart(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "stats.png"
    code, _, err = run_cli(
        capsys, "stats", "--from", "2014", "--to", "2018", "--chart", str(out), "--night"
    )
    assert code == 0, err
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image as mpimg

    img = mpimg.imread(out)
    # night mode: the page is dark (mean luminance low), nothing is white
    assert img[..., :3].mean() < 0.2


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_palettes_are_readable(name: str) -> None:
    """WCAG 2.1: text 4.5:1 (1.4.3), graphics 3:1 (1.4.11) against the background."""
    p = PALETTES[name]
    assert _contrast(p.foreground, p.background) >= 4.5
    assert _contrast(p.muted, p.background) >= 4.5
    for colour in (p.bar, p.flagged, *p.markers):
        assert _contrast(colour, p.background) >= 3.0, colour


def test_api_stats_needs_no_token_and_matches_the_cli(home: Path) -> None:
    from sarwatch.settings import load_settings
    from sarwatch.web.app import create_app

    with TestClient(create_app(load_settings(home_dir=home))) as client:
        r = client.get("/api/stats", params={"from": 2014, "to": 2018})
        assert r.status_code == 200, r.text
        assert r.json() == statistics(2014, 2018).to_json()
        r = client.get(
            "/api/stats", params={"from": 2016, "to": 2016, "series": "intercepted_libya"}
        )
        assert [row["value"] for row in r.json()["rows"]] == [14_332]
        bad = client.get("/api/stats", params={"from": 2018, "to": 2014})
        assert bad.status_code == 422 and "is after 'to'" in bad.json()["detail"]
        svg = client.get("/api/stats/chart", params={"from": 2014, "to": 2018, "palette": "night"})
        assert svg.status_code == 200
        assert svg.headers["content-type"].startswith("image/svg+xml")
        assert PALETTES["night"].background in svg.text.lower()
