"""The incident register as a source of statistics (monthly figures, with their source).

:class:`RegisterSeries` is a :class:`~sarwatch.services.statistics.StatisticsSource`: it
asks the register for its totals by month (``IncidentService.totals``, each event counted
once, merged reports adding nothing) and turns them into figures of the statistics'
series, each citing "the incident register of this station" and the date it was read:

- ``dead_missing_central_med``: every type; dead + missing, in months where some
  incident counts them;
- ``arrivals_italy`` / ``arrivals_malta``: ``arrival`` incidents whose place or country
  names Italy / Malta; survivors (people arrived);
- ``intercepted_libya`` / ``intercepted_tunisia``: ``interception_return`` incidents
  naming Libya / Tunisia; survivors (people returned).

A month without incidents gives no figure (an empty register is not a zero). ``until``
leaves out months that end later (the public API passes the public feed's delay).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from sarwatch.incidents import IncidentQuery, IncidentType, Totals
from sarwatch.services.statistics import Figure, SourceRef

if TYPE_CHECKING:
    from sarwatch.services.incidents import IncidentService

__all__ = ["REGISTER_SOURCE_ID", "RegisterSeries"]

REGISTER_SOURCE_ID = "register"


@dataclass(frozen=True)
class _Spec:
    kinds: tuple[str, ...]
    place: str
    value: Callable[[Totals], int | None]


def _dead_missing(t: Totals) -> int | None:
    return t.dead + t.missing if t.with_counts else None


def _people(t: Totals) -> int | None:
    return t.survivors if t.incidents and t.survivors else None


_SPECS: dict[str, _Spec] = {
    "dead_missing_central_med": _Spec((), "", _dead_missing),
    "arrivals_italy": _Spec(("arrival",), "Italy", _people),
    "arrivals_malta": _Spec(("arrival",), "Malta", _people),
    "intercepted_libya": _Spec(("interception_return",), "Libya", _people),
    "intercepted_tunisia": _Spec(("interception_return",), "Tunisia", _people),
}


class RegisterSeries:
    """Monthly figures from a station's incident register.

    Parameters
    ----------
    incidents
        The station's register (``IncidentService.for_cases(station.cases)``).
    now
        When the register is read (the figures' date); default: its clock.
    until
        Leave out months ending after this time (``None``: every month).
    """

    def __init__(
        self,
        incidents: IncidentService,
        *,
        now: datetime | None = None,
        until: datetime | None = None,
    ) -> None:
        self.incidents = incidents
        read = now if now is not None else incidents.clock()
        self.as_of = read.astimezone(UTC).date().isoformat()
        self.until = until
        self.source = SourceRef(
            REGISTER_SOURCE_ID,
            "sarwatch incident register of this station",
            "this station (incidents recorded and imported here, each with graded sources)",
            self.as_of,
            "monthly totals, each event once: dead + missing of all incidents; survivors of "
            "arrivals, and of interceptions and returns, whose place or country names the State",
        )

    def figures(self, series: frozenset[str], year_from: int, year_to: int) -> list[Figure]:
        """The register's monthly figures of ``series`` in ``year_from..year_to``."""
        start = datetime(year_from, 1, 1, tzinfo=UTC)
        end = datetime(year_to + 1, 1, 1, tzinfo=UTC)
        if self.until is not None:
            cut = self.until.astimezone(UTC)
            end = min(end, datetime(cut.year, cut.month, 1, tzinfo=UTC))  # whole months only
        if end <= start:
            return []
        out: list[Figure] = []
        for sid in sorted(series):
            spec = _SPECS.get(sid)
            if spec is None:
                continue
            kinds = tuple(IncidentType(k) for k in spec.kinds)
            query = IncidentQuery(start=start, end=end, kinds=kinds, place=spec.place)
            # (IncidentService names a method ``list``, which hides the builtin in its
            # annotations for mypy: the totals are a list of Totals)
            rows = cast("Iterable[Totals]", self.incidents.totals(query, by="month"))
            for t in rows:
                value = spec.value(t)
                if value is None:
                    continue
                year, month = int(t.period[:4]), int(t.period[5:7])
                out.append(Figure(sid, year, value, self.source, month=month, as_of=self.as_of))
        return out
