"""Statistics with provenance: arrivals, interceptions and returns, dead and missing.

The figures monitors quote about the Central Mediterranean, each with where it comes
from and the date its source gives. A number is never shown without its source:

- every :class:`Figure` is one value from one source, with the source's date and any
  flag the source file carries (``stats_central_med.csv`` has a ``flags`` column: the
  2014–2015 death figures are known to be mis-parsed in that file, 2025 is partial);
- a :class:`Statistic` is one series in one period with every figure that sources give
  for it. Its :attr:`~Statistic.value` is the first usable figure in source order; when
  usable figures disagree, :attr:`~Statistic.status` says ``"sources differ"`` and every
  figure is shown; a flagged figure is shown with its flag, never used as the value.

Figures come from :class:`StatisticsSource` objects. :class:`PackagedSeries` reads the
files shipped in ``sarwatch/data`` (``stats_central_med.csv`` as compiled, and
``stats_sources.json``: which column is which series and source, the flag rules, and
figures from other sources). The incident register is a second source of the same
shape (monthly figures; :class:`~sarwatch.services.statistics_register.RegisterSeries`):
pass it in ``sources``.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal, Protocol

from sarwatch.errors import DataError, InputError

__all__ = [
    "Figure",
    "PackagedSeries",
    "SeriesInfo",
    "SourceRef",
    "Statistic",
    "StatisticsSource",
    "StatisticsTable",
    "chart",
    "series_info",
    "statistics",
]

_CSV = "stats_central_med.csv"
_META = "stats_sources.json"

#: The earliest and latest year a request may name (sanity bounds, not data bounds).
YEAR_MIN, YEAR_MAX = 1990, 2100

Period = Literal["year", "month"]


@dataclass(frozen=True)
class SeriesInfo:
    """One statistic's name as people read it, and its unit."""

    id: str
    label: str
    unit: str


@dataclass(frozen=True)
class SourceRef:
    """Where figures come from.

    Attributes
    ----------
    id
        Short key (``iom_med_2025``).
    name, publisher
        As cited.
    as_of
        The date the source states its figures as of (ISO date), ``None`` if it does not.
    via
        How the figures reached sarwatch (the derived file, the summing).
    url
        Public reference, if any.
    """

    id: str
    name: str
    publisher: str
    as_of: str | None = None
    via: str = ""
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "id": self.id,
            "name": self.name,
            "publisher": self.publisher,
            "as_of": self.as_of,
            "via": self.via,
            "url": self.url,
        }


