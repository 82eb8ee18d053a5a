"""An outcome's counts against the people reported on board: flagged, never refused."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from _cli import run_cli
from sarwatch.domain import Case, Outcome, PeopleOnBoard, outcome_count_mismatch
from sarwatch.domain.projection import case_from_json
from sarwatch.errors import InputError
from sarwatch.services.report import count_warning, render_html

_count = st.none() | st.integers(min_value=0, max_value=10_000)


@given(_count, _count, _count, _count)
def test_a_mismatch_is_named_exactly_when_the_known_counts_differ(on_board, s, d, m) -> None:
    note = outcome_count_mismatch(on_board, s, d, m)
    known = [c for c in (s, d, m) if c is not None]
    if on_board is None or not known or sum(known) == on_board:
        assert note is None
        return
    assert note is not None
    accounted = sum(known)
    assert note.startswith(f"outcome accounts for {accounted} ")
    assert f"; {on_board} w" in note and "reported on board" in note
    gap = abs(accounted - on_board)
    tail = "more than reported" if accounted > on_board else "not accounted for"
    assert note.endswith(f": {gap} {tail}")


def test_the_example_of_the_review_reads_as_a_sentence() -> None:
    assert outcome_count_mismatch(218, 225, 3, 2) == (
        "outcome accounts for 230 people (survivors 225, dead 3, missing 2); "
        "218 were reported on board: 12 more than reported"
    )
    assert outcome_count_mismatch(1, 0, None, 0) == (
        "outcome accounts for 0 people (survivors 0, missing 0); "
        "1 was reported on board: 1 not accounted for"
    )


def test_only_the_impossible_is_refused() -> None:
    t = datetime(2018, 3, 15, 11, tzinfo=UTC)
    with pytest.raises(InputError, match="outcome: dead must be >= 0, got -1"):
        Outcome(t, "shipwreck", dead=-1)
    with pytest.raises(InputError, match="people on board: total must be >= 0"):
        PeopleOnBoard(total=-5)
    # More rescued than reported on board is an estimate corrected, not an error.
    assert Outcome(t, "rescued", by="Open Arms", survivors=230).survivors == 230


def _state(total: int | None, **outcome: int | None) -> Case:
    return case_from_json({
        "case_id": "2018-03-15-LY-001", "title": "t", "status": "rescued",
        "opened_at": "2018-03-15T04:10:00Z", "updated_at": "2018-03-15T11:00:00Z",
        "region": "LY", "positions": [], "people": {"total": total},
        "outcome": {"kind": "rescued", "by": "Open Arms", "taken_to": "Pozzallo",
                    "time": "2018-03-15T11:00:00Z", **outcome},
    })  # fmt: skip


def test_the_case_report_flags_counts_that_do_not_add_up() -> None:
    state = _state(218, survivors=225, dead=3, missing=2)
    assert count_warning(state) == (
        "Counts do not add up: outcome accounts for 230 people (survivors 225, dead 3, "
        "missing 2); 218 were reported on board: 12 more than reported."
    )
    page = render_html(state, [], map_png=b"", key_id="k", created_at="now")
    assert "Counts do not add up: outcome accounts for 230 people" in page
    assert "218 were reported on board" in page
    fine = render_html(_state(218, survivors=218), [], map_png=b"", key_id="k", created_at="now")
    assert "Counts do not add up" not in fine
    assert count_warning(replace(state, outcome=None)) is None
    assert count_warning(_state(None, survivors=225)) is None


def test_case_show_flags_an_outcome_that_does_not_match_the_people_on_board(home, capsys) -> None:
    code, out, err = run_cli(
        capsys, "case", "open", "--title", "rubber boat", "--lon", "12.5", "--lat", "33.2",
        "--time", "2018-03-15T04:10:00Z", "--people", "218",
    )  # fmt: skip
    assert code == 0, err
    cid = out.split()[0]
    code, _, err = run_cli(capsys, "case", "show", cid)
    assert code == 0 and "warning" not in err  # no outcome yet: nothing to compare
    code, _, err = run_cli(
        capsys, "case", "outcome", cid, "rescued", "--by", "Open Arms", "--survivors", "-3",
        "--time", "2018-03-15T11:00:00Z",
    )  # fmt: skip
    assert code == 2 and "survivors must be >= 0" in err  # the impossible is refused
    for status in ("active", "located"):
        assert run_cli(capsys, "case", "status", cid, status)[0] == 0
    code, _, err = run_cli(
        capsys, "case", "outcome", cid, "rescued", "--by", "Open Arms", "--survivors", "225",
        "--dead", "3", "--missing", "2", "--time", "2018-03-15T11:00:00Z",
    )  # fmt: skip
    assert code == 0, err  # an estimate on board is not a reason to refuse the outcome
    code, out, err = run_cli(capsys, "case", "show", cid)
    assert code == 0 and "rescued" in out
    assert "outcome accounts for 230 people" in err and "218 were reported on board" in err
    assert "12 more than reported" in err and "sarwatch case people" in err
    code, _, err = run_cli(capsys, "case", "people", cid, "--total", "230")
    assert code == 0, err
    code, _, err = run_cli(capsys, "case", "show", cid)
    assert code == 0 and "outcome accounts for" not in err


def test_outcome_statuses_come_from_an_outcome_not_a_status_change(home, capsys) -> None:
    code, out, err = run_cli(
        capsys, "case", "open", "--title", "rubber boat", "--lon", "12.5", "--lat", "33.2",
        "--time", "2018-03-15T04:10:00Z",
    )  # fmt: skip
    cid = out.split()[0]
    for to in ("active", "located"):
        assert run_cli(capsys, "case", "status", cid, to)[0] == 0
    code, _, err = run_cli(capsys, "case", "status", cid, "rescued")
    assert code == 2 and "cannot become 'rescued' by a status change" in err
    assert f"sarwatch case outcome {cid} rescued" in err
    code, _, err = run_cli(
        capsys, "case", "outcome", cid, "rescued", "--by", "Open Arms", "--survivors", "80",
        "--time", "2018-03-15T09:00:00Z",
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = run_cli(capsys, "case", "show", cid, "--json")
    assert json.loads(out)["status"] == "rescued"


def test_a_case_already_in_an_outcome_status_takes_its_outcome_once() -> None:
    """Chains recorded before the rule (status set to 'rescued' directly) can still
    get their outcome: who took the people, how many."""
    from sarwatch.domain.events import fold
    from sarwatch.domain.projection import apply_to_json, case_from_json

    t = datetime(2018, 3, 15, 4, 10, tzinfo=UTC)
    opening = {"case_id": "2018-03-15-LY-001", "title": "t", "alert_time": "2018-03-15T04:10:00Z",
               "region": "LY", "people": {}, "vessel": {}, "sources": []}  # fmt: skip
    events = [("case_opened", opening)]
    events += [("status_changed", {"from": a, "to": b, "reason": ""}) for a, b in
               (("alert", "active"), ("active", "located"), ("located", "rescued"))]  # fmt: skip
    outcome = {"time": "2018-03-15T09:00:00Z", "kind": "rescued", "by": "Open Arms",
               "survivors": 80}  # fmt: skip
    events.append(("outcome_recorded", outcome))
    case = fold([(k, p, t) for k, p in events])
    assert case.status.value == "rescued" and case.outcome.survivors == 80
    state = None
    for k, p in events:
        state = apply_to_json(state, k, p, t)
    assert case_from_json(state).outcome == case.outcome
    from sarwatch.errors import IllegalTransitionError

    with pytest.raises(IllegalTransitionError):  # once only
        fold([(k, p, t) for k, p in [*events, ("outcome_recorded", outcome)]])


def test_people_and_vessel_updates_keep_what_is_not_given(home, capsys) -> None:
    code, out, err = run_cli(
        capsys, "case", "open", "--title", "rubber boat", "--lon", "12.5", "--lat", "33.2",
        "--time", "2018-03-15T04:10:00Z", "--boat", "rubber",
    )  # fmt: skip
    cid = out.split()[0]
    assert run_cli(capsys, "case", "people", cid, "--total", "80")[0] == 0
    assert run_cli(capsys, "case", "people", cid, "--women", "5")[0] == 0
    code, _, err = run_cli(capsys, "case", "people", cid)
    assert code == 2 and "give at least one of --total" in err
    assert run_cli(capsys, "case", "vessel", cid, "--condition", "taking water")[0] == 0
    code, _, err = run_cli(capsys, "case", "vessel", cid, "--mmsi", "12")
    assert code == 2 and "9 digits" in err
    _, out, _ = run_cli(capsys, "case", "show", cid, "--json")
    case = json.loads(out)
    assert case["people"]["total"] == 80 and case["people"]["women"] == 5
    assert case["vessel"]["kind"] == "rubber" and case["vessel"]["condition"] == "taking water"
    _, out, _ = run_cli(capsys, "ledger", "verify", cid)
    assert "5 events, chain intact" in out  # the refused calls wrote nothing
