"""The reconstruction as one self-contained HTML page (no scripts, no external files).

The three answers first (when did each RCC know; which vessels could have reached the
boat before the outcome; how long each answer took), then the map (inline SVG), the
drift cloud over time, and the whole timeline with each line's ledger event and
source. Every value is escaped; the page prints on A4.
"""

from __future__ import annotations

import html
from typing import Any

__all__ = ["render_html"]

_CSS = """body{font-family:sans-serif;max-width:64em;margin:1.5em auto;color:#111;line-height:1.35}
table{border-collapse:collapse;font-size:.85em;margin:.4em 0 1em}td,th{border:1px solid #bbb;
padding:2px 6px;vertical-align:top;text-align:left}th{background:#eee}code{font-size:.9em}
.warn{color:#a00;font-weight:bold}.yes{color:#0b5cad;font-weight:bold}.muted{color:#555}
h2{border-bottom:2px solid #333;margin-top:1.4em}.map svg{max-width:100%;height:auto}
@media print{body{max-width:none;margin:0}h2{break-after:avoid}tr{break-inside:avoid}}"""


def _t(value: Any) -> str:
    """A UTC time as ``2018-03-15 06:05``; anything else escaped; ``None`` as a dash."""
    if value is None:
        return "—"
    text = str(value)
    if len(text) >= 16 and text[4] == "-" and text[10] == "T":
        text = text[:16].replace("T", " ")
    return html.escape(text)


def _minutes(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) < 90:
        return f"{value:g} min"
    return f"{value / 60:.1f} h ({value:g} min)"


