"""``sarwatch ledger checkpoint`` and ``ledger verify --witness``: signed checkpoints
over every case's head, submitted to and checked against witness stations; and
``sarwatch witness trust|untrust|list``: the station keys this station, as a witness,
accepts checkpoints from."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sarwatch.services.container import Station

__all__ = ["check_witnesses", "checkpoint", "register"]


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


witness_app = typer.Typer(
    help="This station as a witness: the station keys whose checkpoints it accepts."
)


def _at() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@witness_app.command("trust")
def trust(
    key: str = typer.Argument(
        ...,
        help="The station key's SHA-256 fingerprint (64 hex, from 'sarwatch ledger key' "
        "on that station), or its public_key.pem or keys.json file (its current key).",
    ),
    note: str = typer.Option("", help="Whose key it is, how the fingerprint was checked."),
) -> None:
    """Accept checkpoints from a station: put its key on this witness's allow-list."""
    from sarwatch.cli.context import station
    from sarwatch.cli.safe_text import terminal_safe
    from sarwatch.services.witness_trust import fingerprint_to_trust, station_trust

    fingerprint = fingerprint_to_trust(key)
    trust_list = station_trust(station().settings)
    before = trust_list.decision(fingerprint)
    record = trust_list.trust(fingerprint, at=_at(), note=note)
    typer.echo(
        terminal_safe(
            f"trusted station key {record.key_id} (SHA-256 fingerprint {record.fingerprint}) "
            f"since {record.at}: this witness accepts its checkpoints"
        )
    )
    if before is not None and before.event == "untrusted":  # a leaked key, say: in the open
        why = f" ({before.note})" if before.note else ""
        typer.echo(
            terminal_safe(f"note: its trust was withdrawn on {before.at}{why}; it is trusted again")
        )


@witness_app.command("untrust")
def untrust(
    key: str = typer.Argument(..., help="The station key's fingerprint, or its key file."),
    note: str = typer.Option("", help="Why."),
) -> None:
    """Refuse a station's next checkpoints (those kept stay): any key of its history,
    one it has not sent yet included (a later key that leaked)."""
    from sarwatch.cli.context import station
    from sarwatch.services.witness import WitnessLog
    from sarwatch.services.witness_trust import fingerprint_to_trust, station_trust

    st = station()
    fingerprint = fingerprint_to_trust(key)
    trust_list = station_trust(st.settings)
    held = WitnessLog(st.settings.home_dir, st.cases.signer, trust=trust_list).held()
    seen = trust_list.known(fingerprint) or any(fingerprint in keys for *_, keys in held)
    record = trust_list.untrust(fingerprint, at=_at(), note=note)
    typer.echo(
        f"station key {record.key_id} no longer trusted (since {record.at}): the next "
        "checkpoints of any station whose key history holds it are refused"
    )
    if not seen:  # a typo would block nothing: say so, and keep the decision
        typer.echo(
            f"note: this witness has not seen key {record.fingerprint} yet (check the "
            "fingerprint; a station that sends it later is refused)"
        )


@witness_app.command("list")
def list_trusted() -> None:
    """The keys this witness trusts, how and since when, and the stations it holds."""
    from sarwatch.cli.context import station
    from sarwatch.cli.safe_text import terminal_safe
    from sarwatch.services.witness import WitnessLog
    from sarwatch.services.witness_trust import station_trust

    st = station()
    trust_list = station_trust(st.settings)
    typer.echo(f"trust: {trust_list.mode}")
    for record in trust_list.by_operator().values():
        note = f"  ({record.note})" if record.note else ""
        typer.echo(terminal_safe(f"{record.fingerprint}  trusted {record.at}{note}"))
    for fingerprint in sorted(trust_list.by_setting):
        typer.echo(f"{fingerprint}  trusted by SARWATCH_WITNESS_KEYS")
    log = WitnessLog(st.settings.home_dir, st.cases.signer, trust=trust_list)
    for fingerprint, count, latest, keys in log.held():
        how = trust_list.how_trusted(keys)  # any key of its history, as the witness does
        withdrawn = trust_list.withdrawn_keys(keys)
        if how:
            state = f"trusted ({how})"
        elif withdrawn:
            state = f"NOT trusted: trust withdrawn from its key {', '.join(withdrawn)}"
        else:  # its current key: the one 'sarwatch ledger key' prints on the station
            state = (
                f"NOT trusted: its next checkpoints are refused (sarwatch witness trust {keys[-1]})"
            )
        typer.echo(f"held: {fingerprint[:16]}  {count} checkpoint(s), latest {latest}; {state}")


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch witness``."""
    app.add_typer(witness_app, name="witness")
