"""``sarwatch compile``: compile the numerical kernels now, not at the first alert."""

from __future__ import annotations

import typer

__all__ = ["compile_kernels", "register"]


def compile_kernels() -> None:
    """Compile the numerical kernels now, not at the first drift, route or plan.

    numba compiles them at their first use after an install or an upgrade
    (about a minute on a 2-core machine). This byte-compiles sarwatch's modules,
    runs each computation once on a tiny input and keeps only numba's cache.
    `make run` and `make test` do it; once done, it takes seconds.
    """
    from sarwatch.cli.context import station
    from sarwatch.services.warmup import WarmupStep
    from sarwatch.services.warmup import compile_kernels as run_steps

    def starting(name: str) -> None:
        typer.echo(f"{name} ...", nl=False)

    def done(step: WarmupStep) -> None:
        typer.echo(f" {step.seconds:.1f} s")

    steps = run_steps(cache_dir=station().settings.cache_dir, on_start=starting, on_step=done)
    total = sum(s.seconds for s in steps)
    typer.echo(
        f"kernels ready in {total:.1f} s: later processes load them from numba's cache "
        "(compiled again only after an upgrade)"
    )


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch compile`` to the root app."""
    app.command("compile")(compile_kernels)
