"""What people type is printed as typed: square brackets in a title, a note or a case id
are text, not terminal markup (rich ate "[urgent]" and crashed on "[/x]")."""

from __future__ import annotations

from pathlib import Path

from _cli import run_cli

T = "2026-11-20T04:10:00Z"
TITLE = "[urgent] rubber boat [/] 80 people"


def test_brackets_in_a_title_and_a_note_are_shown_as_typed(home: Path, capsys) -> None:
    code, out, err = run_cli(
        capsys, "case", "open", "--title", TITLE, "--time", T, "--lat", "33.2", "--lon", "12.5"
    )
    assert code == 0, err
    cid = out.split()[0]
    code, _, err = run_cli(
        capsys, "case", "contact", cid, "--counterpart", "[bold]MRCC", "--channel", "phone",
        "--summary", "relayed [/] position", "--time", T,
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run_cli(capsys, "case", "list")
    assert code == 0, err
    cells = [line.split("│")[3].strip() for line in out.splitlines() if line.count("│") == 5]
    assert " ".join(c for c in cells if c) == TITLE  # wrapped in its column, all there
    code, out, err = run_cli(capsys, "case", "show", cid)
    assert code == 0, err
    text = " ".join(out.replace("│", " ").split())
    assert f"case opened: {TITLE}" in text
    assert "[bold]MRCC" in text and "relayed [/] position" in text


def test_an_error_quoting_brackets_is_a_message_not_a_traceback(home: Path, capsys) -> None:
    code, _, err = run_cli(capsys, "case", "show", "[/x]")
    assert code == 2
    assert "no case '[/x]'" in err and "Traceback" not in err and "MarkupError" not in err


def test_dollar_signs_in_case_text_do_not_stop_the_evidence_export(
    home: Path, tmp_path: Path, capsys
) -> None:
    # matplotlib read "$...$" as mathtext: an unknown symbol failed report.pdf, so the
    # whole bundle could not be exported.
    code, out, err = run_cli(
        capsys, "case", "open", "--title", r"paid $1500 each, $\frac{ smuggler", "--time", T,
        "--lat", "33.2", "--lon", "12.5",
    )  # fmt: skip
    assert code == 0, err
    cid = out.split()[0]
    code, _, err = run_cli(
        capsys, "case", "contact", cid, "--counterpart", "x_{y", "--channel", "phone",
        "--summary", r"said $a^b$ and $\x$", "--time", T,
    )  # fmt: skip
    assert code == 0, err
    bundle = tmp_path / "case.zip"
    code, out, err = run_cli(capsys, "case", "export", cid, "--out", str(bundle))
    assert code == 0, err
    code, out, err = run_cli(capsys, "bundle", "verify", str(bundle))
    assert code == 0 and "bundle intact" in out, err
