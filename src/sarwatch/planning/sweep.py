"""Sweep width from the published tables, its corrections, and search effort.

The uncorrected sweep width W0 (nm) is read from ``data/sweep_widths.csv`` by
platform, eye height or altitude, object and meteorological visibility: 1,413 AMSA
NatSAR Manual rows (Tables D-5:3 to D-5:7, via alkeikei/sarplan) and 3,100 USCG
Addendum rows (COMDTINST M16130.2F, via canterbury-air-patrol/marine-sweep-width-data),
each with its source column. JP 3-50 says to interpolate in the tables: W0 is linear
in visibility between the printed columns and linear in height between the printed
heights; outside the printed range is an :class:`~sarwatch.errors.InputError`
(except above an open-ended ``>25 km`` / ``>40 km`` column, which covers it).

The corrected sweep width is ``W = W0 · fw · fv · ff`` (IAMSAR; search_planning.md §4):
weather ``fw`` (IAMSAR table by object size, the harsher of the wind and sea bands),
aircraft speed ``fv`` (USCG per object, AMSA D-5:8 by object group; 1 for vessels)
and fatigue ``ff`` (0.9 when fatigue is a factor), all from ``data/sweep_corrections.csv``.

Effort ``Z = W·V·T`` (nm²), coverage ``C = Z/A``, track spacing ``S = W/C``; the
effort factor ``fz`` (E² or E·L), relative effort ``Zr = Z/fz`` and cumulative relative
effort ``Zrc = ΣZr`` are the manual's (search_planning.md §4).

Examples
--------
>>> sw = corrected_sweep_width(platform="small_vessel", height_ft=14, object_name="Person in water",
...                            visibility_km=10, wind_kn=10)
>>> sw.w0_nm, sw.sweep_width_nm, sw.weather_factor
(0.5, 0.5, 1.0)
>>> round(effort_nm2(sweep_width_nm=0.5, speed_kn=10.0, hours=4.0), 6)
20.0
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

import numpy as np

from sarwatch.errors import DataError, InputError
from sarwatch.geo.units import M_PER_NM

__all__ = [
    "PLATFORMS",
    "SweepWidth",
    "TableRow",
    "corrected_sweep_width",
    "coverage",
    "cumulative_relative_effort",
    "effort_factor_nm2",
    "effort_nm2",
    "fatigue_factor",
    "relative_effort",
    "search_endurance_h",
    "speed_factor",
    "sweep_width_rows",
    "table_sweep_width_nm",
    "track_spacing_nm",
    "weather_factor",
]

_WIDTHS_FILE = "sweep_widths.csv"
_CORRECTIONS_FILE = "sweep_corrections.csv"

#: The platforms of the tables.
PLATFORMS = ("small_vessel", "merchant_ship", "fixed_wing", "helicopter")
_AIRCRAFT = ("fixed_wing", "helicopter")

WeatherTable = Literal["weather_iamsar", "weather_us_nsm", "weather_amsa_variant_NOT_IAMSAR"]


def _positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    v = float(value)
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        what = "non-negative" if allow_zero else "positive"
        raise InputError(f"{name} must be a {what} finite number, got {value!r}")
    return v


@dataclass(frozen=True)
class TableRow:
    """One printed sweep width (a row of ``data/sweep_widths.csv``).

    Attributes
    ----------
    platform
        One of :data:`PLATFORMS`.
    height_ft
        Eye height (vessels) or altitude (aircraft), feet; ``None`` for the merchant-ship table.
    object_name
        The search object as the source prints it.
    visibility_km
        Meteorological visibility of the column, km.
    open_ended
        The column covers every visibility above it (``>25 km``, ``>40 km``).
    w0_nm
        Uncorrected sweep width, nm.
    source, note
        Citation, and a remark when the row needs one.
    """

    platform: str
    height_ft: float | None
    object_name: str
    visibility_km: float
    open_ended: bool
    w0_nm: float
    source: str
    note: str


def _read(name: str) -> list[dict[str, str]]:
    try:
        text = resources.files("sarwatch.data").joinpath(name).read_text("utf-8")
    except OSError as exc:
        raise DataError(
            f"the packaged table {name} is unreadable ({exc}); reinstall sarwatch"
        ) from exc
    return list(csv.DictReader(io.StringIO(text)))


@lru_cache(maxsize=1)
def sweep_width_rows() -> tuple[TableRow, ...]:
    """All rows of the packaged sweep-width table.

    Examples
    --------
    >>> rows = sweep_width_rows()
    >>> len(rows), sorted({r.platform for r in rows}) == sorted(PLATFORMS)
    (4513, True)
    """
    try:
        return tuple(
            TableRow(
                platform=r["platform"],
                height_ft=float(r["eye_height_or_altitude"])
                if r["eye_height_or_altitude"]
                else None,
                object_name=r["object"],
                visibility_km=float(r["visibility_km"]),
                open_ended=r["visibility_printed"].startswith(">"),
                w0_nm=float(r["w0_nm"]),
                source=r["source"],
                note=r["note"],
            )
            for r in _read(_WIDTHS_FILE)
        )
    except (KeyError, ValueError) as exc:
        raise DataError(f"the packaged table {_WIDTHS_FILE} is malformed ({exc})") from exc


@lru_cache(maxsize=1)
def _corrections() -> tuple[dict[str, str], ...]:
    return tuple(_read(_CORRECTIONS_FILE))


def _fmt(values: Iterable[float]) -> str:
    return ", ".join(f"{v:g}" for v in sorted(set(values)))


def _object_rows(platform: str, object_name: str) -> list[TableRow]:
    if platform not in PLATFORMS:
        raise InputError(f"unknown platform {platform!r}: expected one of {', '.join(PLATFORMS)}")
    rows = [r for r in sweep_width_rows() if r.platform == platform]
    exact = [r for r in rows if r.object_name == object_name]
    if exact:
        return exact
    names = {r.object_name for r in rows if r.object_name.lower() == object_name.strip().lower()}
    if len(names) == 1:
        name = names.pop()
        return [r for r in rows if r.object_name == name]
    if names:
        raise InputError(
            f"object {object_name!r} is ambiguous in the {platform} tables: write it as one of "
            + " or ".join(repr(n) for n in sorted(names))
            + " (AMSA and USCG tables spell it differently)"
        )
    objects = sorted({r.object_name for r in rows})
    raise InputError(
        f"no {platform} sweep width for object {object_name!r}: give the unit's sweep_width_nm "
        "or one of the tables' objects: " + "; ".join(objects)
    )


def _interp_visibility(rows: list[TableRow], visibility_km: float, what: str) -> tuple[float, str]:
    rows = sorted(rows, key=lambda r: r.visibility_km)
    vis = np.array([r.visibility_km for r in rows])
    lo, hi = vis[0], vis[-1]
    if visibility_km < lo or (visibility_km > hi and not rows[-1].open_ended):
        raise InputError(
            f"visibility {visibility_km:g} km is outside the {what} table "
            f"({_fmt(vis)} km{' and above' if rows[-1].open_ended else ''}); "
            "give a visibility inside it or the unit's sweep_width_nm"
        )
    w = float(np.interp(visibility_km, vis, [r.w0_nm for r in rows]))
    return w, rows[0].source


def table_sweep_width_nm(
    *,
    platform: str,
    object_name: str,
    visibility_km: float,
    height_ft: float | None = None,
) -> tuple[float, str]:
    """The uncorrected sweep width W0 from the tables, nm, and its source.

    Parameters
    ----------
    platform
        ``small_vessel`` (eye height 8 or 14 ft), ``merchant_ship`` (bridge height, no
        ``height_ft``), ``fixed_wing`` or ``helicopter`` (altitude 300-3,000 ft).
    object_name
        As the table prints it (case-insensitive when unambiguous), e.g.
        ``"Person in water"``, ``"Power boat 8-12m"``, ``"Raft 6 person"``.
    visibility_km
        Meteorological visibility, km (interpolated between the printed columns).
    height_ft
        Eye height or altitude, feet (interpolated between the printed heights).

    Raises
    ------
    InputError
        Unknown platform or object, or a height or visibility outside the tables;
        the message names what the tables have.

    Examples
    --------
    >>> table_sweep_width_nm(platform="small_vessel", height_ft=14,
    ...                      object_name="Person in water", visibility_km=7.5)[0]   # (0.4+0.5)/2
    0.45
    >>> table_sweep_width_nm(platform="small_vessel", height_ft=46,
    ...                      object_name="Person in water", visibility_km=10)
    Traceback (most recent call last):
    ...
    sarwatch.errors.InputError: height 46 ft is outside the small_vessel table ... (8, 14 ft); ...
    """
    vis_km = _positive("visibility_km", visibility_km)
    rows = _object_rows(platform, object_name)
    obj = rows[0].object_name
    if platform == "merchant_ship":
        return _interp_visibility(rows, vis_km, f"{platform} {obj!r}")
    if height_ft is None:
        raise InputError(
            f"a {platform} needs height_ft (eye height or altitude); the table for {obj!r} has "
            f"{_fmt(r.height_ft for r in rows if r.height_ft is not None)} ft"
        )
    h = _positive("height_ft", height_ft)
    heights = sorted({r.height_ft for r in rows if r.height_ft is not None})
    if not heights[0] <= h <= heights[-1]:
        raise InputError(
            f"height {h:g} ft is outside the {platform} table for {obj!r} ({_fmt(heights)} ft); "
            "give a height inside it or the unit's sweep_width_nm"
        )
    below = max(x for x in heights if x <= h)
    above = min(x for x in heights if x >= h)
    w_lo, src = _interp_visibility(
        [r for r in rows if r.height_ft == below], vis_km, f"{platform} {below:g} ft {obj!r}"
    )
    if above == below:
        return w_lo, src
    w_hi, _ = _interp_visibility(
        [r for r in rows if r.height_ft == above], vis_km, f"{platform} {above:g} ft {obj!r}"
    )
    return w_lo + (w_hi - w_lo) * (h - below) / (above - below), src


_SMALL_RE = re.compile(r"person in water|raft|piw", re.IGNORECASE)


def _boat_length_m(object_name: str) -> float | None:
    """The largest length an object name states, metres (``None`` when it states none)."""
    name = object_name.replace("≤", "").replace("<", "").replace(">", "").replace("≥", "")
    ft = re.findall(r"(\d+(?:\.\d+)?)\s*ft", name)
    if ft:
        return max(float(x) for x in ft) * 0.3048
    m = re.findall(r"(\d+(?:\.\d+)?)\s*m\b", name)
    if m:
        return max(float(x) for x in m)
    return None


def _is_small(object_name: str) -> bool:
    """PIW, life raft, or a boat under 10 m (33 ft): the weather table's "small" objects."""
    if _SMALL_RE.search(object_name):
        return True
    if "ship" in object_name.lower():
        return False
    length = _boat_length_m(object_name)
    return length is not None and length < 10.0


