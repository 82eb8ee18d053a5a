"""``sarwatch media add CASE_ID FILE``: attach a photo, audio, video or document.

The file is read in chunks into the station's media store (``<home_dir>/media``,
named by SHA-256) and recorded in the case's ledger by hash, type, size, name and
who added it. For a photo with EXIF GPS and time, the position is printed as a
report to confirm (``sarwatch case report``), never recorded by itself.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from sarwatch.cli.safe_text import print_notice, terminal_safe

__all__ = ["register"]

media_app = typer.Typer(help="Media evidence: photos, audio, video, documents.")


@media_app.command("add")
def add(
    case_id: str = typer.Argument(..., help="Case id."),
    file: Path = typer.Argument(..., help="The photo, audio, video or document."),
    media_type: str = typer.Option(
        None, "--type", help="Media type, e.g. image/jpeg (default: from the file name)."
    ),
    actor: str = typer.Option(None, help="Who adds it (default cli:<login>)."),
) -> None:
    """Attach a media file to a case (stored by SHA-256, recorded in the ledger)."""
    from sarwatch.cli.context import station
    from sarwatch.geo.position import format_position
    from sarwatch.services.media import media_service

    st = station()
    service = media_service(st.cases, st.settings)
    added = service.add_file(
        case_id, file, actor=actor or f"cli:{getpass.getuser()}", media_type=media_type
    )
    r = added.record["result"]
    seq = added.case.head.seq if added.case.head else "?"
    typer.echo(
        terminal_safe(
            f"added {r['file_name']} to {case_id}: {r['media_type']}, {r['size_bytes']:,} "
            f"bytes, SHA-256 {r['sha256']} (event #{seq})"
        )
    )
    if not added.new_file:  # the same bytes were stored before: say where, once more
        earlier = [
            e.seq
            for e in st.cases.events(case_id)
            if e.kind == "attachment_added"
            and e.seq != seq
            and (e.payload.get("record") or {}).get("result", {}).get("sha256") == r["sha256"]
        ]
        where = f" (event(s) #{', #'.join(map(str, earlier))})" if earlier else " (another case)"
        print_notice(
            "already stored",
            f"the same file (SHA-256) was added before{where}; recorded again as asked",
            style="bold yellow",
        )
    offer = added.offer
    if offer is not None:
        where = format_position(offer["lon"], offer["lat"], decimals=2)
        print_notice(
            "position offered",
            f"the photo's EXIF says {where} at {offer['time']}. Not recorded: confirm it "
            f"with the source, then: sarwatch case report {case_id} --lat {offer['lat']} "
            f"--lon {offer['lon']} --time {offer['time']} --source 'EXIF of {r['file_name']}'",
            style="bold yellow",
        )


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch media``."""
    app.add_typer(media_app, name="media")
