"""``sarwatch db init``: create or migrate a store's schema (SQLite or PostgreSQL).

Opening a store runs the Alembic migrations to the latest revision(s) (``heads``), so
``sarwatch db init --url postgresql+psycopg://USER@HOST:PORT/DB`` on an empty database
creates the schema, and on an older one upgrades it; run again, it changes nothing.
``docs/postgres.md`` describes the team set-up, backups and restore.
"""

from __future__ import annotations

import typer

__all__ = ["register"]

db_app = typer.Typer(help="The case store's database.", no_args_is_help=True)


@db_app.command("init")
def init(
    url: str = typer.Option(
        None,
        "--url",
        help="SQLAlchemy URL, e.g. postgresql+psycopg://sarwatch@db.example:5432/sarwatch "
        "(default: SARWATCH_DATABASE_URL, else the SQLite file under the home).",
    ),
) -> None:
    """Create the schema, or migrate it to the latest revision; print the revision."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from sarwatch.services.container import open_station_store
    from sarwatch.settings import load_settings

    settings = load_settings(**({"database_url": url} if url else {}))
    store = open_station_store(settings)  # migrates to heads on open
    try:
        engine = store.engine  # type: ignore[attr-defined]
        with engine.connect() as conn:
            found = conn.execute(text("SELECT version_num FROM alembic_version"))
            revisions = sorted(found.scalars())
        shown = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
        typer.echo(f"store {shown}: schema at revision {', '.join(revisions)}")
    finally:
        store.close()


def register(app: typer.Typer) -> None:
    """Attach ``sarwatch db``."""
    app.add_typer(db_app, name="db")