def weather_factor(
    object_name: str,
    *,
    wind_kn: float | None = None,
    sea_m: float | None = None,
    table: WeatherTable = "weather_iamsar",
) -> float:
    """The weather correction fw (IAMSAR by default), the harsher of the wind and sea bands.

    Bands: winds below 15 kt and seas below 1 m; 15-25 kt or 1-1.5 m; above 25 kt or
    1.5 m. "Small" objects are persons in the water, life rafts and boats under 10 m
    (33 ft); the others are "large".

    Parameters
    ----------
    object_name
        The search object (as in the sweep-width table).
    wind_kn, sea_m
        On-scene wind, knots, and sea height, metres; at least one.
    table
        ``weather_iamsar``, ``weather_us_nsm`` (JP 3-50 Table D-1: bands at 15 and
        25 kt, seas 2-3 ft and above 4 ft) or ``weather_amsa_variant_NOT_IAMSAR``.

    Examples
    --------
    >>> weather_factor("Person in water", wind_kn=20), weather_factor("Ship 120ft", sea_m=2.0)
    (0.5, 0.9)
    """
    if wind_kn is None and sea_m is None:
        raise InputError("the weather correction needs wind_kn on scene or sea_m")
    wind = _positive("wind_kn", wind_kn, allow_zero=True) if wind_kn is not None else 0.0
    sea = _positive("sea_m", sea_m, allow_zero=True) if sea_m is not None else 0.0
    if table == "weather_us_nsm":
        ft = sea / 0.3048
        band = 2 if (wind > 25 or ft > 4) else 1 if (wind > 15 or ft >= 2) else 0
    else:
        band = 2 if (wind > 25 or sea > 1.5) else 1 if (wind >= 15 or sea >= 1.0) else 0
    if band == 0:
        return 1.0
    small = _is_small(object_name)
    rows = [r for r in _corrections() if r["kind"] == table]
    if not rows:
        raise InputError(f"unknown weather table {table!r}")
    prefix = (
        ("winds >25" if band == 2 else "winds >15")
        if table == "weather_us_nsm"
        else ("winds >25" if band == 2 else "winds 15-25")
    )
    row = next(
        r
        for r in rows
        if r["condition"].startswith(prefix)
        and r["object_group"].lower().startswith(("small", "piw")) == small
    )
    return float(row["factor"])


