"""Which library files drive a drift run: the freshest forecasts that cover it.

For each role the request leaves open (no files, no on-scene value), the library's
entries are grouped by product and forecast run; a group covers the run when its
files contain the start position and together span the run's window. The freshest
covering run is chosen; its files are checked against their SHA-256 from when they
entered the library. Every choice is said in one line (:attr:`RoleChoice.line`), and
what is refused or left out in one line too:

- a forecast whose run is older than ``max_age_h`` at the run's start is refused
  (:class:`~sarwatch.errors.ForcingError` naming the limit and how to change it);
- a role for which the library holds files, none covering the run's area and time,
  goes without (a warning line says which file came nearest and why it does not fit);
- a file changed since it entered the library is refused.

Stokes drift is not taken by default: the Leeway coefficients were fitted to drift
relative to the surface current and include the waves' push (give ``--stokes``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sarwatch.domain.case import require_utc
from sarwatch.errors import ForcingError
from sarwatch.geo.position import format_position
from sarwatch.services.forcing_library import ForcingLibrary, ForcingSource, LibraryEntry
from sarwatch.services.provenance import file_digest

if TYPE_CHECKING:
    from sarwatch.services.drift import DriftRequest

__all__ = ["DEFAULT_MAX_AGE_H", "LibraryChoice", "RoleChoice", "choose_role", "library_forcing"]

#: A forecast older than this at the run's start is refused (hours).
DEFAULT_MAX_AGE_H = 72.0
#: Largest gap between the valid times of two files of one run that counts as covered.
_MAX_GAP = timedelta(hours=12)


def _short(t: datetime | None) -> str:
    return "unknown" if t is None else t.strftime("%Y-%m-%dT%H:%MZ")


@dataclass(frozen=True)
class RoleChoice:
    """What drives one role of a run, and the line that says it."""

    role: str
    sources: tuple[ForcingSource, ...]
    line: str
    warning: bool = False


@dataclass(frozen=True)
class LibraryChoice:
    """The choices for every role of a run."""

    roles: tuple[RoleChoice, ...] = ()

    def lines(self) -> list[str]:
        """One line per role (``wind: ecmwf-opendata ifs-0p25 run ...``)."""
        return [r.line for r in self.roles]

    def warnings(self) -> list[str]:
        """The lines that warn (a role left without forcing although the library has some)."""
        return [r.line for r in self.roles if r.warning]

    def sources(self) -> tuple[ForcingSource, ...]:
        """Every library file chosen."""
        return tuple(s for r in self.roles for s in r.sources)

    def to_json(self) -> list[dict[str, object]]:
        """Plain JSON: per role the line, whether it warns, and the products chosen."""
        return [
            {
                "role": r.role,
                "line": r.line,
                "warning": r.warning,
                "products": [
                    {**s.product(), "file": s.path.name, "sha256": s.sha256} for s in r.sources
                ],
            }
            for r in self.roles
        ]


def _group_covers(
    files: list[LibraryEntry], lo: datetime, hi: datetime
) -> list[LibraryEntry] | None:
    """The files of one run needed for ``lo..hi``, or ``None`` if they leave a gap."""
    files = sorted(files, key=lambda e: e.start)
    if not files or files[0].start > lo or max(e.end for e in files) < hi:
        return None
    reach = files[0].end
    for e in files[1:]:
        if e.start > reach + _MAX_GAP:
            if reach < hi:
                return None
            break
        reach = max(reach, e.end)
    if reach < hi:
        return None
    before = max((e.start for e in files if e.start <= lo), default=lo)
    after = min((e.end for e in files if e.end >= hi), default=hi)
    return [e for e in files if e.end >= before and e.start <= after]


def choose_role(
    library: ForcingLibrary,
    role: str,
    *,
    lon: float,
    lat: float,
    start: datetime,
    end: datetime,
    max_age_h: float = DEFAULT_MAX_AGE_H,
) -> RoleChoice:
    """The freshest forecast run in the library that covers a run, for one role.

    Parameters
    ----------
    library
        The station's library.
    role
        ``current``, ``wind`` or ``stokes``.
    lon, lat
        The run's start, degrees.
    start, end
        The run's start and its last time (``end`` before ``start`` for backward runs),
        aware UTC.
    max_age_h
        A forecast run older than this at the run's start is refused, hours.

    Raises
    ------
    ForcingError
        The freshest covering forecast is older than ``max_age_h``; a chosen file
        changed since it entered the library.
    """
    lo, hi = min(start, end), max(start, end)
    where = format_position(lon, lat, decimals=2)
    entries = [e for e in library.entries() if role in e.roles]
    if not entries:
        return RoleChoice(role, (), f"{role}: none in the forcing library")
    groups: dict[tuple[str, str, str | None], list[LibraryEntry]] = {}
    for e in entries:
        if e.contains(lon, lat):
            groups.setdefault((e.provider, e.product_id, e.run_time), []).append(e)
    covering = []
    for (provider, product, run_time), files in groups.items():
        chosen = _group_covers(files, lo, hi)
        if chosen is not None:
            covering.append((run_time or "", provider, product, chosen))
    if not covering:
        nearest = max(entries, key=lambda e: (e.contains(lon, lat), e.run_time or "", e.end))
        why = (
            f"covers {_short(nearest.start)} to {_short(nearest.end)}"
            if nearest.contains(lon, lat)
            else "does not contain the start position (area "
            f"{nearest.area[0]:g}..{nearest.area[2]:g}°E, "
            f"{nearest.area[1]:g}..{nearest.area[3]:g}°N)"
        )
        return RoleChoice(
            role,
            (),
            f"{role}: no forecast in the library covers {where} from {_short(lo)} to "
            f"{_short(hi)} ({nearest.file} {why}); the run goes without {role} from the "
            "library: fetch one (`sarwatch forcing fetch`) or give on-scene values",
            warning=True,
        )
    covering.sort(key=lambda c: c[0], reverse=True)
    run_time, provider, product, chosen = covering[0]
    run = chosen[0].run
    age = None if run is None else (start - run).total_seconds() / 3600.0
    if age is not None and age > max_age_h:
        raise ForcingError(
            f"{role}: the freshest forecast covering the run, {provider} {product} run "
            f"{_short(run)}, is {age:.0f} h old at the run's start (limit {max_age_h:g} h): "
            "fetch a newer one (`sarwatch forcing fetch`), or accept it with "
            f"--max-forecast-age-h {age + 1:.0f}"
        )
    for e in chosen:
        path = library.path(e)
        if not path.is_file():
            raise ForcingError(
                f"{role}: the library file {e.file} is missing from {library.root} (deleted "
                "or moved since it entered the library): put it back, add it again "
                "(`sarwatch forcing add`), or remove its entry from "
                f"{library.index_path}"
            )
        if file_digest(path) != e.sha256:
            raise ForcingError(
                f"{role}: the library file {e.file} changed since it entered the library (its "
                f"SHA-256 is no longer {e.sha256[:12]}…): fetch it again, or remove it from "
                f"{library.index_path}"
            )
    listed = f"{len(chosen)} file{'s' if len(chosen) != 1 else ''}: " + ", ".join(
        e.file for e in chosen
    )
    sources = tuple(e.source_for(role, library.root) for e in chosen)
    if age is None:  # the age limit cannot hold it: say so, never pass it in silence
        line = (
            f"{role}: {provider} {product}, run time unknown: its age cannot be checked "
            f"against the {max_age_h:g} h limit (give the run time when adding a file: "
            f"`sarwatch forcing add FILE --run-time ...`), {listed}"
        )
        return RoleChoice(role, sources, line, warning=True)
    old = f"{age:.0f} h old at the start"
    line = f"{role}: {provider} {product} run {_short(run)} ({old}), {listed}"
    return RoleChoice(role, sources, line)


def library_forcing(
    req: DriftRequest,
    library: ForcingLibrary,
    *,
    max_age_h: float = DEFAULT_MAX_AGE_H,
) -> tuple[DriftRequest, LibraryChoice]:
    """The request with the library's freshest covering files for the roles it leaves open.

    Files given in the request and on-scene values take precedence (the on-scene
    wind is the override); the lines say so.

    Raises
    ------
    ForcingError
        See :func:`choose_role`.
    """
    if not library.entries():  # no library: nothing to say
        return req, LibraryChoice()
    start = require_utc(req.time, "start time")
    sign = -1 if req.backward else 1
    end = start + timedelta(hours=sign * req.hours)
    roles: list[RoleChoice] = []
    changes: dict[str, object] = {}
    wanted = {
        "wind": (req.winds, req.wind_kn is not None or bool(req.wind_obs), "winds"),
        "current": (req.currents, req.current_kn is not None or bool(req.current_obs), "currents"),
    }
    for role, (files, on_scene, field) in wanted.items():
        if files:
            roles.append(RoleChoice(role, (), f"{role}: files given ({len(files)})"))
            continue
        if on_scene:
            roles.append(RoleChoice(role, (), f"{role}: on-scene values (override)"))
            continue
        choice = choose_role(
            library, role, lon=req.lon, lat=req.lat, start=start, end=end, max_age_h=max_age_h
        )
        roles.append(choice)
        if choice.sources:
            changes[field] = tuple(s.path for s in choice.sources)
    sources = tuple(s for r in roles for s in r.sources)
    if not sources:
        return req, LibraryChoice(tuple(roles))
    return replace(req, forcing_sources=sources, **changes), LibraryChoice(tuple(roles))  # type: ignore[arg-type]
