"""Untrusted text never drives the terminal: a bundle member named with escape codes, a
case title with rich markup, a decision summary with ESC and NUL (written before the
station refused them) are shown with their control characters escaped, and the
verdict of ``bundle verify`` stays honest (issue 13, "verdict spoofing", "markup
injection")."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from _cli import open_case, run_cli

#: Raw bytes a terminal obeys: C0 controls (except a newline), DEL, C1, bidi controls.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

#: A member name that erases the line above, returns the cursor and paints a verdict.
SPOOF = "x\x1b[2K\x1b[1A\r\x1b[32mbundle intact\x1b[0m"


def _bundle(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    cid = open_case(capsys)
    bundle = tmp_path / "case.zip"
    code, _, err = run_cli(capsys, "case", "export", cid, "--out", str(bundle))
    assert code == 0, err
    return bundle


def test_a_member_named_with_escape_codes_cannot_spoof_the_verdict(
    home: Path, tmp_path: Path, capsys
) -> None:
    bundle = _bundle(capsys, tmp_path)
    with zipfile.ZipFile(bundle, "a") as z:
        z.writestr(SPOOF, b"hello")
    code, out, err = run_cli(capsys, "bundle", "verify", str(bundle))
    assert code == 3
    assert "verification FAILED" in err
    assert not RAW_CONTROL.search(out + err), repr(out + err)
    # the name is shown, escaped, on the problem's own line
    assert "x\\x1b[2K\\x1b[1A\\x0d\\x1b[32mbundle intact\\x1b[0m was added" in err
    assert "bundle intact" not in out


def test_a_member_name_cannot_print_a_line_of_its_own(home: Path, tmp_path: Path, capsys) -> None:
    bundle = _bundle(capsys, tmp_path)
    with zipfile.ZipFile(bundle, "a") as z:
        z.writestr("x\ncase.zip: bundle intact, chain and signatures valid", b"hello")
    code, _, err = run_cli(capsys, "bundle", "verify", str(bundle))
    assert code == 3 and "verification FAILED" in err
    lines = err.splitlines()
    assert not any(line.startswith("case.zip: bundle intact") for line in lines), err
    assert "x\\x0acase.zip: bundle intact" in err


@pytest.mark.parametrize(
    "name", ["x[/]y", "[link=https://example.org/]ok[/link]", "a[bold red]b\\[/]", "[/x]"]
)
def test_markup_in_a_member_name_is_text(home: Path, tmp_path: Path, capsys, name: str) -> None:
    bundle = _bundle(capsys, tmp_path)
    with zipfile.ZipFile(bundle, "a") as z:
        z.writestr(name, b"hello")
    code, _, err = run_cli(capsys, "bundle", "verify", str(bundle))
    assert code == 3, err
    assert "Traceback" not in err and "MarkupError" not in err
    assert f"{name} was added to the bundle after export" in err


@pytest.mark.parametrize(
    "title", ["title [/] markup", "[link=https://example.org/]click[/link]", "[bold]x\\[/]"]
)
def test_markup_in_a_case_title_is_text_in_case_list(home: Path, capsys, title: str) -> None:
    code, out, err = run_cli(
        capsys, "case", "open", "--title", title, "--lat", "33.2", "--lon", "12.5",
        "--time", "2018-03-15T04:10:00Z",
    )  # fmt: skip
    assert code == 0, err
    assert title in out
    code, out, err = run_cli(capsys, "case", "list")
    assert code == 0, err
    cells = [line.split("│")[3].strip() for line in out.splitlines() if line.count("│") == 5]
    assert "".join(c for c in cells if c).replace(" ", "") == title.replace(" ", "")


def test_control_characters_recorded_before_the_checks_are_shown_escaped(
    home: Path, capsys, monkeypatch
) -> None:
    # A store written before the station refused control characters in free text:
    # the check is switched off to write such records as an older version did.
    import sarwatch.services.case_writes as case_writes

    off = lambda kind, payload, actor: None  # noqa: E731
    monkeypatch.setattr(case_writes, "check_new_event", off, raising=False)
    code, out, err = run_cli(
        capsys, "case", "open", "--title", "boat\x1b[31m RED\u202eexe.txt", "--lat", "33.2",
        "--lon", "12.5", "--time", "2018-03-15T04:10:00Z",
    )  # fmt: skip
    assert code == 0, err
    cid = out.split()[0]
    code, _, err = run_cli(
        capsys, "case", "decision", cid, "--summary", "go\x1b]0;pwned\x07 \x00 now\r",
        "--time", "2018-03-15T05:00:00Z", "--actor", "ana\x1b[8m",
    )  # fmt: skip
    assert code == 0, err
    for args in (("case", "show", cid), ("case", "list"), ("case", "show", cid, "--json")):
        code, out, err = run_cli(capsys, *args)
        assert code == 0, err
        assert not RAW_CONTROL.search(out + err), (args, repr(out))
    code, out, _ = run_cli(capsys, "case", "show", cid)
    flat = "".join(out.replace("│", "").split())
    assert "go\\x1b]0;pwned\\x07\\x00now\\x0d" in flat
    assert "boat\\x1b[31mRED\\u202eexe.txt" in flat
    assert "ana\\x1b[8m" in flat