def _speed_group(object_name: str) -> str | None:
    """The AMSA D-5:8 speed-correction group of an AMSA object name."""
    n = object_name.lower()
    if "person in water" in n:
        return "Person in water"
    m = re.search(r"life raft, (\d+) person", n)
    if m:
        return "Raft, 1-4 person" if int(m.group(1)) <= 4 else "Raft, 6-25 person"
    if n.startswith("ship"):
        return "Ship >27 m"
    length = _boat_length_m(object_name)
    if length is None:
        return None
    kind = "Sail boat" if n.startswith("sail") else "Power boat"
    bands: tuple[tuple[float, str], ...]
    if kind == "Power boat":
        bands = ((8.0, "<8 m"), (12.0, "10 m"), (20.0, "16 m"), (math.inf, "24 m"))
    else:
        bands = ((8.0, "<8 m"), (15.0, "12 m"), (math.inf, "25 m"))
    label = next(lab for top, lab in bands if length <= top)
    return f"{kind} {label}"


def speed_factor(platform: str, object_name: str, speed_kn: float) -> float:
    """The aircraft speed correction fv (1 for vessels).

    USCG rows per object (``Aircraft_speed_modifier.csv``), AMSA D-5:8 rows per object
    group; linear between the printed speeds, the end value beyond them (the AMSA
    fixed-wing column reads "≤150 kt").

    Examples
    --------
    >>> speed_factor("helicopter", "Person in Water", 75.0)   # between 1.5 (60) and 1.0 (90)
    1.25
    >>> speed_factor("small_vessel", "Person in water", 10.0)
    1.0
    """
    v = _positive("speed_kn", speed_kn)
    if platform not in _AIRCRAFT:
        return 1.0
    rows = [r for r in _corrections() if r["kind"] == "speed" and r["platform"] == platform]
    mine = [r for r in rows if r["object_group"] == object_name]
    if not mine:
        group = _speed_group(object_name)
        mine = [r for r in rows if r["object_group"] == group]
    if not mine:
        raise InputError(
            f"no {platform} speed correction for object {object_name!r}: the table has "
            + "; ".join(sorted({r["object_group"] for r in rows}))
        )
    pts = sorted(
        (float(re.findall(r"(\d+) kt", r["condition"])[0]), float(r["factor"])) for r in mine
    )
    return float(np.interp(v, [p[0] for p in pts], [p[1] for p in pts]))


