"""Fetch forecasts into the station's forcing library, provider by provider.

Each kind of forcing has an ordered list of providers (winds: ECMWF open data, then
GFS): the first whose plan and downloads all succeed serves it. A fetch is cut into
items (a forecast step, a day of a product); an item already in the library and
intact is skipped, so an interrupted fetch resumes where it stopped. Downloads land in
the library's staging folder (``.staging``) and enter the library only through
:meth:`~sarwatch.services.forcing_library.ForcingLibrary.add`, which checks them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sarwatch.adapters.forecast.base import CENTRAL_MED_BOX, FetchRequest
from sarwatch.errors import ForcingError, NotFoundError
from sarwatch.services.forcing_library import ForcingLibrary, LibraryEntry

__all__ = [
    "CENTRAL_MED_BOX",
    "KINDS",
    "FetchReport",
    "FetchRequest",
    "fetch_forecasts",
    "providers_for",
]

Progress = Callable[[int, int, str], None]


@dataclass
class FetchReport:
    """What a fetch did: per kind, the provider that served it and the files."""

    added: list[LibraryEntry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _have(library: ForcingLibrary, name: str) -> bool:
    try:
        entry = library.get(name)
    except NotFoundError:
        return False
    return library.verify(entry)


def fetch_forecasts(
    library: ForcingLibrary,
    kinds: Sequence[tuple[str, Sequence[Any]]],
    request: Any,
    *,
    progress: Progress | None = None,
) -> FetchReport:
    """Fetch each kind of forcing from the first of its providers that serves it.

    Parameters
    ----------
    library
        The station's forcing library.
    kinds
        ``(kind, providers)`` pairs, e.g. ``("winds", [EcmwfOpenData(), Gfs()])``; each
        provider has ``plan(request)`` and ``fetch(item, staging)``.
    request
        The :class:`~sarwatch.adapters.forecast.base.FetchRequest` (area, period, now).
    progress
        Called as ``progress(done, total, item_name)`` after each item.

    Returns
    -------
    FetchReport
        Files added, items skipped (already in the library), one line per kind, and the
        failures (a kind that no provider served).
    """
    report = FetchReport()
    staging = library.root / ".staging"

    def plan(kind: str, provider: Any) -> list[Any] | None:
        try:
            return list(provider.plan(request))
        except Exception as exc:  # a provider down (network, no run) is a line, not a crash
            report.failed.append(f"{kind}: {provider.provider}: {_reason(exc)}")
            return None

    # the first provider of each kind is planned up front (the progress bar's total); a
    # fallback only when the one before it fails
    first = {kind: plan(kind, providers[0]) if providers else None for kind, providers in kinds}
    total = sum(len(items or []) for items in first.values())
    done = 0
    for kind, providers in kinds:
        served = False
        for k, provider in enumerate(providers):
            items = first[kind] if k == 0 else plan(kind, provider)
            if items is None:
                continue
            if k > 0:
                total += len(items)
            added, skipped = [], []
            try:
                for item in items:
                    if _have(library, item.name):
                        skipped.append(item.name)
                    else:
                        download = provider.fetch(item, staging)
                        added.append(
                            library.add(
                                download.path, provider=item.provider,
                                product_id=item.product_id, run_time=item.run_time,
                                name=item.name, move=True, source="fetch",
                                expected_bytes=download.expected_bytes,
                                expected_sha256=download.expected_sha256,
                            )
                        )  # fmt: skip
                    done += 1
                    if progress is not None:
                        progress(done, total, item.name)
            except Exception as exc:  # the next provider serves the kind
                report.failed.append(f"{kind}: {provider.provider}: {_reason(exc)}")
                report.added.extend(added)
                continue
            report.added.extend(added)
            report.skipped.extend(skipped)
            runs = sorted({i.run_time.strftime("%Y-%m-%dT%H:%MZ") for i in items if i.run_time})
            report.lines.append(
                f"{kind}: {provider.provider} {provider.product_id} run {', '.join(runs)}: "
                f"{len(added)} files fetched, {len(skipped)} already in the library"
            )
            served = True
            break
        if not served:
            report.lines.append(f"{kind}: not fetched (see the warnings)")
    return report


def _reason(exc: Exception) -> str:
    """One line: a sarwatch error as it is; another (network, client) with its class."""
    if isinstance(exc, ForcingError):
        return str(exc)
    return f"{type(exc).__name__}: {str(exc)[:300]}"


#: The kinds a fetch gets by default, in order.
KINDS = ("currents", "waves", "winds")


def providers_for(
    kinds: Sequence[str] = KINDS,
    *,
    ecmwf_url: str | None = None,
    gfs_url: str | None = None,
    cmems_subset: Callable[..., Any] | None = None,
) -> list[tuple[str, list[Any]]]:
    """The providers of each kind: Copernicus Marine for currents and waves, ECMWF open
    data then GFS for winds; ``*_url`` point a client at a mirror."""
    from sarwatch.adapters.forecast import CopernicusMarine, EcmwfOpenData, Gfs

    table: dict[str, list[Any]] = {
        "currents": [CopernicusMarine("currents", subset=cmems_subset)],
        "waves": [CopernicusMarine("waves", subset=cmems_subset)],
        "winds": [EcmwfOpenData(ecmwf_url), Gfs(gfs_url)],
    }
    unknown = [k for k in kinds if k not in table]
    if unknown:
        raise ForcingError(f"unknown forcing kind(s) {unknown}: choose from {', '.join(table)}")
    return [(k, table[k]) for k in kinds]
