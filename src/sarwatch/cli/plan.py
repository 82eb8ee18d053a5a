"""``sarwatch plan``: plan a search from a JSON request; ``plan update`` after a search.

The request and the answer are those of ``POST /api/plan`` (issue 11's contract;
:mod:`sarwatch.services.planning`). Bad input is one line and exit status 2.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

import typer

from sarwatch.errors import InputError

__all__ = ["register"]

plan_app = typer.Typer(
    help="Plan a search (areas, effort, patterns, POS) and update it after a search.",
    no_args_is_help=False,
    invoke_without_command=True,
)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no request file {path}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON: {exc}") from None


_SHORT_PATTERN = {
    "expanding_square": "exp. square",
    "creeping_line": "creeping line",
    "track_line": "track line",
}


def _print_plan(answer: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    d = answer["datum"]
    console = Console()
    where = ", ".join(f"{p['lat']:.4f}N {p['lon']:.4f}E" for p in d["points"])
    console.print(f"datum ({d['kind']}) at {d['time']}: {where}", highlight=False)
    if answer.get("total_probable_error_nm") is not None:
        console.print(
            f"E {answer['total_probable_error_nm']:.2f} nm, divergence "
            f"{answer['divergence_nm']:.2f} nm, SR {answer['separation_ratio'] or 0:.2f}, "
            f"Ro {answer['search_radius_nm']:.2f} nm, area {answer['area_nm2']:.1f} nm²",
            highlight=False,
        )
    else:
        console.print(
            f"90 % of the cloud within {answer['search_radius_nm']:.2f} nm of its centre "
            f"({answer['area_nm2']:.1f} nm²)",
            highlight=False,
        )
    # Fits an 80-column terminal: no borders, short pattern names, a legend below.
    table = Table(box=None, padding=(0, 1), pad_edge=False, header_style="bold")
    for name in ("unit", "pattern", "W", "Z", "C", "S", "POC", "POD", "POS", "rPOS"):
        table.add_column(name, justify="left" if name in ("unit", "pattern") else "right")
    for u in answer["units"]:
        table.add_row(
            u["name"],
            _SHORT_PATTERN.get(u["pattern"], u["pattern"])
            + ("*" if u["drift_compensated"] else ""),
            f"{u['sweep_width_nm']:.2f}",
            f"{u['effort_nm2']:.0f}",
            f"{u['coverage']:.2f}",
            f"{u['track_spacing_nm']:.2f}",
            f"{u['poc']:.1%}",
            f"{u['pod']:.1%}",
            f"{u['pos']:.1%}",
            f"{u['route_pos']:.1%}",
        )
    console.print(table)
    compensated = any(u["drift_compensated"] for u in answer["units"])
    console.print(
        "W sweep width nm, Z effort nm², C coverage, S track spacing nm; rPOS the route "
        "flown over the cloud" + ("; * drift-compensated" if compensated else ""),
        highlight=False,
    )
    cloud = answer.get("cloud") or {}
    if cloud.get("moving"):
        console.print(
            "the cloud moves: rPOS meets the run's particles when the unit passes "
            f"({cloud['times'][0]} .. {cloud['times'][-1]})",
            highlight=False,
        )
        if cloud.get("allocation") == "on_scene":
            console.print(
                "each area is placed on the particles where they are when its unit "
                "searches (POC at 'cloud' below)",
                highlight=False,
            )
    console.print(f"total POS {answer['total_pos']:.1%} ({answer['units'][0]['pod_curve']} POD)")
    for u in answer["units"]:
        first = u["waypoints"][0]
        scene = u.get("on_scene") or {}
        when = f", searching until {scene['end']}, cloud at {scene['cloud_time']}" if scene else ""
        console.print(
            f"{u['name']}: CSP {first['lat']:.4f}N {first['lon']:.4f}E at {first['eta']}, "
            f"{len(u['waypoints'])} waypoints{when}",
            highlight=False,
        )
        for w in u["warnings"]:
            console.print(f"  NB: {w}", markup=False, highlight=False)


def _attach(case_id: str, request: dict[str, Any], answer: dict[str, Any], files: Any, tool: str,
            actor: str | None) -> None:  # fmt: skip
    from sarwatch.cli.context import station
    from sarwatch.services.attachments import Attachments

    Attachments(station().cases).search_plan(
        case_id, request, answer, files, actor=actor or f"cli:{getpass.getuser()}", tool=tool
    )
    typer.echo(f"attached to case {case_id} (search_plan)")


@plan_app.callback()
def plan(
    ctx: typer.Context,
    request: Path = typer.Option(None, "--request", "-r", help="The plan request (JSON file)."),
    json_out: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
    out: Path = typer.Option(
        None, "--out", help="Write plan.json, plan.geojson and each unit's GPX/RTZ/KML/text here."
    ),
    case_id: str = typer.Option(
        None, "--case", help="Attach the plan (inputs, answer, file hashes) to this case."
    ),
    actor: str = typer.Option(None, help="Who records the attachment (default cli:<login>)."),
    force: bool = typer.Option(
        False, "--force", help="Replace a plan already in --out (and its search updates)."
    ),
) -> None:
    """Plan a search from a JSON request (see README, "Plan a search")."""
    if ctx.invoked_subcommand is not None:
        return
    if request is None:
        raise InputError("give the request: sarwatch plan --request plan.json")
    from sarwatch.cli.context import station
    from sarwatch.services.planning import parse_plan_request, plan_search

    req = parse_plan_request(_read_json(request))
    if out is not None and (Path(out) / "plan.json").exists() and not force:
        raise InputError(
            f"{out} already holds a plan (plan.json, with the searches recorded by 'plan "
            "update'); give another --out directory, or --force to replace it"
        )
    settings = station().settings
    if case_id:
        from sarwatch.services.attachments import Attachments

        Attachments(station().cases).require_writable(case_id)
    result = plan_search(req, home_dir=Path(settings.home_dir), cache_dir=Path(settings.cache_dir))
    req_json = req.model_dump(mode="json")
    files: dict[str, Path] = {}
    gone: list[str] = []
    if out is not None:
        from sarwatch.services.plan_files import previous_units, write_plan_files

        kept = {u["name"] for u in result.answer["units"]}
        gone = [n for n in previous_units(out) if n not in kept]
        files = write_plan_files(req_json, result.answer, result.routes, out)
    if json_out:
        typer.echo(json.dumps(result.answer, indent=1))
    else:
        _print_plan(result.answer)
        for kind, path in files.items():
            typer.echo(f"{kind}: {path}")
    if gone:
        typer.echo(
            f"removed from {out} the route files of the plan replaced, for "
            f"{', '.join(gone)} (not in this plan)",
            err=True,
        )
    if case_id:
        _attach(case_id, req_json, result.answer, files, "plan", actor)


@plan_app.command("update")
def update(
    plan_ref: Path = typer.Option(..., "--plan", help="The plan's --out directory or plan.json."),
    searched: Path = typer.Option(..., "--searched", help="The flown track (GPX)."),
    unit: str = typer.Option(None, "--unit", help="The unit that flew it (default: GPX name)."),
    json_out: bool = typer.Option(False, "--json", help="Print the update as JSON."),
    case_id: str = typer.Option(None, "--case", help="Attach the update to this case."),
    actor: str = typer.Option(None, help="Who records the attachment (default cli:<login>)."),
) -> None:
    """After an unsuccessful search: update the probability map (Bayes) and report POC/POS."""
    from sarwatch.cli.context import station
    from sarwatch.services.plan_files import write_plan_files
    from sarwatch.services.plan_update import apply_update, read_plan_document

    doc, directory = read_plan_document(plan_ref)
    try:
        text = searched.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"no searched track {searched}") from None
    settings = station().settings
    if case_id:
        from sarwatch.services.attachments import Attachments

        Attachments(station().cases).require_writable(case_id)
    upd = apply_update(
        doc,
        text,
        home_dir=Path(settings.home_dir),
        cache_dir=Path(settings.cache_dir),
        unit=unit,
        track_file=str(searched),
    )
    files = write_plan_files(
        upd.document["request"],
        upd.document["answer"],
        upd.plan.routes,
        directory,
        extra={"updates": upd.document["updates"], "last_update": upd.answer},
    )
    a = upd.answer
    if json_out:
        typer.echo(json.dumps(a, indent=1))
    else:
        typer.echo(
            f"search {a['searches']} by {a['searched_unit']}: POS {a['pos']:.1%}, "
            f"cumulative POS {a['cumulative_pos']:.1%}"
        )
        for u in a["units"]:
            typer.echo(f"  {u['name']}: POC {u['poc_before']:.1%} -> {u['poc']:.1%}")
        typer.echo(f"updated plan: {files['plan']}")
    if case_id:
        _attach(case_id, upd.document["request"], a, {"plan": files["plan"]}, "plan update", actor)


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch plan`` (and ``plan update``) to the root app."""
    app.add_typer(plan_app, name="plan")