def fatigue_factor(fatigue: bool) -> float:
    """The fatigue correction ff: 0.9 when crew fatigue is a factor, else 1 (AMSA).

    Examples
    --------
    >>> fatigue_factor(True), fatigue_factor(False)
    (0.9, 1.0)
    """
    kind = "crew fatigue a factor" if fatigue else "crew fatigue not a factor"
    row = next(r for r in _corrections() if r["kind"] == "fatigue" and r["condition"] == kind)
    return float(row["factor"])


@dataclass(frozen=True, kw_only=True)
class SweepWidth:
    """A corrected sweep width and how it was made.

    Attributes
    ----------
    w0_nm
        Uncorrected sweep width from the tables, nm.
    weather_factor, speed_factor, fatigue_factor
        fw, fv, ff.
    sweep_width_nm
        W = W0·fw·fv·ff, nm.
    source
        The table row's source.
    """

    w0_nm: float
    weather_factor: float
    speed_factor: float
    fatigue_factor: float
    sweep_width_nm: float
    source: str

    @property
    def sweep_width_m(self) -> float:
        """W in metres."""
        return self.sweep_width_nm * M_PER_NM


def corrected_sweep_width(
    *,
    platform: str,
    object_name: str,
    visibility_km: float,
    height_ft: float | None = None,
    speed_kn: float | None = None,
    wind_kn: float | None = None,
    sea_m: float | None = None,
    fatigue: bool = False,
    weather_table: WeatherTable = "weather_iamsar",
) -> SweepWidth:
    """The corrected sweep width ``W = W0 · fw · fv · ff``.

    Parameters
    ----------
    platform, object_name, visibility_km, height_ft
        As :func:`table_sweep_width_nm`.
    speed_kn
        Search speed, knots (needed for aircraft: the speed correction).
    wind_kn, sea_m
        On-scene wind (knots) and sea (metres) for the weather correction; with
        neither, fw = 1.
    fatigue
        Crew fatigue is a factor.
    weather_table
        As :func:`weather_factor`.

    Examples
    --------
    >>> sw = corrected_sweep_width(platform="helicopter", height_ft=500,
    ...                            object_name="Raft 4 person", visibility_km=9.26,
    ...                            speed_kn=90, wind_kn=20, fatigue=True)
    >>> sw.w0_nm, sw.weather_factor, sw.speed_factor, sw.fatigue_factor, round(sw.sweep_width_nm, 4)
    (1.6, 0.5, 1.0, 0.9, 0.72)
    """
    w0, source = table_sweep_width_nm(
        platform=platform, object_name=object_name, visibility_km=visibility_km, height_ft=height_ft
    )
    fw = (
        1.0
        if wind_kn is None and sea_m is None
        else weather_factor(object_name, wind_kn=wind_kn, sea_m=sea_m, table=weather_table)
    )
    if platform in _AIRCRAFT and speed_kn is None:
        raise InputError(f"a {platform} needs its search speed_kn for the speed correction")
    fv = 1.0 if speed_kn is None else speed_factor(platform, object_name, speed_kn)
    ff = fatigue_factor(fatigue)
    return SweepWidth(
        w0_nm=w0,
        weather_factor=fw,
        speed_factor=fv,
        fatigue_factor=ff,
        sweep_width_nm=w0 * fw * fv * ff,
        source=source,
    )


