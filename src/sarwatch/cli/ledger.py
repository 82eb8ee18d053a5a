"""``sarwatch ledger``: verify the signed event chains, show the station key."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sarwatch.services.cases import Anchor, CaseService

__all__ = ["register"]

ledger_app = typer.Typer(help="Verify the tamper-evident ledger.")


@ledger_app.command("verify")
def verify(
    case_id: str = typer.Argument(None, help="One case (default: every case)."),
    anchors: list[str] = typer.Option(
        None,
        "--anchor",
        help="A head kept outside the station: SEQ:HASH as 'ledger verify' printed for the "
        "register, or an evidence bundle (.zip). Repeatable. Finds a rollback.",
    ),
    witnesses: list[str] = typer.Option(
        None,
        "--witness",
        help="A witness station's URL: the store must hold every case head of the latest "
        "checkpoint it witnessed (finds one case or the whole store rolled back). Repeatable.",
    ),
) -> None:
    """Check every event's hash, chain link and signature; name what was tampered with.

    Without a case, also checks the station register: a whole case deleted from
    the store, or one inserted behind the station's back, is found there. The
    register's head hash is printed: keep or publish it to anchor the register.
    """
    from sarwatch.cli.context import station
    from sarwatch.cli.safe_text import terminal_safe
    from sarwatch.errors import IntegrityError

    svc = station().cases
    parsed = [_anchor(a, svc) for a in anchors or []]  # a bad anchor is refused first
    reports = [svc.verify(case_id)] if case_id else svc.verify_all()
    register = None if case_id else svc.verify_register()
    bad = [r for r in reports if not r.ok]
    for report in reports:
        typer.echo(terminal_safe(report.summary(), keep_newlines=True))
    if register is not None:
        typer.echo(terminal_safe(register.summary(), keep_newlines=True))
    n_events = sum(r.n_events for r in reports)
    failures = []
    if bad:
        failures.append(
            f"{len(bad)} of {len(reports)} case(s) failed verification: "
            + ", ".join(r.case_id for r in bad)
        )
    if register is not None and not register.ok:
        failures.append(f"the station register shows {len(register.findings)} problem(s)")
    anchored = [f for a in parsed for f in svc.check_anchor(a)]
    for finding in anchored:
        typer.echo(terminal_safe(f"anchor: {finding.problem}: {finding.message}"))
    if anchors and not anchored:
        typer.echo(f"anchors: {len(anchors)} held unchanged")
    if anchored:
        failures.append(f"{len(anchored)} anchored head(s) not found unchanged")
    if witnesses:
        from sarwatch.cli.witness import check_witnesses

        failures += check_witnesses(station(), witnesses)
    if failures:
        raise IntegrityError("; ".join(failures))
    typer.echo(f"ledger OK: {len(reports)} case(s), {n_events} events, key {svc.signer.key_id}")


def _anchor(text: str, svc: CaseService) -> Anchor:
    """``SEQ:HASH`` or a bundle path, as an anchor."""
    from pathlib import Path

    from sarwatch.errors import InputError
    from sarwatch.services.cases import Anchor

    if text.lower().endswith(".zip"):
        from sarwatch.services.evidence import bundle_anchor

        return bundle_anchor(Path(text), key_id=svc.signer.key_id)
    seq, _, digest = text.partition(":")
    if not seq.strip().isdigit() or len(digest.strip()) != 64:
        raise InputError(
            f"--anchor {text!r}: give SEQ:HASH (the register head 'ledger verify' printed, "
            "e.g. 12:1c14…40 with the whole 64-character hash) or an evidence bundle .zip"
        )
    return Anchor("the anchor given", (int(seq), digest.strip().lower()))


@ledger_app.command("adopt")
def adopt() -> None:
    """Register cases opened before the station register existed (once, after upgrading).

    Each such case's chain must verify; if one does not, nothing is registered.
    """
    from sarwatch.cli.context import station

    adopted = station().cases.adopt_unregistered()
    if not adopted:
        typer.echo("every case is already in the station register")
        return
    typer.echo(f"registered {len(adopted)} case(s): " + ", ".join(adopted))


@ledger_app.command("key")
def key() -> None:
    """Print the station's public key, its id and fingerprint (publish them: bundles are
    checked against the key, and witnesses pin its fingerprint)."""
    from sarwatch.cli.context import station
    from sarwatch.ledger import load_or_create_signer, public_key_pem
    from sarwatch.ledger.keys import key_fingerprint

    signer = load_or_create_signer(station().settings.home_dir)
    typer.echo(f"key id: {signer.key_id}")
    # what a witness's operator pins (sarwatch witness trust): read it out to them
    typer.echo(f"fingerprint (SHA-256): {key_fingerprint(signer.public_key)}")
    typer.echo(public_key_pem(signer.public_key), nl=False)


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch ledger``."""
    from sarwatch.cli.witness import checkpoint

    ledger_app.command("checkpoint")(checkpoint)
    app.add_typer(ledger_app, name="ledger")
