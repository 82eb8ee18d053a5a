"""The ``sarwatch`` command: one Typer app, one module per command group.

The groups are attached by name in :func:`_register` (a missing or broken module
fails every command, loudly). The root callback gives the invocation its
:class:`~sarwatch.cli.context.StationRef` (closed when it ends): settings are loaded once, when the
first command asks for the station (:func:`sarwatch.cli.context.station`).

Errors from the :mod:`sarwatch.errors` family are printed as one readable
message (no traceback unless ``--verbose``) and end the process with the
error's ``exit_code`` (2 for bad input).

The console entry point is :func:`run`: it sets what belongs to the process (OpenMP
threads that wait passively, the garbage collector's pace, no final collection) and
calls :func:`main`, which is for callers in the same process (tests).
"""

from __future__ import annotations

import gc
import os
import sys

import typer

from sarwatch.cli.safe_text import print_notice
from sarwatch.errors import SarwatchError

__all__ = ["app", "main", "run"]

app = typer.Typer(
    name="sarwatch",
    help="Maritime search and rescue in the Central Mediterranean.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

_state = {"verbose": False}


@app.callback()
def _root(
    ctx: typer.Context,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks on errors."),
) -> None:
    """Maritime search and rescue in the Central Mediterranean."""
    from sarwatch.cli.context import StationRef

    _state["verbose"] = verbose
    ctx.call_on_close(StationRef().close)


_registered: list[bool] = []


def _register() -> None:
    """Attach every command group, once. Imports are local so ``--help`` stays fast."""
    if _registered:
        return
    from sarwatch.cli import (
        ais,
        assess,
        atlas,
        bundle,
        case,
        db,
        drift,
        forcing,
        incidents,
        kernels,
        key,
        ledger,
        media,
        plan,
        public,
        responders,
        serve,
        stats,
        user,
        witness,
    )

    for module in (
        serve, assess, drift, forcing, plan, case, ledger, user, bundle, ais, responders,
        incidents, stats, media, key, atlas, public, db, kernels, witness,
    ):  # fmt: skip
        module.register(app)
    _registered.append(True)


def _passive_openmp_threads() -> None:
    """Let idle OpenMP threads sleep instead of spinning, unless the user chose otherwise.

    GNU OpenMP's threads spin for a while after each parallel region by default. On a
    machine whose cores are busy with other processes (a shared CI runner, a station
    running two drift jobs), the spinning threads take the cores that the working ones
    need: the 49 hourly statistics of a 1 M-particle run (three short parallel regions
    each) took 4.0–4.5 s instead of 1.0–1.6 s at load 3–4 (``benchmarks/bench_drift.py
    --command-ab ... --ab-load 2`` measures it). Set before numba starts its threads;
    child processes (server workers, Dask workers) inherit it.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; map sarwatch errors to a message and an exit code."""
    _register()
    args = sys.argv[1:] if argv is None else argv
    verbose = "--verbose" in args or "-v" in args
    try:
        app(args=args, prog_name="sarwatch")
    except SarwatchError as exc:
        if verbose:
            raise
        # The message may quote what was typed ("[/x]") or read (a bundle member's name):
        # printed as text, never as markup, its control characters shown, not obeyed.
        print_notice("error", exc)
        sys.exit(exc.exit_code)
    except OSError as exc:
        # A file or directory the user named cannot be read or written: say which.
        if verbose:
            raise
        where = f" {exc.filename}" if exc.filename else ""
        print_notice(
            "error",
            f"cannot use{where}: {exc.strerror or exc}; check the path exists and is writable",
        )
        sys.exit(2)


#: Allocations between two young-generation collections in a command's process (CPython's
#: default is 700). The libraries a command imports (numba, xarray, pandas) create some
#: 200,000 long-lived objects; with the default, a 1 M-particle drift run spent 0.37 s in
#: 580 collections, four of them full ones over everything (0.27 s), and 0.15 s in 40
#: collections and no full one with this.
GC_YOUNG_THRESHOLD = 10_000


def run() -> None:
    """The console entry point (``sarwatch``, ``python -m sarwatch``): :func:`main`, then exit.

    The process's OpenMP threads wait passively (:func:`_passive_openmp_threads`), and
    the young generation is collected every :data:`GC_YOUNG_THRESHOLD` allocations
    rather than 700 (cycles are still collected, in fewer, larger passes). When the
    command has ended, every object left is moved out of the garbage
    collector's reach (``gc.freeze``): the interpreter's final collections would
    otherwise walk the millions of objects of numba, xarray and pandas, 0.33–0.43 s
    after a drift run against 0.06 s (measured from the last ``atexit`` handler to the
    process's end). ``atexit`` handlers still run and objects outside reference cycles
    are still released; only cycles alive at exit are left to the operating system,
    and everything sarwatch writes is closed before (files in ``with`` blocks, the
    station with the command's context). Not for callers in the same process: frozen
    objects are never collected.
    """
    _passive_openmp_threads()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    try:
        main()
    finally:
        gc.freeze()
