"""The incident register: incidents, their signed chain and head, record ids, batches.

Revision ID: 0006_incidents
Revises: 0003
Create Date: 2026-12-06

A branch of its own off 0003 (the store upgrades to "heads"). See
``docs/design/016-incidents.md``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_incidents"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("incident_id", sa.String(24), primary_key=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("time", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("month", sa.Integer, nullable=False),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("place", sa.Text, nullable=False),
        sa.Column("country", sa.Text, nullable=False),
        sa.Column("survivors", sa.Integer, nullable=True),
        sa.Column("dead", sa.Integer, nullable=True),
        sa.Column("missing", sa.Integer, nullable=True),
        sa.Column("quality", sa.Integer, nullable=False),
        sa.Column("merged_into", sa.String(24), nullable=True),
        sa.Column("case_id", sa.String(40), nullable=True),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("state", sa.Text, nullable=False),
    )
    op.create_index("ix_incidents_time", "incidents", ["time"])
    op.create_index("ix_incidents_year_month", "incidents", ["year", "month"])
    op.create_index("ix_incidents_merged_into", "incidents", ["merged_into"])
    op.create_table(
        "incident_events",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
    )
    op.create_table(
        "incident_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
    )
    op.create_table(
        "incident_external_ids",
        sa.Column("external_id", sa.String(200), primary_key=True),
        sa.Column("incident_id", sa.String(24), nullable=False),
    )
    op.create_table(
        "incident_batches",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("incident_batches")
    op.drop_table("incident_external_ids")
    op.drop_table("incident_head")
    op.drop_table("incident_events")
    op.drop_index("ix_incidents_merged_into", table_name="incidents")
    op.drop_index("ix_incidents_year_month", table_name="incidents")
    op.drop_index("ix_incidents_time", table_name="incidents")
    op.drop_table("incidents")
