"""The phase of a background job (what a drift run is doing while it sits at 0 %).

Revision ID: 0011_job_phase
Revises: 0010_jobs
Create Date: 2026-12-07

A nullable column: jobs queued before it simply have no phase. The worker running a job
writes it with each heartbeat, so every server worker can report it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_job_phase"
down_revision = "0010_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("jobs", sa.Column("phase", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("phase")
