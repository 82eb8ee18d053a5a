"""An attachment reads as a sentence in the case timeline (``case show``, the report):
what was run, from where, with what, and what came out; not a cut-off JSON dump."""

from __future__ import annotations

from pathlib import Path

import pytest

from _cli import run_cli


def test_case_show_describes_drift_and_assessment_attachments(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        capsys, "case", "open", "--title", "t", "--lon", "12.5", "--lat", "33.2",
        "--time", "2026-11-20T04:10:00Z",
    )  # fmt: skip
    assert code == 0, err
    case_id = out.split()[0]
    code, _, err = run_cli(
        capsys, "drift", "--lat", "33.2", "--lon", "12.5", "--time", "2026-11-20T04:10Z",
        "--hours", "6", "--particles", "300", "--wind-kn", "10", "--wind-from", "0",
        "--seed", "7", "--out", str(tmp_path / "run"), "--no-png", "--quiet",
        "--case", case_id,
    )  # fmt: skip
    assert code == 0, err
    code, _, err = run_cli(
        capsys, "assess", "--lat", "33.2", "--lon", "12.5", "--no-routes", "--case", case_id
    )
    assert code == 0, err
    code, out, err = run_cli(capsys, "case", "show", case_id)
    assert code == 0, err
    text = " ".join(out.replace("│", " ").split())
    assert "attached drift run: migrant-rubber-boat forward 6 h from 33°12.00'N" in text
    assert "300 particles, seed 7; at +6 h: centroid" in text
    assert "wind: on-scene wind 10 kn from 0°" in text
    assert "outputs: drift.geojson, drift.nc, summary.json" in text
    assert "attached assessment of 33°12.000'N 012°30.000'E: contiguous zone of LY" in text
    assert "23.11 nm from the coast (LY); SAR regions LY" in text
    assert '{"' not in text  # no JSON


def test_a_record_of_another_shape_is_shown_as_its_json() -> None:
    from sarwatch.services.report import _describe

    payload = {"kind": "assessment", "record": {"input": {"lat": 33.2}, "answer": 1}}
    assert _describe("attachment_added", payload).startswith('attached assessment: {"input"')
