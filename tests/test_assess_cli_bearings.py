"""``sarwatch assess`` prints distances in nautical miles with bearings in degrees true."""

from __future__ import annotations

import json
import re

import pytest

from sarwatch.cli.main import main


def _out(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code in (0, None)
    return capsys.readouterr().out


def test_the_table_gives_bearings_true_and_tenths_of_a_mile_like_the_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 11 nm south of Lampedusa: its coast bears north; Zuwara a little west of south.
    position = "35°18'N 012°36'E"
    d = json.loads(_out(["assess", "-p", position, "--json", "--no-routes"], capsys))
    out = _out(["assess", "-p", position, "--no-routes"], capsys)
    coast = f"{d['distance_to_coast_nm']:.1f} nm bearing {d['bearing_to_coast_deg_true']:03d}°T"
    assert coast in out and re.search(r"bearing 00[0-2]°T, IT", out)
    zuwara = next(p for p in d["excluded_ports"] if p["port"] == "Zuwara")
    row = next(line for line in out.splitlines() if "Zuwara" in line)
    # the same figures as the JSON: one decimal of a mile (it printed 144), three-digit °T
    assert f"{zuwara['great_circle_nm']:.1f}" in row
    assert f"{zuwara['bearing_deg_true']:03d}°T" in row
    assert 185 <= zuwara["bearing_deg_true"] <= 195
