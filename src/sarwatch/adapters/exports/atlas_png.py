"""A PNG of a drift atlas: where the boats of all scenarios are, lead time by lead time.

Up to four maps side by side (two by two), one per lead time (by default spread over the
run: a quarter, half, three quarters and the end), each showing the probability of
presence per cell of the atlas grid (the share of all particles of all scenarios in the
cell) on a logarithmic colour scale, the coastline, the SAR region boundaries and the
departures. Every map has the same view (the cells reached at any of the lead times
drawn, and the departures) and the same colour scale, so that they compare at a glance;
the scale is drawn once, under the maps.

It reads the atlas as written (:func:`~sarwatch.services.atlas_files.atlas_dataset`, or
the ``.nc``/``.zarr`` file opened with xarray), so a file made earlier or elsewhere draws
the same. Drawn with Pillow through :mod:`drift_png_canvas`, as ``drift.png``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from PIL import Image, ImageDraw

from sarwatch.errors import InputError

__all__ = ["atlas_png", "label_places", "pick_leads"]

#: Each map fills at most this box, pixels (width, height); margins (left, right, bottom,
#: top) for its ticks (the last longitude under the right edge: half a label), axis labels
#: and title.
_MAP_MAX_PX = (430, 330)
_MARGIN_PX = (62, 24, 44, 30)
#: Room under the maps for the colour scale, and above them for the title, pixels.
_SCALE_PX = 78
_TITLE_PX = 46
#: The sea and the land.
_WATER = "#eef5fb"
_LAND = "#e8e0c8"
#: The colour scale, low to high: ColorBrewer's 9-class YlOrRd (Cynthia A. Brewer,
#: colorbrewer2.org, Apache-2.0), interpolated in RGB.
_RAMP = np.array(
    [
        (0xFF, 0xFF, 0xCC), (0xFF, 0xED, 0xA0), (0xFE, 0xD9, 0x76), (0xFE, 0xB2, 0x4C),
        (0xFD, 0x8D, 0x3C), (0xFC, 0x4E, 0x2A), (0xE3, 0x1A, 0x1C), (0xBD, 0x00, 0x26),
        (0x80, 0x00, 0x26),
    ],
    dtype=np.float64,
) / 255.0  # fmt: skip
#: The colour scale spans this many decades below the largest probability drawn.
_DECADES = 4


def pick_leads(available: np.ndarray[Any, Any], wanted: list[float] | None = None) -> list[float]:
    """The lead times to draw, hours: ``wanted`` (each must be in the atlas), or up to
    four spread over the run (the end included, lead 0 left out).

    Raises
    ------
    InputError
        A wanted lead time the atlas does not hold (the message lists those it holds).
    """
    leads = [float(h) for h in np.asarray(available, dtype=float)]
    if wanted:
        missing = [h for h in wanted if not any(abs(h - a) < 1e-6 for a in leads)]
        if missing:
            held = ", ".join(f"{h:g}" for h in leads)
            raise InputError(
                f"the atlas has no lead time {', '.join(f'{h:g}' for h in missing)} h; "
                f"it holds {held} h"
            )
        return [float(h) for h in wanted][:4]
    later = [h for h in leads if h > 0] or leads
    if len(later) <= 4:
        return later
    # a quarter, half, three quarters of the run and its end
    return [later[round((k + 1) * len(later) / 4) - 1] for k in range(4)]


def _view(
    prob: np.ndarray[Any, Any],
    lon: np.ndarray[Any, Any],
    lat: np.ndarray[Any, Any],
    departures: list[dict[str, Any]],
) -> tuple[float, float, float, float]:
    """``(lon0, lon1, lat0, lat1)``: the cells reached at any lead drawn and the
    departures, with a margin of 10 % (at least 0.3°)."""
    reached = (prob > 0).any(axis=0)
    if not reached.any():
        raise InputError("the atlas holds no particle at the lead times asked for: nothing to draw")
    iy, ix = np.nonzero(reached)
    half = 0.5 * (float(lon[1] - lon[0]) if lon.size > 1 else 0.1)
    xs = [*(lon[ix] - half), *(lon[ix] + half), *(d["lon"] for d in departures)]
    ys = [*(lat[iy] - half), *(lat[iy] + half), *(d["lat"] for d in departures)]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    pad = max(0.3, 0.1 * max(x1 - x0, y1 - y0))
    return x0 - pad, x1 + pad, y0 - pad, y1 + pad


def _map_size(view: tuple[float, float, float, float]) -> tuple[int, int]:
    """A map's width and height, pixels: the equirectangular aspect of the mid latitude,
    as large as :data:`_MAP_MAX_PX` allows."""
    x0, x1, y0, y1 = view
    w = x1 - x0
    h = (y1 - y0) / np.cos(np.radians(0.5 * (y0 + y1)))
    scale = min(_MAP_MAX_PX[0] / w, _MAP_MAX_PX[1] / h)
    return max(1, round(w * scale)), max(1, round(h * scale))


def _colours(prob: np.ndarray[Any, Any], top: float) -> np.ndarray[Any, Any]:
    """RGBA (float, row 0 south) of probabilities on the log scale ending at ``top``;
    cells without particles transparent."""
    rgba = np.zeros((*prob.shape, 4))
    seen = prob > 0
    level = np.clip((np.log10(np.where(seen, prob, top)) - np.log10(top)) / _DECADES + 1, 0, 1)
    pos = level * (len(_RAMP) - 1)
    k = np.minimum(pos.astype(int), len(_RAMP) - 2)
    frac = (pos - k)[..., None]
    rgba[..., :3] = _RAMP[k] * (1 - frac) + _RAMP[k + 1] * frac
    rgba[..., 3] = np.where(seen, 0.9, 0.0)
    return rgba


def _panel(
    prob: np.ndarray[Any, Any],
    grid: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
    view: tuple[float, float, float, float],
    top: float,
    land: Any,
    departures: list[dict[str, Any]],
    title: str,
) -> tuple[Image.Image, list[str]]:
    """One map: the probabilities of one lead time over ``view``, as an image, and the
    departures whose names found no room on it."""
    from sarwatch.adapters.exports.drift_png_canvas import SUPERSAMPLE, MapCanvas, text_width_px
    from sarwatch.geo.srr import sar_regions

    lon, lat = grid
    x0, x1, y0, y1 = view
    map_w, map_h = _map_size(view)
    left, right, bottom, top_px = _MARGIN_PX
    # a narrow map gets a panel as wide as its title, the map in the middle
    extra = max(0, text_width_px(title, 9) + 12 - (map_w + left + right))
    canvas = MapCanvas(
        map_w + left + right + extra, map_h + bottom + top_px, left + extra // 2, top_px,
        map_w, map_h, view,
    )  # fmt: skip
    canvas.fill_map(_WATER)
    half = 0.5 * (float(lon[1] - lon[0]) if lon.size > 1 else 0.1)
    canvas.raster(
        _colours(prob, top),
        (float(lon[0]) - half, float(lon[-1]) + half, float(lat[0]) - half, float(lat[-1]) + half),
    )
    for poly in shapely.get_parts(land):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        rings = [np.asarray(r.coords) for r in [poly.exterior, *poly.interiors]]
        canvas.polygon(rings, fill=_LAND, edge="#555555", width_pt=0.4, hole_fill=_WATER)
    canvas.axes_grid(alpha=0.25)
    box = shapely.box(x0, y0, x1, y1)
    labels = []
    for region in sar_regions():
        for line in shapely.get_parts(shapely.intersection(region.polygon.boundary, box)):
            if not line.is_empty:
                x, y = line.xy
                canvas.line(x, y, "#3060a0", 0.8, dashes_pt=(3.7, 1.6))
        sea = shapely.difference(shapely.intersection(region.polygon, box), land)
        if not sea.is_empty and sea.area > 0.04 * box.area:
            p = sea.representative_point()
            labels.append((p.x, p.y, f"SRR {region.srr_id}"))
    # labels placed in map pixels (origin top left): none leaves the map, none covers
    # another or a departure's star
    to_px = (map_w / (x1 - x0), map_h / (y1 - y0))

    def where(lon_: float, lat_: float) -> tuple[float, float]:
        return (lon_ - x0) * to_px[0], (y1 - lat_) * to_px[1]

    def deg(px_: tuple[float, float]) -> tuple[float, float]:
        return x0 + px_[0] / to_px[0], y1 - px_[1] / to_px[1]

    stars = [where(d["lon"], d["lat"]) for d in departures]
    taken = [(x - _STAR_PX, y - _STAR_PX, x + _STAR_PX, y + _STAR_PX) for x, y in stars]
    for x, y, text in labels:
        w, h = text_width_px(text, 8), _text_height_px(8)
        cx, cy = where(x, y)
        cx = min(max(cx, w / 2 + 2), map_w - w / 2 - 2)  # the whole name inside the map
        cy = min(max(cy, h / 2 + 2), map_h - h / 2 - 2)
        rect = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        if not any(_overlap(rect, t) for t in taken):
            taken.append(rect)
            canvas.text(*deg((cx, cy)), text, "#3060a0", 8, alpha=0.9, halo=True, anchor="mm")
    for d in departures:
        canvas.star(d["lon"], d["lat"], "#006d2c", 10, edge="#000000")
    places = label_places(
        stars, [text_width_px(d["name"], 7) for d in departures], _text_height_px(7),
        (map_w, map_h), taken,
    )  # fmt: skip
    for d, place in zip(departures, places, strict=True):
        if place is not None:
            (px_, py_), anchor = place
            canvas.text(*deg((px_, py_)), d["name"], "#00441b", 7, halo=True, anchor=anchor)
    canvas.axes_frame("longitude (°E)", "latitude (°N)", title, 9)
    unnamed = [d["name"] for d, place in zip(departures, places, strict=True) if place is None]
    return canvas.image.reduce(SUPERSAMPLE), unnamed


#: Half the size of a departure's star, and the gap between a star and its name, pixels.
_STAR_PX = 5
_GAP_PX = 6


def _text_height_px(size_pt: float) -> int:
    """The height of a line of text at ``size_pt``, pixels (with a pixel to spare)."""
    from sarwatch.adapters.exports.drift_png_canvas import PX_PER_PT

    return int(np.ceil(size_pt * PX_PER_PT)) + 2


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Whether the boxes ``(x0, y0, x1, y1)`` overlap."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def label_places(
    points: list[tuple[float, float]],
    widths: list[int],
    height: int,
    size: tuple[int, int],
    taken: list[tuple[float, float, float, float]] | None = None,
) -> list[tuple[tuple[float, float], str] | None]:
    """Where to write each departure's name: right of its star, else left, above or
    below, wherever it stays inside the map and covers no name placed before it, no
    star and nothing in ``taken``; ``None`` (the star alone) where no place is free.

    Parameters
    ----------
    points
        The stars, map pixels ``(x, y)`` from the top left.
    widths, height
        Each name's width and the text's height, pixels.
    size
        The map's width and height, pixels.
    taken
        Boxes ``(x0, y0, x1, y1)`` already taken (the stars themselves are added).

    Returns
    -------
    list
        Per point, ``((x, y), anchor)`` to hand to the text drawing (Pillow's anchors),
        or ``None``.

    Examples
    --------
    Two stars side by side: the first name goes left, the second right; a third star
    below them has room on its right; a star at the map's right edge has its name left.

    >>> label_places([(50, 50), (52, 50), (51, 62), (198, 20)], [30, 30, 30, 30], 10,
    ...              (200, 100))
    [((44, 50), 'rm'), ((58, 50), 'lm'), ((57, 62), 'lm'), ((192, 20), 'rm')]
    """
    s, g = _STAR_PX, _GAP_PX
    boxes = list(taken or []) + [(x - s, y - s, x + s, y + s) for x, y in points]
    out: list[tuple[tuple[float, float], str] | None] = []
    for (x, y), w in zip(points, widths, strict=True):
        h = height
        candidates = (
            ((x + g, y), "lm", (x + g, y - h / 2, x + g + w, y + h / 2)),
            ((x - g, y), "rm", (x - g - w, y - h / 2, x - g, y + h / 2)),
            ((x, y - g + 1), "mb", (x - w / 2, y - g + 1 - h, x + w / 2, y - g + 1)),
            ((x, y + g - 1), "mt", (x - w / 2, y + g - 1, x + w / 2, y + g - 1 + h)),
        )
        chosen = None
        for at, anchor, rect in candidates:
            inside = rect[0] >= 0 and rect[1] >= 0 and rect[2] <= size[0] and rect[3] <= size[1]
            if inside and not any(_overlap(rect, b) for b in boxes):
                chosen = (at, anchor)
                boxes.append(rect)
                break
        out.append(chosen)
    return out


def _scale_bar(width: int, top: float, of_what: str, note: str = "") -> Image.Image:
    """The colour scale under the maps: the ramp, its decades and what it measures (and a
    ``note`` under it)."""
    from sarwatch.adapters.exports.drift_png_canvas import font_at

    img = Image.new("RGB", (width, _SCALE_PX), "white")
    draw = ImageDraw.Draw(img)
    bar_w, bar_h = min(420, width - 80), 12
    bx, by = (width - bar_w) // 2, 8
    for col in range(bar_w):
        level = col / max(bar_w - 1, 1)
        rgba = _colours(np.array([[10 ** (np.log10(top) + (level - 1) * _DECADES)]]), top)
        draw.line([(bx + col, by), (bx + col, by + bar_h)], fill=tuple(
            round(255 * c) for c in rgba[0, 0, :3]))  # fmt: skip
    draw.rectangle((bx, by, bx + bar_w, by + bar_h), outline=(120, 120, 120))
    font = font_at(8)
    for k in range(_DECADES + 1):
        x = bx + round(k / _DECADES * bar_w)
        value = 10 ** (np.log10(top) - _DECADES + k)
        draw.line([(x, by + bar_h), (x, by + bar_h + 3)], fill=(0, 0, 0))
        draw.text((x, by + bar_h + 4), f"{value:.0e}".replace("e-0", "e-"), fill=(0, 0, 0),
                  font=font, anchor="mt")  # fmt: skip
    draw.text((width // 2, by + bar_h + 20), f"probability of presence per cell (share of "
              f"{of_what})", fill=(0, 0, 0), font=font, anchor="mt")  # fmt: skip
    for k, line in enumerate(_wrap(note, width - 20, 8, most=2)):
        draw.text((width // 2, by + bar_h + 34 + 12 * k), line, fill=(0, 68, 27), font=font,
                  anchor="mt")  # fmt: skip
    return img


def _wrap(text: str, width_px: int, size_pt: float, most: int) -> list[str]:
    """``text`` in at most ``most`` lines of at most ``width_px`` pixels (cut with "…")."""
    from sarwatch.adapters.exports.drift_png_canvas import text_width_px

    lines: list[str] = []
    for word in text.split():
        if lines and text_width_px(f"{lines[-1]} {word}", size_pt) <= width_px:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > most:
        lines = [*lines[: most - 1], lines[most - 1] + " …"]
    return lines


def _ashore_note(ds: Any, lead: int, departure: int | None = None) -> str:
    """``": ashore LY 12%, IT 0.4%"``: the shares of all particles (or of ``departure``'s,
    an index) stranded by lead ``lead`` (index), by State, largest first; empty when none
    (or an atlas written before they were kept)."""
    if "ashore_count" not in getattr(ds, "data_vars", {}):
        return ""
    ashore = ds["ashore_count"]
    if "departure" not in ashore.dims:
        # written before landfall was kept per departure (lead, State): of all particles,
        # which are the departure's when it is the only one (``_departure_index``)
        counts = np.asarray(ashore.values, dtype=float)[lead][None, :]
        particles = np.array([float(ds.attrs.get("particles", 0))])
    else:
        # (lead, departure, State) counts over the departures' particles
        counts = np.asarray(ashore.values, dtype=float)[lead]
        particles = np.asarray(ds["departure_particles"].values, dtype=float)
        if departure is not None:
            counts = counts[departure : departure + 1]
            particles = particles[departure : departure + 1]
    share = counts.sum(axis=0) / max(float(particles.sum()), 1.0)
    states = [str(s) for s in ds["coast_state"].values]
    parts = [(v, s) for v, s in zip(share, states, strict=True) if v > 0]
    if not parts:
        return ""
    return ": ashore " + ", ".join(f"{s} {_percent(v)}" for v, s in sorted(parts, reverse=True))


def _percent(share: float) -> str:
    """A share as a percentage to read at a glance: 26%, 0.5%, <0.1%."""
    if share >= 0.01:
        return f"{share:.0%}"
    return f"{share:.1%}" if share >= 0.001 else "<0.1%"


def _departure_names(ds: Any) -> list[str]:
    """The atlas's departures, in order: its ``departure`` coordinate, or (a file written
    before there was one) the provenance's list."""
    if "departure" in ds.coords:
        return [str(n) for n in ds["departure"].values]
    prov = json.loads(ds.attrs.get("provenance", "{}"))
    return [str(d.get("name")) for d in prov.get("departures", [])]


