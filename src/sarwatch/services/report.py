"""The human-readable case report of an evidence bundle: a map, a timeline, HTML and PDF.

Drawn with matplotlib (Agg, no display), coastline from
:func:`sarwatch.geo.coast.land_polygons` (GSHHG full resolution).
"""

from __future__ import annotations

import base64
import html
import io
import json
import textwrap
from pathlib import Path
from typing import Any

from sarwatch.domain import Case, CaseProjection, PositionReport
from sarwatch.domain.events import (
    EventKind,
    format_time,
    outcome_from_json,
    people_from_json,
    position_from_json,
)
from sarwatch.errors import SarwatchError
from sarwatch.geo.position import format_position
from sarwatch.ledger import LedgerEntry

__all__ = [
    "count_warning",
    "describe_event",
    "describe_outcome",
    "describe_people",
    "on_land_note",
    "outside_note",
    "render_html",
    "render_map_png",
    "render_pdf",
]


def _figure_map(ax: Any, case: Case, cache_dir: Path | None = None) -> None:
    from sarwatch.adapters.exports.map_layers import (
        PositionMark,
        draw_land,
        draw_positions,
        finish_axes,
        map_extent,
    )

    positions = sorted(case.positions, key=lambda p: p.time)
    extent = map_extent(
        [(p.lon, p.lat) for p in positions], min_span_deg=1.5, margin_deg=0.5, lon_stretch=1.3
    )
    draw_land(ax, extent, cache_dir)
    marks = [
        PositionMark(
            p.lon,
            p.lat,
            p.uncertainty_nm,
            f"{i}: {format_time(p.time)[5:16].replace('T', ' ')} ({p.kind})"
            + (" on land?" if p.on_land is not None else ""),
        )
        for i, p in enumerate(positions, 1)
    ]
    draw_positions(ax, marks, fontsize=7)
    finish_axes(ax, extent)
    ax.set_title(
        "Reported positions (circles: 1-sigma uncertainty). Coastline: GSHHG full resolution.",
        fontsize=8,
    )


def render_map_png(case: Case, *, dpi: int = 110, cache_dir: Path | None = None) -> bytes:
    """The case's positions on a map, as PNG bytes (coastline from ``cache_dir``, the
    configured coastline cache; ``None``: the default one)."""
    from matplotlib.figure import Figure

    buf = io.BytesIO()
    with _text_as_typed():
        fig = Figure(figsize=(7.5, 6.0))
        _figure_map(fig.add_subplot(1, 1, 1), case, cache_dir)
        fig.tight_layout()
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _text_as_typed() -> Any:
    """A matplotlib context in which text is drawn as typed: a note with "$a^b$" or "$\\x"
    is not read as mathtext (which failed the whole export on an unknown symbol)."""
    import matplotlib

    return matplotlib.rc_context({"text.parse_math": False})


def on_land_note(position: PositionReport) -> str:
    """The sentence shown with a position the coastline puts on land."""
    flag = position.on_land
    if flag is None:
        return ""
    here = format_position(position.lon, position.lat, decimals=2)
    sea = format_position(flag.sea_lon, flag.sea_lat, decimals=2)
    return (
        f"position {here} is on land by the {flag.coastline} coastline; it is recorded as "
        f"reported and flagged. Nearest sea point: {sea}. Confirm it with the source; if it "
        "was mistyped, report the corrected position (the flagged report stays in the record)."
    )


def outside_note(position: PositionReport) -> str:
    """The sentence shown with a position outside the packaged regions ("" inside).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from sarwatch.domain import Source
    >>> t = datetime(2026, 11, 20, 4, 10, tzinfo=UTC)
    >>> outside_note(PositionReport(t, 12.5, 33.2, "gps", Source("x")))
    ''
    >>> outside_note(PositionReport(t, -9.6, 38.5, "gps", Source("x")))
    "position 38°30.00'N 009°36.00'W lies outside the packaged regions ..."
    """
    from sarwatch.geo.coast import REGION

    if bool(REGION.contains(position.lon, position.lat)):
        return ""
    here = format_position(position.lon, position.lat, decimals=2)
    return (
        f"position {here} lies outside the packaged regions ({REGION.describe()}): it is "
        "recorded, but this station has no SAR-region, RCC or port data there (a new case's "
        "id then carries XX, unless a packaged SAR region covers it). Find the responsible "
        "RCC from the IMO GISIS SAR plan; drift and assess work there."
    )


def _known(pairs: list[tuple[str, int | None]]) -> str:
    """``"total 80, women 10; minors, medical unknown"`` (never a Python ``None``)."""
    known = ", ".join(f"{name} {value}" for name, value in pairs if value is not None)
    unknown = ", ".join(name for name, value in pairs if value is None)
    if not unknown:
        return known
    return f"{known}; {unknown} unknown" if known else f"{unknown} unknown"


def describe_people(people: Any) -> str:
    """People on board as a person reads them: ``"total 80, women 10; minors unknown"``."""
    return _known([(k, getattr(people, k)) for k in ("total", "women", "minors", "medical")])


