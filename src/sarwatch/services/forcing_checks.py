"""Checks of forcing values before a run: a field with no data, a current of zeros.

The reader already refuses files that do not cover the run's area or time and units
that are not a speed; these checks look at the values of the window it read. A
gridded current or Stokes field that is missing (NaN) everywhere in the window has no
data for the run (the reader would count it as zero: no current at all); a current
that is exactly zero everywhere is a placeholder or a broken product (a real sea is
never still to the last bit over a whole area), and a run on it would silently drift
on the wind alone. Both are refused in one line.
"""

from __future__ import annotations

import numpy as np

from sarwatch.drift.forcing import VectorField
from sarwatch.errors import ForcingError

__all__ = ["check_field_values"]


def check_field_values(field: VectorField | None, role: str) -> None:
    """Refuse a gridded current or Stokes field that is all NaN, or a current of zeros.

    On-scene (uniform) fields are the user's numbers and pass. A wind of missing values
    stops every particle (``NO_FORCING``), which the run reports after its loop.

    Raises
    ------
    ForcingError
        What is wrong with the field, the window it was read for, and what to do.
    """
    if field is None or field.is_uniform:
        return
    window = f"{field.times[0]} to {field.times[-1]} UTC"
    finite = np.isfinite(field.u) & np.isfinite(field.v)
    if not finite.any() and role != "wind":  # all-NaN wind: every particle NO_FORCING
        raise ForcingError(
            f"{field.name}: every value is missing (NaN) in the run's window ({window}) and "
            "area; the file holds no data there (land only, or a broken download): fetch the "
            "forecast again, or give another file"
        )
    if role == "current" and not np.any(field.u[finite]) and not np.any(field.v[finite]):
        raise ForcingError(
            f"{field.name}: the current is exactly zero everywhere in the run's window "
            f"({window}) and area, which no ocean model gives: the file is a placeholder or "
            "broken; fetch the forecast again, or leave the current out (--current-kn for "
            "an on-scene value)"
        )