def search_endurance_h(on_scene_endurance_h: float) -> float:
    """Search endurance: 85 % of on-scene endurance (JP 3-50 §532), hours.

    Examples
    --------
    >>> search_endurance_h(4.0)
    3.4
    """
    return round(0.85 * _positive("on_scene_endurance_h", on_scene_endurance_h), 12)


def effort_nm2(*, sweep_width_nm: float, speed_kn: float, hours: float) -> float:
    """Search effort ``Z = W·V·T``, nm².

    Examples
    --------
    >>> effort_nm2(sweep_width_nm=1.5, speed_kn=10.0, hours=3.0)
    45.0
    """
    return (
        _positive("sweep_width_nm", sweep_width_nm)
        * _positive("speed_kn", speed_kn)
        * _positive("hours", hours)
    )


def effort_factor_nm2(
    datum_kind: str, total_probable_error_nm: float, *, divergence_or_line_nm: float = 0.0
) -> float:
    """Effort factor fz, nm²: E² for point and divergence datums, E·(DD + 2E) for a line.

    For a line datum ``divergence_or_line_nm`` is the line's length (as sarplan does).

    Examples
    --------
    >>> effort_factor_nm2("point", 4.0), effort_factor_nm2("line", 4.0, divergence_or_line_nm=20.0)
    (16.0, 112.0)
    """
    e = _positive("total_probable_error_nm", total_probable_error_nm)
    if datum_kind in ("point", "divergence"):
        return e * e
    if datum_kind == "line":
        return e * (_positive("line length", divergence_or_line_nm, allow_zero=True) + 2 * e)
    raise InputError(f"unknown datum kind {datum_kind!r}: expected point, divergence or line")


def relative_effort(total_effort_nm2: float, effort_factor: float) -> float:
    """Relative effort ``Zr = Zta / fz`` (dimensionless).

    Examples
    --------
    >>> relative_effort(64.0, 16.0)
    4.0
    """
    return _positive("total_effort_nm2", total_effort_nm2, allow_zero=True) / _positive(
        "effort_factor", effort_factor
    )


def cumulative_relative_effort(relative_efforts: Iterable[float]) -> float:
    """Cumulative relative effort ``Zrc = Σ Zr`` over the searches so far.

    Examples
    --------
    >>> cumulative_relative_effort([0.8, 1.2])
    2.0
    """
    return float(sum(_positive("relative effort", z, allow_zero=True) for z in relative_efforts))


def coverage(effort: float, area_nm2: float) -> float:
    """Coverage ``C = Z / A`` (dimensionless); ``effort`` in nm².

    Examples
    --------
    >>> coverage(45.0, 90.0)
    0.5
    """
    return _positive("effort_nm2", effort, allow_zero=True) / _positive("area_nm2", area_nm2)


def track_spacing_nm(sweep_width_nm: float, coverage_value: float) -> float:
    """Track spacing ``S = W / C``, nm.

    Examples
    --------
    >>> track_spacing_nm(1.5, 0.5)
    3.0
    """
    return _positive("sweep_width_nm", sweep_width_nm) / _positive("coverage", coverage_value)