def describe_outcome(outcome: Any) -> str:
    """An outcome in one sentence, without ``None``: unknown counts are named as unknown."""
    parts = [str(outcome.kind)]
    if outcome.by:
        parts.append(f"by {outcome.by}")
    if outcome.taken_to:
        parts.append(f"taken to {outcome.taken_to}")
    text = " ".join(parts) + f" at {format_time(outcome.time)}"
    counts = [(k, getattr(outcome, k)) for k in ("survivors", "dead", "missing")]
    text += "; " + _known(counts)
    return text + (f". {outcome.note}" if outcome.note else "")


def describe_event(entry: LedgerEntry) -> str:
    """One line a person reads for a ledger event (positions in degrees and minutes)."""
    try:
        return _describe(entry.kind, entry.payload)
    except (KeyError, TypeError, ValueError, SarwatchError):
        return json.dumps(entry.payload, ensure_ascii=False)[:300]


def _describe(kind: str, p: dict[str, Any]) -> str:
    if kind == EventKind.CASE_OPENED:
        return f"case opened: {p.get('title', '')} (alert {p.get('alert_time')})"
    if kind == EventKind.POSITION_REPORTED:
        pos = position_from_json(p)
        text = (
            f"position {format_position(pos.lon, pos.lat, decimals=2)} at "
            f"{format_time(pos.time)} ({pos.kind}, ±{p.get('uncertainty_nm', 0)} nm, source "
            f"{pos.source.name}, quality {pos.source.quality}) {pos.note}"
        )
        if pos.on_land is not None:
            sea = format_position(pos.on_land.sea_lon, pos.on_land.sea_lat, decimals=2)
            text = f"{text.rstrip()} [ON LAND by the coastline; nearest sea point {sea}]"
        return text
    if kind == EventKind.CONTACT_LOGGED:
        who = f"{p['direction']} {p['channel']} {p['counterpart']}"
        return f"{who} at {p['time']}: {p.get('summary', '')}"
    if kind == EventKind.DECISION_RECORDED:
        return f"decision at {p['time']} by {p.get('by', '')}: {p['summary']}"
    if kind == EventKind.STATUS_CHANGED:
        return f"status {p.get('from')} → {p['to']} {p.get('reason', '')}"
    if kind == EventKind.OUTCOME_RECORDED:
        return "outcome " + describe_outcome(outcome_from_json(p))
    if kind == EventKind.PEOPLE_UPDATED:
        return "people on board: " + describe_people(people_from_json(p))
    if kind == EventKind.VESSEL_UPDATED:
        given = ", ".join(f"{k} {v}" for k, v in p.items() if v not in (None, ""))
        return f"vessel: {given or 'nothing known'}"
    if kind == EventKind.ATTACHMENT_ADDED:
        from sarwatch.services.attachments import describe_attachment

        try:
            return "attached " + describe_attachment(p["kind"], p["record"])
        except (KeyError, TypeError, ValueError):  # another shape: its JSON
            return f"attached {p['kind']}: " + json.dumps(p["record"], ensure_ascii=False)[:300]
    if kind == EventKind.CORRECTION_RECORDED:
        return describe_correction(p)
    return json.dumps(p, ensure_ascii=False)[:300]


def describe_correction(p: dict[str, Any]) -> str:
    """One line for a correction: what it corrects, the corrected value, why and who."""
    target = p["corrects"]
    head = f"CORRECTION of #{target['seq']} ({target['kind']}) by {p.get('by', '')}"
    what = p.get("what")
    if what == "position":
        value = _describe(EventKind.POSITION_REPORTED, p["position"])
    elif what == "outcome":
        value = "outcome " + describe_outcome(outcome_from_json(p["outcome"]))
    else:
        value = f"case reopened, back to {p.get('status')}"
    return f"{head}: {value.rstrip()}. Reason: {p.get('reason', '')}"


def corrected_by(entries: list[LedgerEntry]) -> dict[int, list[int]]:
    """For each corrected event's number, the numbers of the corrections that name it."""
    found: dict[int, list[int]] = {}
    for entry in entries:
        if entry.kind == EventKind.CORRECTION_RECORDED:
            target = entry.payload.get("corrects") or {}
            if isinstance(target.get("seq"), int):
                found.setdefault(target["seq"], []).append(entry.seq)
    return found


def correction_mark(seq: int, marks: dict[int, list[int]]) -> str:
    """`` [corrected by #9]`` after an event that a later correction names, else ``""``."""
    if seq not in marks:
        return ""
    return " [corrected by " + ", ".join(f"#{n}" for n in marks[seq]) + "]"


def count_warning(case: Case | CaseProjection) -> str | None:
    """The warning to show when the outcome's counts differ from the people on board.

    Estimates on board differ from counts at the rescue; the difference is flagged,
    never refused (see :func:`sarwatch.domain.outcome_count_mismatch`).
    """
    note = case.outcome_count_mismatch
    return None if note is None else f"Counts do not add up: {note}."


