"""A small map canvas on Pillow: an equirectangular map in a frame, with ticks, grid,
title, dashed lines, markers, a raster overlay and a legend.

Everything is drawn at :data:`SUPERSAMPLE` times the final size and reduced at the end
(a box filter), which antialiases lines, polygon edges and markers. Sizes are given as
matplotlib gives them (points at 100 pixels per inch, DejaVu Sans) so the map reads
like the matplotlib figures of the rest of sarwatch, but it costs Pillow's import
(~0.05 s), not matplotlib's (~0.35 s).
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = ["SUPERSAMPLE", "LegendEntry", "MapCanvas", "nice_ticks", "text_width_px"]

#: Drawing scale over the final image (antialiasing by reduction).
SUPERSAMPLE = 2
#: Pixels per point (100 dpi, as the figures of matplotlib at ``dpi=100``).
PX_PER_PT = 100 / 72

#: Fonts by size, one cache per thread: a FreeType face is not safe to share between
#: threads, and a server draws the maps of several runs at once.
_FONTS = threading.local()


def hex_rgb(color: str, alpha: float = 1.0) -> tuple[int, int, int, int]:
    """``"#rrggbb"`` and an opacity (0-1) as an RGBA tuple of 0-255 integers."""
    c = color.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), round(255 * alpha)


def _font(size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans (shipped with matplotlib, found without importing it) at ``size_px``."""
    cache: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = _FONTS.__dict__.setdefault(
        "by_size", {}
    )
    if size_px not in cache:
        cache[size_px] = _load_font(size_px)
    return cache[size_px]


