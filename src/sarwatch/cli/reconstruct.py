"""``sarwatch case reconstruct CASE_ID --out DIR``: the case's reconstruction, HTML and PDF.

Writes ``reconstruction-CASE_ID.html`` (self-contained, map inline), ``.pdf`` and
``.json`` into DIR, prints the three answers (when each RCC knew, which vessels could
have arrived before the outcome, how long each answer took), and attaches the
reconstruction to the case (so it is in the case's evidence bundle) unless ``--no-attach``
is given. A closed case takes it too: a reconstruction is a record *about* the case that
changes none of its facts (``domain.events.AFTER_CLOSING_ATTACHMENTS``).
"""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

__all__ = ["reconstruct"]


def reconstruct(
    case_id: str = typer.Argument(..., help="Case id, e.g. 2018-03-15-LY-001."),
    out: Path = typer.Option(..., "--out", help="Directory for the HTML, PDF and JSON."),
    attach: bool = typer.Option(True, "--attach/--no-attach", help="Attach it to the case."),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also write the PDF."),
    actor: str = typer.Option(None, help="Who records the attachment (default cli:<login>)."),
) -> None:
    """Reconstruct a case from its ledger: timeline, RCCs, vessels and answers, as HTML and PDF."""
    from rich.console import Console

    from sarwatch.cli.context import station
    from sarwatch.services.attachments import Attachments
    from sarwatch.services.reconstruction import reconstruct as build
    from sarwatch.services.reconstruction import write_reconstruction

    st = station()
    rec = build(st.cases, case_id)
    files = write_reconstruction(rec, out, pdf=pdf, cache_dir=st.settings.cache_dir)
    console = Console(highlight=False, soft_wrap=True, markup=False)
    console.print(f"case {rec.case_id}: ledger up to #{rec.head_seq}, {len(rec.timeline)} entries")
    for r in rec.rccs:
        known = r.first_known or "no contact recorded"
        extra = f" ({r.minutes_after_alert:g} min after the alert)" if r.first_known else ""
        flag = " [position in its SAR region]" if r.responsible else ""
        console.print(f"  {r.name} ({r.srr_id}){flag}: knew {known}{extra}")
    for v in rec.vessels:
        eta = (
            "unreachable"
            if v.eta_p50_h is None
            else f"ETA P50 {v.eta_p50_h:g} h P90 {v.eta_p90_h} h"
        )
        console.print(f"  {v.name} ({v.mmsi}): {eta}; before the outcome: {v.before_outcome}")
    for a in rec.answers:
        took = (
            f"answered after {a.delay_min:g} min"
            if a.delay_min is not None
            else "no answer recorded"
        )
        console.print(f"  to {a.counterpart} at {a.asked_at}: {took}")
    for kind, path in files.items():
        console.print(f"wrote {path} ({kind})")
    if not attach:
        return
    Attachments(st.cases).reconstruction(
        rec.case_id, rec.to_json(), files, actor=actor or f"cli:{getpass.getuser()}"
    )
    console.print(f"attached to case {rec.case_id} (reconstruction)")
