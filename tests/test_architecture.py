"""The import contracts (arrows point inwards) hold for the whole package, and the
wiring is explicit: a missing route or command module fails loudly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    found = str(exe) if exe.exists() else shutil.which("lint-imports")
    assert found, "import-linter is missing: pip install -e '.[dev]' (make test installs it)"
    # lint this checkout's sources, whichever sarwatch the environment has installed
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    )
    return subprocess.run([found], cwd=ROOT, capture_output=True, text=True, env=env)


def test_import_contracts_are_kept() -> None:
    out = _lint_imports()
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout
    for contract in (
        "The core knows nothing of delivery",
        "Services reach the store only through their ports",
        "Adapters do not import services",
        "Delivery reaches adapters only through the composition root",
    ):
        assert contract in out.stdout, f"the contract {contract!r} is no longer checked"


def test_importing_the_package_loads_nothing_heavy() -> None:
    code = (
        "import sys, sarwatch, sarwatch.cli.main, sarwatch.web.app;"
        "heavy = [m for m in ('numba', 'xarray', 'matplotlib', 'roaring_landmask', 'sqlalchemy')"
        " if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_missing_route_module_fails_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    """Routes are registered by name: a deleted module is an error, not a silent skip."""
    from sarwatch.settings import Settings
    from sarwatch.web.app import create_app

    monkeypatch.setitem(sys.modules, "sarwatch.web.routes.public", None)
    monkeypatch.delattr("sarwatch.web.routes.public", raising=False)
    with pytest.raises(ImportError, match=r"sarwatch\.web\.routes\.public"):
        create_app(Settings())


def test_a_missing_command_module_fails_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    import sarwatch.cli.main as cli_main

    monkeypatch.setitem(sys.modules, "sarwatch.cli.bundle", None)
    monkeypatch.delattr("sarwatch.cli.bundle", raising=False)
    monkeypatch.setattr(cli_main, "_registered", [])
    with pytest.raises(ImportError, match=r"sarwatch\.cli\.bundle"):
        cli_main.main(["--help"])
