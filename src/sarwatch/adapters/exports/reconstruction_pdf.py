"""The reconstruction as a PDF (matplotlib ``PdfPages``, A4, deterministic).

Page 1: the case, the three answers (RCCs, vessels, answers) and the map; then the
drift cloud over time and the timeline, each line with its ledger event. No creation
date is written, so the same reconstruction gives the same bytes.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any

__all__ = ["render_pdf"]

_A4 = (8.27, 11.69)
_WIDTH = 118  # characters per line of monospace text at 7 pt
#: Lines of text above the map on the first page (about 0.01 of the page each).
_FIRST_PAGE_LINES = 44


def _t(value: Any) -> str:
    if value is None:
        return "-"
    text = str(value)
    return text[:16].replace("T", " ") if len(text) >= 16 and text[10:11] == "T" else text


def _min(value: float | None) -> str:
    return (
        "-" if value is None else (f"{value:g} min" if abs(value) < 90 else f"{value / 60:.1f} h")
    )


def _answers_lines(rec: dict[str, Any]) -> list[str]:
    lines = ["1. WHEN DID EACH RCC KNOW?"]
    for r in rec["rccs"]:
        known = _t(r["first_known"]) if r["first_known"] else "NO CONTACT RECORDED"
        mine = " [position in its SRR]" if r["responsible"] else ""
        lines.append(
            f"   {r['name']} ({r['srr_id']}){mine}: "
            f"{known}, {_min(r['minutes_after_alert'])} after the alert; {r['first_known_how']}; "
            f"{r['contacts']} contact(s); answer to first call: "
            f"{_min(r['answer_delay_min']) if r['informed_at'] else 'not asked'}"
        )
    if not rec["rccs"]:
        lines.append("   no RCC in the record")
    outcome = rec["outcome"]["time"] if rec["outcome"] else None
    lines.append(
        "2. WHICH VESSELS COULD HAVE REACHED THE BOAT BEFORE THE OUTCOME?"
        + (f" (outcome {_t(outcome)})" if outcome else " (no outcome recorded)")
    )
    for v in rec["vessels"]:
        eta = (
            "unreachable"
            if v["eta_p50_h"] is None
            else (
                f"ETA P50 {v['eta_p50_h']:.2f} h / P90 "
                f"{'-' if v['eta_p90_h'] is None else format(v['eta_p90_h'], '.2f')} h"
            )
        )
        lines.append(
            f"   {v['name']}{' (SAR)' if v['sar'] else ''} MMSI {v['mmsi']}: {eta}; arrival "
            f"{_t(v['arrival_p50'])} / {_t(v['arrival_p90'])}; before the outcome: "
            f"{v['before_outcome']} (snapshot #{v['snapshot_seq']})"
        )
    if not rec["vessels"]:
        lines.append("   no AIS responders snapshot attached")
    lines.append("3. HOW LONG DID EACH ANSWER TAKE?")
    for a in rec["answers"]:
        got = (
            f"answered {_t(a['answered_at'])}, took {_min(a['delay_min'])}"
            if a["answered_at"]
            else "NO ANSWER RECORDED"
        )
        lines.append(f"   to {a['counterpart']} at {_t(a['asked_at'])} (#{a['asked_seq']}): {got}")
    if not rec["answers"]:
        lines.append("   no outgoing contact recorded")
    out: list[str] = []
    for line in lines:
        out += textwrap.wrap(line, _WIDTH, subsequent_indent="      ") or [""]
    return out


def _page(pdf: Any, title: str, lines: list[str], *, top: float = 0.94) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=_A4)
    fig.text(0.06, 0.965, title, fontsize=11, weight="bold")
    fig.text(0.06, top, "\n".join(lines), fontsize=7, family="monospace", va="top")
    pdf.savefig(fig)


def render_pdf(rec: dict[str, Any], *, map_png: bytes) -> bytes:
    """The reconstruction as PDF bytes (``rec``: ``Reconstruction.to_json()``; ``map_png``:
    the map as PNG)."""
    import matplotlib
    import matplotlib.image as mpimg
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    buf = io.BytesIO()
    meta = {
        "Title": f"Reconstruction of case {rec['case_id']}",
        "Creator": "sarwatch",
        "Producer": "sarwatch",
        "CreationDate": None,
    }
    with matplotlib.rc_context({"text.parse_math": False}), PdfPages(buf, metadata=meta) as pdf:
        fig = Figure(figsize=_A4)
        fig.text(
            0.06, 0.965, f"Reconstruction of case {rec['case_id']}", fontsize=13, weight="bold"
        )
        head = [
            textwrap.shorten(rec["title"], _WIDTH),
            f"Alert {_t(rec['alert_time'])} UTC, region {rec['region']}, status {rec['status']}, "
            f"people {rec['people']}",
            *textwrap.wrap("Outcome: " + rec["outcome_text"], _WIDTH),
            f"Ledger up to #{rec['head_seq']} hash {rec['head_hash'][:32]}..., "
            f"key {rec['key_id']}: " + ("verifies" if rec["verified"] else "DOES NOT VERIFY"),
            "",
            *_answers_lines(rec),
        ]
        fig.text(
            0.06,
            0.94,
            "\n".join(head[:_FIRST_PAGE_LINES]),
            fontsize=7,
            family="monospace",
            va="top",
        )
        ax = fig.add_axes((0.08, 0.03, 0.84, 0.40))
        ax.imshow(mpimg.imread(io.BytesIO(map_png), format="png"))
        ax.set_axis_off()
        pdf.savefig(fig)
        rest = head[_FIRST_PAGE_LINES:]
        drift = [
            f"{_t(f['time'])} {f['hours']:+6g} h  centroid "
            + (
                "-"
                if f["centroid_lat"] is None
                else f"{f['centroid_lat']:.3f}N {f['centroid_lon']:.3f}E"
            )
            + ("" if f["area90_km2"] is None else f"  90% {f['area90_km2']:,.0f} km2")
            + "  SRR "
            + ", ".join(f"{k} {v:.0%}" for k, v in f["srr_share"].items() if v > 0)
            + f"  (run #{f['run_seq']})"
            for f in rec["drift"]
        ]
        timeline: list[str] = []
        for it in rec["timeline"]:
            timeline.append(f"{_t(it['time'])}  {it['kind']}  #{it['seq']} {it['hash'][:12]}")
            timeline += textwrap.wrap(
                it["text"], _WIDTH, initial_indent="      ", subsequent_indent="      "
            )
            if it["source"]:
                timeline += textwrap.wrap(
                    "source: " + it["source"],
                    _WIDTH,
                    initial_indent="      ",
                    subsequent_indent="      ",
                )
        lines = [
            *rest,
            *(["DRIFT CLOUD OVER TIME", *drift, ""] if drift else []),
            "TIMELINE",
            *timeline,
            "",
            *[w for n in rec["notes"] for w in textwrap.wrap("Note: " + n, _WIDTH)],
        ]
        per_page = 100
        for start in range(0, len(lines), per_page):
            _page(
                pdf,
                f"Reconstruction of case {rec['case_id']} (continued)",
                lines[start : start + per_page],
            )
    return buf.getvalue()