def _row(*cells: str, cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<tr{attr}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _rcc_table(rec: dict[str, Any]) -> str:
    e = html.escape
    rows = [
        _row(
            f"{e(r['name'])} ({e(r['srr_id'])})",
            "yes" if r["responsible"] else "no",
            _t(r["first_known"])
            if r["first_known"]
            else '<span class="warn">no contact recorded</span>',
            _minutes(r["minutes_after_alert"]),
            e(r["first_known_how"]),
            str(r["contacts"]),
            (
                _minutes(r["answer_delay_min"])
                if r["answered_at"]
                else '<span class="warn">no answer recorded</span>'
            )
            if r["informed_at"]
            else "not asked",
        )
        for r in rec["rccs"]
    ]
    if not rows:
        return "<p>No RCC appears in the record and no position lies in a packaged SAR region.</p>"
    head = (
        "<tr><th>RCC (SAR region)</th><th>position in its region</th><th>first knew (UTC)"
        "</th><th>after the alert</th><th>how (ledger event)</th><th>contacts</th>"
        "<th>answer to the first call</th></tr>"
    )
    return f"<table id='rccs'>{head}{''.join(rows)}</table>"


def _vessel_table(rec: dict[str, Any]) -> str:
    e = html.escape
    if not rec["vessels"]:
        return (
            "<p class='muted'>No AIS responders snapshot is attached to this case "
            "(<code>sarwatch responders CASE_ID</code> attaches one).</p>"
        )
    outcome = rec["outcome"]["time"] if rec["outcome"] else None
    rows = []
    for v in rec["vessels"]:
        yes = v["before_outcome"].startswith("yes")
        p90 = "—" if v["eta_p90_h"] is None else f"{v['eta_p90_h']:.2f}"
        eta = "unreachable" if v["eta_p50_h"] is None else f"{v['eta_p50_h']:.2f} / {p90}"
        rows.append(
            _row(
                e(v["name"]) + (" (SAR)" if v["sar"] else ""),
                e(v["mmsi"]),
                e(v["type"]),
                eta,
                f"{_t(v['arrival_p50'])} / {_t(v['arrival_p90'])}",
                "—" if v["distance_nm"] is None else f"{float(v['distance_nm']):.1f}",
                f"<span class='{'yes' if yes else ''}'>{e(v['before_outcome'])}</span>",
                f"{_t(v['eta_from'])} (#{v['snapshot_seq']})",
                cls="yes-row" if yes else "",
            )
        )
    head = (
        "<tr><th>vessel</th><th>MMSI</th><th>type</th><th>ETA P50 / P90 (h)</th>"
        "<th>arrival P50 / P90 (UTC)</th><th>distance (nm)</th><th>before the outcome?</th>"
        "<th>ETAs from (snapshot)</th></tr>"
    )
    when = f"The outcome was recorded at {_t(outcome)} UTC." if outcome else "No outcome recorded."
    return f"<p>{when}</p><table id='vessels'>{head}{''.join(rows)}</table>"


def _answer_table(rec: dict[str, Any]) -> str:
    e = html.escape
    if not rec["answers"]:
        return "<p class='muted'>No outgoing contact is recorded: no answer to time.</p>"
    rows = [
        _row(
            e(a["counterpart"]) + (f" ({e(a['rcc'])})" if a["rcc"] else ""),
            f"{_t(a['asked_at'])} (#{a['asked_seq']})",
            f"{_t(a['answered_at'])} (#{a['answered_seq']})"
            if a["answered_at"]
            else '<span class="warn">no answer recorded</span>',
            _minutes(a["delay_min"]),
            e(a["summary"]),
        )
        for a in rec["answers"]
    ]
    head = (
        "<tr><th>to</th><th>asked (UTC)</th><th>answered (UTC)</th><th>took</th>"
        "<th>what was asked</th></tr>"
    )
    return f"<table id='answers'>{head}{''.join(rows)}</table>"


def _drift_table(rec: dict[str, Any]) -> str:
    if not rec["drift"]:
        return "<p class='muted'>No drift run is attached to this case.</p>"
    rows = []
    for f in rec["drift"]:
        where = (
            "—"
            if f["centroid_lat"] is None
            else f"{f['centroid_lat']:.3f}°N {f['centroid_lon']:.3f}°E"
        )
        share = ", ".join(
            f"{html.escape(k)} {v:.0%}"
            for k, v in sorted(f["srr_share"].items(), key=lambda kv: -kv[1])
            if v > 0
        )
        rows.append(
            _row(
                _t(f["time"]),
                f"{f['hours']:+g}",
                where,
                "—" if f["area90_km2"] is None else f"{f['area90_km2']:,.0f}",
                share or "—",
                f"#{f['run_seq']}",
            )
        )
    head = (
        "<tr><th>time (UTC)</th><th>h</th><th>centroid</th><th>90 % area (km²)</th>"
        "<th>share by SAR region</th><th>run</th></tr>"
    )
    return f"<table id='drift'>{head}{''.join(rows)}</table>"


def _timeline(rec: dict[str, Any]) -> str:
    e = html.escape
    rows = [
        _row(
            _t(it["time"]),
            e(it["kind"]),
            e(it["text"]),
            e(it["source"] or ""),
            f"#{it['seq']} <code>{e(it['hash'][:12])}…</code><br><span class='muted'>"
            f"recorded {_t(it['recorded_at'])}</span>",
        )
        for it in rec["timeline"]
    ]
    head = "<tr><th>time (UTC)</th><th>kind</th><th>what</th><th>source</th><th>ledger</th></tr>"
    return f"<table id='timeline'>{head}{''.join(rows)}</table>"


def _inline_svg(svg: str) -> str:
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else ""


def render_html(rec: dict[str, Any], *, map_svg: str) -> str:
    """The reconstruction page.

    Parameters
    ----------
    rec
        ``Reconstruction.to_json()``.
    map_svg
        The map as SVG text (``reconstruction_map.render_map(fmt="svg")``), inlined.

    Returns
    -------
    str
        A complete HTML document (UTF-8), no external references.
    """
    e = html.escape
    verified = (
        "the chain and signatures verify"
        if rec["verified"]
        else "<span class='warn'>THE LEDGER DOES NOT VERIFY</span>"
    )
    notes = "".join(f"<li>{e(n)}</li>" for n in rec["notes"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Reconstruction of case {e(rec["case_id"])}</title>
<style>{_CSS}</style></head><body>
<h1>Reconstruction of case {e(rec["case_id"])}</h1>
<p><b>{e(rec["title"])}</b></p>
<p>Alert {_t(rec["alert_time"])} UTC · region {e(rec["region"])} · status {e(rec["status"])}
· people on board: {e(rec["people"])}.<br>Outcome: {e(rec["outcome_text"])}</p>
<p class="muted">Built from the case's signed ledger up to event #{rec["head_seq"]}
(hash <code>{e(rec["head_hash"])}</code>), station key <code>{e(rec["key_id"])}</code>:
{verified}. The same ledger rebuilds this page byte for byte
(<code>sarwatch case reconstruct {e(rec["case_id"])} --out DIR</code>).</p>
<h2>1. When did each RCC know?</h2>
{_rcc_table(rec)}
<h2>2. Which vessels could have reached the boat before the outcome?</h2>
{_vessel_table(rec)}
<h2>3. How long did each answer take?</h2>
{_answer_table(rec)}
<h2>Map</h2>
<div class="map">{_inline_svg(map_svg)}</div>
<h2>The drift cloud over time</h2>
{_drift_table(rec)}
<h2>Timeline</h2>
{_timeline(rec)}
<h2>How to read this</h2>
<ul>{notes}</ul>
</body></html>
"""
