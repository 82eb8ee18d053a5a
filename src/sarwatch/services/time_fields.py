"""Time fields of requests (the API's, the plan request's): ISO 8601 with a zone, or a UTC
time that ends in the word ``UTC``.

People copy times off sat-phone messages as ``2026-12-07 03:10 UTC``; pydantic's ISO
parser takes ``2026-12-07 03:10Z`` but not the word. :data:`UTC_WORD` turns the word
into the ``Z`` before the field is parsed (with
:func:`sarwatch.domain.events.utc_word_as_z`, the rule the CLI and the query
parameters use too); everything else is left to the field's own parsing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BeforeValidator

from sarwatch.domain.events import utc_word_as_z

__all__ = ["UTC_WORD", "AnyZoneTime", "UtcTime"]


def _utc_word(value: object) -> object:
    return utc_word_as_z(value) if isinstance(value, str) else value


#: A field validator that reads a trailing ``UTC`` as ``Z``.
UTC_WORD = BeforeValidator(_utc_word)
#: A time with a zone (a naive time is refused with 422); ``... UTC`` is read as UTC.
UtcTime = Annotated[AwareDatetime, UTC_WORD]
#: A time whose zone the route checks itself (with its own message); ``... UTC`` as UTC.
AnyZoneTime = Annotated[datetime, UTC_WORD]
