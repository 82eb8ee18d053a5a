"""The station of one ``sarwatch`` invocation, for the commands that need one.

The root command (:mod:`sarwatch.cli.main`) opens a :class:`StationRef` for the
invocation; a command asks for :func:`station` and gets the one
:class:`~sarwatch.services.container.Station` of the invocation, built from settings loaded
once, on first use (``bundle verify`` and ``--help`` never read the environment
or open the store). The station is closed when the invocation ends.
"""

from __future__ import annotations

from contextvars import ContextVar

from sarwatch.services.container import Station
from sarwatch.settings import load_settings

__all__ = ["StationRef", "station"]

_current: ContextVar[StationRef | None] = ContextVar("sarwatch_cli_station", default=None)


class StationRef:
    """Builds the invocation's station on first use; :meth:`close` ends it."""

    def __init__(self) -> None:
        self._station: Station | None = None
        self._token = _current.set(self)

    def get(self, **overrides: object) -> Station:
        """The station; ``overrides`` (``serve --host/--port``) apply to the settings."""
        if self._station is None:
            self._station = Station(load_settings(**overrides))
        return self._station

    def close(self) -> None:
        """Close the station (if one was built) and forget it."""
        _current.reset(self._token)
        if self._station is not None:
            self._station.close()


def station(**overrides: object) -> Station:
    """The station of the running ``sarwatch`` command."""
    ref = _current.get()
    if ref is None:
        raise RuntimeError("sarwatch.cli.context.station() is for commands run by sarwatch.cli")
    return ref.get(**overrides)
