"""Shared fixtures. The coastline cache is built once per machine (~20 s) in the
user cache directory, exactly as a user's first call would."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def land_mask():
    from sarwatch.geo.coast import land_mask as build

    return build()
