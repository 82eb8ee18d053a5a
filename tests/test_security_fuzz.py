"""Fuzzing (Hypothesis, 10,000 cases in all) of every free-text field through the CLI's
renderers: the error and warning line, ``case show``'s timeline (every event kind),
``case list``'s table, the one-line case summary and ``bundle verify``'s verdict. No
traceback, no raw control character, escape sequence or bidi control reaches the
output, and no markup or emoji code is interpreted: every ``[``, ``]`` and ``:`` typed
is printed (issue 13)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from sarwatch.cli.bundle import failure_message
from sarwatch.cli.case import case_line, cases_table, timeline_table
from sarwatch.cli.safe_text import print_notice, terminal_safe
from sarwatch.domain.events import EventKind
from sarwatch.domain.projection import apply_to_json, projected_columns
from sarwatch.ledger import LedgerEntry
from sarwatch.ledger.chain import Finding
from sarwatch.records import CaseRecord
from sarwatch.services.evidence import BundleReport

#: What a terminal obeys: C0 controls except a newline, DEL, C1, separators, bidi.
RAW = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)

TOKENS = [
    "\x1b", "\x1b[2K", "\x1b[1A", "\x1b]8;;http://x\x1b\\", "\x9b31m", "\r", "\n", "\x00",
    "\x07", "\x08", "\u202e", "\u2066", "\u200f", "\u2028", "[/]", "[bold]", "[link=x]",
    "[/link]", "\\[", "\\", ":smile:", ":warning:", "bundle intact", "verification FAILED",
]  # fmt: skip

#: Free text as an attacker would write it: printable text mixed with control tokens.
TEXT = st.lists(st.one_of(st.text(max_size=6), st.sampled_from(TOKENS)), max_size=8).map("".join)


_OUT = io.StringIO()
_CONSOLE = Console(file=_OUT, width=100, color_system=None, force_terminal=False)


def _console() -> tuple[Console, io.StringIO]:
    """One plain 100-column console (built once: building one per example is slow)."""
    _OUT.seek(0)
    _OUT.truncate()
    return _CONSOLE, _OUT


def _brackets(text: str) -> tuple[int, int, int]:
    return text.count("["), text.count("]"), text.count(":")


@settings(max_examples=5500, deadline=None)
@given(TEXT)
def test_an_error_line_shows_the_message_as_recorded(message: str) -> None:
    console, out = _console()
    print_notice("error", message, console=console)
    printed = out.getvalue()
    assert not RAW.search(printed)
    # exactly the message, escaped: nothing read as markup or emoji, nothing dropped
    # (rich may strip spaces at the end of a line)
    expected = f"error: {terminal_safe(message, keep_newlines=True)}"
    assert [ln.rstrip() for ln in printed.splitlines()] == [
        ln.rstrip() for ln in expected.split("\n")
    ]


def _entry(seq: int, kind: str, actor: str, payload: dict[str, object]) -> LedgerEntry:
    return LedgerEntry(
        case_id="2018-03-15-LY-001", seq=seq, recorded_at="2018-03-15T04:10:00Z", kind=kind,
        actor=actor, payload=payload, prev_hash="0" * 64, key_id="k", hash="1" * 64,
    )  # fmt: skip


def _payloads(t: list[str]) -> list[tuple[str, dict[str, object]]]:
    time = "2018-03-15T05:00:00Z"
    source = {"name": t[1], "quality": 3, "verification": "unverified"}
    return [
        (EventKind.CASE_OPENED, {"title": t[0], "alert_time": time, "region": "LY"}),
        (EventKind.POSITION_REPORTED, {
            "time": time, "lon": 12.5, "lat": 33.2, "kind": "gps", "source": source,
            "uncertainty_nm": 1.0, "note": t[2],
        }),
        (EventKind.CONTACT_LOGGED, {
            "time": time, "channel": t[3], "counterpart": t[4], "summary": t[5],
            "direction": "incoming", "attachments": [],
        }),
        (EventKind.DECISION_RECORDED, {"time": time, "summary": t[6], "by": t[7]}),
        (EventKind.STATUS_CHANGED, {"from": "alert", "to": "active", "reason": t[8]}),
        (EventKind.OUTCOME_RECORDED, {
            "time": time, "kind": "rescued", "by": t[9], "taken_to": t[10], "note": t[11],
        }),
        (EventKind.VESSEL_UPDATED, {"kind": t[12], "condition": t[13], "name": t[14]}),
        (EventKind.ATTACHMENT_ADDED, {"kind": "document", "record": {"text": t[15]}}),
        (t[16], {"what": t[17]}),  # a kind this version does not know
    ]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(TEXT, min_size=19, max_size=19))
def test_the_timeline_shows_every_free_text_field_without_obeying_it(t: list[str]) -> None:
    entries = [_entry(i + 1, k, t[18], p) for i, (k, p) in enumerate(_payloads(t))]
    console, out = _console()
    console.print(timeline_table(entries))
    printed = out.getvalue()
    assert not RAW.search(printed)
    assert "Traceback" not in printed
    # every bracket typed is printed: no markup was read (t[16] is an event kind, not shown)
    shown = t[:16] + t[17:]
    assert printed.count("[") >= sum(s.count("[") for s in shown)
    assert printed.count("]") >= sum(s.count("]") for s in shown)


@settings(max_examples=1500, deadline=None)
@given(TEXT.filter(lambda s: s.strip()), TEXT)
def test_case_line_and_case_list_show_the_title_as_typed(title: str, other: str) -> None:
    now = datetime(2018, 3, 15, 4, 10, tzinfo=UTC)
    opening = {
        "case_id": "2018-03-15-LY-001", "title": title, "alert_time": "2018-03-15T04:10:00Z",
        "region": "LY", "people": {}, "vessel": {"kind": other}, "sources": [],
    }  # fmt: skip
    state = apply_to_json(None, EventKind.CASE_OPENED, opening, now)
    record = CaseRecord(
        case_id="2018-03-15-LY-001", **projected_columns(state), state=state, head=None
    )
    line = case_line(record)
    assert not RAW.search(line) and "\n" not in line
    assert line == f"2018-03-15-LY-001 (alert) {terminal_safe(title)} — no position"
    console, out = _console()
    console.print(cases_table([record, record]))
    printed = out.getvalue()
    assert not RAW.search(printed)
    assert _brackets(printed)[:2] == tuple(2 * n for n in _brackets(terminal_safe(title))[:2])


@settings(max_examples=2500, deadline=None)
@given(TEXT, st.lists(TEXT, max_size=4), st.lists(TEXT, max_size=3))
def test_the_bundle_verdict_has_one_line_per_problem(
    case_id: str, problems: list[str], messages: list[str]
) -> None:
    report = BundleReport(
        Path("case.zip"), case_id=case_id, problems=problems,
        findings=[Finding("edited", 1, m) for m in messages],
    )  # fmt: skip
    text = failure_message(report)
    lines = text.split("\n")
    assert len(lines) == 1 + len(problems) + len(messages)
    assert lines[0].endswith(": verification FAILED")
    assert all(line.startswith("  - ") for line in lines[1:])
    console, out = _console()
    print_notice("error", text, console=console)
    assert not RAW.search(out.getvalue())
