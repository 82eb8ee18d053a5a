"""Where a drift run writes, checked before the run starts.

A run's outputs may be evidence: their SHA-256 hashes can be in a case's ledger, so a
directory that already holds a run is not overwritten without ``--force``, and a path
that cannot be written is refused before minutes of computing, not after them.
"""

from __future__ import annotations

from pathlib import Path

from sarwatch.errors import InputError

__all__ = ["check_outputs"]


def check_outputs(out_dir: Path | None, summary_json: Path | None, *, force: bool = False) -> None:
    """Refuse, before the run, outputs that cannot be written or would replace a run's.

    Parameters
    ----------
    out_dir
        The output directory (``drift.nc`` ...), or ``None``.
    summary_json
        An extra summary file, or ``None``.
    force
        Replace the outputs of an earlier run in ``out_dir``.

    Raises
    ------
    InputError
        A path that cannot be written (read-only, ``/proc``, under a file), or an
        ``out_dir`` that holds an earlier run's outputs (their hashes may be in a
        case's ledger) when ``force`` is not given.
    """
    from sarwatch._files import check_writable
    from sarwatch.adapters.exports.drift import OUTPUT_NAMES

    if summary_json is not None:
        check_writable(Path(summary_json), "summary JSON")
    if out_dir is None:
        return
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"--out {out_dir} is a file, not a directory; give a directory")
    names = tuple(OUTPUT_NAMES.values())
    for name in names:
        check_writable(out_dir / name, "output")
    existing = [name for name in names if (out_dir / name).exists()]
    if existing and not force:
        raise InputError(
            f"{out_dir} already holds the outputs of a run ({', '.join(existing)}); they may be "
            "recorded, with their hashes, in a case's ledger: give another --out directory, "
            "or --force to replace them"
        )
