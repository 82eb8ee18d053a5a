"""The docstring examples of the assessment modules run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize(
    "name",
    [
        "sarwatch._files",
        "sarwatch.domain.case",
        "sarwatch.geo.geodesy",
        "sarwatch.geo.position",
        "sarwatch.geo.zones",
        "sarwatch.services.assess",
        "sarwatch.services.drift_runs",
    ],
)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
