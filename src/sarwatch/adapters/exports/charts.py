"""Charts of the statistics (PNG or SVG, matplotlib), readable in print and at night.

Input is the plain JSON of a statistics table (``StatisticsTable.to_json()``: series,
rows with their figures, sources), so this adapter knows nothing of the service.
One panel per series: a bar per period for the quoted value, a marker of its own
shape per other source (shapes, not only colours, so a grey print still tells them
apart), a hatched outline where the only figure is flagged "do not use", "n/a" where
no source gives a figure. The sources and their dates are printed under the panels.

Two palettes: ``"print"`` (dark on white, Okabe–Ito hues darkened) and ``"night"``
(red on black, as the map page's night mode, so a dark bridge keeps its night vision).
In both, text has a contrast of at least 4.5:1 and bars and markers at least 3:1
against the background (WCAG 2.1, 1.4.3 and 1.4.11; a test checks it).
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["PALETTES", "Palette", "render_statistics_chart"]

ChartFormat = Literal["png", "svg"]


@dataclass(frozen=True)
class Palette:
    """Colours of one chart style."""

    background: str
    foreground: str
    muted: str
    grid: str
    bar: str
    flagged: str
    markers: tuple[str, ...]


#: The two palettes: ``print`` (white paper) and ``night`` (red on black).
PALETTES: dict[str, Palette] = {
    "print": Palette(
        background="#ffffff",
        foreground="#111111",
        muted="#555555",
        grid="#cccccc",
        bar="#4d6d8e",
        flagged="#b3261e",
        markers=("#d55e00", "#007a5e", "#a4457f", "#8a6100", "#0072b2"),
    ),
    "night": Palette(
        background="#0b0b0b",
        foreground="#ff8a80",
        muted="#b0645c",
        grid="#3a2222",
        bar="#a83e33",
        flagged="#ff5252",
        markers=("#ffab40", "#ff4081", "#ffd180", "#ff6e40", "#ea80fc"),
    ),
}

_MARKERS = ("D", "^", "s", "v", "P")


def _period_label(row: dict[str, Any]) -> str:
    return str(row["year"]) if row.get("month") is None else f"{row['year']}-{row['month']:02d}"


def _thousands(value: float, _pos: Any = None) -> str:
    return f"{value:,.0f}"


def render_statistics_chart(
    table: dict[str, Any],
    *,
    fmt: ChartFormat = "png",
    palette: str = "print",
    dpi: int = 150,
) -> bytes:
    """Draw a statistics table as PNG or SVG bytes.

    Parameters
    ----------
    table
        ``StatisticsTable.to_json()``.
    fmt
        ``"png"`` or ``"svg"`` (text kept as text in SVG).
    palette
        ``"print"`` or ``"night"`` (see :data:`PALETTES`).
    dpi
        PNG resolution, dots per inch.

    Returns
    -------
    bytes
        The image file's content.

    Raises
    ------
    ValueError
        For an unknown format or palette (callers check first and raise ``InputError``).
    """
    if fmt not in ("png", "svg"):
        raise ValueError(f"chart format must be png or svg, got {fmt!r}")
    if palette not in PALETTES:
        raise ValueError(f"palette must be one of {sorted(PALETTES)}, got {palette!r}")
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    pal = PALETTES[palette]
    series = table["series"]
    sources = table["sources"]
    source_ids = list(sources)
    n = max(1, len(series))
    ncols = 1 if n == 1 else 2
    nrows = (n + ncols - 1) // ncols
    rc: Any = {
        "text.parse_math": False,
        "svg.fonttype": "none",
        "font.size": 9,
        "axes.edgecolor": pal.muted,
        "axes.labelcolor": pal.foreground,
        "xtick.color": pal.foreground,
        "ytick.color": pal.foreground,
        "text.color": pal.foreground,
    }
    footer = _footer(table)
    buf = io.BytesIO()
    with matplotlib.rc_context(rc):
        spare_slot = nrows * ncols > n
        height = 2.6 * nrows + 0.9 + 0.16 * len(footer) + (0 if spare_slot else 0.5)
        fig = Figure(figsize=(10.0 if ncols == 2 else 7.0, height), facecolor=pal.background)
        top = 1 - 0.55 / height
        bottom = (0.35 + 0.16 * len(footer) + (0 if spare_slot else 0.5)) / height
        axes = fig.subplots(nrows, ncols, squeeze=False)
        fig.subplots_adjust(top=top, bottom=bottom, hspace=0.55, wspace=0.22, left=0.08, right=0.98)
        fig.suptitle(
            f"Central Mediterranean, {table['from']}–{table['to']} "
            f"(by {table['by']}; bars: quoted figure; markers: other sources)",
            fontsize=11,
            color=pal.foreground,
        )
        used_sources: set[str] = set()
        for i, ax in enumerate(axes.flat):
            if i >= len(series):
                ax.set_visible(False)
                continue
            info = series[i]
            rows = [r for r in table["rows"] if r["series"] == info["id"]]
            used_sources |= _panel(ax, info, rows, source_ids, pal)
            ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        handles: list[Any] = [Patch(facecolor=pal.bar, label="quoted figure (first source)")]
        handles.append(
            Patch(facecolor="none", edgecolor=pal.flagged, hatch="///", label="flagged: do not use")
        )
        from matplotlib.lines import Line2D

        for k, sid in enumerate(source_ids):
            if sid in used_sources:
                handles.append(
                    Line2D(
                        [],
                        [],
                        ls="none",
                        marker=_MARKERS[k % len(_MARKERS)],
                        color=pal.markers[k % len(pal.markers)],
                        label=sid,
                    )
                )
        spare = [ax for ax in axes.flat if not ax.get_visible()]
        if spare:  # an empty panel: the legend goes there
            spare[0].set_visible(True)
            spare[0].set_axis_off()
            spare[0].legend(
                handles=handles,
                loc="center",
                frameon=False,
                fontsize=8,
                labelcolor=pal.foreground,
                title="legend",
            )
        else:
            fig.legend(
                handles=handles,
                loc="lower center",
                bbox_to_anchor=(0.5, bottom - 0.3 / height),
                ncol=min(4, len(handles)),
                frameon=False,
                fontsize=8,
                labelcolor=pal.foreground,
            )
        fig.text(0.01, 0.01, "\n".join(footer), fontsize=7, color=pal.muted, va="bottom", ha="left")
        metadata: dict[str, Any] = {"Software": "sarwatch"}
        if fmt == "svg":
            metadata = {"Date": None, "Creator": "sarwatch"}
        fig.savefig(buf, format=fmt, dpi=dpi, facecolor=pal.background, metadata=metadata)
    return buf.getvalue()


def _panel(
    ax: Any, info: dict[str, Any], rows: list[dict[str, Any]], source_ids: list[str], pal: Palette
) -> set[str]:
    """One series: bars, other sources' markers, flagged outlines. Returns the sources
    drawn as markers."""
    ax.set_facecolor(pal.background)
    ax.grid(True, axis="y", color=pal.grid, lw=0.6)
    ax.set_axisbelow(True)
    labels = [_period_label(r) for r in rows]
    x = list(range(len(rows)))
    used: set[str] = set()
    peak = max(
        [f["value"] for r in rows for f in r["figures"]] + [1],
    )
    for xi, r in zip(x, rows, strict=True):
        if r["value"] is not None:
            ax.bar(xi, r["value"], width=0.7, color=pal.bar, zorder=2)
            if any(f["usable"] and f["status"] == "preliminary" for f in r["figures"]):
                ax.text(xi, r["value"], "prelim.", ha="center", va="bottom", fontsize=6)
        for f in r["figures"]:
            if not f["usable"]:
                ax.bar(
                    xi,
                    f["value"],
                    width=0.7,
                    facecolor="none",
                    edgecolor=pal.flagged,
                    hatch="///",
                    lw=1.0,
                    zorder=2,
                )
                ax.text(
                    xi,
                    f["value"],
                    "do not use",
                    ha="center",
                    va="bottom",
                    fontsize=6,
                    color=pal.flagged,
                )
            elif f["source"] != r["source"] or f["value"] != r["value"]:
                k = source_ids.index(f["source"]) if f["source"] in source_ids else 0
                ax.plot(
                    xi,
                    f["value"],
                    ls="none",
                    marker=_MARKERS[k % len(_MARKERS)],
                    ms=6,
                    mec=pal.background,
                    mew=0.8,
                    color=pal.markers[k % len(pal.markers)],
                    zorder=3,
                )
                used.add(f["source"])
        if not r["figures"]:
            ax.text(xi, peak * 0.02, "n/a", ha="center", va="bottom", fontsize=7, color=pal.muted)
    ax.set_xticks(x, labels, rotation=0 if len(rows) <= 12 else 90, fontsize=8)
    ax.set_title(f"{info['label']} ({info['unit']})", fontsize=9.5, color=pal.foreground)
    ax.set_ylim(0, peak * 1.12)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    return used


def _footer(table: dict[str, Any]) -> list[str]:
    """The sources and their dates, wrapped for the page."""
    lines = ["Sources:"]
    for sid, s in table["sources"].items():
        date = f"as of {s['as_of']}" if s.get("as_of") else "date not stated"
        text = f"{sid}: {s['name']} — {s['publisher']}, {date}"
        lines += textwrap.wrap(text, 150, subsequent_indent="    ")
    lines.append("Figures are minimum counts as published; differing sources are all shown.")
    return lines
