"""sarwatch: maritime search and rescue in the Central Mediterranean.

The package is layered (see ``docs/design/001-architecture.md``): the core
(:mod:`sarwatch.geo`, :mod:`sarwatch.drift`, :mod:`sarwatch.planning`,
:mod:`sarwatch.rules`, :mod:`sarwatch.domain`, :mod:`sarwatch.ledger`) is pure;
:mod:`sarwatch.services` holds the use cases; :mod:`sarwatch.adapters` the edges
(files, database); :mod:`sarwatch.cli` and :mod:`sarwatch.web` deliver them.

Importing the package has no side effects: nothing is loaded, built or read
until a function asks for it.
"""

from sarwatch.errors import SarwatchError

__version__ = "0.1.0"

__all__ = ["SarwatchError", "__version__"]