def _load_font(size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    spec = importlib.util.find_spec("matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        ttf = Path(folder) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if ttf.exists():
            return ImageFont.truetype(str(ttf), size_px)
    return ImageFont.load_default(size_px)


def font_at(size_pt: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The map font at ``size_pt`` for drawing on a final-size image (not supersampled)."""
    return _font(round(size_pt * PX_PER_PT))


def nice_length(target: float) -> float:
    """The largest of 1, 2 or 5 times a power of ten not above ``target`` (> 0)."""
    power = 10.0 ** np.floor(np.log10(target))
    return float(max(m * power for m in (1.0, 2.0, 5.0) if m * power <= target * (1 + 1e-12)))


def text_width_px(text: str, size_pt: float) -> int:
    """Width in final pixels of the widest line of ``text`` at ``size_pt``."""
    font = _font(round(size_pt * PX_PER_PT * SUPERSAMPLE))
    widest = max(font.getbbox(line)[2] for line in text.split("\n"))
    return int(np.ceil(widest / SUPERSAMPLE))


def nice_ticks(lo: float, hi: float, most: int = 7) -> list[float]:
    """Round tick values (1, 2, 2.5, 5 times a power of ten) inside ``[lo, hi]``, at
    most ``most`` of them (matplotlib's ``MaxNLocator`` picks the same steps)."""
    span = hi - lo
    if not np.isfinite(span) or span <= 0:
        return []
    base = 10.0 ** np.floor(np.log10(span / most))
    for mult in (1, 2, 2.5, 5, 10, 20):
        step = mult * base
        if span / step <= most:
            break
    first = np.ceil(lo / step - 1e-9) * step
    ticks = np.arange(first, hi + 1e-9 * step, step)
    return [round(float(t), 10) for t in ticks]


def _tick_label(value: float, ticks: list[float]) -> str:
    """``value`` with as many decimals as the tick step needs (0.25 -> 2, 0.5 -> 1, 1 -> 0)."""
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    decimals = 0
    while decimals < 6 and abs(round(step, decimals) - step) > 1e-9 * max(step, 1.0):
        decimals += 1
    return f"{value:.{decimals}f}"


@dataclass(frozen=True)
class LegendEntry:
    """One legend line: a handle (``"line"``, ``"square"``, ``"dot"``, ``"star"``, or a line
    with a dot, ``"line+dot"``) of a colour and width (points), and its label."""

    label: str
    kind: str
    color: str
    width_pt: float = 1.0


@dataclass
class MapCanvas:
    """An image with a map frame of ``map_w`` x ``map_h`` pixels showing ``view``
    (lon0, lon1, lat0, lat1, degrees), at ``(left, top)`` in the image."""

    width: int
    height: int
    left: int
    top: int
    map_w: int
    map_h: int
    view: tuple[float, float, float, float]
    image: Image.Image = field(init=False)
    draw: ImageDraw.ImageDraw = field(init=False)

    def __post_init__(self) -> None:
        s = SUPERSAMPLE
        self.image = Image.new("RGB", (self.width * s, self.height * s), "white")
        self.draw = ImageDraw.Draw(self.image, "RGBA")

    # -- coordinates ------------------------------------------------------------------
    def px(self, lon: Any, lat: Any) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """Drawing-pixel coordinates of positions (degrees)."""
        x0, x1, y0, y1 = self.view
        s = SUPERSAMPLE
        col = (self.left + (np.asarray(lon, dtype=float) - x0) / (x1 - x0) * self.map_w) * s
        row = (self.top + (y1 - np.asarray(lat, dtype=float)) / (y1 - y0) * self.map_h) * s
        return col, row

    def _pts(self, lon: Any, lat: Any) -> list[tuple[float, float]]:
        col, row = self.px(lon, lat)
        return list(zip(col.tolist(), row.tolist(), strict=True))

    @staticmethod
    def _w(width_pt: float) -> int:
        return max(1, round(width_pt * PX_PER_PT * SUPERSAMPLE))

    # -- map content ------------------------------------------------------------------
    def fill_map(self, color: str) -> None:
        """Fill the map frame with ``color``."""
        self.draw.rectangle(self._frame_px(), fill=hex_rgb(color))

    def polygon(
        self, rings: list[np.ndarray[Any, Any]], fill: str, edge: str, width_pt: float,
        hole_fill: str,
    ) -> None:  # fmt: skip
        """A polygon: ``rings[0]`` the exterior, the rest holes (filled with ``hole_fill``),
        each an ``(n, 2)`` array of lon, lat; edges ``width_pt`` wide."""
        for k, ring in enumerate(rings):
            pts = self._pts(ring[:, 0], ring[:, 1])
            if len(pts) >= 3:
                self.draw.polygon(pts, fill=hex_rgb(fill if k == 0 else hole_fill))
        for ring in rings:
            self.line(ring[:, 0], ring[:, 1], edge, width_pt)

    def line(
        self, lon: Any, lat: Any, color: str, width_pt: float, alpha: float = 1.0,
        dashes_pt: tuple[float, float] | None = None,
    ) -> None:  # fmt: skip
        """A polyline (degrees); ``dashes_pt`` (on, off) in points makes it dashed."""
        pts = self._pts(lon, lat)
        if len(pts) < 2:
            return
        rgba, w = hex_rgb(color, alpha), self._w(width_pt)
        if dashes_pt is None:
            self.draw.line(pts, fill=rgba, width=w, joint="curve")
            return
        for seg in _dash(np.asarray(pts), *(d * PX_PER_PT * SUPERSAMPLE for d in dashes_pt)):
            self.draw.line([tuple(p) for p in seg.tolist()], fill=rgba, width=w)

    def dots(self, lon: Any, lat: Any, color: str, size_pt: float, edge: str | None = None) -> None:
        """Round markers ``size_pt`` across (matplotlib's ``markersize``)."""
        col, row = self.px(lon, lat)
        r = 0.5 * size_pt * PX_PER_PT * SUPERSAMPLE
        for x, y in zip(col.tolist(), row.tolist(), strict=True):
            self.draw.ellipse((x - r, y - r, x + r, y + r), fill=hex_rgb(color),
                              outline=hex_rgb(edge) if edge else None)  # fmt: skip

    def star(self, lon: float, lat: float, color: str, size_pt: float, edge: str) -> None:
        """A five-pointed star ``size_pt`` across (matplotlib's ``"*"`` marker)."""
        col, row = self.px(lon, lat)
        self._star(float(col), float(row), size_pt * PX_PER_PT * SUPERSAMPLE, color, edge)

    def _star(self, x: float, y: float, size: float, color: str, edge: str) -> None:
        k = np.arange(10)
        r = np.where(k % 2 == 0, 0.5 * size, 0.5 * size * 0.381966)
        a = np.pi / 2 + k * np.pi / 5
        pts = list(zip((x + r * np.cos(a)).tolist(), (y - r * np.sin(a)).tolist(), strict=True))
        self.draw.polygon(pts, fill=hex_rgb(color), outline=hex_rgb(edge), width=SUPERSAMPLE)

    def raster(self, rgba: np.ndarray[Any, Any], extent: tuple[float, float, float, float]) -> None:
        """An RGBA float image (row 0 south, values 0-1) laid over ``extent`` (degrees),
        clipped to the map frame, each cell a block of pixels (no smoothing)."""
        e0, e1, f0, f1 = extent
        (c0, c1), (r1, r0) = self.px([e0, e1], [f0, f1])
        w, h = round(c1 - c0), round(r1 - r0)
        if w <= 0 or h <= 0:
            return
        img = Image.fromarray(np.ascontiguousarray((rgba[::-1] * 255).round().astype(np.uint8)))
        img = img.resize((w, h), Image.Resampling.NEAREST)
        frame = self._frame_px()
        ox, oy = round(c0), round(r0)
        crop = (max(frame[0] - ox, 0), max(frame[1] - oy, 0),
                min(frame[2] - ox, w), min(frame[3] - oy, h))  # fmt: skip
        if crop[2] <= crop[0] or crop[3] <= crop[1]:
            return
        piece = img.crop(crop)
        self.image.paste(piece, (ox + crop[0], oy + crop[1]), piece)

    def text(
        self,
        lon: float,
        lat: float,
        text: str,
        color: str,
        size_pt: float,
        alpha: float = 1.0,
        *,
        halo: bool = False,
        anchor: str = "ls",
    ) -> None:
        """Text whose left end of the baseline is at the position (matplotlib's default;
        ``anchor`` as Pillow's, ``"rs"`` for the right end); with ``halo``, outlined in
        white so that it reads over the cloud and the lines."""
        col, row = self.px(lon, lat)
        self.draw.text((float(col), float(row)), text, fill=hex_rgb(color, alpha),
                       font=self._font(size_pt), anchor=anchor,
                       stroke_width=self._w(1.2) if halo else 0,
                       stroke_fill=(255, 255, 255, 230) if halo else None)  # fmt: skip

    @staticmethod
    def _font(size_pt: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        return _font(round(size_pt * PX_PER_PT * SUPERSAMPLE))

    # -- frame, axes and titles -------------------------------------------------------
    def _ticks(self) -> tuple[list[float], list[float]]:
        x0, x1, y0, y1 = self.view
        # a tick label every 60 px at the most across, 40 px up: a narrow map gets fewer
        return (nice_ticks(x0, x1, max(2, min(7, self.map_w // 60))),
                nice_ticks(y0, y1, max(2, min(7, self.map_h // 40))))  # fmt: skip

    def _frame_px(self) -> tuple[int, int, int, int]:
        s = SUPERSAMPLE
        return (self.left * s, self.top * s, (self.left + self.map_w) * s,
                (self.top + self.map_h) * s)  # fmt: skip

    def axes_grid(self, alpha: float = 0.3) -> None:
        """Grid lines at the ticks (drawn under the data, as matplotlib does)."""
        x0, _, y0, _ = self.view
        xt, yt = self._ticks()
        l_, t_, r_, b_ = self._frame_px()
        grid, w = hex_rgb("#b0b0b0", alpha), self._w(0.8)
        for v in xt:
            (c,), _ = self.px([v], [y0])
            self.draw.line([(c, t_), (c, b_)], fill=grid, width=w)
        for v in yt:
            _, (r,) = self.px([x0], [v])
            self.draw.line([(l_, r), (r_, r)], fill=grid, width=w)

    def axes_frame(self, xlabel: str, ylabel: str, title: str, title_pt: float = 10) -> None:
        """The frame, ticks with their labels, the axis labels and a centred title."""
        s = SUPERSAMPLE
        x0, _, y0, _ = self.view
        xt, yt = self._ticks()
        l_, t_, r_, b_ = self._frame_px()
        tick_len, pad = round(3.5 * PX_PER_PT * s), round(3.5 * PX_PER_PT * s)
        font, black, w = self._font(10), (0, 0, 0, 255), self._w(0.8)
        for v in xt:
            (c,), _ = self.px([v], [y0])
            self.draw.line([(c, b_), (c, b_ + tick_len)], fill=black, width=w)
            self.draw.text((c, b_ + tick_len + pad), _tick_label(v, xt), fill=black,
                           font=font, anchor="mt")  # fmt: skip
        for v in yt:
            _, (r,) = self.px([x0], [v])
            self.draw.line([(l_ - tick_len, r), (l_, r)], fill=black, width=w)
            self.draw.text((l_ - tick_len - pad, r), _tick_label(v, yt), fill=black,
                           font=font, anchor="rm")  # fmt: skip
        self.draw.rectangle((l_, t_, r_, b_), outline=black, width=w)
        # axis labels: at the image's bottom edge; at its left edge, turned
        self.draw.text((0.5 * (l_ + r_), self.image.height - pad), xlabel, fill=black,
                       font=font, anchor="md")  # fmt: skip
        box = font.getbbox(ylabel, anchor="lt")
        label = Image.new("RGBA", (int(box[2]) + 2 * s, int(box[3]) + 2 * s), (0, 0, 0, 0))
        ImageDraw.Draw(label).text((s, s), ylabel, fill=black, font=font, anchor="lt")
        label = label.rotate(90, expand=True)
        self.image.paste(label, (pad, round(0.5 * (t_ + b_) - 0.5 * label.height)), label)
        # the title: its last line a few points above the frame,
        # over the map's middle, moved in where it would stick out of the image
        tfont = self._font(title_pt)
        half = 0.5 * max(tfont.getbbox(line)[2] for line in title.split("\n"))
        edge = 4 * s
        mid = min(max(0.5 * (l_ + r_), half + edge), self.image.width - half - edge)
        self.draw.multiline_text((mid, t_ - round(6 * PX_PER_PT * s)), title, fill=black,
                                 font=tfont, anchor="md", align="center")  # fmt: skip

    def scale_bar(self, corner: str, size_pt: float = 8) -> float:
        """A scale bar in nautical miles in ``corner`` of the map (``"lower left"``, ...),
        on a white backdrop: about a fifth of the map's width at its mid latitude, rounded
        to 1, 2 or 5 times a power of ten. Returns its length, nautical miles."""
        s = SUPERSAMPLE
        x0, x1, y0, y1 = self.view
        nm_per_deg = 60.0 * float(np.cos(np.radians(0.5 * (y0 + y1))))
        target_nm = 0.2 * (x1 - x0) * nm_per_deg
        length_nm = nice_length(target_nm)
        bar = length_nm / nm_per_deg / (x1 - x0) * self.map_w * s  # drawing pixels
        font = self._font(size_pt)
        label = f"{length_nm:g} nm"
        text_h = font.getbbox(label)[3]
        pad = round(0.5 * size_pt * PX_PER_PT * s)
        thick = round(0.35 * size_pt * PX_PER_PT * s)
        w, h = bar + 2 * pad, text_h + thick + 3 * pad
        l_, t_, r_, b_ = self._frame_px()
        x = l_ + pad if "left" in corner else r_ - pad - w
        y = t_ + pad if "upper" in corner else b_ - pad - h
        self.draw.rectangle((x, y, x + w, y + h), fill=(255, 255, 255, round(0.85 * 255)))
        bx, by = x + pad, y + h - pad - thick
        half = 0.5 * bar
        self.draw.rectangle((bx, by, bx + half, by + thick), fill=(0, 0, 0, 255))
        self.draw.rectangle((bx + half, by, bx + bar, by + thick), fill=(255, 255, 255, 255),
                            outline=(0, 0, 0, 255), width=max(1, s))  # fmt: skip
        self.draw.text((bx + half, by - pad), label, fill=(0, 0, 0, 255), font=font, anchor="md")
        return length_nm

    def legend(self, entries: list[LegendEntry], corner: str, size_pt: float = 8) -> None:
        """A legend box in ``corner`` of the map (``"upper left"``, ...), 85 % opaque."""
        s = SUPERSAMPLE
        font = self._font(size_pt)
        line_h = round(size_pt * 1.7 * PX_PER_PT * s)
        handle_w = round(2.0 * size_pt * PX_PER_PT * s)
        gap, pad = round(0.8 * size_pt * PX_PER_PT * s), round(0.5 * size_pt * PX_PER_PT * s)
        text_w = max(font.getbbox(e.label)[2] for e in entries)
        w = pad + handle_w + gap + int(text_w) + pad
        h = pad + line_h * len(entries) + pad
        margin = round(0.5 * size_pt * PX_PER_PT * s)
        l_, t_, r_, b_ = self._frame_px()
        x = l_ + margin if "left" in corner else r_ - margin - w
        y = t_ + margin if "upper" in corner else b_ - margin - h
        self.draw.rounded_rectangle((x, y, x + w, y + h), radius=round(2 * PX_PER_PT * s),
                                    fill=(255, 255, 255, round(0.85 * 255)),
                                    outline=(204, 204, 204, 255), width=self._w(0.8))  # fmt: skip
        for k, e in enumerate(entries):
            cy = y + pad + line_h * k + 0.5 * line_h
            hx0, hx1 = x + pad, x + pad + handle_w
            color = hex_rgb(e.color)
            if e.kind in ("line", "line+dot"):
                self.draw.line([(hx0, cy), (hx1, cy)], fill=color, width=self._w(e.width_pt))
            if e.kind in ("dot", "line+dot", "square"):
                r = 0.5 * e.width_pt * PX_PER_PT * s
                cx = 0.5 * (hx0 + hx1)
                if e.kind == "square":
                    self.draw.rectangle((cx - r, cy - r, cx + r, cy + r), fill=color)
                else:
                    self.draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=color)
            if e.kind == "star":
                self._star(0.5 * (hx0 + hx1), cy, e.width_pt * PX_PER_PT * s, e.color, "#000000")
            self.draw.text((hx1 + gap, cy), e.label, fill=(0, 0, 0, 255), font=font, anchor="lm")

    def save(self, path: Path, compress_level: int = 3) -> Path:
        """Reduce to the final size and write a PNG (no metadata: the same bytes each time)."""
        self.image.reduce(SUPERSAMPLE).save(path, format="PNG", compress_level=compress_level)
        return path


def _dash(pts: np.ndarray[Any, Any], on: float, off: float) -> list[np.ndarray[Any, Any]]:
    """The dashes of a polyline ``pts`` (pixels): pieces ``on`` long every ``on + off``."""
    seg = np.diff(pts, axis=0)
    seg_len = np.hypot(seg[:, 0], seg[:, 1])
    dist = np.concatenate([[0.0], np.cumsum(seg_len)])
    total = float(dist[-1])
    out: list[np.ndarray[Any, Any]] = []
    start = 0.0
    while start < total:
        end = min(start + on, total)
        inner = (dist > start) & (dist < end)
        ds = np.concatenate([[start], dist[inner], [end]])
        xs = np.interp(ds, dist, pts[:, 0])
        ys = np.interp(ds, dist, pts[:, 1])
        out.append(np.column_stack([xs, ys]))
        start += on + off
    return out
