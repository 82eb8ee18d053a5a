"""Background jobs (drift runs asked for through the API), claimed by any server worker.

Revision ID: 0010_jobs
Revises: 0003
Create Date: 2026-12-06

A branch of its own off 0003 (the store upgrades to "heads"). On PostgreSQL also a
trigger that notifies the channel ``sarwatch_events`` at each event inserted, which
wakes the event feed of every server worker (``adapters/store/event_bell.py``). See
``docs/design/021-workers.md``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_jobs"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("job_id", sa.String(40), primary_key=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("progress", sa.Float, nullable=False, server_default="0"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("worker", sa.String(200), nullable=True),
        sa.Column("pid", sa.Integer, nullable=True),
        sa.Column("created_s", sa.Float, nullable=False),
        sa.Column("started_s", sa.Float, nullable=True),
        sa.Column("heartbeat_s", sa.Float, nullable=True),
        sa.Column("finished_s", sa.Float, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_jobs_state_created", "jobs", ["state", "created_s"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION sarwatch_notify_event() RETURNS trigger AS $$ "
            "BEGIN PERFORM pg_notify('sarwatch_events', NEW.id::text); RETURN NEW; END; "
            "$$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER sarwatch_events_notify AFTER INSERT ON events "
            "FOR EACH ROW EXECUTE FUNCTION sarwatch_notify_event()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS sarwatch_events_notify ON events")
        op.execute("DROP FUNCTION IF EXISTS sarwatch_notify_event()")
    op.drop_index("ix_jobs_state_created", table_name="jobs")
    op.drop_table("jobs")