def _departure_index(ds: Any, name: str) -> int:
    """The index of the departure ``name`` in the atlas.

    Raises
    ------
    InputError
        A name the atlas does not hold (the message lists those it holds), or an atlas
        of several departures written before each one's grid was kept.
    """
    names = _departure_names(ds)
    if name not in names:
        held = ", ".join(names) or "none named"
        raise InputError(f"the atlas has no departure {name!r}; it holds {held}")
    if len(names) > 1 and "departure_presence_probability" not in ds.data_vars:
        raise InputError(
            f"the atlas holds {len(names)} departures but not each one's grid (no "
            "departure_presence_probability: written by an older sarwatch); draw all of "
            "them (leave --departure out) or run `sarwatch atlas` again"
        )
    return names.index(name)


def _probabilities(ds: Any, index: list[int], departure: int | None) -> np.ndarray[Any, Any]:
    """Probability of presence at the lead indices ``index``: of all particles, or of the
    departure's (an atlas of one departure: its own grid is the whole)."""
    if departure is None or "departure_presence_probability" not in ds.data_vars:
        return np.asarray(ds["presence_probability"].values, dtype=np.float64)[index]
    by_departure = np.asarray(ds["departure_presence_probability"].values, dtype=np.float64)
    return by_departure[index, departure]


