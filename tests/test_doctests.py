"""Every docstring example in the package runs and holds (``>>>`` lines are tests).

Modules are found by walking the package, so a new module's examples run without
being listed here; only the Alembic migration scripts, which act when imported,
are left out.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import sarwatch

#: Scripts run by Alembic, not modules to import.
_NOT_MODULES = ("sarwatch.adapters.store.migrations",)


def _modules() -> list[str]:
    names = ["sarwatch"]
    for info in pkgutil.walk_packages(sarwatch.__path__, prefix="sarwatch."):
        if not info.name.startswith(_NOT_MODULES):
            names.append(info.name)
    return sorted(names)


MODULES = _modules()


def _examples(name: str) -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    return [t for t in finder.find(importlib.import_module(name)) if t.examples]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in _examples(name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} fail"


def test_the_examples_are_found() -> None:
    """The walk reaches the modules known to carry examples (a broken walk is no pass)."""
    with_examples = {name for name in MODULES if _examples(name)}
    assert {"sarwatch.geo.geodesy", "sarwatch.geo.position", "sarwatch.records"} <= with_examples
    assert len(with_examples) >= 20
