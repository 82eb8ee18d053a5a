"""Alembic environment: runs on a connection handed over by the store, or on ``sqlalchemy.url``."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from sarwatch.adapters.store.tables import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # command-line use: alembic -c .../alembic.ini upgrade head
    url = (
        context.get_x_argument(as_dictionary=True).get("url")
        or config.get_main_option("sqlalchemy.url")
        or os.environ.get("SARWATCH_DATABASE_URL", "")
    )
    engine = create_engine(url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