def _departure_particles(ds: Any, departure: int) -> int:
    """Particles counted from the departure (an older file of one departure: all)."""
    if "departure_particles" in ds.data_vars:
        return int(np.asarray(ds["departure_particles"].values)[departure])
    return int(ds.attrs.get("particles", 0))


def atlas_png(
    ds: Any,
    path: Path,
    *,
    leads: list[float] | None = None,
    departure: str | None = None,
    cache_dir: Path | None = None,
) -> Path:
    """Draw the atlas ``ds`` (an :class:`xarray.Dataset` as written by sarwatch) to ``path``.

    Parameters
    ----------
    ds
        The atlas: ``presence_probability`` (lead_time, lat, lon), its coordinates and the
        ``provenance`` attribute (departures, object, period).
    path
        The PNG to write.
    leads
        Lead times to draw, hours (at most four); default: :func:`pick_leads`.
    departure
        Draw this departure's boats only (its name in the atlas); default: all.
    cache_dir
        Where the coastline cache lives.

    Raises
    ------
    InputError
        Not a sarwatch atlas, a lead time or departure it does not hold, or nothing to
        draw.
    """
    from sarwatch.adapters.exports.drift_png_canvas import font_at
    from sarwatch.geo.coast import Region, land_polygons_for

    if "presence_probability" not in getattr(ds, "data_vars", {}):
        raise InputError(
            "not a sarwatch drift atlas (no presence_probability variable); "
            "make one with `sarwatch atlas`"
        )
    prov = json.loads(ds.attrs.get("provenance", "{}"))
    departures = list(prov.get("departures", []))
    dep = None if departure is None else _departure_index(ds, departure)
    if dep is not None and len(departures) > dep:
        departures = [departures[dep]]
    chosen = pick_leads(ds["lead_time"].values, leads)
    lead_values = np.asarray(ds["lead_time"].values, dtype=float)
    index = [int(np.argmin(np.abs(lead_values - h))) for h in chosen]
    prob = _probabilities(ds, index, dep)
    lon = np.asarray(ds["lon"].values, dtype=np.float64)
    lat = np.asarray(ds["lat"].values, dtype=np.float64)
    view = _view(prob, lon, lat, departures)
    top = float(prob.max())
    x0, x1, y0, y1 = view
    land = shapely.intersection(
        land_polygons_for(Region(x0, y0, x1, y1), cache_dir), shapely.box(x0, y0, x1, y1)
    )
    drawn = [
        _panel(p, (lon, lat), view, top, land, departures, f"+{h:g} h{_ashore_note(ds, i, dep)}")
        for p, h, i in zip(prob, chosen, index, strict=True)
    ]
    panels = [panel for panel, _ in drawn]
    unnamed = drawn[0][1]  # the same view and departures on every map
    note = (
        f"not named on the maps (no room): {', '.join(unnamed)}; "
        "atlas-map --departure NAME draws one departure"
        if unnamed
        else ""
    )
    cols = 1 if len(panels) == 1 else 2
    rows = (len(panels) + cols - 1) // cols
    pw, ph = panels[0].size
    width = max(cols * pw, 560)
    image = Image.new("RGB", (width, _TITLE_PX + rows * ph + _SCALE_PX), "white")
    x_first = (width - cols * pw) // 2
    for k, panel in enumerate(panels):
        image.paste(panel, (x_first + (k % cols) * pw, _TITLE_PX + (k // cols) * ph))
    of_what = "all particles of all scenarios" if dep is None else f"{departure}'s particles"
    image.paste(_scale_bar(width, top, of_what, note), (0, _TITLE_PX + rows * ph))
    draw = ImageDraw.Draw(image)
    every = prov.get("every_h")
    period = f"{prov.get('start_first', '?')[:16]} to {prov.get('start_last', '?')[:16]}"
    if dep is None:
        what = (
            f"{ds.attrs.get('scenarios', '?')} scenarios × "
            f"{prov.get('particles_per_scenario', '?')} particles, {len(departures)} departure(s)"
        )
    else:
        particles = _departure_particles(ds, dep)
        what = f"boats leaving {departure} ({particles:,} particles)"
    title = (
        f"Drift atlas: {prov.get('object_class', '?')}, {what}\n"
        f"starts {period}"
        + (f" every {every:g} h" if isinstance(every, int | float) else "")
        + f"; {prov.get('hours', 0):g} h each; cells of {ds.attrs.get('cell_deg', '?')}°"
    )
    draw.multiline_text((width // 2, 8), title, fill=(0, 0, 0), font=font_at(9),
                        anchor="ma", align="center")  # fmt: skip
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG", compress_level=6)
    return path
