"""``sarwatch ledger checkpoint`` and ``ledger verify --witness``: signed checkpoints
over every case's head, submitted to and checked against witness stations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sarwatch.services.container import Station

__all__ = ["check_witnesses", "checkpoint"]


def checkpoint(
    witnesses: list[str] = typer.Option(
        None,
        "--witness",
        help="A witness station's URL (http://HOST:PORT) to submit the checkpoint to. Repeatable.",
    ),
) -> None:
    """Sign a checkpoint over every case's head, keep it, and submit it to witnesses."""
    from sarwatch.cli.context import station
    from sarwatch.cli.safe_text import terminal_safe
    from sarwatch.services.checkpoints import publish_checkpoint, submit_checkpoint

    st = station()
    svc = st.cases
    made = publish_checkpoint(svc.store, svc.signer, st.settings.home_dir)
    typer.echo(
        f"checkpoint {made.time}: {made.size} case(s), root {made.root().hex()}, key {made.key_id}"
    )
    for url in witnesses or []:
        cosigned = submit_checkpoint(url, made, svc.signer, svc.store)
        ids = ", ".join(c.key_id for c in cosigned.cosignatures)
        typer.echo(terminal_safe(f"witness {url}: cosigned by {ids}"))


def check_witnesses(st: Station, urls: list[str]) -> list[str]:
    """Compare the store with each witness's latest checkpoint; print, return failures."""
    from sarwatch.cli.safe_text import terminal_safe
    from sarwatch.services.checkpoints import verify_against_witness

    svc = st.cases
    failures = []
    for url in urls:
        result = verify_against_witness(url, svc.signer, svc.store)
        typer.echo(terminal_safe(result.summary(), keep_newlines=True))
        if not result.ok:
            failures.append(f"the store is not consistent with the witness {url}")
    return failures