@dataclass(frozen=True)
class Figure:
    """One number from one source.

    Attributes
    ----------
    series
        A key of :data:`SERIES`.
    year, month
        The period (``month`` 1–12, ``None`` for a year's total).
    value
        People (a count).
    source
        Where it comes from.
    as_of
        The date of this figure (ISO date; the source's date unless the figure has its own).
    flag
        The source's own warning about this figure ("" if none).
    usable
        ``False`` when the flag says not to use the figure (it is shown, never used).
    status
        ``"ok"``, ``"preliminary"`` or ``"flagged"``.
    """

    series: str
    year: int
    value: int
    source: SourceRef
    month: int | None = None
    as_of: str | None = None
    flag: str = ""
    usable: bool = True
    status: str = "ok"

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (the source by id; its details are in the table's ``sources``)."""
        return {
            "value": self.value,
            "source": self.source.id,
            "source_name": self.source.name,
            "as_of": self.as_of,
            "flag": self.flag or None,
            "usable": self.usable,
            "status": self.status,
        }


@dataclass(frozen=True)
class Statistic:
    """One series in one period, with every source's figure for it."""

    series: str
    year: int
    month: int | None
    figures: tuple[Figure, ...] = ()

    @property
    def usable(self) -> tuple[Figure, ...]:
        """The figures that may be quoted."""
        return tuple(f for f in self.figures if f.usable)

    @property
    def value(self) -> int | None:
        """The first usable figure (source order), ``None`` when there is none."""
        usable = self.usable
        return usable[0].value if usable else None

    @property
    def source(self) -> SourceRef | None:
        """The source of :attr:`value`."""
        usable = self.usable
        return usable[0].source if usable else None

    @property
    def status(self) -> str:
        """``"no data"``, ``"flagged"`` (only unusable figures), ``"sources differ"``,
        ``"preliminary"`` or ``"ok"``."""
        usable = self.usable
        if not self.figures:
            return "no data"
        if not usable:
            return "flagged"
        if len({f.value for f in usable}) > 1:
            return "sources differ"
        if any(f.status == "preliminary" for f in usable):
            return "preliminary"
        return "ok"

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: the value, its source and date, the status, every figure."""
        source = self.source
        first = self.usable[0] if self.usable else None
        return {
            "series": self.series,
            "year": self.year,
            "month": self.month,
            "value": self.value,
            "source": source.id if source else None,
            "as_of": first.as_of if first else None,
            "status": self.status,
            "figures": [f.to_json() for f in self.figures],
        }


@dataclass(frozen=True)
class StatisticsTable:
    """The answer of :func:`statistics`: rows by series then period, and the sources."""

    year_from: int
    year_to: int
    by: Period
    series: tuple[SeriesInfo, ...]
    rows: tuple[Statistic, ...]
    sources: tuple[SourceRef, ...] = field(default=())

    def get(self, series: str, year: int, month: int | None = None) -> Statistic:
        """The row of one series and period (:class:`InputError` if not in the table)."""
        for row in self.rows:
            if (row.series, row.year, row.month) == (series, year, month):
                return row
        raise InputError(f"no row for {series} {year}{'' if month is None else f'-{month:02d}'}")

    def to_json(self) -> dict[str, Any]:
        """The JSON of ``sarwatch stats --json`` and ``GET /api/stats``."""
        return {
            "from": self.year_from,
            "to": self.year_to,
            "by": self.by,
            "series": [{"id": s.id, "label": s.label, "unit": s.unit} for s in self.series],
            "sources": {s.id: s.to_json() for s in self.sources},
            "rows": [r.to_json() for r in self.rows],
        }


class StatisticsSource(Protocol):
    """Something that gives figures (the packaged series; the incident register)."""

    def figures(self, series: frozenset[str], year_from: int, year_to: int) -> list[Figure]:
        """Every figure for ``series`` in ``year_from..year_to`` (years and/or months)."""
        ...


def _read_text(name: str) -> str:
    return resources.files("sarwatch.data").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _meta() -> dict[str, Any]:
    meta: dict[str, Any] = json.loads(_read_text(_META))
    return meta


def series_info() -> dict[str, SeriesInfo]:
    """The known series by key, in display order (from the packaged metadata).

    Examples
    --------
    >>> list(series_info())[:2]
    ['arrivals_italy', 'arrivals_malta']
    """
    return {k: SeriesInfo(k, v["label"], v["unit"]) for k, v in _meta()["series"].items()}


def _source_refs() -> dict[str, SourceRef]:
    return {
        k: SourceRef(k, v["name"], v["publisher"], v.get("as_of"), v.get("via", ""), v.get("url"))
        for k, v in _meta()["sources"].items()
    }


class PackagedSeries:
    """The figures shipped with sarwatch (``data/stats_central_med.csv`` and
    ``data/stats_sources.json``), read once per instance."""

    def __init__(self) -> None:
        self._all = _packaged_figures()

    def figures(self, series: frozenset[str], year_from: int, year_to: int) -> list[Figure]:
        """Every packaged figure of ``series`` in ``year_from..year_to`` (yearly)."""
        return [f for f in self._all if f.series in series and year_from <= f.year <= year_to]


@lru_cache(maxsize=1)
def _packaged_figures() -> tuple[Figure, ...]:
    meta = _meta()
    refs = _source_refs()
    columns: dict[str, dict[str, str]] = meta["columns"]
    rules: list[dict[str, Any]] = meta["flag_rules"]
    out: list[Figure] = []
    reader = csv.DictReader(io.StringIO(_read_text(_CSV)))
    missing = set(columns) - set(reader.fieldnames or ())
    if missing:
        raise DataError(f"packaged {_CSV} lacks the columns {sorted(missing)}; reinstall sarwatch")
    for line in reader:
        year = int(line["year"])
        flag = (line.get("flags") or "").strip()
        for column, spec in columns.items():
            text = (line[column] or "").strip()
            if not text:
                continue
            usable, status = True, "ok"
            for rule in rules:
                applies = rule["columns"] == "*" or column in rule["columns"]
                if flag and applies and rule["contains"] in flag:
                    usable, status = bool(rule["usable"]), str(rule["status"])
            source = refs[spec["source"]]
            out.append(
                Figure(
                    series=spec["series"],
                    year=year,
                    value=int(text),
                    source=source,
                    as_of=source.as_of,
                    flag=flag if status != "ok" else "",
                    usable=usable,
                    status=status,
                )
            )
    for item in meta["figures"]:
        source = refs[item["source"]]
        out.append(
            Figure(
                series=item["series"],
                year=int(item["year"]),
                value=int(item["value"]),
                source=source,
                month=item.get("month"),
                as_of=item.get("as_of", source.as_of),
                flag=item.get("flag", ""),
                usable=item.get("usable", True),
                status=item.get("status", "ok"),
            )
        )
    return tuple(out)


def _check_request(year_from: int, year_to: int, series: Iterable[str] | None) -> list[str]:
    known = series_info()
    # 'from' and 'to' name both the CLI's --from/--to and the API's from=/to=
    for name, year in (("from", year_from), ("to", year_to)):
        if isinstance(year, bool) or not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
            raise InputError(f"'{name}' must be a year {YEAR_MIN}–{YEAR_MAX}, got {year!r}")
    if year_from > year_to:
        raise InputError(
            f"'from' ({year_from}) is after 'to' ({year_to}); give the earlier year first"
        )
    chosen = list(series) if series else list(known)
    unknown = [s for s in chosen if s not in known]
    if unknown:
        raise InputError(
            f"unknown series {', '.join(map(repr, unknown))}; known: {', '.join(known)}"
        )
    return chosen


def _to_years(figures: list[Figure]) -> list[Figure]:
    """Yearly figures as they are; a source's monthly figures summed into its year."""
    out = [f for f in figures if f.month is None]
    months: dict[tuple[str, int, str], list[Figure]] = defaultdict(list)
    for f in figures:
        if f.month is not None:
            months[(f.series, f.year, f.source.id)].append(f)
    for (series, year, _), group in months.items():
        n = len({f.month for f in group})
        usable = [f for f in group if f.usable]
        flag = "" if n == 12 else f"sum of {n} months with figures"
        out.append(
            Figure(
                series=series,
                year=year,
                value=sum(f.value for f in usable),
                source=group[0].source,
                as_of=max((f.as_of or "" for f in group), default="") or None,
                flag=flag,
                usable=bool(usable),
                status="ok" if n == 12 else "preliminary",
            )
        )
    return out


def statistics(
    year_from: int,
    year_to: int,
    *,
    series: Sequence[str] | None = None,
    by: Period = "year",
    sources: Sequence[StatisticsSource] | None = None,
) -> StatisticsTable:
    """The statistics of ``year_from..year_to`` with every figure's source and date.

    Parameters
    ----------
    year_from, year_to
        Calendar years, inclusive.
    series
        Keys of :func:`series_info` (default: all, in their order).
    by
        ``"year"`` (yearly figures; monthly ones summed per source) or ``"month"``
        (only sources with monthly figures: the packaged series are yearly).
    sources
        Where figures come from, in order of preference (default: the packaged series).

    Returns
    -------
    StatisticsTable
        One row per series and period (periods without figures included, status
        ``"no data"``), and the sources cited.

    Raises
    ------
    InputError
        For years out of order or out of range, an unknown series or period, or
        ``by="month"`` when no source has monthly figures.

    Examples
    --------
    >>> t = statistics(2016, 2016, series=["arrivals_italy"])
    >>> row = t.get("arrivals_italy", 2016)
    >>> row.value, row.source.id, row.status
    (181436, 'iom_med_2025', 'sources differ')
    >>> [(f.value, f.source.id) for f in row.figures]
    [(181436, 'iom_med_2025'), (182652, 'unhcr_italy_daily')]
    """
    if by not in ("year", "month"):
        raise InputError(f"by must be 'year' or 'month', got {by!r}")
    chosen = _check_request(year_from, year_to, series)
    wanted = frozenset(chosen)
    figures: list[Figure] = []
    for src in sources if sources is not None else (PackagedSeries(),):
        figures.extend(src.figures(wanted, year_from, year_to))
    if by == "year":
        figures = _to_years(figures)
    else:
        figures = [f for f in figures if f.month is not None]
        if not figures:
            raise InputError(
                "no monthly figures: the packaged series are yearly (ask for them by year); "
                "monthly figures come from the incident register once incidents are imported"
            )
    grouped: dict[tuple[str, int, int | None], list[Figure]] = defaultdict(list)
    for f in figures:
        grouped[(f.series, f.year, f.month)].append(f)
    periods: list[tuple[int, int | None]] = (
        [(y, None) for y in range(year_from, year_to + 1)]
        if by == "year"
        else [(y, m) for y in range(year_from, year_to + 1) for m in range(1, 13)]
    )
    rows = tuple(
        Statistic(s, y, m, tuple(grouped.get((s, y, m), ()))) for s in chosen for y, m in periods
    )
    cited: dict[str, SourceRef] = {}
    for row in rows:
        for f in row.figures:
            cited.setdefault(f.source.id, f.source)
    info = series_info()
    return StatisticsTable(
        year_from=year_from,
        year_to=year_to,
        by=by,
        series=tuple(info[s] for s in chosen),
        rows=rows,
        sources=tuple(cited.values()),
    )


def chart(table: StatisticsTable, *, fmt: str = "png", palette: str = "print") -> bytes:
    """The table drawn as a PNG or SVG chart (``palette`` ``"print"`` or ``"night"``).

    Raises
    ------
    InputError
        For an unknown format or palette.
    """
    from sarwatch.adapters.exports.charts import PALETTES, render_statistics_chart

    if fmt not in ("png", "svg"):
        raise InputError(f"a chart is written as .png or .svg, got {fmt!r}")
    if palette not in PALETTES:
        raise InputError(f"palette must be one of {', '.join(PALETTES)}, got {palette!r}")
    kind: Literal["png", "svg"] = "svg" if fmt == "svg" else "png"
    return render_statistics_chart(table.to_json(), fmt=kind, palette=palette)
