"""``sarwatch public render``: write the public feed to ``<home_dir>/public`` now.

The feed is re-rendered after every case write; run this from cron (a case also
becomes public by ageing ``public_delay_h`` hours without news, which no write marks)
or after restoring a store. Any web server or CDN can then serve the directory.
"""

from __future__ import annotations

import typer

__all__ = ["register"]

public_app = typer.Typer(help="The public feed as static files.", no_args_is_help=True)


@public_app.command("render")
def render() -> None:
    """Render cases.json and policy.json under <home_dir>/public (atomic replace)."""
    from sarwatch.cli.context import station
    from sarwatch.services.public_static import public_dir

    st = station()
    tags = st.render_public().etags
    out = public_dir(st.settings.home_dir)
    for name, tag in tags.items():
        size = (out / name).stat().st_size
        typer.echo(f"{out / name}  {size} bytes  ETag {tag}")


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch public``."""
    app.add_typer(public_app, name="public")
