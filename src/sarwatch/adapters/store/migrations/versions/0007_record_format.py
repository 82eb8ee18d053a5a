"""The record format of each ledger event (``events.format``).

Revision ID: 0007_record_format
Revises: 0003
Create Date: 2026-12-06

Events written before this revision are record format 1 (canonical JSON in
Python's ``json.dumps`` form); new ones are format 2 (RFC 8785) and carry
``"format": 2`` in their hashed body (docs/evidence-format.md). The column tells
which form to hash a stored event with; existing rows keep format 1.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_record_format"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("format", sa.Integer, nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("format")
