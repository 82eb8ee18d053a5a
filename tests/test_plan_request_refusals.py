"""A plan request's refusals say what is wrong as a coordinator would read it, and the
requests that gave a plan no one could fly (or files that overwrite each other) are
refused: units named alike but for case, a search that commences before the boat was
last seen."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from _plan import REQUEST, request, with_unit
from sarwatch.errors import InputError
from sarwatch.services.planning import plan_search


def _refusal(req: dict[str, Any], tmp_path: Path) -> str:
    with pytest.raises(InputError) as info:
        plan_search(req, home_dir=tmp_path)
    assert "\n" not in str(info.value)
    return str(info.value)


@pytest.mark.parametrize("name", ["../evil", "Sea gull/2", "Gabbiano ä", "", " lead", "x" * 41])
def test_a_bad_unit_name_is_explained_not_shown_as_a_mangled_pattern(
    name: str, tmp_path: Path
) -> None:
    """The message was the regular expression lower-cased (``[a-za-z0-9]``): wrong, and
    unreadable at 3 a.m."""
    message = _refusal(with_unit(name=name), tmp_path)
    assert "units.0.name: a unit's name" in message
    assert "1 to 40 characters" in message and "A-Z and a-z" in message
    assert "a-za-z" not in message and "pattern" not in message
    assert repr(name) in message


def test_other_messages_keep_what_they_quote_as_typed(tmp_path: Path) -> None:
    message = _refusal(with_unit(pattern="zigzag"), tmp_path)
    assert "units.0.pattern: input should be 'expanding_square', 'sector'" in message
    message = _refusal(request(pod_curve="Exponential"), tmp_path)
    assert "'inverse_cube' or 'exponential'" in message and "got 'Exponential'" in message


def test_units_whose_names_differ_only_in_case_are_refused(tmp_path: Path) -> None:
    """``Seagull.gpx`` and ``SEAGULL.gpx`` are one file on a FAT memory card, on Windows
    and on macOS: one unit's route would silently replace the other's."""
    req = copy.deepcopy(REQUEST)
    req["units"][1]["name"] = req["units"][0]["name"].upper()
    message = _refusal(req, tmp_path)
    assert "unit names must differ, also in more than upper and lower case" in message
    assert "'HELO1'" in message and "'Helo1'" in message


def test_neither_datum_nor_drift_run_says_to_give_one(tmp_path: Path) -> None:
    req = {k: v for k, v in REQUEST.items() if k != "datum"}
    message = _refusal(req, tmp_path)
    assert message.startswith("give datum (the last known position")
    assert "not both" not in message
    both = request(drift_run="0123456789ab")
    assert "not both" in _refusal(both, tmp_path)


def test_a_search_that_commences_before_the_last_known_position_is_refused(
    tmp_path: Path,
) -> None:
    """The datum is at 06:00Z; 04:00Z (a local time typed as UTC, say) gave a plan whose
    units searched two hours before the boat was seen, on the cloud of 12:00Z."""
    message = _refusal(request(commence_time="2026-12-06T04:00:00Z"), tmp_path)
    assert "commence_time 2026-12-06T04:00:00Z is before the last known position's time" in (
        message
    )
    assert "datum.time 2026-12-06T06:00:00Z" in message and "UTC" in message


def test_a_search_that_commences_after_the_last_known_position_is_planned(
    tmp_path: Path, land_mask: Any
) -> None:
    plan = plan_search(request(commence_time="2026-12-06T09:00:00Z"), home_dir=tmp_path)
    assert plan.answer["units"][0]["waypoints"][0]["eta"] >= "2026-12-06T09:00:00Z"


def test_an_update_naming_a_unit_not_in_the_plan_is_refused_not_ignored(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--unit Patroll`` (mistyped) with ``Helo1.gpx`` was recorded as a search by Helo1,
    the track's name, without a word; the plan document is left as it was."""
    import json

    from _cli import run_cli

    req = tmp_path / "plan.json"
    req.write_text(json.dumps(REQUEST), encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli(capsys, "plan", "--request", str(req), "--out", str(out))[0] == 0
    before = (out / "plan.json").read_text(encoding="utf-8")
    code, _, err = run_cli(
        capsys, "plan", "update", "--plan", str(out), "--searched", str(out / "Helo1.gpx"),
        "--unit", "Patroll",
    )  # fmt: skip
    assert code == 2
    assert "no unit 'Patroll' in the plan: it has Helo1, Patrol" in err
    assert (out / "plan.json").read_text(encoding="utf-8") == before
    # the unit named wins over the track's name (the crew flew another unit's route)
    code, text, err = run_cli(
        capsys, "plan", "update", "--plan", str(out), "--searched", str(out / "Helo1.gpx"),
        "--unit", "Patrol",
    )  # fmt: skip
    assert code == 0, err
    assert "search 1 by Patrol" in text


def test_a_manual_datum_without_wind_is_refused_not_taken_as_a_calm(tmp_path: Path) -> None:
    """Without ``wind`` the leeway was computed for a calm (0 kn from 000°) in silence: a
    coordinator who forgot it got a datum near the last known position and a plan for it."""
    req = {k: v for k, v in REQUEST.items() if k != "wind"}
    message = _refusal(req, tmp_path)
    assert message.startswith("a manual datum needs wind")
    assert '{"speed_kn": 0, "from_deg": 0} for a calm' in message


def test_a_datum_time_before_1990_is_refused_as_a_mistyped_year(tmp_path: Path) -> None:
    datum = {**REQUEST["datum"], "time": "1926-12-06T06:00:00Z"}
    message = _refusal(request(datum=datum), tmp_path)
    assert message.startswith("datum.time 1926-12-06T06:00:00+00:00 is before 1990-01-01")
