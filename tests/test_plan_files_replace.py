"""``sarwatch plan --out DIR --force`` replaces a plan whole: the replaced plan's route
files are removed (they stayed beside the new plan's, and a crew copying the folder to a
chart plotter would load a superseded route), and the command says which."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from _cli import run_cli
from _plan import REQUEST
from sarwatch.services.plan_files import previous_units


def _write(path: Path, req: dict[str, object]) -> Path:
    path.write_text(json.dumps(req), encoding="utf-8")
    return path


def test_force_removes_the_replaced_plans_routes(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    first = _write(tmp_path / "first.json", REQUEST)
    assert run_cli(capsys, "plan", "--request", str(first), "--out", str(out))[0] == 0
    assert (out / "Patrol.gpx").is_file() and (out / "Helo1.gpx").is_file()
    assert previous_units(out) == ["Helo1", "Patrol"]
    second = copy.deepcopy(REQUEST)
    second["units"] = [dict(REQUEST["units"][0], name="Helo2")]
    req2 = _write(tmp_path / "second.json", second)
    code, _, err = run_cli(capsys, "plan", "--request", str(req2), "--out", str(out), "--force")
    assert code == 0, err
    routes = sorted(p.name for p in out.iterdir() if p.suffix != ".json" and p.stem != "plan")
    assert routes == ["Helo2.gpx", "Helo2.kml", "Helo2.rtz", "Helo2.txt"]
    assert "the route files of the plan replaced, for Helo1, Patrol" in " ".join(err.split())
    # the user's own files in the folder stay
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    assert run_cli(capsys, "plan", "--request", str(first), "--out", str(out), "--force")[0] == 0
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not (out / "Helo2.gpx").exists() and (out / "Patrol.gpx").is_file()


def test_previous_units_never_names_a_path(tmp_path: Path) -> None:
    """``plan.json`` is a file anyone may have edited: a unit name that is not one the
    request accepts (a path) is never taken as a file to remove."""
    doc = {"answer": {"units": [{"name": "../../etc/x"}, {"name": "Boat 1"}, {"name": 3}]}}
    (tmp_path / "plan.json").write_text(json.dumps(doc), encoding="utf-8")
    assert previous_units(tmp_path) == ["Boat 1"]
    (tmp_path / "plan.json").write_text("{", encoding="utf-8")
    assert previous_units(tmp_path) == []
    assert previous_units(tmp_path / "none") == []
