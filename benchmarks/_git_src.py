"""The ``src`` tree of a git revision, for benchmarks that run it side by side with this one."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["export_src"]

ROOT = Path(__file__).resolve().parent.parent


def export_src(ref: str, into: Path) -> Path:
    """``src/`` of git revision ``ref`` extracted under ``into`` (created); returns its path."""
    into.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", ref, "src"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"