def render_html(
    case: Case,
    entries: list[LedgerEntry],
    *,
    map_png: bytes,
    key_id: str,
    created_at: str,
) -> str:
    """A self-contained HTML report (map embedded), listing every ledger event."""
    e = html.escape
    marks = corrected_by(entries)
    rows = "\n".join(
        f"<tr><td>{x.seq}</td><td>{e(x.recorded_at)}</td><td>{e(x.actor)}</td>"
        f"<td>{e(x.kind)}</td><td>{e(describe_event(x) + correction_mark(x.seq, marks))}</td>"
        f"<td><code>{x.hash[:16]}…</code></td></tr>"
        for x in entries
    )
    img = base64.b64encode(map_png).decode("ascii")
    land = "".join(
        f'<p class="on-land" style="color:#a60"><b>{e(on_land_note(p))}</b></p>\n'
        for p in case.positions
        if p.on_land is not None
    )
    outside = next((n for n in map(outside_note, case.positions) if n), "")
    if outside:
        land += f'<p class="outside" style="color:#a60"><b>{e(outside)}</b></p>\n'
    warning = count_warning(case)
    counts = (
        f'<p class="warning" style="color:#a00;border:2px solid #a00;padding:0.5em">'
        f"<b>{e(warning)}</b></p>\n"
        if warning
        else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Case {e(case.case_id)} — evidence report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;}}
table{{border-collapse:collapse;font-size:0.85em}}td,th{{border:1px solid #ccc;padding:3px 6px;
vertical-align:top}}code{{font-size:0.9em}}</style></head><body>
<h1>Case {e(case.case_id)}</h1>
<p><b>{e(case.title)}</b></p>
<p>Status: <b>{e(case.status.value)}</b>. Opened (alert): {e(format_time(case.opened_at))}.
Region: {e(case.region)}.
People on board: {e(describe_people(case.people))}.
{e(_outcome_sentence(case))}</p>
{counts}{land}<p>Bundle created {e(created_at)}; events signed with station key
<code>{e(key_id)}</code>.
Check this bundle offline with <code>sarwatch bundle verify &lt;bundle.zip&gt;</code>
and compare the key id with the one the station publishes.</p>
<h2>Map</h2><img alt="map of reported positions" src="data:image/png;base64,{img}">
<h2>Timeline (ledger)</h2>
<table><tr><th>#</th><th>recorded (UTC)</th><th>by</th><th>kind</th><th>what</th><th>hash</th></tr>
{rows}
</table></body></html>
"""


def _outcome_sentence(case: Case) -> str:
    if case.outcome is None:
        return "Outcome: not recorded yet."
    return f"Outcome: {describe_outcome(case.outcome)}".rstrip(".") + "."


def render_pdf(
    case: Case,
    entries: list[LedgerEntry],
    *,
    key_id: str,
    created_at: str,
    cache_dir: Path | None = None,
) -> bytes:
    """A PDF report: a title page with the map, then the timeline of every event
    (coastline from ``cache_dir``, as :func:`render_map_png`)."""
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    buf = io.BytesIO()
    with (
        _text_as_typed(),
        PdfPages(buf, metadata={"Title": f"Case {case.case_id}", "Creator": "sarwatch"}) as pdf,
    ):
        fig = Figure(figsize=(8.27, 11.69))
        fig.text(
            0.08, 0.95, f"Case {case.case_id} — {case.status.value}", fontsize=14, weight="bold"
        )
        fig.text(0.08, 0.925, textwrap.shorten(case.title, 110), fontsize=9)
        fig.text(
            0.08,
            0.905,
            f"Bundle created {created_at}; station key {key_id}. "
            "Verify offline: sarwatch bundle verify <bundle.zip>",
            fontsize=8,
        )
        warning = count_warning(case)
        if warning:
            fig.text(
                0.08, 0.885, "\n".join(textwrap.wrap(warning, 110)),
                fontsize=8, color="#a00000", weight="bold", va="top",
            )  # fmt: skip
        _figure_map(fig.add_axes((0.1, 0.32, 0.8, 0.53)), case, cache_dir)
        pdf.savefig(fig)
        lines: list[str] = []
        marks = corrected_by(entries)
        for x in entries:
            head = f"#{x.seq} {x.recorded_at} {x.kind} by {x.actor}"
            lines.append(head)
            what = describe_event(x) + correction_mark(x.seq, marks)
            lines += ["      " + w for w in textwrap.wrap(what, 100)]
        per_page = 62
        for start in range(0, max(1, len(lines)), per_page):
            fig = Figure(figsize=(8.27, 11.69))
            fig.text(0.06, 0.965, f"Timeline — case {case.case_id}", fontsize=11, weight="bold")
            chunk = lines[start : start + per_page]
            fig.text(0.06, 0.94, "\n".join(chunk), fontsize=7, family="monospace", va="top")
            pdf.savefig(fig)
    return buf.getvalue()
